package tlog

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// serve mounts Handler(dir) at /log/ like the web server does.
func serve(t *testing.T, dir string) *httptest.Server {
	mux := http.NewServeMux()
	mux.Handle("/log/", http.StripPrefix("/log", Handler(dir)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestHandlerMonitorOverHTTP(t *testing.T) {
	ctx := context.Background()
	l, dir := openLog(t)
	srv := serve(t, dir)
	f, err := NewFetcher(srv.URL+"/log", nil)
	if err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(t.TempDir(), "state")
	for _, n := range []int{5, 300, 1} {
		mustAppend(t, l, makeEntries("http", n))
		if _, err := Monitor(ctx, f, testVKey, state); err != nil {
			t.Fatal(err)
		}
	}
	// Proofs built over HTTP verify.
	r, err := NewReader(f, testVKey)
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Prove(ctx, 42)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := b.MarshalText()
	if _, err := Verify(text, testVKey); err != nil {
		t.Fatal(err)
	}

	// A rewrite is seen over HTTP as well.
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(dir)
	l2, err := Open(ctx, dir, testSKey)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	mustAppend(t, l2, makeEntries("evil", 400))
	if _, err := Monitor(ctx, f, testVKey, state); err == nil || !strings.Contains(err.Error(), "rewritten") {
		t.Fatalf("Monitor over HTTP after rewrite = %v", err)
	}
}

func TestHandlerPaths(t *testing.T) {
	l, dir := openLog(t)
	mustAppend(t, l, makeEntries("p", 300))
	// Files a careless static server would expose.
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "tile", "0", "999")); err != nil {
		t.Fatal(err)
	}
	srv := serve(t, dir)

	get := func(method, path string) *http.Response {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	for _, tc := range []struct {
		path, ctype, cache string
	}{
		{"/log/checkpoint", "text/plain; charset=utf-8", "no-cache"},
		{"/log/tile/0/000", "application/octet-stream", "public, max-age=31536000, immutable"},
		{"/log/tile/0/001.p/44", "application/octet-stream", "public, max-age=31536000, immutable"},
		{"/log/tile/1/000.p/1", "application/octet-stream", "public, max-age=31536000, immutable"},
		{"/log/tile/entries/000", "application/octet-stream", "public, max-age=31536000, immutable"},
		{"/log/tile/entries/001.p/44", "application/octet-stream", "public, max-age=31536000, immutable"},
	} {
		resp := get("GET", tc.path)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tc.ctype || resp.Header.Get("Cache-Control") != tc.cache {
			t.Errorf("GET %s: %d, Content-Type %q, Cache-Control %q", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
		}
	}
	if resp := get("HEAD", "/log/tile/0/000"); resp.StatusCode != 200 || resp.ContentLength != 8192 {
		t.Errorf("HEAD tile: %d, length %d", resp.StatusCode, resp.ContentLength)
	}
	for _, p := range []string{
		"/log/", "/log/tile/", "/log/tile/0", "/log/tile/0/", "/log/tile/entries",
		"/log/.state/treeState", "/log/.state/", "/log/tile/0/../../.state/treeState",
		"/log/tile/0/%2e%2e/%2e%2e/.state/treeState", "/log/tile/0/..%2f..%2f.state%2ftreeState",
		"/log/tile/0/000.p", "/log/tile/0/000.p/", "/log/tile/0/000.p/0", "/log/tile/0/000.p/256", "/log/tile/0/000.p/044",
		"/log/tile/00/000", "/log/tile/64/000", "/log/tile/-0/000", "/log/tile/0/0", "/log/tile/0/x000/001",
		"/log/tile/0/999", // symlink out of the log
		"/log/tile/0/002", // does not exist
		"/log/checkpoint/", "/log/checkpoint.tmp", "/log/tile/0/000123",
	} {
		if resp := get("GET", p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, resp.StatusCode)
		}
	}
	if resp := get("POST", "/log/checkpoint"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", resp.StatusCode)
	}
}

func TestIsLogPath(t *testing.T) {
	for p, want := range map[string]bool{
		"checkpoint":                  true,
		"tile/0/000":                  true,
		"tile/63/x001/x234/067.p/255": true,
		"tile/entries/x001/234.p/1":   true,
		"tile/0/x000/001":             false, // non-canonical: leading zero group
		"tile/0/001/234":              false, // missing x
		"tile/0/x001":                 false,
		"tile/entries/000.p/1/2":      false,
		"tile/0/x999/x999/x999/x999/x999/x999/x999/999": false, // overflows uint64
		"tile/0/+01": false,
	} {
		if got := isLogPath(p); got != want {
			t.Errorf("isLogPath(%q) = %v, want %v", p, got, want)
		}
	}
}
