package infra

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/microshop/microshop/shared/money"
)

// EventBusName is the name of the shop's one custom EventBridge bus in DevStage (elsewhere
// "microshop-<stage>", see StageSettings.PhysicalName); functions get it in EVENT_BUS_NAME, and
// a developer taps it with `aws events put-rule --event-bus-name microshop`.
const EventBusName = "microshop"

// PlatformProps configures the Platform.
type PlatformProps struct {
	// AssetRoot holds one <name>/bootstrap per function.
	AssetRoot string
	// Stage is DevStage unless given (see StageSettingsFor and AuthProps.Stage).
	Stage string
	// Currency is the ISO 4217 code the shop sells in, a stage setting; default
	// money.DefaultShopCurrency. Every function gets it in money.ShopCurrencyEnv.
	Currency string
	// CallbackURLs and LogoutURLs are the app client's OAuth redirect URLs (see AuthProps).
	CallbackURLs []string
	LogoutURLs   []string
}

// Platform is what every service is built on: the HTTP API (with the JWT authorizer), the
// identity, the event bus, where the functions' binaries are, and the stage.
type Platform struct {
	API       *HTTPAPI
	Auth      *Auth
	Bus       awsevents.EventBus
	AssetRoot string
	Stage     string
	// Settings are the stage's settings (removal, retention, throttling, alarms).
	Settings StageSettings
	// Currency is the shop's currency code, e.g. "USD".
	Currency string
}

// NewPlatform defines the Platform in scope (the stack), with the construct IDs "Auth", "Api"
// and "EventBus".
func NewPlatform(scope constructs.Construct, props *PlatformProps) *Platform {
	p := *props
	if p.Stage == "" {
		p.Stage = DevStage
	}
	if p.Currency == "" {
		p.Currency = money.DefaultShopCurrency
	}
	if _, err := money.ParseCurrency(p.Currency); err != nil {
		panic(fmt.Errorf("infra: currency: %w", err))
	}
	settings, err := StageSettingsFor(p.Stage)
	if err != nil {
		panic(fmt.Errorf("infra: %w", err))
	}
	auth := NewAuth(scope, "Auth", &AuthProps{
		Stage: p.Stage, CallbackURLs: p.CallbackURLs, LogoutURLs: p.LogoutURLs,
	})
	api := NewHTTPAPI(scope, "Api", &HTTPAPIProps{
		Authorizer:      auth.Authorizer,
		RateLimit:       settings.RateLimit,
		BurstLimit:      settings.BurstLimit,
		WriteRateLimit:  settings.WriteRateLimit,
		WriteBurstLimit: settings.WriteBurstLimit,
		LogRetention:    settings.LogRetention,
		RemovalPolicy:   settings.RemovalPolicy,
	})
	bus := awsevents.NewEventBus(scope, jsii.String("EventBus"), &awsevents.EventBusProps{
		EventBusName: jsii.String(settings.PhysicalName(EventBusName)),
		Description:  jsii.String("Microshop's business events (events/ holds their contracts)"),
	})
	return &Platform{API: api, Auth: auth, Bus: bus, AssetRoot: p.AssetRoot, Stage: p.Stage, Settings: settings, Currency: p.Currency}
}
