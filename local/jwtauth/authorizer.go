package jwtauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/golang-jwt/jwt/v5"

	"github.com/microshop/microshop/local/apigw"
	"github.com/microshop/microshop/local/template"
)

// defaultIdentitySource is API Gateway's (and the CDK's) identity source for JWT authorizers.
const defaultIdentitySource = "$request.header.Authorization"

// Config is one JWT authorizer of an HTTP API, as the template declares it.
type Config struct {
	// ID is the authorizer's logical ID: what template.Route.AuthorizerID names.
	ID   string
	Name string
	// IdentitySource is where the token is: "$request.header.<name>" or
	// "$request.querystring.<name>"; default $request.header.Authorization.
	IdentitySource string
	// Issuer is JwtConfiguration.Issuer: the iss a token must carry.
	Issuer string
	// Audience is JwtConfiguration.Audience: aud (or client_id) must be one of these.
	Audience []string
}

// Authorizer checks requests to JWT-protected routes against its Configs, trusting the
// Issuer's key for all of them (see the package doc). It implements apigw.Authorizer and is
// safe for concurrent use.
type Authorizer struct {
	iss     *Issuer
	configs map[string]Config
	// broken are authorizers the template declares but that cannot be enforced (not JWT,
	// a malformed property); routes using them fail with the reason.
	broken map[string]error
	parser *jwt.Parser
}

var _ apigw.Authorizer = (*Authorizer)(nil)

// ErrConfig is wrapped by the errors Authorize returns for a route it cannot check (not a
// JWT route, an authorizer the template lacks or that is malformed): apigw answers 500.
var ErrConfig = errors.New("jwtauth: authorizer not usable")

// NewAuthorizer returns an Authorizer for configs that trusts iss's key and uses its clock.
func NewAuthorizer(iss *Issuer, configs ...Config) *Authorizer {
	a := &Authorizer{iss: iss, configs: map[string]Config{}, broken: map[string]error{}}
	for _, c := range configs {
		if c.IdentitySource == "" {
			c.IdentitySource = defaultIdentitySource
		}
		a.configs[c.ID] = c
	}
	a.parser = jwt.NewParser(
		// API Gateway verifies RSA signatures only.
		jwt.WithValidMethods([]string{"RS256", "RS384", "RS512"}),
		// Numbers keep their JSON text, so claims flatten to "1787996002" as on AWS.
		jwt.WithJSONNumber(),
		jwt.WithTimeFunc(iss.opts.Now),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
	)
	return a
}

// FromModel builds an Authorizer from the template's HTTP API authorizers with
// AuthorizerType JWT. Lambda authorizers (REQUEST) are passed over: local/apigw runs them
// (apigw.Options.Authorizers). Unusable ones (another type, no issuer, a bad identity
// source) are kept as broken: requests to their routes get 500, and Err lists them.
// Resources whose condition is false are not in the model.
func FromModel(m *template.Model, iss *Issuer) *Authorizer {
	a := NewAuthorizer(iss)
	for _, ma := range m.Authorizers {
		if ma.Type == "REQUEST" {
			continue
		}
		c, err := configFromModel(ma)
		if err != nil {
			a.broken[ma.LogicalID] = err
			continue
		}
		a.configs[c.ID] = c
	}
	return a
}

// ModelConfigs returns the usable authorizer configurations of the template in logical-ID
// order: what an Issuer needs to mint tokens they accept, before the Authorizer exists.
func ModelConfigs(m *template.Model) []Config {
	var out []Config
	for _, ma := range m.Authorizers {
		if c, err := configFromModel(ma); err == nil {
			out = append(out, c)
		}
	}
	return out
}

func configFromModel(ma *template.Authorizer) (Config, error) {
	id := ma.LogicalID
	c := Config{ID: id, Name: ma.Name}
	if ma.Type != "JWT" {
		return c, fmt.Errorf("%w: authorizer %s: AuthorizerType %q is not enforced locally (only JWT is)", ErrConfig, id, ma.Type)
	}
	switch len(ma.IdentitySource) {
	case 0:
		c.IdentitySource = defaultIdentitySource
	case 1:
		c.IdentitySource = ma.IdentitySource[0]
	default:
		return c, fmt.Errorf("%w: authorizer %s: a JWT authorizer takes one IdentitySource, got %q", ErrConfig, id, ma.IdentitySource)
	}
	if _, _, err := identityLocation(c.IdentitySource); err != nil {
		return c, fmt.Errorf("%w: authorizer %s: %v", ErrConfig, id, err)
	}
	if ma.JWT == nil || ma.JWT.Issuer == "" {
		return c, fmt.Errorf("%w: authorizer %s: JwtConfiguration.Issuer is missing", ErrConfig, id)
	}
	c.Issuer, c.Audience = ma.JWT.Issuer, ma.JWT.Audience
	return c, nil
}

// Configs are the usable JWT authorizers, by ID order: where `devcloud token` finds the
// issuer and audience its tokens need.
func (a *Authorizer) Configs() []Config {
	out := make([]Config, 0, len(a.configs))
	for _, c := range a.configs {
		out = append(out, c)
	}
	slices.SortFunc(out, func(x, y Config) int { return strings.Compare(x.ID, y.ID) })
	return out
}

// Err reports the template's authorizers that cannot be enforced, or nil.
func (a *Authorizer) Err() error {
	ids := make([]string, 0, len(a.broken))
	for id := range a.broken {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	errs := make([]error, 0, len(ids))
	for _, id := range ids {
		errs = append(errs, a.broken[id])
	}
	return errors.Join(errs...)
}

// Authorize checks r for route as API Gateway's JWT authorizer does (see the package doc).
// It returns apigw.ErrUnauthorized or apigw.ErrForbidden wrapped with the reason, or an error
// wrapping ErrConfig when the route cannot be checked.
func (a *Authorizer) Authorize(_ context.Context, route *template.Route, r *http.Request) (*events.APIGatewayV2HTTPRequestContextAuthorizerDescription, error) {
	if route.AuthorizationType != "JWT" {
		return nil, fmt.Errorf("%w: route %q: authorization type %s is not enforced locally (only JWT is)", ErrConfig, route.Key, route.AuthorizationType)
	}
	c, ok := a.configs[route.AuthorizerID]
	if !ok {
		if err := a.broken[route.AuthorizerID]; err != nil {
			return nil, fmt.Errorf("route %q: %w", route.Key, err)
		}
		return nil, fmt.Errorf("%w: route %q: no JWT authorizer %q in the template", ErrConfig, route.Key, route.AuthorizerID)
	}
	raw, err := token(c.IdentitySource, r)
	if err != nil {
		return nil, err
	}
	claims := jwt.MapClaims{}
	if _, err := a.parser.ParseWithClaims(raw, claims, a.key); err != nil {
		return nil, fmt.Errorf("%w: %v", apigw.ErrUnauthorized, err)
	}
	if iss, _ := claims["iss"].(string); iss != c.Issuer {
		return nil, fmt.Errorf("%w: the token does not have a valid issuer: %q, want %q", apigw.ErrUnauthorized, iss, c.Issuer)
	}
	if !validAudience(claims, c.Audience) {
		return nil, fmt.Errorf("%w: the token does not have a valid audience", apigw.ErrUnauthorized)
	}
	scopes := tokenScopes(claims)
	if len(route.AuthorizationScopes) > 0 && !slices.ContainsFunc(route.AuthorizationScopes, func(s string) bool { return slices.Contains(scopes, s) }) {
		return nil, fmt.Errorf("%w: the token has none of the scopes %q", apigw.ErrForbidden, route.AuthorizationScopes)
	}
	return &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
			Claims: flatten(claims),
			Scopes: scopes,
		},
	}, nil
}

// key finds the verification key the token's kid names.
func (a *Authorizer) key(t *jwt.Token) (any, error) {
	kid, _ := t.Header["kid"].(string)
	if kid == "" {
		return nil, errors.New("the token has no kid")
	}
	k, ok := a.iss.publicKey(kid)
	if !ok {
		return nil, fmt.Errorf("no key %q in the issuer's JWKS", kid)
	}
	return k, nil
}

// identityLocation splits "$request.header.Authorization" into ("header", "Authorization").
func identityLocation(source string) (where, name string, err error) {
	rest, ok := strings.CutPrefix(source, "$request.")
	if ok {
		where, name, ok = strings.Cut(rest, ".")
	}
	if !ok || name == "" || (where != "header" && where != "querystring") {
		return "", "", fmt.Errorf("identity source %q: want $request.header.<name> or $request.querystring.<name>", source)
	}
	return where, name, nil
}

// token reads the token from the identity source, without a "Bearer " prefix.
func token(source string, r *http.Request) (string, error) {
	where, name, err := identityLocation(source)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrConfig, err)
	}
	var v string
	if where == "header" {
		v = r.Header.Get(name)
	} else {
		v = r.URL.Query().Get(name)
	}
	v = strings.TrimSpace(v)
	if len(v) > len("Bearer ") && strings.EqualFold(v[:len("Bearer ")], "Bearer ") {
		v = strings.TrimSpace(v[len("Bearer "):])
	}
	if v == "" {
		return "", fmt.Errorf("%w: no token in %s", apigw.ErrUnauthorized, source)
	}
	return v, nil
}

// validAudience applies API Gateway's rule: aud when present (a string or a list), else
// client_id, must be one of audience.
func validAudience(claims jwt.MapClaims, audience []string) bool {
	if _, ok := claims["aud"]; ok {
		aud, err := claims.GetAudience()
		return err == nil && slices.ContainsFunc(aud, func(s string) bool { return slices.Contains(audience, s) })
	}
	client, _ := claims["client_id"].(string)
	return client != "" && slices.Contains(audience, client)
}

// tokenScopes reads scope (space-separated) or else scp (a string or a list); nil when the
// token has neither.
func tokenScopes(claims jwt.MapClaims) []string {
	v, ok := claims["scope"]
	if !ok {
		v = claims["scp"]
	}
	var out []string
	switch v := v.(type) {
	case string:
		out = strings.Fields(v)
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// flatten turns every claim into a string the way API Gateway does: Go's default
// formatting of the decoded JSON value, numbers kept as their JSON text.
func flatten(claims jwt.MapClaims) map[string]string {
	out := make(map[string]string, len(claims))
	for k, v := range claims {
		out[k] = fmt.Sprint(v)
	}
	return out
}
