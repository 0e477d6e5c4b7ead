package apigw

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// event is events.APIGatewayV2HTTPRequest as API Gateway serializes it. The aws-lambda-go type
// cannot be marshalled as-is: its requestContext.authentication is a struct, so
// encoding/json always writes it, while API Gateway sends it only for mutual TLS. Field order
// follows a captured real event; functions decode either into the aws-lambda-go type.
type event struct {
	Version               string            `json:"version"`
	RouteKey              string            `json:"routeKey"`
	RawPath               string            `json:"rawPath"`
	RawQueryString        string            `json:"rawQueryString"`
	Cookies               []string          `json:"cookies,omitempty"`
	Headers               map[string]string `json:"headers"`
	QueryStringParameters map[string]string `json:"queryStringParameters,omitempty"`
	PathParameters        map[string]string `json:"pathParameters,omitempty"`
	RequestContext        requestContext    `json:"requestContext"`
	StageVariables        map[string]string `json:"stageVariables,omitempty"`
	Body                  string            `json:"body,omitempty"`
	IsBase64Encoded       bool              `json:"isBase64Encoded"`
}

type requestContext struct {
	AccountID    string                                                      `json:"accountId"`
	APIID        string                                                      `json:"apiId"`
	Authorizer   *events.APIGatewayV2HTTPRequestContextAuthorizerDescription `json:"authorizer,omitempty"`
	DomainName   string                                                      `json:"domainName"`
	DomainPrefix string                                                      `json:"domainPrefix"`
	HTTP         events.APIGatewayV2HTTPRequestContextHTTPDescription        `json:"http"`
	RequestID    string                                                      `json:"requestId"`
	RouteKey     string                                                      `json:"routeKey"`
	Stage        string                                                      `json:"stage"`
	Time         string                                                      `json:"time"`
	TimeEpoch    int64                                                       `json:"timeEpoch"`
}

// timeLayout is requestContext.time as API Gateway writes it: "21/Apr/2020:15:08:21 +0000".
const timeLayout = "02/Jan/2006:15:04:05 -0700"

// incoming is what ServeHTTP knows about a request when it builds the event.
type incoming struct {
	r          *http.Request
	rawPath    string // decoded, stage prefix included
	route      *route
	params     map[string]string
	body       []byte
	requestID  string
	now        time.Time
	authorizer *events.APIGatewayV2HTTPRequestContextAuthorizerDescription
}

// buildEvent makes the payload format 2.0 event for in.
func (s *Server) buildEvent(in *incoming) *event {
	r := in.r
	sourceIP := remoteIP(r.RemoteAddr)
	host := r.Host
	if host == "" {
		host = s.api.ID + ".execute-api." + s.opts.Region + ".amazonaws.com"
	}

	headers := make(map[string]string, len(r.Header)+6)
	var cookies []string
	for k, vs := range r.Header {
		switch k {
		case "Cookie":
			for _, v := range vs {
				for c := range strings.SplitSeq(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						cookies = append(cookies, c)
					}
				}
			}
			continue
		case "Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
			"Content-Length", "Host", "X-Forwarded-Port", "X-Forwarded-Proto":
			// Hop-by-hop headers do not cross API Gateway; the others it sets itself below.
			continue
		}
		headers[strings.ToLower(k)] = strings.Join(vs, ",")
	}
	headers["host"] = host
	headers["content-length"] = strconv.Itoa(len(in.body))
	if xff := headers["x-forwarded-for"]; xff != "" {
		headers["x-forwarded-for"] = xff + ", " + sourceIP
	} else {
		headers["x-forwarded-for"] = sourceIP
	}
	headers["x-forwarded-port"] = localPort(r)
	headers["x-forwarded-proto"] = scheme(r)
	if headers["x-amzn-trace-id"] == "" {
		headers["x-amzn-trace-id"] = traceID(in.now)
	}

	proto := r.Proto
	if proto == "" {
		proto = "HTTP/1.1"
	}
	ev := &event{
		Version:               "2.0",
		RouteKey:              in.route.key,
		RawPath:               in.rawPath,
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies,
		Headers:               headers,
		QueryStringParameters: parseQuery(r.URL.RawQuery),
		PathParameters:        in.params,
		RequestContext: requestContext{
			AccountID:    s.opts.AccountID,
			APIID:        s.api.ID,
			Authorizer:   in.authorizer,
			DomainName:   host,
			DomainPrefix: domainPrefix(host),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      in.rawPath,
				Protocol:  proto,
				SourceIP:  sourceIP,
				UserAgent: r.Header.Get("User-Agent"),
			},
			RequestID: in.requestID,
			RouteKey:  in.route.key,
			Stage:     s.opts.Stage,
			Time:      in.now.UTC().Format(timeLayout),
			TimeEpoch: in.now.UnixMilli(),
		},
		StageVariables: s.opts.StageVariables,
	}
	if len(in.body) > 0 {
		if isTextBody(r.Header, in.body) {
			ev.Body = string(in.body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(in.body)
			ev.IsBase64Encoded = true
		}
	}
	return ev
}

// marshal encodes the event without HTML escaping, so bodies read in a log as they were sent.
func (ev *event) marshal() ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(1024 + len(ev.Body))
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ev); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}

// isTextBody reports whether API Gateway passes the body as text rather than base64: only for
// text/* and exactly application/json, application/xml and application/javascript (measured
// on real HTTP APIs). A body that could not survive as a JSON string is base64 regardless.
func isTextBody(h http.Header, body []byte) bool {
	if h.Get("Content-Encoding") != "" || !utf8.Valid(body) {
		return false
	}
	ct := h.Get("Content-Type")
	if ct == "" {
		return false
	}
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	switch {
	case strings.HasPrefix(mt, "text/"),
		mt == "application/json", mt == "application/xml", mt == "application/javascript":
		return true
	}
	return false
}

// parseQuery decodes a raw query the way API Gateway fills queryStringParameters: values
// decoded ("+" is a space), repeated keys joined with ",", nil when there is nothing.
func parseQuery(raw string) map[string]string {
	if raw == "" {
		return nil
	}
	var q map[string]string
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, v = unescapeQuery(k), unescapeQuery(v)
		if q == nil {
			q = map[string]string{}
		}
		if prev, ok := q[k]; ok {
			q[k] = prev + "," + v
		} else {
			q[k] = v
		}
	}
	return q
}

func unescapeQuery(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

func remoteIP(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// localPort is the port the client connected to, for x-forwarded-port.
func localPort(r *http.Request) string {
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(*net.TCPAddr); ok {
		return strconv.Itoa(a.Port)
	}
	if _, port, err := net.SplitHostPort(r.Host); err == nil {
		return port
	}
	if r.TLS != nil {
		return "443"
	}
	return "80"
}

func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// domainPrefix is the first label of the host name: "abc" for abc.execute-api...; an IP
// address has no labels, so it is its own prefix.
func domainPrefix(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if net.ParseIP(strings.Trim(host, "[]")) != nil {
		return host
	}
	prefix, _, _ := strings.Cut(host, ".")
	return prefix
}
