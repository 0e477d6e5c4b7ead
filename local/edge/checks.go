package edge

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Front-end checks DynamoDB's endpoint makes before an operation runs, made here so that code
// run against the edge meets the same answers as against AWS (the texts are DynamoDB's, as
// recorded by dynalite, our reference engine):
//
//   - a CORS preflight from a browser origin is answered as DynamoDB answers it: any origin,
//     the requested method and headers echoed, Max-Age 172800 (two days);
//   - a DynamoDB or DynamoDB Streams request (by its X-Amz-Target) whose Content-Length
//     exceeds 16 MB is 413, and one that is POSTed must be signed: no SigV4 at all is
//     MissingAuthenticationTokenException, a header or query signature missing a part is
//     IncompleteSignatureException, both a header and a query signature is
//     InvalidSignatureException; signatures themselves are not verified (local credentials
//     are dummies);
//   - a request to the root with a method other than POST, GET, HEAD or OPTIONS that names no
//     service is 404 <UnknownOperationException/>, as DynamoDB answers it.
//
// Other services are left alone: Cognito's public operations (SignUp, InitiateAuth, ...) are
// unsigned on AWS too, and the other services check nothing more on AWS's side that tests
// here rely on. The checks cost a header lookup and a prefix test for other requests.

// maxRequestBytes is DynamoDB's request size limit.
const maxRequestBytes = 16 << 20

// ddbPreflightMaxAge is the Access-Control-Max-Age DynamoDB answers preflights with.
const ddbPreflightMaxAge = "172800"

// checkRequest answers the requests the checks above refuse (or a preflight) and reports
// whether it did.
func checkRequest(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodOptions && r.Header.Get("Origin") != "" {
		if m := r.Header.Get("Access-Control-Request-Method"); m != "" {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", "*")
			h.Set("Access-Control-Allow-Methods", m)
			if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
				h.Set("Access-Control-Allow-Headers", req)
			}
			h.Set("Access-Control-Max-Age", ddbPreflightMaxAge)
			h.Set("Content-Length", "0")
			w.WriteHeader(http.StatusOK)
			return true
		}
	}
	target := r.Header.Get("X-Amz-Target")
	if !strings.HasPrefix(target, "DynamoDB") {
		if target == "" && r.URL.Path == "/" && !knownMethod(r.Method) && ServiceOf(r) == "" {
			unknownOperation(w)
			return true
		}
		return false
	}
	prefix, _, _ := strings.Cut(target, ".")
	if prefix != "DynamoDB_20120810" && prefix != "DynamoDBStreams_20120810" {
		return false
	}
	if r.ContentLength > maxRequestBytes {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return true
	}
	if r.Method != http.MethodPost {
		return false // the engine answers GET (health) and other methods (404) as DynamoDB does
	}
	if typ, msg := signatureProblem(r); typ != "" {
		if r.Header.Get("Origin") != "" {
			w.Header().Set("Access-Control-Allow-Origin", "*")
		}
		writeJSON(w, http.StatusBadRequest, map[string]string{"__type": "com.amazon.coral.service#" + typ, "message": msg})
		return true
	}
	return false
}

func knownMethod(m string) bool {
	switch m {
	case http.MethodPost, http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return false
}

// unknownOperation is DynamoDB's answer to a method it does not serve.
func unknownOperation(w http.ResponseWriter) {
	const body = "<UnknownOperationException/>\n"
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte(body))
}

// signatureProblem checks that a request carries a SigV4 signature of the right shape; it
// returns the exception name and message, or "" when the shape is right.
func signatureProblem(r *http.Request) (typ, msg string) {
	auth := r.Header.Get("Authorization")
	var query url.Values
	if r.URL.RawQuery != "" {
		query = r.URL.Query()
	}
	byQuery := query.Has("X-Amz-Algorithm")
	if auth != "" && byQuery {
		return "InvalidSignatureException", "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
	}
	if (auth == "" && !byQuery) || (auth != "" && !strings.HasPrefix(strings.TrimSpace(auth), "AWS4-")) {
		return "MissingAuthenticationTokenException", "Request is missing Authentication Token"
	}
	var b strings.Builder
	if auth != "" {
		params := map[string]string{}
		fields := strings.FieldsFunc(auth, func(c rune) bool { return c == ',' || c == ' ' })
		for _, kv := range fields[1:] {
			k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
			params[k] = v
		}
		for _, p := range []string{"Credential", "Signature", "SignedHeaders"} {
			if params[p] == "" {
				b.WriteString("Authorization header requires '" + p + "' parameter. ")
			}
		}
		if r.Header.Get("X-Amz-Date") == "" && r.Header.Get("Date") == "" {
			b.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
		}
		if b.Len() > 0 {
			return "IncompleteSignatureException", b.String() + "Authorization=" + auth
		}
		if alg := strings.TrimSpace(fields[0]); alg != "AWS4-HMAC-SHA256" {
			return "IncompleteSignatureException", "Unsupported AWS 'algorithm': '" + alg + "' (only AWS4-HMAC-SHA256 for now). "
		}
		if cred := strings.TrimRight(params["Credential"], "/"); strings.Count(cred, "/") != 4 {
			return "IncompleteSignatureException", "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" + cred + "'"
		}
		return "", ""
	}
	for _, p := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"} {
		if query.Get(p) == "" {
			b.WriteString("AWS query-string parameters must include '" + p + "'. ")
		}
	}
	if b.Len() > 0 {
		return "IncompleteSignatureException", b.String() + "Re-examine the query-string parameters."
	}
	return "", ""
}
