// Package seed holds the sample catalog: realistic products in several categories, each in the
// JSON shape POST /products accepts, priced in the shop's currency. The seed tool
// (functions/catalog/tools/seed) loads them through the HTTP API as an admin (-token), so they
// pass the same validation and leave through the same outbox as any write. Tests use them as
// varied valid input.
package seed

import (
	_ "embed" // for go:embed
	"encoding/json"
	"fmt"
)

//go:embed products.json
var productsJSON []byte

// Products returns the sample products, one POST /products body each, in file order.
func Products() ([]json.RawMessage, error) {
	var products []json.RawMessage
	if err := json.Unmarshal(productsJSON, &products); err != nil {
		return nil, fmt.Errorf("seed: products.json: %w", err)
	}
	return products, nil
}
