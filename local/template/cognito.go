package template

import (
	"cmp"
	"crypto/sha256"
	"strings"
	"time"
)

// This file models Amazon Cognito user pools (AWS::Cognito::UserPool) with their app clients
// (AWS::Cognito::UserPoolClient) and groups (AWS::Cognito::UserPoolGroup), and gives them
// Cognito-shaped local identifiers: a pool's ID is "<region>_<9 alphanumerics>" and a client's
// ID 26 lower-case alphanumerics, both derived from the logical ID, so they are stable across
// runs and a JWT authorizer whose Issuer is built from Ref of the pool (as the CDK writes it)
// resolves to the pool's IssuerURL.

// Cognito defaults for properties a template may omit.
const (
	defaultPasswordMinLength     = 8
	defaultTemporaryPasswordDays = 7
	defaultAccessTokenValidity   = time.Hour
	defaultIDTokenValidity       = time.Hour
	defaultRefreshTokenValidity  = 30 * 24 * time.Hour
)

// UserPool is an AWS::Cognito::UserPool with its clients and groups.
type UserPool struct {
	LogicalID string
	// ID is the pool's local ID, what Ref returns: "<region>_<9 alphanumerics>".
	ID string
	// Name is UserPoolName, or the logical ID.
	Name string
	// ARN is arn:aws:cognito-idp:<region>:<account>:userpool/<ID>.
	ARN string
	// IssuerURL is the iss of the pool's tokens (Fn::GetAtt ProviderURL):
	// https://cognito-idp.<region>.amazonaws.com/<ID>.
	IssuerURL string
	// UsernameAttributes lets users sign in with these attributes ("email", "phone_number")
	// instead of a username; the username is then a generated ID.
	UsernameAttributes []string
	// AliasAttributes are attributes users may sign in with besides their username.
	AliasAttributes []string
	// AutoVerifiedAttributes are verified by the confirmation code ("email", "phone_number").
	AutoVerifiedAttributes []string
	// CaseSensitive is UsernameConfiguration.CaseSensitive: true (Cognito's default) when
	// the template does not set it.
	CaseSensitive bool
	// AdminCreateUserOnly is AdminCreateUserConfig.AllowAdminCreateUserOnly: SignUp is refused.
	AdminCreateUserOnly bool
	PasswordPolicy      PasswordPolicy
	// Clients and Groups in logical-ID order.
	Clients []*UserPoolClient
	Groups  []*UserPoolGroup
}

// PasswordPolicy is Policies.PasswordPolicy; Cognito's defaults when absent (8 characters,
// all four character classes, temporary passwords valid 7 days).
type PasswordPolicy struct {
	MinimumLength    int
	RequireLowercase bool
	RequireUppercase bool
	RequireNumbers   bool
	RequireSymbols   bool
	// TemporaryPasswordValidity is how long an AdminCreateUser password works.
	TemporaryPasswordValidity time.Duration
}

// UserPoolClient is an AWS::Cognito::UserPoolClient.
type UserPoolClient struct {
	LogicalID string
	// ID is the client's local ID, what Ref returns: 26 lower-case alphanumerics.
	ID string
	// Name is ClientName, or the logical ID.
	Name string
	// ExplicitAuthFlows as written ("ALLOW_USER_PASSWORD_AUTH", legacy "USER_PASSWORD_AUTH",
	// ...). When the template omits them, Cognito's default: ALLOW_USER_SRP_AUTH,
	// ALLOW_REFRESH_TOKEN_AUTH and ALLOW_CUSTOM_AUTH.
	ExplicitAuthFlows []string
	// GenerateSecret: the client has a secret (Fn::GetAtt ClientSecret) and every call must
	// carry SECRET_HASH.
	GenerateSecret bool
	// Secret is the local client secret when GenerateSecret is set.
	Secret string
	// PreventUserExistenceErrors: "ENABLED" answers unknown users like wrong passwords;
	// "LEGACY" (the default) with UserNotFoundException.
	PreventUserExistenceErrors string
	// EnableTokenRevocation: default true.
	EnableTokenRevocation bool
	// Token lifetimes from *TokenValidity and TokenValidityUnits.
	AccessTokenValidity  time.Duration
	IDTokenValidity      time.Duration
	RefreshTokenValidity time.Duration
}

// AllowsAuthFlow reports whether flow ("USER_PASSWORD_AUTH", "REFRESH_TOKEN_AUTH", ...) is
// enabled by ExplicitAuthFlows, in either its ALLOW_ or its legacy spelling. Refresh is
// always allowed: Cognito requires ALLOW_REFRESH_TOKEN_AUTH in every client.
func (c *UserPoolClient) AllowsAuthFlow(flow string) bool {
	if flow == "REFRESH_TOKEN_AUTH" || flow == "REFRESH_TOKEN" {
		return true
	}
	for _, f := range c.ExplicitAuthFlows {
		if strings.TrimPrefix(f, "ALLOW_") == flow {
			return true
		}
		// The legacy ADMIN_NO_SRP_AUTH is today's ADMIN_USER_PASSWORD_AUTH.
		if f == "ADMIN_NO_SRP_AUTH" && flow == "ADMIN_USER_PASSWORD_AUTH" {
			return true
		}
	}
	return false
}

// UserPoolGroup is an AWS::Cognito::UserPoolGroup.
type UserPoolGroup struct {
	LogicalID string
	// Name is GroupName, or the logical ID; what Ref returns.
	Name        string
	Description string
	// Precedence orders a user's groups; -1 when unset.
	Precedence int
	RoleARN    string
}

// Ref and attributes of the Cognito resource types (see kinds).
var (
	userPoolKind = kind{
		ref: func(r *resolver, id, _ string) string { return r.userPoolID(id) },
		attrs: map[string]attrFunc{
			"Arn":          constAttr(func(r *resolver, id, _ string) string { return r.arn("cognito-idp", "userpool/"+r.userPoolID(id)) }),
			"UserPoolId":   constAttr(func(r *resolver, id, _ string) string { return r.userPoolID(id) }),
			"ProviderName": constAttr(func(r *resolver, id, _ string) string { return r.cognitoProvider(r.userPoolID(id)) }),
			"ProviderURL":  constAttr(func(r *resolver, id, _ string) string { return "https://" + r.cognitoProvider(r.userPoolID(id)) }),
		},
	}
	userPoolClientKind = kind{
		nameProp: "ClientName",
		ref:      func(_ *resolver, id, _ string) string { return ClientID(id) },
		attrs: map[string]attrFunc{
			"ClientId":     constAttr(func(_ *resolver, id, _ string) string { return ClientID(id) }),
			"Name":         constAttr(func(_ *resolver, _, name string) string { return name }),
			"ClientSecret": constAttr(func(_ *resolver, id, _ string) string { return clientSecret(id) }),
		},
	}
	userPoolGroupKind = kind{nameProp: "GroupName"}
)

// UserPoolID is the local ID of the pool with logicalID in region: the region, "_", and nine
// letters and digits derived from the logical ID, like Cognito's "us-east-1_AbC123xyZ".
func UserPoolID(region, logicalID string) string {
	return region + "_" + derive("userpool\x00"+logicalID, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 9)
}

// ClientID is the local ID of the app client with logicalID: 26 lower-case letters and
// digits, the shape of Cognito's client IDs.
func ClientID(logicalID string) string {
	return derive("client\x00"+logicalID, "abcdefghijklmnopqrstuvwxyz0123456789", 26)
}

// clientSecret is a client's local secret: fixed, so SECRET_HASH can be computed from it,
// and not a secret at all (anyone can derive it), which does not matter on a laptop.
func clientSecret(logicalID string) string {
	return derive("secret\x00"+logicalID, "abcdefghijklmnopqrstuvwxyz0123456789", 51)
}

// derive spells n characters of alphabet from the SHA-256 of seed (extended by rehashing).
func derive(seed, alphabet string, n int) string {
	out := make([]byte, 0, n)
	sum := sha256.Sum256([]byte(seed))
	for len(out) < n {
		for _, b := range sum {
			if len(out) == n {
				break
			}
			out = append(out, alphabet[int(b)%len(alphabet)])
		}
		sum = sha256.Sum256(sum[:])
	}
	return string(out)
}

func (r *resolver) userPoolID(id string) string { return UserPoolID(r.region, id) }

// propBool is a boolean property (true, false or their strings); def when absent.
func (r *resolver) propBool(id string, def bool, path ...string) (bool, error) {
	s, err := r.propString(id, path...)
	if err != nil || s == "" {
		return def, err
	}
	v, at, _ := r.property(id, path...)
	switch s {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, at.fail(ErrInvalid, "want a boolean, got %s", describe(v))
}

// buildUserPools fills in m.UserPools from the active Cognito resources.
func (m *Model) buildUserPools() error {
	r := m.res
	pools := map[string]*UserPool{} // by pool ID
	var clients, groups []string
	ids, err := r.activeIDs()
	if err != nil {
		return err
	}
	for _, id := range ids {
		switch r.resources[id].Type {
		case "AWS::Cognito::UserPool":
			p, err := r.userPool(id)
			if err != nil {
				return err
			}
			m.UserPools = append(m.UserPools, p)
			pools[p.ID] = p
		case "AWS::Cognito::UserPoolClient":
			clients = append(clients, id)
		case "AWS::Cognito::UserPoolGroup":
			groups = append(groups, id)
		}
	}
	for _, id := range clients {
		p, err := r.poolOf(id, pools)
		if err != nil || p == nil {
			return err
		}
		c, err := r.userPoolClient(id)
		if err != nil {
			return err
		}
		p.Clients = append(p.Clients, c)
	}
	for _, id := range groups {
		p, err := r.poolOf(id, pools)
		if err != nil || p == nil {
			return err
		}
		g := &UserPoolGroup{LogicalID: id}
		if g.Name, err = r.name(id); err != nil {
			return err
		}
		if g.Description, err = r.propString(id, "Description"); err != nil {
			return err
		}
		if g.Precedence, err = r.propInt(id, -1, "Precedence"); err != nil {
			return err
		}
		if g.RoleARN, err = r.propString(id, "RoleArn"); err != nil {
			return err
		}
		p.Groups = append(p.Groups, g)
	}
	return nil
}

// poolOf is the pool a client or group names in UserPoolId; nil for a pool outside the
// template (an imported pool the local runtime cannot serve).
func (r *resolver) poolOf(id string, pools map[string]*UserPool) (*UserPool, error) {
	poolID, err := r.propString(id, "UserPoolId")
	if err != nil {
		return nil, err
	}
	return pools[poolID], nil
}

func (r *resolver) userPool(id string) (*UserPool, error) {
	p := &UserPool{LogicalID: id, ID: r.userPoolID(id)}
	var err error
	if p.Name, err = r.propString(id, "UserPoolName"); err != nil {
		return nil, err
	}
	if p.Name == "" {
		p.Name = id
	}
	p.ARN = r.arn("cognito-idp", "userpool/"+p.ID)
	p.IssuerURL = "https://" + r.cognitoProvider(p.ID)
	if p.UsernameAttributes, err = r.propStrings(id, "UsernameAttributes"); err != nil {
		return nil, err
	}
	if p.AliasAttributes, err = r.propStrings(id, "AliasAttributes"); err != nil {
		return nil, err
	}
	if p.AutoVerifiedAttributes, err = r.propStrings(id, "AutoVerifiedAttributes"); err != nil {
		return nil, err
	}
	if p.CaseSensitive, err = r.propBool(id, true, "UsernameConfiguration", "CaseSensitive"); err != nil {
		return nil, err
	}
	if p.AdminCreateUserOnly, err = r.propBool(id, false, "AdminCreateUserConfig", "AllowAdminCreateUserOnly"); err != nil {
		return nil, err
	}
	pp := &p.PasswordPolicy
	// Without a password policy Cognito requires every character class; a policy that is
	// present requires only what it says.
	policy, _, err := r.property(id, "Policies", "PasswordPolicy")
	if err != nil {
		return nil, err
	}
	if pp.MinimumLength, err = r.propInt(id, defaultPasswordMinLength, "Policies", "PasswordPolicy", "MinimumLength"); err != nil {
		return nil, err
	}
	for _, b := range []struct {
		dst  *bool
		name string
	}{
		{&pp.RequireLowercase, "RequireLowercase"},
		{&pp.RequireUppercase, "RequireUppercase"},
		{&pp.RequireNumbers, "RequireNumbers"},
		{&pp.RequireSymbols, "RequireSymbols"},
	} {
		if *b.dst, err = r.propBool(id, policy == nil, "Policies", "PasswordPolicy", b.name); err != nil {
			return nil, err
		}
	}
	days, err := r.propInt(id, defaultTemporaryPasswordDays, "Policies", "PasswordPolicy", "TemporaryPasswordValidityDays")
	if err != nil {
		return nil, err
	}
	pp.TemporaryPasswordValidity = time.Duration(days) * 24 * time.Hour
	return p, nil
}

func (r *resolver) userPoolClient(id string) (*UserPoolClient, error) {
	c := &UserPoolClient{LogicalID: id, ID: ClientID(id)}
	var err error
	if c.Name, err = r.name(id); err != nil {
		return nil, err
	}
	if c.ExplicitAuthFlows, err = r.propStrings(id, "ExplicitAuthFlows"); err != nil {
		return nil, err
	}
	if c.ExplicitAuthFlows == nil {
		c.ExplicitAuthFlows = []string{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_CUSTOM_AUTH"}
	}
	if c.GenerateSecret, err = r.propBool(id, false, "GenerateSecret"); err != nil {
		return nil, err
	}
	if c.GenerateSecret {
		c.Secret = clientSecret(id)
	}
	if c.PreventUserExistenceErrors, err = r.propString(id, "PreventUserExistenceErrors"); err != nil {
		return nil, err
	}
	if c.PreventUserExistenceErrors == "" {
		c.PreventUserExistenceErrors = "LEGACY"
	}
	if c.EnableTokenRevocation, err = r.propBool(id, true, "EnableTokenRevocation"); err != nil {
		return nil, err
	}
	validity := func(prop, unitProp, defUnit string, def time.Duration) (time.Duration, error) {
		n, err := r.propInt(id, 0, prop)
		if err != nil || n == 0 {
			return def, err
		}
		unit, err := r.propString(id, "TokenValidityUnits", unitProp)
		if err != nil {
			return 0, err
		}
		switch cmp.Or(unit, defUnit) {
		case "seconds":
			return time.Duration(n) * time.Second, nil
		case "minutes":
			return time.Duration(n) * time.Minute, nil
		case "hours":
			return time.Duration(n) * time.Hour, nil
		case "days":
			return time.Duration(n) * 24 * time.Hour, nil
		}
		return 0, loc{id, "Properties.TokenValidityUnits." + unitProp}.fail(ErrInvalid,
			"unit %q: want seconds, minutes, hours or days", unit)
	}
	// Units default to hours for access and ID tokens and days for refresh tokens.
	if c.AccessTokenValidity, err = validity("AccessTokenValidity", "AccessToken", "hours", defaultAccessTokenValidity); err != nil {
		return nil, err
	}
	if c.IDTokenValidity, err = validity("IdTokenValidity", "IdToken", "hours", defaultIDTokenValidity); err != nil {
		return nil, err
	}
	if c.RefreshTokenValidity, err = validity("RefreshTokenValidity", "RefreshToken", "days", defaultRefreshTokenValidity); err != nil {
		return nil, err
	}
	return c, nil
}
