package apigw

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/microshop/microshop/local/lambdahost"
	"github.com/microshop/microshop/local/template"
)

// maxBodyBytes is API Gateway's payload limit for HTTP APIs (10 MB).
const maxBodyBytes = 10 << 20

// Options configure a Server. Every field is optional.
type Options struct {
	// Stage is the stage served; default "$default". Any other stage is the first path
	// segment of every request (/dev/products), as on AWS.
	Stage string
	// StageVariables are sent as the event's stageVariables (omitted when empty).
	StageVariables map[string]string
	// Region and AccountID go into the event; defaults "us-east-1" and "123456789012".
	Region    string
	AccountID string
	// Log receives one line per request and the configuration warnings; nil discards them.
	Log io.Writer
	// Now is the clock for requestContext.time and timeEpoch; default time.Now.
	Now func() time.Time
	// RequestID makes API Gateway request IDs; default: random IDs shaped like AWS's.
	RequestID func() string
	// Authorizer, when set, is asked about every request to a route whose AuthorizationType
	// is not NONE and that no Lambda authorizer of Authorizers guards, before the function
	// is invoked. Nil serves such routes as if NONE.
	Authorizer Authorizer
	// Authorizers are the template's HTTP API authorizers (those of other APIs are passed
	// over). The server runs the Lambda authorizers among them (AuthorizerType REQUEST) for
	// the routes whose AuthorizationType is CUSTOM, invoking their functions through the
	// same Invoker as the routes; see the package doc. When set, a CUSTOM route whose
	// authorizer is not one of them answers 500.
	Authorizers []*template.Authorizer
}

// Authorizer decides whether a request may reach a protected route (JWT, Lambda or IAM
// authorization). It is the seam for the JWT authorizer; none is built in yet.
type Authorizer interface {
	// Authorize is called with the selected route and the request (whose body has already
	// been read). It returns what the event carries as requestContext.authorizer (nil for
	// none), or an error: ErrUnauthorized answers 401, ErrForbidden 403 (both may be
	// wrapped), anything else 500.
	Authorize(ctx context.Context, route *template.Route, r *http.Request) (*events.APIGatewayV2HTTPRequestContextAuthorizerDescription, error)
}

// Server serves one HTTP API. It is safe for concurrent use.
type Server struct {
	api    *template.HTTPAPI
	inv    lambdahost.Invoker
	opts   Options
	routes table
	errs   []error
	cors   *cors // nil without a CorsConfiguration

	log    accessLog
	warned sync.Map // function name -> struct{}: multiValueHeaders warning given
}

// New compiles api's route table. functions maps a route's Function (a logical ID) to the
// function name given to inv. New never fails: a route it cannot serve (a malformed key, an
// unknown function, a payload format other than 1.0 and 2.0) is reported in the log and by Err, and requests that
// select it get a 500 rather than silently reaching another route.
func New(api *template.HTTPAPI, functions map[string]string, inv lambdahost.Invoker, opts Options) *Server {
	if api == nil {
		api = &template.HTTPAPI{}
	}
	if opts.Stage == "" {
		opts.Stage = "$default"
	}
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
	if opts.RequestID == nil {
		opts.RequestID = newRequestID
	}
	s := &Server{api: api, inv: inv, opts: opts, log: accessLog{w: opts.Log}}
	if api.CORS != nil {
		s.cors = &cors{cfg: api.CORS}
	}

	lambdas := map[string]*httpLambdaAuthorizer{}
	for _, a := range opts.Authorizers {
		if a.Type != "REQUEST" || (a.APIID != "" && a.APIID != api.ID) {
			continue
		}
		la := newHTTPLambdaAuthorizer(a, functions)
		if la.broken != nil {
			s.errs = append(s.errs, la.broken)
		}
		lambdas[a.LogicalID] = la
	}

	var unenforced []string
	for _, src := range api.Routes {
		rt := &route{key: src.Key, src: src, timeout: src.IntegrationTimeout}
		if rt.key == "" {
			rt.key = src.Method + " " + src.Path
		}
		if rt.timeout <= 0 {
			rt.timeout = defaultIntegrationTimeout
		}
		rt.auth = src.AuthorizationType != "" && src.AuthorizationType != "NONE"
		if name, ok := functions[src.Function]; ok && src.Function != "" {
			rt.function = name
		} else if src.Function == "" {
			rt.broken = fmt.Errorf("route %q: no Lambda proxy integration (only those are served locally)", rt.key)
		} else {
			rt.broken = fmt.Errorf("route %q: integration target %q is not a known function", rt.key, src.Function)
		}
		if v := src.PayloadFormatVersion; v != "" && v != "2.0" && v != "1.0" {
			rt.broken = fmt.Errorf("route %q: payload format version %s is not supported (1.0 or 2.0)", rt.key, v)
		}
		if src.AuthorizationType == "CUSTOM" {
			rt.lambdaAuth = lambdas[src.AuthorizerID]
			if rt.lambdaAuth == nil && opts.Authorizers != nil && rt.broken == nil {
				rt.broken = fmt.Errorf("route %q: authorizer %q is not a Lambda authorizer of this API", rt.key, src.AuthorizerID)
			}
		}
		if err := s.routes.add(rt); err != nil {
			s.errs = append(s.errs, err)
			continue
		}
		if rt.broken != nil {
			s.errs = append(s.errs, rt.broken)
		}
		if rt.auth && rt.lambdaAuth == nil && opts.Authorizer == nil {
			unenforced = append(unenforced, fmt.Sprintf("%q (%s)", rt.key, src.AuthorizationType))
		}
	}
	for _, err := range s.errs {
		s.log.printf("apigw: %s: %v\n", api.LogicalID, err)
	}
	if len(unenforced) > 0 {
		s.log.printf("apigw: %s: authorization is not enforced locally yet for %s\n", api.LogicalID, strings.Join(unenforced, ", "))
	}
	return s
}

// Err reports the routes New could not set up, or nil when every route is served.
func (s *Server) Err() error { return errors.Join(s.errs...) }

// outcome is what the log line says about one request.
type outcome struct {
	status int
	route  *route
	result *lambdahost.Result
	err    error
}

// ServeHTTP serves one request as API Gateway would.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	began := time.Now()
	id := s.opts.RequestID()
	w.Header().Set("Apigw-Requestid", id)
	if s.cors != nil {
		if isPreflight(r) {
			s.cors.preflight(w, r)
			s.log.request(r, outcome{status: http.StatusNoContent}, time.Since(began))
			return
		}
		w = s.cors.wrap(w, r)
	}
	out := s.serve(w, r, id)
	s.log.request(r, out, time.Since(began))
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, id string) (out outcome) {
	fail := func(err error) outcome {
		out.err = err
		out.status = writeError(w, err)
		return out
	}
	rawPath := r.URL.Path
	if rawPath == "" {
		rawPath = "/"
	}
	path, ok := s.stripStage(rawPath)
	if !ok || path[0] != '/' { // "OPTIONS *" and other non-path targets
		return fail(errNoRoute)
	}
	rt, params := s.routes.match(r.Method, path)
	if rt == nil {
		return fail(errNoRoute)
	}
	out.route = rt
	if rt.broken != nil {
		return fail(rt.broken)
	}
	body, err := readBody(r)
	if err != nil {
		return fail(err)
	}
	in := &incoming{
		r: r, rawPath: rawPath, route: rt, params: params, body: body,
		requestID: id, now: s.opts.Now(),
	}
	if rt.lambdaAuth != nil && r.Header.Get("X-Amzn-Trace-Id") == "" {
		// One trace ID in the authorizer's event and the route's, as on AWS.
		r.Header.Set("X-Amzn-Trace-Id", traceID(in.now))
	}
	v1 := rt.src.PayloadFormatVersion == "1.0"
	var ev *event // the payload format 2.0 event, built once for the route and its authorizer
	if !v1 || rt.lambdaAuth != nil {
		ev = s.buildEvent(in)
	}
	if rt.auth {
		switch {
		case rt.lambdaAuth != nil:
			in.authorizer, err = rt.lambdaAuth.authorize(r.Context(), s, in, ev, path)
		case s.opts.Authorizer != nil:
			in.authorizer, err = s.opts.Authorizer.Authorize(r.Context(), rt.src, r)
		}
		if err != nil {
			return fail(fmt.Errorf("authorizer: %w", err))
		}
	}
	var payload []byte
	if v1 {
		payload, err = marshalNoEscape(s.buildEventV1(in))
	} else {
		ev.RequestContext.Authorizer = in.authorizer
		payload, err = ev.marshal()
	}
	if err != nil {
		return fail(fmt.Errorf("encode event: %w", err))
	}
	res, err := s.invoke(r.Context(), rt, payload)
	out.result = res
	if err != nil {
		return fail(err)
	}
	var resp *response
	if v1 {
		// HTTP APIs decode every isBase64Encoded body: any media type is binary.
		resp, err = parseRestResponse(res.Payload, r, []string{"*/*"})
	} else {
		resp, err = parseResponse(res.Payload)
	}
	if err != nil {
		return fail(err)
	}
	if resp.multiValueHeaders {
		if _, warned := s.warned.LoadOrStore(rt.function, struct{}{}); !warned {
			s.log.printf("apigw: %s returned multiValueHeaders, which payload format 2.0 ignores: use headers (values joined with \",\") or cookies\n", rt.function)
		}
	}
	resp.write(w)
	out.status = resp.status
	return out
}

// stripStage removes a named stage's path segment; ok is false when the path is not under it.
func (s *Server) stripStage(path string) (string, bool) {
	if s.opts.Stage == "$default" {
		return path, true
	}
	prefix := "/" + s.opts.Stage
	switch {
	case path == prefix:
		return "/", true
	case strings.HasPrefix(path, prefix+"/"):
		return path[len(prefix):], true
	}
	return "", false
}

// readBody reads the whole body, refusing more than API Gateway accepts.
func readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength > maxBodyBytes {
		return nil, errTooLarge
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	if len(body) > maxBodyBytes {
		return nil, errTooLarge
	}
	return body, nil
}

// invoke calls the route's function and waits at most the integration timeout. API Gateway
// stops waiting then, whether or not the function is still running; the invocation's context
// ends too, and what that does to a running function is the Invoker's business. A client
// that goes away does not cancel the invocation, as on AWS.
func (s *Server) invoke(ctx context.Context, rt *route, payload []byte) (*lambdahost.Result, error) {
	return invokeRoute(ctx, s.inv, rt, payload)
}

// invokeRoute is Server.invoke for any invoker: the REST API server and its authorizers
// use it too.
func invokeRoute(ctx context.Context, inv lambdahost.Invoker, rt *route, payload []byte) (*lambdahost.Result, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rt.timeout)
	defer cancel()
	type reply struct {
		res *lambdahost.Result
		err error
	}
	done := make(chan reply, 1)
	go func() {
		res, err := inv.Invoke(ctx, rt.function, payload)
		done <- reply{res, err}
	}()
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("%w (%v)", errIntegrationTimeout, rt.timeout)
	case rep := <-done:
		switch {
		case rep.err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
			return nil, fmt.Errorf("%w (%v): %v", errIntegrationTimeout, rt.timeout, rep.err)
		case rep.err != nil:
			return nil, fmt.Errorf("invoke %s: %w", rt.function, rep.err)
		case rep.res == nil:
			return nil, fmt.Errorf("invoke %s: no result", rt.function)
		case rep.res.Error != nil:
			return rep.res, fmt.Errorf("%w: %v", errFunction, rep.res.Error)
		}
		return rep.res, nil
	}
}
