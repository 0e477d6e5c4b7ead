package infra

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// DefaultSiteDir is the storefront's files (plain HTML, CSS and ES modules, index.html at
// its root), relative to the repository root where cdk.json runs the app.
const DefaultSiteDir = "web/site"

// SiteConfigKey is the object the deployment writes next to the site's files: the settings
// the browser app reads at start (see SiteConfig).
const SiteConfigKey = "config.json"

// SPAFunctionCode is the distribution's viewer-request function: a path whose last segment
// has no file extension is a client-side route, answered with /index.html. The local runtime
// serves the same rule (local/site).
const SPAFunctionCode = `function handler(event) {
  var request = event.request;
  var last = request.uri.substring(request.uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}
`

// CORS of the HTTP API for the storefront: the methods and headers its routes use.
var (
	SiteCORSMethods = []awsapigatewayv2.CorsHttpMethod{
		awsapigatewayv2.CorsHttpMethod_GET, awsapigatewayv2.CorsHttpMethod_POST,
		awsapigatewayv2.CorsHttpMethod_PUT, awsapigatewayv2.CorsHttpMethod_DELETE,
	}
	SiteCORSHeaders       = []string{"authorization", "content-type", "idempotency-key", "if-match"}
	SiteCORSExposeHeaders = []string{"etag", "location"}
)

// SiteCORSMaxAge is how long browsers may cache a preflight's answer, in seconds.
const SiteCORSMaxAge = 3600

// SiteProps configures a Site.
type SiteProps struct {
	// Dir holds the site's files; DefaultSiteDir unless given.
	Dir string
	// API is the HTTP API the site calls: its CORS configuration is set to allow the site's
	// origin only, and its endpoint goes into config.json and the CSP.
	API *HTTPAPI
	// Auth is the user pool the site signs in to with its public client.
	Auth *Auth
	// LogRetention is the retention of the deployment handler's log group (the stage's);
	// DefaultLogRetention unless given.
	LogRetention awslogs.RetentionDays
}

// Site is the storefront: a private S3 bucket behind a CloudFront distribution with origin
// access control, filled from Dir by a bucket deployment that also writes config.json.
type Site struct {
	constructs.Construct
	Bucket       awss3.Bucket
	Logs         awss3.Bucket
	Distribution awscloudfront.Distribution
	Headers      awscloudfront.ResponseHeadersPolicy
	Deployment   awss3deployment.BucketDeployment
	// Origin is the site's origin, https://<distribution domain>.
	Origin *string
}

// NewSite defines the Site and allows its origin in the API's CORS configuration.
func NewSite(scope constructs.Construct, id string, props *SiteProps) *Site {
	p := *props
	if p.Dir == "" {
		p.Dir = DefaultSiteDir
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	stack := awscdk.Stack_Of(scope)

	logs := awss3.NewBucket(c, jsii.String("Logs"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		// CloudFront's standard logs are written with ACLs.
		ObjectOwnership: awss3.ObjectOwnership_OBJECT_WRITER,
		LifecycleRules:  &[]*awss3.LifecycleRule{{Expiration: awscdk.Duration_Days(jsii.Number(90))}},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(logs, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-S1"),
		Reason: jsii.String("This is the access log bucket of the site's bucket and distribution; logging it into itself would loop."),
	}}, jsii.Bool(true))

	bucket := awss3.NewBucket(c, jsii.String("Bucket"), &awss3.BucketProps{
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:             jsii.Bool(true),
		Encryption:             awss3.BucketEncryption_S3_MANAGED,
		ServerAccessLogsBucket: logs,
		ServerAccessLogsPrefix: jsii.String("bucket/"),
	})

	cognito := jsii.String("https://cognito-idp." + *stack.Region() + "." + *stack.UrlSuffix())
	csp := strings.Join([]string{
		"default-src 'self'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self' data:",
		"font-src 'self'",
		// The API's own hostname would make the distribution depend on the API, whose CORS
		// configuration depends on the distribution: a cycle. Its regional execute-api
		// domain is the narrowest name available at deploy time (docs/decisions.md).
		"connect-src 'self' https://*.execute-api." + *stack.Region() + "." + *stack.UrlSuffix() + " " + *cognito,
		"object-src 'none'",
		"base-uri 'self'",
		"form-action 'self'",
		"frame-ancestors 'none'",
	}, "; ")
	headers := awscloudfront.NewResponseHeadersPolicy(c, jsii.String("Headers"), &awscloudfront.ResponseHeadersPolicyProps{
		Comment: jsii.String("Microshop storefront: security headers and CSP"),
		SecurityHeadersBehavior: &awscloudfront.ResponseSecurityHeadersBehavior{
			ContentSecurityPolicy: &awscloudfront.ResponseHeadersContentSecurityPolicy{
				ContentSecurityPolicy: jsii.String(csp), Override: jsii.Bool(true),
			},
			StrictTransportSecurity: &awscloudfront.ResponseHeadersStrictTransportSecurity{
				AccessControlMaxAge: awscdk.Duration_Days(jsii.Number(730)),
				IncludeSubdomains:   jsii.Bool(true), Preload: jsii.Bool(true), Override: jsii.Bool(true),
			},
			ContentTypeOptions: &awscloudfront.ResponseHeadersContentTypeOptions{Override: jsii.Bool(true)},
			FrameOptions: &awscloudfront.ResponseHeadersFrameOptions{
				FrameOption: awscloudfront.HeadersFrameOption_DENY, Override: jsii.Bool(true),
			},
			ReferrerPolicy: &awscloudfront.ResponseHeadersReferrerPolicy{
				ReferrerPolicy: awscloudfront.HeadersReferrerPolicy_STRICT_ORIGIN_WHEN_CROSS_ORIGIN, Override: jsii.Bool(true),
			},
		},
		CustomHeadersBehavior: &awscloudfront.ResponseCustomHeadersBehavior{
			CustomHeaders: &[]*awscloudfront.ResponseCustomHeader{{
				Header: jsii.String("Permissions-Policy"), Value: jsii.String("camera=(), microphone=(), geolocation=(), payment=()"),
				Override: jsii.Bool(true),
			}},
		},
	})

	spa := awscloudfront.NewFunction(c, jsii.String("SpaRoutes"), &awscloudfront.FunctionProps{
		Code:    awscloudfront.FunctionCode_FromInline(jsii.String(SPAFunctionCode)),
		Runtime: awscloudfront.FunctionRuntime_JS_2_0(),
		Comment: jsii.String("Client-side routes (no file extension) are answered with /index.html"),
	})
	dist := awscloudfront.NewDistribution(c, jsii.String("Distribution"), &awscloudfront.DistributionProps{
		Comment:           jsii.String("Microshop storefront"),
		DefaultRootObject: jsii.String("index.html"),
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin:                awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(bucket, nil),
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_GET_HEAD(),
			CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
			ResponseHeadersPolicy: headers,
			FunctionAssociations: &[]*awscloudfront.FunctionAssociation{{
				Function: spa, EventType: awscloudfront.FunctionEventType_VIEWER_REQUEST,
			}},
		},
		HttpVersion:   awscloudfront.HttpVersion_HTTP2_AND_3,
		PriceClass:    awscloudfront.PriceClass_PRICE_CLASS_100,
		EnableLogging: jsii.Bool(true),
		LogBucket:     logs,
		LogFilePrefix: jsii.String("cloudfront/"),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(dist, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-CFR1"), Reason: jsii.String("The shop sells worldwide: no geo restriction.")},
		{Id: jsii.String("AwsSolutions-CFR2"), Reason: jsii.String("Static files only, no origin logic to protect; the API has its own stage throttling. Attach a WAF web ACL per deployment if wanted.")},
		{Id: jsii.String("AwsSolutions-CFR4"), Reason: jsii.String("The distribution uses the default *.cloudfront.net certificate, for which CloudFront fixes the viewer TLS policy; a custom domain with an ACM certificate would set TLSv1.2_2021.")},
	}, jsii.Bool(true))

	origin := jsii.String("https://" + *dist.DistributionDomainName())
	cfnAPI := props.API.API.Node().DefaultChild().(awsapigatewayv2.CfnApi)
	methods := make([]*string, len(SiteCORSMethods))
	for i, m := range SiteCORSMethods {
		methods[i] = jsii.String(string(m))
	}
	cfnAPI.SetCorsConfiguration(&awsapigatewayv2.CfnApi_CorsProperty{
		AllowOrigins:  &[]*string{origin},
		AllowMethods:  &methods,
		AllowHeaders:  jsii.Strings(SiteCORSHeaders...),
		ExposeHeaders: jsii.Strings(SiteCORSExposeHeaders...),
		MaxAge:        jsii.Number(SiteCORSMaxAge),
	})

	logRetention := p.LogRetention
	if logRetention == "" {
		logRetention = DefaultLogRetention
	}
	deployment := awss3deployment.NewBucketDeployment(c, jsii.String("Deployment"), &awss3deployment.BucketDeploymentProps{
		DestinationBucket: bucket,
		Sources: &[]awss3deployment.ISource{
			awss3deployment.Source_Asset(jsii.String(p.Dir), nil),
			awss3deployment.Source_JsonData(jsii.String(SiteConfigKey), SiteConfig(stack, p.API, p.Auth), &awss3deployment.JsonProcessingOptions{Escape: jsii.Bool(true)}),
		},
		Distribution:      dist,
		DistributionPaths: jsii.Strings("/*"),
		Prune:             jsii.Bool(true),
		MemoryLimit:       jsii.Number(256),
		LogGroup: awslogs.NewLogGroup(c, jsii.String("DeploymentLogs"), &awslogs.LogGroupProps{
			Retention:     logRetention,
			RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		}),
	})
	for _, child := range *stack.Node().Children() {
		if strings.HasPrefix(*child.Node().Id(), "Custom::CDKBucketDeployment") {
			cdknag.NagSuppressions_AddResourceSuppressions(child, &[]*cdknag.NagPackSuppression{
				{Id: jsii.String("AwsSolutions-IAM4"), Reason: jsii.String("CDK's bucket deployment handler (runs at deploy time only) uses AWSLambdaBasicExecutionRole for its logs.")},
				{Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String("CDK's bucket deployment handler reads the CDK asset bucket's objects and writes every key of the site bucket (sync with prune), and invalidates the distribution."),
					AppliesTo: &deploymentWildcards},
				{Id: jsii.String("AwsSolutions-L1"), Reason: jsii.String("CDK pins the bucket deployment handler's Python runtime to the AWS CLI layer it ships with.")},
				{Id: jsii.String("Serverless-LambdaLatestVersion"), Reason: jsii.String("CDK pins the bucket deployment handler's Python runtime to the AWS CLI layer it ships with.")},
				{Id: jsii.String("Serverless-LambdaDLQ"), Reason: jsii.String("CDK's bucket deployment handler is invoked synchronously by CloudFormation at deploy time, which reports its failure and rolls back: there is no asynchronous event to keep.")},
				{Id: jsii.String("Serverless-LambdaTracing"), Reason: jsii.String("CDK's bucket deployment handler runs only during cdk deploy; its result and logs are in CloudFormation's events and its log group.")},
			}, jsii.Bool(true))
			exemptDeploymentHandler(child)
		}
	}
	return &Site{Construct: c, Bucket: bucket, Logs: logs, Distribution: dist, Headers: headers, Deployment: deployment, Origin: origin}
}

// SiteConfig is what config.json holds: the API's URL, the region, the user pool and its
// public client, and the Cognito endpoint the browser signs in against. The local runtime
// resolves the same values to the local API and the edge port.
func SiteConfig(stack awscdk.Stack, api *HTTPAPI, auth *Auth) map[string]any {
	return map[string]any{
		"apiUrl":           api.API.ApiEndpoint(),
		"region":           stack.Region(),
		"userPoolId":       auth.UserPool.UserPoolId(),
		"userPoolClientId": auth.Client.UserPoolClientId(),
		"cognitoEndpoint":  "https://cognito-idp." + *stack.Region() + "." + *stack.UrlSuffix() + "/",
	}
}

// deploymentWildcards are the wildcard findings (cdk-nag AwsSolutions-IAM5) of the policy CDK
// writes for its bucket deployment handler: the S3 action groups it syncs with, the objects of
// the CDK asset bucket and of the site bucket, and CloudFront's invalidation actions, which it
// grants on "*".
var deploymentWildcards = []any{
	"Action::s3:GetBucket*", "Action::s3:GetObject*", "Action::s3:List*", "Action::s3:Abort*", "Action::s3:DeleteObject*",
	&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:<AWS::Partition>:s3:::cdk-[a-z0-9]+-assets-<AWS::AccountId>-<AWS::Region>\/\*$/g`)},
	&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::<SiteBucket[0-9A-F]+\.Arn>\/\*$/g`)},
	"Resource::*",
}

// exemptDeploymentHandler excuses CDK's bucket deployment handler (a construct CDK writes and
// runs only during cdk deploy) from the project's policy rules it cannot meet.
func exemptDeploymentHandler(handler constructs.IConstruct) {
	for _, c := range *handler.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		switch r := c.(type) {
		case awslambda.CfnFunction:
			ExemptFromPolicy(r, PolicyRuleRuntime, "CDK's bucket deployment handler: CDK chooses its Python runtime and architecture (the AWS CLI layer it ships)")
			ExemptFromPolicy(r, PolicyRuleTracing, "CDK's bucket deployment handler runs only during cdk deploy; CloudFormation's events and its log group record it")
		case awsiam.CfnPolicy:
			for _, a := range []string{"cloudfront:CreateInvalidation", "cloudfront:GetInvalidation"} {
				ExemptFromPolicy(r, PolicyRuleWildcard+":"+a, "CDK's bucket deployment handler grants "+a+" on * itself; it invalidates only the site's distribution, and only at deploy time")
			}
		}
	}
}
