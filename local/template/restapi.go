package template

import (
	"cmp"
	"crypto/sha256"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file models API Gateway REST APIs (AWS::ApiGateway::RestApi) with their resource
// trees, methods, stages and authorizers. An OpenAPI Body is read by openapi.go.

// DefaultAuthorizerTTL is AuthorizerResultTtlInSeconds when a template omits it.
const DefaultAuthorizerTTL = 300 * time.Second

// RestAPI is an API Gateway REST API with its methods.
type RestAPI struct {
	LogicalID string
	// ID is the local API id (what Ref returns), shaped like API Gateway's.
	ID   string
	Name string
	// BinaryMediaTypes are the media types whose request bodies reach the function
	// base64-encoded (BinaryMediaTypes, or the Body's x-amazon-apigateway-binary-media-types).
	BinaryMediaTypes []string
	// Stages in logical-ID order: the AWS::ApiGateway::Stage resources and the StageName of
	// each AWS::ApiGateway::Deployment, without repeats.
	Stages []*RestStage
	// Methods in Path, then HTTPMethod order.
	Methods []*RestMethod
	// Authorizers in logical-ID order.
	Authorizers []*RestAuthorizer
	// APIKeySource is where methods that require an API key take it from: HEADER (the
	// x-api-key header, the default) or AUTHORIZER (a Lambda authorizer's
	// usageIdentifierKey); ApiKeySourceType, or the Body's
	// x-amazon-apigateway-api-key-source.
	APIKeySource string
}

// RestStage is a stage of a REST API.
type RestStage struct {
	Name      string
	Variables map[string]string
}

// RestMethod is an AWS::ApiGateway::Method (or an operation of the API's OpenAPI Body) with
// its integration resolved.
type RestMethod struct {
	// LogicalID is the method's logical ID; for a Body operation "<api>:<METHOD> <path>".
	LogicalID string
	// HTTPMethod is upper case; "ANY" for every method.
	HTTPMethod string
	// Path is the resource path built from the resource tree: "/", "/items/{id}",
	// "/{proxy+}".
	Path string
	// ResourceID is the local id of the method's resource (requestContext.resourceId).
	ResourceID string
	// IntegrationType is Integration.Type: AWS_PROXY for a Lambda proxy integration.
	IntegrationType string
	// Function is the logical ID of the integration's function; empty unless AWS_PROXY to a
	// function of the template.
	Function string
	// IntegrationTimeout from Integration.TimeoutInMillis; default 29 s.
	IntegrationTimeout time.Duration
	// AuthorizationType: NONE, CUSTOM, COGNITO_USER_POOLS or AWS_IAM.
	AuthorizationType string
	// AuthorizerID is the logical ID of the method's RestAuthorizer.
	AuthorizerID        string
	AuthorizationScopes []string
	// APIKeyRequired is the method's ApiKeyRequired (a Body operation's api_key security
	// requirement).
	APIKeyRequired bool
	// OperationName is the method's OperationName (a Body operation's operationId), sent
	// as requestContext.operationName; empty when unset.
	OperationName string
	// Mock is the default integration response of a MOCK integration (how the CDK and SAM
	// answer CORS preflight requests); nil for other integration types.
	Mock *MockResponse
}

// MockResponse is what a MOCK integration answers: its default integration response (the
// one without a SelectionPattern), with the literal header values of its
// ResponseParameters ('...' quoted in the template; a number as its text) and its application/json
// ResponseTemplate as the body, served as written (VTL is not evaluated).
type MockResponse struct {
	StatusCode int
	Headers    map[string]string
	Body       string
}

// mockResponse reads a MOCK integration's responses: IntegrationResponses as CloudFormation
// writes them (a list) or responses as OpenAPI does (an object by selection pattern).
func mockResponse(v any) *MockResponse {
	var def map[string]any
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			if m, ok := e.(map[string]any); ok && str(m, "SelectionPattern") == "" {
				def = m
				break
			}
		}
	case map[string]any:
		def, _ = v["default"].(map[string]any)
	}
	out := &MockResponse{StatusCode: 200, Headers: map[string]string{}}
	if def == nil {
		return out
	}
	get := func(cfn, oas string) any {
		if x, ok := def[cfn]; ok {
			return x
		}
		return def[oas]
	}
	if s, ok := scalar(get("StatusCode", "statusCode")); ok {
		if n, err := strconv.Atoi(s); err == nil {
			out.StatusCode = n
		}
	}
	if params, ok := get("ResponseParameters", "responseParameters").(map[string]any); ok {
		for k, v := range params {
			name, ok := strings.CutPrefix(k, "method.response.header.")
			val, _ := scalar(v)
			_, isText := v.(string)
			switch {
			case ok && len(val) >= 2 && val[0] == '\'' && val[len(val)-1] == '\'':
				out.Headers[name] = val[1 : len(val)-1]
			case ok && val != "" && !isText:
				// A number, as SAM writes Cors MaxAge (Access-Control-Max-Age): its text.
				out.Headers[name] = val
			}
		}
	}
	if tpl, ok := get("ResponseTemplates", "responseTemplates").(map[string]any); ok {
		out.Body, _ = scalar(tpl["application/json"])
	}
	return out
}

// RestAuthorizer is an AWS::ApiGateway::Authorizer (or a security scheme of the Body with
// x-amazon-apigateway-authorizer).
type RestAuthorizer struct {
	LogicalID string
	Name      string
	// Type is TOKEN, REQUEST or COGNITO_USER_POOLS.
	Type string
	// Function is the logical ID of a Lambda authorizer's function (from AuthorizerUri).
	Function string
	// IdentitySource as written: "method.request.header.Authorization" for TOKEN and
	// COGNITO_USER_POOLS, a comma-separated list of method.request.* for REQUEST.
	IdentitySource string
	// IdentityValidationExpression is a TOKEN authorizer's regular expression, if any.
	IdentityValidationExpression string
	// TTL is AuthorizerResultTtlInSeconds (default 300 s; 0 disables caching).
	TTL time.Duration
	// ProviderIssuers are the iss values of the user pools in ProviderARNs
	// (https://cognito-idp.<region>.amazonaws.com/<pool id>).
	ProviderIssuers []string
}

// defaultRestIntegrationTimeout is API Gateway's REST API default (and maximum).
const defaultRestIntegrationTimeout = 29 * time.Second

func init() {
	ref6 := func(_ *resolver, id, _ string) string { return restResourceID(id) }
	kinds["AWS::ApiGateway::RestApi"] = kind{
		ref: func(_ *resolver, id, _ string) string { return apiID(id) },
		attrs: map[string]attrFunc{
			"RestApiId":      constAttr(func(_ *resolver, id, _ string) string { return apiID(id) }),
			"RootResourceId": constAttr(func(_ *resolver, id, _ string) string { return restRootID(id) }),
		},
	}
	kinds["AWS::ApiGateway::Resource"] = kind{ref: ref6, attrs: map[string]attrFunc{
		"ResourceId": constAttr(func(_ *resolver, id, _ string) string { return restResourceID(id) }),
	}}
	kinds["AWS::ApiGateway::Authorizer"] = kind{ref: ref6, attrs: map[string]attrFunc{
		"AuthorizerId": constAttr(func(_ *resolver, id, _ string) string { return restResourceID(id) }),
	}}
	kinds["AWS::ApiGateway::Deployment"] = kind{ref: ref6, attrs: map[string]attrFunc{
		"DeploymentId": constAttr(func(_ *resolver, id, _ string) string { return restResourceID(id) }),
	}}
	// AWS::ApiGateway::Stage's Ref (its StageName) is in physical.go with the HTTP API's.
}

// restResourceID is a local id of 6 lower-case alphanumerics derived from a logical ID, shaped
// like API Gateway's resource, authorizer and deployment ids.
func restResourceID(logicalID string) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	sum := sha256.Sum256([]byte("resource:" + logicalID))
	id := make([]byte, 6)
	for i := range id {
		id[i] = alphabet[int(sum[i])%len(alphabet)]
	}
	return string(id)
}

// restRootID is the id of a REST API's root resource "/".
func restRootID(apiLogicalID string) string { return restResourceID(apiLogicalID + "/") }

// restResource is an AWS::ApiGateway::Resource as read.
type restResource struct {
	parent, part string
}

// buildRestAPIs reads the REST APIs and the OpenAPI Bodies of HTTP APIs.
func (m *Model) buildRestAPIs() error {
	r := m.res
	fns := newFunctionIndex(m.Functions)
	apis := map[string]*RestAPI{} // by local API ID
	var resources, methods, stages, deployments, authorizers []string
	ids, err := r.activeIDs()
	if err != nil {
		return err
	}
	for _, id := range ids {
		switch r.resources[id].Type {
		case "AWS::ApiGateway::RestApi":
			api := &RestAPI{LogicalID: id, ID: apiID(id)}
			if api.Name, err = r.propString(id, "Name"); err != nil {
				return err
			}
			if api.BinaryMediaTypes, err = r.propStrings(id, "BinaryMediaTypes"); err != nil {
				return err
			}
			if api.APIKeySource, err = r.propString(id, "ApiKeySourceType"); err != nil {
				return err
			}
			if err := r.restBody(api, fns); err != nil {
				return err
			}
			if api.APIKeySource == "" {
				api.APIKeySource = "HEADER"
			}
			m.RestAPIs = append(m.RestAPIs, api)
			apis[api.ID] = api
		case "AWS::ApiGateway::Resource":
			resources = append(resources, id)
		case "AWS::ApiGateway::Method":
			methods = append(methods, id)
		case "AWS::ApiGateway::Stage":
			stages = append(stages, id)
		case "AWS::ApiGateway::Deployment":
			deployments = append(deployments, id)
		case "AWS::ApiGateway::Authorizer":
			authorizers = append(authorizers, id)
		}
	}
	if err := m.buildHTTPBodies(fns); err != nil {
		return err
	}
	if len(apis) == 0 {
		return m.buildUsagePlans()
	}
	apiOf := func(id string) (*RestAPI, error) {
		s, err := r.propString(id, "RestApiId")
		if err != nil {
			return nil, err
		}
		return apis[s], nil // nil: an API outside this template
	}

	// Resource tree: local resource id -> parent id and path part.
	tree := map[string]restResource{}
	for _, id := range resources {
		parent, err := r.propString(id, "ParentId")
		if err != nil {
			return err
		}
		part, err := r.propString(id, "PathPart")
		if err != nil {
			return err
		}
		tree[restResourceID(id)] = restResource{parent: parent, part: part}
	}
	roots := map[string]bool{}
	for _, api := range apis {
		roots[restRootID(api.LogicalID)] = true
	}
	pathOf := func(resID string, at loc) (string, error) {
		var parts []string
		for seen := 0; !roots[resID]; seen++ {
			res, ok := tree[resID]
			if !ok || seen > len(tree) {
				return "", at.fail(ErrUnknownReference, "ResourceId %q is not a resource of this template's REST APIs", resID)
			}
			parts = append(parts, res.part)
			resID = res.parent
		}
		slices.Reverse(parts)
		return "/" + strings.Join(parts, "/"), nil
	}

	authByRef := map[string]string{}
	for _, id := range authorizers {
		api, err := apiOf(id)
		if err != nil || api == nil {
			if err != nil {
				return err
			}
			continue
		}
		a, err := r.restAuthorizer(id, fns)
		if err != nil {
			return err
		}
		api.Authorizers = append(api.Authorizers, a)
		authByRef[restResourceID(id)] = id
	}
	for _, id := range methods {
		api, err := apiOf(id)
		if err != nil {
			return err
		}
		if api == nil {
			continue
		}
		meth, err := r.restMethod(id, fns, authByRef, pathOf)
		if err != nil {
			return err
		}
		api.Methods = append(api.Methods, meth)
	}
	seen := map[string]map[string]bool{}
	addStage := func(api *RestAPI, name string, vars map[string]string) {
		if seen[api.ID] == nil {
			seen[api.ID] = map[string]bool{}
		}
		if name == "" || seen[api.ID][name] {
			return
		}
		seen[api.ID][name] = true
		api.Stages = append(api.Stages, &RestStage{Name: name, Variables: vars})
	}
	for _, id := range stages {
		api, err := apiOf(id)
		if err != nil {
			return err
		}
		if api == nil {
			continue
		}
		name, err := r.propString(id, "StageName")
		if err != nil {
			return err
		}
		var vars map[string]string
		if err := r.propDecode(&vars, id, "Variables"); err != nil {
			return err
		}
		addStage(api, name, vars)
	}
	for _, id := range deployments {
		api, err := apiOf(id)
		if err != nil {
			return err
		}
		if api == nil {
			continue
		}
		name, err := r.propString(id, "StageName")
		if err != nil {
			return err
		}
		var vars map[string]string
		if err := r.propDecode(&vars, id, "StageDescription", "Variables"); err != nil {
			return err
		}
		addStage(api, name, vars)
	}
	for _, api := range m.RestAPIs {
		sortRestMethods(api.Methods)
	}
	return m.buildUsagePlans() // restapi_keys.go
}

func sortRestMethods(ms []*RestMethod) {
	slices.SortFunc(ms, func(a, b *RestMethod) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), strings.Compare(a.HTTPMethod, b.HTTPMethod), strings.Compare(a.LogicalID, b.LogicalID))
	})
}

func (r *resolver) restMethod(id string, fns functionIndex, authByRef map[string]string, pathOf func(string, loc) (string, error)) (*RestMethod, error) {
	m := &RestMethod{LogicalID: id}
	var err error
	if m.HTTPMethod, err = r.propString(id, "HttpMethod"); err != nil {
		return nil, err
	}
	m.HTTPMethod = strings.ToUpper(m.HTTPMethod)
	if m.ResourceID, err = r.propString(id, "ResourceId"); err != nil {
		return nil, err
	}
	if m.Path, err = pathOf(m.ResourceID, loc{id, "Properties.ResourceId"}); err != nil {
		return nil, err
	}
	if m.AuthorizationType, err = r.propString(id, "AuthorizationType"); err != nil {
		return nil, err
	}
	if m.AuthorizationType == "" {
		m.AuthorizationType = defaultAuthorizationType
	}
	ref, err := r.propString(id, "AuthorizerId")
	if err != nil {
		return nil, err
	}
	if ref != "" {
		if m.AuthorizerID = authByRef[ref]; m.AuthorizerID == "" {
			return nil, loc{id, "Properties.AuthorizerId"}.fail(ErrUnknownReference, "AuthorizerId %q is not an authorizer of the method's API", ref)
		}
	}
	if m.AuthorizationScopes, err = r.propStrings(id, "AuthorizationScopes"); err != nil {
		return nil, err
	}
	if m.OperationName, err = r.propString(id, "OperationName"); err != nil {
		return nil, err
	}
	if m.APIKeyRequired, err = r.propBool(id, false, "ApiKeyRequired"); err != nil {
		return nil, err
	}
	if m.IntegrationType, err = r.propString(id, "Integration", "Type"); err != nil {
		return nil, err
	}
	ms, err := r.propInt(id, int(defaultRestIntegrationTimeout/time.Millisecond), "Integration", "TimeoutInMillis")
	if err != nil {
		return nil, err
	}
	m.IntegrationTimeout = time.Duration(ms) * time.Millisecond
	if m.IntegrationType == "MOCK" {
		v, _, err := r.property(id, "Integration", "IntegrationResponses")
		if err != nil {
			return nil, err
		}
		m.Mock = mockResponse(v)
	}
	if m.IntegrationType != "AWS_PROXY" {
		return m, nil
	}
	uri, err := r.propString(id, "Integration", "Uri")
	if err != nil {
		return nil, err
	}
	fn, ok := functionForURI(uri, fns.byARN, fns.byName)
	if !ok {
		return nil, loc{id, "Properties.Integration.Uri"}.fail(ErrUnknownReference, "Integration.Uri %q is not a function of this template", uri)
	}
	m.Function = fn
	return m, nil
}

func (r *resolver) restAuthorizer(id string, fns functionIndex) (*RestAuthorizer, error) {
	a := &RestAuthorizer{LogicalID: id}
	var err error
	if a.Name, err = r.propString(id, "Name"); err != nil {
		return nil, err
	}
	if a.Type, err = r.propString(id, "Type"); err != nil {
		return nil, err
	}
	if a.IdentitySource, err = r.propString(id, "IdentitySource"); err != nil {
		return nil, err
	}
	if a.IdentityValidationExpression, err = r.propString(id, "IdentityValidationExpression"); err != nil {
		return nil, err
	}
	ttl, err := r.propInt(id, int(DefaultAuthorizerTTL/time.Second), "AuthorizerResultTtlInSeconds")
	if err != nil {
		return nil, err
	}
	a.TTL = time.Duration(ttl) * time.Second
	arns, err := r.propStrings(id, "ProviderARNs")
	if err != nil {
		return nil, err
	}
	a.ProviderIssuers = r.poolIssuers(arns)
	uri, err := r.propString(id, "AuthorizerUri")
	if err != nil {
		return nil, err
	}
	if uri != "" {
		fn, ok := functionForURI(uri, fns.byARN, fns.byName)
		if !ok {
			return nil, loc{id, "Properties.AuthorizerUri"}.fail(ErrUnknownReference, "AuthorizerUri %q is not a function of this template", uri)
		}
		a.Function = fn
	}
	return a, nil
}

// poolIssuers maps user pool ARNs (arn:aws:cognito-idp:<region>:<account>:userpool/<id>) to
// the iss of their tokens.
func (r *resolver) poolIssuers(arns []string) []string {
	var out []string
	for _, arn := range arns {
		_, pool, ok := strings.Cut(arn, ":userpool/")
		if !ok {
			continue
		}
		region := r.region
		if parts := strings.Split(arn, ":"); len(parts) > 3 && parts[3] != "" {
			region = parts[3]
		}
		out = append(out, "https://cognito-idp."+region+"."+r.urlSuffix+"/"+pool)
	}
	return out
}
