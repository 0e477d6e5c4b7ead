// Command orders-send-confirmation emails the customer their order confirmation on
// OrderConfirmed, from its queue, once per order.
// TABLE_NAME names the orders table, MAIL_FROM the sender (a verified SES identity on
// AWS) and USER_POOL_ID the user pool holding the email of an order placed without one; the
// AWS SDK takes its region, credentials and endpoint overrides (set by the local
// runtime) from the environment.
package main

import (
	"os"

	idp "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/microshop/microshop/functions/orders/internal/confirm"
	"github.com/microshop/microshop/functions/orders/internal/customers"
	"github.com/microshop/microshop/functions/orders/internal/ses"
	"github.com/microshop/microshop/functions/orders/internal/wiring"
	"github.com/microshop/microshop/shared/consume"
	"github.com/microshop/microshop/shared/start"
)

func main() {
	if err := start.SQS(wiring.Service, build); err != nil {
		os.Exit(1) // start has logged why
	}
}

// build makes the consumer: the store, SES v2 (its endpoint overridable as
// AWS_ENDPOINT_URL_SESV2), the sender from MAIL_FROM (unset: confirm.DefaultFrom), and the
// user pool USER_POOL_ID (AdminGetUser, endpoint AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER).
// The SES and Cognito clients are built here rather than in wiring so that the other orders
// functions do not link them.
func build(env *start.Env) (consume.Handler, error) {
	store, err := wiring.Store(env)
	if err != nil {
		return nil, err
	}
	pool, err := env.Var(wiring.UserPoolEnv)
	if err != nil {
		return nil, err
	}
	from, _ := env.Var(wiring.MailFromEnv) // unset: confirm.DefaultFrom
	cfg, err := env.AWS()
	if err != nil {
		return nil, err
	}
	mail := sesv2.NewFromConfig(cfg, func(o *sesv2.Options) { o.BaseEndpoint = env.Endpoint("SESV2") })
	users := idp.NewFromConfig(cfg, func(o *idp.Options) { o.BaseEndpoint = env.Endpoint("COGNITO_IDENTITY_PROVIDER") })
	return confirm.Handler(confirm.Deps{
		Orders: store, Claims: store, Mailer: ses.New(mail), Customers: customers.New(users, pool), From: from, Log: env.Log,
	}), nil
}
