// Package consume holds the payments service's event consumers, one per Lambda function: each
// decodes its event from the envelope (events/envelope) and calls the use case in package app
// with a context that carries the event's correlation id and names the event as the cause of
// the events it writes. Errors are returned, so shared/consume reports the message as failed
// and SQS redelivers it, then moves it to the queue's dead-letter queue.
package consume

import (
	"context"
	"fmt"

	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/inventoryevents"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/functions/payments/internal/app"
	sharedconsume "github.com/microshop/microshop/shared/consume"
)

// Charge is the payments-charge consumer: StockReserved charges the order.
func Charge(svc *app.Payments) sharedconsume.Handler {
	return handle(func(ctx context.Context, ev inventoryevents.StockReservedV1) error { return svc.Charge(ctx, ev) })
}

// Refund is the payments-refund consumer: OrderCancelled refunds a paid order.
func Refund(svc *app.Payments) sharedconsume.Handler {
	return handle(func(ctx context.Context, ev orderevents.OrderCancelledV1) error { return svc.Refund(ctx, ev) })
}

// handle decodes an envelope holding a T and calls fn with it; any other event is an error.
func handle[T envelope.Event](fn func(context.Context, T) error) sharedconsume.Handler {
	return func(ctx context.Context, in sharedconsume.Event) error {
		env, err := envelope.Decode(in.Envelope)
		if err != nil {
			return fmt.Errorf("event %s: %w", in.ID, err)
		}
		ev, err := envelope.Data[T](env)
		if err != nil {
			return err
		}
		return fn(env.Context(ctx), ev)
	}
}
