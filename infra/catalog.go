package infra

import (
	catalogspec "github.com/microshop/microshop/functions/catalog/spec"
)

// Catalog returns the catalog service (functions/catalog/spec): one function per route on the
// products table, and the outbox publisher.
func Catalog() ServiceDef {
	return ServiceDef{ID: "Catalog", Spec: catalogspec.Service(), Define: defineCatalog}
}

// defineCatalog gives each catalog function the table access its store calls need
// (functions/catalog/internal/ddb) and adds the outbox.
func defineCatalog(s *Service) {
	s.AddRoutes(map[string]Grant{
		catalogspec.GetProduct:   ItemActions("dynamodb:GetItem"),
		catalogspec.ListProducts: QueryIndexes(catalogspec.IndexByCategory, catalogspec.IndexByNewest),
		// Create: the idempotency record (get, conditional put, delete when the request fails),
		// then one transaction putting the product (attribute_not_exists) and its outbox row.
		catalogspec.CreateProduct: ItemActions("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"),
		// Replace: read the item (createdAt, version), then put it and its outbox row.
		catalogspec.ReplaceProduct: ItemActions("dynamodb:GetItem", "dynamodb:PutItem"),
		// Delete: one transaction deleting the product (attribute_exists) and putting its outbox row.
		catalogspec.DeleteProduct: ItemActions("dynamodb:DeleteItem", "dynamodb:PutItem"),
	})
	s.AddOutbox()
}
