// Command devcloud runs a CloudFormation template (a CDK app's synthesized template, or a
// SAM or CloudFormation template in YAML or JSON) on this machine without Docker:
//
//	devcloud serve  [--template T] [--api-addr A] [--edge-addr A] [--site-addr A] [--dynamodb-endpoint URL] [--data-dir D] [--auto-confirm] [--faults FILE] [--after-start CMD] [--source NAME=DIR ...] [--config FILE] [--cache-dir D]
//	devcloud invoke [--template T] [--event FILE|-] [--dynamodb-endpoint URL] [--source NAME=DIR ...] [--config FILE] [--cache-dir D] FUNCTION
//	devcloud token  --user SUB [--groups G1,G2] [--scopes S1,S2]
//
// serve runs every function, HTTP API and table until interrupted; invoke runs one function
// once with an event, like `sam local invoke`, and prints its result.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/microshop/microshop/local/ddbengine"
	"github.com/microshop/microshop/local/faults"
	"github.com/microshop/microshop/local/jwtauth"
	"github.com/microshop/microshop/local/runtime"
	"github.com/microshop/microshop/local/sesmail"
	"github.com/microshop/microshop/local/template"
	"github.com/microshop/microshop/local/timerslack"
)

func main() {
	// A 4 ms timer slack for this process and the functions it runs (or
	// DEVCLOUD_TIMER_SLACK): a re-execution, so before anything else.
	if err := timerslack.Ensure(); err != nil {
		fmt.Fprintln(os.Stderr, "devcloud: warning:", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "devcloud:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  devcloud serve  [flags]            serve the template's HTTP APIs, functions and tables
  devcloud invoke [flags] FUNCTION   invoke one function once with an event
  devcloud token  --user SUB [--groups admin] [--scopes a,b]   print a token the local JWT authorizers accept
run "devcloud serve -h" or "devcloud invoke -h" for flags`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case "invoke":
		return invoke(ctx, args[1:], stdout, stderr)
	case "token":
		return jwtauth.TokenCommand(args[1:], stdout)
	default:
		return fmt.Errorf("unknown command %q\n%s", args[0], usage)
	}
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tmpl := fs.String("template", "", templateFlagHelp)
	apiAddr := fs.String("api-addr", runtime.DefaultAPIAddr, "address of the first HTTP API")
	edgeAddr := fs.String("edge-addr", runtime.DefaultEdgeAddr, "address of the AWS endpoint (DynamoDB, ...)")
	siteAddr := fs.String("site-addr", runtime.DefaultSiteAddr, "address of the web site (the template's bucket deployment, served as CloudFront would); empty: none")
	ddb := fs.String("dynamodb-endpoint", "", "use this DynamoDB-compatible endpoint instead of starting an engine")
	engine := fs.String("dynamodb-engine", runtime.EngineEmbedded, "DynamoDB engine to start: embedded or dynalite")
	dataDir := fs.String("data-dir", "", "keep the embedded engine's tables and the user pools' users in this directory across restarts")
	autoConfirm := fs.Bool("auto-confirm", false, "confirm users of the local user pools at sign-up (default: print each confirmation code)")
	params := paramFlag{}
	fs.Var(params, "parameter", "template parameter override NAME=VALUE (repeatable)")
	hot := fs.Bool("watch", true, "rebuild a function when its Go source changes and swap its processes")
	faultFile := fs.String("faults", "", "inject the faults of this YAML or JSON file (docs/reliability.md, Faults)")
	schedules := fs.Bool("schedules", true, "fire scheduled rules and Scheduler schedules on time; false: only on demand (POST <edge>/_console/api/schedules/<name>/fire)")
	recordSize := fs.Int("record-size", 0, "records each in-memory ring keeps: log events per log group, messages in the mailbox (0: 10000 events, 1000 messages)")
	region := fs.String("region", "", "the template's region (AWS::Region, its ARNs); requests signed for other regions see their own resources (default us-east-1)")
	record := fs.Bool("record", true, "record invocations, function figures and traces for the console (in rings of -record-size invocations per function); false turns it off")
	after := fs.String("after-start", "", "shell command to run once serving (env: API_URL, EDGE_URL, SITE_URL, AWS_ENDPOINT_URL)")
	src := addSourceFlags(fs)
	stateDelay := fs.Duration("dynamodb-state-delay", 0, "keep tables your code creates, updates or deletes CREATING/UPDATING/DELETING this long, as DynamoDB does (tests of code that waits for ACTIVE); 0: ACTIVE at once")
	if err := fs.Parse(args); err != nil {
		return err
	}
	path, err := templatePath(*tmpl)
	if err != nil {
		return err
	}
	sources, err := src.sources()
	if err != nil {
		return err
	}
	var inj *faults.Injector
	if *faultFile != "" {
		if inj, err = faults.Load(*faultFile); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "devcloud: injecting %d fault rules from %s\n", len(inj.Rules()), *faultFile)
	}
	if *ddb == "" && *engine == runtime.EngineEmbedded {
		ddbengine.SetServeGC() // the tables live in this process
	}
	fmt.Fprintf(stdout, "devcloud: starting %s (building functions for this machine)...\n", path)
	rt, err := runtime.Start(ctx, runtime.Config{
		Template: path, APIAddr: *apiAddr, EdgeAddr: *edgeAddr, SiteAddr: *siteAddr, Log: stdout,
		DynamoDBEndpoint: *ddb, DynamoDBEngine: *engine, DynamoDBStateDelay: *stateDelay, DataDir: *dataDir, AutoConfirm: *autoConfirm, Watch: *hot, Parameters: params,
		Faults:          inj,
		RecordSize:      *recordSize,
		NoScheduleTimer: !*schedules,
		Region:          *region,
		Sources:         sources, CacheDir: *src.cacheDir,
		NoRecording: !*record,
	})
	if err != nil {
		return err
	}
	defer rt.Close()
	printWarnings(stdout, rt.Model())
	t := rt.Timings()
	served := len(rt.Running()) // deploy-time handlers are not run
	fmt.Fprintf(stdout, "\ndevcloud: serving %d functions, %d tables (build %s, engine %s, total %s)\n",
		served, len(rt.Model().Tables), round(t.Build), round(t.Engine), round(t.Total))
	for i, u := range rt.APIURLs() {
		fmt.Fprintf(stdout, "  HTTP API %-20s %s\n", rt.Model().APIs[i].Name, u)
	}
	for _, a := range rt.RestAPIURLs() {
		fmt.Fprintf(stdout, "  REST API %-20s %s  (stage %s: also %s/%s)\n", a.Name, a.URL, a.Stage, a.URL, a.Stage)
	}
	fmt.Fprintf(stdout, "  AWS endpoint              %s   (export AWS_ENDPOINT_URL=%s)\n", rt.EdgeURL(), rt.EdgeURL())
	fmt.Fprintf(stdout, "  console                   %s\n", rt.ConsoleURL())
	fmt.Fprintf(stdout, "  mailbox (SES)             %s%s\n", rt.EdgeURL(), sesmail.MailboxPath)
	if rt.SiteURL() != "" {
		fmt.Fprintf(stdout, "  web site                  %s/\n", rt.SiteURL())
	}
	for _, p := range rt.Model().UserPools {
		fmt.Fprintf(stdout, "  user pool %-15s %s", p.Name, p.ID)
		for _, c := range p.Clients {
			fmt.Fprintf(stdout, "  client %s %s", c.Name, c.ID)
		}
		fmt.Fprintln(stdout)
	}
	for _, k := range rt.Model().APIKeys {
		fmt.Fprintf(stdout, "  API key %-17s %s%s\n", k.LogicalID, k.Value, apiKeyNote(k))
	}
	if len(rt.APIURLs()) > 0 {
		if path := sampleGET(rt.Model().APIs[0]); path != "" {
			fmt.Fprintf(stdout, "  try:  curl -s %s%s\n", rt.APIURL(), path)
		}
	}
	fmt.Fprintln(stdout, "  Ctrl-C stops everything.")

	if *after != "" {
		if err := afterStart(ctx, *after, rt, stdout, stderr); err != nil {
			fmt.Fprintf(stderr, "devcloud: --after-start failed: %v (still serving)\n", err)
		}
	}
	<-ctx.Done()
	fmt.Fprintln(stdout, "\ndevcloud: stopping")
	return rt.Close()
}

func afterStart(ctx context.Context, command string, rt *runtime.Runtime, stdout, stderr io.Writer) error {
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	restURL := ""
	if r := rt.RestAPIURLs(); len(r) > 0 {
		restURL = r[0].URL
	}
	cmd.Env = append(os.Environ(),
		"API_URL="+rt.APIURL(),
		"REST_API_URL="+restURL, // the first REST API, served without (or with) its stage prefix
		"EDGE_URL="+rt.EdgeURL(),
		"SITE_URL="+rt.SiteURL(),
		"AWS_ENDPOINT_URL="+rt.EdgeURL(),
		"AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=local",
		"AWS_SECRET_ACCESS_KEY=local",
	)
	return cmd.Run()
}

func invoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("invoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tmpl := fs.String("template", "", templateFlagHelp)
	eventPath := fs.String("event", "", "event JSON file, or - for standard input (default: {})")
	ddb := fs.String("dynamodb-endpoint", "", "DynamoDB endpoint, e.g. a running `devcloud serve` edge http://127.0.0.1:4566 (default: a fresh engine)")
	src := addSourceFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	sources, err := src.sources()
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("invoke needs exactly one FUNCTION (name, logical ID or Go package name)")
	}
	path, err := templatePath(*tmpl)
	if err != nil {
		return err
	}
	payload, err := readEvent(*eventPath)
	if err != nil {
		return err
	}
	rt, err := runtime.Start(ctx, runtime.Config{
		Template: path, DynamoDBEndpoint: *ddb, Functions: []string{fs.Arg(0)}, Log: stderr,
		Sources: sources, CacheDir: *src.cacheDir,
	})
	if err != nil {
		return err
	}
	defer rt.Close()
	printWarnings(stderr, rt.Model())
	res, err := rt.Invoke(ctx, fs.Arg(0), payload)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, string(res.Payload))
	if res.Error != nil {
		return fmt.Errorf("function failed: %s", res.Error.Error())
	}
	return nil
}

func readEvent(path string) ([]byte, error) {
	switch path {
	case "":
		return []byte("{}"), nil
	case "-":
		return io.ReadAll(os.Stdin)
	default:
		return os.ReadFile(path)
	}
}

// templatePath returns path, or else the template found in the working directory (see
// findTemplate).
func templatePath(path string) (string, error) {
	if path != "" {
		return path, nil
	}
	return findTemplate(".")
}

// templateFlagHelp is the --template flag's help.
const templateFlagHelp = "template, JSON or YAML, CloudFormation or SAM (default: template.yaml, template.yml or template.json here, " +
	"else .aws-sam/build/template.yaml, else the only cdk.out/*.template.json)"

// findTemplate looks in dir for, in order, a SAM or CloudFormation template (template.yaml,
// template.yml, template.json), SAM's build output (.aws-sam/build/template.yaml) and a CDK
// cloud assembly's single template (cdk.out/*.template.json).
func findTemplate(dir string) (string, error) {
	for _, name := range []string{"template.yaml", "template.yml", "template.json", filepath.Join(".aws-sam", "build", "template.yaml")} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "cdk.out", "*.template.json"))
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		return "", errors.New("no template found: looked for template.yaml, template.yml, template.json, " +
			".aws-sam/build/template.yaml and cdk.out/*.template.json in the working directory; " +
			"give --template, or run `cdk synth` / `make synth` first")
	default:
		return "", fmt.Errorf("give --template: found %d templates in cdk.out (%s)", len(matches), strings.Join(matches, ", "))
	}
}

// apiKeyNote says how a printed API key came to be and whether it is refused.
func apiKeyNote(k *template.APIKey) string {
	note := "  (send as x-api-key"
	if k.Generated {
		note += "; generated: the template gives no Value"
	}
	if !k.Enabled {
		note += "; disabled: refused"
	}
	return note + ")"
}

// printWarnings lists, once, what the template asks for that runs differently or not at
// all locally.
func printWarnings(w io.Writer, m *template.Model) {
	for _, warning := range m.Warnings {
		fmt.Fprintf(w, "devcloud: warning: %s\n", warning)
	}
}

// paramFlag collects --parameter NAME=VALUE.
type paramFlag map[string]string

func (p paramFlag) String() string { return "" }

func (p paramFlag) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return fmt.Errorf("want NAME=VALUE, got %q", s)
	}
	p[name] = value
	return nil
}

// sampleGET is the path of the API's first GET route without parameters, for the banner.
func sampleGET(api *template.HTTPAPI) string {
	for _, r := range api.Routes {
		if r.Method == "GET" && !strings.Contains(r.Path, "{") {
			return r.Path
		}
	}
	return ""
}

func round(d time.Duration) string {
	return strings.TrimSpace(d.Round(time.Millisecond).String())
}
