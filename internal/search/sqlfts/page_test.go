package sqlfts

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/newsroom/dossier/internal/search/query"
)

// pageDB holds paged and unpaged documents; it returns the database and
// a TextFunc over their texts.
func pageDB(t *testing.T, docs []struct {
	pages []string // nil: not paged
	text  string   // the text of a document without pages
}) (*sql.DB, TextFunc) {
	t.Helper()
	db := openDB(t)
	if _, err := db.Exec(`ALTER TABLE docs ADD COLUMN meta TEXT`); err != nil {
		t.Fatal(err)
	}
	texts := map[int64]string{}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		text, meta := d.text, ""
		if d.pages != nil {
			var offs []int
			for i, p := range d.pages {
				if i > 0 {
					text += "\f"
				}
				offs = append(offs, len(text))
				text += p
			}
			b, _ := json.Marshal(map[string]any{"pages": offs})
			meta = string(b)
		}
		num := insert(t, tx, testDoc{collection: "c", kind: "pdf", f: Fields{Body: text}})
		if meta != "" {
			if _, err := tx.Exec(`UPDATE docs SET meta = ? WHERE num = ?`, meta, num); err != nil {
				t.Fatal(err)
			}
		}
		texts[num] = text
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return db, func(_ context.Context, num int64) (string, error) { return texts[num], nil }
}

func TestPageQueries(t *testing.T) {
	type doc = struct {
		pages []string
		text  string
	}
	db, text := pageDB(t, []doc{
		{pages: []string{"Introduction générale", "Le budget de la défense", "Annexes et tableaux"}}, // 1
		{text: "Le budget sans pages"},                                  // 2
		{pages: []string{"budget annuel", "rien ici", "toujours rien"}}, // 3
		{pages: []string{"un seul feuillet sur le budget"}},             // 4
		{pages: []string{"", "tableau de bord", "budget et tableau"}},   // 5
	})
	ctx := context.Background()
	for _, tc := range []struct {
		q    string
		want []int64
	}{
		{`budget`, []int64{1, 2, 3, 4, 5}},
		{`budget page:2`, []int64{1}},
		{`budget page:1`, []int64{3, 4}},
		{`budget page:1..2`, []int64{1, 3, 4}},
		{`budget page:3`, []int64{5}},
		{`budget page:4`, nil},
		{`budgets page:2`, []int64{1}},        // stemmed as in the index
		{`budg* page:2..3`, []int64{1, 5}},    // prefix
		{`"budget de" page:2`, []int64{1}},    // phrase: its words on the pages
		{`budget tableau page:3`, []int64{5}}, // every word on the pages
		{`budget tableau page:2`, nil},        // tableau on 2, budget on 3
		{`(budget OR tableau) page:2`, []int64{1, 5}},
		{`budget -annexes page:1..3`, []int64{3, 4, 5}}, // the range is clipped to each document
		{`page:3`, []int64{1, 3, 5}},
		{`page:1`, []int64{1, 3, 4, 5}},
	} {
		res, err := Search(ctx, db, Request{Query: tc.q, Text: text, Limit: 100})
		if err != nil {
			t.Errorf("%s: %v", tc.q, err)
			continue
		}
		var got []int64
		for _, h := range res.Hits {
			got = append(got, h.Num)
		}
		slices.Sort(got)
		if !slices.Equal(got, tc.want) || res.Total != len(tc.want) {
			t.Errorf("%s: hits %v (total %d), want %v", tc.q, got, res.Total, tc.want)
		}
		if (res.Pages != nil) != strings.Contains(tc.q, "page:") {
			t.Errorf("%s: Result.Pages = %v", tc.q, res.Pages)
		}
		facets, err := Search(ctx, db, Request{Query: tc.q, Text: text, Facets: true})
		if err != nil || facets.Total != len(tc.want) {
			t.Errorf("%s with facets: total %v, %v; want %d", tc.q, facets, err, len(tc.want))
		}
		nums, err := Numbers(ctx, db, tc.q, text)
		if err != nil || !slices.Equal(nums, tc.want) {
			t.Errorf("Numbers(%s) = %v, %v; want %v", tc.q, nums, err, tc.want)
		}
	}

	if _, err := Search(ctx, db, Request{Query: `budget page:2`}); err == nil {
		t.Error("page: without a TextFunc: no error")
	}
	for _, q := range []string{`budget page:0`, `budget page:x`, `budget page:3..2`, `budget OR page:2`} {
		_, err := Search(ctx, db, Request{Query: q, Text: text})
		var se *query.SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%s: err = %v, want a *query.SyntaxError", q, err)
		}
	}

	defer func(n int) { MaxPageCandidates = n }(MaxPageCandidates)
	MaxPageCandidates = 2
	_, err := Search(ctx, db, Request{Query: `budget page:1`, Text: text})
	var se *query.SyntaxError
	if !errors.As(err, &se) || !strings.Contains(se.Msg, "narrow") {
		t.Errorf("too many candidates: err = %v", err)
	}
	if _, err := Search(ctx, db, Request{Query: `tableau page:3`, Text: text}); err != nil {
		t.Errorf("2 candidates, at the bound: %v", err)
	}
}

func TestPageText(t *testing.T) {
	text := "un\fdeux\ftrois"
	pages := []int{0, 3, 8}
	for _, tc := range []struct {
		from, to int
		want     string
		start    int
		ok       bool
	}{
		{1, 1, "un", 0, true},
		{2, 2, "deux", 3, true},
		{3, 3, "trois", 8, true},
		{1, 2, "un\fdeux", 0, true},
		{2, 9, "deux\ftrois", 3, true},
		{4, 4, "", 0, false},
	} {
		got, start, ok := PageText(text, pages, tc.from, tc.to)
		if got != tc.want || start != tc.start || ok != tc.ok {
			t.Errorf("PageText(%d..%d) = %q, %d, %v; want %q, %d, %v", tc.from, tc.to, got, start, ok, tc.want, tc.start, tc.ok)
		}
	}
}
