package web_test

// Browser tests: headless Chromium (Debian's chromium package) driven by
// chromedp against the real handler, served over a real archive (the
// fixture's generator leak and hostile messages, plus the canary messages
// below). One browser serves every subtest; each subtest has its own tab
// and deadline. Without chromium the tests skip, or fail under CI=true.
//
// What the recorder sees over the whole session is checked at the end: no
// request for a host other than 127.0.0.1 (from DevTools network events of
// every tab, and from a tripwire proxy that any request for another host,
// from any frame or process, would reach), no canary call, no JavaScript
// dialog, no refusal by the Content-Security-Policy or a sandbox (which
// would mean hostile markup reached the page, even though it was stopped).
//
// Screenshots go to $DOSSIER_SCREENSHOTS, or os.TempDir()/dossier-screenshots.

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/newsroom/dossier/internal/dkim"
	"github.com/newsroom/dossier/internal/ingest"
	"github.com/newsroom/dossier/internal/meta"
)

// browserFixture is a second archive for the browser tests: the shared
// fixture's content (built again, so the tests here neither see nor make
// changes to the archive the other tests use) plus the canary messages.
type browserFixture struct {
	*fixture
	canary map[string][]byte // canary file name -> bytes written
	url    string            // the server, http://127.0.0.1:PORT
}

// canaryMessages carry payloads that call the canary if they ever run:
// in headers (names, subject, references, DKIM results), in a plain text
// body, in an HTML body (scripts, event handlers, javascript: URLs,
// remote loads, mutation XSS), in attachment names and in HTML and SVG
// attachments.
func canaryMessages() map[string]string {
	svg := base64.StdEncoding.EncodeToString([]byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="dossierCanary('att-svg-onload')"><script>dossierCanary('att-svg')</script><image href="http://evil.example/att-svg.png"/></svg>`))
	return map[string]string{
		"07-canary-headers.eml": `From: "<img src=x onerror=dossierCanary('from')>" <mallory@evil.example>
To: "<script>dossierCanary('to')</script>" <victim@example.org>
Subject: <script>dossierCanary('subject')</script><img src=x onerror=dossierCanary('subject-img')> dossiercanary
Date: Mon, 09 Jan 2017 10:00:00 +0000
Message-ID: <canary-1@evil.example>
In-Reply-To: <x"><img src=x onerror=dossierCanary('irt')>@evil.example>
Content-Type: text/plain; charset=utf-8

</pre><script>dossierCanary('body')</script><img src=x onerror=dossierCanary('body-img')>
<a href="javascript:dossierCanary('body-link')">link</a> dossiercanary
<style>body{background:url(http://evil.example/body.png)}</style>
<iframe src="http://evil.example/body-frame"></iframe>
`,
		"08-canary-html.eml": `From: Newsletter <news@evil.example>
To: victim@example.org
Subject: canary newsletter htmlcanarytwo
Date: Tue, 10 Jan 2017 10:00:00 +0000
Message-ID: <canary-2@evil.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mixed"

--mixed
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8

Plain version htmlcanarytwo.
--alt
Content-Type: text/html; charset=utf-8

<html><head>
<base href="http://evil.example/">
<meta http-equiv="refresh" content="0;url=http://evil.example/refresh">
<link rel="stylesheet" href="http://evil.example/canary.css">
<style>@import url(http://evil.example/import.css); body{background:url(http://evil.example/x)}</style>
<script>dossierCanary('html-script')</script>
<script src="http://evil.example/canary.js"></script>
</head>
<body onload="dossierCanary('html-onload')">
<p>Hello htmlcanarytwo reader</p>
<img src="http://evil.example/pixel.gif" width="1" height="1">
<img src=x onerror="dossierCanary('html-img')">
<a href="javascript:dossierCanary('html-link')">click me</a>
<div style="background:url(http://evil.example/x)">styled</div>
<iframe src="javascript:dossierCanary('html-iframe')"></iframe>
<iframe srcdoc="<script>parent.dossierCanary('srcdoc')</script>"></iframe>
<object data="http://evil.example/o.swf"></object>
<svg><script>dossierCanary('svg-script')</script><image href="http://evil.example/svg.png"/></svg>
<math><mtext><table><mglyph><style><img src=x onerror=dossierCanary('mxss')></style></mglyph></table></mtext></math>
<form action="javascript:dossierCanary('form')"><button>go</button></form>
<video poster="http://evil.example/poster.jpg"></video>
<input autofocus onfocus="dossierCanary('autofocus')">
<details open ontoggle="dossierCanary('toggle')"><summary>more</summary></details>
</body></html>
--alt--
--mixed
Content-Type: application/pdf
Content-Disposition: attachment; filename*=UTF-8''%22%3E%3Cimg%20src%3Dx%20onerror%3DdossierCanary('filename')%3E.pdf
Content-Transfer-Encoding: base64

` + base64.StdEncoding.EncodeToString(attachmentBytes) + `
--mixed
Content-Type: text/html; charset=utf-8; name="page.html"
Content-Disposition: attachment; filename="page.html"

<p>attached page</p><script>dossierCanary('att-html')</script><img src="http://evil.example/att.png" onerror="dossierCanary('att-html-img')">
--mixed
Content-Type: image/svg+xml; name="<svg onload=dossierCanary('svgname')>.svg"
Content-Disposition: attachment
Content-Transfer-Encoding: base64

` + svg + `
--mixed--
`,
	}
}

// newBrowserFixture builds the archive in a temporary directory and serves
// it on 127.0.0.1.
func newBrowserFixture(t *testing.T) *browserFixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	f, err := newFixture(dir)
	if err != nil {
		t.Fatalf("browser fixture: %v", err)
	}
	t.Cleanup(func() {
		f.srv.Close()
		f.store.Close()
	})
	bf := &browserFixture{fixture: f, canary: map[string][]byte{}, url: f.srv.URL}
	cdir := filepath.Join(dir, "canary")
	if err := os.MkdirAll(cdir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range canaryMessages() {
		b := []byte(strings.ReplaceAll(body, "\n", "\r\n"))
		bf.canary[name] = b
		if err := os.WriteFile(filepath.Join(cdir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.ing.Run(ctx, ingest.Options{Collection: "canary", Paths: []string{cdir}}); err != nil {
		t.Fatalf("ingest the canary messages: %v", err)
	}
	// Authenticity reports: a verified reply for the search walk, and a
	// report full of hostile strings on a canary message.
	reply := bf.doc(t, "thread-reply@example.org")
	signed := &dkim.Report{Verdict: dkim.Verified, AsOf: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), FromDomain: "example.org",
		Signatures: []dkim.Signature{{
			Domain: "example.org", Selector: "s2017", Algorithm: "rsa-sha256", Canon: "relaxed/relaxed", KeyType: "rsa", KeyBits: 2048,
			Result: dkim.Pass, SignedHeaders: []string{"from", "to", "subject", "date", "message-id"}, Aligned: true,
			KeySource: "dns-archive-2017", KeyFingerprint: "ab12cd34",
		}}}
	hostile := &dkim.Report{Verdict: dkim.Failed, AsOf: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), FromDomain: "evil.example",
		Signatures: []dkim.Signature{{
			Domain: "<script>dossierCanary('dkim-domain')</script>", Selector: "<img src=x onerror=dossierCanary('dkim-sel')>",
			Algorithm: "rsa-sha256", Result: dkim.Fail, Reason: dkim.ReasonBodyHash,
			Detail: "<svg onload=dossierCanary('dkim-detail')>", SignedHeaders: []string{"from", "<b onmouseover=dossierCanary(1)>"},
			KeySource: "javascript:dossierCanary('keysource')",
		}}}
	err = f.store.PutAuth(ctx, []meta.Auth{{Num: reply.Num, Report: signed}, {Num: bf.doc(t, "canary-1@evil.example").Num, Report: hostile}})
	if err != nil {
		t.Fatal(err)
	}
	return bf
}

// doc returns the document with a Message-ID.
func (bf *browserFixture) doc(t *testing.T, mid string) *meta.Document {
	t.Helper()
	ctx := context.Background()
	res, err := bf.store.Search(ctx, meta.SearchRequest{Query: "mid:" + mid})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 1 {
		t.Fatalf("mid:%s: %d hits", mid, len(res.Hits))
	}
	d, err := bf.store.DocByNum(ctx, res.Hits[0].Number)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// hostileDocs returns every hostile and canary message and, after each,
// its descendants (attachments, parts).
func (bf *browserFixture) hostileDocs(t *testing.T) []*meta.Document {
	t.Helper()
	var out []*meta.Document
	var add func(d *meta.Document)
	add = func(d *meta.Document) {
		out = append(out, d)
		kids, err := bf.store.Children(context.Background(), d.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range kids {
			add(k)
		}
	}
	for _, mid := range []string{"hostile-1@evil.example", "hostile-2@evil.example", "hostile-3@evil.example", "hostile-4@evil.example",
		"thread-root@example.org", "thread-reply@example.org", "canary-1@evil.example", "canary-2@evil.example"} {
		add(bf.doc(t, mid))
	}
	return out
}

func TestBrowser(t *testing.T) {
	s := startBrowser(t)
	bf := newBrowserFixture(t)
	start := time.Now()

	t.Run("Detectors", func(t *testing.T) { testDetectors(t, s) })
	t.Run("Search", func(t *testing.T) { testBrowserSearch(t, s, bf) })
	t.Run("People", func(t *testing.T) { testBrowserPeople(t, s, bf) })
	t.Run("XSSCanary", func(t *testing.T) { testXSSCanary(t, s, bf) })
	t.Run("NoRemoteRequests", func(t *testing.T) { testNoRemoteRequests(t, s, bf) })
	t.Run("PhoneWidth", func(t *testing.T) { testPhoneWidth(t, s, bf) })
	t.Run("Keyboard", func(t *testing.T) { testKeyboard(t, s, bf) })

	// Over the whole session, apart from the positive control's own
	// deliberate calls and loads:
	requests, _, canary, dialogs, console := s.rec.snapshot()
	var away []string
	for _, u := range offsiteURLs(requests) {
		if !strings.Contains(u, controlHost) {
			away = append(away, u)
		}
	}
	if len(away) > 0 {
		t.Errorf("requests left 127.0.0.1: %q", away)
	}
	if wire := s.wire.seen(controlHost); len(wire) > 0 {
		t.Errorf("the tripwire proxy received requests for other hosts: %q", wire)
	}
	if canary = slices.DeleteFunc(canary, isControlCall); len(canary) > 0 {
		t.Errorf("injected script ran: canary called with %q", canary)
	}
	if dialogs = slices.DeleteFunc(dialogs, func(d string) bool { return strings.Contains(d, controlPayload) }); len(dialogs) > 0 {
		t.Errorf("JavaScript dialogs opened: %q", dialogs)
	}
	for _, c := range console {
		switch {
		case strings.Contains(c, controlHost) || strings.Contains(c, "/control"):
		case strings.Contains(c, "/favicon.ico: Failed to load resource"):
			// The browser asks for one; the site has none (404).
		case consoleAlarm.MatchString(c):
			t.Errorf("console: %s", c)
		default:
			t.Logf("console: %s", c)
		}
	}
	t.Logf("browser session: %d requests checked, %s", len(requests), time.Since(start).Round(time.Millisecond))
}

func isControlCall(c string) bool { return strings.Contains(c, controlPayload) }

// consoleAlarm matches the console entries that fail the session: errors,
// exceptions, and any refusal by a policy or a sandbox (hostile markup
// reached a page, even if it was stopped there).
var consoleAlarm = regexp.MustCompile(`^exception|^\S+ error |Content Security Policy|[Ss]andbox|[Bb]locked|[Rr]efused`)

// testDetectors is the positive control: a page of a second local server,
// without any protection, runs an inline script, an event handler and an
// alert that call the canary, and loads an image from another host. Each
// detector must see it; otherwise the other tests prove nothing.
func testDetectors(t *testing.T, s *browserSession) {
	ctl := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path == "/control-csp" {
			// Markup that got through, stopped by the site's policy.
			w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'")
			fmt.Fprintf(w, `<!doctype html><title>control</title><script>%s("%s-csp")</script><p id="done">done</p>`, canaryName, controlPayload)
			return
		}
		fmt.Fprintf(w, `<!doctype html><title>control</title>
<script>%[1]s("%[2]s-script")</script>
<img src="http://%[3]s/pixel.gif" onerror="%[1]s('%[2]s-onerror')">
<script>alert("%[2]s-alert")</script>
<p id="done">done</p>`, canaryName, controlPayload, controlHost)
	}))
	defer ctl.Close()
	b := s.tab(t)
	b.open(ctl.URL, "/control", "#done")
	want := []string{controlPayload + "-script", controlPayload + "-onerror", "alert:" + controlPayload + "-alert"}
	err := waitUntil(b.ctx, func() bool {
		requests, _, canary, _, _ := s.rec.snapshot()
		for _, w := range want {
			if !slices.Contains(canary, w) {
				return false
			}
		}
		return slices.Contains(requests, "http://"+controlHost+"/pixel.gif") && len(s.wire.seen()) > 0
	})
	if err != nil {
		requests, _, canary, _, _ := s.rec.snapshot()
		t.Fatalf("the detectors missed the control page: canary %q, requests %q, tripwire %q", canary, requests, s.wire.seen())
	}
	if _, _, _, dialogs, _ := s.rec.snapshot(); len(dialogs) > 0 {
		t.Errorf("alert opened a dialog despite the hook: %q", dialogs)
	}
	// A script the policy refuses does not run, but the refusal is seen.
	b.open(ctl.URL, "/control-csp", "#done")
	err = waitUntil(b.ctx, func() bool {
		_, _, _, _, console := s.rec.snapshot()
		return slices.ContainsFunc(console, func(c string) bool {
			return strings.Contains(c, "/control-csp") && strings.Contains(c, "Content Security Policy")
		})
	})
	if err != nil {
		_, _, _, _, console := s.rec.snapshot()
		t.Fatalf("the console records missed a refusal by the policy: %q", console)
	}
	if _, _, canary, _, _ := s.rec.snapshot(); slices.Contains(canary, controlPayload+"-csp") {
		t.Error("a script the policy refuses ran")
	}
}

// testBrowserSearch walks a reader's path: search, narrow by a facet, open
// a result, read its authenticity panel, download the original, follow the
// thread.
func testBrowserSearch(t *testing.T, s *browserSession, bf *browserFixture) {
	b := s.tab(t)
	b.open(bf.url, "/", "#q")
	b.do("search",
		chromedp.SendKeys(chromedp.ID("q"), "threadcanary"),
		chromedp.Click(chromedp.CSS(`form.search button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("ol.hits li")),
	)
	if got := b.path(); got != "/search?q=threadcanary&sort=relevance" && got != "/search?q=threadcanary" {
		t.Errorf("search went to %s", got)
	}
	if n := b.total(); n != 2 {
		t.Fatalf("threadcanary: %d documents, want 2", n)
	}
	b.screenshot("search")

	// The Sender facet narrows to Bob's reply.
	b.do("click the sender facet",
		chromedp.Click(chromedp.CSS(`aside.facets a[href*="bob%40example.org"]`)),
		chromedp.WaitVisible(chromedp.CSS("aside.facets .selected")),
	)
	if n := b.total(); n != 1 {
		t.Fatalf("after the sender facet: %d documents, want 1", n)
	}
	if q := jsEval[string](b, `document.getElementById("q").value`); !strings.Contains(q, `from:`) || !strings.Contains(q, "bob@example.org") {
		t.Errorf("the facet did not add a from: term to the query box: %q", q)
	}

	// Open the result: the document page with its authenticity panel.
	reply := bf.doc(t, "thread-reply@example.org")
	b.do("open the result",
		chromedp.Click(chromedp.CSS("ol.hits h2 a")),
		chromedp.WaitVisible(chromedp.CSS("section.auth .badge")),
	)
	if got := b.path(); got != fmt.Sprintf("/doc/%d", reply.Num) {
		t.Errorf("the result opened %s, want /doc/%d", got, reply.Num)
	}
	if badge := b.text("section.auth .badge"); badge != "Verified" {
		t.Errorf("verdict badge %q, want Verified", badge)
	}
	panel := b.text("section.auth")
	for _, want := range []string{"does not prove who typed", "s2017", "rsa-sha256", "the sender's domain", "from, to, subject, date, message-id"} {
		if !strings.Contains(panel, want) {
			t.Errorf("authenticity panel lacks %q", want)
		}
	}
	b.screenshot("doc-dkim")

	// Download the original, as a reader would: the browser saves it.
	progress := chromedp.BrowserEvents(b.ctx, browser.DownloadProgress)
	begin := chromedp.BrowserEvents(b.ctx, browser.DownloadWillBegin)
	b.do("click the download", chromedp.Click(chromedp.CSS(`a.button[download]`)))
	var guid, suggested string
	for ev, err := range begin {
		if err != nil {
			t.Fatalf("no download began: %v", err)
		}
		guid, suggested = ev.GUID, ev.SuggestedFilename
		if !strings.HasSuffix(ev.URL, fmt.Sprintf("/doc/%d/raw", reply.Num)) {
			t.Errorf("download of %s", ev.URL)
		}
		break
	}
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download did not finish: %v", err)
		}
		if ev.GUID != guid {
			continue
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatal("download cancelled")
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			break
		}
	}
	got, err := os.ReadFile(filepath.Join(s.download, guid))
	if err != nil {
		t.Fatal(err)
	}
	if want := bf.files["06-thread-reply.eml"]; string(got) != string(want) {
		t.Errorf("downloaded original differs from the input file: %d bytes, want %d", len(got), len(want))
	}
	if suggested == "" || strings.ContainsAny(suggested, `/\"`) {
		t.Errorf("download suggested file name %q", suggested)
	}

	// Follow the thread: the whole conversation, oldest first.
	b.do("follow the thread",
		chromedp.Click(chromedp.CSS(`nav.thread a[href^="/thread/"]`)),
		chromedp.WaitVisible(chromedp.CSS("ol.conversation")),
	)
	conv := b.text("ol.conversation")
	first := strings.Index(conv, "First message of the threadcanary conversation")
	second := strings.Index(conv, "Reply in the threadcanary conversation")
	if first < 0 || second < first {
		t.Errorf("conversation page: want both messages, oldest first:\n%s", conv)
	}
	b.screenshot("thread")

	// A fuller results page, with every facet, for the reviewer.
	b.open(bf.url, "/search?q="+q("collection:leak"), "ol.hits li")
	b.screenshot("search-leak")
}

// testXSSCanary visits every page that shows hostile content, including
// the sandboxed HTML frames (framed and on their own), and checks the live
// DOM after the browser parsed it. The canary itself is checked with the
// session's other records when TestBrowser ends, and here as well.
func testXSSCanary(t *testing.T, s *browserSession, bf *browserFixture) {
	b := s.tab(t)
	docs := bf.hostileDocs(t)
	pages := []string{"/", "/collection/hostile", "/collection/canary", "/search?q=xsscanary", "/search?q=dossiercanary",
		"/search?q=htmlcanary", "/search?q=htmlcanarytwo", "/search?q=rtlcanary", "/search?q=collection:canary",
		"/search?q=" + q("filename:*.pdf"), "/search?q=dkim:failed", "/search?sort=date&q=collection:hostile",
		"/people", fillonPath(), "/person/" + url.PathEscape(canaryAlias), "/search?q=" + q(`person:"`+fillonName+`"`),
		"/api/v1/people", "/api/v1/people/" + url.PathEscape(fillonName)}
	threads := map[string]bool{}
	for _, d := range docs {
		pages = append(pages, fmt.Sprintf("/doc/%d", d.Num), "/sha256/"+d.SHA256, fmt.Sprintf("/api/v1/doc/%d", d.Num))
		if d.ThreadID != "" && !threads[d.ThreadID] {
			threads[d.ThreadID] = true
			pages = append(pages, "/thread/"+d.ThreadID)
		}
	}
	frames := 0
	for _, p := range pages {
		b.do("open "+p, chromedp.Navigate(bf.url+p), chromedp.WaitReady(chromedp.CSS("body")))
		// The live DOM, as the browser parsed it: no script, no handler,
		// no javascript: URL anywhere on the site's pages.
		bad := jsEval[[]string](b, `(() => {
  const out = [];
  for (const el of document.querySelectorAll("*")) {
    if (el.tagName === "SCRIPT") out.push("<script>");
    for (const a of el.attributes) {
      if (a.name.startsWith("on")) out.push(el.tagName + " " + a.name);
      if (/^\s*javascript:/i.test(a.value)) out.push(el.tagName + " " + a.name + "=" + a.value);
    }
  }
  return out;
})()`)
		if len(bad) > 0 {
			t.Errorf("%s: active content in the DOM: %q", p, bad)
		}
		// Sandboxed frames: load each (they are lazy), then open it alone.
		srcs := jsEval[[]string](b, `[...document.querySelectorAll("iframe")].map(f => f.getAttribute("src") + " " + (f.hasAttribute("sandbox") ? f.getAttribute("sandbox") : "NOSANDBOX"))`)
		for _, fs := range srcs {
			src, sandbox, _ := strings.Cut(fs, " ")
			if sandbox != "" {
				t.Errorf("%s: iframe %s has sandbox=%q, want an empty (strictest) sandbox", p, src, sandbox)
			}
			b.showFrames()
			err := waitUntil(b.ctx, func() bool {
				_, responses, _, _, _ := s.rec.snapshot()
				return slices.Contains(responses, bf.url+src)
			})
			if err != nil {
				t.Fatalf("%s: the frame %s never loaded", p, src)
			}
			frames++
			b.do("open the frame alone "+src, chromedp.Navigate(bf.url+src), chromedp.WaitReady(chromedp.CSS("body")))
			// The page's own head has one style sheet, written by the
			// server; nothing from the message may load or run.
			if left := jsEval[[]string](b, `[...document.querySelectorAll("script, img, iframe, object, embed, link, svg, video, audio, form, base, meta[http-equiv], body style, input, button")].map(e => e.outerHTML)`); len(left) > 0 {
				t.Errorf("%s: active or loading elements survived sanitising: %q", src, left)
			}
		}
	}
	if frames < 3 {
		t.Errorf("only %d HTML frames visited; want the three HTML messages", frames)
	}
	t.Logf("visited %d pages and %d sandboxed frames", len(pages), frames)
	_, _, canary, dialogs, _ := s.rec.snapshot()
	if canary = slices.DeleteFunc(canary, isControlCall); len(canary) > 0 || len(dialogs) > 0 {
		t.Errorf("injected script ran: canary %q, dialogs %q", canary, dialogs)
	}
}

// testNoRemoteRequests opens the pages of HTML mail that tries to load
// remote images, style sheets and frames, and checks that the pages and
// frames loaded only resources of the site itself.
func testNoRemoteRequests(t *testing.T, s *browserSession, bf *browserFixture) {
	b := s.tab(t)
	before, _, _, _, _ := s.rec.snapshot()
	for _, mid := range []string{"hostile-3@evil.example", "hostile-4@evil.example", "canary-2@evil.example"} {
		d := bf.doc(t, mid)
		raw := fmt.Sprintf("/doc/%d/html", d.Num)
		b.open(bf.url, fmt.Sprintf("/doc/%d", d.Num), "iframe.mailhtml")
		b.showFrames()
		if err := waitUntil(b.ctx, func() bool {
			_, responses, _, _, _ := s.rec.snapshot()
			return slices.Contains(responses, bf.url+raw)
		}); err != nil {
			t.Fatalf("%s: the frame never loaded", raw)
		}
		// Everything the page loaded, as the page itself saw it.
		res := jsEval[[]string](b, `performance.getEntriesByType("resource").map(e => e.name)`)
		for _, u := range append(res, jsEval[[]string](b, `[...document.styleSheets].map(s => s.href || "inline")`)...) {
			if u == "inline" {
				t.Errorf("doc %d: an inline style sheet", d.Num)
			} else if !strings.HasPrefix(u, bf.url+"/") {
				t.Errorf("doc %d: loaded a third-party resource %s", d.Num, u)
			}
		}
	}
	requests, _, _, _, _ := s.rec.snapshot()
	if away := offsiteURLs(requests[len(before):]); len(away) > 0 {
		t.Errorf("requests left 127.0.0.1: %q", away)
	}
	if wire := s.wire.seen(controlHost); len(wire) > 0 {
		t.Errorf("the tripwire proxy was reached: %q", wire)
	}
}

// testPhoneWidth emulates a 375 px wide phone: no page scrolls sideways,
// and the search form fits and works.
func testPhoneWidth(t *testing.T, s *browserSession, bf *browserFixture) {
	b := s.tab(t)
	b.do("emulate a phone", chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	reply := bf.doc(t, "thread-reply@example.org")
	rtl := bf.doc(t, "hostile-2@evil.example")
	pages := []struct{ path, shot string }{
		{"/", ""},
		{"/search?q=threadcanary", "phone-search"},
		{"/search?q=" + q("collection:leak"), ""},
		{fmt.Sprintf("/doc/%d", reply.Num), "phone-doc"},
		{fmt.Sprintf("/doc/%d", bf.doc(t, "canary-2@evil.example").Num), ""},
		{fmt.Sprintf("/doc/%d", bf.doc(t, "hostile-1@evil.example").Num), ""},
		{fmt.Sprintf("/doc/%d", rtl.Num), ""},
		{"/thread/" + reply.ThreadID, ""},
		{"/help/search", ""},
		{"/people", "phone-people"},
		{fillonPath(), "phone-person"},
	}
	for _, p := range pages {
		b.open(bf.url, p.path, "main")
		type widths struct {
			Scroll, Client, Inner int
			Wide                  []string
		}
		w := jsEval[widths](b, `(() => {
  const de = document.documentElement, cw = de.clientWidth;
  const wide = [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > cw + 1)
    .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : "") + " " + Math.round(e.getBoundingClientRect().right) + "px");
  return {Scroll: de.scrollWidth, Client: cw, Inner: window.innerWidth, Wide: wide};
})()`)
		if w.Client != 375 {
			t.Errorf("%s: layout viewport %d px wide, want 375 (viewport meta?)", p.path, w.Client)
		}
		if w.Scroll > w.Client || w.Scroll > w.Inner {
			t.Errorf("%s: scrolls sideways at 375 px: scrollWidth %d, clientWidth %d, innerWidth %d; too wide: %q",
				p.path, w.Scroll, w.Client, w.Inner, w.Wide)
		}
		if p.shot != "" {
			b.screenshot(p.shot)
		}
	}

	// The search form fits and works with a tap.
	b.open(bf.url, "/", "#q")
	type box struct{ Left, Right, Width, Height float64 }
	for _, sel := range []string{"#q", `form.search button[type="submit"]`, "#sort"} {
		r := jsEval[box](b, `(() => { const r = document.querySelector(`+"`"+sel+"`"+`).getBoundingClientRect();
  return {Left: r.left, Right: r.right, Width: r.width, Height: r.height}; })()`)
		if r.Left < 0 || r.Right > 375 || r.Width < 40 || r.Height < 24 {
			t.Errorf("%s at 375 px: %+v, want inside the screen and big enough to tap", sel, r)
		}
	}
	if r := jsEval[box](b, `(() => { const r = document.getElementById("q").getBoundingClientRect(); return {Left: r.left, Right: r.right, Width: r.width, Height: r.height}; })()`); r.Width < 150 {
		t.Errorf("search box only %.0f px wide at 375 px", r.Width)
	}
	b.do("search on a phone",
		chromedp.SendKeys(chromedp.ID("q"), "threadcanary"),
		chromedp.Click(chromedp.CSS(`form.search button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("ol.hits li")),
	)
	if n := b.total(); n != 2 {
		t.Errorf("search on a phone: %d results, want 2", n)
	}
}

// testKeyboard uses the skip link, reaches the search box with Tab from
// the top of a page, and searches with Enter.
func testKeyboard(t *testing.T, s *browserSession, bf *browserFixture) {
	b := s.tab(t)
	type focused struct {
		Tag, ID, Class, Text, Outline string
		Left                          float64
	}
	current := func() focused {
		return jsEval[focused](b, `(() => { const e = document.activeElement, cs = getComputedStyle(e);
  return {Tag: e.tagName, ID: e.id, Class: e.className, Text: e.textContent.trim(), Left: e.getBoundingClientRect().left,
    Outline: cs.outlineStyle + " " + cs.outlineWidth}; })()`)
	}
	// The syntax help page has the search bar and no autofocus: focus
	// starts at the top of the document.
	top := func() {
		b.open(bf.url, "/help/search", "#q-bar")
		if f := current(); f.Tag != "BODY" {
			t.Fatalf("focus starts on %+v, want the body", f)
		}
	}

	// The skip link comes first, shows when focused, and moves focus to
	// the main content.
	top()
	b.do("Tab", chromedp.KeyEvent(kb.Tab))
	skip := current()
	if skip.Class != "skip" || skip.Text != "Skip to content" {
		t.Errorf("first Tab focuses %+v, want the skip link", skip)
	}
	if skip.Left < 0 {
		t.Errorf("the focused skip link is off screen (left %.0f)", skip.Left)
	}
	b.do("Enter on the skip link", chromedp.KeyEvent(kb.Enter))
	if err := waitUntil(b.ctx, func() bool { return current().ID == "main" }); err != nil {
		t.Errorf("the skip link did not move focus to the main content: %+v", current())
	}

	// Tab to the search box, type, Enter.
	top()
	var path []string
	for range 6 {
		b.do("Tab", chromedp.KeyEvent(kb.Tab))
		f := current()
		path = append(path, f.Tag+"#"+f.ID+"."+f.Class)
		if f.ID == "q-bar" {
			if strings.HasPrefix(f.Outline, "none") || strings.HasSuffix(f.Outline, " 0px") {
				t.Errorf("the focused search box has no visible focus: outline %s", f.Outline)
			}
			break
		}
	}
	if !strings.HasPrefix(path[len(path)-1], "INPUT#q-bar") {
		t.Fatalf("Tab never reached the search box: %q", path)
	}
	if len(path) > 3 {
		t.Errorf("the search box is %d Tabs from the top: %q", len(path), path)
	}
	b.do("type and press Enter",
		chromedp.KeyEvent("threadcanary"),
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("ol.hits li")),
	)
	if got := b.path(); !strings.HasPrefix(got, "/search?q=threadcanary") {
		t.Errorf("Enter went to %s", got)
	}
	if n := b.total(); n != 2 {
		t.Errorf("keyboard search: %d results, want 2", n)
	}
	// Every form field of the results page has a label.
	if unlabelled := jsEval[[]string](b, `[...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
  .filter(e => e.labels.length === 0 && !e.getAttribute("aria-label")).map(e => e.outerHTML)`); len(unlabelled) > 0 {
		t.Errorf("form fields without a label: %q", unlabelled)
	}
}

// testBrowserPeople walks from the people list to a person's dossier and
// checks what a reader sees there: the number of documents, and a
// timeline whose bars are drawn to scale (by the style sheet alone).
func testBrowserPeople(t *testing.T, s *browserSession, bf *browserFixture) {
	wf := bf.watch
	b := s.tab(t)
	b.open(bf.url, "/", "#q")
	b.do("open the people page",
		chromedp.Click(chromedp.CSS(`nav.links a[href="/people"]`)),
		chromedp.WaitVisible(chromedp.CSS("table.people")),
	)
	b.screenshot("people")
	b.do("open Fillon's dossier",
		chromedp.Click(chromedp.CSS(`table.people a.name[href="`+fillonPath()+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("figure.timeline")),
	)
	if got := b.path(); got != fillonPath() {
		t.Errorf("the link opened %s, want %s", got, fillonPath())
	}
	if h1 := b.text("main h1"); h1 != fillonName {
		t.Errorf("heading %q", h1)
	}
	want := len(wf.nums(wf.fillonDocs))
	if n := strings.TrimSpace(b.text("#documents")); n != fmt.Sprint(want) {
		t.Errorf("documents shown: %q, want %d", n, want)
	}
	if n := len(jsEval[[]string](b, `[...document.querySelectorAll("ol.hits > li")].map(e => e.id)`)); n != want {
		t.Errorf("%d documents listed, want %d", n, want)
	}
	// The bars as laid out: one per month, heights proportional to the
	// counts (to the 5% steps of the style sheet), the tallest filling
	// the chart, all inside it.
	type bar struct {
		Label         string
		Height, Chart float64
		Bottom, Base  float64
	}
	bars := jsEval[[]bar](b, `[...document.querySelectorAll("figure.timeline ol.bars li")].map(li => {
  const col = li.getBoundingClientRect(), r = li.querySelector(".bar").getBoundingClientRect();
  return {Label: li.textContent.trim(), Height: r.height, Chart: col.height, Bottom: r.bottom, Base: col.bottom};
})`)
	months := wf.months(wf.fillonDocs)
	var peak int64
	for _, m := range []string{"2016-11", "2016-12", "2017-01"} {
		peak = max(peak, months[m])
	}
	if len(bars) != 3 {
		t.Fatalf("timeline bars: %+v, want 3 months", bars)
	}
	for i, m := range []string{"2016-11", "2016-12", "2017-01"} {
		br := bars[i]
		if !strings.HasPrefix(br.Label, m+": ") {
			t.Errorf("bar %d is %q, want %s", i, br.Label, m)
		}
		if br.Chart < 100 {
			t.Errorf("bar %s: the chart is only %.1f px high", m, br.Chart)
		}
		wantH := br.Chart * float64(1+months[m]*19/peak) / 20
		if br.Height < wantH-2 || br.Height > wantH+2 || br.Height <= 0 {
			t.Errorf("bar %s: %.1f px high, want %.1f (of %.1f)", m, br.Height, wantH, br.Chart)
		}
		if br.Bottom > br.Base+1 || br.Bottom < br.Base-1 {
			t.Errorf("bar %s does not stand on the axis: bottom %.1f, axis %.1f", m, br.Bottom, br.Base)
		}
	}
	b.screenshot("person")

	// A co-mentioned person's link leads to their dossier.
	b.do("open Le Pen's dossier",
		chromedp.Click(chromedp.CSS(`ul.mentioned-with a`)),
		chromedp.WaitVisible(chromedp.CSS("#documents")),
	)
	if n := strings.TrimSpace(b.text("#documents")); n != fmt.Sprint(len(wf.nums(wf.lepenDocs))) {
		t.Errorf("Le Pen's documents: %q, want %d", n, len(wf.nums(wf.lepenDocs)))
	}
}
