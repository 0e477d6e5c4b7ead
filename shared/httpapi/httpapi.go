// Package httpapi is the platform every Microshop HTTP function shares: it runs a plain
// net/http handler behind an API Gateway HTTP API (payload format 2.0) in Lambda, and gives
// handlers one way to read JSON requests and write JSON responses and errors.
//
// Errors are classified with shared/fault codes and mapped to HTTP statuses in exactly one place,
// WriteError. Every error body has the shape
//
//	{"error":{"code":"not_found","message":"product not found"},"requestId":"..."}
//
// where requestId is API Gateway's requestContext.requestId (see RequestID).
//
// Handlers learn who calls from the JWT authorizer's claims (Claims) and guard routes by
// Cognito group (RequireGroup); Correlate gives each request its correlation id. Functions
// start through shared/start, which applies Correlate and the Lambda adapter.
package httpapi
