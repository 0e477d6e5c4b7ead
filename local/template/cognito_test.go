package template

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestUserPools(t *testing.T) {
	m, err := Load("testdata/Cognito.template.json", Options{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	// IDs are fixed so they stay stable across versions: a running stack's clients and data
	// files depend on them.
	const (
		poolID  = "us-east-1_ojVQ71WW6"
		plainID = "us-east-1_T6HUVn4ww"
		webID   = "4zkubo23s3dbbczs899x5wg5jj"
	)
	want := []*UserPool{
		{
			LogicalID: "PlainPool", ID: plainID, Name: "PlainPool",
			ARN:           "arn:aws:cognito-idp:us-east-1:000000000000:userpool/" + plainID,
			IssuerURL:     "https://cognito-idp.us-east-1.amazonaws.com/" + plainID,
			CaseSensitive: true,
			PasswordPolicy: PasswordPolicy{MinimumLength: 8, RequireLowercase: true, RequireUppercase: true,
				RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidity: 7 * 24 * time.Hour},
			Clients: []*UserPoolClient{{
				LogicalID: "PlainPoolClient", ID: ClientID("PlainPoolClient"), Name: "PlainPoolClient",
				ExplicitAuthFlows:          []string{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_CUSTOM_AUTH"},
				PreventUserExistenceErrors: "LEGACY", EnableTokenRevocation: true,
				AccessTokenValidity: 2 * time.Hour, IDTokenValidity: time.Hour, RefreshTokenValidity: 5 * 24 * time.Hour,
			}},
		},
		{
			LogicalID: "UserPool6BA7E5F2", ID: poolID, Name: "microshop-users",
			ARN:                    "arn:aws:cognito-idp:us-east-1:000000000000:userpool/" + poolID,
			IssuerURL:              "https://cognito-idp.us-east-1.amazonaws.com/" + poolID,
			UsernameAttributes:     []string{"email"},
			AutoVerifiedAttributes: []string{"email"},
			PasswordPolicy: PasswordPolicy{MinimumLength: 10, RequireLowercase: true, RequireUppercase: true,
				RequireNumbers: true, TemporaryPasswordValidity: 3 * 24 * time.Hour},
			Clients: []*UserPoolClient{
				{
					LogicalID: "UserPoolServerClient0D7C4B9E", ID: ClientID("UserPoolServerClient0D7C4B9E"), Name: "server",
					ExplicitAuthFlows: []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
					GenerateSecret:    true, Secret: clientSecret("UserPoolServerClient0D7C4B9E"),
					PreventUserExistenceErrors: "LEGACY", EnableTokenRevocation: true,
					AccessTokenValidity: time.Hour, IDTokenValidity: time.Hour, RefreshTokenValidity: 30 * 24 * time.Hour,
				},
				{
					LogicalID: "UserPoolSrpClientB1A0F6D4", ID: ClientID("UserPoolSrpClientB1A0F6D4"), Name: "srp-only",
					ExplicitAuthFlows:          []string{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_CUSTOM_AUTH"},
					PreventUserExistenceErrors: "LEGACY", EnableTokenRevocation: true,
					AccessTokenValidity: time.Hour, IDTokenValidity: time.Hour, RefreshTokenValidity: 30 * 24 * time.Hour,
				},
				{
					LogicalID: "UserPoolWebClient8C5D3E2A", ID: webID, Name: "web",
					ExplicitAuthFlows:          []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
					PreventUserExistenceErrors: "ENABLED", EnableTokenRevocation: true,
					AccessTokenValidity: time.Hour, IDTokenValidity: time.Hour, RefreshTokenValidity: 30 * 24 * time.Hour,
				},
			},
			Groups: []*UserPoolGroup{{LogicalID: "UserPoolAdminGroup4E1E5C1B", Name: "admin", Description: "Shop administrators", Precedence: 0}},
		},
	}
	if diff := cmp.Diff(want, m.UserPools); diff != "" {
		t.Errorf("UserPools mismatch (-want +got):\n%s", diff)
	}

	// What the CDK writes into a JWT authorizer resolves to the pool's issuer and client.
	refs := []struct {
		name string
		call func() (any, error)
		want any
	}{
		{"Ref pool", func() (any, error) { return m.Ref("UserPool6BA7E5F2") }, poolID},
		{"Ref client", func() (any, error) { return m.Ref("UserPoolWebClient8C5D3E2A") }, webID},
		{"Ref group", func() (any, error) { return m.Ref("UserPoolAdminGroup4E1E5C1B") }, "admin"},
		{"GetAtt ProviderURL", func() (any, error) { return m.GetAtt("UserPool6BA7E5F2", "ProviderURL") }, "https://cognito-idp.us-east-1.amazonaws.com/" + poolID},
		{"GetAtt ProviderName", func() (any, error) { return m.GetAtt("UserPool6BA7E5F2", "ProviderName") }, "cognito-idp.us-east-1.amazonaws.com/" + poolID},
		{"GetAtt Arn", func() (any, error) { return m.GetAtt("UserPool6BA7E5F2", "Arn") }, "arn:aws:cognito-idp:us-east-1:000000000000:userpool/" + poolID},
		{"GetAtt ClientId", func() (any, error) { return m.GetAtt("UserPoolWebClient8C5D3E2A", "ClientId") }, webID},
		{"Fn::Join issuer", func() (any, error) {
			return m.Property("HttpApiUserPoolAuthorizer2C4A1B3D", "JwtConfiguration", "Issuer")
		}, want[1].IssuerURL},
		{"Fn::Sub issuer", func() (any, error) { return m.Property("SubAuthorizer", "JwtConfiguration", "Issuer") }, want[0].IssuerURL},
		{"Output", func() (any, error) { return m.Output("IssuerUrl") }, want[1].IssuerURL},
	}
	for _, tt := range refs {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.call()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUserPoolIDShape(t *testing.T) {
	for _, id := range []string{"A", "UserPool6BA7E5F2", "a-very-long-logical-id-of-a-pool-0123456789"} {
		pool, client := UserPoolID("eu-west-1", id), ClientID(id)
		if len(pool) != len("eu-west-1_")+9 || pool[:10] != "eu-west-1_" {
			t.Errorf("UserPoolID(%q) = %q, want eu-west-1_ and 9 characters", id, pool)
		}
		if len(client) != 26 {
			t.Errorf("ClientID(%q) = %q, want 26 characters", id, client)
		}
		if UserPoolID("eu-west-1", id) != pool || ClientID(id) != client {
			t.Errorf("IDs of %q are not deterministic", id)
		}
	}
}

func TestAllowsAuthFlow(t *testing.T) {
	tests := []struct {
		flows []string
		flow  string
		want  bool
	}{
		{[]string{"ALLOW_USER_PASSWORD_AUTH"}, "USER_PASSWORD_AUTH", true},
		{[]string{"USER_PASSWORD_AUTH"}, "USER_PASSWORD_AUTH", true}, // legacy spelling
		{[]string{"ALLOW_USER_SRP_AUTH"}, "USER_PASSWORD_AUTH", false},
		{[]string{"ADMIN_NO_SRP_AUTH"}, "ADMIN_USER_PASSWORD_AUTH", true},
		{nil, "REFRESH_TOKEN_AUTH", true},
	}
	for _, tt := range tests {
		c := &UserPoolClient{ExplicitAuthFlows: tt.flows}
		if got := c.AllowsAuthFlow(tt.flow); got != tt.want {
			t.Errorf("%v allows %s = %v, want %v", tt.flows, tt.flow, got, tt.want)
		}
	}
}

// A malformed Cognito property fails the load, naming the resource and property.
func TestUserPoolErrors(t *testing.T) {
	tests := []struct {
		name     string
		template string
		resource string
		path     string
	}{
		{
			name: "case sensitivity not a boolean",
			template: `{"Resources": {"P": {"Type": "AWS::Cognito::UserPool", "Properties": {
				"UsernameConfiguration": {"CaseSensitive": "sometimes"}}}}}`,
			resource: "P",
			path:     "Properties.UsernameConfiguration.CaseSensitive",
		},
		{
			name: "password length not a number",
			template: `{"Resources": {"P": {"Type": "AWS::Cognito::UserPool", "Properties": {
				"Policies": {"PasswordPolicy": {"MinimumLength": "long"}}}}}}`,
			resource: "P",
			path:     "Properties.Policies.PasswordPolicy.MinimumLength",
		},
		{
			name: "unknown token validity unit",
			template: `{"Resources": {
				"P": {"Type": "AWS::Cognito::UserPool", "Properties": {}},
				"C": {"Type": "AWS::Cognito::UserPoolClient", "Properties": {"UserPoolId": {"Ref": "P"},
					"AccessTokenValidity": 5, "TokenValidityUnits": {"AccessToken": "weeks"}}}}}`,
			resource: "C",
			path:     "Properties.TokenValidityUnits.AccessToken",
		},
		{
			name: "auth flows not a list",
			template: `{"Resources": {
				"P": {"Type": "AWS::Cognito::UserPool", "Properties": {}},
				"C": {"Type": "AWS::Cognito::UserPoolClient", "Properties": {"UserPoolId": {"Ref": "P"},
					"ExplicitAuthFlows": "ALLOW_USER_PASSWORD_AUTH"}}}}`,
			resource: "C",
			path:     "Properties.ExplicitAuthFlows",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.template), Options{})
			var te *Error
			if !errors.Is(err, ErrInvalid) || !errors.As(err, &te) {
				t.Fatalf("Parse error = %v, want an *Error wrapping ErrInvalid", err)
			}
			if te.Resource != tt.resource || te.Path != tt.path {
				t.Errorf("error at resource %q path %q, want %q %q (%v)", te.Resource, te.Path, tt.resource, tt.path, err)
			}
		})
	}
}

// A client or group of a pool outside the template (an imported pool ID) is not served, and
// does not fail the load.
func TestUserPoolClientOfImportedPool(t *testing.T) {
	m, err := Parse([]byte(`{"Resources": {
		"P": {"Type": "AWS::Cognito::UserPool", "Properties": {}},
		"Mine": {"Type": "AWS::Cognito::UserPoolClient", "Properties": {"UserPoolId": {"Ref": "P"}}},
		"Theirs": {"Type": "AWS::Cognito::UserPoolClient", "Properties": {"UserPoolId": "eu-west-1_Other1234"}}}}`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range m.UserPools {
		for _, c := range p.Clients {
			got = append(got, p.LogicalID+"/"+c.LogicalID)
		}
	}
	if diff := cmp.Diff([]string{"P/Mine"}, got); diff != "" {
		t.Errorf("clients (-want +got):\n%s", diff)
	}
}
