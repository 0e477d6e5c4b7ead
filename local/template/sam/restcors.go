package sam

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// This file expands an AWS::Serverless::Api's Cors the way the translator does (its
// ApiGenerator._add_cors and SwaggerEditor.add_cors): every path of the Body without an
// options operation gets one with a MOCK integration whose default response sets the
// Access-Control-* headers as literal ('...') values, before the API's default authorizer and
// API key requirement are applied (which reach OPTIONS unless the Auth says otherwise).
// The local runtime serves such MOCK integrations as API Gateway does (local/apigw). Only
// Swagger 2.0 bodies are expanded: for OpenAPI 3 the translator rewrites the operation again,
// which the local transform does not copy, so Cors there still warns.

// corsWildcard is the translator's default AllowOrigin.
const corsWildcard = "'*'"

// corsProps are the properties of Cors as an object.
var corsProps = []string{"AllowMethods", "AllowHeaders", "AllowOrigin", "MaxAge", "AllowCredentials"}

// allHTTPMethods is what ANY allows, in the translator's order before sorting.
var allHTTPMethods = []string{"OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"}

// restCORS adds the OPTIONS operations of Cors (an Api's Cors property) to paths.
func (x *expander) restCORS(what string, cors any, paths map[string]any) error {
	props := map[string]any{"AllowOrigin": corsWildcard, "AllowCredentials": false}
	switch c := cors.(type) {
	case string:
		props["AllowOrigin"] = c
	case map[string]any:
		if isIntrinsic(c) {
			props["AllowOrigin"] = c
			break
		}
		for _, k := range slices.Sorted(maps.Keys(c)) {
			if !slices.Contains(corsProps, k) {
				return fmt.Errorf("%w: %s: Invalid key '%s' for 'Cors' property", ErrInvalid, what, k)
			}
			props[k] = c[k]
		}
	default:
		return fmt.Errorf("%w: %s: Invalid value for 'Cors' property", ErrInvalid, what)
	}
	if props["AllowCredentials"] == true && props["AllowOrigin"] == corsWildcard {
		return fmt.Errorf("%w: %s: Cors AllowCredentials can not be true when AllowOrigin is \"'*'\" or not set", ErrInvalid, what)
	}
	seen := map[string]bool{}
	// The translator walks the paths in the Body's order; the result does not depend on it
	// but for the trailing-slash pairs, where the sorted order keeps the one without.
	for _, p := range slices.Sorted(maps.Keys(paths)) {
		norm := p
		if p != "/" {
			norm = strings.TrimRight(p, "/")
		}
		if seen[norm] {
			continue
		}
		seen[norm] = true
		item, ok := paths[p].(map[string]any)
		if !ok {
			return fmt.Errorf("%w: %s: path %s must be an object", ErrInvalid, what, p)
		}
		if _, ok := item["options"]; ok {
			continue
		}
		origin := props["AllowOrigin"]
		if !truthy(origin) {
			return fmt.Errorf("%w: %s: Invalid input. Value for AllowedOrigins is required", ErrInvalid, what)
		}
		methods := props["AllowMethods"]
		if !truthy(methods) {
			methods = "'" + corsMethods(item) + "'"
		}
		item["options"] = corsOptions(origin, props["AllowHeaders"], methods, props["MaxAge"], props["AllowCredentials"] == true)
	}
	return nil
}

// corsMethods is the Access-Control-Allow-Methods of a path item: its methods and OPTIONS
// (every method for ANY), upper case, sorted, comma-separated.
func corsMethods(item map[string]any) string {
	var ms []string
	if _, ok := item[anyMethod]; ok {
		ms = slices.Clone(allHTTPMethods)
	} else {
		for k := range item {
			ms = append(ms, strings.ToUpper(k))
		}
		ms = append(ms, "OPTIONS")
	}
	slices.Sort(ms)
	return strings.Join(slices.Compact(ms), ",")
}

// corsOptions is the translator's OPTIONS operation for CORS.
func corsOptions(origin, headers, methods, maxAge any, credentials bool) map[string]any {
	const prefix = "method.response.header."
	params := map[string]any{prefix + "Access-Control-Allow-Origin": origin}
	respHeaders := map[string]any{"Access-Control-Allow-Origin": map[string]any{"type": "string"}}
	if truthy(headers) {
		params[prefix+"Access-Control-Allow-Headers"] = headers
		respHeaders["Access-Control-Allow-Headers"] = map[string]any{"type": "string"}
	}
	if truthy(methods) {
		params[prefix+"Access-Control-Allow-Methods"] = methods
		respHeaders["Access-Control-Allow-Methods"] = map[string]any{"type": "string"}
	}
	if maxAge != nil {
		params[prefix+"Access-Control-Max-Age"] = maxAge
		respHeaders["Access-Control-Max-Age"] = map[string]any{"type": "integer"}
	}
	if credentials {
		params[prefix+"Access-Control-Allow-Credentials"] = "'true'"
		respHeaders["Access-Control-Allow-Credentials"] = map[string]any{"type": "string"}
	}
	return map[string]any{
		"summary":  "CORS support",
		"consumes": []any{"application/json"},
		"produces": []any{"application/json"},
		"x-amazon-apigateway-integration": map[string]any{
			"type":             "mock",
			"requestTemplates": map[string]any{"application/json": "{\n  \"statusCode\" : 200\n}\n"},
			"responses": map[string]any{"default": map[string]any{
				"statusCode":         "200",
				"responseParameters": params,
				"responseTemplates":  map[string]any{"application/json": "{}\n"},
			}},
		},
		"responses": map[string]any{"200": map[string]any{
			"description": "Default response for CORS method",
			"headers":     respHeaders,
		}},
	}
}
