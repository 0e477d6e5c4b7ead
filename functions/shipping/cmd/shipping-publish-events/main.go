// Command shipping-publish-events is the Lambda function on the shipping table's stream that
// sends the events of the shipments' outbox rows to the bus named by EVENT_BUS_NAME (see
// shared/outbox). The AWS SDK takes its region, credentials and any endpoint override
// (AWS_ENDPOINT_URL_EVENTBRIDGE, set by the local runtime) from the environment.
package main

import (
	"os"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/microshop/microshop/shared/outbox/publish"
	"github.com/microshop/microshop/shared/start"
)

func main() {
	if err := start.DynamoDBStream("shipping", build); err != nil {
		os.Exit(1) // start has logged why
	}
}

func build(env *start.Env) (start.StreamHandler, error) {
	bus, err := env.Var(publish.EnvBusName)
	if err != nil {
		return nil, err
	}
	cfg, err := env.AWS()
	if err != nil {
		return nil, err
	}
	client := eventbridge.NewFromConfig(cfg, func(o *eventbridge.Options) { o.BaseEndpoint = env.Endpoint("EVENTBRIDGE") })
	return publish.New(client, bus, publish.Options{Log: env.Log}).Handle, nil
}
