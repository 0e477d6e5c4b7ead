package sam

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// This file expands an HttpApi's Auth the way the translator does: each Lambda authorizer
// of Auth.Authorizers becomes a security scheme of the Body (components.securitySchemes,
// with x-amazon-apigateway-authorizer), and each route names its authorizer in its
// operation's security: the event's Auth.Authorizer, else Auth.DefaultAuthorizer, none
// for "NONE".

// httpAuth is what an HttpApi's Auth tells its routes.
type httpAuth struct {
	// lambda holds the names of the Lambda authorizers written to the Body.
	lambda map[string]bool
	// skipped holds the names of the authorizers left out (JWT, with a warning).
	skipped map[string]bool
	// fallback is DefaultAuthorizer, "" without one.
	fallback string
}

// httpAPIAuth writes the Lambda authorizers of auth (HttpApi's Auth) into body, and their
// permissions when EnableFunctionDefaultPermissions asks for them.
func (x *expander) httpAPIAuth(id, what string, auth any, body, res map[string]any) (*httpAuth, error) {
	out := &httpAuth{lambda: map[string]bool{}, skipped: map[string]bool{}}
	if auth == nil {
		return out, nil
	}
	a, ok := auth.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: %s: Auth must be an object", ErrInvalid, what)
	}
	what += ".Auth"
	x.unknownProps(what, a, "Authorizers", "DefaultAuthorizer")
	out.fallback = str(a["DefaultAuthorizer"])
	defs, err := object(what, a, "Authorizers")
	if err != nil {
		return nil, err
	}
	var schemes map[string]any
	for _, name := range slices.Sorted(maps.Keys(defs)) {
		at := what + ".Authorizers." + name
		def, ok := defs[name].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: %s must be an object", ErrInvalid, at)
		}
		arn, ok := def["FunctionArn"]
		if !ok {
			x.warnf("%s: only Lambda authorizers (FunctionArn) are expanded by the local SAM transform; its routes are served without authorization", at)
			out.skipped[name] = true
			continue
		}
		x.unknownProps(at, def, "FunctionArn", "AuthorizerPayloadFormatVersion", "EnableSimpleResponses",
			"FunctionInvokeRole", "Identity", "EnableFunctionDefaultPermissions")
		version, ok := def["AuthorizerPayloadFormatVersion"]
		if !ok {
			return nil, fmt.Errorf("%w: %s: AuthorizerPayloadFormatVersion is required for a Lambda authorizer", ErrInvalid, at)
		}
		ext := map[string]any{
			"type": "request",
			"authorizerUri": map[string]any{"Fn::Sub": []any{
				"arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${__FunctionArn__}/invocations",
				map[string]any{"__FunctionArn__": arn},
			}},
			"authorizerPayloadFormatVersion": version,
		}
		copyIntegration(ext, def, "FunctionInvokeRole", "authorizerCredentials")
		if v, ok := def["EnableSimpleResponses"]; ok && v != false {
			ext["enableSimpleResponses"] = v
		}
		identity, err := object(at, def, "Identity")
		if err != nil {
			return nil, err
		}
		if identity != nil {
			x.unknownProps(at+".Identity", identity, "Headers", "QueryStrings", "StageVariables", "Context", "ReauthorizeEvery")
			copyIntegration(ext, identity, "ReauthorizeEvery", "authorizerResultTtlInSeconds")
			var sources []any
			for _, kind := range []struct{ key, prefix string }{
				{"Headers", "$request.header."}, {"QueryStrings", "$request.querystring."},
				{"StageVariables", "$stageVariables."}, {"Context", "$context."},
			} {
				l, _ := identity[kind.key].([]any)
				for _, v := range l {
					s, ok := v.(string)
					if !ok {
						return nil, fmt.Errorf("%w: %s.Identity.%s must list strings", ErrInvalid, at, kind.key)
					}
					sources = append(sources, kind.prefix+s)
				}
			}
			ext["identitySource"] = sources
		}
		if schemes == nil {
			comps, _ := body["components"].(map[string]any)
			if comps == nil {
				comps = map[string]any{}
				body["components"] = comps
			}
			if schemes, _ = comps["securitySchemes"].(map[string]any); schemes == nil {
				schemes = map[string]any{}
				comps["securitySchemes"] = schemes
			}
		}
		schemes[name] = map[string]any{"type": "apiKey", "name": "Unused", "in": "header", "x-amazon-apigateway-authorizer": ext}
		out.lambda[name] = true
		if def["EnableFunctionDefaultPermissions"] == true {
			err := x.add(id+name+"AuthorizerPermission", "AWS::Lambda::Permission", map[string]any{
				"Action":       "lambda:InvokeFunction",
				"FunctionName": arn,
				"Principal":    "apigateway.amazonaws.com",
				"SourceArn": map[string]any{"Fn::Sub": []any{
					"arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/authorizers/*",
					map[string]any{"__ApiId__": ref(id)},
				}},
			}, res)
			if err != nil {
				return nil, err
			}
		}
	}
	if out.fallback != "" && !out.lambda[out.fallback] && !out.skipped[out.fallback] {
		return nil, fmt.Errorf("%w: %s: DefaultAuthorizer %q is not one of its Authorizers", ErrInvalid, what, out.fallback)
	}
	return out, nil
}

// security is the operation's security requirement for an HttpApi event (nil for none): the
// event's Auth.Authorizer, else the API's DefaultAuthorizer, with Auth.AuthorizationScopes.
func (a *httpAuth) security(what string, ev httpEvent) ([]any, error) {
	name := a.fallback
	scopes := []any{}
	if auth, ok := ev.props["Auth"].(map[string]any); ok {
		if n := str(auth["Authorizer"]); n != "" {
			name = n
		}
		if l, ok := auth["AuthorizationScopes"].([]any); ok {
			scopes = l
		}
	} else if ev.props["Auth"] != nil {
		return nil, fmt.Errorf("%w: %s: Auth must be an object", ErrInvalid, what)
	}
	switch {
	case name == "" || strings.EqualFold(name, "NONE") || a.skipped[name]:
		return nil, nil
	case !a.lambda[name]:
		return nil, fmt.Errorf("%w: %s: Auth.Authorizer %q is not one of the API's Authorizers", ErrInvalid, what, name)
	}
	return []any{map[string]any{name: scopes}}, nil
}
