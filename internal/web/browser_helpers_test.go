package web_test

// Helpers of the browser tests (browser_test.go): a headless Chromium
// driven by chromedp, a recorder of what every tab does (requests, canary
// calls, dialogs, console complaints), a tripwire proxy that sees any
// request meant for another host, and small helpers on a tab.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/newsroom/dossier/internal/testutil"
)

// canaryName is the function every injected payload calls. It exists in
// every page only as a DevTools binding: a call reaches the test as a
// Runtime.bindingCalled event, whatever the page does to its own globals.
const canaryName = "dossierCanary"

// canaryHook runs before any script of every document a tab loads: the
// dialogs a payload would open (alert(1) and friends) call the canary too,
// so a payload that runs cannot go unnoticed even without a dialog.
const canaryHook = `(() => {
  const hit = (what) => { try { window.` + canaryName + `(String(what)); } catch (e) {} };
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    window[name] = (m) => hit(name + ":" + m);
  }
})();`

// controlHost is the host of the deliberate remote loads of the positive
// control page (TestBrowser/Detectors); controlPayload its canary call.
const (
	controlHost    = "control.invalid"
	controlPayload = "control"
)

// recorder gathers, for the whole browser session, what the tabs did. Its
// listen method runs in chromedp's read loop: it only appends under a lock.
type browserRecorder struct {
	mu        sync.Mutex
	requests  []string // URL of every request a page made
	responses []string // URL of every response a page received
	canary    []string // arguments of the canary calls
	dialogs   []string // JavaScript dialogs opened
	console   []string // CSP and sandbox refusals, uncaught exceptions, errors
}

func (r *browserRecorder) listen(ev any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		r.requests = append(r.requests, ev.Request.URL)
	case *network.EventResponseReceived:
		r.responses = append(r.responses, ev.Response.URL)
	case *runtime.EventBindingCalled:
		if ev.Name == canaryName {
			r.canary = append(r.canary, ev.Payload)
		}
	case *page.EventJavascriptDialogOpening:
		r.dialogs = append(r.dialogs, string(ev.Type)+": "+ev.Message)
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			msg += " " + d.Exception.Description
		}
		r.console = append(r.console, "exception at "+d.URL+": "+msg)
	case *cdplog.EventEntryAdded:
		if e := ev.Entry; e.Level == cdplog.EntryLevelError || e.Level == cdplog.EntryLevelWarning {
			r.console = append(r.console, fmt.Sprintf("%s %s at %s: %s", e.Source, e.Level, e.URL, e.Text))
		}
	}
}

// snapshot returns copies of the recorded lists.
func (r *browserRecorder) snapshot() (requests, responses, canary, dialogs, console []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.requests), slices.Clone(r.responses), slices.Clone(r.canary),
		slices.Clone(r.dialogs), slices.Clone(r.console)
}

// tripwire is the browser's HTTP proxy. Chromium sends requests for
// loopback addresses directly (its implicit proxy bypass), so a request that
// reaches the tripwire was meant for another host: whatever process or
// frame made it, it is recorded and refused.
type browserTripwire struct {
	srv  *httptest.Server
	mu   sync.Mutex
	hits []string
}

func newBrowserTripwire() *browserTripwire {
	w := &browserTripwire{}
	w.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		target := r.URL.String()
		if r.Method == http.MethodConnect {
			target = "https://" + r.Host + "/"
		}
		w.mu.Lock()
		w.hits = append(w.hits, r.Method+" "+target)
		w.mu.Unlock()
		http.Error(rw, "refused by the test's tripwire proxy", http.StatusForbidden)
	}))
	return w
}

// chromiumServices are the hosts Chromium itself calls at start-up
// (account checks, component and extension updates) whatever the flags;
// only the browser process calls them, never a page of ours (those
// requests are seen by DevTools and checked separately).
var chromiumServices = []string{"accounts.google.com", "update.googleapis.com", "clients2.google.com"}

// seen returns the requests the tripwire refused, leaving out Chromium's
// own calls and those whose target contains one of skip.
func (w *browserTripwire) seen(skip ...string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, h := range w.hits {
		_, target, _ := strings.Cut(h, " ")
		u, err := url.Parse(target)
		if err == nil && slices.Contains(chromiumServices, u.Hostname()) {
			continue
		}
		if slices.ContainsFunc(skip, func(s string) bool { return strings.Contains(target, s) }) {
			continue
		}
		out = append(out, h)
	}
	return out
}

// browserSession is one headless Chromium for TestBrowser and its subtests.
type browserSession struct {
	ctx      context.Context // the browser's chromedp context
	rec      *browserRecorder
	wire     *browserTripwire
	shots    string // directory of the screenshots
	download string // directory of the downloads
}

// browserBudget bounds the whole browser session (every subtest);
// tabTimeout bounds each tab.
const (
	browserBudget = 4 * time.Minute
	tabTimeout    = 60 * time.Second
)

// startBrowser starts headless Chromium with a fresh profile, every
// request for another host routed to the tripwire (and no host name
// resolvable but loopback), and downloads saved to a temporary directory.
// Without Chromium the test is skipped, or fails under CI=true.
func startBrowser(t *testing.T) *browserSession {
	t.Helper()
	exe := testutil.Tool(t, "chromium")
	s := &browserSession{rec: &browserRecorder{}, wire: newBrowserTripwire(), download: t.TempDir()}
	t.Cleanup(s.wire.srv.Close)
	// Chromium's profile is removed when the test ends (the allocator
	// does not remove a directory it did not create).
	profile := t.TempDir()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("proxy-server", s.wire.srv.URL),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("dns-prefetch-disable", true),
		// Chromium's own calls home reach the tripwire too: turn off
		// what can be (see chromiumServices for the rest).
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,NetworkTimeServiceQuerying,OptimizationHints"),
	)
	if os.Geteuid() == 0 {
		// Chromium refuses to start its sandbox as root, which is how
		// containers and CI runners usually run the tests. The pages
		// under test are our own server's; no other site is visited.
		opts = append(opts, chromedp.NoSandbox)
	}
	budget, cancelBudget := context.WithTimeout(context.Background(), browserBudget)
	alloc, cancelAlloc := chromedp.NewExecAllocator(budget, opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
		cancelBudget()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium %s: %v", exe, err)
	}
	_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: s.download, EventsEnabled: new(true)})
	if err != nil {
		t.Fatalf("set the download behaviour: %v", err)
	}
	s.ctx = ctx
	s.shots = screenshotDir(t)
	return s
}

// browserTab is one tab of the session, for one test.
type browserTab struct {
	ctx context.Context
	t   *testing.T
	s   *browserSession
}

// tab opens a new tab whose every event goes to the recorder, with the
// canary installed and a deadline. JavaScript dialogs (none should ever
// open) are recorded and dismissed so they cannot hang the test.
func (s *browserSession) tab(t *testing.T) *browserTab {
	t.Helper()
	tctx, cancelT := context.WithTimeout(s.ctx, tabTimeout)
	ctx, cancel := chromedp.NewContext(tctx, chromedp.WithListener(s.rec.listen))
	t.Cleanup(func() {
		cancel()
		cancelT()
	})
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	install := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, runtime.AddBinding, runtime.AddBindingParams{Name: canaryName}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: canaryHook})
		return err
	})
	if err := chromedp.Do(ctx, install); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return &browserTab{ctx: ctx, t: t, s: s}
}

// do runs steps, failing the test with what on error.
func (b *browserTab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// open navigates to a path of the server at base and waits for the
// element matching css to be visible.
func (b *browserTab) open(base, path, css string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS(css)))
}

// showFrames scrolls the page's frames into view: they load lazily.
// (In script rather than with chromedp.ScrollIntoView, whose DOM node can
// go stale as the frame starts loading.)
func (b *browserTab) showFrames() {
	b.t.Helper()
	b.do("show the frames", chromedp.Evaluate[chromedp.Void](`for (const f of document.querySelectorAll("iframe")) f.scrollIntoView()`))
}

// text returns the visible text of the first element matching css,
// waiting for it.
func (b *browserTab) text(css string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", css, err)
	}
	return s
}

// path returns the path and query of the page shown.
func (b *browserTab) path() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		b.t.Fatal(err)
	}
	return u.RequestURI()
}

var browserTotalRE = regexp.MustCompile(`^([\d,]+) documents? match`)

// total reads the number of matches from a results page.
func (b *browserTab) total() int {
	b.t.Helper()
	s := strings.TrimSpace(b.text("p.total"))
	m := browserTotalRE.FindStringSubmatch(s)
	if m == nil {
		b.t.Fatalf("no total in %q", s)
	}
	n, err := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
	if err != nil {
		b.t.Fatal(err)
	}
	return n
}

// screenshot saves a full-page PNG of the tab as name.png.
func (b *browserTab) screenshot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	p := filepath.Join(b.s.shots, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	b.t.Logf("screenshot: %s", p)
}

// jsEval evaluates a JavaScript expression in a tab's page.
func jsEval[T any](b *browserTab, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluate %.80s: %v", expr, err)
	}
	return v
}

// offsiteURLs returns the URLs that name a host other than 127.0.0.1.
// about:, data: and blob: URLs go nowhere and are left out.
func offsiteURLs(urls []string) []string {
	var out []string
	for _, u := range urls {
		p, err := url.Parse(u)
		if err != nil {
			out = append(out, u)
			continue
		}
		switch {
		case p.Scheme == "about" || p.Scheme == "data" || p.Scheme == "blob":
		case p.Hostname() != "127.0.0.1":
			out = append(out, u)
		}
	}
	return out
}

// waitUntil polls cond every 50 ms until it holds or ctx ends.
func waitUntil(ctx context.Context, cond func() bool) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

// screenshotDir is $DOSSIER_SCREENSHOTS or, by default, a fixed directory
// under the system's temporary directory that outlives the test run (so a
// reviewer can look) and is never inside the repository.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("DOSSIER_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "dossier-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshot directory: %v", err)
	}
	return dir
}
