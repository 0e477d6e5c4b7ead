// Command authorizer is the REST API test app's TOKEN authorizer: "Bearer allow" may call
// every method of the API, "Bearer deny" none, anything else is Unauthorized.
package main

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(_ context.Context, ev events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	effect := ""
	switch ev.AuthorizationToken {
	case "Bearer allow":
		effect = "Allow"
	case "Bearer deny":
		effect = "Deny"
	default:
		return events.APIGatewayCustomAuthorizerResponse{}, errors.New("Unauthorized")
	}
	// arn:aws:execute-api:<region>:<account>:<api>/<stage>/<method>/<path>: the whole API.
	api, _, _ := strings.Cut(ev.MethodArn, "/")
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: "admin",
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
			Version: "2012-10-17",
			Statement: []events.IAMPolicyStatement{{
				Action: []string{"execute-api:Invoke"}, Effect: effect, Resource: []string{api + "/*"},
			}},
		},
		Context: map[string]any{"role": "admin", "level": 3},
	}, nil
}

func main() { lambda.Start(handle) }
