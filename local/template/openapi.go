package template

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file reads an API's OpenAPI definition (the Body property of an
// AWS::ApiGateway::RestApi or an AWS::ApiGatewayV2::Api, which is where the SAM transform
// puts DefinitionBody and the routes of Api/HttpApi events) into the same model as the
// resources: paths and methods with their x-amazon-apigateway-integration become
// RestMethods or Routes, and security schemes with x-amazon-apigateway-authorizer become
// RestAuthorizers or Authorizers (an awsSigv4 scheme, SAM's AWS_IAM, makes its operations
// AWS_IAM instead). Swagger 2.0 (securityDefinitions) and OpenAPI 3
// (components.securitySchemes) are both read. Intrinsics inside the Body (the Fn::Sub
// integration URIs SAM writes) are resolved like any property.

// openAPIOp is one operation of a Body.
type openAPIOp struct {
	method, path string
	operationID  string
	integ        map[string]any
	// security is the operation's first security requirement (or the document's): scheme
	// name and scopes; empty name for none.
	scheme string
	scopes []string
	// apiKey: a security requirement names an API key scheme (SAM's api_key).
	apiKey bool
}

// openAPIScheme is a security scheme with x-amazon-apigateway-authorizer.
type openAPIScheme struct {
	name   string
	in     string // header or query (the apiKey scheme's "in")
	header string // the apiKey scheme's "name"
	auth   map[string]any
}

// openAPIMethods are the operation keys of a path item, and what they mean.
var openAPIMethods = map[string]string{
	"get": "GET", "put": "PUT", "post": "POST", "delete": "DELETE", "patch": "PATCH",
	"head": "HEAD", "options": "OPTIONS", "x-amazon-apigateway-any-method": "ANY",
}

// openAPIBody returns the resolved Body of resource id, or nil when it has none.
func (r *resolver) openAPIBody(id string) (map[string]any, loc, error) {
	v, at, err := r.property(id, "Body")
	if err != nil || v == nil {
		return nil, at, err
	}
	body, ok := v.(map[string]any)
	if !ok {
		return nil, at, at.fail(ErrInvalid, "want an OpenAPI object, got %s", describe(v))
	}
	return body, at, nil
}

// openAPIOps lists the Body's operations in path, then method order. An operation's
// authorizer is the first scheme of its security requirements (else the document's) that is
// an x-amazon-apigateway-authorizer; "NONE" (what SAM writes for Auth.Authorizer: NONE) and
// schemes that are not authorizers (API keys) are passed over. A name no scheme defines is
// an error.
func openAPIOps(body map[string]any, at loc) ([]openAPIOp, error) {
	paths, _ := body["paths"].(map[string]any)
	authorizers := openAPISchemes(body)
	defined := openAPIDefinitions(body)
	keys := openAPIKeySchemes(body)
	var global []any
	if s, ok := body["security"].([]any); ok {
		global = s
	}
	var out []openAPIOp
	for _, p := range slices.Sorted(mapKeys(paths)) {
		item, ok := paths[p].(map[string]any)
		if !ok {
			return nil, at.key("paths").key(p).fail(ErrInvalid, "want a path item object, got %s", describe(paths[p]))
		}
		for _, k := range slices.Sorted(mapKeys(item)) {
			method, ok := openAPIMethods[strings.ToLower(k)]
			if !ok {
				continue
			}
			oat := at.key("paths").key(p).key(k)
			op, ok := item[k].(map[string]any)
			if !ok {
				return nil, oat.fail(ErrInvalid, "want an operation object, got %s", describe(item[k]))
			}
			o := openAPIOp{method: method, path: p, operationID: str(op, "operationId")}
			o.integ, _ = op["x-amazon-apigateway-integration"].(map[string]any)
			sec := global
			if s, ok := op["security"].([]any); ok {
				sec = s
			}
			for _, req := range sec {
				reqMap, _ := req.(map[string]any)
				for _, name := range slices.Sorted(mapKeys(reqMap)) {
					if keys[name] {
						o.apiKey = true
					}
					if _, ok := authorizers[name]; ok && o.scheme == "" {
						o.scheme = name
						if l, ok := reqMap[name].([]any); ok {
							for _, s := range l {
								if str, ok := s.(string); ok {
									o.scopes = append(o.scopes, str)
								}
							}
						}
					} else if !ok && name != "NONE" && !defined[name] {
						return nil, oat.key("security").fail(ErrUnknownReference, "security scheme %q is not defined in the Body", name)
					}
				}
			}
			out = append(out, o)
		}
	}
	return out, nil
}

// openAPIDefinitions are the names of every security scheme of the Body.
func openAPIDefinitions(body map[string]any) map[string]bool {
	defs, _ := body["securityDefinitions"].(map[string]any)
	if comps, ok := body["components"].(map[string]any); ok {
		if s, ok := comps["securitySchemes"].(map[string]any); ok {
			defs = s
		}
	}
	out := map[string]bool{}
	for k := range defs {
		out[k] = true
	}
	return out
}

// openAPIKeySchemes are the names of the Body's API key schemes: type apiKey, in header,
// name x-api-key, and no API Gateway authorizer (SAM's api_key).
func openAPIKeySchemes(body map[string]any) map[string]bool {
	defs, _ := body["securityDefinitions"].(map[string]any)
	if comps, ok := body["components"].(map[string]any); ok {
		if s, ok := comps["securitySchemes"].(map[string]any); ok {
			defs = s
		}
	}
	out := map[string]bool{}
	for name, v := range defs {
		def, _ := v.(map[string]any)
		_, auth := def["x-amazon-apigateway-authorizer"]
		_, authType := def["x-amazon-apigateway-authtype"]
		if str(def, "type") == "apiKey" && str(def, "in") == "header" && strings.EqualFold(str(def, "name"), "x-api-key") && !auth && !authType {
			out[name] = true
		}
	}
	return out
}

// openAPISchemes returns the security schemes that are API Gateway authorizers, by name.
func openAPISchemes(body map[string]any) map[string]openAPIScheme {
	defs, _ := body["securityDefinitions"].(map[string]any)
	if comps, ok := body["components"].(map[string]any); ok {
		if s, ok := comps["securitySchemes"].(map[string]any); ok {
			defs = s
		}
	}
	out := map[string]openAPIScheme{}
	for name, v := range defs {
		def, ok := v.(map[string]any)
		if !ok {
			continue
		}
		s := openAPIScheme{name: name}
		s.in, _ = def["in"].(string)
		s.header, _ = def["name"].(string)
		s.auth, _ = def["x-amazon-apigateway-authorizer"].(map[string]any)
		if s.auth == nil {
			if t, _ := def["x-amazon-apigateway-authtype"].(string); t != "" {
				s.auth = map[string]any{"type": t}
			}
		}
		if s.auth != nil {
			out[name] = s
		}
	}
	return out
}

// isIAMScheme reports whether s is x-amazon-apigateway-authtype awsSigv4 (IAM
// authorization, what SAM writes for AWS_IAM), which is no authorizer.
func isIAMScheme(s openAPIScheme) bool {
	_, custom := s.auth["authorizerUri"]
	return strings.EqualFold(str(s.auth, "type"), "awsSigv4") && !custom
}

func mapKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func str(m map[string]any, k string) string {
	s, _ := scalar(m[k])
	return s
}

// openAPIAuthorizerID is the logical ID given to an authorizer defined in api's Body.
func openAPIAuthorizerID(api, scheme string) string { return api + ":" + scheme }

// restBody adds the methods and authorizers of a REST API's Body.
func (r *resolver) restBody(api *RestAPI, fns functionIndex) error {
	body, at, err := r.openAPIBody(api.LogicalID)
	if err != nil || body == nil {
		return err
	}
	if api.Name == "" {
		if info, ok := body["info"].(map[string]any); ok {
			api.Name = str(info, "title")
		}
	}
	if l, ok := body["x-amazon-apigateway-binary-media-types"].([]any); ok && len(api.BinaryMediaTypes) == 0 {
		for _, v := range l {
			if s, ok := v.(string); ok {
				api.BinaryMediaTypes = append(api.BinaryMediaTypes, s)
			}
		}
	}
	if src := str(body, "x-amazon-apigateway-api-key-source"); src != "" && api.APIKeySource == "" {
		api.APIKeySource = strings.ToUpper(src)
	}
	schemes := openAPISchemes(body)
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range schemes {
			if !yield(k) {
				return
			}
		}
	}) {
		s := schemes[name]
		if isIAMScheme(s) {
			continue
		}
		sat := at.key("securityDefinitions").key(name).key("x-amazon-apigateway-authorizer")
		a := &RestAuthorizer{
			LogicalID:                    openAPIAuthorizerID(api.LogicalID, name),
			Name:                         name,
			Type:                         strings.ToUpper(str(s.auth, "type")),
			IdentitySource:               str(s.auth, "identitySource"),
			IdentityValidationExpression: str(s.auth, "identityValidationExpression"),
			TTL:                          DefaultAuthorizerTTL,
		}
		if a.IdentitySource == "" && s.header != "" {
			where := "header"
			if s.in == "query" {
				where = "querystring"
			}
			a.IdentitySource = "method.request." + where + "." + s.header
		}
		if v := str(s.auth, "authorizerResultTtlInSeconds"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return sat.key("authorizerResultTtlInSeconds").fail(ErrInvalid, "want an integer, got %q", v)
			}
			a.TTL = time.Duration(n) * time.Second
		}
		if l, ok := s.auth["providerARNs"].([]any); ok {
			var arns []string
			for _, v := range l {
				if s, ok := scalar(v); ok {
					arns = append(arns, s)
				}
			}
			a.ProviderIssuers = r.poolIssuers(arns)
		}
		if uri := str(s.auth, "authorizerUri"); uri != "" {
			fn, ok := functionForURI(uri, fns.byARN, fns.byName)
			if !ok {
				return sat.key("authorizerUri").fail(ErrUnknownReference, "authorizerUri %q is not a function of this template", uri)
			}
			a.Function = fn
		}
		api.Authorizers = append(api.Authorizers, a)
	}
	ops, err := openAPIOps(body, at)
	if err != nil {
		return err
	}
	for _, o := range ops {
		m := &RestMethod{
			LogicalID:          api.LogicalID + ":" + o.method + " " + o.path,
			HTTPMethod:         o.method,
			Path:               o.path,
			ResourceID:         restResourceID(api.LogicalID + o.path),
			AuthorizationType:  defaultAuthorizationType,
			IntegrationTimeout: defaultRestIntegrationTimeout,
			OperationName:      o.operationID,
			APIKeyRequired:     o.apiKey,
		}
		if s := schemes[o.scheme]; o.scheme != "" && isIAMScheme(s) {
			m.AuthorizationType = "AWS_IAM"
		} else if o.scheme != "" {
			m.AuthorizerID = openAPIAuthorizerID(api.LogicalID, o.scheme)
			m.AuthorizationScopes = o.scopes
			m.AuthorizationType = "CUSTOM"
			if strings.EqualFold(str(s.auth, "type"), "cognito_user_pools") {
				m.AuthorizationType = "COGNITO_USER_POOLS"
			}
		}
		fn, typ, timeout, _, err := integrationOf(o, fns, at)
		if err != nil {
			return err
		}
		m.Function, m.IntegrationType = fn, typ
		if timeout > 0 {
			m.IntegrationTimeout = timeout
		}
		if typ == "MOCK" {
			m.Mock = mockResponse(o.integ["responses"])
		}
		api.Methods = append(api.Methods, m)
	}
	return nil
}

// integrationOf reads an operation's x-amazon-apigateway-integration: the function of an
// aws_proxy integration (empty for another type), the type in upper case, the timeout (0 when
// unset) and the payloadFormatVersion ("" when unset).
func integrationOf(o openAPIOp, fns functionIndex, at loc) (fn, typ string, timeout time.Duration, version string, err error) {
	iat := at.key("paths").key(o.path).key(strings.ToLower(o.method)).key("x-amazon-apigateway-integration")
	if o.integ == nil {
		return "", "", 0, "", nil
	}
	typ = strings.ToUpper(str(o.integ, "type"))
	version = str(o.integ, "payloadFormatVersion")
	if v := str(o.integ, "timeoutInMillis"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return "", "", 0, "", iat.key("timeoutInMillis").fail(ErrInvalid, "want an integer, got %q", v)
		}
		timeout = time.Duration(n) * time.Millisecond
	}
	if typ != "AWS_PROXY" {
		return "", typ, timeout, version, nil
	}
	uri := str(o.integ, "uri")
	id, ok := functionForURI(uri, fns.byARN, fns.byName)
	if !ok {
		return "", "", 0, "", iat.key("uri").fail(ErrUnknownReference, "uri %q is not a function of this template", uri)
	}
	return id, typ, timeout, version, nil
}

// buildHTTPBodies adds the routes and authorizers of the HTTP APIs' Bodies.
func (m *Model) buildHTTPBodies(fns functionIndex) error {
	r := m.res
	for _, api := range m.APIs {
		body, at, err := r.openAPIBody(api.LogicalID)
		if err != nil {
			return err
		}
		if body == nil {
			continue
		}
		schemes := openAPISchemes(body)
		added := map[string]bool{}
		ops, err := openAPIOps(body, at)
		if err != nil {
			return err
		}
		for _, o := range ops {
			path := o.path
			key := o.method + " " + path
			if o.path == "$default" || (o.method == "ANY" && o.path == "/$default") {
				key, path = "$default", ""
			}
			rt := &Route{
				LogicalID:            api.LogicalID + ":" + key,
				Key:                  key,
				Path:                 path,
				PayloadFormatVersion: defaultPayloadFormat,
				IntegrationTimeout:   time.Duration(defaultIntegrationTimeout) * time.Millisecond,
				AuthorizationType:    defaultAuthorizationType,
			}
			if key != "$default" {
				rt.Method = o.method
			}
			fn, typ, timeout, version, err := integrationOf(o, fns, at)
			if err != nil {
				return err
			}
			rt.Function, rt.IntegrationType = fn, typ
			if version != "" {
				rt.PayloadFormatVersion = version
			}
			if timeout > 0 {
				rt.IntegrationTimeout = timeout
			}
			if s := schemes[o.scheme]; o.scheme != "" && isIAMScheme(s) {
				// x-amazon-apigateway-authtype awsSigv4 (SAM's EnableIamAuthorizer): IAM
				// authorization, no authorizer resource.
				rt.AuthorizationType = "AWS_IAM"
			} else if o.scheme != "" {
				rt.AuthorizerID = openAPIAuthorizerID(api.LogicalID, o.scheme)
				rt.AuthorizationScopes = o.scopes
				rt.AuthorizationType = "CUSTOM"
				if strings.EqualFold(str(s.auth, "type"), "jwt") {
					rt.AuthorizationType = "JWT"
				}
				if !added[o.scheme] {
					added[o.scheme] = true
					a := httpSchemeAuthorizer(api, o.scheme, s)
					if a.Type == "REQUEST" {
						sat := at.key("components").key("securitySchemes").key(o.scheme).key("x-amazon-apigateway-authorizer")
						if err := lambdaSchemeAuthorizer(a, s.auth, fns, sat); err != nil {
							return err
						}
					}
					m.Authorizers = append(m.Authorizers, a)
				}
			}
			api.Routes = append(api.Routes, rt)
		}
		slices.SortFunc(api.Routes, func(a, b *Route) int {
			if c := strings.Compare(a.Key, b.Key); c != 0 {
				return c
			}
			return strings.Compare(a.LogicalID, b.LogicalID)
		})
	}
	slices.SortFunc(m.Authorizers, func(a, b *Authorizer) int { return strings.Compare(a.LogicalID, b.LogicalID) })
	return nil
}

// httpSchemeAuthorizer is the Authorizer of an HTTP API Body's security scheme.
func httpSchemeAuthorizer(api *HTTPAPI, name string, s openAPIScheme) *Authorizer {
	a := &Authorizer{
		LogicalID: openAPIAuthorizerID(api.LogicalID, name),
		APIID:     api.ID,
		Name:      name,
		Type:      strings.ToUpper(str(s.auth, "type")),
	}
	if a.Type != "JWT" {
		a.Type = "REQUEST"
	}
	if src := str(s.auth, "identitySource"); src != "" {
		for p := range strings.SplitSeq(src, ",") {
			a.IdentitySource = append(a.IdentitySource, strings.TrimSpace(p))
		}
	} else if l, ok := s.auth["identitySource"].([]any); ok {
		for _, v := range l {
			if s, ok := scalar(v); ok {
				a.IdentitySource = append(a.IdentitySource, s)
			}
		}
	}
	if jc, ok := s.auth["jwtConfiguration"].(map[string]any); ok {
		a.JWT = &JWTConfiguration{Issuer: str(jc, "issuer")}
		if l, ok := jc["audience"].([]any); ok {
			for _, v := range l {
				if s, ok := scalar(v); ok {
					a.JWT.Audience = append(a.JWT.Audience, s)
				}
			}
		}
	}
	return a
}
