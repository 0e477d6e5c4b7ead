// Package catalogevents holds the contracts of the events the catalog service emits onto the
// event bus, one Go type per event per version. Each travels in an events/envelope Envelope with
// source Source and the type's detail-type; testdata holds a golden envelope of each.
//
// Within a version, fields are only ever added; a change that removes or reinterprets a field is
// a new version with a new type (ProductChangedV2 beside ProductChangedV1), and the catalog emits
// both for as long as consumers of the old one exist.
package catalogevents

// Source is the envelope source (and EventBridge Source) of every catalog event.
const Source = "microshop.catalog"

// Detail-types of the catalog's events (the envelope's type).
const (
	TypeProductCreated = "ProductCreated"
	TypeProductChanged = "ProductChanged"
	TypeProductDeleted = "ProductDeleted"
)

// Price is an amount of money in the currency's minor unit (cents for EUR), as the catalog's
// HTTP API shows it.
type Price struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"` // ISO 4217, e.g. "EUR"
}

// ProductCreatedV1 says a product was added to the catalog.
type ProductCreatedV1 struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Price    Price  `json:"price"`
	Category string `json:"category"`
	// Version is the product's version after the change (1 for a new product); consumers keep
	// the highest they have seen and drop older events that arrive late.
	Version int `json:"version"`
}

// ProductChangedV1 says a product's details were replaced. It carries the product's state after
// the change, not a difference.
type ProductChangedV1 struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Price    Price  `json:"price"`
	Category string `json:"category"`
	// Version is the product's version after the change.
	Version int `json:"version"`
}

// ProductDeletedV1 says a product was removed from the catalog. It carries no version: the
// catalog deletes without reading the product first. It is the last event of its product, and
// the outbox sends a product's events in order.
type ProductDeletedV1 struct {
	ID string `json:"id"`
}

// EventType returns TypeProductCreated.
func (ProductCreatedV1) EventType() string { return TypeProductCreated }

// EventVersion returns 1.
func (ProductCreatedV1) EventVersion() int { return 1 }

// EventType returns TypeProductChanged.
func (ProductChangedV1) EventType() string { return TypeProductChanged }

// EventVersion returns 1.
func (ProductChangedV1) EventVersion() int { return 1 }

// EventType returns TypeProductDeleted.
func (ProductDeletedV1) EventType() string { return TypeProductDeleted }

// EventVersion returns 1.
func (ProductDeletedV1) EventVersion() int { return 1 }
