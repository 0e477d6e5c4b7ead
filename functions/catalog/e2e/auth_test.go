package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/microshop/microshop/local/jwtauth"
)

// mintToken returns an access token for user in the comma-separated groups, signed by the
// runtime's issuer, as `make token USER=... GROUPS=...` prints it.
func mintToken(user, groups string) (string, error) {
	args := []string{"--dir", keyDir, "--user", user}
	if groups != "" {
		args = append(args, "--groups", groups)
	}
	var out bytes.Buffer
	if err := jwtauth.TokenCommand(args, &out); err != nil {
		return "", fmt.Errorf("mint a token for %s: %w", user, err)
	}
	return strings.TrimSpace(out.String()), nil
}

// TestWritesNeedAnAdmin: without a token the authorizer refuses a write (401, API Gateway's
// own body); a signed-in user outside the admin group gets the function's JSON 403; neither
// changes the product, which the admin then changes.
func TestWritesNeedAnAdmin(t *testing.T) {
	p := create(t, "Walnut Board", "e2e-auth") // as the admin
	replacement := productJSON("Walnut Board XL", "e2e-auth", 3100)
	none := map[string]string{"Authorization": ""}
	customer := map[string]string{"Authorization": "Bearer " + customerToken}
	withIfMatch := func(h map[string]string) map[string]string {
		return map[string]string{"Authorization": h["Authorization"], "If-Match": `"1"`}
	}
	refusals := []struct {
		name         string
		method, path string
		body         []byte
	}{
		{"create", http.MethodPost, "/products", productJSON("Intruder", "e2e-auth", 1)},
		{"replace", http.MethodPut, "/products/" + p.ID, replacement},
		{"delete", http.MethodDelete, "/products/" + p.ID, nil},
	}
	for _, tt := range refusals {
		t.Run(tt.name+" without a token", func(t *testing.T) {
			r := do(t, tt.method, tt.path, tt.body, withIfMatch(none))
			if r.status != http.StatusUnauthorized || strings.TrimSpace(string(r.body)) != `{"message":"Unauthorized"}` {
				t.Errorf("got %d %s, want the authorizer's 401", r.status, r.body)
			}
			wantUnchanged(t, p)
		})
		t.Run(tt.name+" as a customer", func(t *testing.T) {
			wantError(t, do(t, tt.method, tt.path, tt.body, withIfMatch(customer)), http.StatusForbidden, "forbidden")
			wantUnchanged(t, p)
		})
	}
	if n := len(listAll(t, "category=e2e-auth&limit=100")); n != 1 {
		t.Errorf("category e2e-auth holds %d products after the refused creates, want 1", n)
	}

	// The admin's token is what made the difference: the same replace goes through with it.
	r := do(t, http.MethodPut, "/products/"+p.ID, replacement, map[string]string{"If-Match": `"1"`})
	if r.status != http.StatusOK || decode[product](t, r).Name != "Walnut Board XL" {
		t.Errorf("admin replace: %d %s", r.status, r.body)
	}
}
