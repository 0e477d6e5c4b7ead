package cognito

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/microshop/microshop/local/template"
)

// User statuses (Cognito's UserStatusType).
const (
	statusUnconfirmed         = "UNCONFIRMED"
	statusConfirmed           = "CONFIRMED"
	statusForceChangePassword = "FORCE_CHANGE_PASSWORD"
)

// fileFormat is the version of a pool's data file.
const fileFormat = 1

// pool is one user pool's users and sessions. mu guards everything below it.
type pool struct {
	*template.UserPool
	groups map[string]*template.UserPoolGroup // by name
	path   string                             // the data file; empty keeps users in memory

	mu       sync.Mutex
	users    map[string]*user    // by key(Username)
	aliases  map[string]string   // key(email) → key(Username), for pools that sign in by email
	sessions map[string]*session // by refreshHash(token)
}

// user is one user as stored. Password holds a bcrypt hash, never the password.
type user struct {
	Username   string            `json:"username"`
	Attributes map[string]string `json:"attributes"` // includes sub
	Password   []byte            `json:"passwordHash"`
	Status     string            `json:"status"`
	Enabled    bool              `json:"enabled"`
	Created    time.Time         `json:"created"`
	Modified   time.Time         `json:"modified"`
	Groups     []string          `json:"groups,omitempty"` // sorted
	// Code is the pending confirmation code; CodeExpires when it stops working.
	Code        string    `json:"code,omitempty"`
	CodeExpires time.Time `json:"codeExpires,omitzero"`
	// TempExpires is when a FORCE_CHANGE_PASSWORD user's temporary password stops working.
	TempExpires time.Time `json:"tempPasswordExpires,omitzero"`
}

// session is what a refresh token stands for; the token itself is never stored.
type session struct {
	Username  string    `json:"username"`
	ClientID  string    `json:"clientId"`
	OriginJTI string    `json:"originJti"`
	AuthTime  time.Time `json:"authTime"`
	Expires   time.Time `json:"expires"`
}

// poolFile is a pool's data file.
type poolFile struct {
	Format   int                 `json:"format"`
	PoolID   string              `json:"poolId"`
	Users    []*user             `json:"users"`
	Sessions map[string]*session `json:"sessions"` // by SHA-256 of the refresh token
}

// openPool returns the pool with the users kept in dataDir, if any.
func openPool(tp *template.UserPool, dataDir string) (*pool, error) {
	p := &pool{
		UserPool: tp,
		groups:   map[string]*template.UserPoolGroup{},
		users:    map[string]*user{},
		aliases:  map[string]string{},
		sessions: map[string]*session{},
	}
	for _, g := range tp.Groups {
		p.groups[g.Name] = g
	}
	if dataDir == "" {
		return p, nil
	}
	p.path = filepath.Join(dataDir, "cognito", tp.ID+".json")
	data, err := os.ReadFile(p.path)
	if errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cognito: read users of %s: %w", tp.ID, err)
	}
	var f poolFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("cognito: read users of %s from %s: %w", tp.ID, p.path, err)
	}
	if f.Format != fileFormat {
		return nil, fmt.Errorf("cognito: %s: format %d, want %d", p.path, f.Format, fileFormat)
	}
	for _, u := range f.Users {
		p.put(u)
	}
	for h, s := range f.Sessions {
		p.sessions[h] = s
	}
	return p, nil
}

// key is how usernames and sign-in aliases are matched: folded when the pool is
// case-insensitive.
func (p *pool) key(name string) string {
	if p.CaseSensitive {
		return name
	}
	return strings.ToLower(name)
}

// signInByEmail says whether users may sign in with their email.
func (p *pool) signInByEmail() bool {
	return slices.Contains(p.UsernameAttributes, "email") || slices.Contains(p.AliasAttributes, "email")
}

// emailIsUsername says whether the email replaces the username (UsernameAttributes).
func (p *pool) emailIsUsername() bool { return slices.Contains(p.UsernameAttributes, "email") }

// put adds or replaces u and its alias. The caller holds mu (or owns p).
func (p *pool) put(u *user) {
	k := p.key(u.Username)
	if old, ok := p.users[k]; ok {
		p.dropAlias(old)
	}
	p.users[k] = u
	if email := u.Attributes["email"]; email != "" && p.signInByEmail() {
		// An alias works once verified; an email that is the username works at once.
		if p.emailIsUsername() || u.Attributes["email_verified"] == "true" {
			p.aliases[p.key(email)] = k
		}
	}
}

func (p *pool) dropAlias(u *user) {
	if email := u.Attributes["email"]; email != "" && p.aliases[p.key(email)] == p.key(u.Username) {
		delete(p.aliases, p.key(email))
	}
}

// delete removes u and its sessions. The caller holds mu.
func (p *pool) delete(u *user) {
	p.dropAlias(u)
	delete(p.users, p.key(u.Username))
	p.signOut(u)
}

// signOut removes every session of u. The caller holds mu.
func (p *pool) signOut(u *user) {
	for h, s := range p.sessions {
		if s.Username == u.Username {
			delete(p.sessions, h)
		}
	}
}

// lookup finds a user by username or, where the pool allows, by email. The caller holds mu.
func (p *pool) lookup(name string) (*user, bool) {
	k := p.key(name)
	if u, ok := p.users[k]; ok {
		return u, true
	}
	if uk, ok := p.aliases[k]; ok {
		u, ok := p.users[uk]
		return u, ok
	}
	return nil, false
}

// save writes the pool's data file, if it has one. The caller holds mu.
func (p *pool) save() error {
	if p.path == "" {
		return nil
	}
	f := poolFile{Format: fileFormat, PoolID: p.ID, Users: make([]*user, 0, len(p.users)), Sessions: p.sessions}
	for _, u := range p.users {
		f.Users = append(f.Users, u)
	}
	slices.SortFunc(f.Users, func(a, b *user) int { return strings.Compare(a.Username, b.Username) })
	data, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		return fmt.Errorf("cognito: save users of %s: %w", p.ID, err)
	}
	if err := writeFileAtomic(p.path, data); err != nil {
		return fmt.Errorf("cognito: save users of %s: %w", p.ID, err)
	}
	return nil
}

// writeFileAtomic replaces path with data so that a reader (or a restart after a crash) sees
// the old or the new content, never a mix: write a temporary file, fsync, rename, fsync the
// directory. The file holds password hashes: only its owner may read it.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// refreshHash is how a refresh token is stored and looked up.
func refreshHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
