package template

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// This file builds the Model's typed view (functions, HTTP APIs, tables) from the resources.

// Lambda and API Gateway defaults for properties a template may omit.
const (
	defaultMemoryMB           = 128
	defaultTimeoutSeconds     = 3
	defaultArchitecture       = "x86_64"
	defaultIntegrationTimeout = 30000 // milliseconds
	defaultPayloadFormat      = "1.0"
	defaultAuthorizationType  = "NONE"
	defaultBillingMode        = "PROVISIONED"
)

func (m *Model) build() error {
	r := m.res
	m.Functions = map[string]*Function{}
	apis := map[string]*HTTPAPI{} // by local API ID
	var routes []string
	ids, err := r.activeIDs()
	if err != nil {
		return err
	}
	for _, id := range ids {
		switch r.resources[id].Type {
		case "AWS::Lambda::Function":
			fn, err := r.function(id)
			if err != nil {
				return err
			}
			m.Functions[id] = fn
		case "AWS::ApiGatewayV2::Api":
			api, err := r.httpAPI(id)
			if err != nil {
				return err
			}
			if api != nil {
				m.APIs = append(m.APIs, api)
				apis[api.ID] = api
			}
		case "AWS::ApiGatewayV2::Route":
			routes = append(routes, id) // after all functions and APIs are known
		case "AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable":
			t, err := r.table(id)
			if err != nil {
				return err
			}
			m.Tables = append(m.Tables, t)
		}
	}

	byARN := map[string]string{}
	byName := map[string]string{}
	for id, fn := range m.Functions {
		byARN[fn.ARN] = id
		byName[fn.Name] = id
	}
	for _, id := range routes {
		apiID, err := r.propString(id, "ApiId")
		if err != nil {
			return err
		}
		api, ok := apis[apiID]
		if !ok {
			continue // a route of a WebSocket API, or of an API outside this template
		}
		route, err := r.route(id, byARN, byName)
		if err != nil {
			return err
		}
		api.Routes = append(api.Routes, route)
	}
	for _, api := range m.APIs {
		slices.SortFunc(api.Routes, func(a, b *Route) int {
			return cmp.Or(strings.Compare(a.Key, b.Key), strings.Compare(a.LogicalID, b.LogicalID))
		})
	}
	if err := m.buildUserPools(); err != nil {
		return err
	}
	if err := m.buildSites(); err != nil {
		return err
	}
	if err := m.buildEventsAndAuthorizers(); err != nil {
		return err
	}
	return m.buildRestAPIs() // restapi.go, and the OpenAPI Bodies of HTTP APIs (openapi.go)
}

func (r *resolver) function(id string) (*Function, error) {
	fn := &Function{LogicalID: id, Environment: map[string]string{}}
	var err error
	if fn.Name, err = r.name(id); err != nil {
		return nil, err
	}
	fn.ARN = r.functionARN(fn.Name)
	if fn.GoPackage, err = r.goPackage(id); err != nil {
		return nil, err
	}
	if fn.Code, err = r.code(id); err != nil {
		return nil, err
	}
	if fn.Handler, err = r.propString(id, "Handler"); err != nil {
		return nil, err
	}
	if fn.Runtime, err = r.propString(id, "Runtime"); err != nil {
		return nil, err
	}
	archs, err := r.propStrings(id, "Architectures")
	if err != nil {
		return nil, err
	}
	fn.Architecture = defaultArchitecture
	if len(archs) > 0 {
		fn.Architecture = archs[0]
	}
	if fn.MemoryMB, err = r.propInt(id, defaultMemoryMB, "MemorySize"); err != nil {
		return nil, err
	}
	timeout, err := r.propInt(id, defaultTimeoutSeconds, "Timeout")
	if err != nil {
		return nil, err
	}
	fn.Timeout = time.Duration(timeout) * time.Second
	if fn.ReservedConcurrency, err = r.propInt(id, -1, "ReservedConcurrentExecutions"); err != nil {
		return nil, err
	}
	if fn.DeadLetterTargetARN, err = r.propString(id, "DeadLetterConfig", "TargetArn"); err != nil {
		return nil, err
	}
	if fn.LogGroup, err = r.propString(id, "LoggingConfig", "LogGroup"); err != nil {
		return nil, err
	}
	if fn.LogGroup == "" {
		fn.LogGroup = "/aws/lambda/" + fn.Name
	}

	vars, at, err := r.property(id, "Environment", "Variables")
	if err != nil {
		return nil, err
	}
	if vars != nil {
		obj, ok := vars.(map[string]any)
		if !ok {
			return nil, at.fail(ErrInvalid, "want an object, got %s", describe(vars))
		}
		for k, v := range obj {
			s, ok := scalar(v)
			if !ok {
				return nil, at.key(k).fail(ErrInvalid, "want a string, got %s", describe(v))
			}
			fn.Environment[k] = s
		}
	}
	return fn, nil
}

// goPackage reads Metadata.LocalRuntime.GoPackage. Metadata is not resolved: it is the
// app's own annotation, written as a literal.
func (r *resolver) goPackage(id string) (string, error) {
	lr, ok := r.resources[id].Metadata["LocalRuntime"]
	if !ok {
		return "", nil
	}
	at := loc{id, "Metadata.LocalRuntime"}
	obj, ok := lr.(map[string]any)
	if !ok {
		return "", at.fail(ErrInvalid, "want an object, got %s", describe(lr))
	}
	pkg, ok := obj["GoPackage"]
	if !ok {
		return "", nil
	}
	s, ok := pkg.(string)
	if !ok {
		return "", at.key("GoPackage").fail(ErrInvalid, "want a string, got %s", describe(pkg))
	}
	return s, nil
}

// httpAPI returns nil for APIs that are not HTTP APIs (WebSocket).
func (r *resolver) httpAPI(id string) (*HTTPAPI, error) {
	protocol, err := r.propString(id, "ProtocolType")
	if err != nil {
		return nil, err
	}
	props := r.resources[id].Properties
	_, body := props["Body"]
	_, s3 := props["BodyS3Location"]
	// An API imported from an OpenAPI document (SAM's HttpApi) has no ProtocolType: only
	// HTTP APIs can be imported.
	if protocol != "HTTP" && (protocol != "" || !(body || s3)) {
		return nil, nil
	}
	name, err := r.propString(id, "Name")
	if err != nil {
		return nil, err
	}
	if name == "" && body {
		// API Gateway names an imported API after the document's info.title.
		if name, err = r.propString(id, "Body", "info", "title"); err != nil {
			return nil, err
		}
	}
	apiID := apiID(id)
	cors, err := r.cors(id)
	if err != nil {
		return nil, err
	}
	return &HTTPAPI{LogicalID: id, ID: apiID, Name: name, Endpoint: r.apiEndpoint(apiID), CORS: cors}, nil
}

func (r *resolver) route(id string, fnByARN, fnByName map[string]string) (*Route, error) {
	rt := &Route{LogicalID: id}
	var err error
	if rt.Key, err = r.propString(id, "RouteKey"); err != nil {
		return nil, err
	}
	if rt.Key == "" {
		return nil, loc{id, "Properties.RouteKey"}.fail(ErrInvalid, "route has no RouteKey")
	}
	if rt.Key != "$default" {
		var ok bool
		if rt.Method, rt.Path, ok = strings.Cut(rt.Key, " "); !ok || rt.Method == "" || !strings.HasPrefix(rt.Path, "/") {
			return nil, loc{id, "Properties.RouteKey"}.fail(ErrInvalid, "RouteKey %q: want \"METHOD /path\" or \"$default\"", rt.Key)
		}
	}
	if rt.AuthorizationType, err = r.propString(id, "AuthorizationType"); err != nil {
		return nil, err
	}
	if rt.AuthorizationType == "" {
		rt.AuthorizationType = defaultAuthorizationType
	}
	if rt.AuthorizerID, err = r.propString(id, "AuthorizerId"); err != nil {
		return nil, err
	}
	if rt.AuthorizationScopes, err = r.propStrings(id, "AuthorizationScopes"); err != nil {
		return nil, err
	}

	target, err := r.propString(id, "Target")
	if err != nil || target == "" {
		return rt, err
	}
	at := loc{id, "Properties.Target"}
	integ, ok := strings.CutPrefix(target, "integrations/")
	if !ok {
		return nil, at.fail(ErrInvalid, "Target %q: want \"integrations/<id>\"", target)
	}
	if res, ok := r.resources[integ]; !ok || res.Type != "AWS::ApiGatewayV2::Integration" {
		return nil, at.fail(ErrUnknownReference, "Target %q: no AWS::ApiGatewayV2::Integration %s", target, integ)
	}
	if err := r.checkResource(integ, "Target "+target, at); err != nil {
		return nil, err
	}
	rt.Integration = integ
	if err := r.integration(rt, fnByARN, fnByName); err != nil {
		return nil, err
	}
	return rt, nil
}

// integration fills in rt's integration fields from rt.Integration.
func (r *resolver) integration(rt *Route, fnByARN, fnByName map[string]string) error {
	id := rt.Integration
	var err error
	if rt.IntegrationType, err = r.propString(id, "IntegrationType"); err != nil {
		return err
	}
	if rt.PayloadFormatVersion, err = r.propString(id, "PayloadFormatVersion"); err != nil {
		return err
	}
	if rt.PayloadFormatVersion == "" {
		rt.PayloadFormatVersion = defaultPayloadFormat
	}
	ms, err := r.propInt(id, defaultIntegrationTimeout, "TimeoutInMillis")
	if err != nil {
		return err
	}
	rt.IntegrationTimeout = time.Duration(ms) * time.Millisecond

	subtype, err := r.propString(id, "IntegrationSubtype")
	if err != nil {
		return err
	}
	// AWS_PROXY with a subtype is a first-class AWS service integration (SQS-SendMessage,
	// EventBridge-PutEvents, ...), not a Lambda.
	if rt.IntegrationType != "AWS_PROXY" || subtype != "" {
		return nil
	}
	uri, err := r.propString(id, "IntegrationUri")
	if err != nil {
		return err
	}
	fn, ok := functionForURI(uri, fnByARN, fnByName)
	if !ok {
		return loc{id, "Properties.IntegrationUri"}.fail(ErrUnknownReference,
			"IntegrationUri %q is not a function of this template", uri)
	}
	rt.Function = fn
	return nil
}

// functionForURI maps a Lambda integration URI to the function's logical ID. The URI is a
// function ARN (optionally qualified by a version or alias), an API Gateway invocation URI
// wrapping one (arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations)
// or a function name.
func functionForURI(uri string, byARN, byName map[string]string) (string, bool) {
	s := uri
	if _, fnARN, ok := strings.Cut(s, ":lambda:path/2015-03-31/functions/"); ok {
		s = strings.TrimSuffix(fnARN, "/invocations")
	}
	if strings.HasPrefix(s, "arn:") {
		// arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]
		if parts := strings.Split(s, ":"); len(parts) > 7 {
			s = strings.Join(parts[:7], ":")
		}
		id, ok := byARN[s]
		return id, ok
	}
	id, ok := byName[s]
	return id, ok
}

// index mirrors a secondary index's JSON shape.
type index struct {
	IndexName  string
	KeySchema  []KeyElement
	Projection struct {
		ProjectionType   string
		NonKeyAttributes []string
	}
}

func toIndexes(in []index) []Index {
	var out []Index
	for _, ix := range in {
		out = append(out, Index{
			IndexName:        ix.IndexName,
			KeySchema:        ix.KeySchema,
			ProjectionType:   ix.Projection.ProjectionType,
			NonKeyAttributes: ix.Projection.NonKeyAttributes,
		})
	}
	return out
}

// table reads an AWS::DynamoDB::Table or AWS::DynamoDB::GlobalTable. Both keep the key
// schema, indexes, billing mode, stream and TTL at the top level of Properties; a global
// table's Replicas hold only per-region settings, which do not matter locally.
func (r *resolver) table(id string) (*Table, error) {
	t := &Table{LogicalID: id}
	var err error
	if t.Name, err = r.name(id); err != nil {
		return nil, err
	}
	t.ARN = r.tableARN(t.Name)
	if err := r.propDecode(&t.KeySchema, id, "KeySchema"); err != nil {
		return nil, err
	}
	if err := r.propDecode(&t.AttributeDefinitions, id, "AttributeDefinitions"); err != nil {
		return nil, err
	}
	var gsis, lsis []index
	if err := r.propDecode(&gsis, id, "GlobalSecondaryIndexes"); err != nil {
		return nil, err
	}
	if err := r.propDecode(&lsis, id, "LocalSecondaryIndexes"); err != nil {
		return nil, err
	}
	t.GlobalSecondaryIndexes = toIndexes(gsis)
	t.LocalSecondaryIndexes = toIndexes(lsis)
	if t.BillingMode, err = r.propString(id, "BillingMode"); err != nil {
		return nil, err
	}
	if t.BillingMode == "" {
		t.BillingMode = defaultBillingMode
	}
	if t.StreamViewType, err = r.propString(id, "StreamSpecification", "StreamViewType"); err != nil {
		return nil, err
	}
	if t.StreamViewType != "" {
		t.StreamARN = t.ARN + "/stream/" + StreamLabel
	}
	ttlOn, err := r.propString(id, "TimeToLiveSpecification", "Enabled")
	if err != nil {
		return nil, err
	}
	if ttlOn == "true" {
		if t.TTLAttribute, err = r.propString(id, "TimeToLiveSpecification", "AttributeName"); err != nil {
			return nil, err
		}
	}
	pitr, err := r.propString(id, "PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled")
	if err != nil {
		return nil, err
	}
	t.PointInTimeRecovery = pitr == "true"
	return t, nil
}
