package jwtauth

import (
	"cmp"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	smithyrand "github.com/aws/smithy-go/rand"
	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// Files an Issuer keeps in Options.KeyDir.
const (
	// KeyFile holds the signing key (PKCS #8, PEM), readable by the owner only.
	KeyFile = "signing-key.pem"
	// DefaultsFile records the issuer URL and client ID of the last Issuer that used the
	// directory, so TokenCommand can mint a token the running runtime accepts.
	DefaultsFile = "issuer.json"
)

// Paths the Handler serves, under whatever prefix it is mounted at.
const (
	DiscoveryPath = "/.well-known/openid-configuration"
	JWKSPath      = "/.well-known/jwks.json"
)

// Token uses: Cognito's token_use claim.
const (
	TokenUseAccess = "access"
	TokenUseID     = "id"
)

// DefaultTTL is a token's lifetime when neither Claims.TTL nor Options.TTL set one; Cognito's
// default for access and ID tokens.
const DefaultTTL = time.Hour

// keyBits is the RSA modulus size; Cognito's keys are 2048-bit too.
const keyBits = 2048

// Options configure an Issuer. The zero value works: an in-memory key, tokens without a
// default issuer or client.
type Options struct {
	// IssuerURL is the iss of tokens whose Claims.Issuer is empty, and the discovery
	// document's issuer: usually a JWT authorizer's JwtConfiguration.Issuer.
	IssuerURL string
	// ClientID is the app client of tokens whose Claims.ClientID is empty: client_id of
	// access tokens, aud of ID tokens. Usually one of the authorizer's Audience entries.
	ClientID string
	// KeyDir, when set, keeps the signing key in KeyDir/KeyFile so tokens survive restarts:
	// an existing key is loaded, else a new one is written. It also records IssuerURL and
	// ClientID in KeyDir/DefaultsFile. Empty: a fresh in-memory key.
	KeyDir string
	// TTL is the default token lifetime; default DefaultTTL.
	TTL time.Duration
	// Now is the clock for iat, exp and the Authorizer's checks; default time.Now.
	Now func() time.Time
}

// Issuer signs tokens with one RSA key and publishes its public half. It is safe for
// concurrent use.
type Issuer struct {
	opts Options
	key  *rsa.PrivateKey
	kid  string
	jwks []byte // the JWKS document, ready to serve
}

// NewIssuer returns an Issuer with the key from opts.KeyDir or a new one.
func NewIssuer(opts Options) (*Issuer, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	var (
		key *rsa.PrivateKey
		err error
	)
	if opts.KeyDir == "" {
		key, err = rsa.GenerateKey(rand.Reader, keyBits)
	} else {
		key, err = loadOrCreateKey(opts.KeyDir)
	}
	if err != nil {
		return nil, err
	}
	if opts.KeyDir != "" && (opts.IssuerURL != "" || opts.ClientID != "") {
		if err := writeDefaults(opts.KeyDir, defaults{Issuer: opts.IssuerURL, ClientID: opts.ClientID}); err != nil {
			return nil, err
		}
	}
	jwk := jose.JSONWebKey{Key: &key.PublicKey, Algorithm: "RS256", Use: "sig"}
	thumb, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("jwtauth: key thumbprint: %w", err)
	}
	// The RFC 7638 thumbprint names the key: stable for a persisted key, new for a new one.
	jwk.KeyID = base64.RawURLEncoding.EncodeToString(thumb)
	jwks, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{jwk}})
	if err != nil {
		return nil, fmt.Errorf("jwtauth: encode JWKS: %w", err)
	}
	return &Issuer{opts: opts, key: key, kid: jwk.KeyID, jwks: jwks}, nil
}

// KeyID is the kid of the signing key, in every token's header and in the JWKS.
func (iss *Issuer) KeyID() string { return iss.kid }

// JWKS is the JSON Web Key Set document the Handler serves at JWKSPath.
func (iss *Issuer) JWKS() []byte { return append([]byte(nil), iss.jwks...) }

// publicKey returns the verification key named kid.
func (iss *Issuer) publicKey(kid string) (*rsa.PublicKey, bool) {
	if kid != iss.kid {
		return nil, false
	}
	return &iss.key.PublicKey, true
}

// Claims describe a token to Issue. Only Subject is required.
type Claims struct {
	// Subject is sub: the user's ID.
	Subject string
	// Username is username (access token) or cognito:username (ID token); default Subject.
	Username string
	// Groups is cognito:groups, left out when empty.
	Groups []string
	// Scopes are joined with spaces into scope, left out when empty. Cognito puts scopes in
	// access tokens only; Issue puts them in either kind.
	Scopes []string
	// ClientID is the app client: client_id of an access token, aud of an ID token;
	// default Options.ClientID.
	ClientID string
	// TokenUse is TokenUseAccess (default) or TokenUseID.
	TokenUse string
	// Issuer is iss; default Options.IssuerURL.
	Issuer string
	// TTL is exp - iat; default Options.TTL. A negative TTL makes an expired token.
	TTL time.Duration
	// NotBefore is nbf; default the issue time.
	NotBefore time.Time
	// Extra claims are added last and may replace any of the above.
	Extra map[string]any
}

// Issue returns a signed token (RS256, with kid) shaped like a Cognito user pool token.
func (iss *Issuer) Issue(c Claims) (string, error) {
	if c.Subject == "" {
		return "", errors.New("jwtauth: issue: empty subject")
	}
	now := iss.opts.Now().Truncate(time.Second)
	ttl := c.TTL
	if ttl == 0 {
		ttl = iss.opts.TTL
	}
	nbf := c.NotBefore
	if nbf.IsZero() {
		nbf = now
	}
	issuer := cmp.Or(c.Issuer, iss.opts.IssuerURL)
	client := cmp.Or(c.ClientID, iss.opts.ClientID)
	user := cmp.Or(c.Username, c.Subject)
	jti, err := newUUID()
	if err != nil {
		return "", err
	}
	m := jwt.MapClaims{
		"sub":       c.Subject,
		"iat":       now.Unix(),
		"auth_time": now.Unix(),
		"nbf":       nbf.Unix(),
		"exp":       now.Add(ttl).Unix(),
		"jti":       jti,
	}
	if issuer != "" {
		m["iss"] = issuer
	}
	switch cmp.Or(c.TokenUse, TokenUseAccess) {
	case TokenUseAccess:
		m["token_use"] = TokenUseAccess
		m["username"] = user
		m["version"] = 2
		if client != "" {
			m["client_id"] = client
		}
	case TokenUseID:
		m["token_use"] = TokenUseID
		m["cognito:username"] = user
		if client != "" {
			m["aud"] = client
		}
	default:
		return "", fmt.Errorf("jwtauth: issue: token use %q: want %q or %q", c.TokenUse, TokenUseAccess, TokenUseID)
	}
	if len(c.Groups) > 0 {
		m["cognito:groups"] = c.Groups
	}
	if len(c.Scopes) > 0 {
		m["scope"] = strings.Join(c.Scopes, " ")
	}
	for k, v := range c.Extra {
		m[k] = v
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, m)
	tok.Header["kid"] = iss.kid
	signed, err := tok.SignedString(iss.key)
	if err != nil {
		return "", fmt.Errorf("jwtauth: sign: %w", err)
	}
	return signed, nil
}

// Handler serves the discovery document at any path ending in DiscoveryPath and the JWKS at
// any path ending in JWKSPath, so it can be mounted under any prefix (without
// http.StripPrefix: jwks_uri is built from the request's own path). Anything else is 404.
func (iss *Issuer) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		switch {
		case strings.HasSuffix(r.URL.Path, JWKSPath):
			writeDoc(w, iss.jwks)
		case strings.HasSuffix(r.URL.Path, DiscoveryPath):
			base := strings.TrimSuffix(r.URL.Path, DiscoveryPath)
			scheme := "http"
			if r.TLS != nil {
				scheme = "https"
			}
			doc, _ := json.Marshal(discovery{
				Issuer:                 iss.opts.IssuerURL,
				JWKSURI:                scheme + "://" + r.Host + base + JWKSPath,
				ResponseTypes:          []string{"code", "token"},
				SubjectTypes:           []string{"public"},
				SigningAlgs:            []string{"RS256"},
				ScopesSupported:        []string{"openid", "email", "phone", "profile"},
				TokenEndpointAuthTypes: []string{"client_secret_basic", "client_secret_post"},
			})
			writeDoc(w, doc)
		default:
			http.NotFound(w, r)
		}
	})
}

// discovery is the part of an OpenID Provider's metadata that verifiers use. The local
// issuer has no authorization or token endpoint (tokens come from Issue), so those are
// left out.
type discovery struct {
	Issuer                 string   `json:"issuer"`
	JWKSURI                string   `json:"jwks_uri"`
	ResponseTypes          []string `json:"response_types_supported"`
	SubjectTypes           []string `json:"subject_types_supported"`
	SigningAlgs            []string `json:"id_token_signing_alg_values_supported"`
	ScopesSupported        []string `json:"scopes_supported"`
	TokenEndpointAuthTypes []string `json:"token_endpoint_auth_methods_supported"`
}

func writeDoc(w http.ResponseWriter, doc []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(doc)
}

// loadOrCreateKey reads dir/KeyFile, or writes a new key there. Two processes starting at
// once agree on one key: the file is created by linking a complete temporary file, which
// fails if another got there first, and then the winner's key is read.
func loadOrCreateKey(dir string) (*rsa.PrivateKey, error) {
	path := filepath.Join(dir, KeyFile)
	key, err := readKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("jwtauth: key dir: %w", err)
	}
	key, err = rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return nil, fmt.Errorf("jwtauth: generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("jwtauth: encode key: %w", err)
	}
	tmp, err := os.CreateTemp(dir, KeyFile+".*")
	if err != nil {
		return nil, fmt.Errorf("jwtauth: write key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := pem.Encode(tmp, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("jwtauth: write key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("jwtauth: write key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("jwtauth: write key: %w", err)
	}
	return readKey(path)
}

func readKey(path string) (*rsa.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("jwtauth: read key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("jwtauth: read key %s: no PEM block", path)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("jwtauth: read key %s: %w", path, err)
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("jwtauth: read key %s: not an RSA key", path)
	}
	return key, nil
}

// defaults is the content of DefaultsFile.
type defaults struct {
	Issuer   string `json:"issuer,omitempty"`
	ClientID string `json:"clientId,omitempty"`
}

func writeDefaults(dir string, d defaults) error {
	data, _ := json.MarshalIndent(d, "", "  ")
	tmp, err := os.CreateTemp(dir, DefaultsFile+".*")
	if err != nil {
		return fmt.Errorf("jwtauth: write defaults: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(append(data, '\n'))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, DefaultsFile))
	}
	if err != nil {
		return fmt.Errorf("jwtauth: write defaults: %w", err)
	}
	return nil
}

func readDefaults(dir string) (defaults, error) {
	var d defaults
	data, err := os.ReadFile(filepath.Join(dir, DefaultsFile))
	if err != nil {
		return d, err
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return d, fmt.Errorf("jwtauth: read %s: %w", filepath.Join(dir, DefaultsFile), err)
	}
	return d, nil
}

// newUUID is a random (version 4) UUID, the jti of a token.
func newUUID() (string, error) {
	id, err := smithyrand.NewUUID(rand.Reader).GetUUID()
	if err != nil {
		return "", fmt.Errorf("jwtauth: random: %w", err)
	}
	return id, nil
}
