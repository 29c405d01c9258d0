package web_test

// The fixture: one real archive per test binary, built in a temporary
// directory with the generator (a synthetic leak) and a few hostile
// messages written here, ingested by the real pipeline into the real
// SQLite store and disk blob store. Every test reads it through the real
// handler behind httptest.

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsroom/dossier/internal/blobstore/disk"
	"github.com/newsroom/dossier/internal/gen"
	"github.com/newsroom/dossier/internal/ingest"
	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/meta/sqlite"
	"github.com/newsroom/dossier/internal/web"
	"github.com/newsroom/dossier/internal/web/websqlite"
)

type fixture struct {
	dir     string
	store   *sqlite.Store
	blobs   *disk.Store
	ing     *ingest.Ingester
	man     *gen.Manifest
	hostile string            // directory of hostile messages
	files   map[string][]byte // hostile file name -> bytes written
	srv     *httptest.Server
	// the watchlist (people_test.go): two watched people and their
	// recorded mentions
	watch *watchFixture
}

var fx *fixture

func TestMain(m *testing.M) {
	code, err := runTests(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "web tests: fixture:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func runTests(m *testing.M) (int, error) {
	dir, err := os.MkdirTemp("", "dossier-web-test-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	f, err := newFixture(dir)
	if err != nil {
		return 0, err
	}
	defer f.store.Close()
	defer f.srv.Close()
	defer closePublicFixture() // built by the public site's tests, if they ran
	fx = f
	return m.Run(), nil
}

func newFixture(dir string) (*fixture, error) {
	ctx := context.Background()
	f := &fixture{dir: dir, files: map[string][]byte{}}
	var err error
	if f.blobs, err = disk.Open(filepath.Join(dir, "archive", "blobs")); err != nil {
		return nil, err
	}
	if f.store, err = sqlite.Open(ctx, filepath.Join(dir, "archive", "dossier.db")); err != nil {
		return nil, err
	}
	f.ing = &ingest.Ingester{Blobs: f.blobs, Store: f.store}
	leak := filepath.Join(dir, "leak")
	if f.man, err = gen.Generate(ctx, leak, gen.Options{Seed: 7, Messages: 70, Mailboxes: 3}); err != nil {
		return nil, err
	}
	if _, err := f.ing.Run(ctx, ingest.Options{Collection: "leak", Paths: []string{leak}}); err != nil {
		return nil, err
	}
	f.hostile = filepath.Join(dir, "hostile")
	if err := os.MkdirAll(f.hostile, 0o755); err != nil {
		return nil, err
	}
	for name, body := range hostileMessages() {
		b := []byte(strings.ReplaceAll(body, "\n", "\r\n"))
		f.files[name] = b
		if err := os.WriteFile(filepath.Join(f.hostile, name), b, 0o644); err != nil {
			return nil, err
		}
	}
	if _, err := f.ing.Run(ctx, ingest.Options{Collection: "hostile", Paths: []string{f.hostile}}); err != nil {
		return nil, err
	}
	pdir := filepath.Join(dir, "people")
	if err := os.MkdirAll(pdir, 0o755); err != nil {
		return nil, err
	}
	for name, body := range peopleMessages() {
		if err := os.WriteFile(filepath.Join(pdir, name), []byte(strings.ReplaceAll(body, "\n", "\r\n")), 0o644); err != nil {
			return nil, err
		}
	}
	if _, err := f.ing.Run(ctx, ingest.Options{Collection: "people", Paths: []string{pdir}}); err != nil {
		return nil, err
	}
	if f.watch, err = addWatchlist(ctx, f.store); err != nil {
		return nil, fmt.Errorf("watchlist: %w", err)
	}
	h, err := web.New(web.Config{Store: websqlite.New(f.store), Blobs: f.blobs})
	if err != nil {
		return nil, err
	}
	f.srv = httptest.NewServer(h)
	return f, nil
}

// attachmentBytes is the PDF-looking attachment of hostile message 2.
var attachmentBytes = []byte("%PDF-1.4\n% not really a pdf, but bytes to compare\n\x00\x01\x02\xff\n%%EOF\n")

// unsignedTail is text appended after an l= signature's signed length.
const unsignedTail = "P.S. WIRE THE MONEY TO ACCOUNT 666 — added after signing\n"

func hostileMessages() map[string]string {
	att := base64.StdEncoding.EncodeToString(attachmentBytes)
	return map[string]string{
		"01-script-subject.eml": `From: Mallory <mallory@evil.example>
To: victim@example.org
Subject: <script>alert(1)</script> quarterly xsscanary
Date: Mon, 02 Jan 2017 10:00:00 +0000
Message-ID: <hostile-1@evil.example>
Content-Type: text/plain; charset=utf-8

Body with <img src=x onerror=alert(1)> and "quotes" and a
javascript:alert(1) link and xsscanary.
` + unsignedTail,
		"02-rtl-attachment.eml": `From: Mallory <mallory@evil.example>
To: victim@example.org
Subject: invoice rtlcanary
Date: Tue, 03 Jan 2017 10:00:00 +0000
Message-ID: <hostile-2@evil.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

See the attached invoice, rtlcanary.
--b1
Content-Type: application/pdf; name="x.pdf"
Content-Disposition: attachment; filename*=UTF-8''invoice%E2%80%AEfdp.exe%0D%0AX-Injected%3A%20yes%22%3B
Content-Transfer-Encoding: base64

` + att + `
--b1--
`,
		"03-html-mail.eml": `From: "Tracker" <news@tracker.example>
To: victim@example.org
Subject: newsletter htmlcanary
Date: Wed, 04 Jan 2017 10:00:00 +0000
Message-ID: <hostile-3@evil.example>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8

Plain version htmlcanary.
--alt
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

<html><head><style>body{background:url(http://evil.example/style.png)}</style>
<script>alert(1)</script><link rel=3D"stylesheet" href=3D"http://evil.example/s.css"></head>
<body onload=3D"alert(1)"><p>Hello <b>reader</b> htmlcanary</p>
<img src=3D"http://evil.example/pixel.gif" width=3D"1" height=3D"1">
<a href=3D"javascript:alert(1)">click me</a>
<a href=3D"http://evil.example/landing">landing page</a>
<div style=3D"background-image:url(http://evil.example/bg.png);color:red">styled</div>
<iframe src=3D"http://evil.example/frame"></iframe>
<form action=3D"http://evil.example/post"><input name=3Dx></form>
<svg onload=3D"alert(1)"><use href=3D"http://evil.example/x.svg#a"/></svg>
</body></html>
--alt--
`,
		"04-html-only.eml": `From: html@example.org
To: victim@example.org
Subject: html only htmlonlycanary
Date: Thu, 05 Jan 2017 10:00:00 +0000
Message-ID: <hostile-4@evil.example>
MIME-Version: 1.0
Content-Type: text/html; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

<p>Caf=E9 htmlonlycanary <img src="https://evil.example/p.png"></p>
`,
		"05-thread-root.eml": `From: Alice <alice@example.org>
To: bob@example.org
Subject: budget threadcanary
Date: Fri, 06 Jan 2017 10:00:00 +0000
Message-ID: <thread-root@example.org>

First message of the threadcanary conversation.
`,
		"06-thread-reply.eml": `From: Bob <bob@example.org>
To: alice@example.org
Subject: Re: budget threadcanary
Date: Fri, 06 Jan 2017 11:00:00 +0000
Message-ID: <thread-reply@example.org>
In-Reply-To: <thread-root@example.org>
References: <thread-root@example.org>

Reply in the threadcanary conversation.
`,
	}
}

// get fetches path from the fixture's server.
func get(t *testing.T, path string) (*http.Response, []byte) {
	t.Helper()
	return do(t, fx.srv, http.MethodGet, path, nil, nil)
}

// do sends one request without following redirects.
func do(t *testing.T, srv *httptest.Server, method, path string, body io.Reader, hdr http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	c := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp, b
}

// mustGet fetches path and fails unless the status is want.
func mustGet(t *testing.T, path string, want int) []byte {
	t.Helper()
	resp, b := get(t, path)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: status %d, want %d\n%.3000s", path, resp.StatusCode, want, b)
	}
	return b
}

// docByMID returns the document with a Message-ID.
func docByMID(t *testing.T, mid string) *meta.Document {
	t.Helper()
	ctx := context.Background()
	res, err := fx.store.Search(ctx, meta.SearchRequest{Query: "mid:" + mid})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 1 {
		t.Fatalf("mid:%s: %d hits", mid, len(res.Hits))
	}
	d, err := fx.store.DocByNum(ctx, res.Hits[0].Number)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func children(t *testing.T, d *meta.Document) []*meta.Document {
	t.Helper()
	kids, err := fx.store.Children(context.Background(), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	return kids
}

func q(s string) string { return url.QueryEscape(s) }
