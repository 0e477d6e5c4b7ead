package jwtauth

import (
	"errors"
	"fmt"

	"github.com/golang-jwt/jwt/v5"
)

// ErrTokenExpired is wrapped by Verify's error when the token is signed by the Issuer but
// its exp has passed.
var ErrTokenExpired = errors.New("jwtauth: token expired")

// Verify checks that token was signed by this Issuer (RS256, the kid of its key) and has not
// expired by the Issuer's clock, and returns its claims with numbers as float64. It checks
// nothing else: the caller (the local Cognito API, for access tokens) checks iss and
// token_use itself.
func (iss *Issuer) Verify(token string) (map[string]any, error) {
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithTimeFunc(iss.opts.Now),
		jwt.WithExpirationRequired(),
	)
	claims := jwt.MapClaims{}
	_, err := p.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		k, ok := iss.publicKey(kid)
		if !ok {
			return nil, fmt.Errorf("no key %q in the issuer's JWKS", kid)
		}
		return k, nil
	})
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, fmt.Errorf("%w: %v", ErrTokenExpired, err)
	case err != nil:
		return nil, fmt.Errorf("jwtauth: verify: %w", err)
	}
	return claims, nil
}
