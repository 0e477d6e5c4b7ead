// Package consume holds the shipping service's event consumers, one per Lambda function: each
// decodes its event from the envelope (events/envelope) and calls the use case in package app
// with a context that carries the event's correlation id and names the event as the cause of
// the events it writes. Errors are returned, so shared/consume reports the message as failed
// and SQS redelivers it, then moves it to the queue's dead-letter queue.
package consume

import (
	"context"
	"fmt"

	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/events/paymentevents"
	"github.com/microshop/microshop/functions/shipping/internal/app"
	sharedconsume "github.com/microshop/microshop/shared/consume"
)

// CreateShipment is the shipping-create-shipment consumer: PaymentSucceeded ships the order.
func CreateShipment(svc *app.Shipping) sharedconsume.Handler {
	return handle(func(ctx context.Context, ev paymentevents.PaymentSucceededV1) error { return svc.Create(ctx, ev) })
}

// CancelShipment is the shipping-cancel-shipment consumer: OrderCancelled cancels the shipment.
func CancelShipment(svc *app.Shipping) sharedconsume.Handler {
	return handle(func(ctx context.Context, ev orderevents.OrderCancelledV1) error { return svc.Cancel(ctx, ev) })
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
