package jwtauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
)

// decode returns a token's header and claims without verifying it.
func decode(t *testing.T, tok string) (map[string]any, jwt.MapClaims) {
	t.Helper()
	claims := jwt.MapClaims{}
	parsed, _, err := jwt.NewParser(jwt.WithJSONNumber()).ParseUnverified(tok, claims)
	if err != nil {
		t.Fatalf("decode token: %v", err)
	}
	return parsed.Header, claims
}

func TestIssueShape(t *testing.T) {
	iss := sharedIssuer()
	unix := json.Number("1772600767")
	tests := []struct {
		name   string
		claims Claims
		want   jwt.MapClaims
	}{
		{
			name:   "access token",
			claims: Claims{Subject: "alice", Groups: []string{"admin"}, Scopes: []string{"orders/read", "orders/write"}},
			want: jwt.MapClaims{
				"sub": "alice", "iss": testIssuer, "client_id": testClient, "token_use": "access",
				"username": "alice", "version": json.Number("2"), "cognito:groups": []any{"admin"},
				"scope": "orders/read orders/write", "auth_time": unix, "iat": unix, "nbf": unix,
				"exp": json.Number("1772604367"),
			},
		},
		{
			name:   "ID token with its own issuer, client and lifetime",
			claims: Claims{Subject: "bob", Username: "bobby", TokenUse: TokenUseID, Issuer: "https://idp.example", ClientID: "web", TTL: time.Minute},
			want: jwt.MapClaims{
				"sub": "bob", "iss": "https://idp.example", "aud": "web", "token_use": "id",
				"cognito:username": "bobby", "auth_time": unix, "iat": unix, "nbf": unix,
				"exp": json.Number("1772600827"),
			},
		},
		{
			name:   "extra claims replace",
			claims: Claims{Subject: "carol", Extra: map[string]any{"email": "c@example.com", "token_use": "custom"}},
			want: jwt.MapClaims{
				"sub": "carol", "iss": testIssuer, "client_id": testClient, "token_use": "custom",
				"username": "carol", "version": json.Number("2"), "email": "c@example.com",
				"auth_time": unix, "iat": unix, "nbf": unix, "exp": json.Number("1772604367"),
			},
		},
	}
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := iss.Issue(tt.claims)
			if err != nil {
				t.Fatalf("Issue: %v", err)
			}
			header, got := decode(t, tok)
			if diff := cmp.Diff(map[string]any{"alg": "RS256", "typ": "JWT", "kid": iss.KeyID()}, header); diff != "" {
				t.Errorf("header mismatch (-want +got):\n%s", diff)
			}
			jti, _ := got["jti"].(string)
			if !uuid.MatchString(jti) {
				t.Errorf("jti = %q, want a UUID", jti)
			}
			delete(got, "jti")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("claims mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIssueErrors(t *testing.T) {
	tests := []struct {
		name   string
		claims Claims
	}{
		{"no subject", Claims{}},
		{"unknown token use", Claims{Subject: "a", TokenUse: "refresh"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tok, err := sharedIssuer().Issue(tt.claims); err == nil {
				t.Errorf("Issue() = %q, want an error", tok)
			}
		})
	}
}

// TestEndpoints fetches the discovery document and the JWKS as a verifier would, and checks
// a token with go-jose (a library other than the signer's) against the served key.
func TestEndpoints(t *testing.T) {
	iss := sharedIssuer()
	mux := http.NewServeMux()
	mux.Handle("/UserPool6BA7E5F2/", iss.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	var disc struct {
		Issuer  string   `json:"issuer"`
		JWKSURI string   `json:"jwks_uri"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
	}
	getJSON(t, srv.URL+"/UserPool6BA7E5F2"+DiscoveryPath, &disc)
	wantURI := srv.URL + "/UserPool6BA7E5F2" + JWKSPath
	if disc.Issuer != testIssuer || disc.JWKSURI != wantURI || !cmp.Equal(disc.Algs, []string{"RS256"}) {
		t.Fatalf("discovery = %+v, want issuer %q, jwks_uri %q, RS256", disc, testIssuer, wantURI)
	}

	var jwks jose.JSONWebKeySet
	getJSON(t, disc.JWKSURI, &jwks)
	keys := jwks.Key(iss.KeyID())
	if len(keys) != 1 || keys[0].Algorithm != "RS256" || keys[0].Use != "sig" || !keys[0].IsPublic() {
		t.Fatalf("JWKS key %q = %+v, want one public RS256 signing key", iss.KeyID(), keys)
	}
	tok := issue(t, Claims{Subject: "alice"})
	jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("go-jose parse: %v", err)
	}
	payload, err := jws.Verify(keys[0].Key)
	if err != nil {
		t.Fatalf("go-jose verify with the served key: %v", err)
	}
	if !bytes.Contains(payload, []byte(`"sub":"alice"`)) {
		t.Errorf("verified payload %s lacks sub alice", payload)
	}
	other := issueWith(t, otherIssuer(), Claims{Subject: "alice"})
	if jws, err := jose.ParseSignedCompact(other, []jose.SignatureAlgorithm{jose.RS256}); err != nil {
		t.Fatalf("go-jose parse: %v", err)
	} else if _, err := jws.Verify(keys[0].Key); err == nil {
		t.Error("another issuer's token verified with the served key")
	}
}

func TestHandlerRefuses(t *testing.T) {
	srv := httptest.NewServer(sharedIssuer().Handler())
	defer srv.Close()
	tests := []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/.well-known/other", http.StatusNotFound},
		{http.MethodGet, "/", http.StatusNotFound},
		{http.MethodPost, JWKSPath, http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET %s: %d %s %s", url, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func issueWith(t *testing.T, iss *Issuer, c Claims) string {
	t.Helper()
	tok, err := iss.Issue(c)
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	return tok
}

// TestKeyPersists restarts an issuer on the same directory: a token from the first run is
// accepted by the second.
func TestKeyPersists(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "jwt")
	first := mustIssuer(Options{KeyDir: dir, IssuerURL: testIssuer, ClientID: testClient})
	tok := issueWith(t, first, Claims{Subject: "alice"})

	second := mustIssuer(Options{KeyDir: dir})
	if first.KeyID() != second.KeyID() {
		t.Fatalf("kid after restart = %q, want %q", second.KeyID(), first.KeyID())
	}
	m := loadModel(t)
	if _, err := FromModel(m, second).Authorize(context.Background(), route(t, m, "GET /orders"), request("Bearer "+tok)); err != nil {
		t.Errorf("token from before the restart: %v", err)
	}
	fi, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, want 0600", fi.Mode().Perm())
	}
	d, err := readDefaults(dir)
	if err != nil || d != (defaults{Issuer: testIssuer, ClientID: testClient}) {
		t.Errorf("defaults = %+v, %v; want the first issuer's", d, err)
	}
	if _, err := NewIssuer(Options{KeyDir: filepath.Join(dir, KeyFile, "sub")}); err == nil {
		t.Error("NewIssuer in an unusable directory: no error")
	}
}

func TestKeyFileCorrupt(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, KeyFile), []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := NewIssuer(Options{KeyDir: dir}); err == nil {
		t.Error("NewIssuer with a corrupt key file: no error")
	}
}

func TestTokenCommand(t *testing.T) {
	dir := t.TempDir()
	// The runtime ran once: it recorded its issuer and client next to the key.
	mustIssuer(Options{KeyDir: dir, IssuerURL: testIssuer, ClientID: testClient})

	var out bytes.Buffer
	args := []string{"--dir", dir, "--user", "alice", "--groups", "admin,ops", "--scopes", "orders/admin", "--claim", "email=a@example.com"}
	if err := TokenCommand(args, &out); err != nil {
		t.Fatalf("TokenCommand: %v", err)
	}
	tok := strings.TrimSpace(out.String())

	// The restarted runtime accepts it on the scoped route.
	m := loadModel(t)
	runtime, err := NewIssuer(Options{KeyDir: dir}) // the real clock, as the command used
	if err != nil {
		t.Fatal(err)
	}
	got, err := FromModel(m, runtime).Authorize(context.Background(), route(t, m, "DELETE /orders/{id}"), request("Bearer "+tok))
	if err != nil {
		t.Fatalf("Authorize: %v", err)
	}
	c := got.JWT.Claims
	if c["sub"] != "alice" || c["cognito:groups"] != "[admin ops]" || c["email"] != "a@example.com" || c["iss"] != testIssuer || c["client_id"] != testClient {
		t.Errorf("claims = %v", c)
	}
}

func TestTokenCommandIDToken(t *testing.T) {
	var out bytes.Buffer
	dir := t.TempDir()
	if err := TokenCommand([]string{"-dir", dir, "-user", "bob", "-issuer", "https://i", "-client-id", "c", "-id-token", "-ttl", "5m"}, &out); err != nil {
		t.Fatalf("TokenCommand: %v", err)
	}
	_, claims := decode(t, strings.TrimSpace(out.String()))
	exp, _ := claims.GetExpirationTime()
	iat, _ := claims.GetIssuedAt()
	if claims["aud"] != "c" || claims["iss"] != "https://i" || claims["token_use"] != "id" || exp.Sub(iat.Time) != 5*time.Minute {
		t.Errorf("claims = %v", claims)
	}
}

func TestTokenCommandErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
	}{
		{"no user", []string{"--dir", dir, "--issuer", "i", "--client-id", "c"}},
		{"no issuer recorded or given", []string{"--dir", dir, "--user", "a"}},
		{"bad claim", []string{"--dir", dir, "--user", "a", "--issuer", "i", "--client-id", "c", "--claim", "novalue"}},
		{"stray argument", []string{"--dir", dir, "--user", "a", "--issuer", "i", "--client-id", "c", "extra"}},
		{"unknown flag", []string{"--nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := TokenCommand(tt.args, &out); err == nil {
				t.Errorf("TokenCommand(%q) succeeded, printed %q", tt.args, out.String())
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, KeyFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed command created a key: %v", err)
	}
}
