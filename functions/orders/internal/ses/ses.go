// Package ses sends the orders service's emails through Amazon SES v2 (SendEmail, simple
// content).
package ses

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/microshop/microshop/functions/orders/internal/confirm"
)

// API is the part of the SES v2 client the Mailer calls.
type API interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, opts ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

var _ API = (*sesv2.Client)(nil)

// Mailer sends through SES.
type Mailer struct{ api API }

var _ confirm.Mailer = (*Mailer)(nil)

// New returns a Mailer on api.
func New(api API) *Mailer { return &Mailer{api: api} }

// Send implements confirm.Mailer.
func (m *Mailer) Send(ctx context.Context, e confirm.Email) error {
	_, err := m.api.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(e.From),
		Destination:      &types.Destination{ToAddresses: []string{e.To}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String(e.Subject), Charset: aws.String("UTF-8")},
			Body:    &types.Body{Text: &types.Content{Data: aws.String(e.Text), Charset: aws.String("UTF-8")}},
		}},
	})
	if err != nil {
		return fmt.Errorf("send email to %s: %w", e.To, err)
	}
	return nil
}
