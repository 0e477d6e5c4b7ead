package browsertest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// waitTimeout bounds every wait for the page; an order's saga takes well under a second
// locally, so this is slack for a loaded machine, not a sleep.
const waitTimeout = 20 * time.Second

// page is one browser tab in a fresh browser context, with everything it logged and
// requested recorded, so that the test fails on a console error or a failed request.
type page struct {
	t   *testing.T
	ctx context.Context

	mu       sync.Mutex
	requests map[network.RequestID]*request
	order    []network.RequestID
	console  []string         // console errors and uncaught exceptions
	expected []expectedStatus // error statuses the test provokes on purpose
}

type request struct {
	method, url string
	status      int64
	bytes       float64 // encoded bytes received (headers and body)
	failed      string  // the network error, if the request failed
	canceled    bool    // the page dropped it (it left the view that made the request)
	done        bool
}

type expectedStatus struct {
	method, pathPrefix string
	status             int64
}

// newPage opens a tab in a new browser context (empty cache and storage) with a viewport of
// width × height, and checks when the test ends that the page logged no error and that
// every request succeeded (or failed as the test said it would, with expect).
func newPage(t *testing.T, width, height int64) *page {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	p := &page{t: t, ctx: ctx, requests: map[network.RequestID]*request{}}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height)); err != nil {
		cancel()
		t.Fatalf("open a tab: %v", err)
	}
	if err := chromedp.Listen(ctx, p.record); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.checkClean()
		cancel()
	})
	return p
}

// record keeps the events the checks need; it runs on the tab's reader goroutine.
func (p *page) record(ev any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		if _, ok := p.requests[e.RequestID]; !ok {
			p.order = append(p.order, e.RequestID)
		}
		p.requests[e.RequestID] = &request{method: e.Request.Method, url: e.Request.URL}
	case *network.EventResponseReceived:
		if r := p.requests[e.RequestID]; r != nil {
			r.status = e.Response.Status
		}
	case *network.EventLoadingFinished:
		if r := p.requests[e.RequestID]; r != nil {
			r.bytes, r.done = e.EncodedDataLength, true
		}
	case *network.EventLoadingFailed:
		if r := p.requests[e.RequestID]; r != nil {
			r.failed, r.canceled, r.done = e.ErrorText, e.Canceled, true
			if e.CorsErrorStatus != nil {
				r.failed += fmt.Sprintf(" (CORS: %s %s)", e.CorsErrorStatus.CorsError, e.CorsErrorStatus.FailedParameter)
			}
			if e.BlockedReason != "" {
				r.failed += " (blocked: " + string(e.BlockedReason) + ")"
			}
		}
	case *cdpruntime.EventExceptionThrown:
		d := e.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + d.Exception.Description
		}
		p.console = append(p.console, "uncaught: "+text)
	case *cdpruntime.EventConsoleAPICalled:
		if e.Type == cdpruntime.ConsoleAPICalledTypeError || e.Type == cdpruntime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range e.Args {
				parts = append(parts, strings.Trim(string(a.Value), `"`)+a.Description)
			}
			p.console = append(p.console, "console."+string(e.Type)+": "+strings.Join(parts, " "))
		}
	case *cdplog.EventEntryAdded:
		if e.Entry.Level == cdplog.EntryLevelError {
			p.console = append(p.console, fmt.Sprintf("log %s: %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL))
		}
	}
}

// expect declares that a request method …path… (the API path, e.g. "/products/") answering status is part of the test (a
// stale edit's 412), so neither its status nor the browser's log line for it is a failure.
func (p *page) expect(method, pathPrefix string, status int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expected = append(p.expected, expectedStatus{method, pathPrefix, status})
}

func (p *page) isExpected(r *request) bool {
	u, err := url.Parse(r.url)
	if err != nil {
		return false
	}
	for _, e := range p.expected {
		if e.method == r.method && strings.Contains(u.Path, e.pathPrefix) && e.status == r.status {
			return true
		}
	}
	return false
}

// problems lists the page's console errors and failed requests so far.
func (p *page) problems() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	expectedURLs := map[string]bool{}
	for _, id := range p.order {
		r := p.requests[id]
		switch {
		case r.canceled:
			// A view aborts its requests when the user leaves it (AbortController): a page
			// moved on, not a failure. A CORS or network error is never "canceled".
		case r.failed != "":
			out = append(out, fmt.Sprintf("request failed: %s %s: %s (status %d)", r.method, r.url, r.failed, r.status))
		case r.status >= 400 && p.isExpected(r):
			expectedURLs[r.url] = true
		case r.status >= 400:
			out = append(out, fmt.Sprintf("request failed: %s %s: HTTP %d", r.method, r.url, r.status))
		}
	}
	for _, c := range p.console {
		// The browser logs every error status it receives; the expected ones are not errors.
		if strings.HasPrefix(c, "log network: Failed to load resource") && expectedURLs[c[strings.LastIndex(c, " ")+1:]] {
			continue
		}
		out = append(out, c)
	}
	return out
}

func (p *page) checkClean() {
	p.t.Helper()
	for _, problem := range p.problems() {
		p.t.Errorf("page: %s", problem)
	}
}

// run runs actions on the page with the wait timeout, failing the test on an error.
func (p *page) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, waitTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("%s: %v\n%s", what, err, p.state())
	}
}

// eval evaluates a JavaScript expression and returns its value.
func eval[T any](p *page, expr string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, waitTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// state describes the page for a failure message: where it is and what it says.
func (p *page) state() string {
	ctx, cancel := context.WithTimeout(p.ctx, 2*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + (document.querySelector("main")?.innerText ?? "")`))
	if err != nil {
		return "(page state unavailable: " + err.Error() + ")"
	}
	if probs := p.problems(); len(probs) > 0 {
		s += "\nproblems so far:\n  " + strings.Join(probs, "\n  ")
	}
	return "page now: " + s
}

// visit loads path of the site and waits until the view has rendered its heading.
func (p *page) visit(path string) {
	p.t.Helper()
	p.run("visit "+path, chromedp.Navigate(siteURL+path))
	p.waitFor("h1", "")
}

// waitFor waits until an element matching css contains text ("" for any text), and
// returns its text.
func (p *page) waitFor(css, text string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, waitTimeout)
	defer cancel()
	expr := fmt.Sprintf(`(() => { const el = [...document.querySelectorAll(%q)].find((e) => e.textContent.includes(%q)); return el ? [el.textContent] : false; })()`, css, text)
	v, err := chromedp.Run(ctx, chromedp.Poll[[]string](expr, chromedp.WithPollingInterval(25*time.Millisecond)))
	if err != nil || len(v) != 1 {
		p.t.Fatalf("wait for %s with %q: %v\n%s", css, text, err, p.state())
	}
	return v[0]
}

// waitPath waits until the site's location is path (and query).
func (p *page) waitPath(path string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, waitTimeout)
	defer cancel()
	expr := fmt.Sprintf(`(location.pathname + location.search).startsWith(%q)`, path)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(25*time.Millisecond))); err != nil {
		p.t.Fatalf("wait for %s: %v\n%s", path, err, p.state())
	}
}

// fill types text into the input matching css, replacing what it held: the field is
// focused and emptied, then the text is typed key by key as a person would.
func (p *page) fill(css, text string) {
	p.t.Helper()
	p.waitFor(css, "")
	eval[bool](p, fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.scrollIntoView({block: "center"}); el.focus(); el.select?.(); return true; })()`, css))
	p.run("clear "+css, chromedp.KeyEvent(kb.Delete))
	p.run("type into "+css, chromedp.KeyEvent(text))
}

// click clicks the element matching css.
func (p *page) click(css string) {
	p.t.Helper()
	p.run("click "+css, chromedp.Click(chromedp.CSS(css), chromedp.NodeVisible))
}

// clickText clicks the first element matching css whose text contains text.
func (p *page) clickText(css, text string) {
	p.t.Helper()
	p.waitFor(css, text)
	expr := fmt.Sprintf(`(() => { const el = [...document.querySelectorAll(%q)].find((e) => e.textContent.includes(%q)); el.scrollIntoView({block: "center"}); el.click(); return true; })()`, css, text)
	eval[bool](p, expr)
}

// text returns the text of the element matching css, "" when there is none.
func (p *page) text(css string) string {
	p.t.Helper()
	return eval[string](p, fmt.Sprintf(`document.querySelector(%q)?.textContent ?? ""`, css))
}

// screenshotDir is where screenshots go: build/screenshots, so that `make test` leaves the
// checkout as it was, or docs/screenshots (the README's pictures) when SCREENSHOTS=docs, as
// `make screenshots` sets it.
func screenshotDir() string {
	if os.Getenv("SCREENSHOTS") == "docs" {
		return filepath.Join(root, "docs", "screenshots")
	}
	return filepath.Join(root, "build", "screenshots")
}

// screenshot writes the viewport to name.png in screenshotDir.
func (p *page) screenshot(name string) {
	p.t.Helper()
	eval[bool](p, `(window.scrollTo(0, 0), document.activeElement?.blur?.(), true)`)
	ctx, cancel := context.WithTimeout(p.ctx, waitTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := screenshotDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// key presses one key (kb names such as "\t" or "\r") on the focused element.
func (p *page) key(keys string, opts ...chromedp.KeyOption) {
	p.t.Helper()
	p.run("press "+fmt.Sprintf("%q", keys), chromedp.KeyEvent(keys, opts...))
}

// selectValue picks the option v of the select matching css, as choosing it with the mouse
// does (the change event fires).
func selectValue(css, v string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const s = document.querySelector(%q); s.value = %q; s.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`, css, v))(ctx, t)
		return err
	})
}
