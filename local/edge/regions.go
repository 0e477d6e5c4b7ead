package edge

import (
	"net/http"
	"regexp"
	"strings"
	"sync"
)

// Regions. AWS keeps every region's resources apart: a table or queue made in eu-west-1 is
// not seen from us-east-1, and its ARN names its region. The edge reads the region a
// request was signed for from its SigV4 credential scope (RegionOf) and, for a region other
// than the home one (the template's), serves it from that region's own service set, made on
// the region's first request by the function given to HandleRegions. Services the set leaves
// out (Lambda, Cognito, SES, STS, ...) are served by their one handler for every region.

// RegionOf is the region of the request's SigV4 credential scope, from the Authorization
// header or a presigned URL's X-Amz-Credential; "" when the request is not signed or the
// scope is malformed.
func RegionOf(r *http.Request) string {
	cred := ""
	if _, c, ok := strings.Cut(r.Header.Get("Authorization"), "Credential="); ok {
		cred, _, _ = strings.Cut(c, ",")
	} else {
		cred = r.URL.Query().Get("X-Amz-Credential")
	}
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if len(parts) != 5 || !regionRE.MatchString(parts[2]) {
		return ""
	}
	return parts[2]
}

// regionRE is the shape of a region name (us-east-1, eu-central-2, us-gov-west-1, and
// names such as "local" that DynamoDB Local users sign with).
var regionRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,49}$`)

// ServiceSet makes the handlers, by service name (DynamoDB, SQS, ...), that serve one
// region's own resources. It is called once per region, on the region's first request; an
// error answers that request (and the region's later ones, which retry) with a 500.
type ServiceSet func(region string) (map[string]http.Handler, error)

// regions are the per-region service sets.
type regions struct {
	home   string
	newSet ServiceSet

	mu   sync.Mutex
	sets map[string]map[string]http.Handler
}

// HandleRegions serves requests signed for any region other than home from that region's
// service set, made by newSet. Requests for home, and unsigned requests, keep the handlers
// registered with Handle.
func (e *Edge) HandleRegions(home string, newSet ServiceSet) {
	e.regions.Store(&regions{home: home, newSet: newSet, sets: map[string]map[string]http.Handler{}})
}

// handler is the handler for service svc in the request's region, nil when there is none.
func (e *Edge) handler(rt *routes, svc string, r *http.Request) http.Handler {
	home := rt.services[svc]
	reg := e.regions.Load()
	if reg == nil || home == nil {
		return home
	}
	region := RegionOf(r)
	if region == "" || region == reg.home {
		return home
	}
	set, err := reg.set(region)
	if err != nil {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusInternalServerError, map[string]string{
				"__type":  "InternalFailure",
				"message": "the local runtime could not start region " + region + ": " + err.Error(),
			})
		})
	}
	if h := set[svc]; h != nil {
		return h
	}
	return home
}

// set returns the region's service set, making it on first use. Making a set is quick
// (in-memory services), so it runs under the lock: concurrent first requests of a region
// get the same set.
func (reg *regions) set(region string) (map[string]http.Handler, error) {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	if set, ok := reg.sets[region]; ok {
		return set, nil
	}
	set, err := reg.newSet(region)
	if err != nil {
		return nil, err
	}
	reg.sets[region] = set
	return set, nil
}
