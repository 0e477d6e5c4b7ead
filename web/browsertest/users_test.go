package browsertest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	idp "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/microshop/microshop/local/sdk"
)

// account is a user of the local user pool.
type account struct {
	email, password string
	token           string // an access token, for setting up through the API
}

func randomHex() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// newEmail returns an address no user has yet.
func newEmail(who string) string {
	return fmt.Sprintf("%s-%d-%s@example.com", who, time.Now().UnixNano()%1e9, randomHex())
}

// password meets the pool's policy (12+ characters, upper, lower, digit, symbol).
func newPassword() string { return "Browser-" + randomHex() + "-Aa1!" }

// newCustomer creates a confirmed user as an operator would (AdminCreateUser, permanent
// password) and signs it in through the API for set-up calls.
func newCustomer(t *testing.T, groups ...string) account {
	t.Helper()
	ctx := context.Background()
	pool := rt.Model().UserPools[0]
	c := sdk.Cognito(rt.EdgeURL())
	a := account{email: newEmail("shopper"), password: newPassword()}
	if _, err := c.AdminCreateUser(ctx, &idp.AdminCreateUserInput{
		UserPoolId: aws.String(pool.ID), Username: aws.String(a.email), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{
			{Name: aws.String("email"), Value: aws.String(a.email)},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
		},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AdminSetUserPassword(ctx, &idp.AdminSetUserPasswordInput{
		UserPoolId: aws.String(pool.ID), Username: aws.String(a.email), Password: aws.String(a.password), Permanent: true,
	}); err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		if _, err := c.AdminAddUserToGroup(ctx, &idp.AdminAddUserToGroupInput{
			UserPoolId: aws.String(pool.ID), Username: aws.String(a.email), GroupName: aws.String(g),
		}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := c.InitiateAuth(ctx, &idp.InitiateAuthInput{
		ClientId: aws.String(pool.Clients[0].ID), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": a.email, "PASSWORD": a.password},
	})
	if err != nil || out.AuthenticationResult == nil {
		t.Fatalf("sign in %s: %v", a.email, err)
	}
	a.token = aws.ToString(out.AuthenticationResult.AccessToken)
	return a
}

// confirmationCode reads the code devcloud's Cognito wrote to the log for email: locally no
// e-mail leaves the machine.
func confirmationCode(t *testing.T, email string) string {
	t.Helper()
	re := regexp.MustCompile(`confirmation code for ` + regexp.QuoteMeta(email) + ` in pool \S+: (\d+)`)
	deadline := time.Now().Add(waitTimeout)
	for {
		if m := re.FindStringSubmatch(logs.String()); m != nil {
			return m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no confirmation code for %s in the runtime's log", email)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// signIn signs a in through the sign-in page and waits until the header shows them.
func (p *page) signIn(a account) {
	p.t.Helper()
	p.visit("/signin")
	p.fill("#signin-email", a.email)
	p.fill("#signin-password", a.password)
	p.click("#main form button[type=submit]")
	p.waitFor("header .email", a.email)
}

// call sends a request to the API as the holder of token (none if "") and decodes the JSON
// answer into out (if not nil); it fails the test unless the status is want.
func call(t *testing.T, token, method, path string, body any, want int, out any, header ...string) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, rt.APIURL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// status sends a request like call and returns only the status.
func status(t *testing.T, token, method, path string, body any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, rt.APIURL()+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

type money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

type product struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Category string `json:"category"`
	Price    money  `json:"price"`
	Version  int    `json:"version"`
	ImageURL string `json:"imageUrl"`
}

// newProduct creates a product in a category of its own with onHand units, and waits until
// the cart knows it (the cart and orders learn of products from the catalog's events).
func newProduct(t *testing.T, name string, amount int64, onHand int) product {
	t.Helper()
	admin := seeded.Admin.AccessToken
	var p product
	call(t, admin, "POST", "/products", map[string]any{
		"name": name, "category": "browser-" + randomHex(), "description": "A " + name + " for the browser tests.",
		"price": map[string]any{"amount": amount, "currency": "USD"}, "imageUrl": "/img/placeholder.svg",
	}, http.StatusCreated, &p)
	call(t, admin, "PUT", "/inventory/"+p.ID, map[string]any{"onHand": onHand}, http.StatusOK, nil)
	probe := customerProbe(t)
	deadline := time.Now().Add(waitTimeout)
	for status(t, probe, "PUT", "/cart/items/"+p.ID, map[string]any{"quantity": 1}) == http.StatusNotFound {
		if time.Now().After(deadline) {
			t.Fatalf("the cart never learnt of product %s", p.ID)
		}
		time.Sleep(20 * time.Millisecond)
	}
	call(t, probe, "DELETE", "/cart", nil, http.StatusNoContent, nil)
	return p
}

var probeToken string

// customerProbe is a customer whose cart only probes whether the cart knows a product.
func customerProbe(t *testing.T) string {
	t.Helper()
	if probeToken == "" {
		probeToken = newCustomer(t).token
	}
	return probeToken
}

// seededProduct returns the seeded product named name.
func seededProduct(t *testing.T, name string) product {
	t.Helper()
	var page struct {
		Items []product `json:"items"`
	}
	call(t, "", "GET", "/products?limit=100", nil, http.StatusOK, &page)
	for _, p := range page.Items {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no seeded product %q", name)
	return product{}
}
