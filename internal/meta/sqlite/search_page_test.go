package sqlite_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsroom/dossier"
	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/search/query"
)

// TestSearchPage checks page: end to end through the store: the words
// must be on the requested pages, the total is exact, the snippet comes
// from the page and says which.
func TestSearchPage(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "db"))
	paged := func(id string, pages ...string) meta.Entry {
		text, offs := extract.JoinPages(pages)
		m, err := json.Marshal(meta.DocMeta{Pages: offs})
		if err != nil {
			t.Fatal(err)
		}
		return meta.Entry{Doc: &meta.Document{ID: id, Path: id + ".pdf", SHA256: "h" + id, Size: 1, Collection: "c",
			Kind: dossier.Kind("pdf"), MIME: "application/pdf", Status: dossier.Indexed, Meta: m},
			Index: &meta.IndexFields{Body: text, Lang: "fr"}, Text: text}
	}
	flat := paged("flat")
	flat.Doc.Meta = nil
	flat.Index.Body, flat.Text = "le budget sans pages", "le budget sans pages"
	b := &meta.Batch{Entries: []meta.Entry{
		paged("three", "Introduction générale du rapport", "Le budget de la défense est en hausse", "Annexes"),
		paged("first", "budget annuel", "rien", "rien"),
		flat,
	}}
	if _, err := s.Commit(ctx, b); err != nil {
		t.Fatal(err)
	}
	ids := func(res *meta.SearchResult) string {
		var out []string
		for _, h := range res.Hits {
			out = append(out, h.ID)
		}
		return strings.Join(out, " ")
	}
	for _, tc := range []struct{ q, want string }{
		{"budget page:2", "three"},
		{"budget page:1", "first"},
		{"budget page:4", ""},
	} {
		res, err := s.Search(ctx, meta.SearchRequest{Query: tc.q, Sort: "date"})
		if err != nil {
			t.Fatalf("%s: %v", tc.q, err)
		}
		if got := ids(res); got != tc.want || res.Total != len(res.Hits) {
			t.Errorf("%s: hits %q (total %d), want %q", tc.q, got, res.Total, tc.want)
		}
	}
	res, err := s.Search(ctx, meta.SearchRequest{Query: "budget page:1..2"})
	if err != nil || res.Total != 2 {
		t.Fatalf("budget page:1..2: %+v, %v", res, err)
	}
	for _, h := range res.Hits {
		want := map[string]int{"three": 2, "first": 1}[h.ID]
		if h.Page != want || !strings.Contains(h.Snippet, "budget") || strings.Contains(h.Snippet, "\f") {
			t.Errorf("hit %s: page %d, snippet %q; want page %d", h.ID, h.Page, h.Snippet, want)
		}
	}
	nums, err := s.SearchNumbers(ctx, "budget page:2")
	if err != nil || len(nums) != 1 {
		t.Errorf("SearchNumbers: %v, %v", nums, err)
	}
	_, err = s.Search(ctx, meta.SearchRequest{Query: "budget page:two"})
	var se *query.SyntaxError
	if !errors.As(err, &se) {
		t.Errorf("page:two: err = %v, want a *query.SyntaxError", err)
	}
}
