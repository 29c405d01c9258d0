package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/newsroom/dossier/internal/publish"
	"github.com/newsroom/dossier/internal/tlog"
	"github.com/newsroom/dossier/internal/web"
)

// copyLogFiles copies a log's public files (checkpoint, tiles) into dst,
// as the command that exports a site does.
func copyLogFiles(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if rel != "checkpoint" && rel != "tile" && !strings.HasPrefix(rel, "tile"+string(filepath.Separator)) {
			if d.IsDir() && rel != "." {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestExportSite exports the public site, serves the files with a plain
// file server, and runs the embargo checks again: no file holds anything
// private, every link of every page resolves on the mirror, originals
// and proofs are the site's.
func TestExportSite(t *testing.T) {
	f := publicFx(t)
	c := newLeakChecker(f)
	dir := filepath.Join(t.TempDir(), "site")
	res, err := web.ExportSite(context.Background(), f.static, dir, web.ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	copyLogFiles(t, f.logDir, filepath.Join(dir, "log"))
	t.Logf("exported %d files, %d bytes; skipped %d links", len(res.Files), res.Bytes, len(res.Skipped))
	for _, s := range res.Skipped {
		if strings.HasPrefix(s.Reason, "answered") {
			t.Errorf("broken link in the static site: %s %s", s.URL, s.Reason)
		}
	}
	// The result lists what was written, with the right hashes.
	listed := map[string]bool{}
	var total int64
	for _, ef := range res.Files {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(ef.Path)))
		if err != nil {
			t.Errorf("listed file %s: %v", ef.Path, err)
			continue
		}
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != ef.SHA256 || int64(len(b)) != ef.Size {
			t.Errorf("%s: listed with sha256 %s size %d, is %x %d", ef.Path, ef.SHA256, ef.Size, sum, len(b))
		}
		listed[ef.Path] = true
		total += ef.Size
	}
	if total != res.Bytes {
		t.Errorf("result: %d bytes listed, %d in all", total, res.Bytes)
	}
	want := []string{"index.html", "releases/index.html", "release/first/index.html", "release/second/index.html", "sitemap.xml",
		"releases.atom", "robots.txt", "static/style.css", "log/index.html", "collection/" + publicLeak + "/index.html",
		fmt.Sprintf("doc/%d/index.html", f.withdrawn.Num)}
	for _, n := range f.liveNums() {
		want = append(want, fmt.Sprintf("doc/%d/index.html", n), fmt.Sprintf("doc/%d/raw", n), fmt.Sprintf("doc/%d/proof", n))
	}
	for _, w := range want {
		if !listed[w] {
			t.Errorf("not exported: %s", w)
		}
	}

	// Every file: nothing private; pages: no search, no API, no
	// root-relative link.
	rootRel := []byte(`="/`)
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if !listed[rel] && !strings.HasPrefix(rel, "log/") {
			t.Errorf("%s is not in the result", rel)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		c.check(t, "exported "+rel, b)
		if strings.HasSuffix(rel, ".html") {
			for _, bad := range [][]byte{rootRel, []byte("<form"), []byte("/api/"), []byte("search?")} {
				if bytes.Contains(b, bad) {
					t.Errorf("exported %s holds %q", rel, bad)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// The mirror, served by a plain file server.
	mirror := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer mirror.Close()
	fetch := func(p string) (int, []byte) {
		resp, err := http.Get(mirror.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	for _, n := range f.liveNums() {
		code, page := fetch(fmt.Sprintf("/doc/%d/", n))
		if code != http.StatusOK || !bytes.Contains(page, []byte("Publication record")) {
			t.Errorf("mirror /doc/%d/: %d", n, code)
		}
		_, live := f.get(t, fmt.Sprintf("/doc/%d/raw", n))
		if code, raw := fetch(fmt.Sprintf("/doc/%d/raw", n)); code != http.StatusOK || !bytes.Equal(raw, live) {
			t.Errorf("mirror /doc/%d/raw: %d, %d bytes (want the original's %d)", n, code, len(raw), len(live))
		}
		code, proof := fetch(fmt.Sprintf("/doc/%d/proof", n))
		v, err := tlog.Verify(proof, f.vkey)
		if code != http.StatusOK || err != nil {
			t.Errorf("mirror /doc/%d/proof: %d %v", n, code, err)
			continue
		}
		if e, err := publish.Parse(v.Entry); err != nil || e.Number != n {
			t.Errorf("mirror proof of %d: entry %+v %v", n, e, err)
		}
	}
	if code, page := fetch(fmt.Sprintf("/doc/%d/", f.withdrawn.Num)); code != http.StatusOK || !bytes.Contains(page, []byte(withdrawReason)) {
		t.Errorf("mirror withdrawal notice: %d", code)
	}
	for _, p := range []string{"/", "/releases/", "/release/first/", "/log/", "/log/checkpoint", "/sitemap.xml", "/releases.atom"} {
		if code, _ := fetch(p); code != http.StatusOK {
			t.Errorf("mirror %s: %d", p, code)
		}
	}

	// Every link of every page resolves on the mirror.
	checked := map[string]int{}
	for _, ef := range res.Files {
		if !strings.HasSuffix(ef.Path, "index.html") {
			continue
		}
		pageURL := "/" + strings.TrimSuffix(ef.Path, "index.html")
		b, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(ef.Path)))
		for _, l := range responseLinks(t, "text/html", b) {
			u, err := url.Parse(l)
			if err != nil || u.Scheme != "" || u.Host != "" || u.Path == "" {
				continue // another site, or this page's fragment
			}
			target := (&url.URL{Path: pageURL}).ResolveReference(&url.URL{Path: u.Path}).Path
			if !strings.HasPrefix(target, "/") || path.Clean(target) != strings.TrimSuffix(target, "/") && target != "/" {
				t.Errorf("%s: link %q leaves the mirror's root (%s)", ef.Path, l, target)
				continue
			}
			if _, ok := checked[target]; !ok {
				code, _ := fetch(target)
				checked[target] = code
			}
			if code := checked[target]; code != http.StatusOK {
				t.Errorf("%s: link %q (%s) is %d on the mirror", ef.Path, l, target, code)
			}
		}
	}
	t.Logf("checked %d links on the mirror", len(checked))
}

// TestExportSiteSafety runs the exporter over a hostile site: links that
// climb out of the directory, escaped separators, other hosts, queries, a
// symlink planted in the directory; and over sites too large for the
// bounds.
func TestExportSiteSafety(t *testing.T) {
	hostile := []string{"/../../escape", "/a/%2e%2e/%2e%2e/escape", "/a%2fb", "/..%2f..%2fescape", "/sub/../../escape",
		"/x%5cy", "/%00", "/a//b", "https://elsewhere.example/x", "//elsewhere.example/y", "/q?x=1", "/ok", "/evil/x"}
	site := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/":
			for _, l := range hostile {
				fmt.Fprintf(w, "<a href=\"%s\">x</a>\n", html.EscapeString(l))
			}
		case "/ok":
			fmt.Fprint(w, `<p>ok</p><a href="/">home</a>`)
		case "/evil/x":
			fmt.Fprint(w, `<p>through the symlink</p>`)
		default:
			http.NotFound(w, r)
		}
	})
	parent := t.TempDir()
	outside := filepath.Join(parent, "outside")
	dir := filepath.Join(parent, "site")
	for _, d := range []string{outside, dir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(dir, "evil")); err != nil {
		t.Fatal(err)
	}
	res, err := web.ExportSite(context.Background(), site, dir, web.ExportOptions{})
	if err == nil {
		t.Error("the export wrote through a symlink without complaint")
	}
	ents, _ := os.ReadDir(outside)
	if len(ents) != 0 {
		t.Errorf("the export wrote outside its directory: %v", ents)
	}
	if ents, _ := os.ReadDir(parent); len(ents) != 2 {
		t.Errorf("the export wrote beside its directory: %v", ents)
	}
	os.Remove(filepath.Join(dir, "evil"))
	res, err = web.ExportSite(context.Background(), site, dir, web.ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(parent); len(ents) != 2 {
		t.Errorf("the export wrote beside its directory: %v", ents)
	}
	skipped := map[string]string{}
	for _, s := range res.Skipped {
		skipped[s.URL] = s.Reason
	}
	for _, l := range []string{"/../../escape", "/a/%2e%2e/%2e%2e/escape", "/a%2fb", "/..%2f..%2fescape", "/sub/../../escape",
		"/x%5cy", "/%00", "/a//b", "/q?x=1"} {
		if skipped[l] == "" {
			t.Errorf("%s was not refused (skipped: %v)", l, skipped)
		}
	}
	var names []string
	for _, f := range res.Files {
		names = append(names, f.Path)
	}
	if strings.Join(names, " ") != "index.html ok/index.html evil/x/index.html" {
		t.Errorf("exported %q", names)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "ok", "index.html"))
	if !bytes.Contains(b, []byte(`href="../"`)) {
		t.Errorf("the link home was not made relative: %s", b)
	}
	b, _ = os.ReadFile(filepath.Join(dir, "index.html"))
	if !bytes.Contains(b, []byte(`href="ok/"`)) || !bytes.Contains(b, []byte(`href="/q?x=1"`)) ||
		!bytes.Contains(b, []byte(`href="https://elsewhere.example/x"`)) {
		t.Errorf("the home page's links:\n%s", b)
	}

	// Bounds: an endless site stops at MaxFiles, a large one at MaxBytes.
	endless := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscanf(r.URL.Path, "/n/%d", &n)
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<a href="/n/%d">next</a>%s`, n+1, strings.Repeat("x", 1000))
	})
	res, err = web.ExportSite(context.Background(), endless, t.TempDir(), web.ExportOptions{MaxFiles: 5})
	if !errors.Is(err, web.ErrExportLimit) || len(res.Files) != 5 {
		t.Errorf("MaxFiles 5: %d files, %v", len(res.Files), err)
	}
	res, err = web.ExportSite(context.Background(), endless, t.TempDir(), web.ExportOptions{MaxBytes: 3500})
	if !errors.Is(err, web.ErrExportLimit) || res.Bytes > 3500 {
		t.Errorf("MaxBytes 3500: %d bytes, %v", res.Bytes, err)
	}
	// Allow leaves paths out.
	res, err = web.ExportSite(context.Background(), endless, t.TempDir(), web.ExportOptions{MaxFiles: 50, Start: []string{"/n/0"},
		Allow: func(p string) bool { return strings.HasPrefix(p, "/n/") && p != "/n/3" }})
	if err != nil || len(res.Files) != 3 {
		t.Errorf("Allow: %d files, %v", len(res.Files), err)
	}
}

// TestExportSiteLeavesOut exports the site without one published
// document (as `export-site --release` leaves out the other releases'):
// no page of the mirror links to it. Without a base URL its links are
// dropped (their text stays); with one they point to the live site.
func TestExportSiteLeavesOut(t *testing.T) {
	f := publicFx(t)
	nums := f.liveNums()
	out := fmt.Sprintf("/doc/%d", nums[0])
	allow := func(p string) bool { return p != out && !strings.HasPrefix(p, out+"/") }
	for _, base := range []string{"", "https://mirror.example"} {
		dir := filepath.Join(t.TempDir(), "site")
		res, err := web.ExportSite(context.Background(), f.static, dir, web.ExportOptions{Allow: allow, BaseURL: base})
		if err != nil {
			t.Fatal(err)
		}
		copyLogFiles(t, f.logDir, filepath.Join(dir, "log"))
		linkedLive := false
		for _, ef := range res.Files {
			if strings.HasPrefix("/"+ef.Path, out+"/") {
				t.Errorf("%s exported", ef.Path)
			}
			if !strings.HasSuffix(ef.Path, "index.html") {
				continue
			}
			pageURL := "/" + strings.TrimSuffix(ef.Path, "index.html")
			b, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(ef.Path)))
			for _, l := range responseLinks(t, "text/html", b) {
				u, err := url.Parse(l)
				if err != nil {
					continue
				}
				if u.Host != "" {
					if base != "" && l == base+out {
						linkedLive = true
					}
					continue
				}
				if u.Path == "" {
					continue
				}
				target := (&url.URL{Path: pageURL}).ResolveReference(&url.URL{Path: u.Path}).Path
				file := filepath.Join(dir, filepath.FromSlash(target))
				if strings.HasSuffix(target, "/") {
					file = filepath.Join(file, "index.html")
				}
				if _, err := os.Stat(file); err != nil {
					t.Errorf("base %q: %s links %q, which the mirror lacks", base, ef.Path, l)
				}
			}
		}
		if base != "" && !linkedLive {
			t.Errorf("base %q: no page links the left-out document on the live site", base)
		}
	}
}
