// Command whoami is the sam-httpapi-auth fixture's route function: it answers with what the
// Lambda authorizer put in requestContext.authorizer.lambda (null on a public route).
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(_ context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var ctx map[string]any
	if a := req.RequestContext.Authorizer; a != nil {
		ctx = a.Lambda
	}
	b, err := json.Marshal(ctx)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"content-type": "application/json"}, Body: string(b)}, nil
}

func main() { lambda.Start(handle) }
