// Package web is dossier's reading room: a server-rendered site and a JSON
// API over one archive, as an [http.Handler].
//
// # Pages and API
//
// The site is plain HTML from html/template (templates and one style sheet
// embedded), usable without JavaScript, loading nothing from another host.
// Every document has a page at /doc/{number} with its metadata, parent
// chain, children, thread, extracted text, authenticity panel and a
// download of its exact original bytes at /doc/{number}/raw. The JSON API
// lives under /api/v1/ and is described by the OpenAPI document served at
// /api/v1/openapi.json. docs/web.md lists every route.
//
// # People
//
// When the store is also a [PeopleStore] (it keeps a watchlist), /people
// lists every watched person and organisation with the number of
// documents that mention them, and /person/{name} is one's dossier: the
// counts and how they are made, a timeline, who else is mentioned with
// them, their correspondents, the documents with the places they were
// found, and a CSV export of every one. Without it those addresses are
// 404.
//
// # Safety
//
// Everything shown comes from a leak and is treated as hostile: output is
// escaped by html/template, bidirectional and control characters are shown
// as escapes, originals are only ever served as downloads
// (Content-Disposition: attachment, nosniff, CSP sandbox), and an HTML
// message body is sanitised and shown only inside a sandboxed frame whose
// own policy blocks every load. Every response carries a strict
// Content-Security-Policy without inline script.
//
// # Public mode
//
// With [Config.Public], the handler is the public site: it runs over a
// store that holds only published documents (the public projection that
// package publish writes) and must be a [PublicStore]. Readers are
// anonymous (no token, no login); there are no people pages; every 404
// is the same page whatever was asked, so nothing tells an unpublished
// number from one that never existed; a withdrawn document answers 410
// with its public notice; originals are served only for documents the
// store holds. It adds /releases, /release/{name}, an Atom feed
// (/releases.atom), a sitemap, and, with [Config.LogDir], the
// transparency log under /log/ and a proof bundle per document
// (/doc/{number}/proof). [Config.Static] renders pages for a static
// mirror, which [ExportSite] writes.
//
// # Access
//
// With [Config.Token] set, every request must present the token: a cookie
// set by the /login form (an HMAC of the token, not the token itself) or an
// Authorization: Bearer header. Without a token the server is meant for
// loopback only; the command that listens enforces that.
//
// # Storage
//
// The handler reads through [Store], a small interface over the metadata
// store, and a [blobstore.Fetcher] for originals; it never writes, holds no
// lock, and sees documents committed by a concurrent ingest as they land.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/newsroom/dossier/internal/blobstore"
	"github.com/newsroom/dossier/internal/dkim"
	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/tlog"
)

// ErrNotFound is what a [Store] returns (possibly wrapped) for a document
// that does not exist: meta.ErrNotFound.
var ErrNotFound = meta.ErrNotFound

// Store is what the reading room reads from the metadata store. Every
// method is safe for concurrent use and sees the latest committed state.
type Store interface {
	// Doc returns the document with the given id, or ErrNotFound.
	Doc(ctx context.Context, id string) (*meta.Document, error)
	// DocByNum returns the document with a permanent number, or
	// ErrNotFound.
	DocByNum(ctx context.Context, num int64) (*meta.Document, error)
	// DocsBySHA256 returns every document with these bytes (lowercase hex
	// SHA-256), in number order; none is not an error.
	DocsBySHA256(ctx context.Context, sha string) ([]*meta.Document, error)
	// Children returns a document's children in number order.
	Children(ctx context.Context, id string) ([]*meta.Document, error)
	// Thread returns the indexed messages of a thread in date order.
	Thread(ctx context.Context, thread string) ([]*meta.Document, error)
	// Text returns a document's extracted text, "" if none.
	Text(ctx context.Context, num int64) (string, error)
	// Search runs a query in the language of package query. A malformed
	// query is an error wrapping *query.SyntaxError, an empty one
	// query.ErrEmpty.
	Search(ctx context.Context, req meta.SearchRequest) (*meta.SearchResult, error)
	// Collections returns every collection name with its document count.
	Collections(ctx context.Context) (map[string]int64, error)
	// Stats summarises the archive.
	Stats(ctx context.Context) (*Stats, error)
	// Auth returns a message's authenticity report, or nil, nil when it
	// has none (not an email, or not verified yet).
	Auth(ctx context.Context, num int64) (*dkim.Report, error)
}

// Stats summarises an archive. Its JSON form is that of `dossier stats
// --json`.
type Stats struct {
	Documents   meta.Counts            `json:"documents"`
	ByKind      map[string]int64       `json:"by_type"`
	Collections map[string]meta.Counts `json:"collections"`
	Blobs       int64                  `json:"blobs"`
	BlobBytes   int64                  `json:"blob_bytes"`
	Emails      int64                  `json:"emails"`
	Threads     int64                  `json:"threads"`
	FirstDate   *time.Time             `json:"first_date,omitempty"`
	LastDate    *time.Time             `json:"last_date,omitempty"`
	Format      int                    `json:"format"`
	// DKIM counts verified messages by verdict; Keys is the number of
	// key observations in the key archive.
	DKIM map[string]int64 `json:"dkim"`
	Keys int64            `json:"dkim_keys"`
}

// Config configures the reading room.
type Config struct {
	Store Store
	// Blobs holds the originals; every read is verified against its hash.
	Blobs blobstore.Fetcher
	// Token, when set, is required on every request (see the package
	// documentation). It must be at least MinTokenLen bytes.
	Token string
	// SecureCookies marks the login cookie Secure even on plain HTTP
	// requests (behind a TLS-terminating proxy). It is always Secure on
	// TLS requests.
	SecureCookies bool
	// BaseURL, e.g. "https://archive.example.org", makes absolute links in
	// OpenGraph metadata; by default they are built from the request.
	BaseURL string
	// Logger receives internal errors and recovered panics; nil discards
	// them.
	Logger *slog.Logger
	// Name is shown in page titles; "dossier" by default.
	Name string

	// Public serves the public site (see the package documentation):
	// Store must be a [PublicStore] holding only published documents,
	// and Token must be empty.
	Public bool
	// Static renders pages for a static mirror ([ExportSite]): no search
	// box, facets, search links or API links, and collection pages paged
	// by path (/collection/{name}/page/{n}) rather than by query.
	Static bool
	// LogDir is the transparency log's directory (C2SP tlog-tiles), in
	// public mode: served read-only under /log/, and read to build the
	// proof bundles of /doc/{number}/proof. Empty: no log, no proofs.
	LogDir string
	// LogKey is the log's verifier key (signed-note format); required
	// with LogDir. It is shown on /log for readers to verify with.
	LogKey string
}

// MinTokenLen is the shortest access token accepted.
const MinTokenLen = 16

// server is the reading room.
type server struct {
	cfg   Config
	store Store
	// people is the store as a PeopleStore, nil if it is not one.
	people PeopleStore
	blobs  blobstore.Fetcher
	log    *slog.Logger
	tmpl   *templates
	api    *apiRouter
	// session is the login cookie's expected value (an HMAC of the
	// token); empty without a token.
	session string
	// public is the store as a PublicStore, in public mode only.
	public PublicStore
	// proofs reads the log, nil without Config.LogDir.
	proofs *tlog.Reader
}

// New returns the reading room's handler for cfg.
func New(cfg Config) (http.Handler, error) {
	if cfg.Store == nil || cfg.Blobs == nil {
		return nil, errors.New("web: a store and a blob fetcher are required")
	}
	if cfg.Token != "" && len(cfg.Token) < MinTokenLen {
		return nil, fmt.Errorf("web: access token too short (%d bytes; at least %d)", len(cfg.Token), MinTokenLen)
	}
	if cfg.Name == "" {
		cfg.Name = "dossier"
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	s := &server{cfg: cfg, store: cfg.Store, blobs: cfg.Blobs, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if cfg.Public {
		ps, ok := cfg.Store.(PublicStore)
		if !ok {
			return nil, errors.New("web: a public site needs a PublicStore (the public projection)")
		}
		if cfg.Token != "" {
			return nil, errors.New("web: a public site takes no access token")
		}
		s.public = ps
		// Originals only of documents the projection holds, whatever
		// asks for them.
		s.blobs = &publishedBlobs{store: cfg.Store, blobs: cfg.Blobs}
	} else {
		// Watchlists are private: the public site has no people pages.
		s.people, _ = cfg.Store.(PeopleStore)
	}
	if cfg.LogDir != "" {
		if !cfg.Public {
			return nil, errors.New("web: the transparency log is served by the public site only")
		}
		r, err := tlog.NewReader(tlog.DirFetcher{Dir: cfg.LogDir}, cfg.LogKey)
		if err != nil {
			return nil, fmt.Errorf("web: log key: %w", err)
		}
		s.proofs = r
	}
	if cfg.Token != "" {
		s.session = sessionValue(cfg.Token)
	}
	t, err := parseTemplates(s.templateFuncs())
	if err != nil {
		return nil, err
	}
	s.tmpl = t
	s.api = s.newAPI()
	return s.handler(), nil
}

// handler assembles the routes and the middleware around them.
func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	page := func(pattern string, h func(http.ResponseWriter, *http.Request)) {
		mux.Handle(pattern, s.methods(http.HandlerFunc(h), http.MethodGet, http.MethodHead))
	}
	page("/{$}", s.home)
	page("/search", s.search)
	page("/help/search", s.helpSearch)
	page("/doc/{num}", s.docPage)
	page("/doc/{num}/raw", s.raw)
	page("/doc/{num}/html", s.htmlBody)
	page("/sha256/{hex}", s.sha256Page)
	page("/collection/{name}", s.collectionPage)
	page("/collection/{name}/page/{page}", s.collectionPage)
	page("/thread/{id}", s.threadPage)
	page("/id/{id}", s.idRedirect)
	page("/static/{file}", s.static)
	page("/robots.txt", s.robots)
	if s.cfg.Public {
		page("/releases", s.releasesPage)
		page("/release/{name}", s.releasePage)
		page("/release/{name}/page/{page}", s.releasePage)
		page("/releases.atom", s.feed)
		page("/sitemap.xml", s.sitemap)
		page("/sitemaps/{file}", s.sitemapPart)
		if s.proofs != nil {
			page("/doc/{num}/proof", s.proof)
			page("/log", s.logPage)
			page("/log/about", s.logPage)
			log := s.logFiles(http.StripPrefix("/log", tlog.Handler(s.cfg.LogDir)))
			mux.Handle("/log/", s.methods(openCORS(log), http.MethodGet, http.MethodHead))
		}
	} else {
		page("/people", s.peoplePage)
		page("/person/{name}", s.personPage)
		page("/person/{name}/documents.csv", s.personCSV)
		mux.Handle("/login", s.methods(http.HandlerFunc(s.login), http.MethodGet, http.MethodHead, http.MethodPost))
		mux.Handle("/logout", s.methods(http.HandlerFunc(s.logout), http.MethodPost))
	}
	mux.Handle("/api/", s.api)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.notFound(w, r, "There is no page at this address.")
	})
	var h http.Handler = mux
	h = s.requireAccess(h)
	h = http.NewCrossOriginProtection().Handler(h)
	h = s.limits(h)
	h = securityHeaders(h)
	h = s.recoverer(h)
	return &site{Handler: h, base: s.cfg.BaseURL}
}

// site is the handler New returns; ExportSite asks it for the base URL
// its absolute links use.
type site struct {
	http.Handler
	base string
}

// requestTimeout bounds the work of one page or API call (downloads of
// originals excepted: they stream as fast as the client reads).
const requestTimeout = 30 * time.Second

// Loopback reports whether addr (host:port, as given to net.Listen)
// listens on loopback only. An empty host means every interface, and a
// host name other than localhost may resolve anywhere: both are not
// loopback.
func Loopback(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("bad listen address %q: %w", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}
