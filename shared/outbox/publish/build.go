package publish

import (
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/microshop/microshop/shared/start"
)

// Build is every service's publisher function, for start.DynamoDBStream: a publisher to the
// bus EVENT_BUS_NAME names, through an EventBridge client taking its region, credentials and
// any endpoint override (AWS_ENDPOINT_URL_EVENTBRIDGE, set by the local runtime) from the
// environment.
//
//	func main() {
//		if err := start.DynamoDBStream("cart", publish.Build); err != nil {
//			os.Exit(1)
//		}
//	}
func Build(env *start.Env) (start.StreamHandler, error) {
	bus, err := env.Var(EnvBusName)
	if err != nil {
		return nil, err
	}
	cfg, err := env.AWS()
	if err != nil {
		return nil, err
	}
	client := eventbridge.NewFromConfig(cfg, func(o *eventbridge.Options) { o.BaseEndpoint = env.Endpoint("EVENTBRIDGE") })
	return New(client, bus, Options{Log: env.Log}).Handle, nil
}
