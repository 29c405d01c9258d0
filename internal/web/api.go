package web

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/newsroom/dossier"
	"github.com/newsroom/dossier/internal/dkim"
	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/search/query"
)

//go:embed openapi.json
var openAPIDoc []byte

// API bounds.
const (
	apiMaxLimit     = 1000
	apiMaxOffset    = 100000
	apiMaxLocations = 100
)

// apiRoute is one route of the JSON API. Path is written as in the OpenAPI
// document; a test keeps the two in step.
type apiRoute struct {
	Method string
	Path   string
	handle func(w http.ResponseWriter, r *http.Request, p map[string]string)
}

// apiRouter routes /api/: the most specific matching route (most literal
// segments) wins; unknown paths and methods get JSON errors.
type apiRouter struct {
	s      *server
	routes []apiRoute
}

func (s *server) newAPI() *apiRouter {
	return &apiRouter{s: s, routes: []apiRoute{
		{http.MethodGet, "/api/v1/search", s.apiSearch},
		{http.MethodGet, "/api/v1/doc/{number}", s.apiDocByNum},
		{http.MethodGet, "/api/v1/doc/id/{id}", s.apiDocByID},
		{http.MethodGet, "/api/v1/doc/{number}/raw", s.apiRaw},
		{http.MethodGet, "/api/v1/collections", s.apiCollections},
		{http.MethodGet, "/api/v1/thread/{id}", s.apiThread},
		{http.MethodGet, "/api/v1/stats", s.apiStats},
		{http.MethodGet, "/api/v1/people", s.apiPeople},
		{http.MethodGet, "/api/v1/people/{name}", s.apiPerson},
		{http.MethodGet, "/api/v1/openapi.json", s.apiOpenAPI},
		// The public site's own.
		{http.MethodGet, "/api/v1/doc/{number}/proof", s.apiProof},
		{http.MethodGet, "/api/v1/releases", s.apiReleases},
		{http.MethodGet, "/api/v1/releases/{name}", s.apiRelease},
	}}
}

// APIRoutes lists the JSON API's routes as "METHOD /path/{param}", as
// written in the OpenAPI document.
func APIRoutes() []string {
	var out []string
	for _, r := range (&server{}).newAPI().routes {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

func (a *apiRouter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Segments are split on the escaped path, so a parameter may hold an
	// escaped slash (a person's name); matchPath unescapes the values.
	segs := strings.Split(r.URL.EscapedPath(), "/")
	var best *apiRoute
	var params map[string]string
	bestLit := -1
	for i := range a.routes {
		rt := &a.routes[i]
		p, lit, ok := matchPath(rt.Path, segs)
		if ok && lit > bestLit {
			best, params, bestLit = rt, p, lit
		}
	}
	if best == nil {
		a.s.notFound(w, r, "no such API route; see /api/v1/openapi.json")
		return
	}
	if r.Method != best.Method && !(best.Method == http.MethodGet && r.Method == http.MethodHead) {
		w.Header().Set("Allow", "GET, HEAD")
		a.s.fail(w, r, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed here")
		return
	}
	best.handle(w, r, params)
}

// matchPath matches escaped path segments against a route pattern with
// {name} segments; it returns the values, unescaped, and the number of
// literal segments.
func matchPath(pattern string, segs []string) (map[string]string, int, bool) {
	ps := strings.Split(pattern, "/")
	if len(ps) != len(segs) {
		return nil, 0, false
	}
	var params map[string]string
	lit := 0
	for i, p := range ps {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			if segs[i] == "" {
				return nil, 0, false
			}
			v, err := url.PathUnescape(segs[i])
			if err != nil {
				return nil, 0, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[p[1:len(p)-1]] = v
			continue
		}
		if p != segs[i] {
			return nil, 0, false
		}
		lit++
	}
	return params, lit, true
}

// apiError is the body of every API error: {"error": {...}}.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Offset (bytes) and Column (1-based, characters) locate a query
	// syntax error.
	Offset *int `json:"offset,omitempty"`
	Column *int `json:"column,omitempty"`
}

func writeAPIError(w http.ResponseWriter, r *http.Request, code int, e apiError) {
	writeJSON(w, r, code, map[string]apiError{"error": e})
}

func writeJSON(w http.ResponseWriter, r *http.Request, code int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		buf.Reset()
		buf.WriteString(`{"error":{"code":"internal","message":"response could not be encoded"}}` + "\n")
		code = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

func (s *server) apiSearch(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	v := r.URL.Query()
	q := strings.TrimSpace(v.Get("q"))
	if len(q) > maxQueryText {
		s.fail(w, r, http.StatusRequestURITooLong, "query_too_long", fmt.Sprintf("the query is longer than %d bytes", maxQueryText))
		return
	}
	if q == "" {
		s.fail(w, r, http.StatusBadRequest, "empty_query", "give a query in q=")
		return
	}
	req := meta.SearchRequest{Query: q, Limit: 20, Sort: "relevance", Facets: true}
	switch srt := v.Get("sort"); srt {
	case "", "relevance":
	case "date":
		req.Sort = srt
	default:
		s.badRequest(w, r, "sort is relevance or date")
		return
	}
	var ok bool
	if req.Limit, ok = intParam(v.Get("limit"), 20, 1, apiMaxLimit); !ok {
		s.badRequest(w, r, fmt.Sprintf("limit is a whole number from 1 to %d", apiMaxLimit))
		return
	}
	if req.Offset, ok = intParam(v.Get("offset"), 0, 0, apiMaxOffset); !ok {
		s.badRequest(w, r, fmt.Sprintf("offset is a whole number from 0 to %d", apiMaxOffset))
		return
	}
	switch v.Get("facets") {
	case "", "true", "1":
	case "false", "0":
		req.Facets = false
	default:
		s.badRequest(w, r, "facets is true or false")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	res, err := s.store.Search(ctx, req)
	if err != nil {
		var se *query.SyntaxError
		switch {
		case errors.As(err, &se):
			off, col := se.Offset, se.Column
			writeAPIError(w, r, http.StatusBadRequest, apiError{Code: "bad_query", Message: se.Error(), Offset: &off, Column: &col})
		case errors.Is(err, query.ErrEmpty):
			s.fail(w, r, http.StatusBadRequest, "empty_query", "the query is empty")
		case errors.Is(err, query.ErrNoWords):
			s.fail(w, r, http.StatusBadRequest, "bad_query", query.ErrNoWords.Error())
		default:
			s.internal(w, r, err)
		}
		return
	}
	if res.Facets == nil {
		res.Facets = map[string][]meta.FacetCount{} // the shape of `dossier search --json`
	}
	if s.cfg.Public {
		delete(res.Facets, "person") // watchlists are private
	}
	writeJSON(w, r, http.StatusOK, res)
}

func intParam(s string, def, lo, hi int) (int, bool) {
	if s == "" {
		return def, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, false
	}
	return n, true
}

// location is a place a document was found, as in `dossier show --json`.
type location struct {
	ID         string `json:"id"`
	Number     int64  `json:"number"`
	Collection string `json:"collection"`
	Path       string `json:"path"`
	Status     string `json:"status"`
}

// apiDoc is a document as the API returns it: the shape of `dossier show
// --json` (authenticity included) plus its addresses.
type apiDoc struct {
	*meta.Document
	DisplayPath string          `json:"display_path"`
	Email       *meta.EmailMeta `json:"email,omitempty"`
	Locations   []location      `json:"locations"`
	Children    []location      `json:"children"`
	Parents     []location      `json:"parents"`
	Text        string          `json:"text"`
	// Authenticity is the authenticity report of an email (of its first
	// copy, for a duplicate); absent when it has none (not an email, or
	// not verified yet).
	Authenticity *dkim.Report `json:"authenticity,omitempty"`
	URL          string       `json:"url"`
	RawURL       string       `json:"raw_url,omitempty"`
	// Publication is the document's log entries on the public site,
	// oldest first; ProofURL the proof bundle of the latest.
	Publication []publication `json:"publication,omitempty"`
	ProofURL    string        `json:"proof_url,omitempty"`
}

var numRE = regexp.MustCompile(`^[1-9][0-9]{0,17}$`)

func (s *server) apiDocByNum(w http.ResponseWriter, r *http.Request, p map[string]string) {
	d, ok := s.apiLoadNum(w, r, p["number"])
	if ok {
		s.writeAPIDoc(w, r, d)
	}
}

func (s *server) apiLoadNum(w http.ResponseWriter, r *http.Request, arg string) (*meta.Document, bool) {
	if !numRE.MatchString(arg) {
		s.notFound(w, r, "document numbers are whole numbers from 1")
		return nil, false
	}
	num, _ := strconv.ParseInt(arg, 10, 64)
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	d, err := s.store.DocByNum(ctx, num)
	if errors.Is(err, ErrNotFound) {
		s.absent(w, r, num, fmt.Sprintf("no document %d", num))
		return nil, false
	}
	if err != nil {
		s.internal(w, r, err)
		return nil, false
	}
	return d, true
}

func (s *server) apiDocByID(w http.ResponseWriter, r *http.Request, p map[string]string) {
	if d, ok := s.docByID(w, r, p["id"]); ok {
		s.writeAPIDoc(w, r, d)
	}
}

func (s *server) writeAPIDoc(w http.ResponseWriter, r *http.Request, d *meta.Document) {
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	out, err := s.apiDoc(ctx, d, r.URL.Query().Get("text") != "false")
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, out)
}

func (s *server) apiDoc(ctx context.Context, d *meta.Document, withText bool) (*apiDoc, error) {
	out := &apiDoc{Document: d, Locations: []location{}, Children: []location{}, Parents: []location{},
		URL: fmt.Sprintf("/doc/%d", d.Num)}
	if d.SHA256 != "" {
		out.RawURL = fmt.Sprintf("/api/v1/doc/%d/raw", d.Num)
	}
	if d.Kind == dossier.KindEmail && len(d.Meta) > 0 {
		var em meta.EmailMeta
		if json.Unmarshal(d.Meta, &em) == nil {
			out.Email = &em
		}
	}
	var err error
	if out.DisplayPath, err = s.displayPath(ctx, d); err != nil {
		return nil, err
	}
	loc := func(x *meta.Document) (location, error) {
		p, err := s.displayPath(ctx, x)
		return location{ID: x.ID, Number: x.Num, Collection: x.Collection, Path: p, Status: string(x.Status)}, err
	}
	if d.SHA256 != "" {
		same, err := s.store.DocsBySHA256(ctx, d.SHA256)
		if err != nil {
			return nil, err
		}
		for _, x := range same[:min(len(same), apiMaxLocations)] {
			l, err := loc(x)
			if err != nil {
				return nil, err
			}
			out.Locations = append(out.Locations, l)
		}
	}
	kids, err := s.store.Children(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	for _, x := range kids {
		l := location{ID: x.ID, Number: x.Num, Collection: x.Collection, Path: x.Path, Status: string(x.Status)}
		if x.Filename != "" {
			l.Path += " (" + x.Filename + ")"
		}
		out.Children = append(out.Children, l)
	}
	for p, i := d.ParentID, 0; p != "" && i < maxChainDepth; i++ {
		pd, err := s.store.Doc(ctx, p)
		if errors.Is(err, ErrNotFound) {
			break
		}
		if err != nil {
			return nil, err
		}
		l, err := loc(pd)
		if err != nil {
			return nil, err
		}
		out.Parents = append(out.Parents, l)
		p = pd.ParentID
	}
	textOf := d
	if d.Status == dossier.Duplicate && d.DuplicateOf != "" {
		c, err := s.store.Doc(ctx, d.DuplicateOf)
		switch {
		case err == nil:
			textOf = c
		case !errors.Is(err, ErrNotFound):
			return nil, err
		}
	}
	if withText {
		if out.Text, err = s.store.Text(ctx, textOf.Num); err != nil {
			return nil, err
		}
	}
	if textOf.Kind == dossier.KindEmail {
		if out.Authenticity, err = s.store.Auth(ctx, textOf.Num); err != nil {
			return nil, err
		}
	}
	if out.Publication, err = s.publications(ctx, d.Num); err != nil {
		return nil, err
	}
	if s.proofs != nil && len(out.Publication) > 0 {
		out.ProofURL = fmt.Sprintf("/api/v1/doc/%d/proof", d.Num)
	}
	return out, nil
}

// apiProof serves a document's proof bundle, as /doc/{number}/proof.
func (s *server) apiProof(w http.ResponseWriter, r *http.Request, p map[string]string) {
	s.serveProof(w, r, p["number"])
}

// apiRelease is a release in the API.
type apiRelease struct {
	Name        string    `json:"name"`
	PublishedAt time.Time `json:"published_at"`
	Documents   int       `json:"documents"`
	Withdrawn   int       `json:"withdrawn"`
	URL         string    `json:"url"`
}

// apiReleaseDoc is one document of a release in the API.
type apiReleaseDoc struct {
	Number    int64  `json:"number"`
	LogIndex  uint64 `json:"log_index"`
	Withdrawn bool   `json:"withdrawn"`
	URL       string `json:"url"`
}

func (s *server) apiReleases(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	if s.public == nil {
		s.notFound(w, r, "releases are on the public site")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	rels, err := s.apiReleaseList(ctx)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"releases": rels})
}

func (s *server) apiReleaseList(ctx context.Context) ([]apiRelease, error) {
	rels, err := s.public.PublicReleases(ctx)
	if err != nil {
		return nil, err
	}
	ws, err := s.public.PublicWithdrawals(ctx, 0)
	if err != nil {
		return nil, err
	}
	gone := map[string]int{}
	for _, w := range ws {
		gone[w.Release]++
	}
	out := []apiRelease{}
	for _, rel := range rels {
		out = append(out, apiRelease{Name: rel.Name, PublishedAt: rel.PublishedAt.UTC(), Documents: rel.Documents,
			Withdrawn: gone[rel.Name], URL: "/release/" + pathEscape(rel.Name)})
	}
	return out, nil
}

func (s *server) apiRelease(w http.ResponseWriter, r *http.Request, p map[string]string) {
	if s.public == nil {
		s.notFound(w, r, "releases are on the public site")
		return
	}
	v := r.URL.Query()
	limit, ok := intParam(v.Get("limit"), 100, 1, apiMaxLimit)
	if !ok {
		s.badRequest(w, r, fmt.Sprintf("limit is a whole number from 1 to %d", apiMaxLimit))
		return
	}
	offset, ok := intParam(v.Get("offset"), 0, 0, apiMaxOffset)
	if !ok {
		s.badRequest(w, r, fmt.Sprintf("offset is a whole number from 0 to %d", apiMaxOffset))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	rels, err := s.apiReleaseList(ctx)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	i := slices.IndexFunc(rels, func(x apiRelease) bool { return x.Name == p["name"] })
	if i < 0 {
		s.notFound(w, r, "no such release")
		return
	}
	docs, total, err := s.public.PublicReleaseDocs(ctx, p["name"], offset, limit)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	list := []apiReleaseDoc{}
	for _, d := range docs {
		list = append(list, apiReleaseDoc{Number: d.Num, LogIndex: d.LogIndex, Withdrawn: d.Withdrawn, URL: fmt.Sprintf("/doc/%d", d.Num)})
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"release": rels[i], "documents_total": total, "documents_list": list})
}

// displayPath is a document's location from its collection down, as
// `dossier show` prints it: "leak:mbox/a.mbox › message:3 › part:2 (x.pdf)".
func (s *server) displayPath(ctx context.Context, d *meta.Document) (string, error) {
	var parts []string
	cur := d
	for i := 0; cur != nil && i < maxChainDepth; i++ {
		p := cur.Path
		if cur.Depth > 0 && cur.Filename != "" {
			p += " (" + cur.Filename + ")"
		}
		parts = append(parts, p)
		if cur.ParentID == "" {
			break
		}
		next, err := s.store.Doc(ctx, cur.ParentID)
		if errors.Is(err, ErrNotFound) {
			parts = append(parts, "?")
			break
		}
		if err != nil {
			return "", err
		}
		cur = next
	}
	slices.Reverse(parts)
	return d.Collection + ":" + strings.Join(parts, " › "), nil
}

func (s *server) apiRaw(w http.ResponseWriter, r *http.Request, p map[string]string) {
	d, ok := s.apiLoadNum(w, r, p["number"])
	if ok {
		s.serveRaw(w, r, d)
	}
}

// apiCollection is one entry of /api/v1/collections.
type apiCollection struct {
	Name      string `json:"name"`
	Documents int64  `json:"documents"`
}

func (s *server) apiCollections(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	cols, err := s.store.Collections(ctx)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := []apiCollection{}
	for _, name := range slices.Sorted(maps.Keys(cols)) {
		out = append(out, apiCollection{Name: name, Documents: cols[name]})
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"collections": out})
}

// apiThread is the body of /api/v1/thread/{id}.
type apiThread struct {
	Thread   string           `json:"thread"`
	Messages []*meta.Document `json:"messages"`
}

func (s *server) apiThread(w http.ResponseWriter, r *http.Request, p map[string]string) {
	id := p["id"]
	if !threadIDRE.MatchString(id) {
		s.notFound(w, r, "no such thread")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	msgs, err := s.store.Thread(ctx, id)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if len(msgs) == 0 {
		s.notFound(w, r, "no such thread")
		return
	}
	writeJSON(w, r, http.StatusOK, apiThread{Thread: id, Messages: msgs})
}

func (s *server) apiStats(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	st, err := s.store.Stats(ctx)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, st)
}

func (s *server) apiOpenAPI(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(openAPIDoc)))
	if r.Method != http.MethodHead {
		w.Write(openAPIDoc)
	}
}
