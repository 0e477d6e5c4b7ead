// Command load replays shopping journeys against the shop and checks the saga's invariants
// afterwards (package load). `make load` runs it for 60 s with the default mix:
//
//	go run ./tools/load/cmd/load [-duration 60s] [-concurrency 16] [-rate 0] [-mix browse=50,cart=20,order=20,cancel=10] [-seed N]
//	go run ./tools/load/cmd/load -flash 500 [-units 25]
//
// -cpuprofile FILE writes a CPU profile of the process (go tool pprof FILE): the generator's
// and, when it runs here, the local runtime's; the functions are processes of their own.
//
// Where it runs against:
//   - nothing named: it starts the local runtime on cdk.out's template (the runtime
//     devcloud serve runs, on free ports, in this process), seeds it as make dev does
//     (tools/devseed), and stops it at the end;
//   - -api and -edge: a local stack already serving (make dev prints both);
//   - -deployed: a deployed stage described by the E2E_* variables (e2e/shoptest.FromEnv,
//     the ones make e2e-aws sets).
//
// It exits 1 when an invariant breaks (or the flash sale oversold), 2 on bad flags, and 3
// when the run itself could not be made.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/microshop/microshop/e2e/shoptest"
	"github.com/microshop/microshop/local/modroot"
	"github.com/microshop/microshop/local/template"
	"github.com/microshop/microshop/local/timerslack"
	"github.com/microshop/microshop/tools/devseed"
	"github.com/microshop/microshop/tools/load"
)

func main() {
	// The generator and the runtime it may start in this process, with the slack devcloud
	// runs with (local/timerslack): a re-execution, so before anything else.
	if err := timerslack.Ensure(); err != nil {
		fmt.Fprintln(os.Stderr, "load: warning:", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, isTerminal(os.Stdout))
	stop()
	os.Exit(code)
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// run is the command; it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, terminal bool) int {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg load.Config
	fs.DurationVar(&cfg.Duration, "duration", 60*time.Second, "how long journeys start (the mixed run)")
	fs.DurationVar(&cfg.Warmup, "warmup", 0, "journeys run this long first, not recorded (cold starts)")
	fs.IntVar(&cfg.Concurrency, "concurrency", 16, "virtual customers, each running journeys one after another")
	fs.Float64Var(&cfg.Rate, "rate", 0, "requests per second over all customers (0: as fast as the customers go)")
	mix := fs.String("mix", load.DefaultMix.String(), "journey weights: browse, cart, order, cancel")
	seed := fs.Uint64("seed", 0, "seed of the journeys' choices (0: from the clock, printed)")
	fs.IntVar(&cfg.Products, "products", 8, "products the run creates and orders")
	fs.IntVar(&cfg.Stock, "stock", 100000, "units each of them gets")
	fs.IntVar(&cfg.FlashBuyers, "flash", 0, "run a flash sale with this many buyers instead of the mixed run")
	fs.IntVar(&cfg.FlashUnits, "units", 25, "units of the flash sale's product")
	fs.DurationVar(&cfg.SagaTimeout, "saga-timeout", shoptest.SagaTimeout, "how long an order may take to be final")
	refresh := fs.Duration("refresh", 0, "live view refresh (default 250ms on a terminal, 5s otherwise)")
	reportDir := fs.String("report", "", "report folder (default build/load/<mode>-<time>)")
	api := fs.String("api", "", "base URL of a running local stack's HTTP API (with -edge)")
	edge := fs.String("edge", "", "a running local stack's AWS endpoint (with -api)")
	tmpl := fs.String("template", "cdk.out/Microshop.template.json", "the synthesized template the local stack serves")
	deployed := fs.Bool("deployed", false, "run against the deployed stage the E2E_* variables describe")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of this process (the generator, and the local runtime when it runs here) to this file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		defer pprof.StopCPUProfile()
	}
	m, err := load.ParseMix(*mix)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	cfg.Mix = m
	if (*api == "") != (*edge == "") || (*deployed && *api != "") {
		fmt.Fprintln(stderr, "load: give -api and -edge together, or -deployed, or neither (start the local runtime)")
		return 2
	}
	cfg.Seed = *seed
	if cfg.Seed == 0 {
		cfg.Seed = uint64(time.Now().UnixNano())
	}
	cfg.Out, cfg.Terminal, cfg.Refresh = stdout, terminal, *refresh
	if cfg.Refresh == 0 {
		cfg.Refresh = 5 * time.Second
		if terminal {
			cfg.Refresh = 250 * time.Millisecond
		}
	}
	mode := "mixed"
	if cfg.FlashBuyers > 0 {
		mode = "flash"
	}
	if *reportDir == "" {
		*reportDir = filepath.Join("build", "load", mode+"-"+time.Now().UTC().Format("20060102T150405Z"))
	}
	fmt.Fprintf(stdout, "load: %s run, seed %d\n", mode, cfg.Seed)

	closeTarget, err := open(ctx, *deployed, *api, *edge, *tmpl, *reportDir, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "load: %v\n", err)
		return 3
	}
	defer closeTarget()
	res, err := load.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "load: %v\n", err)
		return 3
	}
	rep := load.NewReport(res, "load "+strings.Join(args, " "))
	rep.WriteTable(stdout)
	if err := rep.Write(*reportDir); err != nil {
		fmt.Fprintln(stderr, err)
		return 3
	}
	fmt.Fprintf(stdout, "report: %s (results.json, index.html)\n", *reportDir)
	if len(res.Violations) > 0 {
		fmt.Fprintf(stderr, "load: FAILED: %d invariants broken:\n", len(res.Violations))
		for _, v := range res.Violations {
			fmt.Fprintf(stderr, "  - %s\n", v)
		}
		return 1
	}
	fmt.Fprintln(stdout, "invariants hold: every accepted order is there and final, stock conserved, charges − refunds = CONFIRMED totals, dead-letter queues empty")
	return 0
}

// open points shoptest at the target and signs its admin in; the returned func deletes the
// users the run made and stops a runtime it started.
func open(ctx context.Context, deployed bool, api, edge, tmpl, reportDir string, out io.Writer) (func(), error) {
	var tg shoptest.Target
	closeRT := func() {}
	if _, err := os.Stat(tmpl); err != nil && !filepath.IsAbs(tmpl) {
		// Relative to the module's root, as make runs it, from wherever the command runs.
		if root, rerr := modroot.FromWorkingDir(); rerr == nil {
			tmpl = filepath.Join(root, tmpl)
		}
	}
	switch {
	case deployed:
		var ok bool
		var err error
		if tg, ok, err = shoptest.FromEnv(); err != nil {
			return nil, err
		} else if !ok {
			return nil, errors.New("-deployed: " + shoptest.EnvAPIURL + " is not set")
		}
	case api != "":
		m, err := template.Load(tmpl, template.Options{})
		if err != nil {
			return nil, err
		}
		if tg, err = shoptest.Describe(ctx, m, api, edge); err != nil {
			return nil, err
		}
	default:
		if err := os.MkdirAll(reportDir, 0o755); err != nil {
			return nil, err
		}
		logf, err := os.Create(filepath.Join(reportDir, "runtime.log"))
		if err != nil {
			return nil, err
		}
		keys, err := os.MkdirTemp("", "load-keys-")
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "load: starting the local runtime on %s (log: %s)\n", tmpl, logf.Name())
		rt, t, err := shoptest.Local(ctx, keys, logf)
		if err != nil {
			return nil, err
		}
		tg = t
		closeRT = func() { _ = rt.Close(); _ = logf.Close(); _ = os.RemoveAll(keys) }
		if _, err := devseed.Run(ctx, devseed.Config{Template: tmpl, APIURL: tg.APIURL, EdgeURL: tg.CognitoEndpoint}, io.Discard); err != nil {
			closeRT()
			return nil, err
		}
		fmt.Fprintf(out, "load: serving %s, seeded (tools/devseed)\n", tg.APIURL)
	}
	if err := shoptest.Open(ctx, tg); err != nil {
		closeRT()
		return nil, err
	}
	return func() {
		if err := shoptest.Close(context.Background()); err != nil {
			fmt.Fprintf(out, "load: %v\n", err)
		}
		closeRT()
	}, nil
}
