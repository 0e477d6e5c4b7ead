// Command identity is the sam-restapi-keys fixture's function: it answers with the
// request's requestContext.identity as API Gateway sent it (apiKey and apiKeyId among it).
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

// request is the part of the REST API event it reads.
type request struct {
	RequestContext struct {
		Identity json.RawMessage `json:"identity"`
	} `json:"requestContext"`
}

func handle(_ context.Context, req request) (events.APIGatewayProxyResponse, error) {
	return events.APIGatewayProxyResponse{StatusCode: 200, Headers: map[string]string{"content-type": "application/json"}, Body: string(req.RequestContext.Identity)}, nil
}

func main() { lambda.Start(handle) }
