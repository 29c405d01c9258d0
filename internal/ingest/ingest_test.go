package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsroom/dossier"
	"github.com/newsroom/dossier/internal/blobstore/disk"
	"github.com/newsroom/dossier/internal/gen"
	"github.com/newsroom/dossier/internal/ingest"
	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/meta/sqlite"
	"github.com/newsroom/dossier/internal/testutil"
)

type archive struct {
	ing   *ingest.Ingester
	store *sqlite.Store
}

func newArchive(t *testing.T) *archive {
	t.Helper()
	dir := t.TempDir()
	blobs, err := disk.Open(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "dossier.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &archive{ing: &ingest.Ingester{Blobs: blobs, Store: st}, store: st}
}

func (a *archive) run(t *testing.T, opts ingest.Options) *ingest.Summary {
	t.Helper()
	sum, err := a.ing.Run(context.Background(), opts)
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	return sum
}

// checkAddsUp checks the summary's invariant and that the ledger holds
// exactly what the summary says.
func checkAddsUp(t *testing.T, a *archive, sum *ingest.Summary, files int) {
	t.Helper()
	if got := sum.Inputs.Total() + sum.Unchanged; got != int64(files) {
		t.Errorf("summary accounts for %d input files (%+v, %d unchanged), want %d", got, sum.Inputs, sum.Unchanged, files)
	}
	st, err := a.store.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if problems, err := a.store.CheckIndex(context.Background()); err != nil || len(problems) > 0 {
		t.Errorf("search index: %v %v", problems, err)
	}
	if st.Documents.Pending != 0 {
		t.Errorf("%d documents left pending", st.Documents.Pending)
	}
}

func countFiles(t *testing.T, root string) int {
	n := 0
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func TestSyntheticDedupAndIdempotence(t *testing.T) {
	leak := t.TempDir()
	m, err := gen.Generate(context.Background(), leak, gen.Options{Seed: 3, Messages: 150})
	if err != nil {
		t.Fatal(err)
	}
	a := newArchive(t)
	sum := a.run(t, ingest.Options{Collection: "leak", Paths: []string{leak}})
	files := countFiles(t, leak)
	checkAddsUp(t, a, sum, files)
	if sum.Items.Failed != 0 {
		t.Errorf("%d items failed on a clean synthetic leak", sum.Items.Failed)
	}
	ctx := context.Background()
	// Every message written to both the Maildir and an mbox is one blob
	// found in two places; only one of them is indexed.
	for _, dup := range m.Duplicates {
		res, err := a.store.Search(ctx, meta.SearchRequest{Query: "message-id:" + dup.MessageID})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 1 {
			t.Errorf("message %s (in %s and %s): %d hits, want 1", dup.MessageID, dup.Maildir, dup.Mbox, res.Total)
			continue
		}
		docs, err := a.store.DocsBySHA256(ctx, res.Hits[0].SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if len(docs) != 2 || docs[1].Status != dossier.Duplicate || docs[1].DuplicateOf != docs[0].ID {
			t.Errorf("message %s: %d documents with its bytes, want 2 (one a duplicate of the other)", dup.MessageID, len(docs))
		}
	}
	// The same attachment in several messages: one blob, several documents.
	if sh := m.Shared; sh != nil {
		res, err := a.store.Search(ctx, meta.SearchRequest{Query: `filename:"` + sh.Filename + `"`, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 1 {
			t.Errorf("shared attachment %s: %d hits, want 1", sh.Filename, res.Total)
		} else {
			docs, _ := a.store.DocsBySHA256(ctx, res.Hits[0].SHA256)
			if len(docs) < 2 {
				t.Errorf("shared attachment %s: %d documents share its blob, want several", sh.Filename, len(docs))
			}
			for _, d := range docs {
				if d.ParentID == "" {
					t.Errorf("shared attachment document %s has no parent", d.ID)
				}
			}
		}
	}
	// Messages of one generated thread share one thread id.
	if len(m.Threads) == 0 {
		t.Error("the generator recorded no threads")
	}
	for _, th := range m.Threads {
		ids := map[string]bool{}
		for _, mem := range th.Members {
			res, err := a.store.Search(ctx, meta.SearchRequest{Query: "message-id:" + mem.MessageID, Limit: 1})
			if err != nil || len(res.Hits) == 0 {
				t.Fatalf("thread member %s not found: %v", mem.MessageID, err)
			}
			d, err := a.store.Doc(ctx, res.Hits[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			ids[d.ThreadID] = true
		}
		if len(ids) != 1 {
			t.Errorf("thread %q (%d messages) spread over %d thread ids", th.Subject, len(th.Members), len(ids))
		}
	}
	before, _ := a.store.Stats(ctx)
	again := a.run(t, ingest.Options{Collection: "leak", Paths: []string{leak}})
	if again.Unchanged != int64(files) || again.Items.Total() != 0 {
		t.Errorf("second ingest: %d unchanged of %d files, %d new items; want all unchanged and none new", again.Unchanged, files, again.Items.Total())
	}
	after, _ := a.store.Stats(ctx)
	if before.Documents != after.Documents {
		t.Errorf("second ingest changed the ledger: %+v -> %+v", before.Documents, after.Documents)
	}
	// Reindexing rebuilds the same searchable archive.
	q := meta.SearchRequest{Query: "comptes OR budget", Limit: 1000}
	r1, err := a.store.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.ing.Reindex(ctx, a.store); err != nil {
		t.Fatal(err)
	}
	r2, err := a.store.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if r1.Total == 0 || r1.Total != r2.Total {
		t.Errorf("reindex changed the hits for %q: %d -> %d", q.Query, r1.Total, r2.Total)
	}
}

func TestEmailCorpusAccounted(t *testing.T) {
	dirs := []string{testutil.Corpus(t, "email"), testutil.Corpus(t, "hostile/mime")}
	if testing.Short() {
		t.Skip("corpus ingest skipped in -short mode")
	}
	a := newArchive(t)
	sum := a.run(t, ingest.Options{Collection: "email", Paths: dirs})
	files := 0
	for _, d := range dirs {
		files += countFiles(t, d)
	}
	checkAddsUp(t, a, sum, files)
	ctx := context.Background()
	want := map[string]string{
		"lhost-yandex-02.eml": "Недоставленное сообщение",
		"japanese.txt":        "日本語メールテスト (testing Japanese emails)",
	}
	err := a.store.Ledger(ctx, sqlite.LedgerFilter{}, func(d *meta.Document) error {
		if d.Depth == 0 && d.Status == dossier.Failed {
			t.Errorf("input %s failed: %s", d.Path, d.Reason)
		}
		if s, ok := want[filepath.Base(d.Path)]; ok && d.Depth == 0 && strings.Contains(d.Path, "bsd/") || ok && strings.Contains(d.Path, "mimekit") {
			if d.Subject != s {
				t.Errorf("%s: subject %q, want %q", d.Path, d.Subject, s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Bounce messages carry their original as message/rfc822: embedded
	// messages are documents of their own.
	res, err := a.store.Search(ctx, meta.SearchRequest{Query: "type:email", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total < 1000 {
		t.Errorf("only %d email documents in the email corpus", res.Total)
	}
}

func TestEnronCorpus(t *testing.T) {
	dir := testutil.Corpus(t, "enron/maildir")
	if testing.Short() {
		t.Skip("corpus ingest skipped in -short mode")
	}
	a := newArchive(t)
	sum := a.run(t, ingest.Options{Collection: "enron", Paths: []string{dir}})
	files := countFiles(t, dir)
	checkAddsUp(t, a, sum, files)
	if sum.Inputs.Indexed+sum.Inputs.Duplicate != int64(files) {
		t.Errorf("enron: %+v of %d messages indexed or duplicate", sum.Inputs, files)
	}
	ctx := context.Background()
	// Spot check against the file itself.
	p := filepath.Join(dir, "skilling-j", "inbox", "1")
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Skipf("spot-check file: %v", err)
	}
	var subject string
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "Subject: ") {
			subject = strings.TrimSpace(strings.TrimPrefix(line, "Subject: "))
			break
		}
		if line == "" {
			break
		}
	}
	docs, err := a.store.DocsBySHA256(ctx, sha(raw))
	if err != nil || len(docs) == 0 {
		t.Fatalf("skilling-j/inbox/1 not found by its sha256: %v", err)
	}
	if docs[0].Subject != subject {
		t.Errorf("skilling-j/inbox/1: subject %q, want %q", docs[0].Subject, subject)
	}
	res, err := a.store.Search(ctx, meta.SearchRequest{Query: "from:kenneth.lay@enron.com", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total == 0 {
		t.Errorf("no message from kenneth.lay@enron.com")
	}
}

func TestThreads(t *testing.T) {
	dir := t.TempDir()
	msgs := map[string]string{
		// c answers b with only In-Reply-To; b's References reach a. Files
		// are named so that c is ingested before b.
		"1-c.eml": "Message-ID: <c@x>\nIn-Reply-To: <b@x>\nSubject: Re: Re: plan\n\nthird\n",
		"2-b.eml": "Message-ID: <b@x>\nIn-Reply-To: <a@x>\nReferences: <a@x>\nSubject: Re: plan\n\nsecond\n",
		"3-a.eml": "Message-ID: <a@x>\nSubject: plan\n\nfirst\n",
		"4-z.eml": "Message-ID: <z@x>\nSubject: other\n\nunrelated\n",
	}
	for name, m := range msgs {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(m), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a := newArchive(t)
	a.run(t, ingest.Options{Collection: "t", Paths: []string{dir}, Workers: 1})
	thread := map[string]string{}
	a.store.Ledger(context.Background(), sqlite.LedgerFilter{}, func(d *meta.Document) error {
		thread[d.MessageID] = d.ThreadID
		return nil
	})
	if thread["a@x"] == "" || thread["a@x"] != thread["b@x"] || thread["b@x"] != thread["c@x"] {
		t.Errorf("a, b, c in threads %q %q %q; want one thread", thread["a@x"], thread["b@x"], thread["c@x"])
	}
	if thread["z@x"] == thread["a@x"] {
		t.Errorf("unrelated message z joined thread %q", thread["a@x"])
	}
}

func TestRetryFailed(t *testing.T) {
	dir := t.TempDir()
	for i, body := range []string{"first zanzibar", "second quokka", "third"} {
		m := fmt.Sprintf("Message-ID: <%d@x>\nSubject: m%d\n\n%s\n", i, i, body)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d.eml", i)), []byte(m), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a := newArchive(t)
	a.ing.SetOpen(func(p string) (*os.File, error) {
		if strings.HasSuffix(p, "1.eml") {
			return nil, errors.New("device not ready")
		}
		return os.Open(p)
	})
	sum := a.run(t, ingest.Options{Collection: "c", Paths: []string{dir}})
	if sum.Inputs.Failed != 1 || sum.Inputs.Indexed != 2 {
		t.Fatalf("first run: %+v, want 2 indexed and 1 failed", sum.Inputs)
	}
	ctx := context.Background()
	var failed []*meta.Document
	a.store.Ledger(ctx, sqlite.LedgerFilter{Status: dossier.Failed}, func(d *meta.Document) error {
		failed = append(failed, d)
		return nil
	})
	if len(failed) != 1 || !strings.Contains(failed[0].Reason, "device not ready") {
		t.Fatalf("ledger of failures: %+v", failed)
	}
	a.ing.SetOpen(nil)
	again := a.run(t, ingest.Options{Collection: "c", Paths: []string{dir}, RetryFailed: true})
	if again.Inputs.Indexed != 1 || again.Inputs.Total() != 1 {
		t.Errorf("retry: %+v, want exactly the failed input redone and indexed", again.Inputs)
	}
	res, err := a.store.Search(ctx, meta.SearchRequest{Query: "quokka"})
	if err != nil || res.Total != 1 {
		t.Errorf("retried message not searchable: %v, %v", res, err)
	}
	st, _ := a.store.Stats(ctx)
	if st.Documents.Failed != 0 || st.Documents.Indexed != 3 {
		t.Errorf("after retry: %+v", st.Documents)
	}
	// The unread file's failure record gave way to its real document: one
	// row per file.
	if st.Documents.Total() != 3 {
		t.Errorf("ledger holds %d documents for 3 files", st.Documents.Total())
	}
	if _, err := a.store.Doc(ctx, failed[0].ID); !errors.Is(err, sqlite.ErrNotFound) {
		t.Errorf("failure record %s still there: %v", failed[0].ID, err)
	}
}
