// Package browsertest drives the storefront (web/site) in a real headless Chromium against
// the local stack: devcloud serves the synthesized template's HTTP API, its Cognito user pool
// on the edge port and its web site, as `make dev` does, on free ports. The tests are a
// customer's and an admin's journeys through the pages, as a person does them (typing,
// clicking, the keyboard alone), and they fail on any console error or failed request.
//
// One browser serves the whole package; each test has a fresh browser context (empty cache,
// storage and cookies). The screenshots of the main pages land in build/screenshots/, or in
// docs/screenshots/ with SCREENSHOTS=docs (`make screenshots`).
package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/microshop/microshop/local/modroot"
	"github.com/microshop/microshop/local/runtime"
	"github.com/microshop/microshop/tools/devseed"
)

var (
	rt      *runtime.Runtime
	root    string          // the module root
	siteURL string          // the storefront
	logs    = &syncBuffer{} // the runtime's and the functions' output
	seeded  *devseed.Result // the seeded catalog, stock, admin and customer
	browser context.Context // the one browser; tests open contexts in it
)

// browserPaths are where Debian's packages put a headless Chromium.
var browserPaths = []string{
	"/usr/lib/chromium/chromium-headless-shell", // chromium-headless-shell
	"chromium-headless-shell",
	"/usr/lib/chromium/chromium", // chromium
	"chromium",
}

// findBrowser returns the first headless Chromium found.
func findBrowser() (string, error) {
	if p := os.Getenv("MICROSHOP_CHROMIUM"); p != "" {
		found, err := exec.LookPath(p)
		if err != nil {
			return "", fmt.Errorf("MICROSHOP_CHROMIUM: %w: unset it to use the chromium-headless-shell that `make test` installs", err)
		}
		return found, nil
	}
	for _, p := range browserPaths {
		if found, err := exec.LookPath(p); err == nil {
			return found, nil
		}
	}
	return "", fmt.Errorf("no headless Chromium found (looked for %v): `make test` installs it "+
		"(apt-get install chromium-headless-shell), or set MICROSHOP_CHROMIUM to a Chromium binary", browserPaths)
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	bin, err := findBrowser()
	if err != nil {
		fmt.Fprintln(os.Stderr, "browser tests:", err)
		return 1
	}
	if root, err = modroot.FromWorkingDir(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	stop, err := startStack()
	if err != nil {
		fmt.Fprintln(os.Stderr, "browser tests:", err)
		fmt.Fprintf(os.Stderr, "--- runtime log ---\n%s", logs.String())
		return 1
	}
	defer stop()

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.WindowSize(1280, 900),
			chromedp.Flag("disable-dev-shm-usage", true))...)
	defer cancelAlloc()
	var cancelBrowser context.CancelFunc
	browser, cancelBrowser = chromedp.NewContext(alloc)
	defer cancelBrowser()
	if err := chromedp.Do(browser); err != nil {
		fmt.Fprintf(os.Stderr, "browser tests: start %s: %v\n", bin, err)
		return 1
	}
	code := m.Run()
	if code != 0 && os.Getenv("BROWSER_TEST_LOG") != "" {
		fmt.Fprintf(os.Stderr, "--- runtime log ---\n%s", logs.String())
	}
	return code
}

// startStack runs the template under devcloud with the site, seeds it, and returns how to
// stop it.
func startStack() (func(), error) {
	tmpl := filepath.Join(root, "cdk.out", "Microshop.template.json")
	if _, err := os.Stat(tmpl); err != nil {
		return nil, fmt.Errorf("%w: run `make synth` (make test does) first", err)
	}
	keyDir, err := os.MkdirTemp("", "browser-jwt-")
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	r, err := runtime.Start(ctx, runtime.Config{
		Template: tmpl, Root: root, KeyDir: keyDir, APIAddr: "127.0.0.1:0", SiteAddr: "127.0.0.1:0", Log: logs,
	})
	if err != nil {
		os.RemoveAll(keyDir)
		return nil, fmt.Errorf("start the local runtime: %w", err)
	}
	stop := func() {
		if err := r.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "browser tests: close runtime:", err)
		}
		os.RemoveAll(keyDir)
	}
	rt, siteURL = r, r.SiteURL()
	seedCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if seeded, err = devseed.Run(seedCtx, devseed.Config{Template: tmpl, APIURL: r.APIURL(), EdgeURL: r.EdgeURL()}, &bytes.Buffer{}); err != nil {
		stop()
		return nil, err
	}
	return stop, nil
}

// syncBuffer is a bytes.Buffer safe for the runtime's concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
