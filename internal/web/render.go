package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pageNames are the page templates; each defines "content" and is
// rendered inside "layout".
var pageNames = []string{"home", "search", "help", "doc", "list", "thread", "error", "login", "people", "person",
	"releases", "release", "withdrawn", "log"}

type templates struct {
	pages map[string]*template.Template
}

// parseTemplates parses the templates with funcs and a server's own
// functions (extra), which templates call to know the site's mode.
func parseTemplates(extra template.FuncMap) (*templates, error) {
	base, err := template.New("layout.html").Funcs(funcs).Funcs(extra).ParseFS(templateFS, "templates/layout.html", "templates/parts.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	t := &templates{pages: map[string]*template.Template{}}
	for _, name := range pageNames {
		c, err := base.Clone()
		if err != nil {
			return nil, fmt.Errorf("web: templates: %w", err)
		}
		if _, err := c.ParseFS(templateFS, "templates/"+name+".html"); err != nil {
			return nil, fmt.Errorf("web: templates: %w", err)
		}
		t.pages[name] = c
	}
	return t, nil
}

var funcs = template.FuncMap{
	"date": func(t any) string { return timeFormat(t, "2006-01-02 15:04 -0700") },
	"day":  func(t any) string { return timeFormat(t, "2006-01-02") },
	// utc is a time in UTC to the second, as log entries write it.
	"utc":   func(t any) string { return timeFormat(t, time.RFC3339) },
	"bytes": humanBytes,
	"num":   thousands,
	"add":   func(a, b int) int { return a + b },
	// documents is "1 document", "12 documents".
	"documents": func(n any) string {
		if s := thousands(n); s != "1" {
			return s + " documents"
		}
		return "1 document"
	},
}

// templateFuncs are the functions templates call to know the site's mode:
// public (the public site), static (rendered for a static mirror: no
// search, no API) and log (the transparency log is served).
func (s *server) templateFuncs() template.FuncMap {
	return template.FuncMap{
		"public": func() bool { return s.cfg.Public },
		"static": func() bool { return s.cfg.Static },
		"log":    func() bool { return s.proofs != nil },
	}
}

// page is what the layout needs, around a page's own data.
type page struct {
	Site     string
	Title    string
	Query    string // pre-fills the search box
	Sort     string
	OG       *openGraph
	LoggedIn bool // access token in use: offer to log out
	People   bool // the store keeps a watchlist: link to the people pages
	HideBar  bool // the page has its own search box
	Data     any
}

// openGraph is the link-preview metadata of a page.
type openGraph struct {
	Title, Description, URL string
	// Type is og:type: "article" (a document) by default, "website".
	Type string
}

// render writes a page with status code.
func (s *server) render(w http.ResponseWriter, r *http.Request, code int, name string, p *page) {
	p.Site = s.cfg.Name
	p.LoggedIn = s.session != ""
	p.People = s.people != nil
	var buf bytes.Buffer
	if err := s.tmpl.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		s.log.Error("web: render", "page", name, "path", r.URL.Path, "err", err)
		if name != "error" {
			s.fail(w, r, http.StatusInternalServerError, "internal", "The page could not be rendered; the error has been logged.")
		} else {
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

// errorPage is the data of the error template.
type errorPage struct {
	Code    int
	Status  string
	Message string
	// Query, Caret and Help describe a malformed search.
	Query, Caret, Help string
}

// fail answers an error: JSON under /api/, an error page elsewhere.
func (s *server) fail(w http.ResponseWriter, r *http.Request, code int, apiCode, msg string) {
	if isAPI(r) {
		writeAPIError(w, r, code, apiError{Code: apiCode, Message: msg})
		return
	}
	s.render(w, r, code, "error", &page{Title: http.StatusText(code),
		Data: &errorPage{Code: code, Status: http.StatusText(code), Message: msg}})
}

// publicNotFound is the public site's one 404 message: the same for an
// unpublished document, one that never existed and any other address,
// so that no answer tells them apart.
const publicNotFound = "There is nothing published at this address."

func (s *server) notFound(w http.ResponseWriter, r *http.Request, msg string) {
	if s.cfg.Public {
		msg = publicNotFound
	}
	s.fail(w, r, http.StatusNotFound, "not_found", msg)
}

func (s *server) badRequest(w http.ResponseWriter, r *http.Request, msg string) {
	s.fail(w, r, http.StatusBadRequest, "bad_request", msg)
}

// internal logs err and answers a clean 500 (or nothing, when the client
// has gone away).
func (s *server) internal(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return
	}
	if errors.Is(err, context.DeadlineExceeded) {
		s.fail(w, r, http.StatusServiceUnavailable, "timeout", "The archive took too long to answer; try a narrower search.")
		return
	}
	s.log.Error("web: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	s.fail(w, r, http.StatusInternalServerError, "internal", "Something went wrong on the server; the error has been logged.")
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// static serves the embedded style sheet and script.
func (s *server) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	var ctype string
	switch {
	case strings.HasSuffix(name, ".css"):
		ctype = "text/css; charset=utf-8"
	case strings.HasSuffix(name, ".js"):
		ctype = "text/javascript; charset=utf-8"
	}
	b, err := fs.ReadFile(staticFS, "static/"+name)
	if ctype == "" || err != nil || strings.ContainsAny(name, "/\\") {
		s.notFound(w, r, "There is no such file.")
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "private, max-age=3600")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	if r.Method != http.MethodHead {
		w.Write(b)
	}
}

// timeFormat formats a time.Time or *time.Time ("" for nil); "utc"
// layouts (RFC 3339) convert to UTC first.
func timeFormat(v any, layout string) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x == nil {
			return ""
		}
		t = *x
	default:
		return ""
	}
	if layout == time.RFC3339 {
		t = t.UTC()
	}
	return t.Format(layout)
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}

// thousands writes n with thin separators: 12 345.
func thousands(n any) string {
	var v int64
	switch x := n.(type) {
	case int:
		v = int64(x)
	case int64:
		v = x
	default:
		return fmt.Sprint(n)
	}
	s := strconv.FormatInt(v, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString("\u202f")
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
