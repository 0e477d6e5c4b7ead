package apigw

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// buildEvent makes the payload format 1.0 event (events.APIGatewayProxyRequest) for req;
// the authorizer's context is added by the caller.
func (s *RestServer) buildEvent(req *restRequest) *events.APIGatewayProxyRequest {
	ctxPath := req.path
	if req.prefixed {
		ctxPath = "/" + req.stage.Name + req.path
	}
	var vars map[string]string
	if len(req.stage.Variables) > 0 {
		vars = req.stage.Variables
	}
	m := req.route.rest
	return proxyEventV1(&v1Input{
		r: req.r, apiID: s.api.ID, region: s.opts.Region, accountID: s.opts.AccountID,
		resource: m.Path, resourceID: m.ResourceID, resourcePath: m.Path, operationName: m.OperationName,
		stage: req.stage.Name, stageVariables: vars, path: req.path, contextPath: ctxPath, params: req.params,
		body: req.body, base64: isBinary(req.r.Header.Get("Content-Type"), s.api.BinaryMediaTypes),
		requestID: req.requestID, extendedID: req.extendedID, now: req.now,
	})
}

// buildEventV1 makes the payload format 1.0 event of an HTTP API route: the REST API
// shape, with header names in lower case, the route's path as resource and resourcePath,
// the route key as resourceId, and the HTTP API's rule for base64 bodies.
func (s *Server) buildEventV1(in *incoming) *events.APIGatewayProxyRequest {
	resource := in.route.src.Path
	if resource == "" {
		resource = in.rawPath // the $default route (chosen)
	}
	ev := proxyEventV1(&v1Input{
		r: in.r, apiID: s.api.ID, region: s.opts.Region, accountID: s.opts.AccountID,
		resource: resource, resourceID: in.route.key, resourcePath: resource,
		stage: s.opts.Stage, stageVariables: s.opts.StageVariables, path: in.rawPath, contextPath: in.rawPath,
		params: in.params, body: in.body, base64: len(in.body) > 0 && !isTextBody(in.r.Header, in.body),
		requestID: in.requestID, extendedID: in.requestID, now: in.now, lowerHeaders: true,
	})
	if a := in.authorizer; a != nil {
		switch {
		case a.JWT != nil:
			claims := make(map[string]any, len(a.JWT.Claims))
			for k, v := range a.JWT.Claims {
				claims[k] = v
			}
			ev.RequestContext.Authorizer = map[string]any{"claims": claims, "scopes": a.JWT.Scopes}
		case a.Lambda != nil:
			ev.RequestContext.Authorizer = a.Lambda
		}
	}
	return ev
}

// v1Input is what a payload format 1.0 event is made of.
type v1Input struct {
	r                                  *http.Request
	apiID, region, accountID           string
	resource, resourceID, resourcePath string
	operationName                      string
	stage                              string
	stageVariables                     map[string]string
	path, contextPath                  string
	params                             map[string]string
	body                               []byte
	base64                             bool
	requestID, extendedID              string
	now                                time.Time
	// lowerHeaders sends header names in lower case, as HTTP APIs do.
	lowerHeaders bool
}

// proxyEventV1 builds a payload format 1.0 event.
func proxyEventV1(in *v1Input) *events.APIGatewayProxyRequest {
	r := in.r
	sourceIP := remoteIP(r.RemoteAddr)
	host := r.Host
	if host == "" {
		host = in.apiID + ".execute-api." + in.region + ".amazonaws.com"
	}
	mv := map[string][]string{}
	for k, vs := range r.Header {
		switch k {
		case "Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
			"Content-Length", "Host", "X-Forwarded-Port", "X-Forwarded-Proto":
			continue
		}
		mv[k] = append([]string(nil), vs...)
	}
	mv["Host"] = []string{host}
	if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
		mv["X-Forwarded-For"] = []string{strings.Join(xff, ", ") + ", " + sourceIP}
	} else {
		mv["X-Forwarded-For"] = []string{sourceIP}
	}
	mv["X-Forwarded-Port"] = []string{localPort(r)}
	mv["X-Forwarded-Proto"] = []string{scheme(r)}
	if len(mv["X-Amzn-Trace-Id"]) == 0 {
		mv["X-Amzn-Trace-Id"] = []string{traceID(in.now)}
	}
	if in.lowerHeaders {
		lower := make(map[string][]string, len(mv))
		for k, vs := range mv {
			lower[strings.ToLower(k)] = vs
		}
		mv = lower
	}
	headers := make(map[string]string, len(mv))
	for k, vs := range mv {
		headers[k] = vs[len(vs)-1] // the single-value map keeps the last value
	}

	var query map[string]string
	var mvQuery map[string][]string
	for pair := range strings.SplitSeq(r.URL.RawQuery, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, v = unescapeQuery(k), unescapeQuery(v)
		if query == nil {
			query, mvQuery = map[string]string{}, map[string][]string{}
		}
		query[k] = v
		mvQuery[k] = append(mvQuery[k], v)
	}

	proto := r.Proto
	if proto == "" {
		proto = "HTTP/1.1"
	}
	ev := &events.APIGatewayProxyRequest{
		Resource:                        in.resource,
		Path:                            in.path,
		HTTPMethod:                      r.Method,
		Headers:                         headers,
		MultiValueHeaders:               mv,
		QueryStringParameters:           query,
		MultiValueQueryStringParameters: mvQuery,
		PathParameters:                  in.params,
		StageVariables:                  in.stageVariables,
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID:         in.accountID,
			ResourceID:        in.resourceID,
			OperationName:     in.operationName,
			Stage:             in.stage,
			DomainName:        host,
			DomainPrefix:      domainPrefix(host),
			RequestID:         in.requestID,
			ExtendedRequestID: in.extendedID,
			Protocol:          proto,
			Identity: events.APIGatewayRequestIdentity{
				SourceIP:  sourceIP,
				UserAgent: r.Header.Get("User-Agent"),
			},
			ResourcePath:     in.resourcePath,
			Path:             in.contextPath,
			HTTPMethod:       r.Method,
			RequestTime:      in.now.UTC().Format(timeLayout),
			RequestTimeEpoch: in.now.UnixMilli(),
			APIID:            in.apiID,
		},
	}
	if len(in.body) > 0 {
		if in.base64 {
			ev.Body = base64.StdEncoding.EncodeToString(in.body)
			ev.IsBase64Encoded = true
		} else {
			ev.Body = string(in.body)
		}
	}
	return ev
}

// isBinary reports whether a media type is one of the API's binary media types ("image/png",
// "image/*", "*/*"); template values may escape "/" as "~1", as CloudFormation requires.
func isBinary(contentType string, binary []string) bool {
	if contentType == "" || len(binary) == 0 {
		return false
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(contentType))
	}
	typ, _, _ := strings.Cut(mt, "/")
	for _, b := range binary {
		b = strings.ToLower(strings.ReplaceAll(b, "~1", "/"))
		if b == mt || b == "*/*" || b == typ+"/*" {
			return true
		}
	}
	return false
}

// marshalNoEscape encodes v without HTML escaping.
func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}

// restResponse is the payload format 1.0 response as a function may write it: numbers and
// booleans are accepted as header values, as API Gateway does.
type restResponse struct {
	StatusCode        json.RawMessage              `json:"statusCode"`
	Headers           map[string]json.RawMessage   `json:"headers"`
	MultiValueHeaders map[string][]json.RawMessage `json:"multiValueHeaders"`
	Body              *string                      `json:"body"`
	IsBase64Encoded   bool                         `json:"isBase64Encoded"`
}

// parseRestResponse maps a function's payload 1.0 answer to the HTTP response. API Gateway
// accepts only a JSON object with a numeric statusCode and a string body; anything else is a
// malformed proxy response (502). A base64 body is decoded when the request's Accept or the
// response's Content-Type is one of the API's binary media types, as on AWS; otherwise the
// base64 text is sent as it is.
func parseRestResponse(payload []byte, r *http.Request, binary []string) (*response, error) {
	var p restResponse
	dec := json.NewDecoder(bytes.NewReader(payload))
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%w: malformed Lambda proxy response: %v", errInvalidResponse, err)
	}
	status, err := strconv.Atoi(string(p.StatusCode))
	if err != nil || status < 100 || status > 599 {
		return nil, fmt.Errorf("%w: malformed Lambda proxy response: statusCode %s", errInvalidResponse, p.StatusCode)
	}
	resp := &response{status: status, header: http.Header{}}
	for k, vs := range p.MultiValueHeaders {
		for _, raw := range vs {
			v, ok, err := headerValue(raw)
			if err != nil {
				return nil, fmt.Errorf("%w: multiValueHeaders.%s: %v", errInvalidResponse, k, err)
			}
			if ok && !hopByHop(k) {
				resp.header.Add(k, v)
			}
		}
	}
	for k, raw := range p.Headers {
		v, ok, err := headerValue(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: headers.%s: %v", errInvalidResponse, k, err)
		}
		// Merged with multiValueHeaders; a key in both keeps multiValueHeaders' values.
		if ok && !hopByHop(k) && len(resp.header.Values(k)) == 0 {
			resp.header.Set(k, v)
		}
	}
	if resp.header.Get("Content-Type") == "" {
		resp.header.Set("Content-Type", "application/json")
	}
	if p.Body != nil {
		resp.body = []byte(*p.Body)
		accept, _, _ := strings.Cut(r.Header.Get("Accept"), ",") // API Gateway reads the first type
		if p.IsBase64Encoded && (isBinary(accept, binary) || isBinary(resp.header.Get("Content-Type"), binary)) {
			if resp.body, err = base64.StdEncoding.DecodeString(*p.Body); err != nil {
				return nil, fmt.Errorf("%w: body: %v", errInvalidResponse, err)
			}
		}
	}
	return resp, nil
}
