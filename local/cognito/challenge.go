package cognito

import (
	"encoding/json"
	"time"
)

// This file holds the NEW_PASSWORD_REQUIRED challenge: a user created by AdminCreateUser
// signs in with the temporary password and must choose a new one (RespondToAuthChallenge).

// challengeValidity is how long a challenge's Session works (Cognito: 3 minutes).
const challengeValidity = 3 * time.Minute

// challenge is a pending NEW_PASSWORD_REQUIRED, kept in memory only: a restart drops it,
// like a Session that expired.
type challenge struct {
	pool     *pool
	username string
	clientID string
	expires  time.Time
}

// newPasswordChallenge answers a correct temporary password. The caller holds the pool's mu.
func (s *Service) newPasswordChallenge(c *client, u *user) (any, error) {
	session, err := newRefreshToken()
	if err != nil {
		return nil, err
	}
	now := s.opts.Now()
	s.chMu.Lock()
	for k, ch := range s.challenges {
		if !now.Before(ch.expires) {
			delete(s.challenges, k)
		}
	}
	s.challenges[session] = &challenge{pool: c.pool, username: u.Username, clientID: c.ID, expires: now.Add(challengeValidity)}
	s.chMu.Unlock()
	attrs := map[string]string{}
	for k, v := range u.Attributes {
		if k != "sub" {
			attrs[k] = v
		}
	}
	userAttributes, _ := json.Marshal(attrs)
	return map[string]any{
		"ChallengeName": "NEW_PASSWORD_REQUIRED",
		"Session":       session,
		"ChallengeParameters": map[string]string{
			"USER_ID_FOR_SRP":    u.Username,
			"requiredAttributes": "[]",
			"userAttributes":     string(userAttributes),
		},
	}, nil
}

type respondToAuthChallengeInput struct {
	ClientId           string
	ChallengeName      string
	Session            string
	ChallengeResponses map[string]string
}

func (s *Service) respondToAuthChallenge(in *respondToAuthChallengeInput) (any, error) {
	c, err := s.client(in.ClientId)
	if err != nil {
		return nil, err
	}
	if in.ChallengeName != "NEW_PASSWORD_REQUIRED" {
		return nil, errorf(ErrInvalidParameter, "challenge %s is not supported by the local Cognito (NEW_PASSWORD_REQUIRED is)", in.ChallengeName)
	}
	pw := in.ChallengeResponses["NEW_PASSWORD"]
	if pw == "" {
		return nil, errorf(ErrInvalidParameter, "Missing required parameter NEW_PASSWORD")
	}
	if in.ChallengeResponses["USERNAME"] == "" {
		return nil, errorf(ErrInvalidParameter, "Missing required parameter USERNAME")
	}
	s.chMu.Lock()
	ch, ok := s.challenges[in.Session]
	s.chMu.Unlock()
	if !ok || ch.clientID != c.ID {
		return nil, errorf(ErrNotAuthorized, "Invalid session for the user.")
	}
	if !s.opts.Now().Before(ch.expires) {
		return nil, errorf(ErrNotAuthorized, "Invalid session for the user, session is expired.")
	}
	if err := c.checkSecretHash(in.ChallengeResponses["USERNAME"], in.ChallengeResponses["SECRET_HASH"]); err != nil {
		return nil, err
	}
	if err := checkPassword(c.pool.PasswordPolicy, pw); err != nil {
		return nil, err
	}
	hash, err := hashPassword(pw, s.opts.PasswordCost)
	if err != nil {
		return nil, err
	}
	p := c.pool
	p.mu.Lock()
	defer p.mu.Unlock()
	u, ok := p.lookup(in.ChallengeResponses["USERNAME"])
	if !ok || u.Username != ch.username || u.Status != statusForceChangePassword {
		return nil, errorf(ErrNotAuthorized, "Invalid session for the user.")
	}
	if err := s.update(p, u, func(next *user) {
		next.Password, next.Status, next.TempExpires = hash, statusConfirmed, time.Time{}
	}); err != nil {
		return nil, err
	}
	s.chMu.Lock()
	delete(s.challenges, in.Session)
	s.chMu.Unlock()
	u, _ = p.lookup(ch.username)
	return s.signInResult(c, p, u)
}
