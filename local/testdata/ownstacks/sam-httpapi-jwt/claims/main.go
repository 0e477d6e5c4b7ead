// Command claims is the sam-httpapi-jwt fixture's route function: it answers with the
// request's requestContext.authorizer as API Gateway sent it (jwt from the HTTP API's JWT
// authorizer, claims from the REST API's Cognito authorizer; null on a public route).
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

// request is the part of both event shapes (HTTP API payload 2.0, REST API) it reads.
type request struct {
	RequestContext struct {
		Authorizer json.RawMessage `json:"authorizer"`
	} `json:"requestContext"`
}

func handle(_ context.Context, req request) (events.APIGatewayV2HTTPResponse, error) {
	body := "null"
	if len(req.RequestContext.Authorizer) > 0 {
		body = string(req.RequestContext.Authorizer)
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"content-type": "application/json"}, Body: body}, nil
}

func main() { lambda.Start(handle) }
