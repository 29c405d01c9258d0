package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/newsroom/dossier"
	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/meta/sqlite"
)

func open(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func doc(id, sha string, status dossier.Status) *meta.Document {
	d := time.Date(2017, 3, 1, 10, 0, 0, 0, time.FixedZone("", 3600))
	return &meta.Document{ID: id, Path: id + ".eml", SHA256: sha, Size: 3, Collection: "c", Kind: dossier.KindEmail,
		MIME: "message/rfc822", Status: status, Date: &d, Subject: "subject " + id}
}

func TestCommitIdempotentAndNumbers(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "db"))
	idx := &meta.IndexFields{Subject: "budget", Body: "comptes de campagne"}
	b := &meta.Batch{Entries: []meta.Entry{
		{Doc: doc("a", "s1", dossier.Indexed), Index: idx, Text: "comptes de campagne"},
		{Doc: doc("b", "s1", dossier.Duplicate)},
	}}
	b.Entries[1].Doc.DuplicateOf = "a"
	w, err := s.Commit(ctx, b)
	if err != nil || !w[0] || !w[1] {
		t.Fatalf("first commit: %v %v", w, err)
	}
	// The same entries again: nothing written, nothing renumbered.
	again := &meta.Batch{Entries: []meta.Entry{{Doc: doc("a", "s1", dossier.Indexed), Index: idx}}}
	if w, err := s.Commit(ctx, again); err != nil || w[0] {
		t.Fatalf("second commit wrote %v, %v", w, err)
	}
	a, err := s.Doc(ctx, "a")
	if err != nil || a.Num != 1 || a.Date == nil || a.Date.Format(time.RFC3339) != "2017-03-01T10:00:00+01:00" {
		t.Fatalf("doc a: %+v %v", a, err)
	}
	if c, _ := s.Canonical(ctx, "s1"); c != "a" {
		t.Errorf("canonical of s1 = %q, want a", c)
	}
	same, _ := s.DocsBySHA256(ctx, "s1")
	if len(same) != 2 || same[0].ID != "a" || same[1].ID != "b" {
		t.Errorf("documents with s1: %v", same)
	}
	if text, _ := s.Text(ctx, a.Num); text != "comptes de campagne" {
		t.Errorf("text %q", text)
	}
	// Replacing keeps the number; a deleted number is never reused.
	failed := doc("f", "", dossier.Failed)
	if _, err := s.Commit(ctx, &meta.Batch{Entries: []meta.Entry{{Doc: failed}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(ctx, &meta.Batch{Superseded: []string{"f"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Doc(ctx, "f"); !errors.Is(err, sqlite.ErrNotFound) {
		t.Errorf("superseded document still there: %v", err)
	}
	c := doc("c", "s2", dossier.Indexed)
	if _, err := s.Commit(ctx, &meta.Batch{Entries: []meta.Entry{{Doc: c, Index: &meta.IndexFields{Body: "x"}}}}); err != nil {
		t.Fatal(err)
	}
	if c.Num <= failed.Num {
		t.Errorf("new document numbered %d, not after the deleted %d: numbers must never be reused", c.Num, failed.Num)
	}
	c2 := doc("c", "s2", dossier.Indexed)
	c2.Subject = "rewritten"
	if _, err := s.Commit(ctx, &meta.Batch{Entries: []meta.Entry{{Doc: c2, Index: &meta.IndexFields{Body: "y"}, Replace: true}}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Doc(ctx, "c"); got.Num != c.Num || got.Subject != "rewritten" {
		t.Errorf("replaced document: %+v", got)
	}
	if p, err := s.CheckIndex(ctx); err != nil || len(p) != 0 {
		t.Errorf("index check: %v %v", p, err)
	}
	res, err := s.Search(ctx, meta.SearchRequest{Query: "compte"})
	if err != nil || res.Total != 1 || res.Hits[0].ID != "a" || res.Hits[0].Snippet == "" {
		t.Errorf("search: %+v %v", res, err)
	}
}

func TestTwoProcessesAndNewerFormat(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	writer := open(t, path)
	reader := open(t, path) // as a second process would
	for i := 0; i < 20; i++ {
		id := string(rune('a' + i))
		if _, err := writer.Commit(ctx, &meta.Batch{Entries: []meta.Entry{{Doc: doc(id, "s"+id, dossier.Indexed),
			Index: &meta.IndexFields{Body: "leak"}}}}); err != nil {
			t.Fatal(err)
		}
		res, err := reader.Search(ctx, meta.SearchRequest{Query: "leak"})
		if err != nil || res.Total != i+1 {
			t.Fatalf("reader sees %v after %d commits: %v", res, i+1, err)
		}
	}
	writer.Close()
	reader.Close()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE meta SET value = '99' WHERE key = 'format'`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := sqlite.Open(ctx, path); !errors.Is(err, sqlite.ErrNewerFormat) {
		t.Errorf("opening a newer database: %v, want ErrNewerFormat", err)
	}
}
