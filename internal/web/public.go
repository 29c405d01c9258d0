package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/newsroom/dossier/internal/blob"
	"github.com/newsroom/dossier/internal/blobstore"
	"github.com/newsroom/dossier/internal/publish"
)

// PublicStore is what the public site reads besides [Store]: the public
// projection's own records of releases, withdrawals and log entries
// (package publish writes them). Its documents are the [Store]'s: only
// published ones. Every method is safe for concurrent use; a projection
// that has never received anything is empty, not an error.
type PublicStore interface {
	// PublicReleases lists the published releases, newest first.
	PublicReleases(ctx context.Context) ([]publish.PublicRelease, error)
	// PublicWithdrawals lists the withdrawal notices of document num (0:
	// of every document), newest first.
	PublicWithdrawals(ctx context.Context, num int64) ([]publish.Withdrawal, error)
	// PublicLog returns the log entries kept for document num (its
	// publications and withdrawals), oldest first; none for a number
	// that was never published.
	PublicLog(ctx context.Context, num int64) ([]publish.LogRecord, error)
	// PublicReleaseDocs returns at most limit of the documents published
	// by release name, in number order from offset, and how many there
	// are in all.
	PublicReleaseDocs(ctx context.Context, name string, offset, limit int) ([]ReleaseDoc, int, error)
	// PublicDocs returns at most limit of the published documents, in
	// number order from offset, and how many there are in all.
	PublicDocs(ctx context.Context, offset, limit int) ([]PublishedDoc, int, error)
}

// ReleaseDoc is one document a release published.
type ReleaseDoc struct {
	Num         int64
	LogIndex    uint64 // of its publish entry
	PublishedAt time.Time
	// Withdrawn is set when this publication was withdrawn (the document
	// may be public again through another release).
	Withdrawn bool
}

// PublishedDoc is a published document's number and publication time.
type PublishedDoc struct {
	Num         int64
	PublishedAt time.Time
}

// errUnpublished is what the public site's blob fetcher returns for bytes
// no published document has.
var errUnpublished = fmt.Errorf("not published: %w", blobstore.ErrNotFound)

// publishedBlobs serves only the blobs of documents the store holds: on
// the public site, the published ones. Pages reach originals through
// documents the store returned already; this check holds even if one day
// a route does not.
type publishedBlobs struct {
	store Store
	blobs blobstore.Fetcher
}

func (p *publishedBlobs) Fetch(ctx context.Context, ref blob.Ref) (io.ReadCloser, int64, error) {
	docs, err := p.store.DocsBySHA256(ctx, ref.String())
	if err != nil {
		return nil, 0, err
	}
	if len(docs) == 0 {
		return nil, 0, fmt.Errorf("blob %s: %w", ref, errUnpublished)
	}
	return p.blobs.Fetch(ctx, ref)
}

// openCORS lets pages of other sites read a public resource (the log, a
// proof): verifiers may run in a browser.
func openCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Cross-Origin-Resource-Policy", "cross-origin")
		next.ServeHTTP(w, r)
	})
}

// logFiles wraps the log's file handler: the site's own 404 wherever it
// would answer its plain one (or when nothing was ever logged), so that
// every 404 of the site looks the same.
func (s *server) logFiles(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := os.Stat(s.cfg.LogDir); err != nil {
			s.notFound(w, r, "") // nothing was ever logged
			return
		}
		nf := &notFoundWriter{w: w, header: http.Header{}}
		next.ServeHTTP(nf, r)
		if nf.notFound {
			s.notFound(w, r, "")
		}
	})
}

// notFoundWriter passes a response through, unless its status is 404:
// then it drops it and records that.
type notFoundWriter struct {
	w        http.ResponseWriter
	header   http.Header // until the status is known
	notFound bool
	started  bool
}

func (n *notFoundWriter) Header() http.Header {
	if n.started {
		return n.w.Header()
	}
	return n.header
}

func (n *notFoundWriter) WriteHeader(code int) {
	if n.started || n.notFound {
		return
	}
	if code == http.StatusNotFound {
		n.notFound = true
		return
	}
	n.started = true
	for k, v := range n.header {
		n.w.Header()[k] = v
	}
	n.w.WriteHeader(code)
}

func (n *notFoundWriter) Write(b []byte) (int, error) {
	n.WriteHeader(http.StatusOK)
	if n.notFound {
		return len(b), nil
	}
	return n.w.Write(b)
}

// withdrawal returns the latest withdrawal notice of num when the public
// site has one and the document is not public again, else nil.
func (s *server) withdrawal(ctx context.Context, num int64) (*publish.Withdrawal, error) {
	if s.public == nil {
		return nil, nil
	}
	ws, err := s.public.PublicWithdrawals(ctx, num)
	if err != nil || len(ws) == 0 {
		return nil, err
	}
	return &ws[0], nil
}

// withdrawnView is the data of the withdrawal notice.
type withdrawnView struct {
	Num         int64
	Release     string
	PublishedAt time.Time
	WithdrawnAt time.Time
	Reason      string
	LogIndex    uint64
}

// gone answers 410 with a withdrawn document's public notice.
func (s *server) gone(w http.ResponseWriter, r *http.Request, wd *publish.Withdrawal) {
	if isAPI(r) {
		writeJSON(w, r, http.StatusGone, map[string]any{
			"error": apiError{Code: "withdrawn", Message: fmt.Sprintf("document %d was withdrawn on %s: %s", wd.Num,
				wd.WithdrawnAt.UTC().Format(time.RFC3339), wd.Reason)},
			"withdrawal": wd,
		})
		return
	}
	v := &withdrawnView{Num: wd.Num, Release: neutral(wd.Release), PublishedAt: wd.PublishedAt, WithdrawnAt: wd.WithdrawnAt,
		Reason: neutral(wd.Reason), LogIndex: wd.LogIndex}
	s.render(w, r, http.StatusGone, "withdrawn", &page{Title: fmt.Sprintf("Document %d withdrawn", wd.Num), Data: v})
}

// publication is a document's publication record on its page and in the
// API: one log entry.
type publication struct {
	Release  string    `json:"release"`
	Type     string    `json:"type"`
	Time     time.Time `json:"time"`
	LogIndex uint64    `json:"log_index"`
	// Entry is the entry's exact bytes (canonical JSON, see
	// docs/formats/log-entry.md).
	Entry string `json:"entry"`
}

// publications returns a published document's log entries, oldest first.
func (s *server) publications(ctx context.Context, num int64) ([]publication, error) {
	if s.public == nil {
		return nil, nil
	}
	recs, err := s.public.PublicLog(ctx, num)
	if err != nil {
		return nil, err
	}
	out := make([]publication, 0, len(recs))
	for _, r := range recs {
		out = append(out, publication{Release: r.Release, Type: r.Type, Time: r.Time.UTC(), LogIndex: r.LogIndex, Entry: string(r.Entry)})
	}
	return out, nil
}

// proof serves the proof bundle of a document's latest log entry (its
// publication; for a withdrawn document, its withdrawal).
func (s *server) proof(w http.ResponseWriter, r *http.Request) {
	s.serveProof(w, r, r.PathValue("num"))
}

func (s *server) serveProof(w http.ResponseWriter, r *http.Request, arg string) {
	if s.proofs == nil || !numRE.MatchString(arg) {
		s.notFound(w, r, "")
		return
	}
	num, _ := strconv.ParseInt(arg, 10, 64)
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	recs, err := s.public.PublicLog(ctx, num)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if len(recs) == 0 {
		s.notFound(w, r, "")
		return
	}
	last := slices.MaxFunc(recs, func(a, b publish.LogRecord) int { return cmpUint(a.LogIndex, b.LogIndex) })
	b, err := s.proofs.Prove(ctx, last.LogIndex)
	if err != nil {
		s.internal(w, r, fmt.Errorf("proof of document %d (log entry %d): %w", num, last.LogIndex, err))
		return
	}
	text, err := b.MarshalText()
	if err != nil {
		s.internal(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="dossier-%d.proof"`, num))
	h.Set("Content-Length", strconv.Itoa(len(text)))
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	if r.Method != http.MethodHead {
		w.Write(text)
	}
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// releaseRow is a release as listed.
type releaseRow struct {
	Name        string // neutralised
	Href        string
	PublishedAt time.Time
	Documents   int
	Withdrawn   int
}

// releaseRows lists the published releases, newest first, with the number
// of their documents withdrawn since.
func (s *server) releaseRows(ctx context.Context) ([]releaseRow, error) {
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
	out := make([]releaseRow, 0, len(rels))
	for _, r := range rels {
		out = append(out, releaseRow{Name: neutral(r.Name), Href: "/release/" + pathEscape(r.Name), PublishedAt: r.PublishedAt.UTC(),
			Documents: r.Documents, Withdrawn: gone[r.Name]})
	}
	return out, nil
}

// releasesView is the data of the releases page.
type releasesView struct {
	Releases    []releaseRow
	Withdrawals []withdrawnView
}

func (s *server) releasesPage(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	rows, err := s.releaseRows(ctx)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	ws, err := s.public.PublicWithdrawals(ctx, 0)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	v := &releasesView{Releases: rows}
	for _, wd := range ws {
		v.Withdrawals = append(v.Withdrawals, withdrawnView{Num: wd.Num, Release: neutral(wd.Release), PublishedAt: wd.PublishedAt,
			WithdrawnAt: wd.WithdrawnAt, Reason: neutral(wd.Reason), LogIndex: wd.LogIndex})
	}
	og := &openGraph{Title: "Releases", Type: "website", URL: s.absURL(r, "/releases"),
		Description: fmt.Sprintf("%d releases of documents published by %s.", len(rows), s.cfg.Name)}
	s.render(w, r, http.StatusOK, "releases", &page{Title: "Releases", OG: og, Data: v})
}

// releasePageSize is how many documents a release page lists.
const releasePageSize = 100

// releaseView is the data of a release's page.
type releaseView struct {
	releaseRow
	Docs        []releaseDocView
	Total       int
	Page, Pages int
	First       int
	Prev, Next  string
}

type releaseDocView struct {
	docLink
	LogIndex  uint64
	Withdrawn bool
}

// pageArg reads the {page} path value: 1 when absent; ok is false for
// anything but a whole number from 2 to maxPage (page 1 has no /page/1
// address, so that each page has one address).
func pageArg(r *http.Request) (int, bool) {
	p := r.PathValue("page")
	if p == "" {
		return 1, true
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 2 || n > maxPage || strconv.Itoa(n) != p {
		return 0, false
	}
	return n, true
}

func (s *server) releasePage(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	pageNum, ok := pageArg(r)
	if !ok {
		s.notFound(w, r, "")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	rows, err := s.releaseRows(ctx)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	i := slices.IndexFunc(rows, func(x releaseRow) bool { return x.Href == "/release/"+pathEscape(name) })
	if i < 0 {
		s.notFound(w, r, "")
		return
	}
	v := &releaseView{releaseRow: rows[i], Page: pageNum}
	docs, total, err := s.public.PublicReleaseDocs(ctx, name, (pageNum-1)*releasePageSize, releasePageSize)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	v.Total = total
	v.Pages = max(1, (total+releasePageSize-1)/releasePageSize)
	if pageNum > v.Pages {
		s.notFound(w, r, "")
		return
	}
	v.First = (pageNum-1)*releasePageSize + 1
	link := func(n int) string {
		if n == 1 {
			return rows[i].Href
		}
		return rows[i].Href + "/page/" + strconv.Itoa(n)
	}
	if pageNum > 1 {
		v.Prev = link(pageNum - 1)
	}
	if pageNum < v.Pages {
		v.Next = link(pageNum + 1)
	}
	for _, rd := range docs {
		dv := releaseDocView{LogIndex: rd.LogIndex, Withdrawn: rd.Withdrawn}
		dv.Num = rd.Num
		if !rd.Withdrawn {
			d, err := s.store.DocByNum(ctx, rd.Num)
			if errors.Is(err, ErrNotFound) {
				continue // withdrawn from another release since: not public now
			}
			if err != nil {
				s.internal(w, r, err)
				return
			}
			dv.docLink = newDocLink(d)
		}
		v.Docs = append(v.Docs, dv)
	}
	title := "Release " + rows[i].Name
	og := &openGraph{Title: title, Type: "website", URL: s.absURL(r, rows[i].Href),
		Description: fmt.Sprintf("%s published %s on %s.", title, plural(rows[i].Documents, "document"),
			rows[i].PublishedAt.Format("2 January 2006"))}
	s.render(w, r, http.StatusOK, "release", &page{Title: title, OG: og, Data: v})
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return thousands(n) + " " + what + "s"
}

// logView is the data of the page about the transparency log.
type logView struct {
	Origin string
	Key    string
	Size   uint64
	Root   string
	// Checkpoint is the latest signed checkpoint, verbatim.
	Checkpoint string
	Base       string // the site's absolute address, for the commands shown
}

func (s *server) logPage(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	v := &logView{Key: strings.TrimSpace(s.cfg.LogKey), Base: s.absURL(r, "")}
	cp, err := s.proofs.Checkpoint(ctx)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// Nothing was ever logged: the page, without a checkpoint.
	case err != nil:
		s.internal(w, r, err)
		return
	default:
		v.Origin, v.Size, v.Checkpoint = neutral(cp.Origin), cp.Size, string(cp.Raw)
		v.Root = fmt.Sprintf("%x", cp.Root)
	}
	og := &openGraph{Title: "The transparency log", Type: "website", URL: s.absURL(r, "/log"),
		Description: "Every publication and withdrawal is an entry of a public, append-only log that anyone can verify offline."}
	s.render(w, r, http.StatusOK, "log", &page{Title: "Transparency log", OG: og, Data: v})
}

// robots serves robots.txt: the public site invites crawlers to its
// pages (not to search or the API) and names its sitemap; the private
// workspace turns them all away.
func (s *server) robots(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	b.WriteString("User-agent: *\n")
	if s.cfg.Public {
		b.WriteString("Disallow: /search\nDisallow: /api/\n\n")
		b.WriteString("Sitemap: " + s.absURL(r, "/sitemap.xml") + "\n")
	} else {
		b.WriteString("Disallow: /\n")
	}
	writeText(w, r, "text/plain; charset=utf-8", []byte(b.String()))
}

func writeText(w http.ResponseWriter, r *http.Request, ctype string, b []byte) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	if r.Method != http.MethodHead {
		w.Write(b)
	}
}
