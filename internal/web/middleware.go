package web

import (
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
)

// Content-Security-Policy values.
const (
	// cspPage is every page's policy: nothing from another origin, no
	// inline script or style, no framing of the site by others.
	cspPage = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
	// cspRaw is an original's policy: should a browser ever render it, it
	// runs in a unique origin with no script.
	cspRaw = "sandbox; default-src 'none'; frame-ancestors 'none'"
	// cspMailHTML is the sanitised HTML body's policy: framed only by the
	// site's own pages, no script, no load of any kind (remote images,
	// fonts, style sheets: tracking pixels stay silent); inline style only.
	cspMailHTML = "sandbox; default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)

// securityHeaders sets the headers every response carries. Handlers that
// serve other content (originals, the framed HTML body) replace the CSP.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", cspPage)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// Request size limits.
const (
	maxPathBytes  = 2048
	maxQueryBytes = 4096
	maxQueryText  = 1024 // the q parameter
	maxFormBytes  = 4096 // the login form
)

// limits refuses oversized request targets before any work is done.
func (s *server) limits(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.URL.RawQuery) > maxQueryBytes || len(r.URL.EscapedPath()) > maxPathBytes {
			s.fail(w, r, http.StatusRequestURITooLong, "uri_too_long",
				fmt.Sprintf("The address is too long (at most %d bytes of path and %d of query).", maxPathBytes, maxQueryBytes))
			return
		}
		if r.ContentLength > maxFormBytes {
			s.fail(w, r, http.StatusRequestEntityTooLarge, "payload_too_large", "The request body is too large.")
			return
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		}
		next.ServeHTTP(w, r)
	})
}

// methods answers 405 to any method not in allowed.
func (s *server) methods(next http.Handler, allowed ...string) http.Handler {
	allow := strings.Join(allowed, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !slices.Contains(allowed, r.Method) {
			w.Header().Set("Allow", allow)
			s.fail(w, r, http.StatusMethodNotAllowed, "method_not_allowed", "This address does not accept "+r.Method+" requests.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// statusWriter remembers whether the response has started.
type statusWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	w.wrote = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// recoverer turns a panic in a handler into a logged error and a clean
// error page: never a stack trace to the client.
func (s *server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if err, ok := p.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(p)
			}
			s.log.Error("web: panic serving request", "method", r.Method, "path", r.URL.Path,
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if !sw.wrote {
				s.fail(sw, r, http.StatusInternalServerError, "internal", "Something went wrong on the server; the error has been logged.")
			}
		}()
		next.ServeHTTP(sw, r)
	})
}
