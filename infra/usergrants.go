package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
)

// UserPoolEnv is the environment variable that names the shop's user pool to a function.
const UserPoolEnv = "USER_POOL_ID"

// ReadUsers lets the function read single users of the shop's user pool
// (cognito-idp:AdminGetUser on that pool only: no listing, no change) and tells it the pool
// in USER_POOL_ID: the order confirmation finds the email of an order placed with an access
// token, which carries no email claim.
func ReadUsers() Grant {
	return func(s *Service, fn *GoFunction) {
		pool := s.Platform.Auth.UserPool
		fn.Function.AddEnvironment(jsii.String(UserPoolEnv), pool.UserPoolId(), nil)
		fn.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("cognito-idp:AdminGetUser"),
			Resources: jsii.Strings(*pool.UserPoolArn()),
		}))
	}
}
