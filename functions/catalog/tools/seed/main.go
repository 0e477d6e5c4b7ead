// Command seed loads the sample catalog (functions/catalog/seed/products.json) into a running
// catalog API, for a fresh local or test deployment:
//
//	go run ./functions/catalog/tools/seed -api http://127.0.0.1:3000 -token "$(devcloud token --user seed --groups admin)"
//
// Writes are admin-only: -token is an admin's access or ID token, sent as a Bearer token (the
// HTTP API's JWT authorizer checks it; locally `devcloud token` mints one).
//
// It does nothing if the catalog already has a product, so running it twice is safe. Otherwise
// it POSTs every sample product and stops with an error at the first response that is not
// 201 Created. It lives outside cmd/ because it is a developer tool, not a Lambda function.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/microshop/microshop/functions/catalog/seed"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	flags := flag.NewFlagSet("seed", flag.ContinueOnError)
	apiURL := flags.String("api", "http://127.0.0.1:3000", "base URL of the HTTP API")
	token := flags.String("token", "", "an admin's token, sent as Authorization: Bearer <token>")
	if err := flags.Parse(args); err != nil {
		return err
	}
	base, err := url.Parse(strings.TrimSuffix(*apiURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return fmt.Errorf("-api %q is not an http(s) URL", *apiURL)
	}
	products, err := seed.Products()
	if err != nil {
		return err
	}
	c := client{http: &http.Client{Timeout: 30 * time.Second}, base: base.String(), token: *token}

	empty, err := c.catalogEmpty(ctx)
	if err != nil {
		return err
	}
	if !empty {
		fmt.Fprintln(out, "catalog already has products; nothing to do")
		return nil
	}
	for i, p := range products {
		if err := c.create(ctx, p); err != nil {
			return fmt.Errorf("product %d of %d: %w (%d created before it; the catalog is now partly seeded)", i+1, len(products), err, i)
		}
	}
	fmt.Fprintf(out, "seeded %d products\n", len(products))
	return nil
}

type client struct {
	http  *http.Client
	base  string
	token string // "" sends no Authorization header
}

// catalogEmpty asks for one product.
func (c client) catalogEmpty(ctx context.Context) (bool, error) {
	status, body, err := c.do(ctx, http.MethodGet, "/products?limit=1", nil)
	if err != nil {
		return false, err
	}
	if status != http.StatusOK {
		return false, fmt.Errorf("GET /products?limit=1: status %d: %s", status, body)
	}
	var page struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return false, fmt.Errorf("GET /products?limit=1: %w", err)
	}
	return len(page.Items) == 0, nil
}

func (c client) create(ctx context.Context, product json.RawMessage) error {
	status, body, err := c.do(ctx, http.MethodPost, "/products", product)
	if err != nil {
		return err
	}
	if status != http.StatusCreated {
		return fmt.Errorf("POST /products: status %d, want 201: %s", status, body)
	}
	return nil
}

func (c client) do(ctx context.Context, method, path string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, nil, errors.Join(fmt.Errorf("%s %s: read response", method, path), err)
	}
	return resp.StatusCode, bytes.TrimSpace(respBody), nil
}
