package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// AdminGroup is the Cognito group whose members may call Admin routes; handlers check it in the
// token's `cognito:groups` claim.
const AdminGroup = "admin"

// DevStage is the default stage: its user pool may be deleted with the stack. Any other stage
// (e.g. "prod") keeps the pool, with deletion protection on.
const DevStage = "dev"

// Default OAuth redirect URLs of the app client: a web page on the developer's machine.
var (
	DefaultCallbackURLs = []string{"http://localhost:3000/callback"}
	DefaultLogoutURLs   = []string{"http://localhost:3000/"}
)

// AuthProps configures Auth.
type AuthProps struct {
	// Stage decides what deleting the stack does to the user pool: in DevStage it goes with
	// the stack; elsewhere it stays (RETAIN) and has deletion protection.
	Stage string
	// CallbackURLs and LogoutURLs are the app client's OAuth redirect URLs; they default to
	// DefaultCallbackURLs and DefaultLogoutURLs.
	CallbackURLs []string
	LogoutURLs   []string
}

// Auth is the shop's identity: a Cognito user pool where customers sign up with their email,
// the admin group, one public app client, and the HTTP API's JWT authorizer for that client.
type Auth struct {
	constructs.Construct
	UserPool   awscognito.UserPool
	Client     awscognito.UserPoolClient
	AdminGroup awscognito.UserPoolGroup
	// IssuerURL is the pool's token issuer, https://cognito-idp.<region>.amazonaws.com/<poolId>.
	IssuerURL *string
	// Authorizer accepts the client's ID and access tokens (audience = the client id; Cognito
	// access tokens carry it as client_id, which API Gateway accepts in place of aud).
	Authorizer awsapigatewayv2authorizers.HttpJwtAuthorizer
}

// NewAuth defines Auth.
func NewAuth(scope constructs.Construct, id string, props *AuthProps) *Auth {
	p := AuthProps{}
	if props != nil {
		p = *props
	}
	if p.Stage == "" {
		p.Stage = DevStage
	}
	if len(p.CallbackURLs) == 0 {
		p.CallbackURLs = DefaultCallbackURLs
	}
	if len(p.LogoutURLs) == 0 {
		p.LogoutURLs = DefaultLogoutURLs
	}
	dev := p.Stage == DevStage
	removal := awscdk.RemovalPolicy_RETAIN
	if dev {
		removal = awscdk.RemovalPolicy_DESTROY
	}

	c := constructs.NewConstruct(scope, jsii.String(id))
	pool := awscognito.NewUserPool(c, jsii.String("UserPool"), &awscognito.UserPoolProps{
		UserPoolName: jsii.String("microshop-" + p.Stage),
		// The email is the username; "Alice@Example.com" and "alice@example.com" are one user.
		SignInAliases:       &awscognito.SignInAliases{Email: jsii.Bool(true)},
		SignInCaseSensitive: jsii.Bool(false),
		SelfSignUpEnabled:   jsii.Bool(true),
		AutoVerify:          &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		UserVerification: &awscognito.UserVerificationConfig{
			EmailStyle: awscognito.VerificationEmailStyle_CODE,
		},
		// A changed email takes effect only once verified, so nobody signs in with an address
		// they do not own.
		KeepOriginal: &awscognito.KeepOriginalAttrs{Email: jsii.Bool(true)},
		StandardAttributes: &awscognito.StandardAttributes{
			Email: &awscognito.StandardAttribute{Required: jsii.Bool(true), Mutable: jsii.Bool(true)},
		},
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength:            jsii.Number(12),
			RequireLowercase:     jsii.Bool(true),
			RequireUppercase:     jsii.Bool(true),
			RequireDigits:        jsii.Bool(true),
			RequireSymbols:       jsii.Bool(true),
			TempPasswordValidity: awscdk.Duration_Days(jsii.Number(3)),
		},
		AccountRecovery: awscognito.AccountRecovery_EMAIL_ONLY,
		// Users may add an authenticator app; SMS costs money per message and is phishable.
		Mfa:             awscognito.Mfa_OPTIONAL,
		MfaSecondFactor: &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)},
		FeaturePlan:     awscognito.FeaturePlan_ESSENTIALS,
		// Outside dev the pool holds real customers: it survives the stack and cannot be deleted
		// by accident.
		DeletionProtection: jsii.Bool(!dev),
		RemovalPolicy:      removal,
	})
	cdknag.NagSuppressions_AddResourceSuppressions(pool, &[]*cdknag.NagPackSuppression{
		{
			Id: jsii.String("AwsSolutions-COG2"),
			Reason: jsii.String("MFA is optional (authenticator app), not required: a shop's customers " +
				"sign up themselves and a mandatory second factor at checkout loses them. Require it " +
				"for the admin group's users by policy."),
		},
		{
			Id: jsii.String("AwsSolutions-COG8"),
			Reason: jsii.String("The Plus feature plan (threat protection) is billed per monthly active " +
				"user; a reference shop stays on Essentials. Turn it on before taking real traffic."),
		},
	}, nil)

	group := awscognito.NewUserPoolGroup(c, jsii.String("AdminGroup"), &awscognito.UserPoolGroupProps{
		UserPool:    pool,
		GroupName:   jsii.String(AdminGroup),
		Description: jsii.String("Shop administrators: may call the Admin routes (catalog writes, ...)"),
	})

	client := pool.AddClient(jsii.String("WebClient"), &awscognito.UserPoolClientOptions{
		UserPoolClientName: jsii.String("microshop-web"),
		// A public client (browser, CLI): it cannot keep a secret, so it has none.
		GenerateSecret: jsii.Bool(false),
		// CDK adds ALLOW_REFRESH_TOKEN_AUTH to these.
		AuthFlows: &awscognito.AuthFlow{UserPassword: jsii.Bool(true), UserSrp: jsii.Bool(true)},
		OAuth: &awscognito.OAuthSettings{
			// The code flow; a public client proves itself with PKCE (code_challenge S256).
			Flows: &awscognito.OAuthFlows{AuthorizationCodeGrant: jsii.Bool(true)},
			Scopes: &[]awscognito.OAuthScope{
				awscognito.OAuthScope_OPENID(), awscognito.OAuthScope_EMAIL(), awscognito.OAuthScope_PROFILE(),
			},
			CallbackUrls: jsii.Strings(p.CallbackURLs...),
			LogoutUrls:   jsii.Strings(p.LogoutURLs...),
		},
		SupportedIdentityProviders: &[]awscognito.UserPoolClientIdentityProvider{
			awscognito.UserPoolClientIdentityProvider_COGNITO(),
		},
		PreventUserExistenceErrors: jsii.Bool(true),
		EnableTokenRevocation:      jsii.Bool(true),
		AccessTokenValidity:        awscdk.Duration_Hours(jsii.Number(1)),
		IdTokenValidity:            awscdk.Duration_Hours(jsii.Number(1)),
		RefreshTokenValidity:       awscdk.Duration_Days(jsii.Number(30)),
	})

	stack := awscdk.Stack_Of(c)
	issuer := jsii.String("https://cognito-idp." + *stack.Region() + ".amazonaws.com/" + *pool.UserPoolId())
	authorizer := awsapigatewayv2authorizers.NewHttpJwtAuthorizer(jsii.String("CognitoAuthorizer"), issuer,
		&awsapigatewayv2authorizers.HttpJwtAuthorizerProps{
			AuthorizerName: jsii.String("cognito"),
			JwtAudience:    jsii.Strings(*client.UserPoolClientId()),
		})

	return &Auth{
		Construct: c, UserPool: pool, Client: client, AdminGroup: group,
		IssuerURL: issuer, Authorizer: authorizer,
	}
}
