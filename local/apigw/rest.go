package apigw

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/microshop/microshop/local/lambdahost"
	"github.com/microshop/microshop/local/template"
)

// TokenVerifier checks that a token was signed by the local issuer and has not expired, and
// returns its claims (numbers as float64). *jwtauth.Issuer is one: the local Cognito user
// pools sign their tokens with it.
type TokenVerifier interface {
	Verify(token string) (map[string]any, error)
}

// RestOptions configure a RestServer. Every field is optional.
type RestOptions struct {
	// Region and AccountID go into the event and the authorizers' methodArn; defaults
	// "us-east-1" and "123456789012".
	Region    string
	AccountID string
	// Log receives one line per request and the configuration warnings; nil discards them.
	Log io.Writer
	// Now is the clock for requestContext.requestTime and the authorizer cache; default
	// time.Now.
	Now func() time.Time
	// Tokens verifies the tokens of COGNITO_USER_POOLS authorizers; nil answers their
	// methods with 500 and a line in the log.
	Tokens TokenVerifier
	// UsagePlans are the template's usage plans; those covering the API's stages hold the
	// keys its ApiKeyRequired methods take. Without any, such methods answer 403.
	UsagePlans []*template.UsagePlan
	// Usage counts the plans' throttles and quotas; nil gives the server a meter of its
	// own. Servers of APIs that share a plan should share one.
	Usage *UsageMeter
}

// REST API failures (see restStatus).
var (
	errMissingToken  = errors.New("missing authentication token")
	errNotAuthorized = errors.New("not authorized")
	errExplicitDeny  = errors.New("explicit deny")
	errAuthorizer    = errors.New("authorizer failed")
)

// RestServer serves one REST API (AWS::ApiGateway::RestApi) with payload format 1.0. It is
// safe for concurrent use. See the package doc, "REST APIs".
type RestServer struct {
	api       *template.RestAPI
	inv       lambdahost.Invoker
	opts      RestOptions
	functions map[string]string
	routes    table
	stages    map[string]*template.RestStage
	defStage  *template.RestStage
	auths     map[string]*restAuthorizer
	keys      restKeys
	usage     *UsageMeter
	errs      []error
	log       accessLog
}

// NewRest compiles api's methods. functions maps a function's logical ID to the name given
// to inv. Like New it never fails: methods it cannot serve (no Lambda proxy integration, an
// unknown function or authorizer) are reported in the log and by Err, and requests that
// select them get a 500.
func NewRest(api *template.RestAPI, functions map[string]string, inv lambdahost.Invoker, opts RestOptions) *RestServer {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "123456789012"
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Usage == nil {
		opts.Usage = NewUsageMeter()
	}
	s := &RestServer{api: api, inv: inv, opts: opts, log: accessLog{w: opts.Log}, functions: functions,
		stages: map[string]*template.RestStage{}, auths: map[string]*restAuthorizer{}, usage: opts.Usage}
	var keyErrs []error
	s.keys, keyErrs = newRestKeys(api, opts.UsagePlans)
	s.errs = append(s.errs, keyErrs...)
	for _, st := range api.Stages {
		s.stages[st.Name] = st
	}
	if len(api.Stages) > 0 {
		s.defStage = api.Stages[0]
	} else {
		s.defStage = &template.RestStage{Name: "Prod"} // chosen: what sam local names it
		s.errs = append(s.errs, fmt.Errorf("no stage or deployment with a StageName: serving as stage %q", s.defStage.Name))
	}
	for _, a := range api.Authorizers {
		s.auths[a.LogicalID] = newRestAuthorizer(a, functions)
	}
	var iam, keyed []string
	for _, m := range api.Methods {
		if m.APIKeyRequired {
			keyed = append(keyed, strconv.Quote(m.HTTPMethod+" "+m.Path))
		}
		rt := &route{
			key:     m.HTTPMethod + " " + m.Path,
			timeout: m.IntegrationTimeout,
			rest:    m,
			src:     &template.Route{LogicalID: m.LogicalID, Method: m.HTTPMethod, Path: m.Path},
		}
		if rt.timeout <= 0 {
			rt.timeout = 29 * time.Second
		}
		switch {
		case m.IntegrationType == "MOCK" && m.Mock != nil:
		case m.IntegrationType != "AWS_PROXY":
			rt.broken = fmt.Errorf("method %q: integration type %q is not served locally (only AWS_PROXY to a Lambda function, and MOCK, are)", rt.key, m.IntegrationType)
		case functions[m.Function] == "":
			rt.broken = fmt.Errorf("method %q: integration function %q is not run locally", rt.key, m.Function)
		default:
			rt.function = functions[m.Function]
		}
		switch m.AuthorizationType {
		case "NONE", "":
		case "AWS_IAM":
			iam = append(iam, strconv.Quote(rt.key))
		case "CUSTOM", "COGNITO_USER_POOLS":
			a := s.auths[m.AuthorizerID]
			switch {
			case a == nil:
				rt.broken = fmt.Errorf("method %q: authorizer %q is not in the template", rt.key, m.AuthorizerID)
			case a.broken != nil:
				rt.broken = fmt.Errorf("method %q: %w", rt.key, a.broken)
			case a.cfg.Type == "COGNITO_USER_POOLS" && opts.Tokens == nil:
				rt.broken = fmt.Errorf("method %q: no local token issuer for the Cognito authorizer %s", rt.key, a.cfg.LogicalID)
			}
		default:
			rt.broken = fmt.Errorf("method %q: authorization type %q is unknown", rt.key, m.AuthorizationType)
		}
		if err := s.routes.add(rt); err != nil {
			s.errs = append(s.errs, err)
			continue
		}
		if rt.broken != nil {
			s.errs = append(s.errs, rt.broken)
		}
	}
	for _, err := range s.errs {
		s.log.printf("apigw: %s: %v\n", api.LogicalID, err)
	}
	if len(keyed) > 0 && len(s.keys.byValue) == 0 {
		s.log.printf("apigw: %s: no usage plan with an API key covers this API: %s require an API key and answer 403\n", api.LogicalID, strings.Join(keyed, ", "))
	}
	if len(iam) > 0 {
		s.log.printf("apigw: %s: AWS_IAM authorization is not enforced locally (as sam local) for %s\n", api.LogicalID, strings.Join(iam, ", "))
	}
	return s
}

// Err reports what NewRest could not set up, or nil when every method is served.
func (s *RestServer) Err() error { return errors.Join(s.errs...) }

// Stage is the stage requests without a stage prefix are served as: the API's first.
func (s *RestServer) Stage() string { return s.defStage.Name }

// restRequest is one request being served.
type restRequest struct {
	r          *http.Request
	stage      *template.RestStage
	prefixed   bool   // the client's path started with the stage
	path       string // without the stage prefix
	route      *route
	params     map[string]string
	body       []byte
	requestID  string
	extendedID string
	now        time.Time
	authorizer map[string]any
	usageKey   string // the Lambda authorizer's usageIdentifierKey
}

// ServeHTTP serves one request as a REST API's stage would.
func (s *RestServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	began := time.Now()
	req := &restRequest{r: r, requestID: newUUID(), extendedID: newRequestID(), now: s.opts.Now()}
	w.Header().Set("X-Amzn-Requestid", req.requestID)
	w.Header().Set("X-Amz-Apigw-Id", req.extendedID)
	out := s.serve(w, req)
	s.log.request(r, out, time.Since(began))
}

func (s *RestServer) serve(w http.ResponseWriter, req *restRequest) (out outcome) {
	fail := func(err error) outcome {
		out.err = err
		out.status = writeRestError(w, err)
		return out
	}
	r := req.r
	if !s.selectRoute(req) {
		return fail(errMissingToken)
	}
	rt := req.route
	out.route = rt
	if rt.broken != nil {
		return fail(rt.broken)
	}
	body, err := readBody(r)
	if err != nil {
		return fail(err)
	}
	req.body = body
	ev := s.buildEvent(req)
	switch rt.rest.AuthorizationType {
	case "CUSTOM":
		if req.authorizer, err = s.auths[rt.rest.AuthorizerID].lambda(r.Context(), s, req, ev); err != nil {
			return fail(err)
		}
	case "COGNITO_USER_POOLS":
		if req.authorizer, err = s.auths[rt.rest.AuthorizerID].cognito(s.opts.Tokens, rt.rest, r); err != nil {
			return fail(err)
		}
	}
	if rt.rest.APIKeyRequired {
		// After the authorizer, as API Gateway does: with the AUTHORIZER key source the key
		// is the authorizer's usageIdentifierKey.
		value := r.Header.Get("X-Api-Key")
		if s.api.APIKeySource == "AUTHORIZER" {
			value = req.usageKey
		}
		key, err := s.checkAPIKey(req, value)
		if err != nil {
			return fail(err)
		}
		ev.RequestContext.Identity.APIKey, ev.RequestContext.Identity.APIKeyID = key.Value, key.ID
	}
	if mock := rt.rest.Mock; mock != nil {
		h := w.Header()
		for k, v := range mock.Headers {
			h.Set(k, v)
		}
		h.Set("Content-Type", "application/json")
		resp := &response{status: mock.StatusCode, header: h, body: []byte(mock.Body)}
		resp.write(w)
		out.status = mock.StatusCode
		return out
	}
	ev.RequestContext.Authorizer = req.authorizer
	payload, err := marshalNoEscape(ev)
	if err != nil {
		return fail(fmt.Errorf("encode event: %w", err))
	}
	res, err := invokeRoute(r.Context(), s.inv, rt, payload)
	out.result = res
	if err != nil {
		return fail(err)
	}
	resp, err := parseRestResponse(res.Payload, r, s.api.BinaryMediaTypes)
	if err != nil {
		return fail(err)
	}
	resp.write(w)
	out.status = resp.status
	return out
}

// selectRoute picks the stage and the method: a path whose first segment names a stage of
// the API is served as that stage without the segment; any other path (or one that matches
// no method once the stage is removed) is served as the first stage, as sam local does.
func (s *RestServer) selectRoute(req *restRequest) bool {
	path := req.r.URL.Path
	if path == "" {
		path = "/"
	}
	if path[0] != '/' {
		return false
	}
	first, rest, _ := strings.Cut(path[1:], "/")
	if st, ok := s.stages[first]; ok {
		if rt, params := s.routes.match(req.r.Method, "/"+rest); rt != nil {
			req.stage, req.prefixed, req.path, req.route, req.params = st, true, "/"+rest, rt, params
			return true
		}
	}
	rt, params := s.routes.match(req.r.Method, path)
	if rt == nil {
		return false
	}
	req.stage, req.path, req.route, req.params = s.defStage, path, rt, params
	return true
}

// restStatus is where a REST API failure becomes an HTTP status and API Gateway's body.
func restStatus(err error) (int, string) {
	switch {
	case errors.Is(err, errMissingToken):
		return http.StatusForbidden, `{"message":"Missing Authentication Token"}`
	case errors.Is(err, errTooLarge):
		return http.StatusRequestEntityTooLarge, `{"message":"Request Entity Too Large"}`
	case errors.Is(err, errIntegrationTimeout):
		return http.StatusGatewayTimeout, `{"message": "Endpoint request timed out"}`
	case errors.Is(err, ErrUnauthorized):
		return http.StatusUnauthorized, `{"message":"Unauthorized"}`
	case errors.Is(err, errExplicitDeny):
		return http.StatusForbidden, `{"Message":"User is not authorized to access this resource with an explicit deny"}`
	case errors.Is(err, errNotAuthorized):
		return http.StatusForbidden, `{"Message":"User is not authorized to access this resource"}`
	case errors.Is(err, errForbidden):
		return http.StatusForbidden, `{"message":"Forbidden"}`
	case errors.Is(err, errTooManyRequest):
		return http.StatusTooManyRequests, `{"message":"Too Many Requests"}`
	case errors.Is(err, errLimitExceeded):
		return http.StatusTooManyRequests, `{"message":"Limit Exceeded"}`
	case errors.Is(err, errAuthorizer):
		return http.StatusInternalServerError, `{"message": null}`
	case errors.Is(err, errFunction), errors.Is(err, errInvalidResponse):
		return http.StatusBadGateway, `{"message": "Internal server error"}`
	default:
		return http.StatusInternalServerError, `{"message": "Internal server error"}`
	}
}

func writeRestError(w http.ResponseWriter, err error) int {
	status, body := restStatus(err)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		h.Set("X-Amzn-Errortype", map[int]string{401: "UnauthorizedException", 403: "AccessDeniedException"}[status])
	}
	switch {
	case errors.Is(err, errMissingToken):
		h.Set("X-Amzn-Errortype", "MissingAuthenticationTokenException")
	case errors.Is(err, errForbidden):
		h.Set("X-Amzn-Errortype", "ForbiddenException")
	case errors.Is(err, errTooManyRequest):
		h.Set("X-Amzn-Errortype", "TooManyRequestsException")
	case errors.Is(err, errLimitExceeded):
		h.Set("X-Amzn-Errortype", "LimitExceededException")
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
	return status
}

// newUUID is a random version 4 UUID, the shape of a REST API's requestId.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
