// Command authorizer is the sam-httpapi-auth fixture's Lambda authorizer (payload format
// 2.0, simple responses): the token "allow" is authorized, "deny" is not, "fail" makes the
// function fail. Its context tells the route who called and which route ARN it was asked
// about.
package main

import (
	"context"
	"errors"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(_ context.Context, ev events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
	token := ""
	if len(ev.IdentitySource) > 0 {
		token = ev.IdentitySource[0]
	}
	switch token {
	case "allow":
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{
			IsAuthorized: true,
			Context:      map[string]any{"user": "alice", "level": 3, "routeArn": ev.RouteArn, "routeKey": ev.RouteKey},
		}, nil
	case "fail":
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{}, errors.New("the token store is down")
	}
	return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: false}, nil
}

func main() { lambda.Start(handle) }
