package runtime

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/microshop/microshop/local/console"
)

// The console's operations pages: Events, Queues, Streams, Tables, Users and Mail (issue 12).
// Each page is a small server-rendered shell and one ES module under local/console/static
// that reads the page's JSON routes under console.APIPrefix. Queues, the event log and the
// mailbox are read from the runtime's own services; tables, streams and users go through the
// services' AWS APIs on the edge port (awsCall), as any client does.

// DefaultEventLogSize is how many events the console's event log keeps when
// Config.RecordSize is 0.
const DefaultEventLogSize = 1000

// registerOpsPages adds the operations pages and their API routes to the console.
func (rt *Runtime) registerOpsPages() {
	c := rt.console
	rt.registerEvents(c)
	rt.registerQueues(c)
	rt.registerStreams(c)
	rt.registerTables(c)
	rt.registerUsers(c)
	registerMail(c)
}

// shell is a page whose content a module script builds: the container it fills, with data
// attributes the script reads.
func shell(c *console.Console, p console.Page, script string, body string) {
	t := template.Must(template.New(p.Path).Parse(`<link rel="stylesheet" href="/_console/static/ops.css">` + body +
		`<script type="module" src="/_console/static/` + script + `"></script>`))
	c.HandlePage(p, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.Render(w, r, p.Title, t, nil)
	}))
}

// ring keeps the last size values added; safe for concurrent use.
type ring[T any] struct {
	mu    sync.Mutex
	items []T // item n (from 0) at items[n%size]
	next  int
	size  int
}

func newRing[T any](size int) *ring[T] { return &ring[T]{size: size} }

func (r *ring[T]) add(v T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.items) < r.size {
		r.items = append(r.items, v)
	} else {
		r.items[r.next%r.size] = v
	}
	r.next++
}

// newestFirst returns the kept values, newest first.
func (r *ring[T]) newestFirst() []T {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]T, 0, len(r.items))
	for i := r.next - 1; i >= r.next-len(r.items); i-- {
		out = append(out, r.items[i%r.size])
	}
	return out
}

// awsError is an AWS JSON protocol error answered by a service on the edge.
type awsError struct {
	Status  int
	Code    string
	Message string
}

func (e *awsError) Error() string { return e.Code + ": " + e.Message }

// consoleCredentials sign the console's own calls to the edge (any key works locally).
var consoleCredentials = aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local"}

// signingName is the SigV4 service name of an AWS JSON protocol target's service.
func signingName(target string) string {
	switch prefix, _, _ := strings.Cut(target, "."); prefix {
	case "AWSCognitoIdentityProviderService":
		return "cognito-idp"
	case "AmazonSQS":
		return "sqs"
	default: // DynamoDB_20120810, DynamoDBStreams_20120810
		return "dynamodb"
	}
}

// awsCall calls an AWS JSON protocol operation (target "DynamoDB_20120810.Query") on the edge
// port, as an SDK does, and decodes the answer into out.
func (rt *Runtime) awsCall(ctx context.Context, target string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("%s: %w", target, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rt.edgeURL+"/", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: %w", target, err)
	}
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	// Signed as an SDK signs, in the template's region: the edge refuses unsigned DynamoDB
	// calls, as DynamoDB does, and routes by the signature's region.
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, consoleCredentials, req, hex.EncodeToString(sum[:]),
		signingName(target), rt.model.Region, time.Now()); err != nil {
		return fmt.Errorf("%s: sign: %w", target, err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", target, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return fmt.Errorf("%s: %w", target, err)
	}
	if res.StatusCode != http.StatusOK {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
			Upper   string `json:"Message"`
		}
		_ = json.Unmarshal(raw, &e)
		code := e.Type[strings.LastIndex(e.Type, "#")+1:]
		if code == "" {
			code = "ServiceError"
		}
		return &awsError{Status: res.StatusCode, Code: code, Message: e.Message + e.Upper}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s: decode answer: %w", target, err)
	}
	return nil
}

// writeAPIError answers err in the console's error shape: a service's client error keeps its
// status and code; anything else is a 502 (the service behind the console failed).
func writeAPIError(w http.ResponseWriter, err error) {
	var e *awsError
	if errors.As(err, &e) && e.Status >= 400 && e.Status < 500 {
		console.WriteError(w, e.Status, e.Code, e.Message)
		return
	}
	console.WriteError(w, http.StatusBadGateway, "ServiceError", err.Error())
}

// decodeBody decodes a JSON request body into v, answering 400 when it is not.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		console.WriteError(w, http.StatusBadRequest, "ValidationException", "the request body is not the expected JSON: "+err.Error())
		return false
	}
	return true
}
