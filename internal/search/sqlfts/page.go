package sqlfts

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/newsroom/dossier/internal/search/analysis"
	"github.com/newsroom/dossier/internal/search/query"
)

// TextFunc returns the extracted text of indexed document num, "" if it
// has none. For a paged document the pages are joined by form feeds and
// docs.meta holds their byte offsets ("pages"). A page: query calls it
// once for each candidate document.
type TextFunc func(ctx context.Context, num int64) (string, error)

// MaxPageCandidates bounds the documents a page: query checks: the FTS5
// index knows documents, not pages, so each document that matches the
// rest of the query (and has enough pages) has its text read and its
// requested pages searched. A page: query with more candidates fails
// with a *query.SyntaxError asking for a narrower query. A variable for
// tests.
var MaxPageCandidates = 5000

// pageCond is the SQL condition of page:N..M on docs d: documents with
// at least From pages. docs.meta is JSON written by the store; the CASE
// keeps a malformed value from failing the query.
func pageCond(r *query.PageRange) cond {
	return cond{where: "coalesce(CASE WHEN json_valid(d.meta) THEN json_array_length(d.meta, '$.pages') END, 0) >= ?",
		args: []any{r.From}}
}

// PageText returns the part of text (pages joined by form feeds, starting
// at byte offsets pages) holding pages from..to (1-based, inclusive,
// clipped to the document), and the byte offset of that part in text. ok
// is false when the document has no such page.
func PageText(text string, pages []int, from, to int) (part string, start int, ok bool) {
	if from < 1 || from > len(pages) || to < from {
		return "", 0, false
	}
	start = min(pages[from-1], len(text))
	end := len(text)
	if to < len(pages) {
		end = max(min(pages[to]-1, len(text)), start) // drop the form feed
	}
	return text[start:end], start, true
}

// pageMatcher returns a test of the text part of query n against the text
// of some pages. Free text and body: terms must have each of their words
// on those pages (a phrase counts as its words, not their order); AND and
// OR combine as in the query. Everything else (other fields, negations,
// dates) was already checked on the whole document by SQL and counts as
// true.
func pageMatcher(n query.Node) func(text string) bool {
	switch n := n.(type) {
	case *query.And:
		kids := make([]func(string) bool, len(n.Nodes))
		for i, c := range n.Nodes {
			kids[i] = pageMatcher(c)
		}
		return func(text string) bool {
			for _, k := range kids {
				if !k(text) {
					return false
				}
			}
			return true
		}
	case *query.Or:
		kids := make([]func(string) bool, len(n.Nodes))
		for i, c := range n.Nodes {
			kids[i] = pageMatcher(c)
		}
		return func(text string) bool {
			for _, k := range kids {
				if k(text) {
					return true
				}
			}
			return false
		}
	case *query.Term:
		if n.Field != "" && n.Field != "body" {
			break
		}
		ws := analysis.Words(n.Value)
		if len(ws) == 0 {
			break
		}
		words := make([]*analysis.Terms, len(ws))
		for i, w := range ws {
			words[i] = &analysis.Terms{}
			switch {
			case n.Prefix && i == len(ws)-1:
				words[i].AddPrefix(w)
			case n.Exact:
				words[i].AddExact(w)
			default:
				words[i].Add(w)
			}
		}
		return func(text string) bool {
			for _, w := range words {
				if len(w.Spans(text)) == 0 {
					return false
				}
			}
			return true
		}
	}
	return func(string) bool { return true }
}

// pageFilter returns the condition restricting c, a compiled query with
// page range r (the parsed query is n), to the documents whose pages
// r.From..r.To match the text part of n, read through text.
func pageFilter(ctx context.Context, tx *sql.Tx, n query.Node, c cond, r *query.PageRange, text TextFunc) (cond, error) {
	if text == nil {
		return cond{}, fmt.Errorf("search: page: no document text to search")
	}
	from, args := sqlFrom(c)
	rows, err := tx.QueryContext(ctx, "SELECT d.num, d.meta "+from+" ORDER BY d.num LIMIT ?", append(args, MaxPageCandidates+1)...)
	if err != nil {
		return cond{}, fmt.Errorf("search: page: %w", err)
	}
	type cand struct {
		num   int64
		pages []int
	}
	var cands []cand
	for rows.Next() {
		var num int64
		var m sql.NullString
		if err := rows.Scan(&num, &m); err != nil {
			rows.Close()
			return cond{}, fmt.Errorf("search: page: %w", err)
		}
		var dm struct {
			Pages []int `json:"pages"`
		}
		if json.Unmarshal([]byte(m.String), &dm) == nil && len(dm.Pages) >= r.From {
			cands = append(cands, cand{num, dm.Pages})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return cond{}, fmt.Errorf("search: page: %w", err)
	}
	if len(cands) > MaxPageCandidates {
		return cond{}, &query.SyntaxError{Msg: fmt.Sprintf(
			"page: checks the text of each matching document and this query matches more than %d; add words or filters to narrow it",
			MaxPageCandidates)}
	}
	test := pageMatcher(n)
	var keep []string
	for _, cd := range cands {
		t, err := text(ctx, cd.num)
		if err != nil {
			return cond{}, fmt.Errorf("search: page: text of document %d: %w", cd.num, err)
		}
		if part, _, ok := PageText(t, cd.pages, r.From, r.To); ok && test(part) {
			keep = append(keep, strconv.FormatInt(cd.num, 10))
		}
	}
	c.where = joinWhere(c.where, "d.num IN (SELECT value FROM json_each(?))")
	c.args = append(c.args, "["+strings.Join(keep, ",")+"]")
	return c, nil
}

func joinWhere(a, b string) string {
	if a == "" {
		return b
	}
	return "(" + a + ") AND " + b
}
