package jwtauth

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"
)

// DefaultKeyDir is where the local runtime keeps the issuer's key, relative to the project.
const DefaultKeyDir = ".local/jwt"

// TokenCommand is `devcloud token`: it prints a token signed with the key in --dir that the
// local runtime's JWT authorizers accept.
//
//	devcloud token --user alice [--groups admin,ops] [--scopes orders/read,orders/write]
//	               [--id-token] [--ttl 1h] [--claim email=alice@example.com]
//	               [--issuer URL] [--client-id ID] [--dir .local/jwt]
//
// --issuer and --client-id default to what the runtime recorded in --dir (DefaultsFile), so
// after `devcloud serve` has run once only --user is needed. Without a key in --dir a new
// one is created there, which the runtime then loads.
func TokenCommand(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("token", flag.ContinueOnError)
	flags.SetOutput(stdout)
	var (
		dir      = flags.String("dir", DefaultKeyDir, "directory of the issuer's signing key")
		user     = flags.String("user", "", "the token's sub (required)")
		groups   = flags.String("groups", "", "comma-separated cognito:groups")
		scopes   = flags.String("scopes", "", "comma-separated scopes")
		issuer   = flags.String("issuer", "", "iss (default: recorded by the runtime in -dir)")
		clientID = flags.String("client-id", "", "client_id, or aud of an ID token (default: recorded by the runtime in -dir)")
		idToken  = flags.Bool("id-token", false, "issue an ID token (aud, token_use id) instead of an access token")
		ttl      = flags.Duration("ttl", DefaultTTL, "lifetime")
		extra    = claimFlag{}
	)
	flags.Var(extra, "claim", "extra string claim name=value (repeatable)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("token: unexpected argument %q", flags.Arg(0))
	}
	if *user == "" {
		return errors.New("token: --user is required")
	}
	d, err := readDefaults(*dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("token: %w", err)
	}
	c := Claims{
		Subject:  *user,
		Groups:   splitList(*groups),
		Scopes:   splitList(*scopes),
		Issuer:   cmp.Or(*issuer, d.Issuer),
		ClientID: cmp.Or(*clientID, d.ClientID),
		TTL:      *ttl,
	}
	if c.Issuer == "" || c.ClientID == "" {
		return fmt.Errorf("token: no issuer or client ID: pass --issuer and --client-id, or run the local runtime once so it records them in %s", *dir)
	}
	if *idToken {
		c.TokenUse = TokenUseID
	}
	if len(extra) > 0 {
		c.Extra = map[string]any{}
		for k, v := range extra {
			c.Extra[k] = v
		}
	}
	iss, err := NewIssuer(Options{KeyDir: *dir, Now: time.Now})
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	tok, err := iss.Issue(c)
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	_, err = fmt.Fprintln(stdout, tok)
	return err
}

// claimFlag collects --claim name=value.
type claimFlag map[string]string

func (c claimFlag) String() string { return "" }

func (c claimFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want name=value, got %q", s)
	}
	c[k] = v
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}
