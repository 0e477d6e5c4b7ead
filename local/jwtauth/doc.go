// Package jwtauth is the local runtime's stand-in for Amazon Cognito and for API Gateway's
// JWT authorizers (AWS::ApiGatewayV2::Authorizer, AuthorizerType JWT).
//
// An Issuer holds one RS256 signing key, serves the OpenID discovery document and the JWKS
// (Handler), and mints tokens shaped like Cognito's access and ID tokens (Issue). An
// Authorizer checks requests to the template's JWT-protected routes the way API Gateway does,
// and plugs into local/apigw as its Options.Authorizer. TokenCommand is `devcloud token`.
//
// # Issuer mapping (local only)
//
// On AWS each JWT authorizer fetches the keys of its JwtConfiguration.Issuer, usually a
// Cognito user pool: https://cognito-idp.<region>.amazonaws.com/<poolId>. Locally the user
// pools (local/cognito) sign with the local Issuer's key, and every JWT authorizer trusts
// that key, whatever its issuer URL says. Everything else is checked as on AWS: the token's iss must equal the template's
// issuer string exactly, so Issue mints tokens with that iss (Claims.Issuer, or
// Options.IssuerURL by default). A token signed by any other key is refused.
//
// # What an Authorizer checks
//
// Following API Gateway's documented JWT authorizer workflow, in order:
//
//   - The identity source (default $request.header.Authorization; $request.querystring.x
//     also works) holds the token, alone or after "Bearer " (the prefix is matched without
//     regard to case: chosen). Missing or empty: 401.
//   - The token decodes, names in its kid header a key of the JWKS, uses an RSA algorithm
//     (RS256, RS384, RS512: API Gateway supports only RSA) and its signature verifies: else
//     401.
//   - iss equals the authorizer's Issuer; aud (or client_id, read only when aud is absent)
//     is one of its Audience entries; exp is after now; nbf, when present, is not after now;
//     iat, when present, is not after now. No clock skew is allowed. A token without exp is
//     refused (chosen: AWS lists exp among the checked claims and Cognito always sets it).
//     Any failure: 401 {"message":"Unauthorized"} (apigw.ErrUnauthorized, wrapped with the
//     reason, which API Gateway puts in its www-authenticate header).
//   - When the route has AuthorizationScopes, at least one must be among the token's scopes
//     (the space-separated scope claim, or scp as a string or a list): else 403
//     {"message":"Forbidden"} (apigw.ErrForbidden).
//
// A route whose AuthorizationType is not JWT (AWS_IAM, CUSTOM) or whose authorizer is not a
// JWT authorizer of the template gets a plain error, which apigw answers with 500: the
// local runtime does not pretend to enforce what it cannot. (The runtime gives CUSTOM routes
// to apigw's own Lambda authorizers, so they reach this Authorizer only when apigw is used
// without them.)
//
// # What the function sees
//
// requestContext.authorizer.jwt.claims holds every claim as a string, flattened as real API
// Gateway does (observed, not documented): strings as they are, numbers as their JSON text
// ("1787996002"), booleans as "true"/"false", lists as "[admin users]" (elements separated
// by spaces, no quotes), objects as "map[k:v]" with sorted keys, null as "<nil>" (chosen:
// the same Go-style formatting). jwt.scopes lists the token's scopes, and is null when the
// token has none.
package jwtauth
