package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/newsroom/dossier"
	"github.com/newsroom/dossier/internal/dkim"
	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/meta/sqlite"
)

func TestKeyObservations(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "db"))
	day := func(d int) time.Time { return time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC) }
	rec := "v=DKIM1; k=rsa; p=AAAA"
	first := []dkim.Key{
		{Domain: "Gmail.com", Selector: "20120113", Record: rec, Source: "zone:a.zone"},
		{Domain: "gmail.com", Selector: "20120113", Record: rec, Source: "zk-email:x.json", FirstSeen: day(5), LastSeen: day(6)},
	}
	if n, err := s.PutKeys(ctx, first); err != nil || n != 2 {
		t.Fatalf("first import: %d new, %v", n, err)
	}
	// The same observations again, one with a wider window: nothing new,
	// the window widens, sources stay apart.
	again := []dkim.Key{{Domain: "gmail.com", Selector: "20120113", Record: rec, Source: "zk-email:x.json", FirstSeen: day(2), LastSeen: day(4)},
		{Domain: "gmail.com", Selector: "20120113", Record: rec, Source: "zk-email:x.json", LastSeen: day(9)}}
	if n, err := s.PutKeys(ctx, again); err != nil || n != 0 {
		t.Fatalf("second import: %d new, %v", n, err)
	}
	got, err := s.Lookup(ctx, "GMAIL.COM", "20120113")
	if err != nil || len(got) != 2 {
		t.Fatalf("lookup: %v %v", got, err)
	}
	if got[0].Source != "zone:a.zone" || !got[0].FirstSeen.IsZero() {
		t.Errorf("zone observation: %+v", got[0])
	}
	if got[1].FirstSeen != day(2) || got[1].LastSeen != day(9) {
		t.Errorf("zk-email observation window: %v..%v, want %v..%v", got[1].FirstSeen, got[1].LastSeen, day(2), day(9))
	}
	if none, err := s.Lookup(ctx, "gmail.com", "other"); err != nil || len(none) != 0 {
		t.Errorf("unknown selector: %v %v", none, err)
	}
}

func TestAuthVerdictsAndFilters(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "db"))
	rep := &dkim.Report{Verdict: dkim.Verified, AsOf: time.Unix(1700000000, 0).UTC(),
		Signatures: []dkim.Signature{{Domain: "Example.ORG", Selector: "s1", Result: dkim.Pass}}}
	b := &meta.Batch{Entries: []meta.Entry{
		{Doc: doc("a", "s1", dossier.Indexed), Index: &meta.IndexFields{Subject: "budget"}, Auth: rep},
		{Doc: doc("b", "s2", dossier.Indexed), Index: &meta.IndexFields{Subject: "budget"}},
	}}
	if _, err := s.Commit(ctx, b); err != nil {
		t.Fatal(err)
	}
	got, err := s.Auth(ctx, 1)
	if err != nil || got == nil || got.Verdict != dkim.Verified || got.Signatures[0].Domain != "Example.ORG" {
		t.Fatalf("auth #1: %+v %v", got, err)
	}
	if got, err := s.Auth(ctx, 2); err != nil || got != nil {
		t.Fatalf("auth #2 (never verified): %+v %v", got, err)
	}
	search := func(q string) int {
		t.Helper()
		res, err := s.Search(ctx, meta.SearchRequest{Query: q, Facets: true})
		if err != nil {
			t.Fatal(err)
		}
		return res.Total
	}
	if n := search("budget dkim:verified dkim.domain:example.org"); n != 1 {
		t.Errorf("verified and domain: %d", n)
	}
	// Re-verification replaces the verdict and the domains.
	failed := &dkim.Report{Verdict: dkim.Failed, Signatures: []dkim.Signature{{Domain: "other.example", Result: dkim.Fail}}}
	if err := s.PutAuth(ctx, []meta.Auth{{Num: 1, Report: failed}, {Num: 2, Report: &dkim.Report{Verdict: dkim.Unsigned}}}); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]int{"dkim:verified": 0, "dkim:failed": 1, "dkim:unsigned": 1,
		"dkim.domain:example.org": 0, "dkim.domain:other.example": 1} {
		if n := search(q); n != want {
			t.Errorf("%s: %d, want %d", q, n, want)
		}
	}
	res, err := s.Search(ctx, meta.SearchRequest{Query: "budget", Facets: true})
	if err != nil {
		t.Fatal(err)
	}
	if f := res.Facets["dkim"]; len(f) != 2 {
		t.Errorf("dkim facet: %v", f)
	}
	counts, err := s.AuthCounts(ctx)
	if err != nil || counts["failed"] != 1 || counts["unsigned"] != 1 {
		t.Errorf("counts: %v %v", counts, err)
	}
}

// A format 1 database (before the key archive and document metadata)
// opens, upgrades in place through every format and keeps its documents.
func TestUpgradeFromFormat1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(ctx, &meta.Batch{Entries: []meta.Entry{{Doc: doc("a", "s1", dossier.Indexed), Index: &meta.IndexFields{Subject: "budget"}}}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TABLE dkim_keys`, `DROP TABLE dkim`, `DROP TABLE dkim_domains`,
		`ALTER TABLE docs DROP COLUMN dkim`, `ALTER TABLE docs DROP COLUMN lang`, `ALTER TABLE docs DROP COLUMN author`,
		`ALTER TABLE docs DROP COLUMN editor`, `ALTER TABLE docs DROP COLUMN people`, `ALTER TABLE docs DROP COLUMN flags`,
		`ALTER TABLE docs DROP COLUMN ocr`, `ALTER TABLE docs DROP COLUMN encrypted`, `ALTER TABLE docs DROP COLUMN persons`,
		`DROP TABLE watch`, `DROP TABLE watch_rejected`, `DROP TABLE mentions`, `DROP TABLE entities`, `DROP TABLE addresses`,
		`DROP TABLE releases`, `DROP TABLE release_docs`, `DROP TABLE publications`,
		`UPDATE meta SET value = '1' WHERE key = 'format'`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	s = open(t, path)
	if err := s.PutAuth(ctx, []meta.Auth{{Num: 1, Report: &dkim.Report{Verdict: dkim.Unsigned}}}); err != nil {
		t.Fatalf("after upgrade: %v", err)
	}
	st, err := s.Stats(ctx)
	if err != nil || st.Format != sqlite.FormatVersion || st.Documents.Indexed != 1 || st.DKIM["unsigned"] != 1 {
		t.Fatalf("stats after upgrade: %+v %v", st, err)
	}
}
