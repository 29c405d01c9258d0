package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/search/query"
)

// Search paging.
const (
	pageSize = 20
	maxPage  = 500 // deeper pages cost a pass over many matches; narrow instead
)

type homePage struct {
	Stats       *Stats
	Collections []collectionRow
	// Releases are the newest releases (public site), MoreReleases set
	// when there are others.
	Releases     []releaseRow
	MoreReleases bool
}

// homeReleases is how many releases the public home page lists.
const homeReleases = 10

type collectionRow struct {
	Name  string // neutralised, for display
	Href  string
	Count int64
}

func (s *server) home(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	st, err := s.store.Stats(ctx)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	cols, err := s.store.Collections(ctx)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	hp := &homePage{Stats: st, Collections: collectionRows(cols)}
	p := &page{Title: "Search the archive", HideBar: true, Data: hp}
	if s.cfg.Public {
		if hp.Releases, err = s.releaseRows(ctx); err != nil {
			s.internal(w, r, err)
			return
		}
		if len(hp.Releases) > homeReleases {
			hp.Releases, hp.MoreReleases = hp.Releases[:homeReleases], true
		}
		p.Title = "Published documents"
		p.OG = &openGraph{Title: s.cfg.Name, Type: "website", URL: s.absURL(r, "/"),
			Description: fmt.Sprintf("%s: %s published, with a proof of publication for each in a public transparency log.",
				s.cfg.Name, plural(int(st.Documents.Total()), "document"))}
	}
	s.render(w, r, http.StatusOK, "home", p)
}

func collectionRows(cols map[string]int64) []collectionRow {
	out := make([]collectionRow, 0, len(cols))
	for _, name := range slices.Sorted(maps.Keys(cols)) {
		out = append(out, collectionRow{Name: neutral(name), Href: "/collection/" + pathEscape(name), Count: cols[name]})
	}
	return out
}

// searchPage is the data of the search template.
type searchPage struct {
	Query  string
	Sort   string
	Result *meta.SearchResult
	Hits   []hitView
	Facets []facetView
	Page   int
	Pages  int
	First  int // 1-based index of the first hit shown
	Last   int
	Prev   string // URL of the previous page, "" on the first
	Next   string
	// SortURL switches to the other order.
	SortURL, OtherSort string
	// Empty is set when no query was given.
	Empty bool
	// Error describes a malformed query.
	Error *errorPage
	// ByDate is set when a relevance search is sorted by date anyway (a
	// query of filters only has no relevance order).
	ByDate bool
	// Heading names what is listed, for the collection page.
	Heading string

	err error // an internal error from the store
}

type hitView struct {
	Number     int64
	Title      string
	Snippet    template.HTML
	Date       *time.Time
	From       string
	Type, MIME string
	Collection string
	Filename   string
	ParentID   string
	InMessage  bool
	// Found says where a watched person was found in the document (on
	// their page).
	Found string
}

type facetView struct {
	Name   string // heading
	Values []facetValue
}

type facetValue struct {
	Label    string
	Count    int
	URL      string
	Selected bool // already part of the query
	// Page is the value's own page (a watched person's), "" if none.
	Page string
}

var facetOrder = []struct{ key, label string }{
	{"collection", "Collection"}, {"type", "Type"}, {"sender", "Sender"}, {"month", "Month"}, {"has_attachment", "Attachments"},
	{"dkim", "Authenticity"}, {"lang", "Language"}, {"author", "Author"}, {"flag", "Anomaly (needs review)"},
	{"ocr", "OCR"}, {"encrypted", "Encrypted"}, {"person", "Person"},
}

var monthRE = regexp.MustCompile(`^\d{4}-\d{2}$`)

// facetTerm is the query term a facet value narrows by, "" if none.
func facetTerm(facet, value string) string {
	switch facet {
	case "collection":
		return fieldTerm("collection", value)
	case "type":
		return fieldTerm("type", value)
	case "sender":
		return fieldTerm("from", value)
	case "month":
		if monthRE.MatchString(value) {
			return "date:" + value
		}
	case "dkim":
		if slices.Contains(query.Verdicts, value) {
			return "dkim:" + value
		}
	case "has_attachment":
		switch value {
		case "yes":
			return "has:attachment"
		case "no":
			return "-has:attachment"
		}
	case "lang":
		return fieldTerm("lang", value)
	case "author":
		return fieldTerm("author", value)
	case "flag":
		return fieldTerm("flag", value)
	case "person":
		return fieldTerm("person", value)
	case "ocr":
		if value == "yes" {
			return "has:ocr"
		}
	case "encrypted":
		if value == "yes" {
			return "has:encrypted"
		}
	}
	return ""
}

func facetLabel(facet, value string) string {
	switch facet {
	case "ocr":
		return "text from OCR"
	case "encrypted":
		return "encrypted"
	}
	if facet == "has_attachment" {
		if value == "yes" {
			return "with attachments"
		}
		return "without attachments"
	}
	return neutral(value)
}

// searchParams reads and checks q, sort and page.
func (s *server) searchParams(w http.ResponseWriter, r *http.Request) (q, sortBy string, pageNum int, ok bool) {
	v := r.URL.Query()
	q = strings.TrimSpace(v.Get("q"))
	if len(q) > maxQueryText {
		s.fail(w, r, http.StatusRequestURITooLong, "query_too_long", fmt.Sprintf("The query is too long (at most %d bytes).", maxQueryText))
		return "", "", 0, false
	}
	sortBy = v.Get("sort")
	switch sortBy {
	case "", "relevance":
		sortBy = "relevance"
	case "date":
	default:
		s.badRequest(w, r, "Sort by relevance or date.")
		return "", "", 0, false
	}
	pageNum = 1
	if p := v.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			s.badRequest(w, r, "The page number must be a whole number from 1.")
			return "", "", 0, false
		}
		if n > maxPage {
			s.badRequest(w, r, fmt.Sprintf("Pages beyond %d are not shown; narrow the search instead.", maxPage))
			return "", "", 0, false
		}
		pageNum = n
	}
	return q, sortBy, pageNum, true
}

func (s *server) search(w http.ResponseWriter, r *http.Request) {
	q, sortBy, pageNum, ok := s.searchParams(w, r)
	if !ok {
		return
	}
	p := &page{Title: "Search", Query: q, Sort: sortBy, HideBar: true}
	sp := &searchPage{Query: q, Sort: sortBy, Page: pageNum}
	p.Data = sp
	if q == "" {
		sp.Empty = true
		s.render(w, r, http.StatusOK, "search", p)
		return
	}
	p.Title = neutral(q) + " — search"
	code := s.runSearch(r, sp, q, sortBy, pageNum, "/search", true)
	if code == http.StatusInternalServerError {
		s.internal(w, r, sp.err)
		return
	}
	s.render(w, r, code, "search", p)
}

// runSearch fills sp with one page of results for q; it returns the status
// to answer (200, 400 for a malformed query, 500 with sp.err set).
func (s *server) runSearch(r *http.Request, sp *searchPage, q, sortBy string, pageNum int, base string, facets bool) int {
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	res, err := s.store.Search(ctx, meta.SearchRequest{Query: q, Limit: pageSize, Offset: (pageNum - 1) * pageSize,
		Sort: sortBy, Facets: facets})
	if err != nil {
		if ep := queryError(q, err); ep != nil {
			sp.Error = ep
			return http.StatusBadRequest
		}
		sp.err = err
		return http.StatusInternalServerError
	}
	sp.Result = res
	sp.ByDate = res.Sort == "date"
	for _, h := range res.Hits {
		hv := hitView{Number: h.Number, Snippet: marked(h.Snippet, h.Highlights), Date: h.Date, From: neutral(h.From),
			Type: neutral(h.Type), MIME: neutral(h.MIME), Collection: neutral(h.Collection), Filename: neutral(h.Filename),
			ParentID: h.ParentID, InMessage: h.ParentID != "" && h.Type != "email"}
		hv.Title = neutral(firstNonEmpty(h.Subject, h.Filename, lastElem(h.Path), "(no subject)"))
		if h.Type != "email" && h.Filename != "" {
			hv.Title = neutral(h.Filename)
		}
		sp.Hits = append(sp.Hits, hv)
	}
	sp.Pages = (res.Total + pageSize - 1) / pageSize
	sp.First = (pageNum-1)*pageSize + 1
	sp.Last = sp.First + len(res.Hits) - 1
	link := func(n int) string {
		switch {
		case base == "/search":
			return searchURL(q, sortBy, n)
		case n == 1:
			return base
		case s.cfg.Static:
			return base + "/page/" + strconv.Itoa(n) // a mirror's files have no query
		}
		return base + "?page=" + strconv.Itoa(n)
	}
	if pageNum > 1 {
		sp.Prev = link(pageNum - 1)
	}
	if pageNum < sp.Pages && pageNum < maxPage {
		sp.Next = link(pageNum + 1)
	}
	if base == "/search" {
		sp.OtherSort = "date"
		if sortBy == "date" {
			sp.OtherSort = "relevance"
		}
		sp.SortURL = searchURL(q, sp.OtherSort, 1)
	}
	if facets {
		for _, f := range facetOrder {
			if f.key == "person" && s.cfg.Public {
				continue // watchlists are private
			}
			vals := res.Facets[f.key]
			if len(vals) == 0 {
				continue
			}
			fv := facetView{Name: f.label}
			for _, v := range vals {
				term := facetTerm(f.key, v.Value)
				if term == "" {
					continue
				}
				nq := narrow(q, term)
				val := facetValue{Label: facetLabel(f.key, v.Value), Count: v.Count,
					URL: searchURL(nq, sortBy, 1), Selected: nq == q}
				if f.key == "person" && s.people != nil {
					val.Page = personHref(v.Value)
				}
				fv.Values = append(fv.Values, val)
			}
			sp.Facets = append(sp.Facets, fv)
		}
	}
	return http.StatusOK
}

// queryError describes err if it is the user's fault (a malformed or empty
// query), nil otherwise.
func queryError(q string, err error) *errorPage {
	var se *query.SyntaxError
	switch {
	case errors.As(err, &se):
		return &errorPage{Code: http.StatusBadRequest, Message: se.Error(), Query: neutral(q),
			Caret: strings.Repeat(" ", max(se.Column-1, 0)) + "^", Help: syntaxHint(se.Msg)}
	case errors.Is(err, query.ErrEmpty):
		return &errorPage{Code: http.StatusBadRequest, Message: "The query is empty.", Help: "Type words to search for."}
	case errors.Is(err, query.ErrNoWords):
		return &errorPage{Code: http.StatusBadRequest, Message: "The query has no searchable words (only punctuation).",
			Query: neutral(q), Help: "Search for words, names, addresses or a phrase in double quotes."}
	}
	return nil
}

// syntaxHint suggests a fix for common mistakes.
func syntaxHint(msg string) string {
	switch {
	case strings.Contains(msg, "quote"):
		return "Close the phrase with a double quote, or remove the stray one."
	case strings.Contains(msg, "parenthes"):
		return "Check that every ( has a matching )."
	case strings.Contains(msg, "unknown field"):
		return "To search for a word that contains a colon, put it in double quotes."
	case strings.Contains(msg, "date:"):
		return "Dates are written 2017, 2017-03 or 2017-03-31; ranges as 2017-01..2017-03."
	}
	return "See the search syntax help."
}

func (s *server) helpSearch(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "help", &page{Title: "Search syntax", Data: query.Fields()})
}

// collectionPage lists a collection's documents, newest first.
func (s *server) collectionPage(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	v := r.URL.Query()
	pageNum, ok := pageArg(r) // /collection/{name}/page/{n}, as a static mirror links
	if !ok {
		s.notFound(w, r, "There is no such page of this collection.")
		return
	}
	if p := v.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > maxPage {
			s.badRequest(w, r, fmt.Sprintf("The page number must be a whole number from 1 to %d.", maxPage))
			return
		}
		pageNum = n
	}
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	cols, err := s.store.Collections(ctx)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if _, ok := cols[name]; !ok {
		s.notFound(w, r, "There is no collection of that name in this archive.")
		return
	}
	q := fieldTerm("collection", name)
	sp := &searchPage{Query: q, Sort: "date", Page: pageNum, Heading: neutral(name)}
	code := s.runSearch(r, sp, q, "date", pageNum, "/collection/"+pathEscape(name), false)
	if code != http.StatusOK {
		if sp.err == nil {
			sp.err = fmt.Errorf("collection query failed: %v", sp.Error.Message)
		}
		s.internal(w, r, sp.err)
		return
	}
	s.render(w, r, http.StatusOK, "search", &page{Title: "Collection " + neutral(name), Data: sp})
}

func pathEscape(s string) string { return url.PathEscape(s) }

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

func lastElem(p string) string {
	if i := strings.LastIndexAny(p, "/\\"); i >= 0 {
		return p[i+1:]
	}
	return p
}
