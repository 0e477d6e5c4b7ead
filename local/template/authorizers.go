package template

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
}

// JWTConfiguration is a JWT authorizer's JwtConfiguration.
type JWTConfiguration struct {
	// Issuer is the iss a token must carry, e.g. https://cognito-idp.<region>.amazonaws.com/<pool>.
	Issuer string
	// Audience lists the accepted aud (or client_id) values.
	Audience []string
}

// authorizer returns nil for an authorizer of an API that is not one of apis.
func (r *resolver) authorizer(id string, apis map[string]*HTTPAPI) (*Authorizer, error) {
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
