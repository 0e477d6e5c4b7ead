package infra

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/microshop/microshop/shared/spec"
)

// Default throttling of the API's stage; the account-level default (10,000 rps) is far more
// than a reference shop should let one caller spend.
const (
	DefaultRateLimit  = 100 // steady-state requests per second
	DefaultBurstLimit = 200
)

// Access says who may call a route; it is spec.Access, kept here so infra's callers need not
// import shared/spec for it.
type Access = spec.Access

// The access levels, as in shared/spec.
const (
	Public   = spec.Public
	Customer = spec.Customer
	Admin    = spec.Admin
)

// HTTPAPIProps configures an HTTPAPI. Zero values take the defaults.
type HTTPAPIProps struct {
	// Name of the API; defaults to the stack's name.
	Name string
	// RateLimit and BurstLimit throttle every route of the default stage (its default route
	// settings); WriteRateLimit and WriteBurstLimit throttle each route that is not a GET (its
	// own route settings). The write limits default to the read limits.
	RateLimit       float64
	BurstLimit      float64
	WriteRateLimit  float64
	WriteBurstLimit float64
	// LogRetention of the access log; defaults to DefaultLogRetention.
	LogRetention awslogs.RetentionDays
	// RemovalPolicy of the access log group; defaults to DESTROY.
	RemovalPolicy awscdk.RemovalPolicy
	// Authorizer checks the token of every route that is not Public (the Cognito JWT
	// authorizer, see Auth). Without one, AddRoute refuses non-public routes.
	Authorizer awsapigatewayv2.IHttpRouteAuthorizer
}

// HTTPAPI is the shop's one API Gateway HTTP API: a `$default` stage with throttling and JSON
// access logs. Services add their routes with AddRoute.
type HTTPAPI struct {
	constructs.Construct
	API        awsapigatewayv2.HttpApi
	Stage      awsapigatewayv2.HttpStage
	AccessLogs awslogs.LogGroup
	// Authorizer is attached to every route whose access is not Public.
	Authorizer awsapigatewayv2.IHttpRouteAuthorizer
	// Routes are the routes added so far, in order.
	Routes []spec.Route

	props HTTPAPIProps
}

// NewHTTPAPI defines an HTTPAPI.
func NewHTTPAPI(scope constructs.Construct, id string, props *HTTPAPIProps) *HTTPAPI {
	p := HTTPAPIProps{}
	if props != nil {
		p = *props
	}
	if p.Name == "" {
		p.Name = *awscdk.Stack_Of(scope).StackName()
	}
	if p.RateLimit == 0 {
		p.RateLimit = DefaultRateLimit
	}
	if p.BurstLimit == 0 {
		p.BurstLimit = DefaultBurstLimit
	}
	if p.WriteRateLimit == 0 {
		p.WriteRateLimit = p.RateLimit
	}
	if p.WriteBurstLimit == 0 {
		p.WriteBurstLimit = p.BurstLimit
	}
	if p.LogRetention == "" {
		p.LogRetention = DefaultLogRetention
	}
	if p.RemovalPolicy == "" {
		p.RemovalPolicy = awscdk.RemovalPolicy_DESTROY
	}

	c := constructs.NewConstruct(scope, jsii.String(id))
	api := awsapigatewayv2.NewHttpApi(c, jsii.String("Default"), &awsapigatewayv2.HttpApiProps{
		ApiName: jsii.String(p.Name),
		// The stage is defined below: the default one cannot take throttling or access logs.
		CreateDefaultStage: jsii.Bool(false),
	})
	logs := awslogs.NewLogGroup(c, jsii.String("AccessLogs"), &awslogs.LogGroupProps{
		Retention:     p.LogRetention,
		RemovalPolicy: p.RemovalPolicy,
	})
	stage := awsapigatewayv2.NewHttpStage(c, jsii.String("DefaultStage"), &awsapigatewayv2.HttpStageProps{
		HttpApi:    api,
		StageName:  jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		Throttle: &awsapigatewayv2.ThrottleSettings{
			RateLimit:  jsii.Number(p.RateLimit),
			BurstLimit: jsii.Number(p.BurstLimit),
		},
		// Per-route metrics (the dashboard's errors per route): billed only for routes
		// that receive requests.
		DetailedMetricsEnabled: jsii.Bool(true),
		AccessLogSettings: &accessLogSettings{
			destination: awsapigatewayv2.NewLogGroupLogDestination(logs),
			format:      awsapigateway.AccessLogFormat_Custom(jsii.String(AccessLogFormat)),
		},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(stage, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("Serverless-APIGWXrayEnabled"),
		Reason: jsii.String("HTTP APIs have no X-Ray tracing (only REST APIs do); every function " +
			"behind this stage traces with X-Ray active tracing instead."),
	}}, nil)
	return &HTTPAPI{Construct: c, API: api, Stage: stage, AccessLogs: logs, Authorizer: p.Authorizer, props: p}
}

// URL is the invoke URL of the default stage, ending in "/".
func (a *HTTPAPI) URL() *string { return a.Stage.Url() }

// AddRoute defines route r in scope (the owning service's construct), served by handler
// through a Lambda proxy integration, payload format 2.0.
//
// The authorizer follows r.Access: a Public route has none; Customer and Admin routes get the
// JWT authorizer, which lets through any valid token of the pool's client. For an Admin route
// the handler itself requires the `admin` group (shared/httpapi.RequireGroup): an HTTP API JWT
// authorizer can demand scopes but not group membership, so the group check lives with the code
// that owns the route.
func (a *HTTPAPI) AddRoute(scope constructs.Construct, id string, r spec.Route, handler awslambda.IFunction) awsapigatewayv2.HttpRoute {
	integration := awsapigatewayv2integrations.NewHttpLambdaIntegration(
		jsii.String("Integration"), handler, &awsapigatewayv2integrations.HttpLambdaIntegrationProps{
			PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_2_0(),
		})
	props := &awsapigatewayv2.HttpRouteProps{
		HttpApi:     a.API,
		RouteKey:    awsapigatewayv2.HttpRouteKey_With(jsii.String(r.Path), awsapigatewayv2.HttpMethod(r.Method)),
		Integration: integration,
	}
	if r.Access != Public {
		if a.Authorizer == nil {
			panic(fmt.Errorf("infra: route %s is for %s callers, but the API has no authorizer", r.Key(), r.Access))
		}
		props.Authorizer = a.Authorizer
	}
	route := awsapigatewayv2.NewHttpRoute(scope, jsii.String(id), props)
	a.throttle(r, route)
	a.Routes = append(a.Routes, r)
	if r.Access == Public {
		cdknag.NagSuppressions_AddResourceSuppressions(route, &[]*cdknag.NagPackSuppression{{
			Id:     jsii.String("AwsSolutions-APIG4"),
			Reason: jsii.String("Public by design: " + r.Key() + " serves data anyone may read."),
		}}, nil)
	}
	return route
}

// throttle gives route r its own throttling in the stage's RouteSettings: the write limits for
// every route that is not a GET, the default limits otherwise (explicit, so each route's limit
// is in the template). API Gateway refuses route settings of a route that does not exist yet,
// so the stage depends on the route.
func (a *HTTPAPI) throttle(r spec.Route, route awsapigatewayv2.HttpRoute) {
	rate, burst := a.props.RateLimit, a.props.BurstLimit
	if r.Method != "GET" {
		rate, burst = a.props.WriteRateLimit, a.props.WriteBurstLimit
	}
	// The route key has no ".", which would split the override's path.
	a.Stage.Node().DefaultChild().(awsapigatewayv2.CfnStage).AddPropertyOverride(
		jsii.String("RouteSettings."+r.Key()), map[string]any{
			"ThrottlingRateLimit":    rate,
			"ThrottlingBurstLimit":   burst,
			"DetailedMetricsEnabled": true,
		})
	a.Stage.Node().AddDependency(route)
}

// AccessLogFormat is the stage's access log line: one JSON object per request, with the
// $context variables of HTTP APIs. integrationRequestId is the Lambda request ID, which joins
// a request to its function's log lines.
var AccessLogFormat = jsonObject(
	"requestId", "$context.requestId",
	"requestTime", "$context.requestTime",
	"ip", "$context.identity.sourceIp",
	"userAgent", "$context.identity.userAgent",
	"httpMethod", "$context.httpMethod",
	"path", "$context.path",
	"routeKey", "$context.routeKey",
	"protocol", "$context.protocol",
	"status", "$context.status",
	"responseLength", "$context.responseLength",
	"responseLatency", "$context.responseLatency",
	"integrationRequestId", "$context.integration.requestId",
	"integrationStatus", "$context.integrationStatus",
	"integrationLatency", "$context.integrationLatency",
	"integrationError", "$context.integrationErrorMessage",
	"authorizerError", "$context.authorizer.error",
	"errorMessage", "$context.error.message",
)

// jsonObject renders key/value pairs as a JSON object of strings, in the given order (a Go
// map would sort them).
func jsonObject(kv ...string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(kv[i])
		v, _ := json.Marshal(kv[i+1])
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.String()
}

// accessLogSettings implements awsapigatewayv2.IAccessLogSettings, which jsii exposes as an
// interface rather than a struct. jsii needs a pointer to manage it.
type accessLogSettings struct {
	destination awsapigatewayv2.IAccessLogDestination
	format      awsapigateway.AccessLogFormat
}

func (s *accessLogSettings) Destination() awsapigatewayv2.IAccessLogDestination {
	return s.destination
}
func (s *accessLogSettings) Format() awsapigateway.AccessLogFormat { return s.format }
