package web_test

// The embargo test and the rest of the public site's tests, over the
// public fixture (public_fixture_test.go): nothing private reaches any
// response — pages, originals, search hits, facet counts, feeds,
// sitemaps, the API, errors — and every published document's proof
// verifies, with this package's verifier and independently with
// golang.org/x/mod/sumdb/tlog over the tiles the site serves.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	sumtlog "golang.org/x/mod/sumdb/tlog"
	"golang.org/x/net/html"

	"github.com/newsroom/dossier"
	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/meta/sqlite"
	"github.com/newsroom/dossier/internal/publish"
	"github.com/newsroom/dossier/internal/tlog"
	"github.com/newsroom/dossier/internal/web"
	"github.com/newsroom/dossier/internal/web/websqlite"
)

// leakChecker fails a test when a response shows anything private: a
// private marker, a private document's number as a link or a number
// field, its id or the hash of bytes no published document has, or the
// id of a thread of private messages only.
type leakChecker struct {
	nums    *regexp.Regexp
	secrets []string
}

func newLeakChecker(f *publicFixture) *leakChecker {
	c := &leakChecker{}
	published := map[string]bool{}
	for _, d := range f.live {
		published[d.SHA256] = true
	}
	var nums []string
	for _, d := range f.private {
		nums = append(nums, strconv.FormatInt(d.Num, 10))
		c.secrets = append(c.secrets, d.ID)
		if d.SHA256 != "" && !published[d.SHA256] {
			c.secrets = append(c.secrets, d.SHA256)
		}
	}
	c.secrets = append(c.secrets, f.privThread)
	alt := strings.Join(nums, "|")
	c.nums = regexp.MustCompile(`doc/(?:` + alt + `)(?:[^0-9]|$)|"number":\s*(?:` + alt + `)[,\s}\]]|>#(?:` + alt + `)<|(?i:document (?:` +
		alt + `)\b)`)
	return c
}

func (c *leakChecker) check(t *testing.T, what string, body []byte) {
	t.Helper()
	if m := privMarkerRE.Find(body); m != nil {
		t.Errorf("%s shows private text %q", what, m)
	}
	if m := c.nums.Find(body); m != nil {
		t.Errorf("%s names a private document: %q", what, m)
	}
	low := bytes.ToLower(body)
	for _, s := range c.secrets {
		if bytes.Contains(low, []byte(s)) {
			t.Errorf("%s shows the private id or hash %s", what, s)
		}
	}
}

func (c *leakChecker) checkResponse(t *testing.T, what string, resp *http.Response, body []byte) {
	t.Helper()
	c.check(t, what, body)
	for k, vs := range resp.Header {
		for _, v := range vs {
			c.check(t, what+" header "+k, []byte(v))
		}
	}
}

// sitePath turns a link found on the public site into a path on the
// test server, or "" for a link elsewhere.
func sitePath(f *publicFixture, link string) string {
	for _, base := range []string{publicBase, f.srv.URL} {
		if rest, ok := strings.CutPrefix(link, base); ok && (rest == "" || rest[0] == '/') {
			link = rest
			if link == "" {
				link = "/"
			}
		}
	}
	if !strings.HasPrefix(link, "/") || strings.HasPrefix(link, "//") {
		return ""
	}
	link, _, _ = strings.Cut(link, "#")
	return link
}

var (
	xmlLocRE  = regexp.MustCompile(`<loc>([^<]+)</loc>`)
	xmlHrefRE = regexp.MustCompile(`href="([^"]+)"`)
)

// responseLinks returns the links of a page (href, src), a sitemap or
// feed (loc, href) or an API answer (url, raw_url, proof_url, csv_url).
func responseLinks(t *testing.T, ctype string, body []byte) []string {
	var out []string
	switch {
	case strings.HasPrefix(ctype, "text/html"):
		z := html.NewTokenizer(bytes.NewReader(body))
		for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
			if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
				continue
			}
			for _, a := range z.Token().Attr {
				if a.Key == "href" || a.Key == "src" || a.Key == "action" {
					out = append(out, a.Val)
				}
			}
		}
	case strings.Contains(ctype, "xml"):
		for _, m := range xmlLocRE.FindAllSubmatch(body, -1) {
			out = append(out, html.UnescapeString(string(m[1])))
		}
		for _, m := range xmlHrefRE.FindAllSubmatch(body, -1) {
			out = append(out, html.UnescapeString(string(m[1])))
		}
	case strings.HasPrefix(ctype, "application/json"):
		var v any
		if json.Unmarshal(body, &v) != nil {
			t.Errorf("invalid JSON: %.200s", body)
			return nil
		}
		var visit func(v any)
		visit = func(v any) {
			switch x := v.(type) {
			case map[string]any:
				for k, e := range x {
					if s, ok := e.(string); ok && (k == "url" || strings.HasSuffix(k, "_url")) {
						out = append(out, s)
					}
					visit(e)
				}
			case []any:
				for _, e := range x {
					visit(e)
				}
			}
		}
		visit(v)
	}
	return out
}

// withoutQuery returns body without the search query of path, which a
// results page shows back (in the search box, the title, the facet
// links): words the reader typed are not a leak.
func withoutQuery(path string, body []byte) []byte {
	u, err := url.Parse(path)
	if err != nil {
		return body
	}
	q := u.Query().Get("q")
	if q == "" {
		return body
	}
	for _, form := range []string{url.QueryEscape(q), html.EscapeString(q), q, strings.ReplaceAll(url.QueryEscape(q), "+", "%20")} {
		body = bytes.ReplaceAll(body, []byte(form), nil)
	}
	return body
}

// crawl fetches every path reachable from starts on the public site
// (at most limit), checking each response for leaks; it returns the
// status of each path fetched.
func crawl(t *testing.T, f *publicFixture, c *leakChecker, starts []string, limit int) map[string]int {
	t.Helper()
	seen := map[string]int{}
	queue := slices.Clone(starts)
	searches := 0
	for len(queue) > 0 && len(seen) < limit {
		p := queue[0]
		queue = queue[1:]
		if _, ok := seen[p]; ok {
			continue
		}
		if strings.HasPrefix(p, "/search?") {
			if searches++; searches > 150 {
				continue // facet links narrow without end; enough
			}
		}
		resp, body := f.get(t, p)
		seen[p] = resp.StatusCode
		c.checkResponse(t, p, resp, withoutQuery(p, body))
		if resp.StatusCode >= 500 {
			t.Errorf("GET %s: %d\n%.500s", p, resp.StatusCode, body)
		}
		for _, l := range responseLinks(t, resp.Header.Get("Content-Type"), body) {
			if sp := sitePath(f, l); sp != "" {
				queue = append(queue, sp)
			}
		}
	}
	if len(seen) >= limit {
		t.Logf("crawl stopped at %d addresses", limit)
	}
	return seen
}

func TestPublicEmbargo(t *testing.T) {
	f := publicFx(t)
	c := newLeakChecker(f)

	// The 404 of a number that never existed, and of an API route.
	respNever, never := f.get(t, "/doc/999999")
	if respNever.StatusCode != http.StatusNotFound {
		t.Fatalf("/doc/999999: %d", respNever.StatusCode)
	}
	_, apiNever := f.get(t, "/api/v1/doc/999999")

	// Everything reachable from the entry points, the searches for
	// every marker and the API routes.
	starts := []string{"/", "/releases", "/releases.atom", "/sitemap.xml", "/robots.txt", "/log", "/log/about", "/log/checkpoint",
		"/help/search", "/static/style.css", "/api/v1/openapi.json", "/api/v1/stats", "/api/v1/collections", "/api/v1/releases",
		"/search?q=commonword", "/api/v1/search?q=commonword&facets=true", "/search?q=" + q("privmarker*"),
		"/api/v1/search?q=" + q("privmarker*"), "/thread/" + f.mixedThread, "/api/v1/thread/" + f.mixedThread}
	for i := 100; i <= 120; i++ {
		m := fmt.Sprintf("privmarker%d", i)
		starts = append(starts, "/search?q="+m, "/api/v1/search?q="+m, "/search?q="+q("from:"+m+"@private.example"),
			"/api/v1/search?q="+q("collection:"+m+"coll"), "/api/v1/search?q="+q("dkim.domain:"+m+".example"))
	}
	starts = append(starts, "/search?q=pubmarker005", "/api/v1/search?q=pubmarker005", "/api/v1/search?q="+q("dkim:failed"))
	for _, n := range f.liveNums() {
		starts = append(starts, fmt.Sprintf("/doc/%d", n), fmt.Sprintf("/api/v1/doc/%d", n))
	}
	seen := crawl(t, f, c, starts, 3000)
	t.Logf("crawled %d addresses", len(seen))
	for p, code := range seen {
		if code == http.StatusNotFound && !strings.Contains(p, "privmarker") {
			t.Errorf("broken link: %s is 404", p)
		}
	}
	for _, n := range f.liveNums() {
		for _, suffix := range []string{"", "/raw", "/proof"} {
			if code := seen[fmt.Sprintf("/doc/%d%s", n, suffix)]; code != http.StatusOK {
				t.Errorf("the crawl reached /doc/%d%s with %d, want 200", n, suffix, code)
			}
		}
	}

	// Searches for private words find nothing, and say so.
	for i := 100; i <= 120; i++ {
		m := fmt.Sprintf("privmarker%d", i)
		var res meta.SearchResult
		_, b := f.get(t, "/api/v1/search?q="+m)
		decode(t, b, &res)
		if res.Total != 0 || len(res.Hits) != 0 {
			t.Errorf("search %s: %d hits", m, res.Total)
		}
	}
	_, b := f.get(t, "/search?q=pubmarker005")
	if !bytes.Contains(b, []byte("No documents match")) {
		t.Errorf("the withdrawn document's word still finds something:\n%.2000s", b)
	}

	// Unpublished numbers, ids, hashes, threads and collections answer
	// exactly what never existed does.
	sameHTML := func(p string) {
		t.Helper()
		resp, b := f.get(t, p)
		if resp.StatusCode != http.StatusNotFound || !bytes.Equal(b, never) {
			t.Errorf("GET %s: %d, and not the same 404 as a number that never existed:\n%.600s", p, resp.StatusCode, b)
		}
		c.checkResponse(t, p, resp, b)
	}
	sameAPI := func(p string) {
		t.Helper()
		resp, b := f.get(t, p)
		if resp.StatusCode != http.StatusNotFound || !bytes.Equal(b, apiNever) {
			t.Errorf("GET %s: %d, and not the API's one 404:\n%.600s", p, resp.StatusCode, b)
		}
		c.checkResponse(t, p, resp, b)
	}
	for _, d := range f.private {
		for _, suffix := range []string{"", "/raw", "/html", "/proof"} {
			sameHTML(fmt.Sprintf("/doc/%d%s", d.Num, suffix))
		}
		sameHTML("/id/" + d.ID)
		for _, suffix := range []string{"", "/raw", "/proof"} {
			sameAPI(fmt.Sprintf("/api/v1/doc/%d%s", d.Num, suffix))
		}
		sameAPI("/api/v1/doc/id/" + d.ID)
		if d.SHA256 != "" && !slices.ContainsFunc(f.liveNums(), func(n int64) bool { return f.live[n].SHA256 == d.SHA256 }) {
			sameHTML("/sha256/" + d.SHA256)
		}
	}
	for _, p := range []string{"/doc/0", "/doc/abc", "/doc/999999/raw", "/doc/999999/proof", "/id/" + strings.Repeat("0", 32),
		"/sha256/" + strings.Repeat("0", 64), "/thread/" + f.privThread, "/thread/nothread", "/collection/" + privateLeak,
		"/collection/none", "/release/none", "/release/first/page/9", "/people", "/person/Paula", "/person/Paula/documents.csv",
		"/login", "/nothing", "/sitemaps/1.xml", "/log/.state/treeState", "/log/about/x"} {
		if p == "/log/.state/treeState" {
			// the log handler's own 404, never a file of the log's state
			if resp, _ := f.get(t, p); resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: %d", p, resp.StatusCode)
			}
			continue
		}
		sameHTML(p)
	}
	for _, p := range []string{"/api/v1/doc/0", "/api/v1/thread/" + f.privThread, "/api/v1/people", "/api/v1/people/Paula",
		"/api/v1/releases/none", "/api/v1/nothing"} {
		sameAPI(p)
	}
	// Counts are of published documents only.
	checkPublicCounts(t, f)
	// The withdrawn document: a notice, not the document.
	checkWithdrawn(t, f, c)
}

// checkPublicCounts compares every count the public site shows with the
// published documents (the ground truth from the private side).
func checkPublicCounts(t *testing.T, f *publicFixture) {
	t.Helper()
	var st web.Stats
	_, b := f.get(t, "/api/v1/stats")
	decode(t, b, &st)
	wantColl := map[string]int64{}
	emails, threads := int64(0), map[string]bool{}
	for _, d := range f.live {
		wantColl[d.Collection]++
		if d.Kind == dossier.KindEmail {
			emails++
			threads[d.ThreadID] = true
		}
	}
	if st.Documents.Total() != int64(len(f.live)) || st.Documents.Indexed != int64(len(f.live)) {
		t.Errorf("stats count %+v, want %d published documents", st.Documents, len(f.live))
	}
	if st.Emails != emails || st.Threads != int64(len(threads)) {
		t.Errorf("stats: %d emails in %d threads, want %d in %d", st.Emails, st.Threads, emails, len(threads))
	}
	if len(st.Collections) != len(wantColl) || st.Collections[publicLeak].Total() != wantColl[publicLeak] {
		t.Errorf("stats collections %+v, want %v", st.Collections, wantColl)
	}
	if st.DKIM["failed"] != 0 || st.DKIM["verified"] != 1 {
		t.Errorf("stats DKIM %v: want the published verdict only", st.DKIM)
	}
	var cols struct {
		Collections []struct {
			Name      string
			Documents int64
		}
	}
	_, b = f.get(t, "/api/v1/collections")
	decode(t, b, &cols)
	if len(cols.Collections) != 1 || cols.Collections[0].Name != publicLeak || cols.Collections[0].Documents != wantColl[publicLeak] {
		t.Errorf("collections %+v, want %v", cols, wantColl)
	}
	_, home := f.get(t, "/")
	if want := fmt.Sprintf("%d indexed", len(f.live)); !bytes.Contains(home, []byte(want)) {
		t.Errorf("home page does not say %q", want)
	}

	// commonword is in every document, private or not: the public total
	// and facets count the published ones.
	var res meta.SearchResult
	_, b = f.get(t, "/api/v1/search?q=commonword&facets=true&limit=100")
	decode(t, b, &res)
	if res.Total != len(f.live) || len(res.Hits) != len(f.live) {
		t.Errorf("commonword: %d hits, want %d", res.Total, len(f.live))
	}
	for _, h := range res.Hits {
		if f.live[h.Number] == nil {
			t.Errorf("commonword finds document %d, which is not public", h.Number)
		}
	}
	byKind := map[string]int{}
	for _, d := range f.live {
		byKind[string(d.Kind)]++
	}
	for _, fc := range res.Facets["collection"] {
		if fc.Value != publicLeak || fc.Count != len(f.live) {
			t.Errorf("collection facet %+v, want %s: %d", fc, publicLeak, len(f.live))
		}
	}
	for _, fc := range res.Facets["type"] {
		if fc.Count != byKind[fc.Value] {
			t.Errorf("type facet %s: %d, want %d", fc.Value, fc.Count, byKind[fc.Value])
		}
	}
	for key, vals := range res.Facets {
		for _, v := range vals {
			if v.Count > len(f.live) {
				t.Errorf("facet %s %q counts %d, more than is published", key, v.Value, v.Count)
			}
		}
	}
	if _, ok := res.Facets["person"]; ok {
		t.Error("the public API has a person facet")
	}
	_, page := f.get(t, "/search?q=commonword")
	if want := fmt.Sprintf("%d documents match", len(f.live)); !bytes.Contains(page, []byte(want)) {
		t.Errorf("search page does not say %q", want)
	}
	if bytes.Contains(page, []byte(">Person<")) {
		t.Error("the public search page has a person facet")
	}
	// The release pages count what each release published.
	var rels struct {
		Releases []struct {
			Name                 string
			Documents, Withdrawn int
		}
	}
	_, b = f.get(t, "/api/v1/releases")
	decode(t, b, &rels)
	want := map[string][2]int{"first": {4, 1}, "second": {2, 0}}
	if len(rels.Releases) != 2 {
		t.Fatalf("releases: %+v", rels)
	}
	for _, r := range rels.Releases {
		if w := want[r.Name]; r.Documents != w[0] || r.Withdrawn != w[1] {
			t.Errorf("release %s: %d documents, %d withdrawn; want %v", r.Name, r.Documents, r.Withdrawn, w)
		}
	}
}

// checkWithdrawn checks the withdrawn document's notice, on its page and
// in the API, and that nothing of it is served.
func checkWithdrawn(t *testing.T, f *publicFixture, c *leakChecker) {
	t.Helper()
	n := f.withdrawn.Num
	for _, p := range []string{"", "/raw", "/html"} {
		resp, b := f.get(t, fmt.Sprintf("/doc/%d%s", n, p))
		c.checkResponse(t, "withdrawn "+p, resp, b)
		if resp.StatusCode != http.StatusGone {
			t.Errorf("/doc/%d%s: %d, want 410", n, p, resp.StatusCode)
			continue
		}
		for _, want := range []string{withdrawReason, "first", strconv.FormatUint(f.withdrawIndex, 10), "withdrawn"} {
			if !bytes.Contains(b, []byte(want)) {
				t.Errorf("/doc/%d%s: the notice lacks %q", n, p, want)
			}
		}
	}
	for _, p := range []string{"", "/raw"} {
		resp, b := f.get(t, fmt.Sprintf("/api/v1/doc/%d%s", n, p))
		c.checkResponse(t, "api withdrawn", resp, b)
		var body struct {
			Error      struct{ Code string }
			Withdrawal publish.Withdrawal
		}
		decode(t, b, &body)
		if resp.StatusCode != http.StatusGone || body.Error.Code != "withdrawn" || body.Withdrawal.Num != n ||
			body.Withdrawal.Reason != withdrawReason || body.Withdrawal.LogIndex != f.withdrawIndex || body.Withdrawal.Release != "first" {
			t.Errorf("/api/v1/doc/%d%s: %d %s", n, p, resp.StatusCode, b)
		}
	}
	// In the feed and on the releases page.
	for _, p := range []string{"/releases.atom", "/releases"} {
		if _, b := f.get(t, p); !bytes.Contains(b, []byte(withdrawReason)) {
			t.Errorf("%s does not mention the withdrawal", p)
		}
	}
	// Its proof is that of the withdrawal.
	resp, b := f.get(t, fmt.Sprintf("/doc/%d/proof", n))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("proof of the withdrawal: %d", resp.StatusCode)
	}
	v, err := tlog.Verify(b, f.vkey)
	if err != nil {
		t.Fatalf("proof of the withdrawal: %v", err)
	}
	e, err := publish.Parse(v.Entry)
	if err != nil || e.Type != publish.TypeWithdraw || e.Number != n || e.Reason != withdrawReason || v.Index != f.withdrawIndex {
		t.Errorf("withdrawal proof: entry %+v (%v) at %d, want the withdraw entry %d", e, err, v.Index, f.withdrawIndex)
	}
}

// TestPublicOpenAPI walks every route of the OpenAPI document on the
// public site with published, private and unknown numbers, ids, threads
// and names: published ones answer 200 in their documented shape,
// private and unknown ones the one 404, the withdrawn number its 410.
func TestPublicOpenAPI(t *testing.T) {
	f := publicFx(t)
	c := newLeakChecker(f)
	var doc openAPI
	_, b := f.get(t, "/api/v1/openapi.json")
	decode(t, b, &doc)
	_, apiNever := f.get(t, "/api/v1/doc/999999")
	type value struct {
		number, id, thread, name string
		want                     int
	}
	var values []value
	for _, n := range f.liveNums() {
		d := f.live[n]
		thread := f.mixedThread
		values = append(values, value{strconv.FormatInt(n, 10), d.ID, thread, "first", http.StatusOK})
	}
	for _, d := range f.private {
		values = append(values, value{strconv.FormatInt(d.Num, 10), d.ID, f.privThread, "Privy", http.StatusNotFound})
	}
	values = append(values, value{"999999", strings.Repeat("ab", 16), "nothread", "nobody", http.StatusNotFound})
	for path, ops := range doc.Paths {
		for method, op := range ops {
			for _, v := range values {
				u := strings.NewReplacer("{number}", v.number, "{id}", v.id, "{name}", v.name).Replace(path)
				if strings.HasPrefix(path, "/api/v1/thread/") {
					u = strings.ReplaceAll(path, "{id}", v.thread)
				}
				var query []string
				for _, p := range op.Parameters {
					if p.In == "query" && p.Required {
						query = append(query, p.Name+"=commonword")
					}
				}
				if len(query) > 0 {
					u += "?" + strings.Join(query, "&")
				}
				resp, body := do(t, f.srv, strings.ToUpper(method), u, nil, nil)
				c.checkResponse(t, u, resp, body)
				want := v.want
				switch {
				case strings.HasPrefix(path, "/api/v1/people"):
					want = http.StatusNotFound // watchlists are private
				case !strings.Contains(path, "{"):
					want = http.StatusOK // no parameter: the same answer for every value
				case strings.HasPrefix(path, "/api/v1/releases/") && v.name == "first":
					want = http.StatusOK
				case strings.HasPrefix(path, "/api/v1/releases/"):
					want = http.StatusNotFound
				}
				if resp.StatusCode != want {
					t.Errorf("%s %s: %d, want %d\n%.300s", method, u, resp.StatusCode, want, body)
					continue
				}
				r, ok := op.Responses[strconv.Itoa(resp.StatusCode)]
				if !ok {
					t.Errorf("%s %s: status %d not documented", method, u, resp.StatusCode)
					continue
				}
				if want == http.StatusNotFound {
					if !bytes.Equal(body, apiNever) {
						t.Errorf("%s %s: a 404 unlike the others: %s", method, u, body)
					}
					continue
				}
				ct := strings.Split(resp.Header.Get("Content-Type"), ";")[0]
				rc, ok := r.Content[ct]
				if !ok {
					t.Errorf("%s %s: content type %q not documented", method, u, ct)
					continue
				}
				if ct == "application/json" {
					var got any
					decode(t, body, &got)
					checkSchema(t, method+" "+u, &doc, rc.Schema, got, "$")
				}
			}
			// The withdrawn number, on the routes that take a number.
			if strings.Contains(path, "{number}") {
				u := strings.ReplaceAll(path, "{number}", strconv.FormatInt(f.withdrawn.Num, 10))
				resp, body := f.get(t, u)
				want := http.StatusGone
				if strings.HasSuffix(path, "/proof") {
					want = http.StatusOK
				}
				if resp.StatusCode != want {
					t.Errorf("%s: %d, want %d", u, resp.StatusCode, want)
				} else if r, ok := op.Responses[strconv.Itoa(want)]; !ok {
					t.Errorf("%s: %d not documented", u, want)
				} else if want == http.StatusGone {
					var got any
					decode(t, body, &got)
					checkSchema(t, u, &doc, r.Content["application/json"].Schema, got, "$")
				}
			}
		}
	}
}

// TestPublicDocPage checks a published document's page and API entry:
// the publication record, the proof link, the link preview, and what an
// attachment of a private email does not inherit from it.
func TestPublicDocPage(t *testing.T) {
	f := publicFx(t)
	p1 := f.byMID["p1@public.example"]
	_, b := f.get(t, fmt.Sprintf("/doc/%d", p1.Num))
	root := parseHTML(t, b)
	sec := ""
	walk(root, func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "section" {
			if cl, _ := attr(n, "class"); cl == "publication" {
				sec = textOf(n)
			}
		}
	})
	idx := strconv.FormatUint(f.publishIndex[p1.Num], 10)
	for _, want := range []string{"Publication record", "first", idx, `"type":"publish"`, p1.SHA256} {
		if !strings.Contains(sec, want) {
			t.Errorf("publication record lacks %q:\n%s", want, sec)
		}
	}
	if got := links(root, "proof of publication"); len(got) != 1 || got[0] != fmt.Sprintf("/doc/%d/proof", p1.Num) {
		t.Errorf("proof links %q", got)
	}
	meta := map[string]string{}
	walk(root, func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "meta" {
			k, _ := attr(n, "property")
			v, _ := attr(n, "content")
			meta[k] = v
		}
	})
	if meta["og:url"] != fmt.Sprintf("%s/doc/%d", publicBase, p1.Num) || meta["og:type"] != "article" ||
		!strings.Contains(meta["og:title"], "pubmarker001") || !strings.Contains(meta["og:description"], "pubmarker001") {
		t.Errorf("OpenGraph %v", meta)
	}
	// The API: the same record, with the exact entry and the proof URL.
	var d struct {
		Publication []struct {
			Release  string
			Type     string
			LogIndex uint64 `json:"log_index"`
			Entry    string
		}
		ProofURL string `json:"proof_url"`
	}
	_, b = f.get(t, fmt.Sprintf("/api/v1/doc/%d", p1.Num))
	decode(t, b, &d)
	if len(d.Publication) != 1 || d.Publication[0].Release != "first" || d.Publication[0].LogIndex != f.publishIndex[p1.Num] ||
		d.ProofURL != fmt.Sprintf("/api/v1/doc/%d/proof", p1.Num) {
		t.Fatalf("API publication %+v", d)
	}
	if e, err := publish.Parse([]byte(d.Publication[0].Entry)); err != nil || e.Number != p1.Num {
		t.Errorf("the API's entry is not the canonical entry: %v", err)
	}

	// OpenGraph on the home and release pages.
	for p, want := range map[string]string{"/": publicBase + "/", "/release/first": publicBase + "/release/first",
		"/releases": publicBase + "/releases"} {
		_, b := f.get(t, p)
		root := parseHTML(t, b)
		og := map[string]string{}
		walk(root, func(n *html.Node) {
			if n.Type == html.ElementNode && n.Data == "meta" {
				k, _ := attr(n, "property")
				v, _ := attr(n, "content")
				og[k] = v
			}
		})
		if og["og:url"] != want || og["og:type"] != "website" || og["og:title"] == "" || og["og:description"] == "" {
			t.Errorf("%s: OpenGraph %v", p, og)
		}
	}

	// The release page lists its documents, the withdrawn one as such.
	_, b = f.get(t, "/release/first")
	for _, n := range []int64{p1.Num, f.byMID["p2@public.example"].Num, f.withdrawn.Num} {
		if !bytes.Contains(b, fmt.Appendf(nil, `href="/doc/%d"`, n)) {
			t.Errorf("release page does not link document %d", n)
		}
	}
	if !bytes.Contains(b, []byte("withdrawn")) {
		t.Error("release page does not mark the withdrawn document")
	}

	// The published attachment of a private email shows nothing of it.
	report := -1
	for n, d := range f.live {
		if d.Filename == "pubmarker004-report.txt" {
			report = int(n)
		}
	}
	resp, b := f.get(t, fmt.Sprintf("/doc/%d", report))
	if resp.StatusCode != http.StatusOK || !bytes.Contains(b, []byte("pubmarker004")) {
		t.Errorf("the published attachment: %d", resp.StatusCode)
	}
	newLeakChecker(f).check(t, "orphan attachment", b)
	var api struct {
		ParentID string `json:"parent_id"`
		From     string `json:"from"`
		Thread   string `json:"thread"`
		Parents  []any  `json:"parents"`
	}
	_, b = f.get(t, fmt.Sprintf("/api/v1/doc/%d", report))
	decode(t, b, &api)
	if api.ParentID != "" || api.From != "" || api.Thread != "" || len(api.Parents) != 0 {
		t.Errorf("the published attachment inherits from its private email: %+v", api)
	}

	// The thread of a private root and a published reply shows the reply.
	_, b = f.get(t, "/thread/"+f.mixedThread)
	if !bytes.Contains(b, []byte("pubmarker003")) || bytes.Contains(b, []byte("2 message")) {
		t.Errorf("mixed thread page:\n%.1500s", b)
	}

	// Public chrome: no login, no people, the public archive named.
	_, b = f.get(t, "/")
	for _, want := range []string{"Public archive", `href="/releases"`, `href="/log"`, `href="/releases.atom"`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("home page lacks %q", want)
		}
	}
	for _, bad := range []string{"/people", "/login", "private workspace"} {
		if bytes.Contains(b, []byte(bad)) {
			t.Errorf("home page shows %q", bad)
		}
	}
}

// TestPublicProofs fetches every published document's proof and checks
// it three ways: with tlog.Verify; with golang.org/x/mod/sumdb (the note
// signature, CheckRecord over the bundle's proof); and by rebuilding the
// proof with sumdb from the hash tiles the site serves under /log/. Any
// changed byte fails.
func TestPublicProofs(t *testing.T) {
	f := publicFx(t)
	verifier, err := note.NewVerifier(f.vkey)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range f.liveNums() {
		resp, bundle := f.get(t, fmt.Sprintf("/doc/%d/proof", n))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/doc/%d/proof: %d", n, resp.StatusCode)
		}
		if ct, cd := resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"); ct != "text/plain; charset=utf-8" ||
			cd != fmt.Sprintf(`attachment; filename="dossier-%d.proof"`, n) {
			t.Errorf("proof %d: Content-Type %q, Content-Disposition %q", n, ct, cd)
		}
		if _, api := f.get(t, fmt.Sprintf("/api/v1/doc/%d/proof", n)); !bytes.Equal(api, bundle) {
			t.Errorf("the API's proof of %d differs", n)
		}
		_, raw := f.get(t, fmt.Sprintf("/doc/%d/raw", n))
		rawSum := sha256.Sum256(raw)

		// 1. This package's verifier.
		v, err := tlog.Verify(bundle, f.vkey)
		if err != nil {
			t.Fatalf("proof %d: %v", n, err)
		}
		e, err := publish.Parse(v.Entry)
		if err != nil {
			t.Fatalf("proof %d: entry: %v", n, err)
		}
		if e.Type != publish.TypePublish || e.Number != n || e.ID != f.live[n].ID || v.Index != f.publishIndex[n] ||
			len(e.Files) != 1 || e.Files[0].SHA256 != hex.EncodeToString(rawSum[:]) || e.Files[0].Size != int64(len(raw)) {
			t.Errorf("proof %d: entry %+v at %d, want document %d's publication of its original at %d", n, e, v.Index, n, f.publishIndex[n])
		}

		// 2. Independently: parse the bundle by its spec, open the
		// checkpoint with sumdb's note, check inclusion with CheckRecord.
		entry, index, proof, cp := parseBundleBySpec(t, bundle)
		tree := openCheckpoint(t, cp, verifier)
		leaf := sumtlog.RecordHash(entry)
		if err := sumtlog.CheckRecord(proof, tree.N, tree.Hash, int64(index), leaf); err != nil {
			t.Errorf("proof %d: sumdb CheckRecord: %v", n, err)
		}
		bad := bytes.Clone(entry)
		bad[len(bad)/2] ^= 1
		if sumtlog.CheckRecord(proof, tree.N, tree.Hash, int64(index), sumtlog.RecordHash(bad)) == nil {
			t.Errorf("proof %d: sumdb accepted a changed entry", n)
		}

		// 3. Rebuild the proof from the tiles the site serves.
		hr := sumtlog.TileHashReader(tree, httpTiles{t: t, f: f})
		rebuilt, err := sumtlog.ProveRecord(tree.N, int64(index), hr)
		if err != nil {
			t.Fatalf("proof %d: prove from the served tiles: %v", n, err)
		}
		if !slices.Equal(rebuilt, proof) {
			t.Errorf("proof %d: the served tiles give another proof", n)
		}
		// The entry the log serves is the one in the bundle.
		if got := servedEntry(t, f, index, tree.N); !bytes.Equal(got, entry) {
			t.Errorf("proof %d: the log's entry bundle holds other bytes", n)
		}

		// Any changed byte of the bundle fails.
		for _, i := range []int{0, len(tlog.BundleHeader) + 8, bytes.Index(bundle, []byte("index ")) + 6,
			bytes.Index(bundle, []byte("\n\n")) - 3, len(bundle) - 10} {
			bad := bytes.Clone(bundle)
			bad[i] ^= 1
			if _, err := tlog.Verify(bad, f.vkey); err == nil {
				t.Errorf("proof %d: accepted with byte %d changed", n, i)
			}
		}
	}
	// Nothing but the key verifies it.
	_, otherKey, _ := tlog.GenerateKey("dossier.test/public-log")
	_, bundle := f.get(t, fmt.Sprintf("/doc/%d/proof", f.liveNums()[0]))
	if _, err := tlog.Verify(bundle, otherKey); err == nil {
		t.Error("a proof verified with another key")
	}
}

// parseBundleBySpec reads a proof bundle as docs/formats/proof-bundle.md
// describes it, without package tlog.
func parseBundleBySpec(t *testing.T, b []byte) (entry []byte, index uint64, proof sumtlog.RecordProof, checkpoint []byte) {
	t.Helper()
	head, cp, ok := bytes.Cut(b, []byte("\n\n"))
	if !ok {
		t.Fatalf("bundle without a checkpoint:\n%s", b)
	}
	lines := strings.Split(string(head), "\n")
	if len(lines) < 3 || lines[0] != "c2sp.org/tlog-proof@v1" || !strings.HasPrefix(lines[1], "extra ") || !strings.HasPrefix(lines[2], "index ") {
		t.Fatalf("bundle head:\n%s", head)
	}
	entry, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(lines[1], "extra "))
	if err != nil {
		t.Fatal(err)
	}
	if index, err = strconv.ParseUint(strings.TrimPrefix(lines[2], "index "), 10, 64); err != nil {
		t.Fatal(err)
	}
	for _, l := range lines[3:] {
		h, err := base64.StdEncoding.DecodeString(l)
		if err != nil || len(h) != sumtlog.HashSize {
			t.Fatalf("proof line %q", l)
		}
		proof = append(proof, sumtlog.Hash(h))
	}
	return entry, index, proof, cp
}

// openCheckpoint verifies a checkpoint note with sumdb's note package and
// returns its tree.
func openCheckpoint(t *testing.T, cp []byte, v note.Verifier) sumtlog.Tree {
	t.Helper()
	n, err := note.Open(cp, note.VerifierList(v))
	if err != nil {
		t.Fatalf("checkpoint does not verify: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 3 || lines[0] != v.Name() {
		t.Fatalf("checkpoint text %q", n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != sumtlog.HashSize {
		t.Fatalf("checkpoint root %q", lines[2])
	}
	return sumtlog.Tree{N: size, Hash: sumtlog.Hash(root)}
}

// httpTiles reads hash tiles from the public site for sumdb:
// tlog-tiles names them tile/L/N[.p/W] (height 8), sumdb
// tile/8/L/N[.p/W]. A partial tile may be gone once the full one exists.
type httpTiles struct {
	t *testing.T
	f *publicFixture
}

func (h httpTiles) Height() int { return 8 }

func (h httpTiles) ReadTiles(tiles []sumtlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, tile := range tiles {
		p := "/log/" + strings.Replace(tile.Path(), "tile/8/", "tile/", 1)
		resp, b := h.f.get(h.t, p)
		if resp.StatusCode == http.StatusNotFound && tile.W < 1<<tile.H {
			full := tile
			full.W = 1 << tile.H
			resp, b = h.f.get(h.t, "/log/"+strings.Replace(full.Path(), "tile/8/", "tile/", 1))
			if len(b) >= tile.W*sumtlog.HashSize {
				b = b[:tile.W*sumtlog.HashSize]
			}
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %d", p, resp.StatusCode)
		}
		out[i] = b
	}
	return out, nil
}

func (h httpTiles) SaveTiles([]sumtlog.Tile, [][]byte) {}

// servedEntry reads entry index from the entry bundles the site serves
// (tlog-tiles: big-endian uint16 length, then the entry).
func servedEntry(t *testing.T, f *publicFixture, index uint64, size int64) []byte {
	t.Helper()
	n := index / 256
	w := uint64(size) - n*256
	p := fmt.Sprintf("/log/tile/entries/%03d", n)
	if w < 256 {
		p += fmt.Sprintf(".p/%d", w)
	}
	resp, b := f.get(t, p)
	if resp.StatusCode == http.StatusNotFound {
		resp, b = f.get(t, fmt.Sprintf("/log/tile/entries/%03d", n))
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", p, resp.StatusCode)
	}
	for i := uint64(0); len(b) >= 2; i++ {
		l := int(b[0])<<8 | int(b[1])
		if len(b) < 2+l {
			break
		}
		if i == index%256 {
			return b[2 : 2+l]
		}
		b = b[2+l:]
	}
	t.Fatalf("entry %d not in %s", index, p)
	return nil
}

// TestPublicFeedsAndSitemap checks the Atom feed, the sitemap (whole and
// split into an index) and robots.txt.
func TestPublicFeedsAndSitemap(t *testing.T) {
	f := publicFx(t)
	resp, b := f.get(t, "/releases.atom")
	if ct := resp.Header.Get("Content-Type"); ct != "application/atom+xml; charset=utf-8" {
		t.Errorf("feed Content-Type %q", ct)
	}
	var feed struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		ID      string   `xml:"id"`
		Title   string   `xml:"title"`
		Updated string   `xml:"updated"`
		Author  struct {
			Name string `xml:"name"`
		} `xml:"author"`
		Links []struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Entries []struct {
			ID      string `xml:"id"`
			Title   string `xml:"title"`
			Updated string `xml:"updated"`
			Summary string `xml:"summary"`
			Link    struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(b, &feed); err != nil {
		t.Fatalf("feed: %v\n%s", err, b)
	}
	self := ""
	for _, l := range feed.Links {
		if l.Rel == "self" {
			self = l.Href
		}
	}
	if feed.ID == "" || feed.Title == "" || feed.Author.Name == "" || self != publicBase+"/releases.atom" {
		t.Errorf("feed head: %+v", feed)
	}
	if _, err := time.Parse(time.RFC3339, feed.Updated); err != nil {
		t.Errorf("feed updated %q", feed.Updated)
	}
	if len(feed.Entries) != 3 {
		t.Fatalf("feed: %d entries, want 2 releases and 1 withdrawal", len(feed.Entries))
	}
	ids := map[string]bool{}
	summaries := ""
	for _, e := range feed.Entries {
		if _, err := time.Parse(time.RFC3339, e.Updated); err != nil || e.ID == "" || e.Title == "" || ids[e.ID] ||
			!strings.HasPrefix(e.Link.Href, publicBase+"/") {
			t.Errorf("feed entry %+v", e)
		}
		ids[e.ID] = true
		summaries += e.Summary + "\n"
	}
	for _, want := range []string{"4 documents published in release first", "2 documents published in release second", withdrawReason} {
		if !strings.Contains(summaries, want) {
			t.Errorf("feed summaries lack %q:\n%s", want, summaries)
		}
	}

	want := []string{publicBase + "/", publicBase + "/releases", publicBase + "/log", publicBase + "/release/first",
		publicBase + "/release/second", publicBase + "/collection/" + publicLeak}
	for _, n := range f.liveNums() {
		want = append(want, fmt.Sprintf("%s/doc/%d", publicBase, n))
	}
	slices.Sort(want)
	type urlset struct {
		URLs []struct {
			Loc     string `xml:"loc"`
			LastMod string `xml:"lastmod"`
		} `xml:"url"`
	}
	locs := func(b []byte) []string {
		var us urlset
		if err := xml.Unmarshal(b, &us); err != nil {
			t.Fatalf("sitemap: %v\n%s", err, b)
		}
		var out []string
		for _, u := range us.URLs {
			out = append(out, u.Loc)
			if strings.Contains(u.Loc, "/doc/") {
				if _, err := time.Parse(time.RFC3339, u.LastMod); err != nil {
					t.Errorf("sitemap lastmod of %s: %q", u.Loc, u.LastMod)
				}
			}
		}
		return out
	}
	_, b = f.get(t, "/sitemap.xml")
	got := locs(b)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("sitemap:\n got %q\nwant %q", got, want)
	}
	// Split: an index of parts holding the same.
	restore := web.SetSitemapSize(3)
	defer restore()
	_, b = f.get(t, "/sitemap.xml")
	var idx struct {
		Sitemaps []struct {
			Loc string `xml:"loc"`
		} `xml:"sitemap"`
	}
	if err := xml.Unmarshal(b, &idx); err != nil || len(idx.Sitemaps) < 2 {
		t.Fatalf("sitemap index: %v\n%s", err, b)
	}
	got = nil
	for _, s := range idx.Sitemaps {
		resp, b := f.get(t, sitePath(f, s.Loc))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", s.Loc, resp.StatusCode)
		}
		got = append(got, locs(b)...)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("split sitemap:\n got %q\nwant %q", got, want)
	}
	restore()

	_, b = f.get(t, "/robots.txt")
	if !bytes.Contains(b, []byte("Sitemap: "+publicBase+"/sitemap.xml")) || !bytes.Contains(b, []byte("Disallow: /api/")) {
		t.Errorf("robots.txt:\n%s", b)
	}
	// The private workspace turns crawlers away.
	if _, b := get(t, "/robots.txt"); !bytes.Contains(b, []byte("Disallow: /\n")) {
		t.Errorf("private robots.txt:\n%s", b)
	}
	for _, p := range []string{"/releases", "/releases.atom", "/sitemap.xml", "/log", "/api/v1/releases"} {
		if resp, _ := get(t, p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("private workspace: %s is %d, want 404", p, resp.StatusCode)
		}
	}
}

// TestPublicLog checks the log's page and files.
func TestPublicLog(t *testing.T) {
	f := publicFx(t)
	_, b := f.get(t, "/log")
	text := textOf(parseHTML(t, b))
	for _, want := range []string{f.vkey, "dossier log verify-proof", "dossier log monitor " + publicBase + "/log/", "c2sp.org/tlog-proof@v1"} {
		if !strings.Contains(text, want) {
			t.Errorf("log page lacks %q", want)
		}
	}
	resp, cp := f.get(t, "/log/checkpoint")
	if resp.StatusCode != http.StatusOK || !bytes.HasPrefix(cp, []byte("dossier.test/public-log\n")) ||
		resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("/log/checkpoint: %d %q\n%s", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"), cp)
	}
	if resp, _ := do(t, f.srv, http.MethodPost, "/log/checkpoint", nil, nil); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /log/checkpoint: %d", resp.StatusCode)
	}
	for _, p := range []string{"/log/../archive/dossier.db", "/log/%2e%2e/log.key", "/log/tile/../../dossier.db"} {
		if resp, _ := f.get(t, p); resp.StatusCode == http.StatusOK {
			t.Errorf("GET %s: 200", p)
		}
	}
}

// TestPublicConfig checks what New refuses in public mode.
func TestPublicConfig(t *testing.T) {
	f := publicFx(t)
	for _, c := range []web.Config{
		{Store: struct{ web.Store }{websqlite.New(f.pub)}, Blobs: f.blobs, Public: true}, // not a PublicStore
		{Store: publicStoreOf(f), Blobs: f.blobs, Public: true, Token: strings.Repeat("x", 20)},
		{Store: publicStoreOf(f), Blobs: f.blobs, Public: true, LogDir: f.logDir, LogKey: "not a key"},
		{Store: publicStoreOf(f), Blobs: f.blobs, LogDir: f.logDir, LogKey: f.vkey}, // the log, privately
	} {
		if _, err := web.New(c); err == nil {
			t.Errorf("New accepted %+v", c)
		}
	}
	// Without a log: no proofs, no /log, and the pages say nothing of it.
	h, err := web.New(web.Config{Store: publicStoreOf(f), Blobs: f.blobs, Public: true})
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]int{"/log": 404, "/log/checkpoint": 404, "/releases": 200,
		fmt.Sprintf("/doc/%d/proof", f.liveNums()[0]): 404, fmt.Sprintf("/doc/%d", f.liveNums()[0]): 200} {
		rec := newRecorder(h, p)
		if rec.Code != want {
			t.Errorf("without a log, %s: %d, want %d", p, rec.Code, want)
		}
		if bytes.Contains(rec.Body.Bytes(), []byte("/proof")) {
			t.Errorf("without a log, %s links a proof", p)
		}
	}
}

// lyingStore is the projection with a bug planted: it returns private
// documents by number.
type lyingStore struct {
	websqlite.Store
	priv *sqlite.Store
}

func (l lyingStore) DocByNum(ctx context.Context, num int64) (*meta.Document, error) {
	return l.priv.DocByNum(ctx, num)
}

// TestPublicBlobsOnlyPublished: even if the store handed out a private
// document, the public site would not serve its bytes.
func TestPublicBlobsOnlyPublished(t *testing.T) {
	f := publicFx(t)
	h, err := web.New(web.Config{Store: lyingStore{websqlite.New(f.pub), f.priv}, Blobs: f.blobs, Public: true})
	if err != nil {
		t.Fatal(err)
	}
	never := newRecorder(h, "/doc/999999/raw")
	for _, d := range f.private {
		if d.SHA256 == "" || slices.ContainsFunc(f.liveNums(), func(n int64) bool { return f.live[n].SHA256 == d.SHA256 }) {
			continue
		}
		for _, p := range []string{"/doc/%d/raw", "/api/v1/doc/%d/raw", "/doc/%d/html"} {
			rec := newRecorder(h, fmt.Sprintf(p, d.Num))
			if strings.HasSuffix(p, "html") && d.Kind != dossier.KindEmail {
				// not a message: "no HTML version", read from nothing
			} else if rec.Code != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", fmt.Sprintf(p, d.Num), rec.Code)
			}
			if strings.HasPrefix(p, "/doc/") && strings.HasSuffix(p, "raw") && !bytes.Equal(rec.Body.Bytes(), never.Body.Bytes()) {
				t.Errorf("%s: not the one 404", fmt.Sprintf(p, d.Num))
			}
			if privMarkerRE.Match(rec.Body.Bytes()) {
				t.Errorf("%s served private bytes", fmt.Sprintf(p, d.Num))
			}
		}
	}
	// A published document's bytes are served.
	n := f.liveNums()[0]
	if rec := newRecorder(h, fmt.Sprintf("/doc/%d/raw", n)); rec.Code != http.StatusOK {
		t.Errorf("/doc/%d/raw: %d", n, rec.Code)
	}
}

func publicStoreOf(f *publicFixture) web.Store { return websqlite.New(f.pub) }

// newRecorder serves one GET of path by h.
func newRecorder(h http.Handler, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

// TestPublicEmpty serves a projection nothing was ever published to, with
// a log that was never written: every page works and says so.
func TestPublicEmpty(t *testing.T) {
	dir := t.TempDir()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "public.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, vkey, err := tlog.GenerateKey("dossier.test/empty")
	if err != nil {
		t.Fatal(err)
	}
	h, err := web.New(web.Config{Store: websqlite.New(st), Blobs: publicFx(t).blobs, Public: true, LogDir: filepath.Join(dir, "log"), LogKey: vkey})
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]int{"/": 200, "/releases": 200, "/releases.atom": 200, "/sitemap.xml": 200, "/robots.txt": 200,
		"/log": 200, "/api/v1/releases": 200, "/api/v1/stats": 200, "/search?q=commonword": 200, "/doc/1": 404, "/doc/1/proof": 404,
		"/log/checkpoint": 404, "/release/first": 404} {
		rec := newRecorder(h, p)
		if rec.Code != want {
			t.Errorf("empty site %s: %d, want %d\n%.300s", p, rec.Code, want, rec.Body.String())
		}
	}
	if rec := newRecorder(h, "/"); !strings.Contains(rec.Body.String(), "Nothing is published yet") {
		t.Errorf("empty home page:\n%s", rec.Body.String())
	}
}

// TestStaticPaging: a static mirror's collection pages are paged by path
// (its files have no query), and the path form works on any site.
func TestStaticPaging(t *testing.T) {
	h, err := web.New(web.Config{Store: websqlite.New(fx.store), Blobs: fx.blobs, Static: true})
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder(h, "/collection/leak")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `href="/collection/leak/page/2"`) ||
		strings.Contains(rec.Body.String(), "?page=") {
		t.Fatalf("static collection page: %d\n%.2000s", rec.Code, rec.Body.String())
	}
	for p, want := range map[string]int{"/collection/leak/page/2": 200, "/collection/leak/page/1": 404, "/collection/leak/page/x": 404} {
		if rec := newRecorder(h, p); rec.Code != want {
			t.Errorf("%s: %d, want %d", p, rec.Code, want)
		}
	}
	if rec := newRecorder(h, "/collection/leak/page/2"); !strings.Contains(rec.Body.String(), "Page 2 of") {
		t.Errorf("page 2:\n%.1000s", rec.Body.String())
	}
	// No search box, no search or API link on a static page.
	for _, p := range []string{"/", "/collection/leak", fmt.Sprintf("/doc/%d", docByMID(t, "thread-reply@example.org").Num)} {
		b := newRecorder(h, p).Body.String()
		for _, bad := range []string{"<form", "/search?", "/api/", "/help/search"} {
			if strings.Contains(b, bad) {
				t.Errorf("static %s holds %q", p, bad)
			}
		}
	}
}
