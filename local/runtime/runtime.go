// Package runtime wires the local runtime together from a synthesized CloudFormation
// template. Everything it serves comes from the typed model of local/template, never from
// raw resource properties:
//
//   - the DynamoDB engine behind the edge port (embedded, dynalite or an external endpoint)
//     with the template's tables, streams and TTL;
//   - every function built for the host and run under the Lambda process manager, with the
//     Lambda API (synchronous and Event invocations; EventInvokeConfig retries, the
//     function's DeadLetterConfig and on-failure destinations) and, with Config.Watch, hot
//     rebuilds;
//   - each HTTP API, with its JWT authorizers checked against the runtime's token issuer;
//   - the Cognito user pools, clients and groups of the template (local/cognito) behind the
//     edge port, signing their tokens with that issuer so the authorizers accept them;
//   - SQS with the template's queues (created dead-letter queues first) and EventBridge with
//     its buses and pattern rules, whose targets are the template's functions and queues;
//     rules and targets added through the EventBridge API (PutRule, PutTargets ...) reach
//     the same functions and any local queue, so `aws events put-rule` + `put-targets` taps
//     a bus into a queue made with `aws sqs create-queue` (Tap does the same from Go);
//   - event source mappings from queues and table streams to functions, with batching,
//     partial batch responses, bisecting, retries, on-failure destinations and FilterCriteria;
//   - the functions' output as CloudWatch Logs (local/cwlogs: a log group per function from
//     its LoggingConfig, a stream per process) and SES v2 SendEmail into a local mailbox
//     (local/sesmail), both behind the edge port and kept in bounded rings (RecordSize);
//   - STS GetCallerIdentity (local/stsapi) answering with the template's account;
//   - regions: the template's resources live in Config.Region; a request signed for another
//     region sees that region's own DynamoDB, SQS, EventBridge and Logs (regions.go).
//
// The devcloud command and the end-to-end tests both start it here, with Start.
package runtime

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/microshop/microshop/local/apigw"
	"github.com/microshop/microshop/local/code"
	"github.com/microshop/microshop/local/console"
	"github.com/microshop/microshop/local/cwlogs"
	"github.com/microshop/microshop/local/ddbengine"
	"github.com/microshop/microshop/local/dynalite"
	"github.com/microshop/microshop/local/edge"
	"github.com/microshop/microshop/local/eventbus"
	"github.com/microshop/microshop/local/faults"
	"github.com/microshop/microshop/local/lambdaapi"
	"github.com/microshop/microshop/local/lambdahost"
	"github.com/microshop/microshop/local/record"
	"github.com/microshop/microshop/local/sesmail"
	"github.com/microshop/microshop/local/sqsqueue"
	"github.com/microshop/microshop/local/stsapi"
	"github.com/microshop/microshop/local/template"
)

// Defaults for the fixed development ports.
const (
	DefaultAPIAddr  = "127.0.0.1:3000"
	DefaultEdgeAddr = "127.0.0.1:4566"
	DefaultSiteAddr = "127.0.0.1:8080"
)

// DynamoDB engines.
const (
	EngineEmbedded = "embedded"
	EngineDynalite = "dynalite"
)

// Errors of Lookup.
var (
	// ErrUnknownFunction is returned when a name matches no function of the template.
	ErrUnknownFunction = errors.New("unknown function")
	// ErrAmbiguousFunction is returned when a name matches several functions.
	ErrAmbiguousFunction = errors.New("ambiguous function name")
)

// Config says what to run and where.
type Config struct {
	// Template is the path of the synthesized template.
	Template string
	// Region is the template's region (AWS::Region, its ARNs): its resources live there, and
	// requests signed for another region see that region's own, initially empty, resources
	// (regions.go). Default template.DefaultRegion.
	Region string
	// Root is the Go module root the functions' GoPackage paths are relative to; default: the
	// module holding the template, if any.
	Root string
	// Sources maps functions (logical ID, name or CDK construct ID: code.Names) to the folder
	// of their main package, built instead of what the template says (`devcloud serve
	// --source`, devcloud.yaml).
	Sources map[string]string
	// CacheDir receives builds of code outside Root and extracted .zip packages; default
	// code.DefaultCacheDir().
	CacheDir string
	// APIAddr is where the first HTTP API listens ("127.0.0.1:0" for a free port). Further
	// APIs listen on free ports. Empty: serve no HTTP API.
	APIAddr string
	// EdgeAddr is where the AWS endpoint listens; empty means a free loopback port.
	EdgeAddr string
	// SiteAddr is where the template's web site (its first bucket deployment, see site.go)
	// is served as its CloudFront distribution would serve it ("127.0.0.1:0" for a free
	// port). Empty: serve no site.
	SiteAddr string
	// DynamoDBEndpoint, when set, is an external DynamoDB-compatible endpoint used instead of
	// starting an engine.
	DynamoDBEndpoint string
	// DynamoDBEngine picks the engine started when DynamoDBEndpoint is empty: EngineEmbedded
	// (default: our in-process engine with transactions, streams and TTL) or EngineDynalite.
	DynamoDBEngine string
	// DataDir, when set, keeps the embedded engine's tables and the user pools' users
	// across restarts.
	DataDir string
	// AutoConfirm confirms users of the local user pools at SignUp; otherwise their
	// confirmation codes are written to Log.
	AutoConfirm bool
	// KeyDir keeps the local token issuer's signing key; default DefaultKeyDir(Root).
	KeyDir string
	// Parameters override the template's parameter defaults, by name (like
	// `sam local --parameter-overrides`).
	Parameters map[string]string
	// Watch rebuilds a function when its Go source (or an in-module dependency) changes and
	// replaces its warm processes; in-flight invocations finish on the old binary.
	Watch bool
	// Functions limits which functions are built and run (names as accepted by Lookup);
	// empty means all.
	Functions []string
	// Log receives the runtime's lines and the functions' output; nil means io.Discard.
	Log io.Writer
	// Faults, when set, injects its faults (local/faults) into invocations, event source
	// deliveries, PutEvents and DynamoDB calls (`devcloud serve --faults FILE`).
	Faults *faults.Injector

	// Clock, when set, is EventBridge's clock: event times, archives' retention and when
	// schedules fire (tests pass a fake clock). Nil means the system clock.
	Clock func() time.Time
	// NoScheduleTimer turns the schedule timer off: scheduled rules and Scheduler schedules
	// then fire only on demand (FireSchedule, POST <edge>/_console/api/schedules/<name>/fire).
	NoScheduleTimer bool

	// RecordSize is how many records each in-memory ring keeps: log events per log group
	// and messages in the mailbox. 0 means the packages' defaults (cwlogs.DefaultSize,
	// sesmail.DefaultSize); recording never grows past it. The console's recorder
	// (local/record) keeps RecordSize invocations per function (record.DefaultSize when 0)
	// and 16 × RecordSize trace spans.
	RecordSize int
	// NoRecording turns the console's recording (invocations, function counters, traces)
	// off: its hooks are not installed and its pages show nothing. CloudWatch Logs and the
	// mailbox are still kept.
	NoRecording bool
	// DynamoDBStateDelay keeps tables that code creates, updates or deletes CREATING,
	// UPDATING or DELETING that long (embedded engine only; ddbengine.Options.StateDelay).
	DynamoDBStateDelay time.Duration
}

// Timings are what starting took, for the benchmarks and the startup banner.
type Timings struct {
	Engine time.Duration // DynamoDB engine start and table creation
	Build  time.Duration // building the functions for the host
	Total  time.Duration // Start call until everything serves
}

// Runtime is a running local stack.
type Runtime struct {
	model     *template.Model
	ddb       *ddbengine.Engine
	sqs       *sqsqueue.Service
	events    *eventbus.Service
	arns      *arnIndex
	log       *slog.Logger
	async     map[string]asyncTarget // function name → where failed async invocations go
	lambdaAPI *lambdaapi.Handler
	manager   *lambdahost.Manager
	running   []*template.Function // the functions run, by logical ID
	faults    *faults.Injector
	// clock and noScheduleTimer are Config.Clock and Config.NoScheduleTimer (schedules.go).
	clock           func() time.Time
	noScheduleTimer bool

	rec      *record.Recorder // nil with Config.NoRecording
	logs     *cwlogs.Store
	mailbox  *sesmail.Mailbox
	console  *console.Console
	eventLog *eventLog // the console's EventBridge event log
	edgeURL  string
	apiURLs  []string
	restURLs []RestAPIURL // see restapi.go
	siteURL  string
	servers  []*http.Server
	closers  []func() error
	timings  Timings
	closeErr error
	once     sync.Once
}

// Start runs the template's stack locally. Close stops everything it started.
func Start(ctx context.Context, cfg Config) (_ *Runtime, err error) {
	began := time.Now()
	logw := cfg.Log
	if logw == nil {
		logw = io.Discard
	}
	root, err := moduleRoot(cfg)
	if err != nil {
		return nil, fmt.Errorf("start local runtime: %w", err)
	}
	rt := &Runtime{faults: cfg.Faults, clock: cfg.Clock, noScheduleTimer: cfg.NoScheduleTimer}
	if !cfg.NoRecording {
		rt.rec = record.New(cfg.RecordSize)
	}
	defer func() {
		if err != nil {
			_ = rt.Close()
		}
	}()

	edgeAddr := cfg.EdgeAddr
	if edgeAddr == "" {
		edgeAddr = "127.0.0.1:0"
	}
	edgeLn, err := net.Listen("tcp", edgeAddr)
	if err != nil {
		return nil, fmt.Errorf("start local runtime: edge port: %w", err)
	}
	rt.edgeURL = "http://" + edgeLn.Addr().String()
	gw := edge.New()
	rt.serve(edgeLn, gw)

	var siteLn net.Listener
	opts := template.Options{QueueBaseURL: rt.edgeURL, Parameters: cfg.Parameters, Region: cfg.Region}
	if cfg.SiteAddr != "" {
		// Listen first: the distribution's domain name is the site's address.
		if siteLn, err = net.Listen("tcp", cfg.SiteAddr); err != nil {
			return nil, fmt.Errorf("start local runtime: site: %w", err)
		}
		rt.closers = append(rt.closers, func() error { _ = siteLn.Close(); return nil })
		opts.DistributionDomain = siteLn.Addr().String()
	}
	apiEndpoints := map[string]string{} // local API ID -> URL, filled in as the APIs listen
	opts.APIEndpoint = func(id string) string {
		if u, ok := apiEndpoints[id]; ok {
			return u
		}
		return template.DefaultEdgeURL
	}
	model, err := template.Load(cfg.Template, opts)
	if err != nil {
		return nil, fmt.Errorf("start local runtime: %w", err)
	}
	rt.model = model

	engineStart := time.Now()
	ddbEndpoint, err := rt.startDynamoDB(ctx, cfg, gw, root, logw)
	if err != nil {
		return nil, fmt.Errorf("start local runtime: %w", err)
	}
	if err := CreateTables(ctx, ddbEndpoint, model.Tables, logw); err != nil {
		return nil, fmt.Errorf("start local runtime: %w", err)
	}
	if rt.ddb != nil && cfg.DynamoDBStateDelay > 0 {
		rt.ddb.SetStateDelay(cfg.DynamoDBStateDelay) // the template's tables are ACTIVE, as deployed
	}
	rt.timings.Engine = time.Since(engineStart)

	fns, skipped, err := rt.selectFunctions(cfg.Functions, cfg.Sources)
	if err != nil {
		return nil, fmt.Errorf("start local runtime: %w", err)
	}
	for _, fn := range skipped {
		fmt.Fprintf(logw, "devcloud: not running %s (runtime %s, no LocalRuntime.GoPackage: a deploy-time handler such as a custom resource's)\n", fn.Name, fn.Runtime)
	}
	buildStart := time.Now()
	plans, err := locateCode(model, fns, root, cfg, logw)
	if err != nil {
		return nil, fmt.Errorf("start local runtime: %w", err)
	}
	binaries, err := code.Build(ctx, plans, logw)
	if err != nil {
		return nil, fmt.Errorf("start local runtime: %w", err)
	}
	rt.running = fns
	rt.timings.Build = time.Since(buildStart)

	rt.startLogsAndMail(gw, fns, cfg.RecordSize)
	rt.console = console.New()
	gw.HandlePrefix(console.Prefix, rt.console)
	gw.Handle(edge.STS, stsapi.New(stsapi.Options{AccountID: model.AccountID, Region: model.Region}))
	managerOpts := lambdahost.ManagerOptions{
		Logs:    logw,
		Region:  model.Region,
		Env:     endpointEnv(rt.edgeURL),
		Reports: true,
		Record:  rt.logs,
	}
	if rt.rec != nil {
		managerOpts.Record = logTee{rt.logs, rt.rec}
		managerOpts.Observe = rt.observe
	}
	if cfg.Faults != nil {
		managerOpts.Faults = cfg.Faults.InvocationFault
	}
	rt.manager = lambdahost.NewManager(managerOpts)
	rt.closers = append(rt.closers, rt.manager.Close)
	specs := map[string]lambdahost.FunctionSpec{}
	background := backgroundFunctions(model)
	for _, fn := range fns {
		spec := lambdahost.FunctionSpec{
			Name:                fn.Name,
			ARN:                 fn.ARN,
			Binary:              binaries[fn.Name],
			Environment:         rt.callerEnv(fn),
			Timeout:             fn.Timeout,
			MemoryMB:            fn.MemoryMB,
			ReservedConcurrency: max(fn.ReservedConcurrency, 0),
			Throttled:           fn.ReservedConcurrency == 0,
			Background:          background[fn.LogicalID],
		}
		if err := rt.manager.Register(spec); err != nil {
			return nil, fmt.Errorf("start local runtime: %w", err)
		}
		specs[fn.Name] = spec
	}
	if cfg.Watch {
		if err := rt.watch(ctx, plans, specs, logw); err != nil {
			return nil, fmt.Errorf("start local runtime: %w", err)
		}
	}

	rt.arns = rt.indexARNs()
	if rt.async, err = rt.asyncTargets(); err != nil {
		return nil, fmt.Errorf("start local runtime: %w", err)
	}
	rt.startLambdaAPI(gw, logw)
	rt.eventLog = newRing[eventbus.Put](cmp.Or(cfg.RecordSize, DefaultEventLogSize))
	if err := rt.startEvents(gw, logw); err != nil {
		return nil, fmt.Errorf("start local runtime: %w", err)
	}
	rt.startRegions(gw, cfg)
	keyDir := cfg.KeyDir
	if keyDir == "" {
		keyDir = defaultKeyDir(root, cfg)
	}
	auth, iss, err := rt.startIdentity(gw, keyDir)
	if err != nil {
		return nil, fmt.Errorf("start local runtime: %w", err)
	}
	if err := rt.startCognito(gw, iss, cfg, logw); err != nil {
		return nil, fmt.Errorf("start local runtime: %w", err)
	}

	if cfg.APIAddr != "" {
		names := map[string]string{}
		for id, fn := range model.Functions {
			names[id] = fn.Name
		}
		for i, api := range model.APIs {
			addr := "127.0.0.1:0"
			if i == 0 {
				addr = cfg.APIAddr
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return nil, fmt.Errorf("start local runtime: HTTP API %s: %w", api.LogicalID, err)
			}
			opts := apigw.Options{Region: model.Region, AccountID: model.AccountID, Log: logw, Authorizers: model.Authorizers}
			if auth != nil {
				opts.Authorizer = auth
			}
			u := "http://" + ln.Addr().String()
			apiEndpoints[api.ID] = u
			api.Endpoint = u
			var inv lambdahost.Invoker = rt.manager
			if rt.rec != nil {
				inv = httpInvoker{rt.manager}
			}
			h := apigw.New(localCORS(api, siteLn), names, inv, opts)
			rt.apiURLs = append(rt.apiURLs, u)
			rt.serve(ln, rt.recordHTTP(h))
		}
		if err := rt.startRestAPIs(cfg.APIAddr, len(model.APIs) == 0, iss, logw); err != nil {
			return nil, fmt.Errorf("start local runtime: %w", err)
		}
	}
	if siteLn != nil {
		if err := rt.startSite(siteLn, logw); err != nil {
			return nil, fmt.Errorf("start local runtime: %w", err)
		}
	}
	rt.registerConsole()
	rt.registerOpsPages() // after Stack, Functions and Traces in the navigation
	rt.timings.Total = time.Since(began)
	return rt, nil
}

// startDynamoDB mounts the DynamoDB engine on the edge and returns the endpoint tables are
// created through.
func (rt *Runtime) startDynamoDB(ctx context.Context, cfg Config, gw *edge.Edge, root string, logw io.Writer) (string, error) {
	endpoint := cfg.DynamoDBEndpoint
	switch {
	case endpoint != "":
	case cfg.DynamoDBEngine == EngineDynalite:
		srv, err := dynalite.Start(ctx, dynalite.Options{Root: root, Log: logw})
		if err != nil {
			return "", err
		}
		rt.closers = append(rt.closers, srv.Close)
		endpoint = srv.Endpoint()
	case cfg.DynamoDBEngine == "" || cfg.DynamoDBEngine == EngineEmbedded:
		e, err := ddbengine.Open(ddbengine.Options{Region: rt.model.Region, AccountID: rt.model.AccountID, DataDir: cfg.DataDir})
		if err != nil {
			return "", err
		}
		rt.ddb = e
		rt.closers = append(rt.closers, rt.ddb.Close)
		gw.Handle(edge.DynamoDB, rt.recordEdge(record.KindDynamoDB, dynamoDBWrites, rt.faults.DynamoDB(rt.ddb)))
		gw.Handle(edge.DynamoDBStreams, rt.ddb)
		return rt.edgeURL, nil
	default:
		return "", fmt.Errorf("unknown DynamoDB engine %q (want %s or %s)", cfg.DynamoDBEngine, EngineEmbedded, EngineDynalite)
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", fmt.Errorf("dynamodb endpoint %q: %w", endpoint, err)
	}
	gw.Handle(edge.DynamoDB, rt.recordEdge(record.KindDynamoDB, dynamoDBWrites, rt.faults.DynamoDB(edge.Proxy(u))))
	return endpoint, nil
}

// startLogsAndMail mounts CloudWatch Logs, with a log group for each function run, and
// SES's SendEmail with its mailbox on the edge.
func (rt *Runtime) startLogsAndMail(gw *edge.Edge, fns []*template.Function, size int) {
	groups := make(map[string]string, len(fns))
	for _, fn := range fns {
		groups[fn.Name] = fn.LogGroup
	}
	rt.logs = cwlogs.New(cwlogs.Options{Size: size, Region: rt.model.Region, AccountID: rt.model.AccountID, Groups: groups})
	gw.Handle(edge.Logs, rt.logs)
	rt.mailbox = sesmail.New(size)
	gw.Handle(edge.SES, rt.mailbox)
	gw.HandlePrefix(sesmail.MailboxPath, rt.mailbox.MailboxHandler())
}

// Logs is the functions' log groups (what the CloudWatch Logs API serves).
func (rt *Runtime) Logs() *cwlogs.Store { return rt.logs }

// Console is the local console served on the edge under console.Prefix; parts of the
// runtime register their pages and API routes with it.
func (rt *Runtime) Console() *console.Console { return rt.console }

// ConsoleURL is the console's address.
func (rt *Runtime) ConsoleURL() string { return rt.edgeURL + console.Prefix }

// Mailbox is what the functions sent through SES.
func (rt *Runtime) Mailbox() *sesmail.Mailbox { return rt.mailbox }

// DynamoDB is the embedded engine, or nil when another engine serves DynamoDB.
func (rt *Runtime) DynamoDB() *ddbengine.Engine { return rt.ddb }

func (rt *Runtime) serve(ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	rt.servers = append(rt.servers, srv)
	go func() { _ = srv.Serve(ln) }()
}

// endpointEnv points every AWS SDK in a function at the edge port, so nothing a function does
// leaves the machine.
func endpointEnv(edgeURL string) map[string]string {
	env := map[string]string{"AWS_ENDPOINT_URL": edgeURL}
	for _, svc := range []string{"DYNAMODB", "DYNAMODB_STREAMS", "EVENTBRIDGE", "SQS", "LAMBDA", "COGNITO_IDENTITY_PROVIDER", "CLOUDWATCH_LOGS", "SESV2", "STS"} {
		env["AWS_ENDPOINT_URL_"+svc] = edgeURL
	}
	return env
}

// selectFunctions returns the functions to run, and those of the template skipped because
// they are not Go functions: without GoPackage metadata or a --source mapping, and with a
// managed runtime other than go1.x (python, nodejs, ...), such as CDK's custom resource
// handlers, which only run at deploy time. A function named in names is always run; where
// its code is, and whether it runs here, is local/code's to say.
func (rt *Runtime) selectFunctions(names []string, sources map[string]string) (fns, skipped []*template.Function, err error) {
	if len(names) == 0 {
		for _, fn := range rt.model.Functions {
			if fn.GoPackage == "" && !goRuntime(fn.Runtime) && !hasSource(fn, sources) {
				skipped = append(skipped, fn)
				continue
			}
			fns = append(fns, fn)
		}
	}
	for _, n := range names {
		fn, err := rt.Lookup(n)
		if err != nil {
			return nil, nil, err
		}
		fns = append(fns, fn)
	}
	sort.Slice(fns, func(i, j int) bool { return fns[i].LogicalID < fns[j].LogicalID })
	sort.Slice(skipped, func(i, j int) bool { return skipped[i].LogicalID < skipped[j].LogicalID })
	return fns, skipped, nil
}

// Lookup finds a function by its name, logical ID, or Go package base name (for example
// "catalog-get-product"), or by a unique prefix of its logical ID.
func (rt *Runtime) Lookup(name string) (*template.Function, error) {
	return Lookup(rt.model, name)
}

// Lookup is Runtime.Lookup on a model. The kinds of name are tried in order (function name,
// logical ID, Go package base name, logical-ID prefix) and each must match exactly one
// function, so a function's own name always wins over another's package name.
func Lookup(m *template.Model, name string) (*template.Function, error) {
	matchers := []func(fn *template.Function) bool{
		func(fn *template.Function) bool { return fn.Name == name },
		func(fn *template.Function) bool { return fn.LogicalID == name },
		func(fn *template.Function) bool { return fn.GoPackage != "" && filepath.Base(fn.GoPackage) == name },
		func(fn *template.Function) bool { return strings.HasPrefix(fn.LogicalID, name) },
	}
	for _, match := range matchers {
		var found []*template.Function
		for _, fn := range m.Functions {
			if match(fn) {
				found = append(found, fn)
			}
		}
		switch len(found) {
		case 0:
			continue
		case 1:
			return found[0], nil
		default:
			return nil, fmt.Errorf("%w: %q names %d functions", ErrAmbiguousFunction, name, len(found))
		}
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownFunction, name)
}

// Invoke runs one invocation of the named function (any name Lookup accepts).
func (rt *Runtime) Invoke(ctx context.Context, name string, payload []byte) (*lambdahost.Result, error) {
	fn, err := rt.Lookup(name)
	if err != nil {
		return nil, err
	}
	return rt.manager.Invoke(ctx, fn.Name, payload)
}

// Model is the template model being served.
func (rt *Runtime) Model() *template.Model { return rt.model }

// Manager is the Lambda process manager (for benchmarks and event sources).
func (rt *Runtime) Manager() *lambdahost.Manager { return rt.manager }

// EdgeURL is the AWS endpoint, e.g. http://127.0.0.1:4566.
func (rt *Runtime) EdgeURL() string { return rt.edgeURL }

// APIURL is the first HTTP API's base URL, or "" when none is served.
func (rt *Runtime) APIURL() string {
	if len(rt.apiURLs) == 0 {
		return ""
	}
	return rt.apiURLs[0]
}

// SiteURL is the web site's URL, e.g. http://127.0.0.1:8080, or "" when none is served.
func (rt *Runtime) SiteURL() string { return rt.siteURL }

// APIURLs are every HTTP API's base URL, in the model's API order.
func (rt *Runtime) APIURLs() []string { return rt.apiURLs }

// Timings says how long Start took and where.
func (rt *Runtime) Timings() Timings { return rt.timings }

// Close stops the servers, every function process, and the engine, and waits for them.
func (rt *Runtime) Close() error {
	rt.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var errs []error
		for _, s := range rt.servers {
			if err := s.Shutdown(ctx); err != nil {
				errs = append(errs, s.Close())
			}
		}
		for i := len(rt.closers) - 1; i >= 0; i-- {
			errs = append(errs, rt.closers[i]())
		}
		rt.closeErr = errors.Join(errs...)
	})
	return rt.closeErr
}
