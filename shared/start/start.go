// Package start is the one way a Microshop Lambda function starts. A function's main names
// its trigger and passes a build function; start then
//
//   - sets up the JSON logger (shared/logging) as slog's default, so every line carries the
//     service, function name, request id, cold start flag, correlation id and trace id;
//   - puts in every invocation's context the invocation's X-Ray trace header (shared/tracing)
//     and the function's metrics emitter (shared/metrics, EMF lines on the same output as the
//     log, with the stage from STAGE);
//   - calls build once, before the first invocation, to build the SDK clients and the handler
//     (never in init(), so a missing variable is reported, not a panic);
//   - adapts the handler to its trigger and hands it to lambda.Start:
//     HTTP (an API Gateway HTTP API route, payload 2.0), SQS (an SQS event source mapping with
//     partial batch failures, via shared/consume), EventBridge (a rule's Lambda target) and
//     DynamoDBStream (a table's stream event source mapping).
//
// Each entry point returns only when the function cannot start, after logging why; main then
// exits, the one place that does:
//
//	func main() {
//		if err := start.HTTP("catalog", build); err != nil {
//			os.Exit(1)
//		}
//	}
//
// (Once the Lambda runtime loop runs, a broken Runtime API connection ends the process inside
// aws-lambda-go's lambda.Start, which exits by itself; no code of ours exits there.)
package start

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/microshop/microshop/shared/awsconfig"
	"github.com/microshop/microshop/shared/consume"
	"github.com/microshop/microshop/shared/httpapi"
	"github.com/microshop/microshop/shared/logging"
	"github.com/microshop/microshop/shared/metrics"
	"github.com/microshop/microshop/shared/tracing"
)

// Env is what a build function reads to build the function's dependencies.
type Env struct {
	// Log is the function's logger; it is also slog.Default().
	Log    *slog.Logger
	getenv func(string) string
}

// ErrMissingVar is returned by Var for a variable that is unset or empty.
var ErrMissingVar = errors.New("environment variable is not set")

// Var returns the environment variable name, or an error wrapping ErrMissingVar that names it.
func (e *Env) Var(name string) (string, error) {
	v := e.getenv(name)
	if v == "" {
		return "", fmt.Errorf("%s: %w", name, ErrMissingVar)
	}
	return v, nil
}

// AWS returns the AWS SDK configuration from the Lambda environment (see shared/awsconfig).
// Build each client from it once, in build.
func (e *Env) AWS() (aws.Config, error) { return awsconfig.Load(e.getenv) }

// Endpoint returns the endpoint override for service, e.g. "DYNAMODB", for the client's
// options (see awsconfig.Endpoint); nil on AWS.
func (e *Env) Endpoint(service string) *string { return awsconfig.Endpoint(e.getenv, service) }

// Build builds a function's handler, and the dependencies it needs, once per process.
type Build[H any] func(env *Env) (H, error)

// StreamHandler handles a batch of DynamoDB stream records and reports the ones that failed
// (the event source mapping needs FunctionResponseTypes ReportBatchItemFailures), as
// shared/outbox's publisher does.
type StreamHandler = func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// HTTP starts a function serving an API Gateway HTTP API route with h (see httpapi.Lambda).
// Each request gets its correlation id (httpapi.Correlate) in its context and response.
func HTTP(service string, build Build[http.Handler]) error {
	f, h, err := setup(service, build, os.Getenv, os.Stdout)
	if err != nil {
		return err
	}
	lambda.Start(f.http(h))
	return nil
}

// SQS starts a function consuming an SQS queue that an EventBridge rule fills: each message's
// event goes to h, failures are reported per message (see consume.Batch).
func SQS(service string, build Build[consume.Handler]) error {
	f, h, err := setup(service, build, os.Getenv, os.Stdout)
	if err != nil {
		return err
	}
	lambda.Start(f.sqs(h))
	return nil
}

// EventBridge starts a function that is an EventBridge rule's target: each event goes to h
// (see consume.Target).
func EventBridge(service string, build Build[consume.Handler]) error {
	f, h, err := setup(service, build, os.Getenv, os.Stdout)
	if err != nil {
		return err
	}
	lambda.Start(f.target(h))
	return nil
}

// DynamoDBStream starts a function consuming a table's stream with h. Records of one batch may
// belong to different chains of work, so h sets each record's correlation id itself.
func DynamoDBStream(service string, build Build[StreamHandler]) error {
	f, h, err := setup(service, build, os.Getenv, os.Stdout)
	if err != nil {
		return err
	}
	lambda.Start(f.stream(h))
	return nil
}

// function is a started function: its logger, its metrics and whether it has been invoked yet.
type function struct {
	log     *slog.Logger
	metrics *metrics.Emitter
	invoked atomic.Bool
}

// lockedWriter serializes the log's and the metrics' lines on one output.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// setup makes the logger and the metrics emitter, installs the logger as slog's default and
// runs build.
func setup[H any](service string, build Build[H], getenv func(string) string, w io.Writer) (*function, H, error) {
	w = &lockedWriter{w: w}
	name := getenv("AWS_LAMBDA_FUNCTION_NAME")
	log := logging.New(w, logging.Options{
		Service:      service,
		FunctionName: name,
		Level:        logging.LevelFromEnv(getenv),
	})
	slog.SetDefault(log)
	emf := metrics.New(w, metrics.Options{
		Stage: getenv(metrics.EnvStage), Service: service, FunctionName: name, TraceID: tracing.TraceID,
	})
	h, err := build(&Env{Log: log, getenv: getenv})
	if err != nil {
		log.Error("function cannot start", slog.Any("error", err))
		var zero H
		return nil, zero, fmt.Errorf("start %s function: %w", service, err)
	}
	return &function{log: log, metrics: emf}, h, nil
}

// begin marks an invocation's context with the cold start flag (true for the first
// invocation of the process only), the invocation's trace header and the metrics emitter.
func (f *function) begin(ctx context.Context) context.Context {
	ctx = tracing.FromLambda(ctx)
	ctx = metrics.WithEmitter(ctx, f.metrics)
	return logging.WithColdStart(ctx, !f.invoked.Swap(true))
}

func (f *function) http(h http.Handler) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	serve := httpapi.Lambda(httpapi.Correlate(h))
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return serve(f.begin(ctx), ev)
	}
}

func (f *function) sqs(h consume.Handler) func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
	batch := consume.Batch(h, f.log)
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		return batch(f.begin(ctx), ev)
	}
}

func (f *function) target(h consume.Handler) func(context.Context, events.EventBridgeEvent) error {
	target := consume.Target(h, f.log)
	return func(ctx context.Context, ev events.EventBridgeEvent) error {
		return target(f.begin(ctx), ev)
	}
}

func (f *function) stream(h StreamHandler) StreamHandler {
	return func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		return h(f.begin(ctx), ev)
	}
}
