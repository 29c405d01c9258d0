package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/newsroom/dossier"
	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/search/analysis"
	"github.com/newsroom/dossier/internal/search/sqlfts"
)

// SnippetBytes is the approximate length of a hit's snippet.
const SnippetBytes = 240

// Search runs a query (package query's language) and returns one page of
// hits with snippets, the total and, if asked, facets. Only indexed
// documents are ever returned or counted. Errors from a malformed query
// wrap *query.SyntaxError.
//
// A query with page:N..M reads the text of every document that matches
// the rest of it (with enough pages) to find the words on those pages, so
// Total stays exact; it is slower on broad queries and fails, asking for a
// narrower query, beyond sqlfts.MaxPageCandidates candidates. Its snippets
// come from the requested pages.
func (s *Store) Search(ctx context.Context, req meta.SearchRequest) (*meta.SearchResult, error) {
	res, err := sqlfts.Search(ctx, s.r, sqlfts.Request{Query: req.Query, Limit: req.Limit, Offset: req.Offset,
		Sort: req.Sort, Facets: req.Facets, Text: s.Text})
	if err != nil {
		return nil, err
	}
	out := &meta.SearchResult{Total: res.Total, Ranked: res.Ranked, Sort: res.Sort, Hits: make([]meta.Hit, 0, len(res.Hits))}
	if res.Facets != nil {
		out.Facets = map[string][]meta.FacetCount{}
		for k, v := range res.Facets {
			fc := make([]meta.FacetCount, len(v))
			for i, c := range v {
				fc[i] = meta.FacetCount{Value: c.Value, Count: c.Count}
			}
			out.Facets[k] = fc
		}
	}
	for _, h := range res.Hits {
		d, err := s.DocByNum(ctx, h.Num)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		hit := meta.Hit{ID: d.ID, Number: d.Num, SHA256: d.SHA256, Type: string(d.Kind), MIME: d.MIME,
			Collection: d.Collection, Path: d.Path, ParentID: d.ParentID, Filename: d.Filename,
			MessageID: d.MessageID, Subject: d.Subject, From: d.Sender, Date: d.Date, Score: h.Score}
		text, err := s.Text(ctx, d.Num)
		if err != nil {
			return nil, err
		}
		if text != "" {
			terms := res.Terms
			if terms == nil {
				terms = &analysis.Terms{}
			}
			var dm struct {
				Pages []int `json:"pages"`
			}
			if d.Kind != dossier.KindEmail && len(d.Meta) > 0 && json.Unmarshal(d.Meta, &dm) != nil {
				dm.Pages = nil
			}
			// A page: hit's snippet comes from the first requested page
			// with a match.
			part, base := text, 0
			if r := res.Pages; r != nil {
				if pt, start, ok := sqlfts.PageText(text, dm.Pages, r.From, r.From); ok {
					part, base = pt, start
				}
				for p := r.From; p <= min(r.To, len(dm.Pages)); p++ {
					if pt, start, _ := sqlfts.PageText(text, dm.Pages, p, p); len(terms.Spans(pt)) > 0 {
						part, base = pt, start
						break
					}
				}
			}
			ex := terms.Snippet(part, SnippetBytes)
			hit.Snippet = ex.Text
			for _, sp := range ex.Spans {
				hit.Highlights = append(hit.Highlights, [2]int{sp.Start, sp.End})
			}
			if len(dm.Pages) > 1 || res.Pages != nil && len(dm.Pages) > 0 {
				hit.Page = extract.PageOf(dm.Pages, base+ex.Start)
			}
		}
		out.Hits = append(out.Hits, hit)
	}
	return out, nil
}

// CheckIndex verifies that the search index holds exactly the indexed
// documents, the contract text-only queries rely on. It returns a
// description of each discrepancy found.
func (s *Store) CheckIndex(ctx context.Context) ([]string, error) {
	var indexed, inFTS int64
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM docs WHERE status = 'indexed'`).Scan(&indexed); err != nil {
		return nil, err
	}
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM fts`).Scan(&inFTS); err != nil {
		return nil, err
	}
	var problems []string
	if indexed != inFTS {
		problems = append(problems, fmt.Sprintf("search index holds %d documents, the ledger %d indexed ones; run 'dossier reindex'", inFTS, indexed))
	}
	return problems, nil
}

// SearchNumbers returns the numbers of every indexed document matching a
// query, in number order. Errors are those of Search.
func (s *Store) SearchNumbers(ctx context.Context, q string) ([]int64, error) {
	return sqlfts.Numbers(ctx, s.r, q, s.Text)
}
