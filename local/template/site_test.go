package template

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const siteFixture = "../runtime/testdata/site/Site.template.json"

// A bucket deployment's sources are found through the cloud assembly's asset manifest, in
// order, with their marker configuration; the API's CORS configuration is modelled with the
// distribution's domain resolved.
func TestSitesAndCORS(t *testing.T) {
	m, err := Load(siteFixture, Options{DistributionDomain: "127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(siteFixture)
	want := []*Site{{
		LogicalID: "SiteDeploymentCustomResource1A2B3C4D",
		Bucket:    "sitebucket397a1860",
		Sources: []*SiteSource{
			{ObjectKey: "0a1b2c3d.zip", Path: filepath.Join(dir, "asset.0a1b2c3d")},
			{ObjectKey: "9f8e7d6c.zip", Path: filepath.Join(dir, "asset.9f8e7d6c"), JSONEscape: true},
		},
		Distribution: "SiteDistribution3A4B5C6D",
		Headers: map[string]string{
			"Content-Security-Policy":   "default-src 'self'; connect-src 'self' https://*.execute-api.us-east-1.amazonaws.com https://cognito-idp.us-east-1.amazonaws.com; frame-ancestors 'none'",
			"X-Content-Type-Options":    "nosniff",
			"X-Frame-Options":           "DENY",
			"Referrer-Policy":           "strict-origin-when-cross-origin",
			"Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
			"Permissions-Policy":        "camera=()",
		},
	}}
	if diff := cmp.Diff(want, m.Sites); diff != "" {
		t.Errorf("Sites (-want +got):\n%s", diff)
	}
	wantCORS := &CORS{
		AllowOrigins: []string{"https://127.0.0.1:8080"},
		AllowMethods: []string{"GET", "POST", "PUT", "DELETE"},
		AllowHeaders: []string{"authorization", "content-type"},
		MaxAge:       600,
	}
	if diff := cmp.Diff(wantCORS, m.APIs[0].CORS); diff != "" {
		t.Errorf("CORS (-want +got):\n%s", diff)
	}

	// Without a local domain a distribution has a CloudFront-shaped one.
	m2, err := Load(siteFixture, Options{})
	if err != nil {
		t.Fatal(err)
	}
	d, _ := m2.GetAtt("SiteDistribution3A4B5C6D", "DomainName")
	if got := m2.APIs[0].CORS.AllowOrigins[0]; got != "https://"+d || len(d) != len("d111111abcdef8.cloudfront.net") {
		t.Errorf("AllowOrigins[0] = %q, DomainName %q", got, d)
	}
}

// SiteFiles merges the sources in order and replaces the markers with their values, mapped
// by local and JSON-escaped where the source asks for it, as the deployment's handler does.
func TestSiteFiles(t *testing.T) {
	m, err := Load(siteFixture, Options{APIEndpoint: func(string) string { return "http://127.0.0.1:3000" }})
	if err != nil {
		t.Fatal(err)
	}
	local := func(text string) string { return strings.ReplaceAll(text, "https://cognito-idp.", "LOCAL:") }
	files, err := m.SiteFiles(m.Sites[0], local)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range files {
		keys = append(keys, k)
	}
	if diff := cmp.Diff([]string{"app.js", "config.json", "img/logo.svg", "index.html"}, keys, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	want := `{"apiUrl":"http://127.0.0.1:3000","region":"us-east-1","userPoolId":"us-east-1_` // the pool ID follows
	if got := string(files["config.json"]); len(got) < len(want) || got[:len(want)] != want {
		t.Errorf("config.json = %s\nwant prefix %s", got, want)
	}
	if got := string(files["config.json"]); !strings.Contains(got, `"cognitoEndpoint":"LOCAL:us-east-1.amazonaws.com/"`) {
		t.Errorf("config.json = %s: no resolved cognito endpoint", got)
	}
}

// A source the assembly does not hold (an asset of another assembly, a bucket outside it)
// cannot be served: SiteFiles says so, Load does not fail for it.
func TestSiteSourceOutsideTheAssembly(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(siteFixture)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := filepath.Join(dir, "Site.template.json")
	if err := os.WriteFile(tmpl, data, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Load(tmpl, Options{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if _, err := m.SiteFiles(m.Sites[0], nil); !errors.Is(err, ErrUnsupported) {
		t.Errorf("SiteFiles = %v, want ErrUnsupported", err)
	}
}

// Marker values are JSON-escaped when the source's SourceMarkersConfig says jsonEscape (as
// Source.jsonData sets it), and inserted as they are otherwise.
func TestSiteMarkersJSONEscape(t *testing.T) {
	for _, escape := range []bool{true, false} {
		dir := t.TempDir()
		write := func(name, data string) {
			t.Helper()
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		write("asset.a/config.json", `{"greeting":"<<marker:0xbaba:0>>"}`)
		write("T.assets.json", `{"files":{"a":{"source":{"path":"asset.a","packaging":"zip"},"destinations":{"d":{"objectKey":"a.zip"}}}}}`)
		write("T.template.json", fmt.Sprintf(`{"Parameters":{"Greeting":{"Type":"String","Default":"x"}},"Resources":{"Deploy":{
			"Type":"Custom::CDKBucketDeployment","Properties":{"SourceObjectKeys":["a.zip"],"DestinationBucketName":"b",
			"SourceMarkers":[{"<<marker:0xbaba:0>>":{"Ref":"Greeting"}}],"SourceMarkersConfig":[{"jsonEscape":%v}]}}}}`, escape))
		m, err := Load(filepath.Join(dir, "T.template.json"), Options{Parameters: map[string]string{"Greeting": `say "hi"`}})
		if err != nil {
			t.Fatal(err)
		}
		files, err := m.SiteFiles(m.Sites[0], nil)
		if err != nil {
			t.Fatal(err)
		}
		want := `{"greeting":"say "hi""}`
		if escape {
			want = `{"greeting":"say \"hi\""}`
		}
		if got := string(files["config.json"]); got != want {
			t.Errorf("jsonEscape %v: config.json = %s, want %s", escape, got, want)
		}
	}
}
