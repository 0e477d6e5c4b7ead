package tracing

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"sync"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// EnvDaemonAddress is the variable Lambda sets to the X-Ray daemon's UDP address when the
// function has active tracing.
const EnvDaemonAddress = "AWS_XRAY_DAEMON_ADDRESS"

// daemonHeader starts every datagram the X-Ray daemon accepts.
const daemonHeader = `{"format":"json","version":1}` + "\n"

// Daemon sends segment documents to the X-Ray daemon. The zero value, and a Daemon without an
// address, sends nothing.
type Daemon struct {
	addr string
	once sync.Once
	conn net.Conn
}

// NewDaemon returns a Daemon sending to addr (host:port, as in AWS_XRAY_DAEMON_ADDRESS); an
// empty addr sends nothing. The socket is opened on first use.
func NewDaemon(addr string) *Daemon { return &Daemon{addr: addr} }

// Enabled reports whether d sends anything.
func (d *Daemon) Enabled() bool { return d != nil && d.addr != "" }

// send writes one document; errors are dropped, as the X-Ray SDK does: tracing must not fail
// or slow the work it traces.
func (d *Daemon) send(doc any) {
	if !d.Enabled() {
		return
	}
	d.once.Do(func() {
		// UDP dial resolves the address and sets the peer; nothing is sent.
		conn, err := net.Dial("udp", d.addr)
		if err == nil {
			d.conn = conn
		}
	})
	if d.conn == nil {
		return
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return
	}
	_, _ = d.conn.Write(append([]byte(daemonHeader), b...))
}

// subsegment is an X-Ray subsegment document sent on its own ("type": "subsegment").
type subsegment struct {
	Name      string         `json:"name"`
	ID        string         `json:"id"`
	TraceID   string         `json:"trace_id"`
	ParentID  string         `json:"parent_id"`
	Type      string         `json:"type"`
	StartTime float64        `json:"start_time"`
	EndTime   float64        `json:"end_time"`
	Namespace string         `json:"namespace,omitempty"`
	AWS       map[string]any `json:"aws,omitempty"`
	HTTP      *httpInfo      `json:"http,omitempty"`
	Error     bool           `json:"error,omitempty"`
	Throttle  bool           `json:"throttle,omitempty"`
	Fault     bool           `json:"fault,omitempty"`
}

type httpInfo struct {
	Response struct {
		Status int `json:"status"`
	} `json:"response"`
}

func epoch(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// SDKMiddleware returns the AWS SDK API options that trace every operation of a client built
// with them: aws.Config.APIOptions = append(aws.Config.APIOptions, SDKMiddleware(d)...). When
// ctx carries a trace header, the operation is a subsegment named after the service (sent to
// d when the trace is sampled) and its requests carry X-Amzn-Trace-Id with that subsegment as
// parent. An unsampled trace, or no daemon, records nothing and passes the header on as it is;
// without a trace in ctx, the operation runs untouched.
func SDKMiddleware(d *Daemon) []func(*middleware.Stack) error {
	return []func(*middleware.Stack) error{
		func(s *middleware.Stack) error {
			return s.Initialize.Add(&operation{daemon: d}, middleware.Before)
		},
		func(s *middleware.Stack) error {
			return s.Build.Add(propagate{}, middleware.After)
		},
	}
}

// operation is the Initialize step that opens and sends the subsegment.
type operation struct{ daemon *Daemon }

func (*operation) ID() string { return "MicroshopXRaySubsegment" }

func (o *operation) HandleInitialize(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	parent, ok := FromContext(ctx)
	if !ok || !parent.Sampled || parent.Parent == "" || !o.daemon.Enabled() {
		// Nothing to record (locally, or an unsampled trace): the request still carries the
		// header as it is, so the trace goes on downstream.
		return next.HandleInitialize(ctx, in)
	}
	seg := subsegment{
		Name: awsmiddleware.GetServiceID(ctx), ID: newID(), TraceID: parent.Root, ParentID: parent.Parent,
		Type: "subsegment", Namespace: "aws", StartTime: epoch(time.Now()),
	}
	child := parent
	child.Parent = seg.ID
	out, md, err := next.HandleInitialize(With(ctx, child), in)
	seg.EndTime = epoch(time.Now())
	seg.AWS = map[string]any{"operation": awsmiddleware.GetOperationName(ctx), "region": awsmiddleware.GetRegion(ctx)}
	if id, ok := awsmiddleware.GetRequestIDMetadata(md); ok {
		seg.AWS["request_id"] = id
	}
	status := 0
	if resp, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); ok && resp != nil {
		status = resp.StatusCode
		seg.HTTP = &httpInfo{}
		seg.HTTP.Response.Status = status
	}
	var respErr *smithyhttp.ResponseError
	if errors.As(err, &respErr) && status == 0 {
		status = respErr.HTTPStatusCode()
	}
	switch {
	case status == 429:
		seg.Error, seg.Throttle = true, true
	case status >= 500 || (err != nil && status == 0):
		seg.Fault = true
	case status >= 400 || err != nil:
		seg.Error = true
	}
	o.daemon.send(seg)
	return out, md, err
}

// propagate is the Build step that sets X-Amzn-Trace-Id on the request.
type propagate struct{}

func (propagate) ID() string { return "MicroshopXRayHeader" }

func (propagate) HandleBuild(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
	if h, ok := FromContext(ctx); ok {
		if req, ok := in.Request.(*smithyhttp.Request); ok {
			req.Header.Set(HeaderName, h.String())
		}
	}
	return next.HandleBuild(ctx, in)
}
