package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// cookieName is the login cookie.
const cookieName = "dossier_session"

// sessionValue is the login cookie's value for token: an HMAC keyed by the
// token, so the cookie proves knowledge of the token without holding it.
// It is stable across restarts and changes when the token changes.
func sessionValue(token string) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("dossier reading room session v1"))
	return hex.EncodeToString(m.Sum(nil))
}

// tokenEqual compares a presented token with the configured one in
// constant time (hashing first, so the length does not leak either).
func tokenEqual(presented, token string) bool {
	a, b := sha256.Sum256([]byte(presented)), sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// authorized reports whether r presents the access token (always true
// without one).
func (s *server) authorized(r *http.Request) bool {
	if s.session == "" {
		return true
	}
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if ok && strings.EqualFold(scheme, "Bearer") && tokenEqual(strings.TrimSpace(tok), s.cfg.Token) {
			return true
		}
	}
	if c, err := r.Cookie(cookieName); err == nil {
		return subtle.ConstantTimeCompare([]byte(c.Value), []byte(s.session)) == 1
	}
	return false
}

// requireAccess lets through only requests that present the token, and
// the login page with what it needs.
func (s *server) requireAccess(next http.Handler) http.Handler {
	if s.session == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.authorized(r) || r.URL.Path == "/login" || r.URL.Path == "/static/style.css" {
			next.ServeHTTP(w, r)
			return
		}
		if isAPI(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="dossier"`)
			s.fail(w, r, http.StatusUnauthorized, "unauthorized", "This archive needs an access token: send Authorization: Bearer TOKEN.")
			return
		}
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		s.fail(w, r, http.StatusUnauthorized, "unauthorized", "Log in first.")
	})
}

// loginPage is the data of the login template.
type loginPage struct {
	Next     string
	Failed   bool
	Insecure bool // the token would travel over plain HTTP
}

func (s *server) login(w http.ResponseWriter, r *http.Request) {
	if s.session == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	lp := &loginPage{Next: safeNext(r.URL.Query().Get("next")), Insecure: r.TLS == nil && !s.cfg.SecureCookies}
	if r.Method != http.MethodPost {
		s.render(w, r, http.StatusOK, "login", &page{Title: "Log in", HideBar: true, Data: lp})
		return
	}
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.fail(w, r, http.StatusRequestEntityTooLarge, "payload_too_large", "The form is too large.")
			return
		}
		s.badRequest(w, r, "The form could not be read.")
		return
	}
	lp.Next = safeNext(r.PostForm.Get("next"))
	if !tokenEqual(r.PostForm.Get("token"), s.cfg.Token) {
		lp.Failed = true
		s.render(w, r, http.StatusUnauthorized, "login", &page{Title: "Log in", HideBar: true, Data: lp})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: s.session, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil || s.cfg.SecureCookies})
	http.Redirect(w, r, lp.Next, http.StatusSeeOther)
}

func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil || s.cfg.SecureCookies})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext keeps a post-login destination on this site: a path, never
// another host ("//evil", "/\evil", "https://evil").
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n\t\\") || len(next) > maxPathBytes+maxQueryBytes {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}
