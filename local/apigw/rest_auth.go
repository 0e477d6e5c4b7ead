package apigw

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/microshop/microshop/local/template"
)

// restAuthorizer is one authorizer of a REST API, ready to check requests.
type restAuthorizer struct {
	cfg      *template.RestAuthorizer
	function string // the Lambda authorizer's function name
	pattern  *regexp.Regexp
	// sources are the REQUEST authorizer's identity sources, or the TOKEN/Cognito header.
	sources []identitySource
	broken  error

	cache authCache[*authorizerPolicy]
}

type identitySource struct {
	where, name string // header, querystring, stageVariables, context
}

// authorizerPolicy is a Lambda authorizer's answer. Action and Resource may be a string or
// a list, as in IAM policies.
type authorizerPolicy struct {
	PrincipalID    string `json:"principalId"`
	PolicyDocument struct {
		Statement []struct {
			Action   stringList `json:"Action"`
			Effect   string     `json:"Effect"`
			Resource stringList `json:"Resource"`
		} `json:"Statement"`
	} `json:"policyDocument"`
	Context map[string]json.RawMessage `json:"context"`
	// UsageIdentifierKey is the API key of an API whose key source is AUTHORIZER.
	UsageIdentifierKey string `json:"usageIdentifierKey"`
}

// stringList is a JSON string or list of strings.
type stringList []string

// UnmarshalJSON accepts "a" or ["a", "b"].
func (l *stringList) UnmarshalJSON(b []byte) error {
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("[")) {
		return json.Unmarshal(b, (*[]string)(l))
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*l = []string{s}
	return nil
}

func newRestAuthorizer(cfg *template.RestAuthorizer, functions map[string]string) *restAuthorizer {
	a := &restAuthorizer{cfg: cfg}
	src := cfg.IdentitySource
	if src == "" && cfg.Type != "REQUEST" {
		src = "method.request.header.Authorization"
	}
	for p := range strings.SplitSeq(src, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		var where, name string
		switch {
		case strings.HasPrefix(p, "method.request.header."):
			where, name = "header", strings.TrimPrefix(p, "method.request.header.")
		case strings.HasPrefix(p, "method.request.querystring."):
			where, name = "querystring", strings.TrimPrefix(p, "method.request.querystring.")
		case strings.HasPrefix(p, "method.request.multivalueheader."):
			where, name = "header", strings.TrimPrefix(p, "method.request.multivalueheader.")
		case strings.HasPrefix(p, "method.request.multivaluequerystring."):
			where, name = "querystring", strings.TrimPrefix(p, "method.request.multivaluequerystring.")
		case strings.HasPrefix(p, "stageVariables."):
			where, name = "stageVariables", strings.TrimPrefix(p, "stageVariables.")
		case strings.HasPrefix(p, "context."):
			where, name = "context", strings.TrimPrefix(p, "context.")
		default:
			a.broken = fmt.Errorf("authorizer %s: identity source %q is not understood", cfg.LogicalID, p)
			return a
		}
		a.sources = append(a.sources, identitySource{where, name})
	}
	switch cfg.Type {
	case "TOKEN", "REQUEST":
		if a.function = functions[cfg.Function]; a.function == "" {
			a.broken = fmt.Errorf("authorizer %s: function %q is not run locally", cfg.LogicalID, cfg.Function)
		}
		if cfg.Type == "TOKEN" && len(a.sources) != 1 {
			a.broken = fmt.Errorf("authorizer %s: a TOKEN authorizer takes one header, got %q", cfg.LogicalID, cfg.IdentitySource)
		}
	case "COGNITO_USER_POOLS":
		if len(cfg.ProviderIssuers) == 0 {
			a.broken = fmt.Errorf("authorizer %s: no user pool in ProviderARNs", cfg.LogicalID)
		}
	default:
		a.broken = fmt.Errorf("authorizer %s: type %q is unknown", cfg.LogicalID, cfg.Type)
	}
	if e := cfg.IdentityValidationExpression; e != "" && a.broken == nil {
		re, err := regexp.Compile("^(?:" + e + ")$")
		if err != nil {
			a.broken = fmt.Errorf("authorizer %s: IdentityValidationExpression: %v", cfg.LogicalID, err)
		}
		a.pattern = re
	}
	return a
}

// value reads one identity source of the request; "" when absent.
func (src identitySource) value(r *http.Request, ev *events.APIGatewayProxyRequest) string {
	switch src.where {
	case "header":
		return r.Header.Get(src.name)
	case "querystring":
		return r.URL.Query().Get(src.name)
	case "stageVariables":
		return ev.StageVariables[src.name]
	default: // context
		switch src.name {
		case "stage":
			return ev.RequestContext.Stage
		case "httpMethod":
			return ev.RequestContext.HTTPMethod
		case "resourcePath":
			return ev.RequestContext.ResourcePath
		case "identity.sourceIp":
			return ev.RequestContext.Identity.SourceIP
		}
		return ""
	}
}

// methodArn is the ARN a Lambda authorizer's policy is checked against.
func (s *RestServer) methodArn(req *restRequest) string {
	return executeAPIARN(s.opts.Region, s.opts.AccountID, s.api.ID, req.stage.Name, req.r.Method, req.path)
}

// lambda runs a TOKEN or REQUEST authorizer (or takes its cached answer) and returns what
// the event carries as requestContext.authorizer.
func (a *restAuthorizer) lambda(ctx context.Context, s *RestServer, req *restRequest, ev *events.APIGatewayProxyRequest) (map[string]any, error) {
	arn := s.methodArn(req)
	var key string
	var payload any
	if a.cfg.Type == "TOKEN" {
		tok := a.sources[0].value(req.r, ev)
		if tok == "" || (a.pattern != nil && !a.pattern.MatchString(tok)) {
			return nil, fmt.Errorf("%w: no valid token in %s", ErrUnauthorized, a.cfg.IdentitySource)
		}
		key = tok
		payload = events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: tok, MethodArn: arn}
	} else {
		var parts []string
		for _, src := range a.sources {
			v := src.value(req.r, ev)
			if v == "" && a.cfg.TTL > 0 {
				return nil, fmt.Errorf("%w: identity source %s.%s is missing", ErrUnauthorized, src.where, src.name)
			}
			parts = append(parts, v)
		}
		key = strings.Join(parts, "\x00")
		params := ev.PathParameters
		if params == nil {
			params = map[string]string{} // {} rather than null, as in aws-lambda-go's capture
		}
		payload = events.APIGatewayCustomAuthorizerRequestTypeRequest{
			Type: "REQUEST", MethodArn: arn, Resource: ev.Resource, Path: ev.Path, HTTPMethod: ev.HTTPMethod,
			Headers: ev.Headers, MultiValueHeaders: ev.MultiValueHeaders,
			QueryStringParameters: ev.QueryStringParameters, MultiValueQueryStringParameters: ev.MultiValueQueryStringParameters,
			PathParameters: params, StageVariables: ev.StageVariables,
			RequestContext: events.APIGatewayCustomAuthorizerRequestTypeRequestContext{
				Path: ev.RequestContext.Path, AccountID: ev.RequestContext.AccountID, ResourceID: ev.RequestContext.ResourceID,
				Stage: ev.RequestContext.Stage, RequestID: ev.RequestContext.RequestID, ResourcePath: ev.RequestContext.ResourcePath,
				HTTPMethod: ev.RequestContext.HTTPMethod, APIID: ev.RequestContext.APIID,
				Identity: events.APIGatewayCustomAuthorizerRequestTypeRequestIdentity{
					SourceIP: ev.RequestContext.Identity.SourceIP,
				},
			},
		}
	}
	now := s.opts.Now()
	began := time.Now()
	caching := a.cfg.TTL > 0 && key != ""
	var pol *authorizerPolicy
	cached := false
	if caching {
		pol, cached = a.cache.get(key, now)
	}
	if !cached {
		b, err := callAuthorizer(ctx, s.inv, a.function, a.cfg.LogicalID, payload)
		if err != nil {
			return nil, err
		}
		if pol, err = parsePolicy(a.cfg.LogicalID, b); err != nil {
			return nil, err
		}
		if caching {
			a.cache.put(key, pol, now.Add(a.cfg.TTL))
		}
	}
	if err := pol.allows(arn); err != nil {
		return nil, err
	}
	req.usageKey = pol.UsageIdentifierKey
	out := map[string]any{"principalId": pol.PrincipalID}
	for k, raw := range pol.Context {
		v, ok, err := headerValue(raw) // strings as they are, numbers and booleans as text
		if err != nil {
			return nil, fmt.Errorf("%w: context.%s: %v", errAuthorizer, k, err)
		}
		if ok {
			out[k] = v
		}
	}
	if !cached {
		out["integrationLatency"] = time.Since(began).Milliseconds()
	}
	return out, nil
}

// allows evaluates the policy for arn as IAM does: an explicit Deny wins, then an Allow;
// nothing matching is a deny too.
func (p *authorizerPolicy) allows(arn string) error {
	allowed := false
	for _, st := range p.PolicyDocument.Statement {
		if !slices.ContainsFunc(st.Action, func(a string) bool {
			return wildcardMatch(strings.ToLower(a), "execute-api:invoke")
		}) || !slices.ContainsFunc(st.Resource, func(r string) bool { return wildcardMatch(r, arn) }) {
			continue
		}
		switch strings.ToLower(st.Effect) {
		case "deny":
			return fmt.Errorf("%w: %s", errExplicitDeny, arn)
		case "allow":
			allowed = true
		}
	}
	if !allowed {
		return fmt.Errorf("%w: no statement allows %s", errNotAuthorized, arn)
	}
	return nil
}

// wildcardMatch matches s against an IAM pattern with * (any run) and ? (one character).
func wildcardMatch(pattern, s string) bool {
	var re strings.Builder
	re.WriteString("^")
	for _, c := range pattern {
		switch c {
		case '*':
			re.WriteString(".*")
		case '?':
			re.WriteString(".")
		default:
			re.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	re.WriteString("$")
	ok, _ := regexp.MatchString(re.String(), s)
	return ok
}

// cognito checks a COGNITO_USER_POOLS method's token: signed by the local issuer, not
// expired, issued by one of the authorizer's user pools; an ID token for a method without
// AuthorizationScopes, an access token with one of them otherwise. Every failure is a 401.
func (a *restAuthorizer) cognito(v TokenVerifier, m *template.RestMethod, r *http.Request) (map[string]any, error) {
	tok := strings.TrimSpace(r.Header.Get(a.sources[0].name))
	if len(tok) > 7 && strings.EqualFold(tok[:7], "Bearer ") {
		tok = strings.TrimSpace(tok[7:])
	}
	if tok == "" {
		return nil, fmt.Errorf("%w: no token in %s", ErrUnauthorized, a.sources[0].name)
	}
	claims, err := v.Verify(tok)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnauthorized, err)
	}
	if iss, _ := claims["iss"].(string); !slices.Contains(a.cfg.ProviderIssuers, iss) {
		return nil, fmt.Errorf("%w: token issuer %q is not one of the authorizer's user pools", ErrUnauthorized, iss)
	}
	use, _ := claims["token_use"].(string)
	if len(m.AuthorizationScopes) == 0 {
		if use != "id" {
			return nil, fmt.Errorf("%w: the method has no AuthorizationScopes, so it takes an ID token (token_use %q)", ErrUnauthorized, use)
		}
	} else {
		scope, _ := claims["scope"].(string)
		if use != "access" || !slices.ContainsFunc(strings.Fields(scope), func(s string) bool { return slices.Contains(m.AuthorizationScopes, s) }) {
			return nil, fmt.Errorf("%w: an access token with one of the scopes %q is needed", ErrUnauthorized, m.AuthorizationScopes)
		}
	}
	flat := make(map[string]string, len(claims))
	for k, v := range claims {
		switch v := v.(type) {
		case string:
			flat[k] = v
		case float64:
			flat[k] = strconv.FormatFloat(v, 'f', -1, 64)
		default:
			flat[k] = fmt.Sprint(v)
		}
	}
	return map[string]any{"claims": flat}, nil
}
