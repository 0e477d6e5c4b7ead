package runtime

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/microshop/microshop/local/edge"
	"github.com/microshop/microshop/local/jwtauth"
	"github.com/microshop/microshop/local/lambdaapi"
)

// JWKSPathPrefix is where the edge serves the local issuer's discovery document and keys:
// <edge>/_local/jwt/.well-known/openid-configuration and .../jwks.json.
const JWKSPathPrefix = "/_local/jwt/"

// startIdentity makes the runtime the issuer for every JWT authorizer and user pool in the
// template: it signs tokens with its own key (kept in keyDir, so `devcloud token` can mint
// them) and the HTTP APIs check tokens against it. It returns a nil Authorizer when the
// template has no authorizer, and a nil Issuer when it has neither authorizers nor pools.
func (rt *Runtime) startIdentity(gw *edge.Edge, keyDir string) (*jwtauth.Authorizer, *jwtauth.Issuer, error) {
	configs := jwtauth.ModelConfigs(rt.model)
	if len(configs) == 0 && len(rt.model.UserPools) == 0 {
		return nil, nil, nil
	}
	var opts jwtauth.Options
	switch {
	case len(configs) > 0:
		opts.IssuerURL = configs[0].Issuer
		if len(configs[0].Audience) > 0 {
			opts.ClientID = configs[0].Audience[0]
		}
	default:
		opts.IssuerURL = rt.model.UserPools[0].IssuerURL
		if cs := rt.model.UserPools[0].Clients; len(cs) > 0 {
			opts.ClientID = cs[0].ID
		}
	}
	opts.KeyDir = keyDir
	iss, err := jwtauth.NewIssuer(opts)
	if err != nil {
		return nil, nil, fmt.Errorf("local token issuer: %w", err)
	}
	gw.HandlePrefix(JWKSPathPrefix, iss.Handler())
	if len(configs) == 0 {
		return nil, iss, nil
	}
	auth := jwtauth.FromModel(rt.model, iss)
	if err := auth.Err(); err != nil {
		return nil, nil, fmt.Errorf("authorizers: %w", err)
	}
	return auth, iss, nil
}

// AsyncRetryDelays are the waits before Lambda's two retries of a failed asynchronous
// invocation: AWS waits 1 and 2 minutes; locally the same pattern runs 60 times faster.
var AsyncRetryDelays = []time.Duration{time.Second, 2 * time.Second}

// startLambdaAPI serves the Lambda Invoke API on the edge, addressing functions by any name
// the template gives them; its asynchronous path also serves EventBridge's Lambda targets.
func (rt *Runtime) startLambdaAPI(gw *edge.Edge, logw io.Writer) {
	h := lambdaapi.New(rt.manager, func(name string) (string, bool) {
		if fn, ok := rt.arns.function(name); ok {
			return fn, true
		}
		fn, err := rt.Lookup(name)
		if err != nil {
			return "", false
		}
		return fn.Name, true
	}, lambdaapi.Options{
		Region: rt.model.Region, AccountID: rt.model.AccountID, Log: logw,
		AsyncRetryDelays: AsyncRetryDelays, AsyncRetries: rt.asyncRetries, AsyncFailed: rt.asyncFailed(logw),
	})
	rt.closers = append(rt.closers, func() error { h.Close(); return nil })
	gw.Handle(edge.Lambda, h)
	rt.lambdaAPI = h
}

// DefaultKeyDir is where the token issuer keeps its key, under the module root.
func DefaultKeyDir(root string) string { return filepath.Join(root, ".local", "jwt") }
