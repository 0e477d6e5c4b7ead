// Package confirm emails a customer their order confirmation when the order is confirmed
// (OrderConfirmed). It sends at most one email per order however often the event is
// delivered: a claim recorded before sending (in the orders table, see ddb.Store.Claim)
// stops a redelivery, and a failed send releases the claim so the retry sends.
package confirm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/functions/orders/internal/order"
	ordersspec "github.com/microshop/microshop/functions/orders/spec"
	"github.com/microshop/microshop/shared/consume"
)

// DefaultFrom is the sender when none is configured.
const DefaultFrom = ordersspec.DefaultMailFrom

// ErrUnexpected: the event is not OrderConfirmed.
var ErrUnexpected = errors.New("unexpected event")

// Orders reads an order (order.ErrNotFound when there is none).
type Orders interface {
	Get(ctx context.Context, id order.ID) (*order.Order, error)
}

// Claims records work done once: Claim reports false when key was claimed before; Release
// forgets a claim whose work failed.
type Claims interface {
	Claim(ctx context.Context, key string) (bool, error)
	Release(ctx context.Context, key string) error
}

// ErrUnknownCustomer: the directory has no such customer, or none with an email address.
var ErrUnknownCustomer = errors.New("unknown customer")

// Customers finds a customer's email address by their ID (the token's sub) in the user
// directory: ErrUnknownCustomer when there is none.
type Customers interface {
	Email(ctx context.Context, customerID string) (string, error)
}

// Email is one plain-text email.
type Email struct {
	From, To, Subject, Text string
}

// Mailer sends an email.
type Mailer interface {
	Send(ctx context.Context, e Email) error
}

// Deps are what Handler needs.
type Deps struct {
	Orders Orders
	Claims Claims
	Mailer Mailer
	// Customers finds the address of an order placed without one (with an access token,
	// which carries no email claim); nil sends such orders nothing.
	Customers Customers
	// From is the sender; DefaultFrom when empty.
	From string
	Log  *slog.Logger
}

// Handler returns the consumer of OrderConfirmed. An order without an email (placed with an
// access token, which carries none) is sent to the customer's address in the user directory
// (Deps.Customers); a customer the directory does not know is done without sending, and
// logged.
func Handler(d Deps) consume.Handler {
	if d.From == "" {
		d.From = DefaultFrom
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return func(ctx context.Context, ev consume.Event) error {
		env, err := envelope.Decode(ev.Envelope)
		if err != nil {
			return fmt.Errorf("event %s: %w", ev.ID, err)
		}
		ctx = env.Context(ctx)
		if !envelope.Is[orderevents.OrderConfirmedV1](env) {
			return fmt.Errorf("event %s (%s v%d): %w", ev.ID, env.Type, env.Version, ErrUnexpected)
		}
		data, err := envelope.Data[orderevents.OrderConfirmedV1](env)
		if err != nil {
			return err
		}
		o, err := d.Orders.Get(ctx, order.ID(data.OrderID))
		if err != nil {
			return fmt.Errorf("confirmation of %s: %w", data.OrderID, err)
		}
		to := o.Email()
		if to == "" && d.Customers != nil {
			switch to, err = d.Customers.Email(ctx, o.CustomerID()); {
			case errors.Is(err, ErrUnknownCustomer):
				to = ""
			case err != nil:
				return fmt.Errorf("confirmation of %s: %w", data.OrderID, err)
			}
		}
		if to == "" {
			d.Log.InfoContext(ctx, "no confirmation email: neither the order nor the directory has the customer's email", "orderId", data.OrderID)
			return nil
		}
		key := "confirmation-email#" + data.OrderID
		first, err := d.Claims.Claim(ctx, key)
		if err != nil {
			return err
		}
		if !first {
			d.Log.InfoContext(ctx, "confirmation email sent before", "orderId", data.OrderID)
			return nil
		}
		if err := d.Mailer.Send(ctx, message(o, d.From, to)); err != nil {
			if rerr := d.Claims.Release(ctx, key); rerr != nil {
				return errors.Join(fmt.Errorf("confirmation of %s: %w", data.OrderID, err), rerr)
			}
			return fmt.Errorf("confirmation of %s: %w", data.OrderID, err)
		}
		d.Log.InfoContext(ctx, "confirmation email sent", "orderId", data.OrderID)
		return nil
	}
}

// message is the confirmation email of o, to the address to.
func message(o *order.Order, from, to string) Email {
	text := fmt.Sprintf("Thank you for your order %s.\n\n", o.ID())
	for _, l := range o.Lines() {
		text += fmt.Sprintf("  %d x %s  %s\n", l.Quantity, l.Name, l.LineTotal)
	}
	text += fmt.Sprintf("  shipping  %s\n  total     %s\n\nWe will tell you when it ships.\n", o.Shipping(), o.Total())
	return Email{From: from, To: to, Subject: "Your order " + string(o.ID()) + " is confirmed", Text: text}
}
