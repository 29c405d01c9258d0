package publish_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsroom/dossier"
	"github.com/newsroom/dossier/internal/dkim"
	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/meta/sqlite"
	"github.com/newsroom/dossier/internal/publish"
	"github.com/newsroom/dossier/internal/tlog"
)

var benchWords = strings.Fields(`compte comptes société générale État fraude fiscale banque rapport annuel conseil
	administration président directeur contrat paiement virement offshore trust the board accounts quarterly report
	energy trading partnership losses audit committee meeting price gas power contract payment transfer bank`)

// fillArchive commits n synthetic emails (about 1 KB of text each, with
// a DKIM report) to s, analysing their index fields in parallel as
// ingest does.
func fillArchive(tb testing.TB, s *sqlite.Store, n int) {
	tb.Helper()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	const batch = 5000
	for start := 0; start < n; start += batch {
		entries := make([]meta.Entry, 0, batch)
		for i := start; i < min(start+batch, n); i++ {
			var body strings.Builder
			for range 150 {
				if r.IntN(10) == 0 {
					body.WriteString(benchWords[r.IntN(len(benchWords))])
				} else {
					fmt.Fprintf(&body, "mot%d", r.IntN(20000))
				}
				body.WriteByte(' ')
			}
			date := base.Add(time.Duration(i) * time.Minute)
			from := fmt.Sprintf("User %d <user%d@example.com>", i%500, i%500)
			to := fmt.Sprintf("dest%d@example.org", i%300)
			sha := hexsum("bench" + strconv.Itoa(i))
			subject := benchWords[i%len(benchWords)] + " " + strconv.Itoa(i)
			em := fmt.Sprintf(`{"from":[%q],"to":[%q]}`, from, to)
			d := &meta.Document{ID: dossier.DocID(dossier.RootParent("bench"), fmt.Sprintf("m/%d.eml", i), sha),
				Path: fmt.Sprintf("m/%d.eml", i), SHA256: sha, Size: 2000, Collection: "bench", Kind: dossier.KindEmail,
				MIME: "message/rfc822", Filename: fmt.Sprintf("%d.eml", i), Status: dossier.Indexed, Subject: subject,
				MessageID: fmt.Sprintf("<%d@example.com>", i), ThreadID: fmt.Sprintf("t%d", i/3), Sender: fmt.Sprintf("user%d@example.com", i%500),
				Date: &date, Meta: []byte(em)}
			entries = append(entries, meta.Entry{Doc: d, Text: body.String(),
				Index: &meta.IndexFields{Subject: subject, Body: body.String(), Filename: d.Filename, From: []string{from}, To: []string{to}, Date: &date},
				Auth:  &dkim.Report{Verdict: dkim.Verified, AsOf: base, Signatures: []dkim.Signature{{Domain: "example.com", Selector: "s1", Result: dkim.Pass}}}})
		}
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < len(entries); i += 4 {
					s.PrepareIndex(entries[i].Index)
				}
			}()
		}
		wg.Wait()
		if _, err := s.Commit(ctx, &meta.Batch{Entries: entries}); err != nil {
			tb.Fatal(err)
		}
	}
}

// dirSize is the bytes of the files under dir.
func dirSize(tb testing.TB, dir string) int64 {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err == nil {
			n += fi.Size()
		}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// BenchmarkPublish publishes one release of every document of a
// synthetic archive of DOSSIER_BENCH_DOCS emails (default 100,000):
// selection by query, entries, their recording, and the projection with
// its search index. Run it with
//
//	go test -tags sqlite_fts5 -run '^$' -bench Publish -benchtime 1x ./internal/publish/
func BenchmarkPublish(b *testing.B) {
	n := 100000
	if v, err := strconv.Atoi(os.Getenv("DOSSIER_BENCH_DOCS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		dir := b.TempDir()
		s, err := sqlite.Open(ctx, filepath.Join(dir, "dossier.db"))
		if err != nil {
			b.Fatal(err)
		}
		pub, err := sqlite.Open(ctx, filepath.Join(dir, "public.db"))
		if err != nil {
			b.Fatal(err)
		}
		fillArchive(b, s, n)
		skey, vkey, err := tlog.GenerateKey("bench.example/log")
		if err != nil {
			b.Fatal(err)
		}
		lg, err := tlog.Open(ctx, filepath.Join(dir, "log"), skey)
		if err != nil {
			b.Fatal(err)
		}
		p := &publish.Publisher{Store: s, Projection: pub, Log: lg, LockFile: filepath.Join(dir, "publish.lock")}
		b.StartTimer()
		t0 := time.Now()
		res, err := p.Create(ctx, publish.CreateOptions{Name: "all", Query: "collection:bench"})
		if err != nil {
			b.Fatal(err)
		}
		created := time.Since(t0)
		out, err := p.Publish(ctx, "all", time.Time{})
		if err != nil {
			b.Fatal(err)
		}
		published := time.Since(t0) - created
		b.StopTimer()
		if res.Selected != n || out.Documents != n {
			b.Fatalf("selected %d, published %d, want %d", res.Selected, out.Documents, n)
		}
		b.ReportMetric(created.Seconds(), "create-s")
		b.ReportMetric(published.Seconds(), "publish-s")
		b.ReportMetric(float64(n)/published.Seconds(), "docs/s")
		// The log on disk, and proofs: built for a sample of entries,
		// then each verified offline as a reader would.
		b.ReportMetric(float64(dirSize(b, filepath.Join(dir, "log")))/1e6, "log-MB")
		var bundles [][]byte
		for i := range 500 {
			bd, err := lg.Prove(ctx, uint64(i*n/500))
			if err != nil {
				b.Fatal(err)
			}
			raw, err := bd.MarshalText()
			if err != nil {
				b.Fatal(err)
			}
			bundles = append(bundles, raw)
		}
		t1 := time.Now()
		for _, raw := range bundles {
			if _, err := tlog.Verify(raw, vkey); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(time.Since(t1).Microseconds())/float64(len(bundles)), "verify-µs/proof")
		b.ReportMetric(float64(len(bundles[len(bundles)-1])), "bundle-bytes")
		lg.Close()
		s.Close()
		pub.Close()
		b.StartTimer()
	}
}
