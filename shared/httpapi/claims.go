package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/microshop/microshop/shared/fault"
)

// Identity is the caller of a request, as the HTTP API's JWT authorizer verified it from a
// Cognito access or ID token. Only routes with an authorizer have one.
type Identity struct {
	Subject  string   // sub: the user's stable id; a customer's id in every service
	Username string   // cognito:username (ID token) or username (access token)
	Email    string   // email (ID tokens only)
	Groups   []string // cognito:groups, e.g. ["admin"]
	Scopes   []string // the access token's OAuth scopes
	TokenUse string   // token_use: "access" or "id"
	ClientID string   // client_id (access token) or aud (ID token): the app client
}

// InGroup reports whether the caller is in group.
func (id Identity) InGroup(group string) bool { return slices.Contains(id.Groups, group) }

// Claims returns the identity in the JWT claims API Gateway put in the request's
// requestContext.authorizer.jwt.claims, and false when the request has none (a route without
// an authorizer, or outside Lambda) or the claims name no subject.
//
// API Gateway passes every claim as a string and flattens lists the way Go prints them:
// cognito:groups ["admin","users"] arrives as "[admin users]". Claims also accepts a JSON
// array string ("[\"admin\",\"users\"]") and a bare name ("admin"). Splitting the flattened
// form at spaces is safe because Cognito group names cannot hold white space.
func Claims(ctx context.Context) (Identity, bool) {
	ev := Event(ctx)
	if ev == nil || ev.RequestContext.Authorizer == nil || ev.RequestContext.Authorizer.JWT == nil {
		return Identity{}, false
	}
	jwt := ev.RequestContext.Authorizer.JWT
	c := jwt.Claims
	if c["sub"] == "" {
		return Identity{}, false
	}
	id := Identity{
		Subject:  c["sub"],
		Username: firstOf(c["cognito:username"], c["username"]),
		Email:    c["email"],
		Groups:   parseList(c["cognito:groups"]),
		Scopes:   jwt.Scopes,
		TokenUse: c["token_use"],
		ClientID: firstOf(c["client_id"], c["aud"]),
	}
	if len(id.Scopes) == 0 {
		id.Scopes = fields(c["scope"])
	}
	return id, true
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// parseList reads a list claim as API Gateway passes it: "[a b]", a JSON array, or one bare
// value; "" and "[]" are no values.
func parseList(s string) []string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, `["`) {
		var list []string
		if err := json.Unmarshal([]byte(s), &list); err == nil {
			return list
		}
	}
	if inner, ok := strings.CutPrefix(s, "["); ok {
		if inner, ok = strings.CutSuffix(inner, "]"); ok {
			s = inner
		}
	}
	return fields(s)
}

// fields is strings.Fields, but nil when s holds no field.
func fields(s string) []string {
	if f := strings.Fields(s); len(f) > 0 {
		return f
	}
	return nil
}

// RequireGroup returns middleware that lets a request through only if its caller is in group:
// a request with no identity (see Claims) gets 401 with code "unauthorized", and a caller
// outside the group 403 with code "forbidden", both as JSON errors. On AWS the route's JWT
// authorizer already refuses requests without a valid token, so the 401 is a second line of
// defence for a route deployed without one.
func RequireGroup(group string) func(http.Handler) http.Handler {
	forbidden := fault.Errorf(fault.Forbidden, "this operation needs membership of the %q group", group)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id, ok := Claims(r.Context())
			switch {
			case !ok:
				WriteError(w, r, nil, errUnauthorized)
			case !id.InGroup(group):
				WriteError(w, r, nil, forbidden)
			default:
				next.ServeHTTP(w, r)
			}
		})
	}
}

var errUnauthorized = fault.New(fault.Unauthorized, "sign in to do this: the request carries no verified token")
