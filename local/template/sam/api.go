package sam

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// anyMethod is the OpenAPI extension API Gateway uses for the ANY method.
const anyMethod = "x-amazon-apigateway-any-method"

// apiRef is the logical ID an event's ApiId/RestApiId names ({"Ref": id} or the id).
func apiRef(v any) (string, bool) {
	switch a := v.(type) {
	case string:
		return a, true
	case map[string]any:
		if id, ok := a["Ref"].(string); ok && len(a) == 1 {
			return id, true
		}
	}
	return "", false
}

func (x *expander) httpAPIEvent(fnID, name, what string, props, res map[string]any) error {
	x.unknownProps(what, props, "ApiId", "Path", "Method", "PayloadFormatVersion", "TimeoutInMillis", "Auth", "RouteSettings")
	api := implicitHTTPAPI
	if v, ok := props["ApiId"]; ok {
		id, ok := apiRef(v)
		if !ok {
			return fmt.Errorf("%w: %s: ApiId must be a Ref to an AWS::Serverless::HttpApi", ErrInvalid, what)
		}
		api = id
	}
	path, method := str(props["Path"]), strings.ToLower(str(props["Method"]))
	if path == "" && method == "" {
		path, method = "$default", anyMethod
	} else if path == "" || method == "" {
		return fmt.Errorf("%w: %s: give both Path and Method, or neither (the $default route)", ErrInvalid, what)
	}
	if method == "any" {
		method = anyMethod
	}
	x.httpEvents[api] = append(x.httpEvents[api], httpEvent{function: fnID, event: name, path: path, method: method, props: props, res: res})

	// The permission, <Function><Event>Permission, for every stage.
	permPath := trailingSlash.ReplaceAllString(path, "$1")
	resource := "${__ApiId__}/${__Stage__}"
	switch {
	case permPath == "$default":
		resource += "/*"
	default:
		m := strings.ToUpper(method)
		if method == anyMethod {
			m = "*"
		}
		resource += "/" + m + greedy.ReplaceAllString(permPath, "*")
	}
	return x.add(fnID+name+"Permission", "AWS::Lambda::Permission", map[string]any{
		"Action":       "lambda:InvokeFunction",
		"FunctionName": ref(fnID),
		"Principal":    "apigateway.amazonaws.com",
		"SourceArn": map[string]any{"Fn::Sub": []any{
			"arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:" + resource,
			map[string]any{"__ApiId__": ref(api), "__Stage__": "*"},
		}},
	}, res)
}

var (
	trailingSlash = regexp.MustCompile(`^(.+)/$`)
	greedy        = regexp.MustCompile(`{([a-zA-Z0-9._-]+|[a-zA-Z0-9._-]+\+|proxy\+)}`)
	pathParam     = regexp.MustCompile(`{(.*?)}`)
)

func (x *expander) restAPIEvent(fnID, name, what string, props, res map[string]any) error {
	x.unknownProps(what, props, "RestApiId", "Path", "Method", "Auth", "RequestModel", "RequestParameters", "TimeoutInMillis")
	for _, k := range []string{"RequestModel", "RequestParameters"} {
		if props[k] != nil {
			x.warnf("%s: %s is not applied by the local SAM transform", what, k)
		}
	}
	api := implicitRestAPI
	if v, ok := props["RestApiId"]; ok {
		id, ok := apiRef(v)
		if !ok {
			return fmt.Errorf("%w: %s: RestApiId must be a Ref to an AWS::Serverless::Api", ErrInvalid, what)
		}
		api = id
	}
	path, method := str(props["Path"]), strings.ToLower(str(props["Method"]))
	if path == "" || method == "" {
		return fmt.Errorf("%w: %s: an Api event needs Path and Method", ErrInvalid, what)
	}
	stage := "Prod"
	if api != implicitRestAPI {
		if r, ok := x.in[api].(map[string]any); ok {
			if p, ok := r["Properties"].(map[string]any); ok {
				if s, ok := p["StageName"].(string); ok {
					stage = s
				}
			}
		}
	}
	x.restEvents[api] = append(x.restEvents[api], httpEvent{function: fnID, event: name, path: path, method: method, props: props, res: res})
	m := strings.ToUpper(method)
	if method == "any" {
		m = "*"
	}
	permPath := greedy.ReplaceAllString(trailingSlash.ReplaceAllString(path, "$1"), "*")
	return x.add(fnID+name+"Permission"+stage, "AWS::Lambda::Permission", map[string]any{
		"Action":       "lambda:InvokeFunction",
		"FunctionName": ref(fnID),
		"Principal":    "apigateway.amazonaws.com",
		"SourceArn": map[string]any{"Fn::Sub": []any{
			"arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/${__Stage__}/" + m + permPath,
			map[string]any{"__ApiId__": ref(api), "__Stage__": "*"},
		}},
	}, res)
}

// httpAPI builds an AWS::ApiGatewayV2::Api whose OpenAPI Body holds the routes of its
// HttpApi events, and its stage.
func (x *expander) httpAPI(id string, res map[string]any) error {
	what := "resource " + id
	props, err := x.properties(id, res, "HttpApi", "StageName", "DefinitionBody", "Tags", "CorsConfiguration", "Description",
		"FailOnWarnings", "DisableExecuteApiEndpoint", "StageVariables", "Auth", "Name", "PropagateTags")
	if err != nil {
		return err
	}
	body := map[string]any{}
	if b, ok := props["DefinitionBody"].(map[string]any); ok {
		body = deepCopy(b).(map[string]any)
	} else {
		body["openapi"] = "3.0.1"
		body["info"] = map[string]any{"version": "1.0", "title": ref("AWS::StackName")}
		body["paths"] = map[string]any{}
	}
	paths, _ := body["paths"].(map[string]any)
	if paths == nil {
		paths = map[string]any{}
		body["paths"] = paths
	}
	auth, err := x.httpAPIAuth(id, what, props["Auth"], body, res)
	if err != nil {
		return err
	}
	for _, ev := range x.httpEvents[id] {
		pathKey := ev.path
		item, _ := paths[pathKey].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[pathKey] = item
		}
		format := ev.props["PayloadFormatVersion"]
		if format == nil {
			format = "2.0"
		}
		integ := map[string]any{
			"type":                 "aws_proxy",
			"httpMethod":           "POST",
			"payloadFormatVersion": format,
			"uri": map[string]any{"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${" +
				ev.function + ".Arn}/invocations"},
		}
		copyIntegration(integ, ev.props, "TimeoutInMillis", "timeoutInMillis")
		op := map[string]any{"x-amazon-apigateway-integration": integ, "responses": map[string]any{}}
		if params := pathParam.FindAllStringSubmatch(ev.path, -1); len(params) > 0 {
			var ps []any
			for _, p := range params {
				ps = append(ps, map[string]any{"name": p[1], "in": "path", "required": true})
			}
			op["parameters"] = ps
		}
		if ev.path == "$default" {
			op["isDefaultRoute"] = true
		}
		security, err := auth.security("function "+ev.function+" event "+ev.event, ev)
		if err != nil {
			return err
		}
		if security != nil {
			op["security"] = security
		}
		item[ev.method] = op
	}
	auth.applyDefault(paths)
	if tags, ok := body["tags"].([]any); ok || body["tags"] == nil {
		body["tags"] = append(tags, map[string]any{"name": "httpapi:createdBy", "x-amazon-apigateway-tag-value": "SAM"})
	}
	if t, ok := props["Tags"].(map[string]any); ok {
		tags, _ := body["tags"].([]any)
		for _, k := range slices.Sorted(maps.Keys(t)) {
			tags = append(tags, map[string]any{"name": k, "x-amazon-apigateway-tag-value": t[k]})
		}
		body["tags"] = tags
	}
	if d, ok := props["Description"]; ok {
		info, _ := body["info"].(map[string]any)
		if info != nil {
			info["description"] = d
		}
	}
	if c, ok := props["CorsConfiguration"]; ok {
		x.httpCORS(id, body, c)
	}
	api := map[string]any{"Body": body}
	copyProps(api, props, "FailOnWarnings", "DisableExecuteApiEndpoint")
	if err := x.add(id, "AWS::ApiGatewayV2::Api", api, res); err != nil {
		return err
	}

	// Every HttpApi gets a stage, $default unless StageName says otherwise: the translator
	// defaults StageName before it decides whether a stage is needed.
	stage, hasStage := props["StageName"]
	if !hasStage || stage == "" {
		stage = "$default"
	}
	stageID := id + "ApiGatewayDefaultStage"
	if s, ok := stage.(string); ok && s != "$default" {
		if !isAlnum(s) {
			return fmt.Errorf("%w: %s: StageName %q: the local SAM transform takes letters and digits only", ErrInvalid, what, s)
		}
		stageID = id + s + "Stage"
	}
	x.refs[id+".Stage"] = stageID
	st := map[string]any{"ApiId": ref(id), "AutoDeploy": true, "StageName": stage}
	copyProps(st, props, "StageVariables")
	tags := map[string]any{"httpapi:createdBy": "SAM"}
	if t, ok := props["Tags"].(map[string]any); ok {
		maps.Copy(tags, t)
	}
	st["Tags"] = tags
	return x.add(stageID, "AWS::ApiGatewayV2::Stage", st, res)
}

// httpCORS writes an HttpApi's CorsConfiguration into the OpenAPI body, as the translator
// does (x-amazon-apigateway-cors).
func (x *expander) httpCORS(id string, body map[string]any, c any) {
	switch v := c.(type) {
	case bool:
		if v {
			body["x-amazon-apigateway-cors"] = map[string]any{"allowOrigins": []any{"*"}, "allowHeaders": []any{"*"}, "allowMethods": []any{"*"}}
		}
	case map[string]any:
		cors := map[string]any{}
		for k, e := range v {
			if k != "" {
				cors[strings.ToLower(k[:1])+k[1:]] = e
			}
		}
		body["x-amazon-apigateway-cors"] = cors
	default:
		x.warnf("resource %s: CorsConfiguration must be true or an object; not applied", id)
	}
}

func copyIntegration(integ, props map[string]any, from, to string) {
	if v, ok := props[from]; ok {
		integ[to] = v
	}
}

// restAPI builds an AWS::ApiGateway::RestApi whose Swagger 2.0 Body holds the routes of
// its Api events, with a Deployment and the stage (Prod for the implicit API).
func (x *expander) restAPI(id string, res map[string]any, implicit bool) error {
	what := "resource " + id
	props, err := x.properties(id, res, "Api", "StageName", "DefinitionBody", "Name", "Description", "Variables",
		"BinaryMediaTypes", "MinimumCompressionSize", "EndpointConfiguration", "Tags", "Cors", "Auth",
		"TracingEnabled", "CacheClusterEnabled", "CacheClusterSize", "MethodSettings", "OpenApiVersion")
	if err != nil {
		return err
	}
	stage := any("Prod")
	if !implicit {
		s, ok := props["StageName"]
		if !ok {
			return fmt.Errorf("%w: %s: an AWS::Serverless::Api needs a StageName", ErrInvalid, what)
		}
		stage = s
	}
	body := map[string]any{}
	if b, ok := props["DefinitionBody"].(map[string]any); ok {
		body = deepCopy(b).(map[string]any)
	} else {
		body["swagger"] = "2.0"
		body["info"] = map[string]any{"version": "1.0", "title": ref("AWS::StackName")}
		body["paths"] = map[string]any{}
	}
	if v, ok := props["OpenApiVersion"].(string); ok && strings.HasPrefix(v, "3") {
		delete(body, "swagger")
		body["openapi"] = v
	}
	paths, _ := body["paths"].(map[string]any)
	if paths == nil {
		paths = map[string]any{}
		body["paths"] = paths
	}
	auth, err := x.restAPIAuth(id, what, props["Auth"], res)
	if err != nil {
		return err
	}
	iam := false
	for _, ev := range x.restEvents[id] {
		item, _ := paths[ev.path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[ev.path] = item
		}
		method := ev.method
		if method == "any" {
			method = anyMethod
		}
		integ := map[string]any{
			"type":       "aws_proxy",
			"httpMethod": "POST",
			"uri":        map[string]any{"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${" + ev.function + ".Arn}/invocations"},
		}
		copyIntegration(integ, ev.props, "TimeoutInMillis", "timeoutInMillis")
		op := map[string]any{"x-amazon-apigateway-integration": integ, "responses": map[string]any{}}
		usesIAM, err := auth.method(x, "function "+ev.function+" event "+ev.event, ev, op)
		if err != nil {
			return err
		}
		iam = iam || usesIAM
		item[method] = op
	}
	if c := props["Cors"]; c != nil {
		if _, openapi := body["openapi"]; openapi {
			x.warnf("%s: Cors is not applied by the local SAM transform to an OpenAPI 3 definition", what)
		} else if err := x.restCORS(what, c, paths); err != nil { // restcors.go
			return err
		}
	}
	iamDefault := auth.applyDefault(paths)
	auth.applyAPIKeyDefault(paths)
	if auth.apiKeyUsed {
		defs, _ := body["securityDefinitions"].(map[string]any)
		if _, openapi := body["openapi"]; openapi {
			comps, _ := body["components"].(map[string]any)
			defs, _ = comps["securitySchemes"].(map[string]any)
		}
		if _, ok := defs[apiKeyScheme]; !ok {
			auth.schemes[apiKeyScheme] = apiKeyDefinition()
		}
	}
	if iamDefault || iam {
		x.warnf("%s: AWS_IAM authorization is not checked locally; its AWS_IAM methods are served without a signature check (as sam local serves them)", what)
		if _, ok := auth.schemes[iamAuthorizer]; !ok {
			auth.schemes[iamAuthorizer] = iamScheme()
		}
	}
	if len(auth.schemes) > 0 {
		defs, _ := body["securityDefinitions"].(map[string]any)
		if _, openapi := body["openapi"]; openapi {
			comps, _ := body["components"].(map[string]any)
			if comps == nil {
				comps = map[string]any{}
				body["components"] = comps
			}
			if defs, _ = comps["securitySchemes"].(map[string]any); defs == nil {
				defs = map[string]any{}
				comps["securitySchemes"] = defs
			}
		} else if defs == nil {
			defs = map[string]any{}
			body["securityDefinitions"] = defs
		}
		for name, scheme := range auth.schemes {
			if _, ok := defs[name]; !ok || name != iamAuthorizer {
				defs[name] = scheme
			}
		}
	}
	api := map[string]any{"Body": body}
	copyProps(api, props, "Name", "Description", "BinaryMediaTypes", "MinimumCompressionSize", "EndpointConfiguration")
	if err := x.add(id, "AWS::ApiGateway::RestApi", api, res); err != nil {
		return err
	}

	sum := sha1.Sum(stableJSON(body))
	hash := hex.EncodeToString(sum[:])
	deployment := id + "Deployment" + hash[:10]
	dep := map[string]any{"Description": "RestApi deployment id: " + hash, "RestApiId": ref(id)}
	if _, openapi := body["openapi"]; !openapi {
		dep["StageName"] = "Stage"
	}
	if err := x.add(deployment, "AWS::ApiGateway::Deployment", dep, res); err != nil {
		return err
	}
	stageID := id + "Stage"
	if s, ok := stage.(string); ok {
		if !isAlnum(s) {
			return fmt.Errorf("%w: %s: StageName %q: the local SAM transform takes letters and digits only", ErrInvalid, what, s)
		}
		stageID = id + s + "Stage"
	}
	x.refs[id+".Stage"] = stageID
	x.refs[id+".Deployment"] = deployment
	st := map[string]any{"DeploymentId": ref(deployment), "RestApiId": ref(id), "StageName": stage}
	copyProps(st, props, "Variables", "TracingEnabled", "CacheClusterEnabled", "CacheClusterSize", "MethodSettings")
	if err := x.add(stageID, "AWS::ApiGateway::Stage", st, res); err != nil {
		return err
	}
	return x.usagePlan(id, what, auth, stageID, res) // restkeys.go
}

func isAlnum(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// stableJSON is v as JSON with sorted keys (encoding/json sorts map keys).
func stableJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

// simpleTable is an AWS::DynamoDB::Table with a single hash key (PrimaryKey, default
// {Name: id, Type: String}), on demand unless ProvisionedThroughput is given.
func (x *expander) simpleTable(id string, res map[string]any) error {
	what := "resource " + id
	props, err := x.properties(id, res, "SimpleTable", "PrimaryKey", "ProvisionedThroughput", "TableName", "Tags", "SSESpecification", "PointInTimeRecoverySpecification")
	if err != nil {
		return err
	}
	name, typ := any("id"), "String"
	if pk, ok := props["PrimaryKey"].(map[string]any); ok {
		name = pk["Name"]
		typ = str(pk["Type"])
	}
	attrType, ok := map[string]string{"String": "S", "Number": "N", "Binary": "B"}[typ]
	if !ok {
		return fmt.Errorf("%w: %s: PrimaryKey.Type must be String, Number or Binary, got %q", ErrInvalid, what, typ)
	}
	t := map[string]any{
		"AttributeDefinitions": []any{map[string]any{"AttributeName": name, "AttributeType": attrType}},
		"KeySchema":            []any{map[string]any{"AttributeName": name, "KeyType": "HASH"}},
	}
	if pt, ok := props["ProvisionedThroughput"]; ok {
		t["ProvisionedThroughput"] = pt
	} else {
		t["BillingMode"] = "PAY_PER_REQUEST"
	}
	copyProps(t, props, "TableName", "SSESpecification", "PointInTimeRecoverySpecification")
	if tags, ok := props["Tags"].(map[string]any); ok {
		var list []any
		for _, k := range slices.Sorted(maps.Keys(tags)) {
			list = append(list, map[string]any{"Key": k, "Value": tags[k]})
		}
		t["Tags"] = list
	}
	return x.add(id, "AWS::DynamoDB::Table", t, res)
}
