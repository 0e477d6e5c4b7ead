package sam

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// This file expands an AWS::Serverless::Api's Auth the way the translator does (its
// ApiGatewayAuthorizer and SwaggerEditor): each authorizer of Auth.Authorizers becomes a
// securityDefinitions entry of the Body: a Cognito authorizer (UserPoolArn) of authtype
// cognito_user_pools, a Lambda authorizer (FunctionArn) of authtype custom, TOKEN unless
// FunctionPayloadType is REQUEST, with its <Api><Name>AuthorizerPermission. Each method names
// its authorizer in its security: the event's Auth.Authorizer (NONE kept as a NONE
// requirement), else Auth.DefaultAuthorizer; AWS_IAM (the built-in IAM authorizer) adds the
// awsSigv4 definition and the integration's credentials.

// restAuthProps are the properties of a REST API authorizer.
var restAuthProps = []string{"UserPoolArn", "FunctionArn", "Identity", "FunctionPayloadType", "FunctionInvokeRole",
	"AuthorizationScopes", "DisableFunctionDefaultPermissions"}

// restAuth is what an Api's Auth tells its methods.
type restAuth struct {
	// scopes holds each authorizer by name (AWS_IAM too when it is the default), with its
	// AuthorizationScopes ([] for none).
	scopes map[string][]any
	// fallback is DefaultAuthorizer, "" without one.
	fallback string
	// preflight is AddDefaultAuthorizerToCorsPreflight (default true).
	preflight bool
	// invokeRole is Auth.InvokeRole, and whether it is given.
	invokeRole    any
	hasInvokeRole bool
	// schemes are the security definitions the Body gets.
	schemes map[string]any
	// apiKeyRequired is Auth.ApiKeyRequired; apiKeyPreflight AddApiKeyRequiredToCorsPreflight
	// (default true); apiKeyUsed whether a method asks for the api_key definition;
	// usagePlan is Auth.UsagePlan (restkeys.go).
	apiKeyRequired, apiKeyPreflight, apiKeyUsed bool
	usagePlan                                   any
}

// iamScheme is the security definition of the built-in AWS_IAM authorizer.
func iamScheme() map[string]any {
	return map[string]any{"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}
}

// restAPIAuth reads auth (an Api's Auth) and writes its authorizers' permissions.
func (x *expander) restAPIAuth(id, what string, auth any, res map[string]any) (*restAuth, error) {
	out := &restAuth{scopes: map[string][]any{}, preflight: true, apiKeyPreflight: true, schemes: map[string]any{}}
	if auth == nil {
		return out, nil
	}
	a, ok := auth.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: %s: Auth must be an object", ErrInvalid, what)
	}
	what += ".Auth"
	x.unknownProps(what, a, "Authorizers", "DefaultAuthorizer", "InvokeRole", "AddDefaultAuthorizerToCorsPreflight",
		"ApiKeyRequired", "AddApiKeyRequiredToCorsPreflight", "UsagePlan")
	if v, ok := a["ApiKeyRequired"]; ok && v != nil {
		if out.apiKeyRequired, ok = v.(bool); !ok {
			return nil, fmt.Errorf("%w: %s: ApiKeyRequired must be a boolean", ErrInvalid, what)
		}
	}
	if a["AddApiKeyRequiredToCorsPreflight"] == false {
		out.apiKeyPreflight = false
	}
	out.usagePlan = a["UsagePlan"]
	if v, ok := a["DefaultAuthorizer"]; ok && !isNoValue(v) {
		if out.fallback, ok = v.(string); !ok {
			return nil, fmt.Errorf("%w: %s: DefaultAuthorizer must be a string", ErrInvalid, what)
		}
	}
	if a["AddDefaultAuthorizerToCorsPreflight"] == false {
		out.preflight = false
	}
	out.invokeRole, out.hasInvokeRole = a["InvokeRole"]
	defs, err := object(what, a, "Authorizers")
	if err != nil {
		return nil, err
	}
	if out.fallback == iamAuthorizer {
		out.scopes[iamAuthorizer] = []any{}
		out.schemes[iamAuthorizer] = iamScheme()
	}
	for _, name := range slices.Sorted(maps.Keys(defs)) {
		at := what + ".Authorizers." + name
		def, ok := defs[name].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: %s must be an object", ErrInvalid, at)
		}
		x.unknownProps(at, def, restAuthProps...)
		scheme, err := x.restScheme(id, at, name, def, res)
		if err != nil {
			return nil, err
		}
		out.schemes[name] = scheme
		scopes := []any{}
		if v, ok := def["AuthorizationScopes"]; ok && v != nil {
			if scopes, ok = v.([]any); !ok {
				return nil, fmt.Errorf("%w: %s: AuthorizationScopes must be a list", ErrInvalid, at)
			}
		}
		out.scopes[name] = scopes
	}
	// Without authorizers the translator sets no default either.
	if out.fallback != "" && len(out.scopes) > 0 && out.scopes[out.fallback] == nil {
		return nil, fmt.Errorf("%w: %s: DefaultAuthorizer %q is not one of its Authorizers", ErrInvalid, what, out.fallback)
	}
	return out, nil
}

// restScheme is one authorizer's security definition (and its permission).
func (x *expander) restScheme(id, at, name string, def, res map[string]any) (map[string]any, error) {
	payload := "TOKEN"
	if v, ok := def["FunctionPayloadType"]; ok && v != nil {
		if payload, _ = v.(string); payload != "TOKEN" && payload != "REQUEST" {
			return nil, fmt.Errorf("%w: %s: FunctionPayloadType must be TOKEN or REQUEST", ErrInvalid, at)
		}
	}
	identity, err := object(at, def, "Identity")
	if err != nil {
		return nil, err
	}
	if identity != nil {
		x.unknownProps(at+".Identity", identity, "Header", "ValidationExpression", "ReauthorizeEvery",
			"Headers", "QueryStrings", "StageVariables", "Context")
	}
	header := "Authorization"
	if h, ok := identity["Header"].(string); ok && h != "" {
		header = h
	}
	scheme := map[string]any{"type": "apiKey", "name": header, "in": "header"}
	ext := map[string]any{}
	pool, isPool := def["UserPoolArn"]
	arn, isLambda := def["FunctionArn"]
	switch {
	case isPool && pool != nil:
		scheme["x-amazon-apigateway-authtype"] = "cognito_user_pools"
		ext["type"] = "cognito_user_pools"
		if l, ok := pool.([]any); ok {
			ext["providerARNs"] = l
		} else {
			ext["providerARNs"] = []any{pool}
		}
	case isLambda && arn != nil:
		scheme["x-amazon-apigateway-authtype"] = "custom"
		ext["type"] = strings.ToLower(payload)
		ext["authorizerUri"] = map[string]any{"Fn::Sub": []any{
			"arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${__FunctionArn__}/invocations",
			map[string]any{"__FunctionArn__": arn},
		}}
		if v, ok := identity["ReauthorizeEvery"]; ok && v != nil {
			ext["authorizerResultTtlInSeconds"] = v
		}
		if role, ok := def["FunctionInvokeRole"]; ok && role != nil && role != "" && role != "NONE" {
			ext["authorizerCredentials"] = role
		}
		if payload == "REQUEST" {
			scheme["name"] = "Unused"
			sources, err := restIdentitySources(at, identity)
			if err != nil {
				return nil, err
			}
			if len(sources) > 0 {
				ext["identitySource"] = strings.Join(sources, ", ")
			} else if ttl := identity["ReauthorizeEvery"]; ttl == nil || fmt.Sprint(ttl) != "0" {
				return nil, fmt.Errorf("%w: %s: a REQUEST authorizer needs Identity with at least one of Headers, QueryStrings, StageVariables or Context", ErrInvalid, at)
			}
		}
		if def["DisableFunctionDefaultPermissions"] != true {
			if err := x.authorizerPermission(id, name, arn, "aws", res); err != nil {
				return nil, err
			}
		}
	default:
		return nil, fmt.Errorf("%w: %s: give UserPoolArn (a Cognito authorizer) or FunctionArn (a Lambda authorizer)", ErrInvalid, at)
	}
	if v, ok := identity["ValidationExpression"]; ok && v != nil && (isPool || payload == "TOKEN") {
		ext["identityValidationExpression"] = v
	}
	scheme["x-amazon-apigateway-authorizer"] = ext
	return scheme, nil
}

// restIdentitySources are a REQUEST authorizer's identity sources, in the translator's order.
func restIdentitySources(at string, identity map[string]any) ([]string, error) {
	var out []string
	for _, kind := range []struct{ key, prefix string }{
		{"Headers", "method.request.header."}, {"QueryStrings", "method.request.querystring."},
		{"StageVariables", "stageVariables."}, {"Context", "context."},
	} {
		v, ok := identity[kind.key]
		if !ok || v == nil {
			continue
		}
		l, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("%w: %s.Identity.%s must be a list", ErrInvalid, at, kind.key)
		}
		for _, e := range l {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%w: %s.Identity.%s must list strings", ErrInvalid, at, kind.key)
			}
			out = append(out, kind.prefix+s)
		}
	}
	return out, nil
}

// method applies an Api event's Auth to its operation op: the integration's credentials for
// AWS_IAM, and the security requirement the event names. It reports whether op now asks for
// the AWS_IAM definition.
func (a *restAuth) method(x *expander, what string, ev httpEvent, op map[string]any) (iam bool, err error) {
	var auth map[string]any
	if v, ok := ev.props["Auth"]; ok && v != nil {
		if auth, ok = v.(map[string]any); !ok {
			return false, fmt.Errorf("%w: %s: Auth must be an object", ErrInvalid, what)
		}
	}
	x.unknownProps(what+".Auth", auth, "Authorizer", "AuthorizationScopes", "InvokeRole", "ApiKeyRequired")
	name, _ := auth["Authorizer"].(string)
	if v, ok := auth["Authorizer"]; ok && v != nil && name == "" {
		return false, fmt.Errorf("%w: %s: Auth.Authorizer must be a string", ErrInvalid, what)
	}
	if name == iamAuthorizer || a.fallback == iamAuthorizer && len(auth) == 0 {
		role, hasRole := auth["InvokeRole"]
		if (role == nil || role == "") && hasRole {
			role = "NONE"
		}
		if role == nil || role == "" {
			role = a.invokeRole
			if (role == nil || role == "") && a.hasInvokeRole {
				role = "NONE"
			}
		}
		if role == nil || role == "" || role == "CALLER_CREDENTIALS" {
			role = "arn:aws:iam::*:user/*"
		}
		if role != "NONE" {
			op["x-amazon-apigateway-integration"].(map[string]any)["credentials"] = role
		}
	}
	switch _, defined := a.scopes[name]; {
	case name == "" || name == iamAuthorizer:
	case name == "NONE":
		if a.fallback == "" {
			return false, fmt.Errorf("%w: %s: Authorizer NONE is only valid when the Api has a DefaultAuthorizer", ErrInvalid, what)
		}
	case !defined:
		return false, fmt.Errorf("%w: %s: Auth.Authorizer %q is not one of the API's Authorizers", ErrInvalid, what, name)
	}
	scopes, isList := auth["AuthorizationScopes"].([]any)
	if v := auth["AuthorizationScopes"]; v != nil && !isList {
		return false, fmt.Errorf("%w: %s: Auth.AuthorizationScopes must be a list", ErrInvalid, what)
	}
	if len(scopes) > 0 && name == "" {
		return false, fmt.Errorf("%w: %s: AuthorizationScopes works only when Authorizer is set", ErrInvalid, what)
	}
	if name == "" {
		return false, a.methodAPIKey(what, auth, op)
	}
	req := []any{}
	// The translator looks the scopes up in Auth.Authorizers as written, where neither NONE
	// nor the built-in AWS_IAM is.
	if own, ok := a.scopes[name]; ok && name != "NONE" && name != iamAuthorizer {
		req = own
		if isList {
			req = scopes
		}
	}
	op["security"] = []any{map[string]any{name: deepCopy(req)}}
	return name == iamAuthorizer, a.methodAPIKey(what, auth, op)
}

// applyDefault gives the methods of paths that have an integration the DefaultAuthorizer,
// unless they name an authorizer or NONE, as the translator's set_path_default_authorizer
// does. It reports whether a method now asks for the AWS_IAM definition.
func (a *restAuth) applyDefault(paths map[string]any) (iam bool) {
	if a.fallback == "" || len(a.scopes) == 0 {
		return false
	}
	for _, p := range paths {
		item, _ := p.(map[string]any)
		for method, v := range item {
			op, ok := v.(map[string]any)
			if !ok || method == "parameters" || !a.preflight && method == "options" {
				continue
			}
			if _, ok := op["x-amazon-apigateway-integration"].(map[string]any); !ok {
				continue
			}
			existing, _ := op["security"].([]any)
			var others, authorizers []any
			for _, s := range existing {
				m, _ := s.(map[string]any)
				if slices.ContainsFunc(slices.Collect(maps.Keys(m)), func(k string) bool {
					_, ok := a.scopes[k]
					return ok || k == iamAuthorizer
				}) {
					authorizers = append(authorizers, s)
				} else {
					others = append(others, s)
				}
			}
			var security []any
			if i := slices.IndexFunc(others, func(s any) bool { _, ok := s.(map[string]any)["NONE"]; return ok }); i >= 0 {
				security = slices.Delete(others, i, i+1)
			} else if len(authorizers) > 0 {
				security = append(others, authorizers...)
			} else {
				security = append(others, map[string]any{a.fallback: deepCopy(a.scopes[a.fallback])})
			}
			if len(security) > 0 {
				op["security"] = security
				if _, ok := security[0].(map[string]any)[iamAuthorizer]; ok {
					iam = true
				}
			}
		}
	}
	return iam
}
