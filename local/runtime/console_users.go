package runtime

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"

	"github.com/microshop/microshop/local/console"
	"github.com/microshop/microshop/local/template"
)

// The Users page goes through the Cognito user pools API on the edge port (ListUsers,
// ListUsersInGroup, AdminCreateUser, AdminSetUserPassword, AdminAddUserToGroup,
// InitiateAuth), as an operator's script would.

const cognitoTarget = "AWSCognitoIdentityProviderService."

type poolOut struct {
	ID      string      `json:"id"`
	Name    string      `json:"name"`
	Clients []clientOut `json:"clients"`
	Groups  []string    `json:"groups"`
	Users   []userOut   `json:"users"`
}

type clientOut struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type userOut struct {
	Username string            `json:"username"`
	Status   string            `json:"status"`
	Enabled  bool              `json:"enabled"`
	Created  float64           `json:"created"` // epoch seconds, as Cognito answers
	Attrs    map[string]string `json:"attributes"`
	Groups   []string          `json:"groups"`
}

type cognitoUser struct {
	Username       string
	UserStatus     string
	Enabled        bool
	UserCreateDate float64
	Attributes     []struct{ Name, Value string }
}

func (rt *Runtime) registerUsers(c *console.Console) {
	shell(c, console.Page{Path: "users", Title: "Users", Summary: "the user pools' users and groups; create a user, add to a group, copy a token"},
		"users.js", `<div id="pools"></div>
<section><h2>Create a user</h2><form class="inline" id="create">
<label>Pool <select name="poolId" class="pool"></select></label>
<label>Email <input name="email" type="email" required autocomplete="off"></label>
<label>Password <input name="password" required autocomplete="new-password"></label>
<label>Group <select name="group" class="group"><option value="">none</option></select></label>
<button>Create confirmed user</button></form><p id="create-status" role="status"></p></section>
<section><h2>Add to a group</h2><form class="inline" id="add">
<label>Pool <select name="poolId" class="pool"></select></label>
<label>Username or email <input name="username" required></label>
<label>Group <select name="group" class="group" required></select></label>
<button>Add</button></form><p id="add-status" role="status"></p></section>
<section><h2>Sign in and copy a token</h2><form class="inline" id="signin">
<label>Pool <select name="poolId" class="pool"></select></label>
<label>Username or email <input name="username" required></label>
<label>Password <input name="password" type="password" required autocomplete="off"></label>
<button>Sign in</button></form><p id="signin-status" role="status"></p><div id="tokens"></div></section>`)
	c.HandleAPI("GET users", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out := []poolOut{}
		for _, p := range rt.model.UserPools {
			po, err := rt.poolUsers(r, p)
			if err != nil {
				writeAPIError(w, err)
				return
			}
			out = append(out, po)
		}
		console.WriteJSON(w, http.StatusOK, map[string]any{"pools": out})
	}))
	c.HandleAPI("POST users", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			PoolID   string `json:"poolId"`
			Email    string `json:"email"`
			Password string `json:"password"`
			Group    string `json:"group"`
		}
		if !decodeBody(w, r, &in) {
			return
		}
		if in.Email == "" || in.Password == "" {
			console.WriteError(w, http.StatusBadRequest, "InvalidParameterException", "email and password are required")
			return
		}
		ctx := r.Context()
		var created struct{ User cognitoUser }
		err := rt.awsCall(ctx, cognitoTarget+"AdminCreateUser", map[string]any{
			"UserPoolId": in.PoolID, "Username": in.Email, "MessageAction": "SUPPRESS",
			"UserAttributes": []map[string]string{{"Name": "email", "Value": in.Email}, {"Name": "email_verified", "Value": "true"}},
		}, &created)
		if err == nil {
			// A permanent password confirms the user (FORCE_CHANGE_PASSWORD → CONFIRMED).
			err = rt.awsCall(ctx, cognitoTarget+"AdminSetUserPassword", map[string]any{
				"UserPoolId": in.PoolID, "Username": created.User.Username, "Password": in.Password, "Permanent": true,
			}, nil)
			if err != nil {
				_ = rt.awsCall(ctx, cognitoTarget+"AdminDeleteUser", map[string]any{"UserPoolId": in.PoolID, "Username": created.User.Username}, nil)
			}
		}
		if err == nil && in.Group != "" {
			err = rt.awsCall(ctx, cognitoTarget+"AdminAddUserToGroup", map[string]any{
				"UserPoolId": in.PoolID, "Username": created.User.Username, "GroupName": in.Group,
			}, nil)
		}
		if err != nil {
			writeAPIError(w, err)
			return
		}
		console.WriteJSON(w, http.StatusCreated, map[string]any{"username": created.User.Username, "email": in.Email, "status": "CONFIRMED"})
	}))
	c.HandleAPI("POST users/groups", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			PoolID   string `json:"poolId"`
			Username string `json:"username"`
			Group    string `json:"group"`
		}
		if !decodeBody(w, r, &in) {
			return
		}
		if err := rt.awsCall(r.Context(), cognitoTarget+"AdminAddUserToGroup", map[string]any{
			"UserPoolId": in.PoolID, "Username": in.Username, "GroupName": in.Group,
		}, nil); err != nil {
			writeAPIError(w, err)
			return
		}
		console.WriteJSON(w, http.StatusOK, map[string]any{"username": in.Username, "group": in.Group})
	}))
	c.HandleAPI("POST users/tokens", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			PoolID   string `json:"poolId"`
			ClientID string `json:"clientId"`
			Username string `json:"username"`
			Password string `json:"password"`
		}
		if !decodeBody(w, r, &in) {
			return
		}
		client := rt.poolClient(in.PoolID, in.ClientID)
		if client == nil {
			console.WriteError(w, http.StatusNotFound, "ResourceNotFoundException", "no app client "+in.ClientID+" of user pool "+in.PoolID)
			return
		}
		params := map[string]string{"USERNAME": in.Username, "PASSWORD": in.Password}
		if client.GenerateSecret {
			mac := hmac.New(sha256.New, []byte(client.Secret))
			mac.Write([]byte(in.Username + client.ID))
			params["SECRET_HASH"] = base64.StdEncoding.EncodeToString(mac.Sum(nil))
		}
		var out struct {
			ChallengeName        string
			AuthenticationResult *struct {
				IDToken      string `json:"IdToken"`
				AccessToken  string
				RefreshToken string
				ExpiresIn    int
			}
		}
		if err := rt.awsCall(r.Context(), cognitoTarget+"InitiateAuth", map[string]any{
			"ClientId": client.ID, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": params,
		}, &out); err != nil {
			writeAPIError(w, err)
			return
		}
		if out.AuthenticationResult == nil {
			console.WriteError(w, http.StatusBadRequest, "ChallengeRequired", "the sign-in asks for "+out.ChallengeName+": answer it with the storefront or the AWS CLI")
			return
		}
		a := out.AuthenticationResult
		console.WriteJSON(w, http.StatusOK, map[string]any{
			"idToken": a.IDToken, "accessToken": a.AccessToken, "refreshToken": a.RefreshToken, "expiresIn": a.ExpiresIn, "clientId": client.ID,
		})
	}))
}

// poolClient is the pool's app client with the ID, or its first one when id is empty.
func (rt *Runtime) poolClient(poolID, id string) *template.UserPoolClient {
	for _, p := range rt.model.UserPools {
		if p.ID != poolID {
			continue
		}
		for _, c := range p.Clients {
			if id == "" || c.ID == id {
				return c
			}
		}
	}
	return nil
}

// poolUsers lists a pool's users with their groups.
func (rt *Runtime) poolUsers(r *http.Request, p *template.UserPool) (poolOut, error) {
	ctx := r.Context()
	po := poolOut{ID: p.ID, Name: p.Name, Clients: []clientOut{}, Groups: []string{}, Users: []userOut{}}
	for _, c := range p.Clients {
		po.Clients = append(po.Clients, clientOut{ID: c.ID, Name: c.Name})
	}
	groupsOf := map[string][]string{}
	var groups struct {
		Groups    []struct{ GroupName string }
		NextToken string
	}
	for {
		req := map[string]any{"UserPoolId": p.ID}
		if groups.NextToken != "" {
			req["NextToken"] = groups.NextToken
		}
		groups.Groups = nil
		if err := rt.awsCall(ctx, cognitoTarget+"ListGroups", req, &groups); err != nil {
			return po, err
		}
		for _, g := range groups.Groups {
			po.Groups = append(po.Groups, g.GroupName)
			members, err := rt.listUsers(r, "ListUsersInGroup", map[string]any{"UserPoolId": p.ID, "GroupName": g.GroupName})
			if err != nil {
				return po, err
			}
			for _, u := range members {
				groupsOf[u.Username] = append(groupsOf[u.Username], g.GroupName)
			}
		}
		if groups.NextToken == "" {
			break
		}
	}
	users, err := rt.listUsers(r, "ListUsers", map[string]any{"UserPoolId": p.ID})
	if err != nil {
		return po, err
	}
	for _, u := range users {
		attrs := map[string]string{}
		for _, a := range u.Attributes {
			attrs[a.Name] = a.Value
		}
		g := groupsOf[u.Username]
		if g == nil {
			g = []string{}
		}
		slices.Sort(g)
		po.Users = append(po.Users, userOut{Username: u.Username, Status: u.UserStatus, Enabled: u.Enabled, Created: u.UserCreateDate, Attrs: attrs, Groups: g})
	}
	slices.SortFunc(po.Users, func(a, b userOut) int {
		return strings.Compare(a.Attrs["email"]+a.Username, b.Attrs["email"]+b.Username)
	})
	return po, nil
}

// listUsers pages through ListUsers or ListUsersInGroup.
func (rt *Runtime) listUsers(r *http.Request, op string, req map[string]any) ([]cognitoUser, error) {
	tokenField := "PaginationToken"
	if op == "ListUsersInGroup" {
		tokenField = "NextToken"
	}
	var all []cognitoUser
	for {
		var page struct {
			Users           []cognitoUser
			PaginationToken string
			NextToken       string
		}
		if err := rt.awsCall(r.Context(), cognitoTarget+op, req, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Users...)
		next := page.PaginationToken + page.NextToken
		if next == "" {
			return all, nil
		}
		req[tokenField] = next
	}
}
