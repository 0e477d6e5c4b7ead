package infra_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/infra"
)

// siteDir is the storefront's files, seen from this package.
var siteDir = filepath.Join(repoRoot, infra.DefaultSiteDir)

// render writes a property with its intrinsics as text, for comparing composed strings:
// Fn::Join is joined, {"Ref": X} is "{X}" and {"Fn::GetAtt": [X, A]} is "{X.A}".
func render(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		if r, ok := v["Ref"].(string); ok {
			return "{" + r + "}"
		}
		if ga, ok := v["Fn::GetAtt"].([]any); ok && len(ga) == 2 {
			return fmt.Sprintf("{%s.%s}", ga[0], ga[1])
		}
		if j, ok := v["Fn::Join"].([]any); ok && len(j) == 2 {
			var parts []string
			for _, p := range j[1].([]any) {
				parts = append(parts, render(p))
			}
			return strings.Join(parts, j[0].(string))
		}
	}
	return fmt.Sprintf("%v", v)
}

// one returns the only resource of type typ.
func one(t *testing.T, doc template, typ string) (string, map[string]any) {
	t.Helper()
	ids := doc.ofType(typ)
	if len(ids) != 1 {
		t.Fatalf("%d resources of type %s, want 1", len(ids), typ)
	}
	return ids[0], doc.Resources[ids[0]].Properties
}

// siteBucket is the bucket the distribution's origin reads.
func siteBucket(t *testing.T, doc template) string {
	t.Helper()
	_, d := one(t, doc, "AWS::CloudFront::Distribution")
	origins := d["DistributionConfig"].(map[string]any)["Origins"].([]any)
	if len(origins) != 1 {
		t.Fatalf("%d origins, want 1", len(origins))
	}
	return getAtt(t, origins[0].(map[string]any)["DomainName"])
}

// The site's bucket is private (public access blocked, no website hosting), encrypted,
// reachable over TLS only, logs its accesses, and lets only the distribution read it.
func TestSiteBucket(t *testing.T) {
	_, _, doc := synth(t)
	bucketID := siteBucket(t, doc)
	b := doc.Resources[bucketID].Properties
	want := map[string]any{
		"PublicAccessBlockConfiguration": map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
		"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{
			map[string]any{"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"}},
		}},
		"WebsiteConfiguration": nil,
		"LoggingDestination":   true,
	}
	got := map[string]any{
		"PublicAccessBlockConfiguration": b["PublicAccessBlockConfiguration"],
		"BucketEncryption":               b["BucketEncryption"],
		"WebsiteConfiguration":           b["WebsiteConfiguration"],
		"LoggingDestination":             ref(b["LoggingConfiguration"].(map[string]any)["DestinationBucketName"]) != "",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("site bucket (-want +got):\n%s", diff)
	}

	var sslDenied, cloudFrontRead bool
	for _, id := range doc.ofType("AWS::S3::BucketPolicy") {
		p := doc.Resources[id].Properties
		if ref(p["Bucket"]) != bucketID {
			continue
		}
		for _, st := range p["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			st := st.(map[string]any)
			cond := render(st["Condition"])
			if st["Effect"] == "Deny" && strings.Contains(cond, "aws:SecureTransport:false") {
				sslDenied = true
			}
			principal := fmt.Sprint(st["Principal"])
			if st["Effect"] == "Allow" && st["Action"] == "s3:GetObject" && strings.Contains(principal, "cloudfront.amazonaws.com") &&
				strings.Contains(fmt.Sprint(st["Condition"]), "AWS:SourceArn") {
				cloudFrontRead = true
			}
		}
	}
	if !sslDenied || !cloudFrontRead {
		t.Errorf("bucket policy: denies non-TLS %v, lets the distribution (by SourceArn) GetObject %v; want both", sslDenied, cloudFrontRead)
	}
}

// The distribution reads the bucket through origin access control, redirects HTTP to
// HTTPS, answers / with index.html, routes extensionless paths to index.html with its
// viewer-request function, adds the security headers and logs.
func TestSiteDistribution(t *testing.T) {
	_, _, doc := synth(t)
	_, d := one(t, doc, "AWS::CloudFront::Distribution")
	cfg := d["DistributionConfig"].(map[string]any)
	behavior := cfg["DefaultCacheBehavior"].(map[string]any)
	origin := cfg["Origins"].([]any)[0].(map[string]any)
	oacID, oac := one(t, doc, "AWS::CloudFront::OriginAccessControl")
	fnID, fn := one(t, doc, "AWS::CloudFront::Function")
	rhpID, _ := one(t, doc, "AWS::CloudFront::ResponseHeadersPolicy")

	assocs := behavior["FunctionAssociations"].([]any)
	got := map[string]any{
		"DefaultRootObject":     cfg["DefaultRootObject"],
		"ViewerProtocolPolicy":  behavior["ViewerProtocolPolicy"],
		"AllowedMethods":        behavior["AllowedMethods"],
		"OriginAccessControl":   getAtt(t, origin["OriginAccessControlId"]),
		"OriginAccessIdentity":  origin["S3OriginConfig"].(map[string]any)["OriginAccessIdentity"],
		"OAC":                   oac["OriginAccessControlConfig"].(map[string]any)["SigningBehavior"],
		"OACType":               oac["OriginAccessControlConfig"].(map[string]any)["OriginAccessControlOriginType"],
		"ResponseHeadersPolicy": ref(behavior["ResponseHeadersPolicyId"]),
		"Function":              len(assocs) == 1 && assocs[0].(map[string]any)["EventType"] == "viewer-request" && getAtt(t, assocs[0].(map[string]any)["FunctionARN"]) == fnID,
		"FunctionCode":          fn["FunctionCode"],
		"Logging":               cfg["Logging"] != nil,
	}
	want := map[string]any{
		"DefaultRootObject":     "index.html",
		"ViewerProtocolPolicy":  "redirect-to-https",
		"AllowedMethods":        []any{"GET", "HEAD"},
		"OriginAccessControl":   oacID,
		"OriginAccessIdentity":  "",
		"OAC":                   "always",
		"OACType":               "s3",
		"ResponseHeadersPolicy": rhpID,
		"Function":              true,
		"FunctionCode":          infra.SPAFunctionCode,
		"Logging":               true,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("distribution (-want +got):\n%s", diff)
	}
}

// The response headers policy sets the security headers, and the CSP lets the page load
// only its own files and connect only to itself, the region's API Gateway and Cognito.
func TestSiteSecurityHeaders(t *testing.T) {
	_, _, doc := synth(t)
	_, p := one(t, doc, "AWS::CloudFront::ResponseHeadersPolicy")
	sec := p["ResponseHeadersPolicyConfig"].(map[string]any)["SecurityHeadersConfig"].(map[string]any)
	csp := render(sec["ContentSecurityPolicy"].(map[string]any)["ContentSecurityPolicy"])
	wantCSP := "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
		"connect-src 'self' https://*.execute-api.{AWS::Region}.{AWS::URLSuffix} https://cognito-idp.{AWS::Region}.{AWS::URLSuffix}; " +
		"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
	if csp != wantCSP {
		t.Errorf("CSP =\n%s\nwant\n%s", csp, wantCSP)
	}
	got := map[string]any{
		"HSTS":         sec["StrictTransportSecurity"],
		"NoSniff":      sec["ContentTypeOptions"],
		"Frame":        sec["FrameOptions"],
		"Referrer":     sec["ReferrerPolicy"],
		"CSP override": sec["ContentSecurityPolicy"].(map[string]any)["Override"],
	}
	want := map[string]any{
		"HSTS":         map[string]any{"AccessControlMaxAgeSec": float64(730 * 24 * 3600), "IncludeSubdomains": true, "Preload": true, "Override": true},
		"NoSniff":      map[string]any{"Override": true},
		"Frame":        map[string]any{"FrameOption": "DENY", "Override": true},
		"Referrer":     map[string]any{"ReferrerPolicy": "strict-origin-when-cross-origin", "Override": true},
		"CSP override": true,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("security headers (-want +got):\n%s", diff)
	}
}

// The HTTP API allows the site's origin and no other, with the methods and headers the
// storefront sends.
func TestSiteCORS(t *testing.T) {
	_, _, doc := synth(t)
	distID, _ := one(t, doc, "AWS::CloudFront::Distribution")
	_, api := one(t, doc, "AWS::ApiGatewayV2::Api")
	c := api["CorsConfiguration"].(map[string]any)
	var origins []string
	for _, o := range c["AllowOrigins"].([]any) {
		origins = append(origins, render(o))
	}
	got := map[string]any{
		"AllowOrigins": origins, "AllowMethods": c["AllowMethods"], "AllowHeaders": c["AllowHeaders"],
		"ExposeHeaders": c["ExposeHeaders"], "MaxAge": c["MaxAge"], "AllowCredentials": c["AllowCredentials"],
	}
	want := map[string]any{
		"AllowOrigins":     []string{"https://{" + distID + ".DomainName}"},
		"AllowMethods":     []any{"GET", "POST", "PUT", "DELETE"},
		"AllowHeaders":     []any{"authorization", "content-type", "idempotency-key", "if-match"},
		"ExposeHeaders":    []any{"etag", "location"},
		"MaxAge":           float64(3600),
		"AllowCredentials": nil,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CORS (-want +got):\n%s", diff)
	}
}

// The deployment copies the site into the bucket, writes config.json from deploy-time values
// and invalidates the distribution.
func TestSiteDeployment(t *testing.T) {
	_, _, doc := synth(t)
	_, dep := one(t, doc, "Custom::CDKBucketDeployment")
	distID, _ := one(t, doc, "AWS::CloudFront::Distribution")
	apiID, _ := one(t, doc, "AWS::ApiGatewayV2::Api")
	pool, _ := one(t, doc, "AWS::Cognito::UserPool")
	client, _ := one(t, doc, "AWS::Cognito::UserPoolClient")
	markers := dep["SourceMarkers"].([]any)
	var values []string
	for _, v := range markers[len(markers)-1].(map[string]any) {
		values = append(values, render(v))
	}
	slices.Sort(values)
	// CDK splits "https://cognito-idp." + region + "." + suffix + "/" into one marker per token.
	want := []string{
		"{AWS::Region}", "{AWS::Region}", "{AWS::URLSuffix}",
		"{" + apiID + ".ApiEndpoint}",
		"{" + client + "}",
		"{" + pool + "}",
	}
	slices.Sort(want)
	got := map[string]any{
		"Bucket":        ref(dep["DestinationBucketName"]) == siteBucket(t, doc),
		"Sources":       len(dep["SourceObjectKeys"].([]any)),
		"Distribution":  ref(dep["DistributionId"]) == distID,
		"Paths":         dep["DistributionPaths"],
		"Prune":         dep["Prune"],
		"config values": values,
	}
	if diff := cmp.Diff(map[string]any{
		"Bucket": true, "Sources": 2, "Distribution": true, "Paths": []any{"/*"}, "Prune": true, "config values": want,
	}, got); diff != "" {
		t.Errorf("deployment (-want +got):\n%s", diff)
	}
}
