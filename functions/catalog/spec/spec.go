// Package catalogspec is the catalog service's one description of its routes, its table and its
// functions (shared/spec): the catalog's code names its indexes and attributes from here, infra
// builds the API routes and the table from here, and infra's tests fail when the synthesized
// template differs from it.
package catalogspec

import "github.com/microshop/microshop/shared/spec"

// Name is the service's name: its folder under functions/ and its functions' prefix.
const Name = "catalog"

// The catalog's functions (docs/contracts.md); each is the main package
// functions/catalog/cmd/<name>.
const (
	ListProducts   = "catalog-list-products"
	GetProduct     = "catalog-get-product"
	CreateProduct  = "catalog-create-product"
	ReplaceProduct = "catalog-replace-product"
	DeleteProduct  = "catalog-delete-product"
	// PublishEvents sends the outbox rows of the table's stream to the bus.
	PublishEvents = "catalog-publish-events"
)

// Attribute and index names of the products table.
const (
	// KeyID is the partition key: a product's id, or "outbox#<id>" and "idempotency#<hash>"
	// for the service's outbox rows and idempotency records.
	KeyID = "id"
	// AttrCategory is byCategory's partition key.
	AttrCategory = "category"
	// AttrListKey is byNewest's partition key, always "PRODUCT": one partition with every
	// product.
	AttrListKey = "listKey"
	// AttrSortKey is both indexes' sort key: createdAt (RFC 3339, UTC, 9-digit nanoseconds) +
	// "#" + id, so a descending query lists newest first.
	AttrSortKey = "sortKey"

	IndexByCategory = "byCategory"
	IndexByNewest   = "byNewest"
)

// Service returns the catalog's spec. Reads are public; writes need a token and the handlers
// require the admin group.
func Service() spec.Service {
	return spec.Service{
		Name: Name,
		Routes: []spec.Route{
			{Function: ListProducts, Method: "GET", Path: "/products", Access: spec.Public},
			{Function: GetProduct, Method: "GET", Path: "/products/{id}", Access: spec.Public},
			{Function: CreateProduct, Method: "POST", Path: "/products", Access: spec.Admin},
			{Function: ReplaceProduct, Method: "PUT", Path: "/products/{id}", Access: spec.Admin},
			{Function: DeleteProduct, Method: "DELETE", Path: "/products/{id}", Access: spec.Admin},
		},
		Table:     Table(),
		Publisher: PublishEvents,
	}
}

// Table returns the products table's schema. Its stream carries new images for the outbox
// publisher; outbox rows and idempotency records expire through the TTL attribute.
func Table() spec.Table {
	sortKey := spec.Key{Name: AttrSortKey, Type: spec.String}
	return spec.Table{
		PartitionKey: spec.Key{Name: KeyID, Type: spec.String},
		Indexes: []spec.Index{
			{
				Name:         IndexByCategory,
				PartitionKey: spec.Key{Name: AttrCategory, Type: spec.String},
				SortKey:      sortKey,
				Projection:   spec.ProjectAll,
			},
			{
				Name:         IndexByNewest,
				PartitionKey: spec.Key{Name: AttrListKey, Type: spec.String},
				SortKey:      sortKey,
				Projection:   spec.ProjectAll,
			},
		},
		TTLAttribute: spec.TTLAttribute,
		Stream:       spec.StreamNewImage,
	}
}
