package sqlfts

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/newsroom/dossier/internal/search/analysis"
	"github.com/newsroom/dossier/internal/search/query"
)

// Sort orders.
const (
	SortRelevance = "relevance" // BM25, best first (the default)
	SortDate      = "date"      // newest first, undated last
)

// DefaultLimit is the page size used when Request.Limit is not positive;
// MaxLimit caps it.
const (
	DefaultLimit = 20
	MaxLimit     = 1000
)

// rankWindow bounds the matches scored for relevance: a text query that
// matches more documents ranks about this many of the most recently
// ingested ones (Result.Ranked says how many), so that a very common word
// stays fast in a large archive: scoring costs about 3 µs a match. Pages
// beyond rankWindow/2 hits are ranked over every match. A variable for
// tests.
var rankWindow = 10000

// FacetLimit is how many values each facet returns at most.
const FacetLimit = 20

// Facet names, the keys of Result.Facets.
const (
	FacetCollection    = "collection"     // docs.collection
	FacetType          = "type"           // docs.kind
	FacetSender        = "sender"         // docs.sender, empty senders left out
	FacetMonth         = "month"          // YYYY-MM of docs.date (UTC), undated left out
	FacetHasAttachment = "has_attachment" // "yes" or "no"
	FacetDKIM          = "dkim"           // docs.dkim, the authenticity verdict; unverified left out
	FacetLang          = "lang"           // docs.lang, detected language
	FacetAuthor        = "author"         // docs.author, as written
	FacetFlag          = "flag"           // anomaly rules (a document may count under several)
	FacetOCR           = "ocr"            // "yes" for documents with OCR text
	FacetEncrypted     = "encrypted"      // "yes" for encrypted documents
	FacetPerson        = "person"         // watched people and organisations mentioned (watch names)
)

// Request is a search.
type Request struct {
	Query  string // in the syntax of package query
	Limit  int    // page size; DefaultLimit if <= 0, at most MaxLimit
	Offset int    // hits to skip
	Sort   string // SortRelevance ("" too) or SortDate
	Facets bool   // compute Result.Facets
	// Text reads documents' text; a query with page: needs it (see
	// pageFilter and MaxPageCandidates) and fails without it.
	Text TextFunc
}

// Result is one page of hits with the total and facets over all matches.
type Result struct {
	Total int   // matching documents
	Hits  []Hit // this page
	// Facets maps each facet name to its top FacetLimit values by count
	// (ties by value), counted over all matching documents. Nil unless
	// Request.Facets.
	Facets map[string][]FacetCount
	// Terms are the query's positive words, for [analysis.Terms.Snippet]
	// and [analysis.Terms.Spans] on a hit's text.
	Terms *analysis.Terms
	// Ranked is, when not 0, the number of matches that relevance ranking
	// considered: for a text query with more than rankWindow matches, the
	// most recently ingested ones (highest numbers). Total stays exact.
	Ranked int
	// Sort is the order used: SortDate for queries with no ranked text
	// part (only filters, or an OR of text and filters), whatever was
	// asked.
	Sort string
	// Pages is the query's page: range, nil if it has none: every hit
	// has its matching words on those pages, where its snippet belongs.
	Pages *query.PageRange
}

// Hit is a matching document.
type Hit struct {
	Num   int64   // docs.num
	Score float64 // higher is better; 0 when sorted by date
}

// FacetCount is one facet value and how many matching documents have it.
type FacetCount struct {
	Value string
	Count int
}

// Search runs req against db, which holds the docs table and [Schema].
// Only documents with status 'indexed' are returned or counted. A malformed
// query gives an error wrapping *query.SyntaxError, an empty one an error
// wrapping query.ErrEmpty.
func Search(ctx context.Context, db *sql.DB, req Request) (*Result, error) {
	n, err := query.Parse(req.Query)
	if err != nil {
		return nil, fmt.Errorf("search: parse: %w", err)
	}
	c, terms, err := compile(n)
	if err != nil {
		return nil, fmt.Errorf("search: compile: %w", err)
	}
	sortBy := req.Sort
	switch sortBy {
	case "", SortRelevance:
		sortBy = SortRelevance
	case SortDate:
	default:
		return nil, fmt.Errorf("search: unknown sort %q (want %s or %s)", req.Sort, SortRelevance, SortDate)
	}
	limit := req.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	offset := max(req.Offset, 0)

	// One read transaction, so the page, total and facets see one snapshot.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("search: begin: %w", err)
	}
	defer tx.Rollback()

	pages := query.PageRangeOf(n)
	if pages != nil {
		if c, err = pageFilter(ctx, tx, n, c, pages, req.Text); err != nil {
			return nil, err
		}
	}
	from, args := sqlFrom(c)
	if c.match == "" {
		sortBy = SortDate
	}
	res := &Result{Terms: terms, Sort: sortBy, Pages: pages}

	// The total (and facets) first: a text-only relevance query uses it
	// to decide how many matches to rank.
	ftsOnly := c.pureMatch()
	if req.Facets {
		if err := facets(ctx, tx, from, args, res); err != nil {
			return nil, err
		}
	} else {
		count := "SELECT count(*) " + from
		if ftsOnly {
			// All text: the fts table holds exactly the indexed documents
			// (see Put), so FTS5 counts alone, without the docs table.
			count = "SELECT count(*) FROM fts WHERE fts MATCH ?"
		}
		if err := tx.QueryRowContext(ctx, count, args...).Scan(&res.Total); err != nil {
			return nil, fmt.Errorf("search: count: %w", err)
		}
	}

	score, order := "0", "d.date IS NULL, d.date DESC, d.num DESC"
	if sortBy == SortRelevance {
		score, order = "-"+bm25, bm25+", d.num"
	}
	q := "SELECT d.num, " + score + " " + from + " ORDER BY " + order + " LIMIT ? OFFSET ?"
	qargs := append(slices.Clip(args), limit, offset)
	if ftsOnly && sortBy == SortRelevance {
		q = "SELECT rowid, -" + bm25 + " FROM fts WHERE fts MATCH ? ORDER BY " + bm25 + ", rowid LIMIT ? OFFSET ?"
		if res.Total > rankWindow && offset+limit <= rankWindow/2 {
			// Scoring every match of a very common query costs a pass
			// over all of them; rank the most recently ingested part
			// instead, about rankWindow documents, estimated from the
			// density of matches over document numbers.
			var maxNum int64
			if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(num), 0) FROM docs").Scan(&maxNum); err != nil {
				return nil, fmt.Errorf("search: query: %w", err)
			}
			span := int64(float64(maxNum) * float64(rankWindow) / float64(res.Total))
			floor := maxNum - span
			q = "SELECT rowid, -" + bm25 + " FROM fts WHERE fts MATCH ? AND rowid > ? ORDER BY " + bm25 + ", rowid LIMIT ? OFFSET ?"
			qargs = append(slices.Clip(args), floor, limit, offset)
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM fts WHERE fts MATCH ? AND rowid > ?", args[0], floor).Scan(&res.Ranked); err != nil {
				return nil, fmt.Errorf("search: count: %w", err)
			}
		}
	}
	rows, err := tx.QueryContext(ctx, q, qargs...)
	if err != nil {
		return nil, fmt.Errorf("search: query: %w", err)
	}
	for rows.Next() {
		var h Hit
		if err := rows.Scan(&h.Num, &h.Score); err != nil {
			rows.Close()
			return nil, fmt.Errorf("search: query: %w", err)
		}
		res.Hits = append(res.Hits, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search: query: %w", err)
	}
	return res, nil
}

// bm25 ranks matches; subjects and names weigh more than bodies. The
// weights follow the fts column order.
const bm25 = "bm25(fts, 4.0, 1.0, 4.0, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 0.0)"

// sqlFrom returns the FROM and WHERE clauses selecting the indexed
// documents (alias d) that c matches, and their arguments. With a text
// part, FTS5 drives the query and fts is joined in (for bm25). CROSS JOIN
// pins that loop order: left to the planner, SQLite may scan docs by a
// date index and re-run the MATCH per row, which took 35 s instead of
// 24 ms for `compt* date:2005` over 50k documents.
func sqlFrom(c cond) (string, []any) {
	var b strings.Builder
	var args []any
	if c.match != "" && !c.neg {
		b.WriteString("FROM fts CROSS JOIN docs d ON d.num = fts.rowid WHERE fts MATCH ? AND d.status = 'indexed'")
		args = append(args, c.match)
		if c.where != "" {
			b.WriteString(" AND (" + c.where + ")")
			args = append(args, c.args...)
		}
		return b.String(), args
	}
	w, wargs := c.toWhere()
	b.WriteString("FROM docs d WHERE d.status = 'indexed'")
	if w != "" {
		b.WriteString(" AND (" + w + ")")
	}
	return b.String(), wargs
}

// facetNames are the facets, in the order facets counts them.
var facetNames = []string{FacetCollection, FacetType, FacetSender, FacetMonth, FacetHasAttachment, FacetDKIM,
	FacetLang, FacetAuthor, FacetFlag, FacetOCR, FacetEncrypted, FacetPerson}

// facets fills res.Total and res.Facets in one pass over the matching
// documents: their facet columns are read once and counted in Go, which is
// several times faster than one GROUP BY per facet.
func facets(ctx context.Context, tx *sql.Tx, from string, args []any, res *Result) error {
	rows, err := tx.QueryContext(ctx, "SELECT d.collection, d.kind, d.sender, d.date, d.has_attachments, d.dkim, d.lang, d.author, d.flags, d.ocr, d.encrypted, d.persons "+from, args...)
	if err != nil {
		return fmt.Errorf("search: facets: %w", err)
	}
	defer rows.Close()
	counts := make([]map[string]int, len(facetNames))
	for i := range counts {
		counts[i] = map[string]int{}
	}
	var (
		collection, kind string
		sender, verdict  sql.NullString
		lang, author     sql.NullString
		flags, persons   sql.NullString
		ocr, encrypted   int
		date             sql.NullInt64
		hasAtt           int
		lastMonth        int64 = -1
		monthName        string
		total            int
	)
	for rows.Next() {
		if err := rows.Scan(&collection, &kind, &sender, &date, &hasAtt, &verdict, &lang, &author, &flags, &ocr, &encrypted, &persons); err != nil {
			return fmt.Errorf("search: facets: %w", err)
		}
		total++
		counts[0][collection]++
		counts[1][kind]++
		if sender.String != "" {
			counts[2][sender.String]++
		}
		if date.Valid {
			t := time.Unix(date.Int64, 0).UTC()
			if m := int64(t.Year())*12 + int64(t.Month()); m != lastMonth {
				lastMonth, monthName = m, t.Format("2006-01")
			}
			counts[3][monthName]++
		}
		if hasAtt != 0 {
			counts[4]["yes"]++
		} else {
			counts[4]["no"]++
		}
		if verdict.String != "" {
			counts[5][verdict.String]++
		}
		if lang.String != "" {
			counts[6][lang.String]++
		}
		if author.String != "" {
			counts[7][author.String]++
		}
		if flags.String != "" {
			for _, f := range strings.Fields(flags.String) {
				counts[8][f]++
			}
		}
		if ocr != 0 {
			counts[9]["yes"]++
		}
		if encrypted != 0 {
			counts[10]["yes"]++
		}
		if persons.String != "" {
			for _, p := range strings.Fields(persons.String) {
				counts[11][p]++
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("search: facets: %w", err)
	}
	rows.Close()
	if len(counts[11]) > 0 {
		names, err := watchNames(ctx, tx)
		if err != nil {
			return err
		}
		byName := make(map[string]int, len(counts[11]))
		for id, c := range counts[11] {
			if n, ok := names[id]; ok {
				byName[n] += c
			}
		}
		counts[11] = byName
	}
	res.Total = total
	res.Facets = make(map[string][]FacetCount, len(facetNames))
	for i, name := range facetNames {
		list := make([]FacetCount, 0, len(counts[i]))
		for v, c := range counts[i] {
			list = append(list, FacetCount{Value: v, Count: c})
		}
		slices.SortFunc(list, func(a, b FacetCount) int {
			if a.Count != b.Count {
				return b.Count - a.Count
			}
			return strings.Compare(a.Value, b.Value)
		})
		res.Facets[name] = list[:min(len(list), FacetLimit)]
	}
	return nil
}

// watchNames maps watch ids (as written in docs.persons) to names.
func watchNames(ctx context.Context, tx *sql.Tx) (map[string]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, name FROM watch`)
	if err != nil {
		return nil, fmt.Errorf("search: facets: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("search: facets: %w", err)
		}
		out[id] = name
	}
	return out, rows.Err()
}

// Numbers returns the numbers of every indexed document matching a query,
// in number order: the whole result set, for counts and exports that need
// every id (batch search, releases), without ranking or snippets. text is
// as Request.Text: a query with page: needs it.
func Numbers(ctx context.Context, db *sql.DB, q string, text TextFunc) ([]int64, error) {
	n, err := query.Parse(q)
	if err != nil {
		return nil, fmt.Errorf("search: parse: %w", err)
	}
	c, _, err := compile(n)
	if err != nil {
		return nil, fmt.Errorf("search: compile: %w", err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("search: begin: %w", err)
	}
	defer tx.Rollback()
	if r := query.PageRangeOf(n); r != nil {
		if c, err = pageFilter(ctx, tx, n, c, r, text); err != nil {
			return nil, err
		}
	}
	from, args := sqlFrom(c)
	rows, err := tx.QueryContext(ctx, "SELECT d.num "+from+" ORDER BY d.num", args...)
	if err != nil {
		return nil, fmt.Errorf("search: query: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var num int64
		if err := rows.Scan(&num); err != nil {
			return nil, fmt.Errorf("search: query: %w", err)
		}
		out = append(out, num)
	}
	return out, rows.Err()
}
