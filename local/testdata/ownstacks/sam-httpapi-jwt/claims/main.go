// Command claims is the sam-httpapi-jwt fixture's route function: it answers with what the
// JWT authorizer put in requestContext.authorizer.jwt (null on a public route).
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(_ context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var jwt *events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription
	if a := req.RequestContext.Authorizer; a != nil {
		jwt = a.JWT
	}
	b, err := json.Marshal(jwt)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"content-type": "application/json"}, Body: string(b)}, nil
}

func main() { lambda.Start(handle) }
