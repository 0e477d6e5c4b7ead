package app

import (
	"context"

	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/functions/orders/internal/order"
	"github.com/microshop/microshop/shared/metrics"
)

// observe wraps an Orders.Update function so that the order's status before the committed
// change is known, and returns record, to call with the order Update returned once it
// succeeded: it emits the metrics of the order's move (shared/metrics). An order that leaves
// PENDING ends its saga (OrdersConfirmed, OrdersFailed by reason, OrdersCancelled, and
// SagaDuration from its placing); a CONFIRMED order cancelled counts in OrdersCancelled only.
// An update that changed nothing (a duplicate or late event) records nothing.
func (s *Service) observe(fn func(*order.Order) (*envelope.Envelope, error)) (
	wrapped func(*order.Order) (*envelope.Envelope, error), record func(context.Context, *order.Order),
) {
	var from order.Status
	wrapped = func(o *order.Order) (*envelope.Envelope, error) {
		from = o.Status() // the last call's read is the one committed
		return fn(o)
	}
	record = func(ctx context.Context, o *order.Order) {
		if o == nil || o.Status() == from {
			return
		}
		if o.Status() == order.Cancelled {
			metrics.Count(ctx, metrics.OrdersCancelled, 1)
		}
		if from != order.Pending {
			return
		}
		switch o.Status() {
		case order.Confirmed, order.Delivered: // a delivery that overtook ShipmentCreated confirmed it
			metrics.Count(ctx, metrics.OrdersConfirmed, 1)
		case order.Failed:
			metrics.Count(ctx, metrics.OrdersFailed, 1, metrics.Reason(o.FailureReason()))
		}
		metrics.Duration(ctx, metrics.SagaDuration, s.d.Now().Sub(o.CreatedAt()))
	}
	return wrapped, record
}
