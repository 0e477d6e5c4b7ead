package cognito

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math/big"
	"strings"
	"unicode"
	"unicode/utf8"

	smithyrand "github.com/aws/smithy-go/rand"
	"golang.org/x/crypto/bcrypt"

	"github.com/microshop/microshop/local/template"
)

// maxPasswordLength is Cognito's limit on a password's length, in characters.
const maxPasswordLength = 256

// symbols are the characters Cognito counts as symbols in a password policy.
const symbols = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- "

// checkPassword returns InvalidPasswordException when pw breaks policy, with Cognito's
// messages.
func checkPassword(policy template.PasswordPolicy, pw string) error {
	n := utf8.RuneCountInString(pw)
	if n == 0 || n > maxPasswordLength {
		return errorf(ErrInvalidParameter, "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length between 1 and %d", maxPasswordLength)
	}
	if pw != strings.TrimSpace(pw) {
		return errorf(ErrInvalidPassword, "Password did not conform with policy: Password must not begin or end with a space")
	}
	if n < policy.MinimumLength {
		return errorf(ErrInvalidPassword, "Password did not conform with policy: Password not long enough")
	}
	has := func(f func(rune) bool) bool { return strings.IndexFunc(pw, f) >= 0 }
	switch {
	case policy.RequireUppercase && !has(unicode.IsUpper):
		return errorf(ErrInvalidPassword, "Password did not conform with policy: Password must have uppercase characters")
	case policy.RequireLowercase && !has(unicode.IsLower):
		return errorf(ErrInvalidPassword, "Password did not conform with policy: Password must have lowercase characters")
	case policy.RequireNumbers && !has(unicode.IsDigit):
		return errorf(ErrInvalidPassword, "Password did not conform with policy: Password must have numeric characters")
	case policy.RequireSymbols && !strings.ContainsAny(pw, symbols):
		return errorf(ErrInvalidPassword, "Password did not conform with policy: Password must have symbol characters")
	}
	return nil
}

// prehash makes any password fit bcrypt's 72-byte input: bcrypt would otherwise ignore the
// rest of a long password.
func prehash(pw string) []byte {
	sum := sha256.Sum256([]byte(pw))
	return []byte(base64.StdEncoding.EncodeToString(sum[:]))
}

func hashPassword(pw string, cost int) ([]byte, error) {
	h, err := bcrypt.GenerateFromPassword(prehash(pw), cost)
	if err != nil {
		return nil, fmt.Errorf("cognito: hash password: %w", err)
	}
	return h, nil
}

func passwordMatches(hash []byte, pw string) bool {
	return bcrypt.CompareHashAndPassword(hash, prehash(pw)) == nil
}

// temporaryPassword is a random password that satisfies policy, for AdminCreateUser calls
// that give none.
func temporaryPassword(policy template.PasswordPolicy) (string, error) {
	const alnum = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
	s, err := randomString(alnum, max(policy.MinimumLength, 12)-4)
	if err != nil {
		return "", err
	}
	// One of each class, so any policy is met.
	return s + "Aa1!", nil
}

// confirmationCode is a 6-digit code like the ones Cognito e-mails.
func confirmationCode() (string, error) {
	return randomString("0123456789", 6)
}

func randomString(alphabet string, n int) (string, error) {
	var b strings.Builder
	for range n {
		i, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			return "", fmt.Errorf("cognito: random: %w", err)
		}
		b.WriteByte(alphabet[i.Int64()])
	}
	return b.String(), nil
}

// newUUID is a random UUID: subs, generated usernames, jti.
func newUUID() (string, error) {
	id, err := smithyrand.NewUUID(rand.Reader).GetUUID()
	if err != nil {
		return "", fmt.Errorf("cognito: random: %w", err)
	}
	return id, nil
}

// newRefreshToken is an opaque refresh token: 48 random bytes.
func newRefreshToken() (string, error) {
	b := make([]byte, 48)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("cognito: random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// checkSecretHash checks SECRET_HASH for clients with a secret: Base64(HMAC-SHA256(secret,
// username + client ID)).
func (c *client) checkSecretHash(username, given string) error {
	if !c.GenerateSecret {
		return nil
	}
	if given == "" {
		return errorf(ErrNotAuthorized, "Client %s is configured for secret but secret was not received", c.ID)
	}
	mac := hmac.New(sha256.New, []byte(c.Secret))
	mac.Write([]byte(username + c.ID))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(given)) {
		return errorf(ErrNotAuthorized, "Unable to verify secret hash for client %s", c.ID)
	}
	return nil
}
