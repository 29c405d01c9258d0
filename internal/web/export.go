package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/net/html"
)

// ExportOptions steer and bound [ExportSite].
type ExportOptions struct {
	// Start lists more site paths to crawl from, besides "/",
	// "/releases", "/sitemap.xml", "/releases.atom", "/robots.txt",
	// "/log" and the style sheet.
	Start []string
	// Allow, when set, is asked about every path (escaped, without a
	// query) before it is fetched, the starting ones included: false
	// leaves the path out of the export.
	Allow func(path string) bool
	// BaseURL is the address the site's absolute links use (sitemap,
	// feed, link previews): links to it are followed like root-relative
	// ones. By default, the Config.BaseURL of a handler made by [New];
	// else http://localhost.
	BaseURL string
	// MaxFiles and MaxBytes bound the export: past either, ExportSite
	// stops with an error wrapping [ErrExportLimit]. Zero means
	// DefaultExportMaxFiles and DefaultExportMaxBytes.
	MaxFiles int
	MaxBytes int64
}

// Default export bounds.
const (
	DefaultExportMaxFiles = 2_000_000
	DefaultExportMaxBytes = 1 << 40
)

// ErrExportLimit is returned (wrapped) by [ExportSite] when the export
// outgrows ExportOptions.MaxFiles or MaxBytes.
var ErrExportLimit = errors.New("export limit reached")

// ExportResult is what [ExportSite] wrote.
type ExportResult struct {
	// Files are the files written, in the order they were; the caller
	// writes a manifest from them.
	Files []ExportedFile
	// Bytes is their total size.
	Bytes int64
	// Skipped are the links found but not exported, with why: an address
	// with a query, one that cannot be a file name, one the crawl does
	// not follow (search, API, log), or an answer other than 200 or 410.
	Skipped []SkippedLink
}

// ExportedFile is one file of an export.
type ExportedFile struct {
	Path   string `json:"path"`   // slash-separated, relative to the export directory
	URL    string `json:"url"`    // the site path it was fetched from
	Status int    `json:"status"` // 200, or 410 for a withdrawal notice
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"` // of the bytes written
}

// SkippedLink is a link an export did not follow.
type SkippedLink struct {
	URL    string `json:"url"`
	Reason string `json:"reason"`
}

// notFollowed are the site's dynamic or separately copied areas: search,
// API and login need the server; the log's files are copied by the caller.
var notFollowed = []string{"/search", "/api/", "/login", "/logout", "/log/", "/id/"}

// ExportSite writes the site that h serves into dir as static files, so
// that any static file server serves it as a mirror. It crawls h in
// process, from "/", "/releases", "/sitemap.xml" and the other starting
// paths, following every link to the same site in pages (href and src),
// sitemaps (loc) and the feed (href), except into search, the API, login,
// /id/ redirects and the log (/log/, which the caller copies; the page
// /log is exported). h is meant to be a public site made by [New] with
// Config.Static.
//
// Pages are written as PATH/index.html ("/" as index.html), so that
// /doc/12 and its original /doc/12/raw (a file) coexist; originals,
// proofs, sitemaps, the feed, robots.txt and the style sheet are written
// at their paths. Every root-relative link in a page is rewritten
// relative to the page, so the mirror works under any path prefix; the
// absolute links of the sitemap, feed and link previews use the base URL.
// A withdrawal notice (410) is written like a page. Paths whose
// unescaped segments are empty, ".", "..", or hold a slash, backslash or
// control character are never written (see ExportResult.Skipped); files
// are created through an [os.Root] on dir, so nothing lands outside it.
//
// A static server cannot send the live site's headers: serve the mirror
// with the ones docs/web.md lists (above all Content-Disposition:
// attachment and Content-Security-Policy: sandbox on doc/*/raw).
func ExportSite(ctx context.Context, h http.Handler, dir string, opts ExportOptions) (*ExportResult, error) {
	base := opts.BaseURL
	if st, ok := h.(*site); ok && base == "" {
		base = st.base
	}
	if base == "" {
		base = "http://localhost"
	}
	bu, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (bu.Scheme != "http" && bu.Scheme != "https") || bu.Host == "" {
		return nil, fmt.Errorf("export site: base URL %q is not an http(s) address", base)
	}
	if opts.MaxFiles <= 0 {
		opts.MaxFiles = DefaultExportMaxFiles
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultExportMaxBytes
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("export site: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("export site: %w", err)
	}
	defer root.Close()
	x := &exporter{ctx: ctx, h: h, root: root, base: bu, opts: opts, res: &ExportResult{}, seen: map[string]bool{},
		skipped: map[string]bool{}}
	if base != "http://localhost" {
		x.live = strings.TrimRight(base, "/")
	}
	for _, p := range append([]string{"/", "/releases", "/sitemap.xml", "/releases.atom", "/robots.txt", "/log",
		"/static/style.css"}, opts.Start...) {
		x.enqueue(p)
	}
	for len(x.queue) > 0 {
		if err := ctx.Err(); err != nil {
			return x.res, fmt.Errorf("export site: %w", err)
		}
		p := x.queue[0]
		x.queue = x.queue[1:]
		if err := x.fetch(p); err != nil {
			return x.res, fmt.Errorf("export site: %s: %w", p, err)
		}
	}
	return x.res, nil
}

// exporter is one run of ExportSite.
type exporter struct {
	ctx     context.Context
	h       http.Handler
	root    *os.Root
	base    *url.URL
	opts    ExportOptions
	res     *ExportResult
	queue   []string        // escaped paths to fetch
	seen    map[string]bool // by file name: each file is fetched once
	skipped map[string]bool
	tmp     int
	live    string // the public site's address, for links to what is left out; "" without one
}

func (x *exporter) skip(link, reason string) {
	if !x.skipped[link] {
		x.skipped[link] = true
		x.res.Skipped = append(x.res.Skipped, SkippedLink{URL: link, Reason: reason})
	}
}

// enqueue adds a site path (escaped, no query) to the crawl, unless it is
// not to be followed, cannot be a file, or was seen.
func (x *exporter) enqueue(p string) {
	for _, pre := range notFollowed {
		if p == strings.TrimSuffix(pre, "/") && pre != "/log/" || strings.HasPrefix(p, pre) {
			x.skip(p, "not exported (dynamic, or copied separately)")
			return
		}
	}
	if x.opts.Allow != nil && !x.opts.Allow(p) {
		return
	}
	name, _, err := exportName(p)
	if err != nil {
		x.skip(p, err.Error())
		return
	}
	if x.seen[name] {
		return
	}
	x.seen[name] = true
	x.queue = append(x.queue, p)
}

// fetch gets one path from the handler and writes it.
func (x *exporter) fetch(p string) error {
	if len(x.res.Files) >= x.opts.MaxFiles {
		return fmt.Errorf("%w: %d files", ErrExportLimit, x.opts.MaxFiles)
	}
	name, page, err := exportName(p)
	if err != nil {
		return err // checked by enqueue
	}
	x.tmp++
	tmpName := ".export-tmp-" + strconv.Itoa(x.tmp)
	f, err := x.root.OpenFile(tmpName, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	defer x.root.Remove(tmpName) // gone once renamed
	rec := &fileRecorder{f: f, h: sha256.New(), header: http.Header{}, budget: x.opts.MaxBytes - x.res.Bytes}
	req := httptest.NewRequestWithContext(x.ctx, http.MethodGet, x.base.Scheme+"://"+x.base.Host+p, nil)
	x.h.ServeHTTP(rec, req)
	cerr := f.Close()
	if rec.over {
		return fmt.Errorf("%w: %d bytes", ErrExportLimit, x.opts.MaxBytes)
	}
	if rec.err != nil {
		return rec.err
	}
	if cerr != nil {
		return cerr
	}
	code := rec.status()
	if code != http.StatusOK && code != http.StatusGone {
		x.skip(p, "answered "+strconv.Itoa(code))
		return nil
	}
	ctype := rec.header.Get("Content-Type")
	size, sum := rec.n, hex.EncodeToString(rec.h.Sum(nil))
	switch {
	case page && strings.HasPrefix(ctype, "text/html"):
		b, err := x.root.ReadFile(tmpName)
		if err != nil {
			return err
		}
		out, links := rewritePage(b, p, x.outside)
		for _, l := range links {
			x.follow(l)
		}
		if err := x.root.WriteFile(tmpName, out, 0o644); err != nil {
			return err
		}
		s := sha256.Sum256(out)
		size, sum = int64(len(out)), hex.EncodeToString(s[:])
	case strings.Contains(ctype, "xml"):
		b, err := x.root.ReadFile(tmpName)
		if err != nil {
			return err
		}
		for _, l := range xmlLinks(b) {
			x.follow(l)
		}
	}
	if dir := path.Dir(name); dir != "." {
		if err := x.root.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	if err := x.root.Rename(tmpName, name); err != nil {
		return err
	}
	x.res.Files = append(x.res.Files, ExportedFile{Path: name, URL: p, Status: code, Size: size, SHA256: sum})
	x.res.Bytes += size
	return nil
}

// follow queues a link found in a page, sitemap or feed if it leads to
// this site.
func (x *exporter) follow(link string) {
	u, err := url.Parse(link)
	if err != nil {
		x.skip(link, "not a URL")
		return
	}
	p := u.EscapedPath()
	switch {
	case u.Scheme == "" && u.Host == "" && strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//"):
	case u.Scheme == x.base.Scheme && u.Host == x.base.Host && strings.HasPrefix(p, x.base.EscapedPath()+"/"):
		p = strings.TrimPrefix(p, x.base.EscapedPath())
	default:
		return // another site, or a fragment of this page
	}
	if u.RawQuery != "" || u.ForceQuery {
		x.skip(link, "has a query: a static mirror cannot answer it")
		return
	}
	x.enqueue(p)
}

// fileRecorder is an http.ResponseWriter that writes the body to a file,
// hashing and counting it, within a byte budget.
type fileRecorder struct {
	f      *os.File
	h      hash.Hash
	header http.Header
	code   int
	n      int64
	budget int64
	over   bool
	err    error
}

func (r *fileRecorder) Header() http.Header { return r.header }

func (r *fileRecorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}

func (r *fileRecorder) status() int {
	if r.code == 0 {
		return http.StatusOK
	}
	return r.code
}

func (r *fileRecorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	if r.err != nil {
		return 0, r.err
	}
	if r.n+int64(len(b)) > r.budget {
		r.over = true
		r.err = ErrExportLimit
		return 0, r.err
	}
	if r.status() != http.StatusOK && r.status() != http.StatusGone {
		return len(b), nil // not kept
	}
	n, err := r.f.Write(b)
	r.h.Write(b[:n])
	r.n += int64(n)
	if err != nil {
		r.err = err
	}
	return n, err
}

// exportName is the file a site path is written to, relative to the
// export directory, and whether the path is a page (a directory with an
// index.html) rather than a file. It refuses paths that cannot safely be
// file names.
func exportName(p string) (name string, page bool, err error) {
	if p == "/" {
		return "index.html", true, nil
	}
	if !strings.HasPrefix(p, "/") {
		return "", false, errors.New("not a site path")
	}
	escaped := strings.Split(p[1:], "/")
	segs := make([]string, len(escaped))
	for i, e := range escaped {
		s, err := url.PathUnescape(e)
		if err != nil {
			return "", false, errors.New("malformed escape")
		}
		if err := safeSegment(s); err != nil {
			return "", false, err
		}
		segs[i] = s
	}
	name = strings.Join(segs, "/")
	if isFileRoute(segs) {
		return name, false, nil
	}
	return name + "/index.html", true, nil
}

// safeSegment refuses a path segment that is not a plain file name.
func safeSegment(s string) error {
	switch {
	case s == "" || s == "." || s == "..":
		return fmt.Errorf("path segment %q is not a file name", s)
	case len(s) > 200:
		return errors.New("path segment too long for a file name")
	case strings.HasPrefix(s, ".export-tmp"):
		return errors.New("reserved file name")
	case strings.IndexFunc(s, func(r rune) bool { return r == '/' || r == '\\' || r == 0 || unicode.IsControl(r) }) >= 0:
		return fmt.Errorf("path segment %q holds a separator or control character", s)
	}
	return nil
}

// isFileRoute reports whether the site path of these segments is a file
// (an original, a proof, a sitemap...) rather than a page.
func isFileRoute(segs []string) bool {
	switch {
	case len(segs) == 1:
		return segs[0] == "robots.txt" || segs[0] == "sitemap.xml" || segs[0] == "releases.atom"
	case segs[0] == "static" || segs[0] == "sitemaps" || segs[0] == "log":
		return true
	case len(segs) == 3 && segs[0] == "doc":
		return segs[2] == "raw" || segs[2] == "html" || segs[2] == "proof"
	}
	return false
}

// linkAttrs are the attributes whose URLs a page links to.
var linkAttrs = map[string]bool{"href": true, "src": true, "action": true, "poster": true}

// outside rewrites a root-relative link to a path opts.Allow leaves out
// of the export: to the live site when the export was given a base URL,
// else to nothing (the link's text stays, unlinked). ok is false for links
// the export holds.
func (x *exporter) outside(link string) (string, bool) {
	if x.opts.Allow == nil || !strings.HasPrefix(link, "/") || strings.HasPrefix(link, "//") {
		return "", false
	}
	u, err := url.Parse(link)
	if err != nil || u.Host != "" || x.opts.Allow(u.EscapedPath()) {
		return "", false
	}
	if x.live == "" {
		return "", true
	}
	return x.live + link, true
}

// rewritePage returns page, served at site path p, with every
// root-relative link made relative to it, and the links it found (as
// written). outside, when it answers true for a link, replaces it (an
// empty replacement drops the attribute): a link to what the export
// leaves out must not dangle.
func rewritePage(b []byte, p string, outside func(string) (string, bool)) ([]byte, []string) {
	_, isPage, _ := exportName(p)
	depth := strings.Count(strings.Trim(p, "/"), "/") + 1 // a page's file is PATH/index.html
	if p == "/" {
		depth = 0
	} else if !isPage {
		depth--
	}
	var out bytes.Buffer
	var links []string
	z := html.NewTokenizer(bytes.NewReader(b))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		raw := z.Raw()
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			out.Write(raw)
			continue
		}
		tok := z.Token()
		changed := false
		attrs := tok.Attr[:0]
		for _, a := range tok.Attr {
			if a.Namespace != "" || !linkAttrs[a.Key] {
				attrs = append(attrs, a)
				continue
			}
			if outside != nil {
				if live, ok := outside(a.Val); ok {
					changed = true
					if live != "" {
						a.Val = live
						attrs = append(attrs, a)
					}
					continue
				}
			}
			links = append(links, a.Val)
			if rel, ok := relativeLink(a.Val, depth); ok {
				a.Val = rel
				changed = true
			}
			attrs = append(attrs, a)
		}
		tok.Attr = attrs
		if changed {
			out.WriteString(tok.String())
		} else {
			out.Write(raw)
		}
	}
	return out.Bytes(), links
}

// relativeLink rewrites a root-relative link ("/doc/12#x") for a page
// depth directories below the root ("../../doc/12/#x"); a link to a page
// ends in "/" (its index.html), one to a file does not. Links with a
// query, and links that are not root-relative, are left as they are.
func relativeLink(link string, depth int) (string, bool) {
	if !strings.HasPrefix(link, "/") || strings.HasPrefix(link, "//") || strings.HasPrefix(link, "/\\") {
		return "", false
	}
	u, err := url.Parse(link)
	if err != nil || u.RawQuery != "" || u.ForceQuery || u.Host != "" {
		return "", false
	}
	_, page, err := exportName(u.EscapedPath())
	if err != nil {
		return "", false
	}
	target := strings.TrimPrefix(u.EscapedPath(), "/")
	if page && target != "" {
		target += "/"
	}
	rel := strings.Repeat("../", depth) + target
	if rel == "" {
		rel = "./"
	}
	if u.Fragment != "" {
		rel += "#" + u.EscapedFragment()
	}
	return rel, true
}

// xmlLinks returns the URLs of a sitemap (loc) or Atom feed (href).
func xmlLinks(b []byte) []string {
	var out []string
	d := xml.NewDecoder(bytes.NewReader(b))
	inLoc := false
	for {
		t, err := d.Token()
		if err != nil {
			return out // io.EOF, or a malformed document: what was read
		}
		switch t := t.(type) {
		case xml.StartElement:
			inLoc = t.Name.Local == "loc"
			for _, a := range t.Attr {
				if a.Name.Local == "href" {
					out = append(out, a.Value)
				}
			}
		case xml.CharData:
			if inLoc {
				out = append(out, strings.TrimSpace(string(t)))
			}
		case xml.EndElement:
			inLoc = false
		}
	}
}
