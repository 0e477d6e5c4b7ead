// Package metrics writes the shop's business and platform metrics as CloudWatch Embedded Metric
// Format (EMF) log lines: one JSON line per data point, on the function's standard output, from
// which CloudWatch Logs extracts the metric without any API call or agent. Locally the lines
// are in the function's log like any other.
//
// One line looks like this (the schema is AWS's "Specification: Embedded metric format"):
//
//	{"_aws":{"Timestamp":1733366400000,"CloudWatchMetrics":[{"Namespace":"Microshop",
//	  "Dimensions":[["Stage","Service"],["Stage","Service","Reason"]],
//	  "Metrics":[{"Name":"OrdersFailed","Unit":"Count"}]}]},
//	 "Stage":"dev","Service":"orders","Reason":"out_of_stock","OrdersFailed":1,
//	 "functionName":"orders-on-saga","requestId":"...","correlationId":"...","traceId":"..."}
//
// The names are a contract: the stack's alarms and dashboard (infra/) read them. Every metric
// has the dimension set [Stage, Service]; a data point with extra dimensions (OrdersFailed's
// Reason) also has [Stage, Service, extra...], so both the total and the breakdown exist.
// The request id, correlation id and trace id are plain members, not dimensions: they cost no
// metric, and Logs Insights can still find the line of one data point.
//
// Services call Count or Duration with the invocation's context, after the state change the
// metric counts has committed (a duplicate event that changes nothing must not count).
// shared/start puts the function's Emitter in every invocation's context; without one (unit
// tests of a use case) the calls do nothing.
package metrics

import (
	"context"
	"encoding/json"
	"io"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/microshop/microshop/shared/correlation"
)

// Namespace is the CloudWatch namespace of every metric.
const Namespace = "Microshop"

// Dimension names.
const (
	DimStage   = "Stage"
	DimService = "Service"
	DimReason  = "Reason"
)

// EnvStage names the environment variable holding the stage; DefaultStage applies when unset.
const (
	EnvStage     = "STAGE"
	DefaultStage = "dev"
)

// Metric names (Unit Count unless said otherwise).
const (
	OrdersPlaced      = "OrdersPlaced"      // orders: an order was stored PENDING
	OrdersConfirmed   = "OrdersConfirmed"   // orders: PENDING -> CONFIRMED
	OrdersFailed      = "OrdersFailed"      // orders: PENDING -> FAILED, with Reason
	OrdersCancelled   = "OrdersCancelled"   // orders: -> CANCELLED
	SagaDuration      = "SagaDuration"      // orders, Milliseconds: placed -> CONFIRMED, FAILED or CANCELLED
	StockReserved     = "StockReserved"     // inventory: an order's stock was reserved
	PaymentsSucceeded = "PaymentsSucceeded" // payments: a charge succeeded
	PaymentsDeclined  = "PaymentsDeclined"  // payments: a charge was declined
	ShipmentsCreated  = "ShipmentsCreated"  // shipping: a shipment was created
	EventsPublished   = "EventsPublished"   // every outbox publisher: events accepted by PutEvents
	ConsumerRetries   = "ConsumerRetries"   // shared/consume: a failed event that will be delivered again
	IdempotentReplays = "IdempotentReplays" // shared/idempotency: a stored response replayed
)

// Unit is a CloudWatch metric unit.
type Unit string

// Units used by the shop.
const (
	UnitCount        Unit = "Count"
	UnitMilliseconds Unit = "Milliseconds"
)

// Dimension is an extra dimension of one data point, such as Reason.
type Dimension struct {
	Name, Value string
}

// Reason is the Reason dimension.
func Reason(v string) Dimension { return Dimension{Name: DimReason, Value: v} }

// Options describe the function whose metrics an Emitter writes.
type Options struct {
	Stage        string // STAGE; DefaultStage when empty
	Service      string // the service, e.g. "orders"
	FunctionName string // the Lambda function, a plain member of each line
	// TraceID returns the X-Ray trace id of ctx, a plain member of each line; may be nil.
	TraceID func(context.Context) string
	// Now is the clock (tests); time.Now when nil.
	Now func() time.Time
}

// Emitter writes EMF lines to one writer. It is safe for concurrent use; each line is one
// Write call.
type Emitter struct {
	mu sync.Mutex
	w  io.Writer
	o  Options
}

// New returns an Emitter writing to w.
func New(w io.Writer, o Options) *Emitter {
	if o.Stage == "" {
		o.Stage = DefaultStage
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Emitter{w: w, o: o}
}

type key struct{}

// WithEmitter returns a copy of ctx whose metrics go to e.
func WithEmitter(ctx context.Context, e *Emitter) context.Context {
	return context.WithValue(ctx, key{}, e)
}

// FromContext returns ctx's Emitter, or nil.
func FromContext(ctx context.Context) *Emitter {
	e, _ := ctx.Value(key{}).(*Emitter)
	return e
}

// Count records n of metric name (Unit Count) with ctx's Emitter; nothing without one.
func Count(ctx context.Context, name string, n int, dims ...Dimension) {
	if e := FromContext(ctx); e != nil {
		e.Emit(ctx, name, UnitCount, float64(n), dims...)
	}
}

// Duration records d of metric name in Milliseconds with ctx's Emitter; nothing without one.
func Duration(ctx context.Context, name string, d time.Duration, dims ...Dimension) {
	if e := FromContext(ctx); e != nil {
		e.Emit(ctx, name, UnitMilliseconds, float64(d)/float64(time.Millisecond), dims...)
	}
}

// metricDirective and the types below are the EMF metadata ("_aws").
type metricDirective struct {
	Namespace  string         `json:"Namespace"`
	Dimensions [][]string     `json:"Dimensions"`
	Metrics    []metricDefine `json:"Metrics"`
}

type metricDefine struct {
	Name string `json:"Name"`
	Unit Unit   `json:"Unit"`
}

type metadata struct {
	Timestamp         int64             `json:"Timestamp"`
	CloudWatchMetrics []metricDirective `json:"CloudWatchMetrics"`
}

// Emit writes one data point of metric name with value v in unit u. A write error is ignored:
// a metric must never fail the work it measures.
func (e *Emitter) Emit(ctx context.Context, name string, u Unit, v float64, dims ...Dimension) {
	base := []string{DimStage, DimService}
	sets := [][]string{base}
	doc := map[string]any{DimStage: e.o.Stage, DimService: e.o.Service, name: v}
	if len(dims) > 0 {
		extra := append([]string(nil), base...)
		for _, d := range dims {
			extra = append(extra, d.Name)
			doc[d.Name] = d.Value
		}
		sets = append(sets, extra)
	}
	doc["_aws"] = metadata{
		Timestamp:         e.o.Now().UnixMilli(),
		CloudWatchMetrics: []metricDirective{{Namespace: Namespace, Dimensions: sets, Metrics: []metricDefine{{Name: name, Unit: u}}}},
	}
	if e.o.FunctionName != "" {
		doc["functionName"] = e.o.FunctionName
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		doc["requestId"] = lc.AwsRequestID
	}
	if id := correlation.ID(ctx); id != "" {
		doc["correlationId"] = id
	}
	if e.o.TraceID != nil {
		if id := e.o.TraceID(ctx); id != "" {
			doc["traceId"] = id
		}
	}
	line, err := json.Marshal(doc)
	if err != nil {
		return
	}
	line = append(line, '\n')
	e.mu.Lock()
	defer e.mu.Unlock()
	_, _ = e.w.Write(line)
}
