package web_test

// The public site's fixture: a private archive of published and private
// messages, each carrying marker words, built with the real code — the
// ingest pipeline into a SQLite store and a disk blob store, a real
// transparency log (tlog.Open) with a fresh key, and publish.Publisher
// writing the public projection (a second SQLite database) — then two
// releases published and one document withdrawn. The public site is the
// real handler (Public, with the log) over the projection, behind
// httptest. Built once, on first use, for the tests of public_test.go,
// export_site_test.go and the browser test.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsroom/dossier"
	"github.com/newsroom/dossier/internal/blobstore/disk"
	"github.com/newsroom/dossier/internal/dkim"
	"github.com/newsroom/dossier/internal/ingest"
	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/meta/sqlite"
	"github.com/newsroom/dossier/internal/publish"
	"github.com/newsroom/dossier/internal/tlog"
	"github.com/newsroom/dossier/internal/web"
	"github.com/newsroom/dossier/internal/web/websqlite"
)

// publicBase is the public site's configured address.
const publicBase = "https://public.example"

// withdrawReason is the public reason of the withdrawal.
const withdrawReason = "court order of 2017-04-01"

// privMarkerRE matches every marker word that only private documents
// carry: in subjects, bodies, attachment text and names, sender
// addresses, a DKIM signing domain and a collection name. pubmarker005 is
// the withdrawn document's: it must be gone too.
var privMarkerRE = regexp.MustCompile(`privmarker\d+|pubmarker005`)

type publicFixture struct {
	dir    string
	priv   *sqlite.Store // the private archive
	pub    *sqlite.Store // the public projection
	blobs  *disk.Store
	logDir string
	vkey   string
	// h is the public site; srv serves it. static is the same site
	// rendered for a static mirror.
	h      http.Handler
	srv    *httptest.Server
	static http.Handler

	byMID map[string]*meta.Document // private rows of the messages, by Message-ID
	// live are the private rows of the documents public now, by number;
	// private those never published; withdrawn the withdrawn one.
	live      map[int64]*meta.Document
	private   []*meta.Document
	withdrawn *meta.Document
	// withdrawIndex is the log index of the withdraw entry;
	// publishIndex the publish entry's index of each live document.
	withdrawIndex uint64
	publishIndex  map[int64]uint64
	// privThread is a thread of private messages only; mixedThread one
	// with a private root and a published reply.
	privThread, mixedThread string
}

var (
	pubOnce sync.Once
	pubFx   *publicFixture
	pubErr  error
)

// publicFx returns the public fixture, building it on first use.
func publicFx(t *testing.T) *publicFixture {
	t.Helper()
	pubOnce.Do(func() { pubFx, pubErr = newPublicFixture() })
	if pubErr != nil {
		t.Fatalf("public fixture: %v", pubErr)
	}
	return pubFx
}

// closePublicFixture releases the public fixture, if it was built.
func closePublicFixture() {
	if pubFx == nil {
		return
	}
	pubFx.srv.Close()
	pubFx.priv.Close()
	pubFx.pub.Close()
	os.RemoveAll(pubFx.dir)
}

// publicLeak is the collection with published and private messages;
// privateLeak a collection nobody published.
const (
	publicLeak  = "leakpub"
	privateLeak = "privmarker110coll"
)

func publicMessages() map[string]string {
	return map[string]string{
		// P1, published with its attachment (release first)
		"01-pub-budget.eml": `From: Paula Public <pubmarker001@public.example>
To: team@public.example
Subject: pubmarker001 budget report
Date: Mon, 06 Mar 2017 10:00:00 +0000
Message-ID: <p1@public.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

The commonword budget pubmarker001 is attached.
--b1
Content-Type: text/plain; charset=utf-8; name="pubmarker002-annexe.txt"
Content-Disposition: attachment; filename="pubmarker002-annexe.txt"

Annexe commonword pubmarker002 figures.
--b1--
`,
		// P2, a published reply to a private message (release first)
		"02-pub-reply.eml": `From: Paula Public <pubmarker001@public.example>
To: Victor <victor@elsewhere.example>
Subject: pubmarker003 answer
Date: Tue, 07 Mar 2017 10:00:00 +0000
Message-ID: <p2@public.example>
In-Reply-To: <v2root@private.example>
References: <v2root@private.example>

The commonword answer pubmarker003, in a reply.
`,
		// P3, published then withdrawn (release first)
		"03-pub-withdrawn.eml": `From: Paula Public <pubmarker001@public.example>
To: team@public.example
Subject: pubmarker005 to withdraw
Date: Wed, 08 Mar 2017 10:00:00 +0000
Message-ID: <p3@public.example>

The commonword text pubmarker005, soon withdrawn.
`,
		// P4 (release second)
		"04-pub-second.eml": `From: Olga Open <olga@public.example>
To: team@public.example
Subject: pubmarker006 second release
Date: Thu, 09 Mar 2017 10:00:00 +0000
Message-ID: <p4@public.example>

The commonword note pubmarker006.
`,
		// V1: private, with a private attachment and a copy of P1's
		// (the same bytes), and a failed DKIM report by a private domain
		"05-priv-secret.eml": `From: Privy <privmarker101@private.example>
To: team@public.example
Subject: privmarker102 secret
Date: Fri, 10 Mar 2017 10:00:00 +0000
Message-ID: <v1@private.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b2"

--b2
Content-Type: text/plain; charset=utf-8

The commonword secret privmarker103.
--b2
Content-Type: text/plain; charset=utf-8; name="privmarker104.txt"
Content-Disposition: attachment; filename="privmarker104.txt"

privmarker105 commonword attachment.
--b2
Content-Type: text/plain; charset=utf-8; name="copy.txt"
Content-Disposition: attachment; filename="copy.txt"

Annexe commonword pubmarker002 figures.
--b2--
`,
		// V2: private root of P2's thread
		"06-priv-root.eml": `From: Victor <victor@elsewhere.example>
To: Paula Public <pubmarker001@public.example>
Subject: privmarker106 plan
Date: Sat, 04 Mar 2017 10:00:00 +0000
Message-ID: <v2root@private.example>

The commonword plan privmarker107.
`,
		// V3: private, whose attachment alone is published (release second)
		"07-priv-forward.eml": `From: Forwarder <privmarker109@private.example>
To: team@public.example
Subject: privmarker108 forward
Date: Sun, 12 Mar 2017 10:00:00 +0000
Message-ID: <v3@private.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b3"

--b3
Content-Type: text/plain; charset=utf-8

See attached, commonword privmarker114.
--b3
Content-Type: text/plain; charset=utf-8; name="pubmarker004-report.txt"
Content-Disposition: attachment; filename="pubmarker004-report.txt"

Report commonword pubmarker004 content.
--b3--
`,
	}
}

func privateMessages() map[string]string {
	return map[string]string{
		"08-priv-other.eml": `From: Other <privmarker116@private.example>
To: privmarker117@private.example
Subject: privmarker111 other
Date: Mon, 13 Mar 2017 10:00:00 +0000
Message-ID: <v4@private.example>

The commonword other privmarker118.
`,
		"09-priv-other-reply.eml": `From: privmarker117@private.example
To: Other <privmarker116@private.example>
Subject: Re: privmarker111 other
Date: Mon, 13 Mar 2017 11:00:00 +0000
Message-ID: <v5@private.example>
In-Reply-To: <v4@private.example>
References: <v4@private.example>

Reply commonword privmarker119.
`,
		"privmarker112-notes.txt": "privmarker115 notes commonword\n",
	}
}

func writeFiles(dir string, files map[string]string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, body := range files {
		if strings.HasSuffix(name, ".eml") {
			body = strings.ReplaceAll(body, "\n", "\r\n")
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func newPublicFixture() (_ *publicFixture, err error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "dossier-web-public-")
	if err != nil {
		return nil, err
	}
	f := &publicFixture{dir: dir, logDir: filepath.Join(dir, "archive", "log"), byMID: map[string]*meta.Document{},
		live: map[int64]*meta.Document{}, publishIndex: map[int64]uint64{}}
	defer func() {
		if err != nil {
			if f.priv != nil {
				f.priv.Close()
			}
			if f.pub != nil {
				f.pub.Close()
			}
			os.RemoveAll(dir)
		}
	}()
	if f.blobs, err = disk.Open(filepath.Join(dir, "archive", "blobs")); err != nil {
		return nil, err
	}
	if f.priv, err = sqlite.Open(ctx, filepath.Join(dir, "archive", "dossier.db")); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "archive", "public"), 0o755); err != nil {
		return nil, err
	}
	if f.pub, err = sqlite.Open(ctx, filepath.Join(dir, "archive", "public", "public.db")); err != nil {
		return nil, err
	}
	ing := &ingest.Ingester{Blobs: f.blobs, Store: f.priv}
	for coll, files := range map[string]map[string]string{publicLeak: publicMessages(), privateLeak: privateMessages()} {
		src := filepath.Join(dir, coll)
		if err := writeFiles(src, files); err != nil {
			return nil, err
		}
		if _, err := ing.Run(ctx, ingest.Options{Collection: coll, Paths: []string{src}, Workers: 1}); err != nil {
			return nil, fmt.Errorf("ingest %s: %w", coll, err)
		}
	}
	var all []*meta.Document
	if err := f.priv.Documents(ctx, func(d *meta.Document) error {
		all = append(all, d)
		if d.MessageID != "" {
			f.byMID[strings.Trim(d.MessageID, "<>")] = d
		}
		return nil
	}); err != nil {
		return nil, err
	}
	for _, mid := range []string{"p1@public.example", "p2@public.example", "p3@public.example", "p4@public.example",
		"v1@private.example", "v2root@private.example", "v3@private.example", "v4@private.example", "v5@private.example"} {
		if f.byMID[mid] == nil {
			return nil, fmt.Errorf("message %s not ingested", mid)
		}
	}
	kid := func(parent, name string) (*meta.Document, error) {
		kids, err := f.priv.Children(ctx, f.byMID[parent].ID)
		if err != nil {
			return nil, err
		}
		for _, k := range kids {
			if k.Filename == name {
				return k, nil
			}
		}
		return nil, fmt.Errorf("%s has no attachment %s", parent, name)
	}
	annex, err := kid("p1@public.example", "pubmarker002-annexe.txt")
	if err != nil {
		return nil, err
	}
	if annex.Status != dossier.Indexed {
		return nil, fmt.Errorf("P1's attachment is %s, want the first copy of its bytes", annex.Status)
	}
	report, err := kid("v3@private.example", "pubmarker004-report.txt")
	if err != nil {
		return nil, err
	}
	f.privThread, f.mixedThread = f.byMID["v4@private.example"].ThreadID, f.byMID["p2@public.example"].ThreadID
	if f.byMID["v2root@private.example"].ThreadID != f.mixedThread || f.byMID["v5@private.example"].ThreadID != f.privThread {
		return nil, fmt.Errorf("threads not joined")
	}

	// Authenticity reports, before publishing: the projection copies them.
	asOf := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	if err := f.priv.PutAuth(ctx, []meta.Auth{
		{Num: f.byMID["p1@public.example"].Num, Report: &dkim.Report{Verdict: dkim.Verified, AsOf: asOf, FromDomain: "public.example",
			Signatures: []dkim.Signature{{Domain: "public.example", Selector: "s2017", Algorithm: "rsa-sha256", Result: dkim.Pass, Aligned: true}}}},
		{Num: f.byMID["v1@private.example"].Num, Report: &dkim.Report{Verdict: dkim.Failed, AsOf: asOf, FromDomain: "privmarker113.example",
			Signatures: []dkim.Signature{{Domain: "privmarker113.example", Selector: "privmarker120", Result: dkim.Fail}}}},
	}); err != nil {
		return nil, err
	}

	// A real log, with a fresh key.
	skey, vkey, err := tlog.GenerateKey("dossier.test/public-log")
	if err != nil {
		return nil, err
	}
	f.vkey = vkey
	l, err := tlog.Open(ctx, f.logDir, skey)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	p := &publish.Publisher{Store: f.priv, Log: l, Projection: f.pub, LockFile: filepath.Join(dir, "archive", "publish.lock")}
	num := func(d *meta.Document) string { return strconv.FormatInt(d.Num, 10) }
	if _, err := p.Create(ctx, publish.CreateOptions{Name: "first", WithAttachments: true,
		IDs: []string{num(f.byMID["p1@public.example"]), num(f.byMID["p2@public.example"]), num(f.byMID["p3@public.example"])}}); err != nil {
		return nil, err
	}
	if _, err := p.Publish(ctx, "first", time.Time{}); err != nil {
		return nil, err
	}
	if _, err := p.Create(ctx, publish.CreateOptions{Name: "second",
		IDs: []string{num(report), num(f.byMID["p4@public.example"])}}); err != nil {
		return nil, err
	}
	if _, err := p.Publish(ctx, "second", time.Time{}); err != nil {
		return nil, err
	}
	f.withdrawn = f.byMID["p3@public.example"]
	wd, err := p.Withdraw(ctx, f.withdrawn.Num, withdrawReason)
	if err != nil {
		return nil, err
	}
	f.withdrawIndex = *wd.WithdrawLogIndex

	// The ground truth, from the private side.
	pubs, err := f.priv.Publications(ctx, publish.PublicationFilter{Live: true})
	if err != nil {
		return nil, err
	}
	for _, pb := range pubs {
		d, err := f.priv.DocByNum(ctx, pb.Num)
		if err != nil {
			return nil, err
		}
		f.live[d.Num] = d
		f.publishIndex[d.Num] = *pb.LogIndex
	}
	if len(f.live) != 5 {
		return nil, fmt.Errorf("%d documents public, want 5", len(f.live))
	}
	for _, d := range all {
		if f.live[d.Num] == nil && d.Num != f.withdrawn.Num {
			f.private = append(f.private, d)
		}
	}

	f.h, err = web.New(web.Config{Store: websqlite.New(f.pub), Blobs: f.blobs, Public: true, LogDir: f.logDir, LogKey: vkey,
		BaseURL: publicBase, Name: "Public dossier"})
	if err != nil {
		return nil, err
	}
	f.static, err = web.New(web.Config{Store: websqlite.New(f.pub), Blobs: f.blobs, Public: true, Static: true, LogDir: f.logDir,
		LogKey: vkey, BaseURL: publicBase, Name: "Public dossier"})
	if err != nil {
		return nil, err
	}
	f.srv = httptest.NewServer(f.h)
	return f, nil
}

// liveNums returns the numbers of the documents public now, in order.
func (f *publicFixture) liveNums() []int64 {
	var out []int64
	for n := range f.live {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// get fetches path (or an absolute URL) from the public site.
func (f *publicFixture) get(t *testing.T, path string) (*http.Response, []byte) {
	t.Helper()
	return do(t, f.srv, http.MethodGet, path, nil, nil)
}
