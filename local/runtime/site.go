package runtime

import (
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"strings"

	"github.com/microshop/microshop/local/site"
	"github.com/microshop/microshop/local/template"
)

// The web site. On AWS a bucket deployment copies the site's asset (and a config.json made
// with Source.jsonData, whose values are deploy-time tokens) into a private bucket that a
// CloudFront distribution serves. Locally the site listener stands in for the distribution:
//
//   - every distribution's Fn::GetAtt DomainName is the listener's host:port, so what the
//     template derives from it resolves to the local site; in particular an HTTP API whose
//     CORS AllowOrigins lists "https://" + DomainName allows "http://" + host:port, the
//     local site's origin (the distribution serves HTTPS, the local site plain HTTP), and
//     no other origin the template does not list;
//   - the distribution's response headers (CSP, HSTS, ...) are sent with every file, their
//     AWS endpoints made local too (a CSP's https://*.execute-api.<region>.amazonaws.com
//     becomes the local APIs' URLs), so a CSP mistake fails locally as well;
//   - the deployment's markers resolve against the local stack (an HTTP API's ApiEndpoint is
//     its local URL, the pool and client IDs are the local ones) and any AWS endpoint URL
//     among them becomes its local counterpart (localEndpoint): the Cognito endpoint
//     https://cognito-idp.<region>.amazonaws.com/ becomes the edge port.

// startSite serves the first bucket deployment's files on ln.
func (rt *Runtime) startSite(ln net.Listener, logw io.Writer) error {
	if len(rt.model.Sites) == 0 {
		fmt.Fprintf(logw, "devcloud: the template deploys no web site (no %s): not serving one\n", template.BucketDeploymentType)
		return ln.Close()
	}
	s := rt.model.Sites[0]
	files, err := rt.model.SiteFiles(s, rt.localEndpoints)
	if err != nil {
		return fmt.Errorf("site: %w", err)
	}
	headers := map[string]string{}
	for k, v := range s.Headers {
		headers[k] = rt.localEndpoints(v)
	}
	rt.siteURL = "http://" + ln.Addr().String()
	rt.serve(ln, site.New(files, site.Options{Headers: headers}))
	return nil
}

// localCORS returns api with the local site's origin allowed wherever its distribution's
// origin is (see the comment above); api itself is left alone when there is nothing to map.
func localCORS(api *template.HTTPAPI, siteLn net.Listener) *template.HTTPAPI {
	if api.CORS == nil || siteLn == nil {
		return api
	}
	host := siteLn.Addr().String()
	c := *api.CORS
	c.AllowOrigins = nil
	for _, o := range api.CORS.AllowOrigins {
		if strings.EqualFold(o, "https://"+host) {
			o = "http://" + host
		}
		c.AllowOrigins = append(c.AllowOrigins, o)
	}
	a := *api
	a.CORS = &c
	return &a
}

// awsURL matches an AWS endpoint URL in a deployed file.
var awsURL = regexp.MustCompile(`https://[A-Za-z0-9.*-]+\.amazonaws\.com(/[^"'\s<>;\\]*)?`)

// localEndpoints replaces every AWS endpoint URL in text by localEndpoint's answer.
func (rt *Runtime) localEndpoints(text string) string {
	return awsURL.ReplaceAllStringFunc(text, rt.localEndpoint)
}

// edgeServices are the AWS services whose regional endpoints the edge port serves.
var edgeServices = map[string]bool{
	"cognito-idp": true, "dynamodb": true, "streams.dynamodb": true,
	"sqs": true, "events": true, "lambda": true,
}

// localEndpoint maps an AWS endpoint URL to the local one: an HTTP API's invoke URL
// (https://<api id>.execute-api.<region>.amazonaws.com/...) to the local API's, and the
// regional endpoint of a service the edge serves (https://cognito-idp.<region>.amazonaws.com/)
// to the edge port, keeping the path. Any other value is returned as it is.
func (rt *Runtime) localEndpoint(v string) string {
	u, err := url.Parse(v)
	if err != nil || u.Scheme != "https" || u.User != nil {
		return v
	}
	suffix := "." + rt.model.Region + ".amazonaws.com"
	host, ok := strings.CutSuffix(u.Host, suffix)
	if !ok {
		return v
	}
	base := ""
	if host == "*.execute-api" { // a CSP source: every local API
		return strings.Join(rt.apiURLs, " ")
	}
	if id, ok := strings.CutSuffix(host, ".execute-api"); ok {
		for i, api := range rt.model.APIs {
			if api.ID == id && i < len(rt.apiURLs) {
				base = rt.apiURLs[i]
			}
		}
	} else if edgeServices[host] {
		base = rt.edgeURL
	}
	if base == "" {
		return v
	}
	if u.RawQuery != "" {
		return base + u.EscapedPath() + "?" + u.RawQuery
	}
	return base + u.EscapedPath()
}
