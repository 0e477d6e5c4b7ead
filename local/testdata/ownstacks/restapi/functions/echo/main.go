// Command echo is the REST API test app's function: it answers every request with what
// API Gateway sent it (payload format 1.0), and echoes a binary body back as binary.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

// Echo is the JSON body of the answer.
type Echo struct {
	Resource       string              `json:"resource"`
	Path           string              `json:"path"`
	Method         string              `json:"method"`
	Stage          string              `json:"stage"`
	ContextPath    string              `json:"contextPath"`
	PathParameters map[string]string   `json:"pathParameters"`
	Query          map[string]string   `json:"query"`
	MultiQuery     map[string][]string `json:"multiQuery"`
	Tags           []string            `json:"tags"`
	SourceIP       string              `json:"sourceIp"`
	Authorizer     map[string]any      `json:"authorizer"`
	Body           string              `json:"body"`
	Base64         bool                `json:"isBase64Encoded"`
}

func handle(_ context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	if ev.IsBase64Encoded {
		return events.APIGatewayProxyResponse{
			StatusCode: 200, Headers: map[string]string{"Content-Type": ev.Headers["Content-Type"]},
			Body: ev.Body, IsBase64Encoded: true,
		}, nil
	}
	rc := ev.RequestContext
	b, err := json.Marshal(Echo{
		Resource: ev.Resource, Path: ev.Path, Method: ev.HTTPMethod, Stage: rc.Stage, ContextPath: rc.Path,
		PathParameters: ev.PathParameters, Query: ev.QueryStringParameters, MultiQuery: ev.MultiValueQueryStringParameters,
		Tags: ev.MultiValueHeaders["X-Tag"], SourceIP: rc.Identity.SourceIP, Authorizer: rc.Authorizer,
		Body: ev.Body, Base64: ev.IsBase64Encoded,
	})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return events.APIGatewayProxyResponse{
		StatusCode:        200,
		Headers:           map[string]string{"Content-Type": "application/json"},
		MultiValueHeaders: map[string][]string{"Set-Cookie": {"a=1", "b=2"}},
		Body:              string(b),
	}, nil
}

func main() { lambda.Start(handle) }
