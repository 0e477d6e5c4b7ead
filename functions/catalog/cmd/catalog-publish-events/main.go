// Command catalog-publish-events is the Lambda function on the catalog table's stream that
// sends the events of the products' outbox rows to the event bus named by EVENT_BUS_NAME (see
// shared/outbox). The AWS SDK takes its region, credentials and any endpoint override
// (AWS_ENDPOINT_URL_EVENTBRIDGE, set by the local runtime) from the environment.
package main

import (
	"errors"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/microshop/microshop/shared/awsconfig"
	"github.com/microshop/microshop/shared/outbox"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(log); err != nil {
		log.Error("catalog-publish-events cannot start", slog.Any("error", err))
		os.Exit(1)
	}
}

// run builds the publisher once and serves it; lambda.Start returns only on failure.
func run(log *slog.Logger) error {
	bus := os.Getenv(outbox.EnvBusName)
	if bus == "" {
		return errors.New(outbox.EnvBusName + " is not set")
	}
	cfg, err := awsconfig.FromEnv()
	if err != nil {
		return err
	}
	client := eventbridge.NewFromConfig(cfg, func(o *eventbridge.Options) {
		o.BaseEndpoint = awsconfig.Endpoint(os.Getenv, "EVENTBRIDGE")
	})
	lambda.Start(outbox.NewPublisher(client, bus, outbox.Options{Log: log}).Handle)
	return nil
}
