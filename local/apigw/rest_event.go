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

	"github.com/aws/aws-lambda-go/events"
)

// buildEvent makes the payload format 1.0 event (events.APIGatewayProxyRequest) for req;
// the authorizer's context is added by the caller.
func (s *RestServer) buildEvent(req *restRequest) *events.APIGatewayProxyRequest {
	r := req.r
	sourceIP := remoteIP(r.RemoteAddr)
	host := r.Host
	if host == "" {
		host = s.api.ID + ".execute-api." + s.opts.Region + ".amazonaws.com"
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
		mv["X-Amzn-Trace-Id"] = []string{traceID(req.now)}
	}
	headers := make(map[string]string, len(mv))
	for k, vs := range mv {
		headers[k] = vs[len(vs)-1] // REST APIs keep the last value
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
	ctxPath := req.path
	if req.prefixed {
		ctxPath = "/" + req.stage.Name + req.path
	}
	ev := &events.APIGatewayProxyRequest{
		Resource:                        req.route.rest.Path,
		Path:                            req.path,
		HTTPMethod:                      r.Method,
		Headers:                         headers,
		MultiValueHeaders:               mv,
		QueryStringParameters:           query,
		MultiValueQueryStringParameters: mvQuery,
		PathParameters:                  req.params,
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID:         s.opts.AccountID,
			ResourceID:        req.route.rest.ResourceID,
			OperationName:     req.route.rest.OperationName,
			Stage:             req.stage.Name,
			DomainName:        host,
			DomainPrefix:      domainPrefix(host),
			RequestID:         req.requestID,
			ExtendedRequestID: req.extendedID,
			Protocol:          proto,
			Identity: events.APIGatewayRequestIdentity{
				SourceIP:  sourceIP,
				UserAgent: r.Header.Get("User-Agent"),
			},
			ResourcePath:     req.route.rest.Path,
			Path:             ctxPath,
			HTTPMethod:       r.Method,
			RequestTime:      req.now.UTC().Format(timeLayout),
			RequestTimeEpoch: req.now.UnixMilli(),
			APIID:            s.api.ID,
		},
	}
	if len(req.stage.Variables) > 0 {
		ev.StageVariables = req.stage.Variables
	}
	if len(req.body) > 0 {
		if isBinary(r.Header.Get("Content-Type"), s.api.BinaryMediaTypes) {
			ev.Body = base64.StdEncoding.EncodeToString(req.body)
			ev.IsBase64Encoded = true
		} else {
			ev.Body = string(req.body)
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
