package apigw

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/microshop/microshop/local/lambdahost"
)

// This file holds what the Lambda authorizers of REST APIs (rest_auth.go) and HTTP APIs
// (http_auth.go) share: calling the function, reading an IAM policy answer, matching it
// against the route's ARN, and caching answers by identity.

// authorizerTimeout is how long API Gateway waits for a Lambda authorizer.
const authorizerTimeout = 30 * time.Second

// callAuthorizer invokes a Lambda authorizer's function (through the same Invoker as the
// routes, so it is logged and recorded like them) and returns its answer. A function
// error whose message is exactly "Unauthorized" is ErrUnauthorized, as API Gateway answers
// it; any other failure wraps errAuthorizer.
func callAuthorizer(ctx context.Context, inv lambdahost.Invoker, function, name string, payload any) ([]byte, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: encode event: %v", errAuthorizer, name, err)
	}
	res, err := invokeRoute(ctx, inv, &route{function: function, timeout: authorizerTimeout}, b)
	if err != nil {
		if res != nil && res.Error != nil && res.Error.Message == "Unauthorized" {
			return nil, fmt.Errorf("%w: the authorizer %s answered Unauthorized", ErrUnauthorized, name)
		}
		return nil, fmt.Errorf("%w: %s: %v", errAuthorizer, name, err)
	}
	return res.Payload, nil
}

// parsePolicy reads an IAM policy answer: principalId and at least one statement are needed.
func parsePolicy(name string, b []byte) (*authorizerPolicy, error) {
	var pol authorizerPolicy
	if err := json.Unmarshal(b, &pol); err != nil || pol.PrincipalID == "" || len(pol.PolicyDocument.Statement) == 0 {
		return nil, fmt.Errorf("%w: %s returned no principalId and policyDocument: %s", errAuthorizer, name, b)
	}
	return &pol, nil
}

// executeAPIARN is the ARN a Lambda authorizer's policy is matched against:
// arn:<partition>:execute-api:<region>:<account>:<api>/<stage>/<METHOD><path>.
func executeAPIARN(region, account, apiID, stage, method, path string) string {
	partition := "aws"
	switch {
	case strings.HasPrefix(region, "cn-"):
		partition = "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		partition = "aws-us-gov"
	}
	return "arn:" + partition + ":execute-api:" + region + ":" + account + ":" + apiID + "/" + stage + "/" + method + path
}

// authCache keeps Lambda authorizers' answers by identity (a token or the identity source
// values) until they expire. The zero value is ready to use.
type authCache[T any] struct {
	mu      sync.Mutex
	entries map[string]cachedAnswer[T]
}

type cachedAnswer[T any] struct {
	answer  T
	expires time.Time
}

// get returns the answer cached for key that has not expired at now.
func (c *authCache[T]) get(key string, now time.Time) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !now.Before(e.expires) {
		delete(c.entries, key)
		var zero T
		return zero, false
	}
	return e.answer, true
}

// put caches answer for key until expires.
func (c *authCache[T]) put(key string, answer T, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]cachedAnswer[T]{}
	}
	c.entries[key] = cachedAnswer[T]{answer, expires}
}
