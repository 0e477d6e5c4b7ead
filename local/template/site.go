package template

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// This file models what a static web site needs from a template: the S3 bucket deployments
// (CDK's BucketDeployment, a Custom::CDKBucketDeployment resource) whose sources are assets
// staged in the cloud assembly, the CloudFront distribution's domain name, and an HTTP API's
// CORS configuration.

// BucketDeploymentType is the resource type of CDK's BucketDeployment custom resource.
const BucketDeploymentType = "Custom::CDKBucketDeployment"

// CORS is an HTTP API's CorsConfiguration (AWS::ApiGatewayV2::Api Cors), as written.
type CORS struct {
	AllowOrigins     []string
	AllowMethods     []string
	AllowHeaders     []string
	ExposeHeaders    []string
	MaxAge           int // seconds; -1 when unset
	AllowCredentials bool
}

// Site is one bucket deployment: the files it copies into a bucket.
type Site struct {
	LogicalID string
	// Bucket is the destination bucket's local name (DestinationBucketName).
	Bucket string
	// KeyPrefix is DestinationBucketKeyPrefix ("" for the bucket's root).
	KeyPrefix string
	// Sources are the deployment's sources in order: a later source's file replaces an
	// earlier one's at the same key, as the deployment extracts them into one directory.
	Sources []*SiteSource
	// Distribution is the logical ID of the CloudFront distribution the deployment
	// invalidates (DistributionId), "" when none.
	Distribution string
	// Headers are the response headers the distribution's default behaviour adds (its
	// response headers policy's security and custom headers), resolved; nil when none.
	Headers map[string]string
}

// SiteSource is one source of a bucket deployment.
type SiteSource struct {
	// ObjectKey is the asset's object key (SourceObjectKeys).
	ObjectKey string
	// Path is the staged asset in the cloud assembly: a directory or a .zip file; "" when
	// the assembly has no such asset (SiteFiles then fails with ErrUnsupported).
	Path string
	// JSONEscape is SourceMarkersConfig's jsonEscape: marker values are JSON-escaped.
	JSONEscape bool
}

var distributionKind = kind{
	ref: func(_ *resolver, id, _ string) string { return distributionID(id) },
	attrs: map[string]attrFunc{
		"Id": constAttr(func(_ *resolver, id, _ string) string { return distributionID(id) }),
		"DomainName": constAttr(func(r *resolver, id, _ string) string {
			if r.distDomain != "" {
				return r.distDomain
			}
			return "d" + strings.ToLower(distributionID(id)[1:]) + ".cloudfront.net" // d111111abcdef8.cloudfront.net
		}),
	},
}

// distributionID is a distribution's local ID: "E" and 13 upper-case alphanumerics derived
// from its logical ID, shaped like CloudFront's.
func distributionID(logicalID string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	sum := sha256.Sum256([]byte("distribution/" + logicalID))
	id := []byte{'E'}
	for i := range 13 {
		id = append(id, alphabet[int(sum[i])%len(alphabet)])
	}
	return string(id)
}

// cors reads an API's CorsConfiguration; nil when absent.
func (r *resolver) cors(id string) (*CORS, error) {
	v, _, err := r.property(id, "CorsConfiguration")
	if err != nil || v == nil {
		return nil, err
	}
	c := &CORS{}
	for _, f := range []struct {
		dst  *[]string
		name string
	}{
		{&c.AllowOrigins, "AllowOrigins"}, {&c.AllowMethods, "AllowMethods"},
		{&c.AllowHeaders, "AllowHeaders"}, {&c.ExposeHeaders, "ExposeHeaders"},
	} {
		if *f.dst, err = r.propStrings(id, "CorsConfiguration", f.name); err != nil {
			return nil, err
		}
	}
	if c.MaxAge, err = r.propInt(id, -1, "CorsConfiguration", "MaxAge"); err != nil {
		return nil, err
	}
	if c.AllowCredentials, err = r.propBool(id, false, "CorsConfiguration", "AllowCredentials"); err != nil {
		return nil, err
	}
	return c, nil
}

// assetManifest is the part of a cloud assembly's <stack>.assets.json read here.
type assetManifest struct {
	Files map[string]struct {
		Source struct {
			Path      string `json:"path"`
			Packaging string `json:"packaging"`
		} `json:"source"`
		Destinations map[string]struct {
			ObjectKey string `json:"objectKey"`
		} `json:"destinations"`
	} `json:"files"`
}

// assetsByObjectKey maps every file asset's object key to its staged path, from all the
// asset manifests in the assembly directory.
func (r *resolver) assetsByObjectKey() (map[string]string, error) {
	out := map[string]string{}
	if r.assetDir == "" {
		return out, nil
	}
	manifests, err := filepath.Glob(filepath.Join(r.assetDir, "*.assets.json"))
	if err != nil {
		return nil, err
	}
	for _, file := range manifests {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("asset manifest: %w", err)
		}
		var m assetManifest
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, &Error{Path: filepath.Base(file), Err: fmt.Errorf("%w: asset manifest: %v", ErrInvalid, err)}
		}
		for _, a := range m.Files {
			p := a.Source.Path
			if !filepath.IsAbs(p) {
				p = filepath.Join(r.assetDir, p)
			}
			for _, d := range a.Destinations {
				out[d.ObjectKey] = p
			}
		}
	}
	return out, nil
}

// buildSites fills in m.Sites from the active bucket deployments.
func (m *Model) buildSites() error {
	r := m.res
	var assets map[string]string
	for _, id := range slices.Sorted(maps.Keys(r.resources)) {
		if r.resources[id].Type != BucketDeploymentType {
			continue
		}
		if on, err := r.active(id); err != nil || !on {
			if err != nil {
				return err
			}
			continue
		}
		if assets == nil {
			var err error
			if assets, err = r.assetsByObjectKey(); err != nil {
				return err
			}
		}
		s := &Site{LogicalID: id}
		var err error
		if s.Bucket, err = r.propString(id, "DestinationBucketName"); err != nil {
			return err
		}
		if s.KeyPrefix, err = r.propString(id, "DestinationBucketKeyPrefix"); err != nil {
			return err
		}
		keys, err := r.propStrings(id, "SourceObjectKeys")
		if err != nil {
			return err
		}
		for i, key := range keys {
			p := assets[key] // "" when not in the assembly: SiteFiles reports it
			escape, err := r.propBool(id, false, "SourceMarkersConfig", fmt.Sprint(i), "jsonEscape")
			if err != nil {
				return err
			}
			s.Sources = append(s.Sources, &SiteSource{ObjectKey: key, Path: p, JSONEscape: escape})
		}
		if ref, ok := r.resources[id].Properties["DistributionId"].(map[string]any); ok {
			s.Distribution, _ = ref["Ref"].(string)
		}
		if s.Distribution != "" {
			if s.Headers, err = r.distributionHeaders(s.Distribution); err != nil {
				return err
			}
		}
		m.Sites = append(m.Sites, s)
	}
	return nil
}

// distributionHeaders are the headers the response headers policy of distribution id's
// default cache behaviour adds, as CloudFront writes them.
func (r *resolver) distributionHeaders(id string) (map[string]string, error) {
	if res, ok := r.resources[id]; !ok || res.Type != "AWS::CloudFront::Distribution" {
		return nil, nil
	}
	v, _, err := r.property(id, "DistributionConfig", "DefaultCacheBehavior", "ResponseHeadersPolicyId")
	if err != nil || v == nil {
		return nil, err
	}
	raw, _ := r.resources[id].Properties["DistributionConfig"].(map[string]any)
	beh, _ := raw["DefaultCacheBehavior"].(map[string]any)
	ref, _ := beh["ResponseHeadersPolicyId"].(map[string]any)
	policy, _ := ref["Ref"].(string)
	if res, ok := r.resources[policy]; !ok || res.Type != "AWS::CloudFront::ResponseHeadersPolicy" {
		return nil, nil // a managed policy, by ID: its headers are not in the template
	}
	h := map[string]string{}
	sec := []string{"ResponseHeadersPolicyConfig", "SecurityHeadersConfig"}
	str := func(path ...string) (string, error) {
		return r.propString(policy, append(slices.Clone(sec), path...)...)
	}
	if csp, err := str("ContentSecurityPolicy", "ContentSecurityPolicy"); err != nil {
		return nil, err
	} else if csp != "" {
		h["Content-Security-Policy"] = csp
	}
	if v, _, _ := r.property(policy, append(slices.Clone(sec), "ContentTypeOptions")...); v != nil {
		h["X-Content-Type-Options"] = "nosniff"
	}
	if f, err := str("FrameOptions", "FrameOption"); err != nil {
		return nil, err
	} else if f != "" {
		h["X-Frame-Options"] = f
	}
	if rp, err := str("ReferrerPolicy", "ReferrerPolicy"); err != nil {
		return nil, err
	} else if rp != "" {
		h["Referrer-Policy"] = rp
	}
	if age, err := str("StrictTransportSecurity", "AccessControlMaxAgeSec"); err != nil {
		return nil, err
	} else if age != "" {
		hsts := "max-age=" + age
		if sub, _ := str("StrictTransportSecurity", "IncludeSubdomains"); sub == "true" {
			hsts += "; includeSubDomains"
		}
		if pre, _ := str("StrictTransportSecurity", "Preload"); pre == "true" {
			hsts += "; preload"
		}
		h["Strict-Transport-Security"] = hsts
	}
	var items []struct{ Header, Value string }
	if err := r.propDecode(&items, policy, "ResponseHeadersPolicyConfig", "CustomHeadersConfig", "Items"); err != nil {
		return nil, err
	}
	for _, it := range items {
		h[it.Header] = it.Value
	}
	return h, nil
}

// SiteFiles returns the objects deployment s writes into its bucket, by key (KeyPrefix
// included): every source's files in order, with the source's markers (SourceMarkers, such
// as the tokens of Source.jsonData) replaced by their values resolved now, as the
// deployment's handler does. Resolve late, once every endpoint the markers name is known.
// local, when not nil, maps the text of each file of a source with markers once they are
// replaced (the runtime turns AWS endpoints into local ones there: CDK splits a string such
// as "https://cognito-idp." + region + "." + suffix into several markers, so single values
// are not enough).
func (m *Model) SiteFiles(s *Site, local func(value string) string) (map[string][]byte, error) {
	r, err := m.resolver()
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for i, src := range s.Sources {
		if src.Path == "" {
			return nil, loc{s.LogicalID, fmt.Sprintf("Properties.SourceObjectKeys.%d", i)}.fail(ErrUnsupported,
				"source %s is not an asset of the cloud assembly in %s (only local assets are served)", src.ObjectKey, r.assetDir)
		}
		markers, err := m.siteMarkers(r, s.LogicalID, i, src.JSONEscape)
		if err != nil {
			return nil, err
		}
		err = readSource(src.Path, func(name string, data []byte) {
			if len(markers) == 0 {
				files[path.Join(s.KeyPrefix, name)] = data
				return
			}
			for _, k := range slices.Sorted(maps.Keys(markers)) {
				data = bytes.ReplaceAll(data, []byte(k), []byte(markers[k]))
			}
			if local != nil {
				data = []byte(local(string(data)))
			}
			files[path.Join(s.KeyPrefix, name)] = data
		})
		if err != nil {
			return nil, fmt.Errorf("site %s: source %s: %w", s.LogicalID, src.ObjectKey, err)
		}
	}
	return files, nil
}

// siteMarkers resolves SourceMarkers[i] of deployment id.
func (m *Model) siteMarkers(r *resolver, id string, i int, escape bool) (map[string]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, at, err := r.property(id, "SourceMarkers", fmt.Sprint(i))
	if err != nil || v == nil {
		return nil, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, at.fail(ErrInvalid, "want an object, got %s", describe(v))
	}
	out := map[string]string{}
	for k, e := range obj {
		s, ok := scalar(e)
		if !ok {
			return nil, at.key(k).fail(ErrInvalid, "want a string, got %s", describe(e))
		}
		if escape {
			b, _ := json.Marshal(s)
			s = string(b[1 : len(b)-1])
		}
		out[k] = s
	}
	return out, nil
}

// readSource calls f with every regular file of a staged asset (a directory or a .zip
// file), by slash-separated path relative to its root.
func readSource(p string, f func(name string, data []byte)) error {
	st, err := os.Stat(p)
	if err != nil {
		return err
	}
	if st.IsDir() {
		return filepath.WalkDir(p, func(file string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			data, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(p, file)
			f(filepath.ToSlash(rel), data)
			return nil
		})
	}
	zr, err := zip.OpenReader(p)
	if err != nil {
		return err
	}
	defer zr.Close()
	for _, zf := range zr.File {
		if zf.FileInfo().IsDir() {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return err
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return err
		}
		f(path.Clean(zf.Name), data)
	}
	return nil
}
