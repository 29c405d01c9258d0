package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/newsroom/dossier/internal/web"
	"github.com/newsroom/dossier/internal/web/websqlite"
)

const testToken = "correct-horse-battery-staple-42"

func tokenServer(t *testing.T, secure bool) *httptest.Server {
	t.Helper()
	h, err := web.New(web.Config{Store: websqlite.New(fx.store), Blobs: fx.blobs, Token: testToken, SecureCookies: secure})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestTokenAccess(t *testing.T) {
	srv := tokenServer(t, false)
	d := docByMID(t, "hostile-1@evil.example")
	page := fmt.Sprintf("/doc/%d", d.Num)

	// no token: pages redirect to the login form, the API answers 401
	resp, _ := do(t, srv, "GET", page, nil, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next="+url.QueryEscape(page) {
		t.Errorf("no token: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, p := range []string{"/api/v1/stats", "/api/v1/search?q=a", page + "/raw"} {
		resp, b := do(t, srv, "GET", p, nil, nil)
		if strings.HasPrefix(p, "/api/") {
			if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" || !strings.Contains(string(b), `"unauthorized"`) {
				t.Errorf("%s without token: %d %s", p, resp.StatusCode, b)
			}
		} else if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("%s without token: %d", p, resp.StatusCode)
		}
	}
	// the login page and its style sheet are reachable
	for _, p := range []string{"/login", "/static/style.css"} {
		if resp, _ := do(t, srv, "GET", p, nil, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
	// bearer
	bearer := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }
	if resp, _ := do(t, srv, "GET", "/api/v1/stats", nil, bearer(testToken)); resp.StatusCode != http.StatusOK {
		t.Errorf("right bearer: %d", resp.StatusCode)
	}
	for _, tok := range []string{"wrong", testToken + "x", testToken[:len(testToken)-1], ""} {
		if resp, _ := do(t, srv, "GET", "/api/v1/stats", nil, bearer(tok)); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("bearer %q: %d", tok, resp.StatusCode)
		}
	}
	// a cookie holding the token itself is not a session
	if resp, _ := do(t, srv, "GET", page, nil, http.Header{"Cookie": {"dossier_session=" + testToken}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("token as cookie: %d", resp.StatusCode)
	}
	// login: wrong token refused
	form := func(tok, next string) *strings.Reader {
		return strings.NewReader(url.Values{"token": {tok}, "next": {next}}.Encode())
	}
	ctype := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	resp, b := do(t, srv, "POST", "/login", form("nope", page), ctype)
	if resp.StatusCode != http.StatusUnauthorized || len(resp.Cookies()) != 0 || !strings.Contains(string(b), "not right") {
		t.Errorf("wrong login: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	// right token: a cookie, back to where the user was going
	resp, _ = do(t, srv, "POST", "/login", form(testToken, page), ctype)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != page {
		t.Fatalf("login: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	cs := resp.Cookies()
	if len(cs) != 1 {
		t.Fatalf("login set %d cookies", len(cs))
	}
	c := cs[0]
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure || strings.Contains(c.Value, testToken) || c.Value == "" {
		t.Errorf("cookie %+v", c)
	}
	if resp, b := do(t, srv, "GET", page, nil, http.Header{"Cookie": {c.String()}}); resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "Log out") {
		t.Errorf("with cookie: %d", resp.StatusCode)
	}
	// open redirects are not followed
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"} {
		resp, _ := do(t, srv, "POST", "/login", form(testToken, next), ctype)
		if resp.Header.Get("Location") != "/" {
			t.Errorf("next=%q: redirected to %q", next, resp.Header.Get("Location"))
		}
	}
	// a cross-site login POST is refused
	h := ctype.Clone()
	h.Set("Sec-Fetch-Site", "cross-site")
	if resp, _ := do(t, srv, "POST", "/login", form(testToken, "/"), h); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST: %d", resp.StatusCode)
	}
	// logout clears the cookie
	resp, _ = do(t, srv, "POST", "/logout", nil, http.Header{"Cookie": {c.String()}})
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 || resp.Cookies()[0].MaxAge >= 0 {
		t.Errorf("logout: %d %v", resp.StatusCode, resp.Cookies())
	}

	// --secure-cookies
	srv2 := tokenServer(t, true)
	resp, _ = do(t, srv2, "POST", "/login", form(testToken, "/"), ctype)
	if cs := resp.Cookies(); len(cs) != 1 || !cs[0].Secure {
		t.Errorf("secure cookies: %v", cs)
	}
}

func TestConfig(t *testing.T) {
	if _, err := web.New(web.Config{Store: websqlite.New(fx.store), Blobs: fx.blobs, Token: "short"}); err == nil {
		t.Error("a short token was accepted")
	}
	if _, err := web.New(web.Config{}); err == nil {
		t.Error("no store accepted")
	}
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "localhost:80": true, "[::1]:8080": true, "127.3.4.5:1": true,
		":8080": false, "0.0.0.0:8080": false, "[::]:80": false, "192.168.1.10:8080": false, "example.org:80": false,
	} {
		got, err := web.Loopback(addr)
		if err != nil || got != want {
			t.Errorf("Loopback(%q) = %v, %v; want %v", addr, got, err, want)
		}
	}
	if _, err := web.Loopback("nonsense"); err == nil {
		t.Error("Loopback accepted an address without a port")
	}
}

// TestNoTokenNoLogin: without a token there is nothing to log into.
func TestNoTokenNoLogin(t *testing.T) {
	resp, _ := get(t, "/login")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Errorf("/login without a token: %d", resp.StatusCode)
	}
}

// panicStore is the real store with one method that panics, to check
// that a crashing handler gives a clean error, never a stack trace.
type panicStore struct{ websqlite.Store }

func (panicStore) Stats(context.Context) (*web.Stats, error) { panic("boom: the store exploded") }

func TestRecover(t *testing.T) {
	var logged strings.Builder
	h, err := web.New(web.Config{Store: panicStore{websqlite.New(fx.store)}, Blobs: fx.blobs,
		Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, p := range []string{"/", "/api/v1/stats"} {
		resp, b := do(t, srv, "GET", p, nil, nil)
		if resp.StatusCode != http.StatusInternalServerError || strings.Contains(string(b), "boom") || strings.Contains(string(b), "goroutine") {
			t.Errorf("%s: %d\n%s", p, resp.StatusCode, b)
		}
		if strings.HasPrefix(p, "/api/") != strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s: Content-Type %q", p, resp.Header.Get("Content-Type"))
		}
		if resp.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("%s: error without security headers", p)
		}
	}
	if !strings.Contains(logged.String(), "boom") || !strings.Contains(logged.String(), "goroutine") {
		t.Errorf("panic not logged: %s", logged.String())
	}
}
