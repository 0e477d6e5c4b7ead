package apigw

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// response is a function's answer mapped to HTTP.
type response struct {
	status int
	header http.Header
	body   []byte
	// multiValueHeaders is true when the function sent multiValueHeaders, which payload 2.0
	// ignores; the caller tells the developer.
	multiValueHeaders bool
}

// parseResponse maps a function's payload to the HTTP response API Gateway sends. Errors wrap
// errInvalidResponse.
func parseResponse(payload []byte) (*response, error) {
	payload = bytes.TrimSpace(payload)
	if len(payload) == 0 {
		return nil, fmt.Errorf("%w: not JSON", errInvalidResponse)
	}
	if payload[0] == '{' {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(payload, &fields); err != nil { // it checks the JSON first
			return nil, fmt.Errorf("%w: not JSON", errInvalidResponse)
		}
		if _, ok := fields["statusCode"]; ok {
			return structured(fields)
		}
	} else if !json.Valid(payload) {
		return nil, fmt.Errorf("%w: not JSON", errInvalidResponse)
	}
	// The inferred format: any valid JSON without a statusCode is the body of a 200.
	body := payload
	if payload[0] == '"' {
		var s string
		if err := json.Unmarshal(payload, &s); err != nil {
			return nil, fmt.Errorf("%w: %v", errInvalidResponse, err)
		}
		body = []byte(s)
	}
	return &response{
		status: http.StatusOK,
		header: http.Header{"Content-Type": {"application/json"}},
		body:   body,
	}, nil
}

// structured maps the {statusCode, headers, cookies, body, isBase64Encoded} format.
func structured(f map[string]json.RawMessage) (*response, error) {
	invalid := func(field string, detail any) error {
		return fmt.Errorf("%w: %s: %v", errInvalidResponse, field, detail)
	}
	resp := &response{header: http.Header{}}

	sc := f["statusCode"]
	if len(sc) == 0 || (sc[0] != '-' && (sc[0] < '0' || sc[0] > '9')) {
		return nil, invalid("statusCode", "not a number")
	}
	status, err := strconv.Atoi(string(sc))
	if err != nil || status < 100 || status > 599 {
		return nil, invalid("statusCode", string(sc))
	}
	resp.status = status

	if raw, ok := f["headers"]; ok && !isNull(raw) {
		var hs map[string]json.RawMessage
		if err := json.Unmarshal(raw, &hs); err != nil {
			return nil, invalid("headers", "not an object")
		}
		for k, v := range hs {
			val, ok, err := headerValue(v)
			if err != nil {
				return nil, invalid("headers."+k, err)
			}
			if ok && !hopByHop(k) {
				resp.header.Set(k, val)
			}
		}
	}
	if raw, ok := f["multiValueHeaders"]; ok && !isNull(raw) {
		resp.multiValueHeaders = true
	}
	if raw, ok := f["cookies"]; ok && !isNull(raw) {
		var cookies []string
		if err := json.Unmarshal(raw, &cookies); err != nil {
			return nil, invalid("cookies", "not an array of strings")
		}
		for _, c := range cookies {
			resp.header.Add("Set-Cookie", c)
		}
	}
	var b64 bool
	if raw, ok := f["isBase64Encoded"]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &b64); err != nil {
			return nil, invalid("isBase64Encoded", "not a boolean")
		}
	}
	if raw, ok := f["body"]; ok && !isNull(raw) {
		var body string
		if err := json.Unmarshal(raw, &body); err != nil {
			return nil, invalid("body", "not a string")
		}
		if b64 {
			resp.body, err = base64.StdEncoding.DecodeString(body)
			if err != nil {
				return nil, invalid("body", err)
			}
		} else {
			resp.body = []byte(body)
		}
	}
	if resp.header.Get("Content-Type") == "" {
		resp.header.Set("Content-Type", "text/plain; charset=utf-8")
	}
	return resp, nil
}

// headerValue reads one header value: a string, or a number or boolean printed as JSON.
// A null value means no header (ok false).
func headerValue(raw json.RawMessage) (val string, ok bool, err error) {
	switch {
	case isNull(raw):
		return "", false, nil
	case raw[0] == '"':
		err = json.Unmarshal(raw, &val)
		return val, err == nil, err
	case raw[0] == '{' || raw[0] == '[':
		return "", false, fmt.Errorf("not a string")
	default: // number or boolean
		return string(raw), true, nil
	}
}

func isNull(raw json.RawMessage) bool { return len(raw) == 0 || string(raw) == "null" }

// hopByHop reports headers a function cannot set: the connection's own, and the length,
// which the local server computes from the body it writes.
func hopByHop(name string) bool {
	switch http.CanonicalHeaderKey(name) {
	case "Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
		"Content-Length":
		return true
	}
	return false
}

// write sends the response.
func (resp *response) write(w http.ResponseWriter) {
	h := w.Header()
	for k, vs := range resp.header {
		h[k] = vs
	}
	if resp.status == http.StatusNoContent || resp.status == http.StatusNotModified || resp.status < 200 {
		w.WriteHeader(resp.status) // no body allowed
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(resp.body)))
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
}
