package runtime

import (
	"io"

	"github.com/microshop/microshop/local/cognito"
	"github.com/microshop/microshop/local/edge"
	"github.com/microshop/microshop/local/jwtauth"
)

// startCognito serves the template's user pools on the edge (the cognito-idp service),
// signing their tokens with iss, the issuer the JWT authorizers trust. Users are kept in
// cfg.DataDir when set; confirmation codes go to logw. Nothing starts without user pools.
func (rt *Runtime) startCognito(gw *edge.Edge, iss *jwtauth.Issuer, cfg Config, logw io.Writer) error {
	if len(rt.model.UserPools) == 0 {
		return nil
	}
	svc, err := cognito.New(rt.model.UserPools, cognito.Options{
		Issuer: iss, DataDir: cfg.DataDir, AutoConfirm: cfg.AutoConfirm, Log: logw,
	})
	if err != nil {
		return err
	}
	gw.Handle(edge.CognitoIdentityProvider, svc)
	return nil
}
