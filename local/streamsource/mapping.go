package streamsource

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/microshop/microshop/local/ddbengine"
	"github.com/microshop/microshop/local/internal/esmfilter"
	"github.com/microshop/microshop/local/lambdahost"
)

// ErrInvalidConfig is returned by New for a configuration Lambda would refuse.
var ErrInvalidConfig = errors.New("invalid event source mapping")

// Source is the part of the DynamoDB engine a mapping reads; *ddbengine.Engine implements it.
type Source interface {
	// Subscribe delivers, in order, the records written to table after the call.
	Subscribe(table string) (<-chan ddbengine.Record, func(), error)
	// StreamARN is the table's latest stream ARN, "" when it has none.
	StreamARN(table string) string
	// Do runs one DynamoDB or DynamoDB Streams API operation; it reads records written before
	// the mapping started (TRIM_HORIZON, or resuming after Stop).
	Do(target string, body []byte) (status int, response []byte)
}

var _ Source = (*ddbengine.Engine)(nil)

// Starting positions.
const (
	Latest      = "LATEST"
	TrimHorizon = "TRIM_HORIZON"
)

// Config configures a DynamoDB Streams event source mapping. Field names follow
// AWS::Lambda::EventSourceMapping.
type Config struct {
	Engine Source
	Table  string
	// Function is the function's name as Invoker knows it.
	Function string
	Invoker  lambdahost.Invoker
	// BatchSize is the most records per invocation: default 100, at most 10000.
	BatchSize int
	// MaximumBatchingWindow is how long to keep gathering records for a batch that is not full
	// after the first one arrived; 0 invokes with the records available at once. At most 300s.
	MaximumBatchingWindow time.Duration
	// StartingPosition is Latest (records written after Start) or TrimHorizon (every record
	// still in the stream). Required, as in Lambda.
	StartingPosition string
	// MaximumRetryAttempts bounds retries of a failed batch: nil or -1 retries until the batch
	// succeeds or its records exceed MaximumRecordAgeInSeconds (Lambda's default); 0 to 10000
	// retries that many times, then discards the batch to the on-failure destination.
	MaximumRetryAttempts *int
	// MaximumRecordAgeInSeconds discards records older than this before invoking: 0 or -1 is
	// infinite (the default), otherwise 60 to 604800.
	MaximumRecordAgeInSeconds int
	// BisectBatchOnFunctionError splits a failed batch in half and delivers each half alone.
	BisectBatchOnFunctionError bool
	// ReportBatchItemFailures is FunctionResponseTypes: [ReportBatchItemFailures].
	ReportBatchItemFailures bool
	// Filters are FilterCriteria's patterns (EventBridge pattern JSON, at most 5), matched
	// against each record as the function would receive it (eventName, dynamodb.NewImage
	// ...): a record matching none of them is dropped, counted as processed, and never
	// reaches the function. None: every record is delivered.
	Filters []json.RawMessage
	// OnFailure receives the JSON description of each discarded batch (Lambda's on-failure
	// destination record, with DDBStreamBatchInfo). The runtime sends it to the SQS queue
	// named by DestinationARN. When nil, discarded batches are logged as skipped.
	OnFailure      func(ctx context.Context, info []byte) error
	DestinationARN string
	// Region and AccountID make the function ARN in on-failure records; both default to those
	// of the table's stream ARN.
	Region    string
	AccountID string
	// RetryBackoff is the delay before the first retry of a failed batch; it doubles on each
	// further retry up to 2s. Default 100ms.
	RetryBackoff time.Duration
	// Log receives delivery diagnostics and skipped-record warnings; slog.Default() when nil.
	Log *slog.Logger
	// Now is the clock for record ages and on-failure timestamps (tests); time.Now when nil.
	Now func() time.Time
}

// Mapping reads one table's stream and invokes one function with batches of its records, in
// order, the way Lambda's DynamoDB Streams event source mapping does.
type Mapping struct {
	cfg        Config
	filters    *esmfilter.Filters
	maxRetries int // -1 = infinite
	maxAge     time.Duration
	log        *slog.Logger

	mu         sync.Mutex
	cancel     context.CancelFunc
	done       chan struct{}
	checkpoint string // sequence number of the last record delivered or discarded
}

// Limits Lambda applies to stream mappings.
const (
	defaultBatchSize = 100
	maxBatchSize     = 10000
	maxWindow        = 300 * time.Second
	maxRetryAttempts = 10000
	minRecordAge     = 60
	maxRecordAge     = 604800
	// maxPayload is Lambda's synchronous invocation payload limit.
	maxPayload = 6 * 1024 * 1024
	maxBackoff = 2 * time.Second
)

// New validates cfg and returns a stopped mapping. The table must exist and have a stream.
// Errors wrap ErrInvalidConfig, or the engine's ddbengine.ErrNoStream.
func New(cfg Config) (*Mapping, error) {
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("stream event source mapping for %s: %w: %s", cfg.Table, ErrInvalidConfig, fmt.Sprintf(format, args...))
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = defaultBatchSize
	}
	if cfg.MaximumRecordAgeInSeconds == 0 {
		cfg.MaximumRecordAgeInSeconds = -1
	}
	if cfg.RetryBackoff == 0 {
		cfg.RetryBackoff = 100 * time.Millisecond
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	maxRetries := -1
	if cfg.MaximumRetryAttempts != nil {
		maxRetries = *cfg.MaximumRetryAttempts
	}
	switch {
	case cfg.Engine == nil || cfg.Table == "":
		return nil, invalid("an engine and a table are required")
	case cfg.Function == "" || cfg.Invoker == nil:
		return nil, invalid("a function and an invoker are required")
	case cfg.BatchSize < 1 || cfg.BatchSize > maxBatchSize:
		return nil, invalid("BatchSize %d is out of range (1-%d)", cfg.BatchSize, maxBatchSize)
	case cfg.MaximumBatchingWindow < 0 || cfg.MaximumBatchingWindow > maxWindow:
		return nil, invalid("MaximumBatchingWindow must be between 0 and 300 seconds")
	case cfg.StartingPosition != Latest && cfg.StartingPosition != TrimHorizon:
		return nil, invalid("StartingPosition must be LATEST or TRIM_HORIZON, not %q", cfg.StartingPosition)
	case maxRetries < -1 || maxRetries > maxRetryAttempts:
		return nil, invalid("MaximumRetryAttempts must be between -1 and %d", maxRetryAttempts)
	case cfg.MaximumRecordAgeInSeconds != -1 &&
		(cfg.MaximumRecordAgeInSeconds < minRecordAge || cfg.MaximumRecordAgeInSeconds > maxRecordAge):
		return nil, invalid("MaximumRecordAgeInSeconds must be -1 or between %d and %d", minRecordAge, maxRecordAge)
	case cfg.RetryBackoff < 0:
		return nil, invalid("RetryBackoff must not be negative")
	}
	filters, err := esmfilter.Compile(cfg.Filters)
	if err != nil {
		return nil, invalid("%v", err)
	}
	if cfg.Engine.StreamARN(cfg.Table) == "" {
		return nil, fmt.Errorf("stream event source mapping for %s: %w", cfg.Table, ddbengine.ErrNoStream)
	}
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	m := &Mapping{cfg: cfg, filters: filters, maxRetries: maxRetries, log: log.With("table", cfg.Table, "function", cfg.Function)}
	if cfg.MaximumRecordAgeInSeconds > 0 {
		m.maxAge = time.Duration(cfg.MaximumRecordAgeInSeconds) * time.Second
	}
	return m, nil
}

// Start subscribes to the stream and starts delivering; it does nothing if the mapping is
// running. The first Start begins at StartingPosition; a later one resumes after the last
// record delivered or discarded. Errors: the table has no stream, or it cannot be read.
func (m *Mapping) Start() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cancel != nil {
		return nil
	}
	// Subscribe before reading the backlog so no record falls between the two; the reader
	// drops the records it sees twice.
	ch, unsubscribe, err := m.cfg.Engine.Subscribe(m.cfg.Table)
	if err != nil {
		return fmt.Errorf("start stream event source mapping for %s: %w", m.cfg.Table, err)
	}
	arn := m.cfg.Engine.StreamARN(m.cfg.Table)
	r := &reader{ch: ch, arn: arn, log: m.log, last: m.checkpoint, filters: m.filters, skip: m.advance}
	shard, err := describeShard(m.cfg.Engine, arn)
	if err == nil && (m.checkpoint != "" || m.cfg.StartingPosition == TrimHorizon) {
		err = r.readBacklog(m.cfg.Engine, shard, m.checkpoint)
	}
	if err != nil {
		unsubscribe()
		return fmt.Errorf("start stream event source mapping for %s: %w", m.cfg.Table, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel, m.done = cancel, make(chan struct{})
	go func(done chan struct{}) {
		defer close(done)
		defer unsubscribe()
		m.run(ctx, r, shard)
	}(m.done)
	return nil
}

// Stop stops delivering and waits for the batch being delivered: an invocation in flight runs
// to completion, pending retries are abandoned (a later Start retries them).
func (m *Mapping) Stop() {
	m.mu.Lock()
	cancel, done := m.cancel, m.done
	m.cancel, m.done = nil, nil
	m.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
}

// Checkpoint returns the sequence number of the last record delivered or discarded ("" before
// the first).
func (m *Mapping) Checkpoint() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.checkpoint
}

func (m *Mapping) advance(seq string) {
	m.mu.Lock()
	m.checkpoint = seq
	m.mu.Unlock()
}

func (m *Mapping) run(ctx context.Context, r *reader, shard string) {
	d := &deliverer{m: m, arn: r.arn, shard: shard, functionARN: m.functionARN(r.arn)}
	for {
		batch, ok := r.next(ctx, m.cfg.BatchSize, m.cfg.MaximumBatchingWindow)
		if !ok {
			return
		}
		d.deliver(ctx, batch)
		if ctx.Err() != nil {
			return
		}
	}
}

// functionARN builds the function's ARN from the configured or the stream's region and account.
func (m *Mapping) functionARN(streamARN string) string {
	region, account := m.cfg.Region, m.cfg.AccountID
	// arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL
	if parts := strings.SplitN(streamARN, ":", 6); len(parts) == 6 {
		if region == "" {
			region = parts[3]
		}
		if account == "" {
			account = parts[4]
		}
	}
	return "arn:aws:lambda:" + region + ":" + account + ":function:" + m.cfg.Function
}
