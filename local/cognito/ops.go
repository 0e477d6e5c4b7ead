package cognito

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/microshop/microshop/local/jwtauth"
)

// This file holds the operations: the inputs as the API names their fields, and the rules.

// codeValidity is how long a confirmation code works (Cognito: 24 hours).
const codeValidity = 24 * time.Hour

// adminScope is the scope of access tokens from InitiateAuth: they may call the user's own
// operations (GetUser, GlobalSignOut).
const adminScope = "aws.cognito.signin.user.admin"

type attribute struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

// client finds an app client: ResourceNotFoundException when the template has none by id.
func (s *Service) client(id string) (*client, error) {
	if id == "" {
		return nil, errorf(ErrInvalidParameter, "1 validation error detected: Value at 'clientId' failed to satisfy constraint: Member must not be null")
	}
	c, ok := s.clients[id]
	if !ok {
		return nil, errorf(ErrResourceNotFound, "User pool client %s does not exist.", id)
	}
	return c, nil
}

// pool finds a user pool: ResourceNotFoundException when the template has none by id.
func (s *Service) pool(id string) (*pool, error) {
	if id == "" {
		return nil, errorf(ErrInvalidParameter, "1 validation error detected: Value at 'userPoolId' failed to satisfy constraint: Member must not be null")
	}
	p, ok := s.pools[id]
	if !ok {
		return nil, errorf(ErrResourceNotFound, "User pool %s does not exist.", id)
	}
	return p, nil
}

// userOf finds a user of p by username or alias. The caller holds p.mu.
func userOf(p *pool, name string) (*user, error) {
	if name == "" {
		return nil, errorf(ErrInvalidParameter, "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must not be null")
	}
	u, ok := p.lookup(name)
	if !ok {
		return nil, errorf(ErrUserNotFound, "User does not exist.")
	}
	return u, nil
}

// newUser builds an unsaved user from a requested username and attributes, applying the
// pool's sign-in rules, and checks that no user has the name or the email.
// The caller holds p.mu.
func (s *Service) newUser(p *pool, username string, attrs []attribute, admin bool) (*user, error) {
	if username == "" {
		return nil, errorf(ErrInvalidParameter, "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must not be null")
	}
	if len(username) > 128 || strings.ContainsFunc(username, func(r rune) bool { return r == ' ' || r < 0x20 }) {
		return nil, errorf(ErrInvalidParameter, "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+")
	}
	sub, err := newUUID()
	if err != nil {
		return nil, err
	}
	now := s.opts.Now().UTC()
	u := &user{Username: username, Attributes: map[string]string{}, Enabled: true, Created: now, Modified: now}
	for _, a := range attrs {
		switch {
		case a.Name == "sub":
			return nil, errorf(ErrInvalidParameter, "Cannot modify the non-mutable attribute sub")
		case verifiedAttributes[a.Name] && !admin:
			// Only an administrator may mark an address verified.
			return nil, errorf(ErrNotAuthorized, "A client attempted to write unauthorized attribute")
		case !standardAttributes[a.Name] && !verifiedAttributes[a.Name] && !strings.HasPrefix(a.Name, "custom:"):
			// Arbitrary names could otherwise become token claims (iss, cognito:groups, ...).
			return nil, errorf(ErrInvalidParameter, "Attribute does not exist in the schema: %s", a.Name)
		}
		u.Attributes[a.Name] = a.Value
	}
	u.Attributes["sub"] = sub
	if p.emailIsUsername() {
		if !looksLikeEmail(username) {
			return nil, errorf(ErrInvalidParameter, "Username should be an email.")
		}
		u.Attributes["email"] = username
		u.Username = sub
	}
	if email, ok := u.Attributes["email"]; ok && !looksLikeEmail(email) {
		return nil, errorf(ErrInvalidParameter, "Invalid email address format.")
	}
	if _, taken := p.lookup(username); taken {
		if p.emailIsUsername() {
			return nil, errorf(ErrUsernameExists, "An account with the given email already exists.")
		}
		return nil, errorf(ErrUsernameExists, "User already exists")
	}
	return u, nil
}

// standardAttributes are the OpenID Connect attributes every user pool has; others must be
// custom:<name>.
var standardAttributes = map[string]bool{
	"address": true, "birthdate": true, "email": true, "family_name": true, "gender": true,
	"given_name": true, "locale": true, "middle_name": true, "name": true, "nickname": true,
	"phone_number": true, "picture": true, "preferred_username": true, "profile": true,
	"updated_at": true, "website": true, "zoneinfo": true,
}

// verifiedAttributes say whether an address is verified.
var verifiedAttributes = map[string]bool{"email_verified": true, "phone_number_verified": true}

func looksLikeEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && domain != "" && !strings.ContainsAny(s, " \t\r\n") && !strings.Contains(domain, "@")
}

// verifyAutoVerified marks the pool's auto-verified attributes the user has as verified.
func verifyAutoVerified(p *pool, u *user) {
	for _, a := range p.AutoVerifiedAttributes {
		if u.Attributes[a] != "" {
			u.Attributes[a+"_verified"] = "true"
		}
	}
}

type codeDelivery struct {
	AttributeName  string `json:"AttributeName"`
	DeliveryMedium string `json:"DeliveryMedium"`
	Destination    string `json:"Destination"`
}

// delivery says where Cognito would have sent a code: the first auto-verified attribute the
// user has; nil when none.
func delivery(p *pool, u *user) *codeDelivery {
	for _, a := range p.AutoVerifiedAttributes {
		v := u.Attributes[a]
		if v == "" {
			continue
		}
		medium := "SMS"
		if a == "email" {
			medium = "EMAIL"
		}
		return &codeDelivery{AttributeName: a, DeliveryMedium: medium, Destination: mask(v)}
	}
	return nil
}

// mask hides a destination as Cognito does: "a***@e***".
func mask(v string) string {
	if local, domain, ok := strings.Cut(v, "@"); ok && local != "" && domain != "" {
		return local[:1] + "***@" + domain[:1] + "***"
	}
	if len(v) > 4 {
		return "+*******" + v[len(v)-4:]
	}
	return "***"
}

type signUpInput struct {
	ClientId       string
	SecretHash     string
	Username       string
	Password       string
	UserAttributes []attribute
}

func (s *Service) signUp(in *signUpInput) (any, error) {
	c, err := s.client(in.ClientId)
	if err != nil {
		return nil, err
	}
	if err := c.checkSecretHash(in.Username, in.SecretHash); err != nil {
		return nil, err
	}
	p := c.pool
	if p.AdminCreateUserOnly {
		return nil, errorf(ErrNotAuthorized, "SignUp is not permitted for this user pool")
	}
	if in.Password == "" {
		return nil, errorf(ErrInvalidParameter, "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must not be null")
	}
	if err := checkPassword(p.PasswordPolicy, in.Password); err != nil {
		return nil, err
	}
	hash, err := hashPassword(in.Password, s.opts.PasswordCost)
	if err != nil {
		return nil, err
	}
	code := ""
	if !s.opts.AutoConfirm {
		if code, err = confirmationCode(); err != nil {
			return nil, err
		}
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	u, err := s.newUser(p, in.Username, in.UserAttributes, false)
	if err != nil {
		return nil, err
	}
	u.Password = hash
	u.Status = statusUnconfirmed
	if s.opts.AutoConfirm {
		u.Status = statusConfirmed
		verifyAutoVerified(p, u)
	} else {
		u.Code, u.CodeExpires = code, s.opts.Now().Add(codeValidity)
	}
	p.put(u)
	if err := p.save(); err != nil {
		p.delete(u)
		return nil, err
	}
	out := map[string]any{"UserConfirmed": s.opts.AutoConfirm, "UserSub": u.Attributes["sub"]}
	if !s.opts.AutoConfirm {
		s.logf("confirmation code for %s in pool %s: %s  (aws cognito-idp confirm-sign-up --client-id %s --username %s --confirmation-code %s)",
			in.Username, p.ID, code, c.ID, in.Username, code)
		if d := delivery(p, u); d != nil {
			out["CodeDeliveryDetails"] = d
		}
	}
	return out, nil
}

type confirmSignUpInput struct {
	ClientId         string
	SecretHash       string
	Username         string
	ConfirmationCode string
}

func (s *Service) confirmSignUp(in *confirmSignUpInput) (any, error) {
	c, err := s.client(in.ClientId)
	if err != nil {
		return nil, err
	}
	if err := c.checkSecretHash(in.Username, in.SecretHash); err != nil {
		return nil, err
	}
	if in.ConfirmationCode == "" {
		return nil, errorf(ErrInvalidParameter, "1 validation error detected: Value at 'confirmationCode' failed to satisfy constraint: Member must not be null")
	}
	p := c.pool
	p.mu.Lock()
	defer p.mu.Unlock()
	u, ok := p.lookup(in.Username)
	switch {
	case !ok && c.PreventUserExistenceErrors == "ENABLED":
		return nil, errorf(ErrCodeMismatch, "Invalid verification code provided, please try again.")
	case !ok:
		return nil, errorf(ErrUserNotFound, "Username/client id combination not found.")
	case u.Status != statusUnconfirmed:
		return nil, errorf(ErrNotAuthorized, "User cannot be confirmed. Current status is %s", u.Status)
	case u.Code == "" || !s.opts.Now().Before(u.CodeExpires):
		return nil, errorf(ErrExpiredCode, "Invalid code provided, please request a code again.")
	case in.ConfirmationCode != u.Code:
		return nil, errorf(ErrCodeMismatch, "Invalid verification code provided, please try again.")
	}
	next := *u
	next.Attributes = cloneMap(u.Attributes)
	next.Status, next.Code, next.CodeExpires, next.Modified = statusConfirmed, "", time.Time{}, s.opts.Now().UTC()
	verifyAutoVerified(p, &next)
	return struct{}{}, s.replace(p, u, &next)
}

// replace stores next in place of u and saves; on a failed save u stays.
// The caller holds p.mu.
func (s *Service) replace(p *pool, u, next *user) error {
	p.put(next)
	if err := p.save(); err != nil {
		p.put(u)
		return err
	}
	return nil
}

func cloneMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

type initiateAuthInput struct {
	AuthFlow       string
	AuthParameters map[string]string
	ClientId       string
}

type authResult struct {
	AccessToken  string `json:"AccessToken"`
	ExpiresIn    int64  `json:"ExpiresIn"`
	IdToken      string `json:"IdToken"`
	RefreshToken string `json:"RefreshToken,omitempty"`
	TokenType    string `json:"TokenType"`
}

var authFlows = []string{
	"USER_SRP_AUTH", "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN", "CUSTOM_AUTH", "ADMIN_NO_SRP_AUTH",
	"USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "USER_AUTH",
}

func (s *Service) initiateAuth(in *initiateAuthInput) (any, error) {
	c, err := s.client(in.ClientId)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(authFlows, in.AuthFlow) {
		return nil, errorf(ErrInvalidParameter, "1 validation error detected: Value '%s' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: %v", in.AuthFlow, authFlows)
	}
	if !c.AllowsAuthFlow(in.AuthFlow) {
		return nil, errorf(ErrInvalidParameter, "%s flow not enabled for this client", in.AuthFlow)
	}
	switch in.AuthFlow {
	case "USER_PASSWORD_AUTH":
		return s.passwordAuth(c, in.AuthParameters)
	case "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN":
		return s.refreshAuth(c, in.AuthParameters)
	}
	return nil, errorf(ErrInvalidParameter, "%s is not supported by the local Cognito (USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH are)", in.AuthFlow)
}

func (s *Service) passwordAuth(c *client, params map[string]string) (any, error) {
	name, pw := params["USERNAME"], params["PASSWORD"]
	if name == "" {
		return nil, errorf(ErrInvalidParameter, "Missing required parameter USERNAME")
	}
	if pw == "" {
		return nil, errorf(ErrInvalidParameter, "Missing required parameter PASSWORD")
	}
	if err := c.checkSecretHash(name, params["SECRET_HASH"]); err != nil {
		return nil, err
	}
	p := c.pool
	p.mu.Lock()
	u, ok := p.lookup(name)
	var hash []byte
	if ok {
		hash = u.Password
	}
	p.mu.Unlock()
	if !ok {
		if c.PreventUserExistenceErrors == "ENABLED" {
			return nil, errorf(ErrNotAuthorized, "Incorrect username or password.")
		}
		return nil, errorf(ErrUserNotFound, "User does not exist.")
	}
	// bcrypt is slow on purpose: compare outside the lock.
	if !passwordMatches(hash, pw) {
		return nil, errorf(ErrNotAuthorized, "Incorrect username or password.")
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	u, ok = p.lookup(name)
	switch {
	case !ok || !slices.Equal(u.Password, hash):
		// Deleted or given a new password meanwhile.
		return nil, errorf(ErrNotAuthorized, "Incorrect username or password.")
	case !u.Enabled:
		return nil, errorf(ErrNotAuthorized, "User is disabled.")
	case u.Status == statusUnconfirmed:
		return nil, errorf(ErrUserNotConfirmed, "User is not confirmed.")
	case u.Status == statusForceChangePassword && !s.opts.Now().Before(u.TempExpires):
		return nil, errorf(ErrNotAuthorized, "Temporary password has expired and must be reset by an administrator.")
	case u.Status == statusForceChangePassword:
		return s.newPasswordChallenge(c, u)
	}
	return s.signInResult(c, p, u)
}

// signInResult opens a session for u and returns its tokens. The caller holds the pool's mu.
func (s *Service) signInResult(c *client, p *pool, u *user) (any, error) {
	now := s.opts.Now()
	jti, err := newUUID()
	if err != nil {
		return nil, err
	}
	refresh, err := newRefreshToken()
	if err != nil {
		return nil, err
	}
	sess := &session{Username: u.Username, ClientID: c.ID, OriginJTI: jti, AuthTime: now.UTC().Truncate(time.Second), Expires: now.Add(c.RefreshTokenValidity).UTC()}
	h := refreshHash(refresh)
	p.sessions[h] = sess
	if err := p.save(); err != nil {
		delete(p.sessions, h)
		return nil, err
	}
	// Expired sessions go with the next save, so the data file does not grow without end.
	for k, old := range p.sessions {
		if !now.Before(old.Expires) {
			delete(p.sessions, k)
		}
	}
	res, err := s.tokens(c, u, sess)
	if err != nil {
		return nil, err
	}
	res.RefreshToken = refresh
	return map[string]any{"AuthenticationResult": res, "ChallengeParameters": map[string]string{}}, nil
}

func (s *Service) refreshAuth(c *client, params map[string]string) (any, error) {
	tok := params["REFRESH_TOKEN"]
	if tok == "" {
		return nil, errorf(ErrInvalidParameter, "Missing required parameter REFRESH_TOKEN")
	}
	p := c.pool
	p.mu.Lock()
	defer p.mu.Unlock()
	h := refreshHash(tok)
	sess, ok := p.sessions[h]
	if !ok || sess.ClientID != c.ID {
		// Unknown, revoked by GlobalSignOut, or another client's.
		return nil, errorf(ErrNotAuthorized, "Invalid Refresh Token")
	}
	if !s.opts.Now().Before(sess.Expires) {
		delete(p.sessions, h)
		_ = p.save() // dropping an expired session is housekeeping: a failed save changes nothing
		return nil, errorf(ErrNotAuthorized, "Refresh Token has expired")
	}
	u, ok := p.users[p.key(sess.Username)]
	if !ok {
		return nil, errorf(ErrNotAuthorized, "Invalid Refresh Token")
	}
	if err := c.checkSecretHash(u.Username, params["SECRET_HASH"]); err != nil {
		return nil, err
	}
	if !u.Enabled {
		return nil, errorf(ErrNotAuthorized, "User is disabled.")
	}
	res, err := s.tokens(c, u, sess)
	if err != nil {
		return nil, err
	}
	return map[string]any{"AuthenticationResult": res, "ChallengeParameters": map[string]string{}}, nil
}

// tokens issues an access and an ID token for u's session sess, with u's current groups and
// attributes. The caller holds the pool's mu.
func (s *Service) tokens(c *client, u *user, sess *session) (*authResult, error) {
	p := c.pool
	sub := u.Attributes["sub"]
	eventID, err := newUUID()
	if err != nil {
		return nil, err
	}
	common := func() map[string]any {
		return map[string]any{"auth_time": sess.AuthTime.Unix(), "origin_jti": sess.OriginJTI, "event_id": eventID}
	}
	access, err := s.opts.Issuer.Issue(jwtauth.Claims{
		Subject: sub, Username: u.Username, Groups: u.Groups, Scopes: []string{adminScope},
		ClientID: c.ID, TokenUse: jwtauth.TokenUseAccess, Issuer: p.IssuerURL,
		TTL: c.AccessTokenValidity, Extra: common(),
	})
	if err != nil {
		return nil, err
	}
	extra := common()
	for k, v := range u.Attributes {
		switch {
		case k == "sub":
		case strings.HasSuffix(k, "_verified"):
			extra[k] = v == "true" // Cognito's ID tokens carry these as booleans
		default:
			extra[k] = v
		}
	}
	id, err := s.opts.Issuer.Issue(jwtauth.Claims{
		Subject: sub, Username: u.Username, Groups: u.Groups,
		ClientID: c.ID, TokenUse: jwtauth.TokenUseID, Issuer: p.IssuerURL,
		TTL: c.IDTokenValidity, Extra: extra,
	})
	if err != nil {
		return nil, err
	}
	return &authResult{AccessToken: access, ExpiresIn: int64(c.AccessTokenValidity / time.Second), IdToken: id, TokenType: "Bearer"}, nil
}

type accessTokenInput struct {
	AccessToken string
}

// signedIn checks an access token as Cognito does for the user's own operations and returns
// its pool and user with the pool's mu held; the caller unlocks it.
func (s *Service) signedIn(token string) (*pool, *user, error) {
	if token == "" {
		return nil, nil, errorf(ErrInvalidParameter, "1 validation error detected: Value at 'accessToken' failed to satisfy constraint: Member must not be null")
	}
	claims, err := s.opts.Issuer.Verify(token)
	if errors.Is(err, jwtauth.ErrTokenExpired) {
		return nil, nil, errorf(ErrNotAuthorized, "Access Token has expired")
	}
	if err != nil {
		return nil, nil, errorf(ErrNotAuthorized, "Invalid Access Token")
	}
	str := func(k string) string { v, _ := claims[k].(string); return v }
	p, ok := s.issuers[str("iss")]
	if !ok || str("token_use") != jwtauth.TokenUseAccess {
		return nil, nil, errorf(ErrNotAuthorized, "Invalid Access Token")
	}
	if !slices.Contains(strings.Fields(str("scope")), adminScope) {
		return nil, nil, errorf(ErrNotAuthorized, "Access Token does not have required scopes")
	}
	p.mu.Lock()
	u, ok := p.users[p.key(str("username"))]
	if !ok {
		p.mu.Unlock()
		return nil, nil, errorf(ErrUserNotFound, "User does not exist.")
	}
	jti := str("origin_jti")
	live := false
	for _, sess := range p.sessions {
		if sess.OriginJTI == jti && sess.Username == u.Username {
			live = true
			break
		}
	}
	if !live {
		p.mu.Unlock()
		return nil, nil, errorf(ErrNotAuthorized, "Access Token has been revoked")
	}
	return p, u, nil
}

func (s *Service) getUser(in *accessTokenInput) (any, error) {
	p, u, err := s.signedIn(in.AccessToken)
	if err != nil {
		return nil, err
	}
	defer p.mu.Unlock()
	return map[string]any{"Username": u.Username, "UserAttributes": attributes(u, nil)}, nil
}

func (s *Service) globalSignOut(in *accessTokenInput) (any, error) {
	p, u, err := s.signedIn(in.AccessToken)
	if err != nil {
		return nil, err
	}
	defer p.mu.Unlock()
	saved := p.sessions
	p.sessions = make(map[string]*session, len(saved))
	for h, sess := range saved {
		p.sessions[h] = sess
	}
	p.signOut(u)
	if err := p.save(); err != nil {
		p.sessions = saved
		return nil, err
	}
	return struct{}{}, nil
}

// attributes lists u's attributes in name order, only those in names when names is not
// empty.
func attributes(u *user, names []string) []attribute {
	out := make([]attribute, 0, len(u.Attributes))
	for _, k := range sortedKeys(u.Attributes) {
		if len(names) == 0 || slices.Contains(names, k) {
			out = append(out, attribute{Name: k, Value: u.Attributes[k]})
		}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
