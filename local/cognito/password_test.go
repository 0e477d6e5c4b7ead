package cognito

import (
	"errors"
	"strings"
	"testing"

	"github.com/microshop/microshop/local/template"
)

func TestCheckPassword(t *testing.T) {
	all := template.PasswordPolicy{MinimumLength: 8, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true}
	tests := []struct {
		name string
		pw   string
		want string // the exception's type, "" for none
		msg  string
	}{
		{"meets every rule", "Abcdef1!", "", ""},
		{"too short", "Abcd1!", "InvalidPasswordException", "Password not long enough"},
		{"no upper case", "abcdef1!", "InvalidPasswordException", "uppercase"},
		{"no lower case", "ABCDEF1!", "InvalidPasswordException", "lowercase"},
		{"no digit", "Abcdefg!", "InvalidPasswordException", "numeric"},
		{"no symbol", "Abcdefg1", "InvalidPasswordException", "symbol"},
		{"space counts as a symbol inside", "Abc def1", "", ""},
		{"leading space", " Abcdef1!", "InvalidPasswordException", "begin or end with a space"},
		{"longer than Cognito allows", "Aa1!" + strings.Repeat("x", 253), "InvalidParameterException", "length"},
		{"length counts characters, not bytes", "Äbcdéf1!", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got, msg string
			var e *Error
			if err := checkPassword(all, tt.pw); errors.As(err, &e) {
				got, msg = e.Type, e.Message
			}
			if got != tt.want || !strings.Contains(msg, tt.msg) {
				t.Errorf("checkPassword(%q) = %s %q, want %q containing %q", tt.pw, got, msg, tt.want, tt.msg)
			}
		})
	}
}

// Passwords longer than bcrypt's 72 bytes count in full.
func TestLongPasswordsCountInFull(t *testing.T) {
	long := strings.Repeat("A", 80)
	hash, err := hashPassword(long+"1", 4)
	if err != nil {
		t.Fatal(err)
	}
	if passwordMatches(hash, long+"2") {
		t.Error("a password differing after byte 72 matched")
	}
	if !passwordMatches(hash, long+"1") {
		t.Error("the password itself did not match")
	}
}

func TestParseFilter(t *testing.T) {
	p := &pool{UserPool: &template.UserPool{CaseSensitive: false}}
	u := &user{Username: "Nina", Status: statusConfirmed, Enabled: true, Attributes: map[string]string{"email": "Nina@Example.com", "sub": "abc-123"}}
	tests := []struct {
		filter string
		want   bool
	}{
		{``, true},
		{`username = "nina"`, true},
		{`email = "nina@example.com"`, true},
		{`email ^= "nina@"`, true},
		{`email ^= "bob"`, false},
		{`sub = "abc-123"`, true},
		{`cognito:user_status = "CONFIRMED"`, true},
		{`status = "Enabled"`, true},
		{`status = "Disabled"`, false},
	}
	for _, tt := range tests {
		match, err := parseFilter(p, tt.filter)
		if err != nil {
			t.Errorf("parseFilter(%q): %v", tt.filter, err)
			continue
		}
		if got := match(u); got != tt.want {
			t.Errorf("filter %q matches = %v, want %v", tt.filter, got, tt.want)
		}
	}
	for _, bad := range []string{`email`, `email = nina`, `address = "x"`} {
		if _, err := parseFilter(p, bad); !errors.Is(err, ErrInvalidParameter) {
			t.Errorf("parseFilter(%q) = %v, want InvalidParameterException", bad, err)
		}
	}
}
