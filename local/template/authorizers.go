package template

import (
	"strconv"
	"strings"
	"time"
)

// This file models the authorizers of HTTP APIs.

// Authorizer is an authorizer of an HTTP API (AWS::ApiGatewayV2::Authorizer). Routes name it
// by logical ID (Route.AuthorizerID). Authorizers of WebSocket APIs are not listed.
type Authorizer struct {
	LogicalID string
	// APIID is the local ID of the HTTP API it belongs to (HTTPAPI.ID).
	APIID string
	Name  string
	// Type is AuthorizerType: JWT, or REQUEST for a Lambda authorizer.
	Type string
	// IdentitySource is where the token or identity is, e.g.
	// ["$request.header.Authorization"]; as written (empty when omitted).
	IdentitySource []string
	// JWT is JwtConfiguration; nil when the template omits it.
	JWT *JWTConfiguration

	// The fields below are a Lambda authorizer's (Type REQUEST).

	// Function is the logical ID of the authorizer's function (from AuthorizerUri).
	Function string
	// PayloadFormatVersion is AuthorizerPayloadFormatVersion ("1.0" or "2.0"), as written.
	PayloadFormatVersion string
	// EnableSimpleResponses: the function answers {"isAuthorized": bool} (payload 2.0 only)
	// instead of an IAM policy.
	EnableSimpleResponses bool
	// TTL is AuthorizerResultTtlInSeconds: how long an answer is cached by the identity
	// source values; 0 (also when the template omits it) disables caching.
	TTL time.Duration
}

// JWTConfiguration is a JWT authorizer's JwtConfiguration.
type JWTConfiguration struct {
	// Issuer is the iss a token must carry, e.g. https://cognito-idp.<region>.amazonaws.com/<pool>.
	Issuer string
	// Audience lists the accepted aud (or client_id) values.
	Audience []string
}

// authorizer returns nil for an authorizer of an API that is not one of apis.
func (r *resolver) authorizer(id string, apis map[string]*HTTPAPI, fns functionIndex) (*Authorizer, error) {
	apiID, err := r.propString(id, "ApiId")
	if err != nil {
		return nil, err
	}
	if _, ok := apis[apiID]; !ok {
		return nil, nil
	}
	a := &Authorizer{LogicalID: id, APIID: apiID}
	if a.Name, err = r.propString(id, "Name"); err != nil {
		return nil, err
	}
	if a.Type, err = r.propString(id, "AuthorizerType"); err != nil {
		return nil, err
	}
	if a.IdentitySource, err = r.propStrings(id, "IdentitySource"); err != nil {
		return nil, err
	}
	if a.PayloadFormatVersion, err = r.propString(id, "AuthorizerPayloadFormatVersion"); err != nil {
		return nil, err
	}
	if a.EnableSimpleResponses, err = r.propBool(id, false, "EnableSimpleResponses"); err != nil {
		return nil, err
	}
	ttl, err := r.propInt(id, 0, "AuthorizerResultTtlInSeconds")
	if err != nil {
		return nil, err
	}
	a.TTL = time.Duration(ttl) * time.Second
	uri, err := r.propString(id, "AuthorizerUri")
	if err != nil {
		return nil, err
	}
	// An AuthorizerUri naming no function of the template leaves Function empty: the
	// authorizer's routes answer 500 (local/apigw says why) rather than the whole template
	// failing to load.
	a.Function, _ = functionForURI(uri, fns.byARN, fns.byName)
	v, _, err := r.property(id, "JwtConfiguration")
	if err != nil || v == nil {
		return a, err
	}
	a.JWT = &JWTConfiguration{}
	if a.JWT.Issuer, err = r.propString(id, "JwtConfiguration", "Issuer"); err != nil {
		return nil, err
	}
	if a.JWT.Audience, err = r.propStrings(id, "JwtConfiguration", "Audience"); err != nil {
		return nil, err
	}
	return a, nil
}

// lambdaSchemeAuthorizer fills a's Lambda authorizer fields from an HTTP API Body's
// x-amazon-apigateway-authorizer (auth), as API Gateway imports it. An authorizerUri naming
// no function of the template leaves Function empty, as for the Authorizer resource.
func lambdaSchemeAuthorizer(a *Authorizer, auth map[string]any, fns functionIndex, at loc) error {
	a.PayloadFormatVersion = str(auth, "authorizerPayloadFormatVersion")
	a.EnableSimpleResponses = strings.EqualFold(str(auth, "enableSimpleResponses"), "true")
	if v := str(auth, "authorizerResultTtlInSeconds"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return at.key("authorizerResultTtlInSeconds").fail(ErrInvalid, "want an integer, got %q", v)
		}
		a.TTL = time.Duration(n) * time.Second
	}
	a.Function, _ = functionForURI(str(auth, "authorizerUri"), fns.byARN, fns.byName)
	return nil
}
