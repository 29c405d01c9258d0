package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/newsroom/dossier/internal/publish"
	"github.com/newsroom/dossier/internal/tlog"
)

// TestPublicBrowser reads the public site as a reader would, in headless
// Chromium: a published document's page with its publication record,
// downloading its proof and verifying it, the withdrawal notice, the
// releases and the log page. Nothing is refused by the page's policy,
// nothing leaves 127.0.0.1.
func TestPublicBrowser(t *testing.T) {
	s := startBrowser(t)
	f := publicFx(t)
	base := f.srv.URL
	b := s.tab(t)
	p1 := f.byMID["p1@public.example"]

	b.open(base, fmt.Sprintf("/doc/%d", p1.Num), "section.publication")
	rec := b.text("section.publication")
	for _, want := range []string{"Publication record", "first", strconv.FormatUint(f.publishIndex[p1.Num], 10), `"type":"publish"`} {
		if !strings.Contains(rec, want) {
			t.Errorf("the publication record lacks %q:\n%s", want, rec)
		}
	}
	if got := jsEval[string](b, `document.querySelector("a.button.proof").getAttribute("download")`); got != fmt.Sprintf("dossier-%d.proof", p1.Num) {
		t.Errorf("proof link download name %q", got)
	}
	b.screenshot("public-doc")

	// Download the proof and verify it offline.
	progress := chromedp.BrowserEvents(b.ctx, browser.DownloadProgress)
	begin := chromedp.BrowserEvents(b.ctx, browser.DownloadWillBegin)
	b.do("click the proof", chromedp.Click(chromedp.CSS(`a.button.proof`)))
	var guid, suggested string
	for ev, err := range begin {
		if err != nil {
			t.Fatalf("no download began: %v", err)
		}
		guid, suggested = ev.GUID, ev.SuggestedFilename
		if !strings.HasSuffix(ev.URL, fmt.Sprintf("/doc/%d/proof", p1.Num)) {
			t.Errorf("download of %s", ev.URL)
		}
		break
	}
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download did not finish: %v", err)
		}
		if ev.GUID == guid && ev.State == browser.DownloadProgressStateCompleted {
			break
		}
		if ev.GUID == guid && ev.State == browser.DownloadProgressStateCanceled {
			t.Fatal("download cancelled")
		}
	}
	if suggested != fmt.Sprintf("dossier-%d.proof", p1.Num) {
		t.Errorf("proof saved as %q", suggested)
	}
	bundle, err := os.ReadFile(filepath.Join(s.download, guid))
	if err != nil {
		t.Fatal(err)
	}
	v, err := tlog.Verify(bundle, f.vkey)
	if err != nil {
		t.Fatalf("the downloaded proof: %v", err)
	}
	if e, err := publish.Parse(v.Entry); err != nil || e.Number != p1.Num || v.Index != f.publishIndex[p1.Num] {
		t.Errorf("the downloaded proof is of entry %d (%v), want document %d's at %d", v.Index, err, p1.Num, f.publishIndex[p1.Num])
	}

	// The withdrawal notice.
	b.open(base, fmt.Sprintf("/doc/%d", f.withdrawn.Num), "section.notice")
	if n := b.text("section.notice"); !strings.Contains(n, withdrawReason) || !strings.Contains(n, strconv.FormatUint(f.withdrawIndex, 10)) {
		t.Errorf("withdrawal notice:\n%s", n)
	}
	b.screenshot("public-withdrawn")

	// From the releases to a release, to a document.
	b.open(base, "/releases", "table.releases")
	b.do("open release first", chromedp.Click(chromedp.CSS(`table.releases a[href="/release/first"]`)),
		chromedp.WaitVisible(chromedp.CSS("ol.release-docs")))
	b.screenshot("public-release")
	b.do("open its first document", chromedp.Click(chromedp.CSS(`ol.release-docs a[href^="/doc/"]`)),
		chromedp.WaitVisible(chromedp.CSS("section.publication")))
	b.open(base, "/log", "#log-key")
	if key := strings.TrimSpace(b.text("#log-key")); key != f.vkey {
		t.Errorf("log page key %q, want %q", key, f.vkey)
	}
	b.screenshot("public-log")

	// At a phone's width, no public page scrolls sideways (keys, entries
	// and commands wrap).
	phone := s.tab(t)
	phone.do("emulate a phone", chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	for _, p := range []string{"/", fmt.Sprintf("/doc/%d", p1.Num), fmt.Sprintf("/doc/%d", f.withdrawn.Num), "/releases",
		"/release/first", "/log"} {
		phone.open(base, p, "main")
		w := jsEval[[2]int](phone, `[document.documentElement.scrollWidth, document.documentElement.clientWidth]`)
		if w[0] > w[1] {
			t.Errorf("%s scrolls sideways at 375 px: scrollWidth %d, clientWidth %d", p, w[0], w[1])
		}
	}
	phone.screenshot("public-phone-log")

	requests, _, canary, dialogs, console := s.rec.snapshot()
	if away := offsiteURLs(requests); len(away) > 0 {
		t.Errorf("requests left 127.0.0.1: %q", away)
	}
	if len(canary) > 0 || len(dialogs) > 0 {
		t.Errorf("script ran: canary %q, dialogs %q", canary, dialogs)
	}
	for _, c := range console {
		gone := strings.Contains(c, fmt.Sprintf("/doc/%d: Failed to load resource: the server responded with a status of 410", f.withdrawn.Num))
		if consoleAlarm.MatchString(c) && !strings.Contains(c, "favicon.ico") && !gone {
			t.Errorf("console: %s", c)
		}
	}
}
