// Package shippingevents holds the shipping service's event contracts (source
// "microshop.shipping"): one Go type per event per version. Within a version, changes are
// additive only.
package shippingevents

// Source is the envelope source and EventBridge source of every shipping event.
const Source = "microshop.shipping"

// Event types (envelope type and EventBridge detail-type).
const (
	TypeShipmentCreated   = "ShipmentCreated"
	TypeShipmentDelivered = "ShipmentDelivered"
)

// ShipmentCreatedV1: a paid order's shipment exists (status CREATED).
type ShipmentCreatedV1 struct {
	OrderID        string `json:"orderId"`
	CustomerID     string `json:"customerId"`
	TrackingNumber string `json:"trackingNumber"`
}

// ShipmentDeliveredV1: an admin marked the shipment delivered; inventory commits the stock and
// the order can no longer be cancelled.
type ShipmentDeliveredV1 struct {
	OrderID        string `json:"orderId"`
	CustomerID     string `json:"customerId"`
	TrackingNumber string `json:"trackingNumber"`
}

func (ShipmentCreatedV1) EventType() string   { return TypeShipmentCreated }
func (ShipmentCreatedV1) EventVersion() int   { return 1 }
func (ShipmentDeliveredV1) EventType() string { return TypeShipmentDelivered }
func (ShipmentDeliveredV1) EventVersion() int { return 1 }
