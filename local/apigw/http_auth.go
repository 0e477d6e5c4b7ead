package apigw

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/microshop/microshop/local/template"
)

// maxAuthorizerTTL is the largest AuthorizerResultTtlInSeconds API Gateway accepts.
const maxAuthorizerTTL = time.Hour

// httpLambdaAuthorizer is one Lambda authorizer (AuthorizerType REQUEST) of an HTTP API,
// ready to check requests. See the package doc, "Lambda authorizers of HTTP APIs".
type httpLambdaAuthorizer struct {
	cfg      *template.Authorizer
	function string
	sources  []httpIdentitySource
	broken   error

	cache authCache[*lambdaAnswer]
}

// httpIdentitySource is one identity source: $request.header.<name>,
// $request.querystring.<name>, $context.<name> or $stageVariables.<name>.
type httpIdentitySource struct {
	where, name string
}

// lambdaAnswer is what a Lambda authorizer answered: a simple response (policy nil) or an
// IAM policy.
type lambdaAnswer struct {
	authorized bool
	policy     *authorizerPolicy
	context    map[string]any
}

// contextVariables are the $context variables an identity source may name, read from the
// payload format 2.0 event.
var contextVariables = map[string]func(ev *event) string{
	"accountId":          func(ev *event) string { return ev.RequestContext.AccountID },
	"apiId":              func(ev *event) string { return ev.RequestContext.APIID },
	"domainName":         func(ev *event) string { return ev.RequestContext.DomainName },
	"domainPrefix":       func(ev *event) string { return ev.RequestContext.DomainPrefix },
	"httpMethod":         func(ev *event) string { return ev.RequestContext.HTTP.Method },
	"identity.sourceIp":  func(ev *event) string { return ev.RequestContext.HTTP.SourceIP },
	"identity.userAgent": func(ev *event) string { return ev.RequestContext.HTTP.UserAgent },
	"path":               func(ev *event) string { return ev.RequestContext.HTTP.Path },
	"protocol":           func(ev *event) string { return ev.RequestContext.HTTP.Protocol },
	"requestId":          func(ev *event) string { return ev.RequestContext.RequestID },
	"requestTime":        func(ev *event) string { return ev.RequestContext.Time },
	"requestTimeEpoch":   func(ev *event) string { return strconv.FormatInt(ev.RequestContext.TimeEpoch, 10) },
	"routeKey":           func(ev *event) string { return ev.RequestContext.RouteKey },
	"stage":              func(ev *event) string { return ev.RequestContext.Stage },
}

// newHTTPLambdaAuthorizer checks cfg as API Gateway does when it is created; a
// configuration it would refuse is kept as broken, and its routes answer 500.
func newHTTPLambdaAuthorizer(cfg *template.Authorizer, functions map[string]string) *httpLambdaAuthorizer {
	a := &httpLambdaAuthorizer{cfg: cfg}
	fail := func(format string, args ...any) *httpLambdaAuthorizer {
		a.broken = fmt.Errorf("authorizer %s: "+format, append([]any{cfg.LogicalID}, args...)...)
		return a
	}
	for _, src := range cfg.IdentitySource {
		var s httpIdentitySource
		switch {
		case strings.HasPrefix(src, "$request.header."):
			s = httpIdentitySource{"header", strings.ToLower(strings.TrimPrefix(src, "$request.header."))}
		case strings.HasPrefix(src, "$request.querystring."):
			s = httpIdentitySource{"querystring", strings.TrimPrefix(src, "$request.querystring.")}
		case strings.HasPrefix(src, "$stageVariables."):
			s = httpIdentitySource{"stageVariables", strings.TrimPrefix(src, "$stageVariables.")}
		case strings.HasPrefix(src, "$context."):
			s = httpIdentitySource{"context", strings.TrimPrefix(src, "$context.")}
			if contextVariables[s.name] == nil {
				return fail("identity source %q: the context variable is not one devcloud knows", src)
			}
		default:
			return fail("identity source %q: want $request.header.<name>, $request.querystring.<name>, $context.<name> or $stageVariables.<name>", src)
		}
		if s.name == "" {
			return fail("identity source %q names nothing", src)
		}
		a.sources = append(a.sources, s)
	}
	switch {
	case cfg.Function == "":
		return fail("no AuthorizerUri naming a function of the template")
	case functions[cfg.Function] == "":
		return fail("function %q is not run locally", cfg.Function)
	case cfg.PayloadFormatVersion != "1.0" && cfg.PayloadFormatVersion != "2.0":
		return fail("AuthorizerPayloadFormatVersion %q: want 1.0 or 2.0", cfg.PayloadFormatVersion)
	case cfg.EnableSimpleResponses && cfg.PayloadFormatVersion != "2.0":
		return fail("EnableSimpleResponses needs AuthorizerPayloadFormatVersion 2.0")
	case cfg.TTL < 0 || cfg.TTL > maxAuthorizerTTL:
		return fail("AuthorizerResultTtlInSeconds %d: want 0 to 3600", cfg.TTL/time.Second)
	case cfg.TTL > 0 && len(a.sources) == 0:
		return fail("caching (AuthorizerResultTtlInSeconds %d) needs at least one identity source", cfg.TTL/time.Second)
	}
	a.function = functions[cfg.Function]
	return a
}

// identity reads the identity sources from the request's payload format 2.0 event. A
// missing or empty one is ErrUnauthorized: API Gateway then answers 401 without calling
// the function.
func (a *httpLambdaAuthorizer) identity(ev *event) ([]string, error) {
	values := make([]string, 0, len(a.sources))
	for i, src := range a.sources {
		var v string
		switch src.where {
		case "header":
			v = ev.Headers[src.name]
		case "querystring":
			v = ev.QueryStringParameters[src.name]
		case "stageVariables":
			v = ev.StageVariables[src.name]
		default:
			v = contextVariables[src.name](ev)
		}
		if strings.TrimSpace(v) == "" { // as a header of blanks reads once it crossed the wire
			return nil, fmt.Errorf("%w: identity source %s is missing", ErrUnauthorized, a.cfg.IdentitySource[i])
		}
		values = append(values, v)
	}
	return values, nil
}

// authorizerEventV2 is events.APIGatewayV2CustomAuthorizerV2Request as API Gateway
// serializes it (requestContext without authentication, as in the route's event).
type authorizerEventV2 struct {
	Version               string            `json:"version"`
	Type                  string            `json:"type"`
	RouteArn              string            `json:"routeArn"`
	IdentitySource        []string          `json:"identitySource"`
	RouteKey              string            `json:"routeKey"`
	RawPath               string            `json:"rawPath"`
	RawQueryString        string            `json:"rawQueryString"`
	Cookies               []string          `json:"cookies,omitempty"`
	Headers               map[string]string `json:"headers"`
	QueryStringParameters map[string]string `json:"queryStringParameters,omitempty"`
	RequestContext        requestContext    `json:"requestContext"`
	PathParameters        map[string]string `json:"pathParameters,omitempty"`
	StageVariables        map[string]string `json:"stageVariables,omitempty"`
}

// authorize runs the authorizer for the request whose route event is ev (or takes its
// cached answer) and returns what the route's event carries as requestContext.authorizer.
func (a *httpLambdaAuthorizer) authorize(ctx context.Context, s *Server, in *incoming, ev *event, path string) (*events.APIGatewayV2HTTPRequestContextAuthorizerDescription, error) {
	if a.broken != nil {
		return nil, a.broken
	}
	values, err := a.identity(ev)
	if err != nil {
		return nil, err
	}
	arn := executeAPIARN(s.opts.Region, s.opts.AccountID, s.api.ID, s.opts.Stage, in.r.Method, path)
	caching := a.cfg.TTL > 0
	key := strings.Join(values, "\x00")
	var ans *lambdaAnswer
	cached := false
	if caching {
		ans, cached = a.cache.get(key, in.now)
	}
	if !cached {
		var payload any
		if a.cfg.PayloadFormatVersion == "1.0" {
			payload = s.authorizerEventV1(in, arn, values)
		} else {
			payload = &authorizerEventV2{
				Version: "2.0", Type: "REQUEST", RouteArn: arn, IdentitySource: values,
				RouteKey: ev.RouteKey, RawPath: ev.RawPath, RawQueryString: ev.RawQueryString, Cookies: ev.Cookies,
				Headers: ev.Headers, QueryStringParameters: ev.QueryStringParameters, RequestContext: ev.RequestContext,
				PathParameters: ev.PathParameters, StageVariables: ev.StageVariables,
			}
		}
		b, err := callAuthorizer(ctx, s.inv, a.function, a.cfg.LogicalID, payload)
		if err != nil {
			return nil, err
		}
		if ans, err = a.answer(b); err != nil {
			return nil, err
		}
		if caching {
			a.cache.put(key, ans, in.now.Add(a.cfg.TTL))
		}
	}
	if ans.policy != nil {
		if err := ans.policy.allows(arn); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrForbidden, err)
		}
	} else if !ans.authorized {
		return nil, fmt.Errorf("%w: the authorizer %s answered isAuthorized false", ErrForbidden, a.cfg.LogicalID)
	}
	lambda := make(map[string]any, len(ans.context)+1)
	for k, v := range ans.context {
		lambda[k] = v
	}
	if ans.policy != nil {
		lambda["principalId"] = ans.policy.PrincipalID
	}
	return &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: lambda}, nil
}

// answer reads the function's answer: {"isAuthorized": bool, "context": {...}} with
// EnableSimpleResponses, else an IAM policy. Anything else wraps errAuthorizer.
func (a *httpLambdaAuthorizer) answer(b []byte) (*lambdaAnswer, error) {
	var ans lambdaAnswer
	if a.cfg.EnableSimpleResponses {
		var simple struct {
			IsAuthorized *bool          `json:"isAuthorized"`
			Context      map[string]any `json:"context"`
		}
		if err := json.Unmarshal(b, &simple); err != nil || simple.IsAuthorized == nil {
			return nil, fmt.Errorf("%w: %s returned no boolean isAuthorized: %s", errAuthorizer, a.cfg.LogicalID, b)
		}
		ans.authorized, ans.context = *simple.IsAuthorized, simple.Context
		return &ans, nil
	}
	pol, err := parsePolicy(a.cfg.LogicalID, b)
	if err != nil {
		return nil, err
	}
	ans.policy = pol
	for k, raw := range pol.Context {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("%w: %s: context.%s: %v", errAuthorizer, a.cfg.LogicalID, k, err)
		}
		if ans.context == nil {
			ans.context = map[string]any{}
		}
		ans.context[k] = v
	}
	return &ans, nil
}

// authorizerEventV1 is the payload format 1.0 authorizer event, built from the route's
// payload format 1.0 event (the REST API shape, header names in lower case).
func (s *Server) authorizerEventV1(in *incoming, arn string, values []string) *events.APIGatewayV2CustomAuthorizerV1Request {
	ev := s.buildEventV1(&incoming{
		r: in.r, rawPath: in.rawPath, route: in.route, params: in.params, body: in.body,
		requestID: in.requestID, now: in.now,
	})
	params := ev.PathParameters
	if params == nil {
		params = map[string]string{} // {} rather than null, as in AWS's example
	}
	identity := strings.Join(values, ",")
	return &events.APIGatewayV2CustomAuthorizerV1Request{
		Version: "1.0", Type: "REQUEST", MethodArn: arn, IdentitySource: identity, AuthorizationToken: identity,
		Resource: ev.Resource, Path: ev.Path, HTTPMethod: ev.HTTPMethod, Headers: ev.Headers,
		QueryStringParameters: ev.QueryStringParameters, PathParameters: params, StageVariables: ev.StageVariables,
		RequestContext: events.APIGatewayV2CustomAuthorizerV1RequestTypeRequestContext{
			Path: ev.RequestContext.Path, AccountID: ev.RequestContext.AccountID, ResourceID: ev.RequestContext.ResourceID,
			Stage: ev.RequestContext.Stage, RequestID: ev.RequestContext.RequestID, ResourcePath: ev.RequestContext.ResourcePath,
			HTTPMethod: ev.RequestContext.HTTPMethod, APIID: ev.RequestContext.APIID,
			Identity: events.APIGatewayCustomAuthorizerRequestTypeRequestIdentity{SourceIP: ev.RequestContext.Identity.SourceIP},
		},
	}
}
