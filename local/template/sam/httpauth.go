package sam

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// This file expands an HttpApi's Auth the way the translator does (its ApiGatewayV2Authorizer
// and OpenApiEditor): each authorizer of Auth.Authorizers becomes a security scheme of the
// Body (components.securitySchemes with x-amazon-apigateway-authorizer): a JWT authorizer
// (JwtConfiguration, IdentitySource) an oauth2 scheme of type jwt, a Lambda authorizer
// (FunctionArn) an apiKey scheme of type request. EnableIamAuthorizer adds the built-in
// AWS_IAM scheme (x-amazon-apigateway-authtype awsSigv4). Each route names its authorizer
// in its operation's security: the event's Auth.Authorizer (NONE written as a NONE
// requirement, which API Gateway reads as no authorization), else Auth.DefaultAuthorizer,
// with the event's Auth.AuthorizationScopes, else the authorizer's own AuthorizationScopes.

// iamAuthorizer is the name of the built-in IAM authorizer EnableIamAuthorizer adds.
const iamAuthorizer = "AWS_IAM"

// jwtProps and lambdaProps are the properties the translator takes for each kind of
// authorizer; a property of the other kind is an error.
var (
	jwtProps    = []string{"AuthorizationScopes", "JwtConfiguration", "IdentitySource"}
	lambdaProps = []string{"FunctionArn", "FunctionInvokeRole", "Identity", "AuthorizerPayloadFormatVersion",
		"EnableSimpleResponses", "EnableFunctionDefaultPermissions"}
)

// httpAuth is what an HttpApi's Auth tells its routes.
type httpAuth struct {
	// scopes holds each authorizer of Auth.Authorizers by name, with its
	// AuthorizationScopes (nil for none).
	scopes map[string][]any
	// iam is EnableIamAuthorizer: routes may name AWS_IAM.
	iam bool
	// fallback is DefaultAuthorizer, "" without one.
	fallback string
}

// httpAPIAuth writes the authorizers of auth (HttpApi's Auth) into body, and the Lambda
// authorizers' permissions when EnableFunctionDefaultPermissions asks for them.
func (x *expander) httpAPIAuth(id, what string, auth any, body, res map[string]any) (*httpAuth, error) {
	out := &httpAuth{scopes: map[string][]any{}}
	if auth == nil {
		return out, nil
	}
	a, ok := auth.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: %s: Auth must be an object", ErrInvalid, what)
	}
	what += ".Auth"
	x.unknownProps(what, a, "Authorizers", "DefaultAuthorizer", "EnableIamAuthorizer")
	if v, ok := a["DefaultAuthorizer"]; ok && !isNoValue(v) {
		if out.fallback, ok = v.(string); !ok {
			return nil, fmt.Errorf("%w: %s: DefaultAuthorizer must be a string", ErrInvalid, what)
		}
	}
	defs, err := object(what, a, "Authorizers")
	if err != nil {
		return nil, err
	}
	schemes := map[string]any{}
	if a["EnableIamAuthorizer"] == true {
		out.iam = true
		schemes[iamAuthorizer] = map[string]any{"type": "apiKey", "name": "Authorization", "in": "header",
			"x-amazon-apigateway-authtype": "awsSigv4"}
		x.warnf("%s: EnableIamAuthorizer: IAM (SigV4) authorization is not checked locally; routes naming %s answer 500 when the template has a JWT authorizer, else they are served without authorization",
			what, iamAuthorizer)
	}
	for _, name := range slices.Sorted(maps.Keys(defs)) {
		at := what + ".Authorizers." + name
		def, ok := defs[name].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: %s must be an object", ErrInvalid, at)
		}
		if _, ok := def["OpenIdConnectUrl"]; ok {
			return nil, fmt.Errorf("%w: %s: OpenIdConnectUrl is no longer supported by SAM (use JwtConfiguration.issuer)", ErrInvalid, at)
		}
		x.unknownProps(at, def, slices.Concat(jwtProps, lambdaProps)...)
		var scheme map[string]any
		if jwt, ok := def["JwtConfiguration"]; ok && jwt != nil {
			scheme, err = jwtScheme(at, def)
		} else {
			scheme, err = x.lambdaScheme(id, at, name, def, res)
		}
		if err != nil {
			return nil, err
		}
		schemes[name] = scheme
		scopes, _ := def["AuthorizationScopes"].([]any)
		out.scopes[name] = scopes
	}
	if len(schemes) > 0 {
		comps, _ := body["components"].(map[string]any)
		if comps == nil {
			comps = map[string]any{}
			body["components"] = comps
		}
		all, _ := comps["securitySchemes"].(map[string]any)
		if all == nil {
			all = map[string]any{}
			comps["securitySchemes"] = all
		}
		maps.Copy(all, schemes)
	}
	if out.fallback != "" && !out.defined(out.fallback) {
		return nil, fmt.Errorf("%w: %s: DefaultAuthorizer %q is not one of its Authorizers", ErrInvalid, what, out.fallback)
	}
	return out, nil
}

// defined reports whether name is an authorizer the API's routes may name by default.
func (a *httpAuth) defined(name string) bool {
	_, ok := a.scopes[name]
	return ok || a.iam && name == iamAuthorizer
}

// onlyFor fails when def has one of props, which belong to the other kind of authorizer.
func onlyFor(at string, def map[string]any, kind string, props []string) error {
	for _, p := range props {
		if _, ok := def[p]; ok {
			return fmt.Errorf("%w: %s: %s is only supported for a %s", ErrInvalid, at, p, kind)
		}
	}
	return nil
}

// jwtScheme is a JWT authorizer's security scheme: JwtConfiguration with its keys in lower
// case (the translator accepts Issuer/Audience too), IdentitySource as written.
func jwtScheme(at string, def map[string]any) (map[string]any, error) {
	if err := onlyFor(at, def, "Lambda authorizer", lambdaProps); err != nil {
		return nil, err
	}
	conf, ok := def["JwtConfiguration"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: %s: JwtConfiguration must be an object", ErrInvalid, at)
	}
	src, ok := def["IdentitySource"]
	if !ok || src == nil || src == "" {
		return nil, fmt.Errorf("%w: %s: an OAuth2 (JWT) authorizer must define IdentitySource", ErrInvalid, at)
	}
	if v, ok := def["AuthorizationScopes"]; ok {
		if _, ok := v.([]any); !ok {
			return nil, fmt.Errorf("%w: %s: AuthorizationScopes must be a list", ErrInvalid, at)
		}
	}
	lower := map[string]any{}
	for k, v := range conf {
		lower[strings.ToLower(k)] = v
	}
	return map[string]any{"type": "oauth2", "x-amazon-apigateway-authorizer": map[string]any{
		"jwtConfiguration": lower, "identitySource": src, "type": "jwt",
	}}, nil
}

// lambdaScheme is a Lambda authorizer's security scheme, and its permission when
// EnableFunctionDefaultPermissions asks for one.
func (x *expander) lambdaScheme(id, at, name string, def, res map[string]any) (map[string]any, error) {
	if err := onlyFor(at, def, "JWT (OAuth2) authorizer", jwtProps); err != nil {
		return nil, err
	}
	arn, ok := def["FunctionArn"]
	if !ok {
		return nil, fmt.Errorf("%w: %s: give FunctionArn (a Lambda authorizer) or JwtConfiguration (a JWT authorizer)", ErrInvalid, at)
	}
	version, ok := def["AuthorizerPayloadFormatVersion"]
	if !ok {
		return nil, fmt.Errorf("%w: %s: AuthorizerPayloadFormatVersion is required for a Lambda authorizer", ErrInvalid, at)
	}
	// The translator writes the partition of the region it runs in, which is aws locally.
	ext := map[string]any{
		"type": "request",
		"authorizerUri": map[string]any{"Fn::Sub": []any{
			"arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${__FunctionArn__}/invocations",
			map[string]any{"__FunctionArn__": arn},
		}},
		"authorizerPayloadFormatVersion": version,
	}
	if role, ok := def["FunctionInvokeRole"]; ok && role != nil && role != "NONE" {
		ext["authorizerCredentials"] = role
	}
	if v, ok := def["EnableSimpleResponses"]; ok && v != false && v != nil {
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
	if def["EnableFunctionDefaultPermissions"] == true {
		if err := x.authorizerPermission(id, name, arn, "${AWS::Partition}", res); err != nil {
			return nil, err
		}
	}
	return map[string]any{"type": "apiKey", "name": "Unused", "in": "header", "x-amazon-apigateway-authorizer": ext}, nil
}

// security is the operation's security requirement for an HttpApi event with Auth (nil
// for an event without: the default authorizer is applied afterwards, to every operation
// still without one). The event's Auth.Authorizer, else the API's DefaultAuthorizer, with
// the event's AuthorizationScopes, else the authorizer's; NONE and AWS_IAM take no scopes.
func (a *httpAuth) security(what string, ev httpEvent) ([]any, error) {
	v, ok := ev.props["Auth"]
	if !ok || v == nil {
		return nil, nil
	}
	auth, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: %s: Auth must be an object", ErrInvalid, what)
	}
	if len(auth) == 0 {
		return nil, nil // the translator passes an empty Auth over
	}
	name := a.fallback
	if v, ok := auth["Authorizer"]; ok && v != nil && v != "" {
		if name, ok = v.(string); !ok {
			return nil, fmt.Errorf("%w: %s: Auth.Authorizer must be a string naming one of the API's Authorizers", ErrInvalid, what)
		}
	}
	scopes, ok := auth["AuthorizationScopes"].([]any)
	if v := auth["AuthorizationScopes"]; v != nil && !ok {
		return nil, fmt.Errorf("%w: %s: Auth.AuthorizationScopes must be a list of strings", ErrInvalid, what)
	}
	switch _, defined := a.scopes[name]; {
	case name == "":
		return nil, fmt.Errorf("%w: %s: Auth needs an Authorizer, or a DefaultAuthorizer on the HttpApi", ErrInvalid, what)
	case name == "NONE":
		if a.fallback == "" {
			return nil, fmt.Errorf("%w: %s: Authorizer NONE is only valid when the HttpApi has a DefaultAuthorizer", ErrInvalid, what)
		}
		return []any{map[string]any{name: []any{}}}, nil
	case name == iamAuthorizer && a.iam:
		return []any{map[string]any{name: []any{}}}, nil
	case !defined:
		return nil, fmt.Errorf("%w: %s: Auth.Authorizer %q is not one of the API's Authorizers", ErrInvalid, what, name)
	}
	if len(scopes) == 0 {
		scopes = a.scopes[name]
	}
	if scopes == nil {
		scopes = []any{}
	}
	return []any{map[string]any{name: scopes}}, nil
}

// applyDefault gives every operation of paths that has an API Gateway integration and no
// security the DefaultAuthorizer with its AuthorizationScopes, as the translator does
// (OPTIONS operations excepted).
func (a *httpAuth) applyDefault(paths map[string]any) {
	if a.fallback == "" {
		return
	}
	scopes := a.scopes[a.fallback]
	if scopes == nil {
		scopes = []any{}
	}
	for _, p := range paths {
		item, _ := p.(map[string]any)
		for method, v := range item {
			op, ok := v.(map[string]any)
			if !ok || strings.EqualFold(method, "options") || method == "parameters" {
				continue
			}
			if _, ok := op["x-amazon-apigateway-integration"].(map[string]any); !ok {
				continue
			}
			if s, ok := op["security"].([]any); ok && len(s) > 0 {
				continue
			}
			op["security"] = []any{map[string]any{a.fallback: deepCopy(scopes)}}
		}
	}
}

// isNoValue reports whether v is {"Ref": "AWS::NoValue"}.
func isNoValue(v any) bool {
	m, ok := v.(map[string]any)
	return ok && len(m) == 1 && m["Ref"] == "AWS::NoValue"
}

// authorizerPermission adds <api><name>AuthorizerPermission, the Lambda permission that lets
// API Gateway invoke the authorizer function arn of API id, as the translator writes it: for
// HTTP APIs with ${AWS::Partition} in its source ARN, for REST APIs with "aws".
func (x *expander) authorizerPermission(id, name string, arn any, partition string, res map[string]any) error {
	return x.add(id+name+"AuthorizerPermission", "AWS::Lambda::Permission", map[string]any{
		"Action":       "lambda:InvokeFunction",
		"FunctionName": arn,
		"Principal":    "apigateway.amazonaws.com",
		"SourceArn": map[string]any{"Fn::Sub": []any{
			"arn:" + partition + ":execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/authorizers/*",
			map[string]any{"__ApiId__": ref(id)},
		}},
	}, res)
}
