// Package devseed makes a fresh local stack (make dev) ready to shop in: it loads the sample
// catalog, stocks every sample product through the inventory's admin route, and creates an
// admin and a customer in the stack's Cognito user pool, whose credentials it prints, so a
// person can sign in and place an order at once. Everything goes through the stack's own APIs:
// the HTTP API with the admin's real token, and the Cognito API on the edge.
//
// It is safe to run twice: existing users get their password set again, a catalog that has
// products is not seeded again, and stock is set, not added.
//
// Against a deployed stage (docs/deploy.md) it creates no users: given an admin's access token
// (Config.AdminToken) it only seeds and stocks the catalog through the stage's API.
package devseed

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	idp "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/microshop/microshop/functions/catalog/seed"
	"github.com/microshop/microshop/local/sdk"
	"github.com/microshop/microshop/local/template"
)

// The development users. The passwords meet the pool's policy; they are for a local stack only.
const (
	AdminEmail       = "admin@microshop.local"
	AdminPassword    = "Admin-Passw0rd!"
	CustomerEmail    = "customer@microshop.local"
	CustomerPassword = "Customer-Passw0rd!"
)

// DefaultStock is what each sample product gets on hand.
const DefaultStock = 100

// Config says which stack to seed.
type Config struct {
	Template string // the synthesized template the stack serves
	APIURL   string // base URL of its HTTP API
	EdgeURL  string // its AWS endpoint (Cognito)
	Stock    int    // units on hand per sample product; DefaultStock when 0
	// AdminToken, when set, is an access token of a member of the admin group: Run then
	// creates no users and never calls Cognito (EdgeURL is unused), and seeds with this token.
	// This is how a deployed stage is seeded; Result's Admin and Customer stay empty.
	AdminToken string
}

// Credentials are a signed-in development user.
type Credentials struct {
	Email, Password string
	AccessToken     string
}

// Result is what Run did.
type Result struct {
	Admin, Customer Credentials
	Seeded          int      // products created (0 when the catalog had products)
	Stocked         []string // ids of the sample products given stock
	ClientID        string   // the user pool's app client, for `aws cognito-idp initiate-auth`
	Region          string   // the stack's region
}

// Run seeds the stack and writes what it did, with the credentials and how to sign in, to out.
func Run(ctx context.Context, cfg Config, out io.Writer) (*Result, error) {
	if cfg.Stock == 0 {
		cfg.Stock = DefaultStock
	}
	base, err := url.Parse(strings.TrimSuffix(cfg.APIURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("devseed: API URL %q is not an http(s) URL", cfg.APIURL)
	}
	model, err := template.Load(cfg.Template, template.Options{})
	if err != nil {
		return nil, fmt.Errorf("devseed: %w", err)
	}
	if len(model.UserPools) == 0 || len(model.UserPools[0].Clients) == 0 {
		return nil, errors.New("devseed: the template has no user pool with an app client")
	}
	pool, clientID := model.UserPools[0].ID, model.UserPools[0].Clients[0].ID
	res := &Result{ClientID: clientID, Region: model.Region}
	token := cfg.AdminToken
	if token == "" {
		cognito := sdk.Cognito(cfg.EdgeURL)
		if res.Admin, err = ensureUser(ctx, cognito, pool, clientID, AdminEmail, AdminPassword, "admin"); err != nil {
			return nil, err
		}
		if res.Customer, err = ensureUser(ctx, cognito, pool, clientID, CustomerEmail, CustomerPassword); err != nil {
			return nil, err
		}
		token = res.Admin.AccessToken
	}

	c := apiClient{http: &http.Client{Timeout: 30 * time.Second}, base: base.String(), token: token}
	if res.Seeded, err = c.seedCatalog(ctx); err != nil {
		return nil, err
	}
	if hasRoute(model, "PUT /inventory/{productId}") {
		if res.Stocked, err = c.stockSamples(ctx, cfg.Stock); err != nil {
			return nil, err
		}
	}
	report(out, cfg, res, hasRoute(model, "PUT /inventory/{productId}"))
	return res, nil
}

func hasRoute(m *template.Model, key string) bool {
	for _, a := range m.APIs {
		if slices.ContainsFunc(a.Routes, func(r *template.Route) bool { return r.Key == key }) {
			return true
		}
	}
	return false
}

// ensureUser creates the user (or finds it), sets its permanent password, adds it to groups
// and signs it in with USER_PASSWORD_AUTH.
func ensureUser(ctx context.Context, c *idp.Client, pool, clientID, email, password string, groups ...string) (Credentials, error) {
	_, err := c.AdminCreateUser(ctx, &idp.AdminCreateUserInput{
		UserPoolId: aws.String(pool), Username: aws.String(email), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{
			{Name: aws.String("email"), Value: aws.String(email)},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
		},
	})
	var exists *types.UsernameExistsException
	if err != nil && !errors.As(err, &exists) {
		return Credentials{}, fmt.Errorf("devseed: AdminCreateUser %s: %w", email, err)
	}
	if _, err := c.AdminSetUserPassword(ctx, &idp.AdminSetUserPasswordInput{
		UserPoolId: aws.String(pool), Username: aws.String(email), Password: aws.String(password), Permanent: true,
	}); err != nil {
		return Credentials{}, fmt.Errorf("devseed: AdminSetUserPassword %s: %w", email, err)
	}
	for _, g := range groups {
		if _, err := c.AdminAddUserToGroup(ctx, &idp.AdminAddUserToGroupInput{
			UserPoolId: aws.String(pool), Username: aws.String(email), GroupName: aws.String(g),
		}); err != nil {
			return Credentials{}, fmt.Errorf("devseed: AdminAddUserToGroup %s %s: %w", email, g, err)
		}
	}
	out, err := c.InitiateAuth(ctx, &idp.InitiateAuthInput{
		ClientId: aws.String(clientID), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": password},
	})
	if err != nil {
		return Credentials{}, fmt.Errorf("devseed: sign in %s: %w", email, err)
	}
	if out.AuthenticationResult == nil {
		return Credentials{}, fmt.Errorf("devseed: sign in %s: challenge %q instead of tokens", email, out.ChallengeName)
	}
	return Credentials{Email: email, Password: password, AccessToken: aws.ToString(out.AuthenticationResult.AccessToken)}, nil
}

type apiClient struct {
	http  *http.Client
	base  string
	token string // the admin's access token
}

// seedCatalog POSTs the sample products unless the catalog has one already.
func (c apiClient) seedCatalog(ctx context.Context) (int, error) {
	var page struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := c.do(ctx, http.MethodGet, "/products?limit=1", nil, http.StatusOK, &page); err != nil {
		return 0, err
	}
	if len(page.Items) > 0 {
		return 0, nil
	}
	products, err := seed.Products()
	if err != nil {
		return 0, err
	}
	for i, p := range products {
		if err := c.do(ctx, http.MethodPost, "/products", p, http.StatusCreated, nil); err != nil {
			return i, fmt.Errorf("%w (product %d of %d; the catalog is now partly seeded)", err, i+1, len(products))
		}
	}
	return len(products), nil
}

// stockSamples sets the stock of every catalog product whose name is a sample product's.
func (c apiClient) stockSamples(ctx context.Context, onHand int) ([]string, error) {
	products, err := seed.Products()
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, p := range products {
		var v struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal(p, &v); err != nil {
			return nil, fmt.Errorf("devseed: sample product: %w", err)
		}
		names[v.Name] = true
	}
	var stocked []string
	cursor := ""
	for {
		var page struct {
			Items []struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"items"`
			NextCursor string `json:"nextCursor"`
		}
		path := "/products?limit=100"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		if err := c.do(ctx, http.MethodGet, path, nil, http.StatusOK, &page); err != nil {
			return stocked, err
		}
		for _, p := range page.Items {
			if !names[p.Name] {
				continue
			}
			body, _ := json.Marshal(map[string]int{"onHand": onHand})
			if err := c.setStock(ctx, p.ID, body); err != nil {
				return stocked, err
			}
			stocked = append(stocked, p.ID)
		}
		if page.NextCursor == "" {
			return stocked, nil
		}
		cursor = page.NextCursor
	}
}

// setStock PUTs the product's stock. The inventory may learn of a product from the catalog's
// events, a moment after it was created: a 404 is retried for a few seconds.
func (c apiClient) setStock(ctx context.Context, id string, body []byte) error {
	deadline := time.Now().Add(10 * time.Second)
	for pause := 10 * time.Millisecond; ; pause = min(2*pause, 500*time.Millisecond) {
		err := c.do(ctx, http.MethodPut, "/inventory/"+id, body, http.StatusOK, nil)
		var status *statusError
		if err == nil || !errors.As(err, &status) || status.got != http.StatusNotFound || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
	}
}

type statusError struct {
	method, path string
	got, want    int
	body         []byte
}

func (e *statusError) Error() string {
	return fmt.Sprintf("devseed: %s %s: status %d, want %d: %s", e.method, e.path, e.got, e.want, e.body)
}

// do sends a request as the admin and decodes a response of status want into v (if not nil).
func (c apiClient) do(ctx context.Context, method, path string, body []byte, want int, v any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return fmt.Errorf("devseed: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("devseed: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("devseed: %s %s: read response: %w", method, path, err)
	}
	if resp.StatusCode != want {
		return &statusError{method: method, path: path, got: resp.StatusCode, want: want, body: bytes.TrimSpace(b)}
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			return fmt.Errorf("devseed: %s %s: %w", method, path, err)
		}
	}
	return nil
}

func report(out io.Writer, cfg Config, res *Result, inventory bool) {
	if res.Seeded > 0 {
		fmt.Fprintf(out, "devseed: seeded %d sample products\n", res.Seeded)
	} else {
		fmt.Fprintln(out, "devseed: the catalog already has products; not seeded again")
	}
	if inventory {
		fmt.Fprintf(out, "devseed: stocked %d sample products with %d units each\n", len(res.Stocked), cfg.Stock)
	} else {
		fmt.Fprintln(out, "devseed: no inventory service in this stack; stock not set")
	}
	if cfg.AdminToken != "" {
		return // no users were made: the deployed stage's users are its own
	}
	fmt.Fprintf(out, `devseed: users of the local user pool (app client %s):
  admin     %s / %s   (group admin)
  customer  %s / %s
sign in:
  aws cognito-idp initiate-auth --endpoint-url %s --region %s --no-sign-request \
    --client-id %s --auth-flow USER_PASSWORD_AUTH \
    --auth-parameters USERNAME=%s,PASSWORD='%s' \
    --query AuthenticationResult.AccessToken --output text
`, res.ClientID, res.Admin.Email, res.Admin.Password, res.Customer.Email, res.Customer.Password,
		cfg.EdgeURL, res.Region, res.ClientID, res.Customer.Email, res.Customer.Password)
}
