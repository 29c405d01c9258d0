package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/newsroom/dossier/internal/dkim"
	"github.com/newsroom/dossier/internal/ingest"
	"github.com/newsroom/dossier/internal/meta"
)

// parseHTML parses a page, failing the test if it is not HTML.
func parseHTML(t *testing.T, b []byte) *html.Node {
	t.Helper()
	n, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func walk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// links returns the href of every <a> whose text contains text.
func links(root *html.Node, text string) []string {
	var out []string
	walk(root, func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "a" && strings.Contains(textOf(n), text) {
			if h, ok := attr(n, "href"); ok {
				out = append(out, h)
			}
		}
	})
	return out
}

func textOf(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return b.String()
}

// checkInert fails if a page could run script or load anything from
// elsewhere: no script element, no event handler attribute, no
// javascript: URL, no remote src/href, frames only sandboxed and local.
func checkInert(t *testing.T, what string, b []byte) {
	t.Helper()
	root := parseHTML(t, b)
	walk(root, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		switch n.Data {
		case "script", "object", "embed", "base":
			t.Errorf("%s: <%s> element in the page", what, n.Data)
		case "iframe":
			if _, ok := attr(n, "sandbox"); !ok {
				t.Errorf("%s: iframe without sandbox", what)
			}
			if src, _ := attr(n, "src"); !strings.HasPrefix(src, "/doc/") {
				t.Errorf("%s: iframe src %q", what, src)
			}
		}
		for _, a := range n.Attr {
			k := strings.ToLower(a.Key)
			v := strings.ToLower(strings.TrimSpace(a.Val))
			if strings.HasPrefix(k, "on") {
				t.Errorf("%s: event handler attribute %s=%q on <%s>", what, a.Key, a.Val, n.Data)
			}
			if k == "style" {
				t.Errorf("%s: inline style on <%s>", what, n.Data)
			}
			if k == "href" || k == "src" || k == "action" || k == "formaction" {
				if strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "data:") || (strings.HasPrefix(v, "http") && !strings.HasPrefix(v, fx.srv.URL+"/")) || strings.HasPrefix(v, "//") {
					t.Errorf("%s: %s=%q on <%s>", what, a.Key, a.Val, n.Data)
				}
			}
		}
	})
	if bytes.Contains(b, []byte("<script>alert(1)</script>")) {
		t.Errorf("%s: unescaped script in the page", what)
	}
}

func TestHome(t *testing.T) {
	b := mustGet(t, "/", http.StatusOK)
	checkInert(t, "home", b)
	root := parseHTML(t, b)
	for _, want := range []string{"leak", "hostile"} {
		if l := links(root, want); len(l) == 0 || l[0] != "/collection/"+want {
			t.Errorf("home: no link to collection %s (%v)", want, l)
		}
	}
	if !bytes.Contains(b, []byte(`<label for="q">`)) || !bytes.Contains(b, []byte(`id="q"`)) {
		t.Error("home: search box without a label")
	}
}

func TestSearchPage(t *testing.T) {
	// every email: enough for several pages
	res, err := fx.store.Search(context.Background(), meta.SearchRequest{Query: "type:email", Facets: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total <= 40 {
		t.Fatalf("fixture too small: %d emails", res.Total)
	}
	b := mustGet(t, "/search?q="+q("type:email"), http.StatusOK)
	checkInert(t, "search", b)
	root := parseHTML(t, b)
	if !strings.Contains(textOf(root), strconv.Itoa(res.Total)) {
		t.Errorf("search page does not show the total %d", res.Total)
	}
	var hits int
	walk(root, func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "ol" {
			if c, _ := attr(n, "class"); c == "hits" {
				for li := n.FirstChild; li != nil; li = li.NextSibling {
					if li.Type == html.ElementNode {
						hits++
					}
				}
			}
		}
	})
	if hits != 20 {
		t.Errorf("first page has %d hits, want 20", hits)
	}
	// pagination
	next := links(root, "Next")
	if len(next) != 1 || !strings.Contains(next[0], "page=2") {
		t.Fatalf("next link: %v", next)
	}
	b2 := mustGet(t, next[0], http.StatusOK)
	if prev := links(parseHTML(t, b2), "Previous"); len(prev) != 1 {
		t.Errorf("page 2 has no previous link")
	}
	if !strings.Contains(string(b2), "showing 21 to 40") {
		t.Errorf("page 2 does not say which hits it shows")
	}
	// facets narrow by ANDing a term
	hostile := links(root, "hostile")
	if len(hostile) == 0 {
		t.Fatalf("no collection facet link for hostile")
	}
	u := hostile[0]
	if !strings.Contains(u, q(`collection:"hostile"`)) {
		t.Errorf("facet link %q does not add collection:\"hostile\"", u)
	}
	nb := mustGet(t, u, http.StatusOK)
	want, err := fx.store.Search(context.Background(), meta.SearchRequest{Query: `type:email collection:"hostile"`})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(textOf(parseHTML(t, nb)), fmt.Sprintf("%d documents match", want.Total)) {
		t.Errorf("narrowed search does not show %d matches", want.Total)
	}
	// sort by date
	if !strings.Contains(textOf(root), "a query of fields only has no relevance order") {
		t.Errorf("a query of filters does not say it is sorted by date")
	}
	if l := links(parseHTML(t, mustGet(t, "/search?q=budget", http.StatusOK)), "newest first"); len(l) != 1 || !strings.Contains(l[0], "sort=date") {
		t.Errorf("sort link: %v", l)
	}
	mustGet(t, "/search?q="+q("type:email")+"&sort=date&page=2", http.StatusOK)
}

func TestSearchHighlights(t *testing.T) {
	b := mustGet(t, "/search?q=xsscanary", http.StatusOK)
	checkInert(t, "search xsscanary", b)
	if !bytes.Contains(b, []byte("<mark>xsscanary</mark>")) {
		t.Errorf("no highlighted snippet:\n%.3000s", b)
	}
	if !bytes.Contains(b, []byte("&lt;script&gt;alert(1)&lt;/script&gt;")) {
		t.Errorf("hostile subject not shown escaped")
	}
}

func TestSearchErrors(t *testing.T) {
	// empty: a helpful page, not an error
	b := mustGet(t, "/search?q=", http.StatusOK)
	if !strings.Contains(string(b), "What to type") {
		t.Error("empty query page has no help")
	}
	// malformed: 400 with the column
	resp, b := get(t, "/search?q="+q(`compte "societe`))
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("malformed query: status %d", resp.StatusCode)
	}
	if !strings.Contains(string(b), "at column 8") || !strings.Contains(string(b), "       ^") {
		t.Errorf("malformed query page lacks the column and caret:\n%.2000s", b)
	}
	for _, bad := range []string{"auteur:hugo", "(a OR b", "date:hier", "!!!"} {
		if resp, b := get(t, "/search?q="+q(bad)); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%q: status %d\n%.500s", bad, resp.StatusCode, b)
		}
	}
	for _, u := range []string{"/search?q=a&sort=nope", "/search?q=a&page=0", "/search?q=a&page=x", "/search?q=a&page=100000"} {
		if resp, _ := get(t, u); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", u, resp.StatusCode)
		}
	}
	if resp, _ := get(t, "/search?q="+strings.Repeat("a", 2000)); resp.StatusCode != http.StatusRequestURITooLong {
		t.Errorf("long query: status %d, want 414", resp.StatusCode)
	}
	if resp, _ := get(t, "/search?q="+strings.Repeat("a%20", 5000)); resp.StatusCode != http.StatusRequestURITooLong {
		t.Errorf("huge query string: status %d, want 414", resp.StatusCode)
	}
}

func TestEmailPage(t *testing.T) {
	d := docByMID(t, "hostile-2@evil.example")
	b := mustGet(t, fmt.Sprintf("/doc/%d", d.Num), http.StatusOK)
	checkInert(t, "email page", b)
	root := parseHTML(t, b)
	text := textOf(root)
	for _, want := range []string{"Mallory <mallory@evil.example>", "victim@example.org", "invoice rtlcanary",
		"hostile-2@evil.example", "2017-01-03", "See the attached invoice", "Not verified yet", "Download the original"} {
		if !strings.Contains(text, want) {
			t.Errorf("email page lacks %q", want)
		}
	}
	// the attachment, its name neutralised
	kids := children(t, d)
	var att *meta.Document
	for _, k := range kids {
		if k.Filename != "" {
			att = k
		}
	}
	if att == nil {
		t.Fatalf("no attachment among %d children", len(kids))
	}
	if !strings.ContainsRune(att.Filename, '\u202e') {
		t.Fatalf("the parser dropped the RTL override from %q; the test needs it", att.Filename)
	}
	if strings.ContainsRune(text, '\u202e') || bytes.Contains(b, []byte("\u202e")) {
		t.Error("RTL override sent to the browser")
	}
	if !strings.Contains(text, `invoice\u202efdp.exe`) {
		t.Errorf("attachment name not shown neutralised")
	}
	if l := links(root, "download"); len(l) == 0 || l[0] != fmt.Sprintf("/doc/%d/raw", att.Num) {
		t.Errorf("no download link for the attachment: %v", l)
	}
	// OpenGraph
	for _, p := range []string{`property="og:title" content="invoice rtlcanary"`, `property="og:type" content="article"`,
		`property="og:url" content="` + fx.srv.URL + fmt.Sprintf("/doc/%d", d.Num), `name="twitter:card"`, `property="og:description"`} {
		if !bytes.Contains(b, []byte(p)) {
			t.Errorf("document page lacks %s", p)
		}
	}
	if !bytes.Contains(b, []byte("<title>invoice rtlcanary · dossier</title>")) {
		t.Error("document page title")
	}
}

func TestAttachmentPage(t *testing.T) {
	d := docByMID(t, "hostile-2@evil.example")
	var att *meta.Document
	for _, k := range children(t, d) {
		if k.Filename != "" {
			att = k
		}
	}
	b := mustGet(t, fmt.Sprintf("/doc/%d", att.Num), http.StatusOK)
	checkInert(t, "attachment page", b)
	root := parseHTML(t, b)
	if l := links(root, "invoice rtlcanary"); len(l) == 0 || l[0] != fmt.Sprintf("/doc/%d", d.Num) {
		t.Errorf("attachment page: no link up to its message (%v)", l)
	}
	if l := links(root, "hostile"); len(l) == 0 || l[0] != "/collection/hostile" {
		t.Errorf("attachment page: no link to its collection (%v)", l)
	}
	text := textOf(root)
	for _, want := range []string{att.SHA256, "part:2", "Download the original"} {
		if !strings.Contains(text, want) {
			t.Errorf("attachment page lacks %q", want)
		}
	}
}

func TestRawDownload(t *testing.T) {
	for name, want := range fx.files {
		mid := map[string]string{"01": "hostile-1@evil.example", "02": "hostile-2@evil.example", "03": "hostile-3@evil.example",
			"04": "hostile-4@evil.example", "05": "thread-root@example.org", "06": "thread-reply@example.org"}[name[:2]]
		d := docByMID(t, mid)
		resp, b := get(t, fmt.Sprintf("/doc/%d/raw", d.Num))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", name, resp.StatusCode)
		}
		if !bytes.Equal(b, want) {
			t.Errorf("%s: raw bytes differ from the input (%d vs %d bytes)", name, len(b), len(want))
		}
		checkDownloadHeaders(t, name, resp, len(want))
		if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="`+name+`"`) {
			t.Errorf("%s: Content-Disposition %q", name, cd)
		}
	}
	// the attachment: its decoded bytes, with a harmless name
	d := docByMID(t, "hostile-2@evil.example")
	for _, k := range children(t, d) {
		if k.Filename == "" {
			continue
		}
		for _, path := range []string{fmt.Sprintf("/doc/%d/raw", k.Num), fmt.Sprintf("/api/v1/doc/%d/raw", k.Num)} {
			resp, b := get(t, path)
			if resp.StatusCode != http.StatusOK || !bytes.Equal(b, attachmentBytes) {
				t.Fatalf("%s: status %d, %d bytes, want the attachment's %d", path, resp.StatusCode, len(b), len(attachmentBytes))
			}
			checkDownloadHeaders(t, "attachment", resp, len(attachmentBytes))
			cd := resp.Header.Get("Content-Disposition")
			if strings.ContainsAny(cd, "\r\n\u202e") || resp.Header.Get("X-Injected") != "" {
				t.Errorf("unsafe Content-Disposition %q", cd)
			}
			if !strings.HasPrefix(cd, `attachment; filename="invoice_fdp.exe__X-Injected: yes__"; filename*=UTF-8''invoice_fdp.exe__X-Injected%3A%20yes__`) {
				t.Errorf("Content-Disposition %q", cd)
			}
		}
	}
	// HEAD: headers, no body
	resp, b := do(t, fx.srv, http.MethodHead, fmt.Sprintf("/doc/%d/raw", d.Num), nil, nil)
	if resp.StatusCode != http.StatusOK || len(b) != 0 || resp.Header.Get("Content-Length") != strconv.FormatInt(d.Size, 10) {
		t.Errorf("HEAD raw: %d, %d bytes, length %q", resp.StatusCode, len(b), resp.Header.Get("Content-Length"))
	}
}

func checkDownloadHeaders(t *testing.T, what string, resp *http.Response, size int) {
	t.Helper()
	h := resp.Header
	if got := h.Get("Content-Length"); got != strconv.Itoa(size) {
		t.Errorf("%s: Content-Length %q, want %d", what, got, size)
	}
	if !strings.HasPrefix(h.Get("Content-Disposition"), "attachment;") {
		t.Errorf("%s: Content-Disposition %q", what, h.Get("Content-Disposition"))
	}
	if h.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("%s: Content-Type %q", what, h.Get("Content-Type"))
	}
	if h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("%s: no nosniff", what)
	}
	if csp := h.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "sandbox") {
		t.Errorf("%s: CSP %q", what, csp)
	}
}

func TestHTMLBody(t *testing.T) {
	d := docByMID(t, "hostile-3@evil.example")
	page := mustGet(t, fmt.Sprintf("/doc/%d", d.Num), http.StatusOK)
	checkInert(t, "html email page", page)
	if !bytes.Contains(page, []byte(fmt.Sprintf(`<iframe class="mailhtml" sandbox src="/doc/%d/html"`, d.Num))) {
		t.Fatalf("no sandboxed frame for the HTML body")
	}
	resp, b := get(t, fmt.Sprintf("/doc/%d/html", d.Num))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("html: status %d", resp.StatusCode)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"sandbox", "default-src 'none'", "style-src 'unsafe-inline'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("html CSP %q lacks %s", csp, want)
		}
	}
	if strings.Contains(csp, "script-src") || strings.Contains(csp, "allow-scripts") {
		t.Errorf("html CSP allows script: %q", csp)
	}
	s := string(b)
	for _, bad := range []string{"<script", "alert(1)", "<img", "<iframe", "<form", "<link", "<svg", "onload", "url(", "javascript:",
		`href="http`, "<style>body{background"} {
		if strings.Contains(s, bad) {
			t.Errorf("sanitised HTML contains %q:\n%s", bad, s)
		}
	}
	for _, want := range []string{"<b>reader</b>", "htmlcanary", "landing page", "[http://evil.example/landing]", "color: red", "styled"} {
		if !strings.Contains(s, want) {
			t.Errorf("sanitised HTML lacks %q:\n%s", want, s)
		}
	}
	// HTML-only message, legacy charset
	d4 := docByMID(t, "hostile-4@evil.example")
	page4 := mustGet(t, fmt.Sprintf("/doc/%d", d4.Num), http.StatusOK)
	if !bytes.Contains(page4, []byte("sandbox src=")) {
		t.Errorf("HTML-only message has no HTML frame")
	}
	b4 := mustGet(t, fmt.Sprintf("/doc/%d/html", d4.Num), http.StatusOK)
	if !strings.Contains(string(b4), "Café htmlonlycanary") || strings.Contains(string(b4), "<img") {
		t.Errorf("HTML-only body:\n%s", b4)
	}
	// a plain message has no frame
	d5 := docByMID(t, "thread-root@example.org")
	if page5 := mustGet(t, fmt.Sprintf("/doc/%d", d5.Num), http.StatusOK); bytes.Contains(page5, []byte("<iframe")) {
		t.Error("plain message with an HTML frame")
	}
}

func TestThreadAndSame(t *testing.T) {
	root := docByMID(t, "thread-root@example.org")
	reply := docByMID(t, "thread-reply@example.org")
	if root.ThreadID == "" || root.ThreadID != reply.ThreadID {
		t.Fatalf("fixture: thread ids %q and %q", root.ThreadID, reply.ThreadID)
	}
	b := mustGet(t, fmt.Sprintf("/doc/%d", reply.Num), http.StatusOK)
	n := parseHTML(t, b)
	if l := links(n, "Previous"); len(l) != 1 || l[0] != fmt.Sprintf("/doc/%d", root.Num) {
		t.Errorf("reply: previous link %v", l)
	}
	if l := links(n, "whole conversation"); len(l) != 1 || l[0] != "/thread/"+root.ThreadID {
		t.Errorf("reply: thread link %v", l)
	}
	tb := mustGet(t, "/thread/"+root.ThreadID, http.StatusOK)
	checkInert(t, "thread", tb)
	for _, want := range []string{"First message of the threadcanary", "Reply in the threadcanary", "Re: budget threadcanary"} {
		if !bytes.Contains(tb, []byte(want)) {
			t.Errorf("thread page lacks %q", want)
		}
	}
	mustGet(t, "/thread/0000000000000000", http.StatusNotFound)

	// the generator's shared attachment: one blob, several documents
	sh := fx.man.Shared
	if sh == nil {
		t.Fatal("fixture has no shared attachment")
	}
	docs, err := fx.store.DocsBySHA256(context.Background(), sh.SHA256)
	if err != nil || len(docs) < 2 {
		t.Fatalf("shared attachment: %d documents, %v", len(docs), err)
	}
	sb := mustGet(t, "/sha256/"+sh.SHA256, http.StatusOK)
	sn := parseHTML(t, sb)
	for _, d := range docs {
		found := false
		walk(sn, func(x *html.Node) {
			if h, _ := attr(x, "href"); x.Data == "a" && h == fmt.Sprintf("/doc/%d", d.Num) {
				found = true
			}
		})
		if !found {
			t.Errorf("sha256 page lacks document %d", d.Num)
		}
	}
	mustGet(t, "/sha256/"+strings.ToUpper(sh.SHA256), http.StatusOK)
	db := mustGet(t, fmt.Sprintf("/doc/%d", docs[0].Num), http.StatusOK)
	if !bytes.Contains(db, []byte("Same content elsewhere")) || !bytes.Contains(db, []byte(fmt.Sprintf(`href="/doc/%d"`, docs[1].Num))) {
		t.Error("document page does not list the same content elsewhere")
	}
	mustGet(t, "/sha256/"+strings.Repeat("0", 64), http.StatusNotFound)
	mustGet(t, "/sha256/xyz", http.StatusNotFound)
}

func TestCollectionAndID(t *testing.T) {
	b := mustGet(t, "/collection/hostile", http.StatusOK)
	checkInert(t, "collection", b)
	if !bytes.Contains(b, []byte("Collection hostile")) || !bytes.Contains(b, []byte("invoice rtlcanary")) {
		t.Errorf("collection page:\n%.2000s", b)
	}
	mustGet(t, "/collection/leak?page=2", http.StatusOK)
	mustGet(t, "/collection/nope", http.StatusNotFound)
	mustGet(t, "/collection/leak?page=-1", http.StatusBadRequest)

	d := docByMID(t, "hostile-1@evil.example")
	resp, _ := get(t, "/id/"+d.ID)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != fmt.Sprintf("/doc/%d", d.Num) {
		t.Errorf("/id/: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	mustGet(t, "/id/"+strings.Repeat("0", 32), http.StatusNotFound)
	mustGet(t, "/id/nothex", http.StatusNotFound)
}

func TestAuthPanel(t *testing.T) {
	ctx := context.Background()
	d := docByMID(t, "hostile-1@evil.example")
	tail := int64(len(unsignedTail) + 1) // CRLF in the file
	total := int64(len(fx.files["01-script-subject.eml"]) - bytes.Index(fx.files["01-script-subject.eml"], []byte("\r\n\r\n")) - 4)
	signed := total - tail
	exp := time.Date(2017, 2, 1, 0, 0, 0, 0, time.UTC)
	rep := &dkim.Report{Verdict: dkim.VerifiedWeak, AsOf: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), FromDomain: "evil.example",
		BodyBytes: total,
		Signatures: []dkim.Signature{{
			Domain: "evil.example", Selector: "s2017", Algorithm: "rsa-sha256", Canon: "simple/simple", KeyType: "rsa", KeyBits: 1024,
			Result: dkim.Pass, Weak: []string{dkim.WeakBodyLength, dkim.WeakKeyUnder2048},
			SignedHeaders: []string{"from", "to", "subject", "date"}, BodyLength: &signed, UnsignedBodyBytes: tail,
			Expires: &exp, Expired: true, Aligned: true, KeySource: "dns-archive-2017", KeyFingerprint: "ab12",
		}, {
			Domain: "<b>relay</b>.example", Selector: "x", Algorithm: "rsa-sha1", Result: dkim.Fail, Reason: dkim.ReasonBodyHash,
			Detail: "body hash did not verify", Weak: []string{dkim.WeakSHA1},
		}},
		ARC: &dkim.ARC{Result: "pass", Instances: 1, Sets: []dkim.ARCSet{{Instance: 1, Domain: "relay.example", Selector: "arc", CV: "none", Seal: dkim.Pass, Message: dkim.Pass}}},
	}
	if err := fx.store.PutAuth(ctx, []meta.Auth{{Num: d.Num, Report: rep}}); err != nil {
		t.Fatal(err)
	}
	b := mustGet(t, fmt.Sprintf("/doc/%d", d.Num), http.StatusOK)
	checkInert(t, "auth panel", b)
	root := parseHTML(t, b)
	text := textOf(root)
	for _, want := range []string{"Verified, with weaknesses", "evil.example", "s2017", "rsa-sha256", "rsa 1024 bits", "pass",
		"body-length-limit", "rsa-key-under-2048", "from, to, subject, date", "expired", "dns-archive-2017",
		"body-hash-mismatch", "body hash did not verify", "<b>relay</b>.example", "ARC chain", "not covered by any signature",
		"weaker evidence", fmt.Sprintf("%d bytes signed", signed)} {
		if !strings.Contains(text, want) {
			t.Errorf("auth panel lacks %q", want)
		}
	}
	// the tail is marked, and only the tail
	var marked string
	walk(root, func(n *html.Node) {
		if c, _ := attr(n, "class"); n.Data == "mark" && c == "unsigned-tail" {
			marked = textOf(n)
		}
	})
	if !strings.HasSuffix(marked, strings.TrimSuffix(unsignedTail, "\n")+"\n") || strings.Contains(marked, "xsscanary") {
		t.Errorf("unsigned tail marked as %q", marked)
	}
	// the JSON API carries the report
	var doc struct {
		Auth *dkim.Report `json:"authenticity"`
	}
	decode(t, mustGet(t, fmt.Sprintf("/api/v1/doc/%d", d.Num), http.StatusOK), &doc)
	if doc.Auth == nil || doc.Auth.Verdict != dkim.VerifiedWeak || len(doc.Auth.Signatures) != 2 {
		t.Errorf("API auth: %+v", doc.Auth)
	}
	// each verdict has its badge and explanation
	for v, want := range map[dkim.Verdict][2]string{
		dkim.Verified:     {"badge-good\">Verified<", "does not prove who typed"},
		dkim.Failed:       {"badge-bad\">Failed<", "does not prove forgery"},
		dkim.Unverifiable: {"badge-neutral\">Unverifiable<", "Nothing is proven"},
		dkim.Unsigned:     {"badge-neutral\">Unsigned<", "Nothing is proven"},
	} {
		r := &dkim.Report{Verdict: v, AsOf: time.Now()}
		if err := fx.store.PutAuth(ctx, []meta.Auth{{Num: d.Num, Report: r}}); err != nil {
			t.Fatal(err)
		}
		b := mustGet(t, fmt.Sprintf("/doc/%d", d.Num), http.StatusOK)
		if !bytes.Contains(b, []byte(want[0])) || !bytes.Contains(b, []byte(want[1])) {
			t.Errorf("verdict %s: badge or explanation missing", v)
		}
		if bytes.Contains(b, []byte("not covered by any signature")) {
			t.Errorf("verdict %s: unsigned tail shown without an l= signature", v)
		}
	}
}

func TestErrorsAndTraversal(t *testing.T) {
	for _, u := range []string{"/doc/0", "/doc/-1", "/doc/abc", "/doc/99999999", "/doc/99999999999999999999999",
		"/doc/99999999/raw", "/doc/%2e%2e/raw", "/static/..%2f..%2fgo.mod", "/static/nope.css", "/nope", "/doc/1/nope",
		"/thread/%00", "/collection/..%2f..", "/id/..%2f"} {
		resp, b := get(t, u)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", u, resp.StatusCode)
		}
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || bytes.Contains(b, []byte("goroutine")) {
			t.Errorf("%s: not a clean error page", u)
		}
	}
	// path cleaning redirects, never a file
	resp, _ := get(t, "/static/../../../etc/passwd")
	if loc := resp.Header.Get("Location"); resp.StatusCode/100 == 3 {
		if r2, _ := get(t, loc); r2.StatusCode != http.StatusNotFound {
			t.Errorf("traversal: redirected to %s, then %d", loc, r2.StatusCode)
		}
	} else if resp.StatusCode != http.StatusNotFound {
		t.Errorf("traversal: status %d", resp.StatusCode)
	}
	resp, b := do(t, fx.srv, http.MethodPost, "/search?q=a", nil, nil)
	if resp.StatusCode != http.StatusMethodNotAllowed || !bytes.Contains(b, []byte("<h1>")) {
		t.Errorf("POST /search: %d", resp.StatusCode)
	}
	resp, _ = do(t, fx.srv, http.MethodGet, "/"+strings.Repeat("a", 3000), nil, nil)
	if resp.StatusCode != http.StatusRequestURITooLong {
		t.Errorf("long path: %d", resp.StatusCode)
	}
	resp, _ = do(t, fx.srv, http.MethodPost, "/login", strings.NewReader(strings.Repeat("a", 10000)),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	if resp.StatusCode != http.StatusRequestEntityTooLarge && resp.StatusCode != http.StatusSeeOther {
		t.Errorf("large form: %d", resp.StatusCode)
	}
}

// TestSecurityHeaders checks the headers on every kind of response.
func TestSecurityHeaders(t *testing.T) {
	d := docByMID(t, "hostile-3@evil.example")
	paths := []string{"/", "/search?q=budget", "/search?q=%22", "/help/search", fmt.Sprintf("/doc/%d", d.Num),
		fmt.Sprintf("/doc/%d/raw", d.Num), fmt.Sprintf("/doc/%d/html", d.Num), "/sha256/" + d.SHA256, "/collection/hostile",
		"/thread/" + d.ThreadID, "/id/" + d.ID, "/static/style.css", "/nope", "/doc/999999", "/login",
		"/api/v1/search?q=budget", "/api/v1/stats", "/api/v1/nope", "/api/v1/openapi.json", fmt.Sprintf("/api/v1/doc/%d/raw", d.Num)}
	for _, p := range paths {
		resp, _ := get(t, p)
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		switch {
		case strings.HasSuffix(p, "/raw"):
			if !strings.HasPrefix(csp, "sandbox") {
				t.Errorf("%s: CSP %q", p, csp)
			}
		case strings.HasSuffix(p, "/html"):
			if !strings.HasPrefix(csp, "sandbox; default-src 'none'") || h.Get("X-Frame-Options") != "SAMEORIGIN" {
				t.Errorf("%s: CSP %q, XFO %q", p, csp, h.Get("X-Frame-Options"))
			}
		default:
			for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("%s: CSP %q lacks %s", p, csp, want)
				}
			}
			if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
				t.Errorf("%s: CSP allows inline code: %q", p, csp)
			}
			if h.Get("X-Frame-Options") != "DENY" {
				t.Errorf("%s: X-Frame-Options %q", p, h.Get("X-Frame-Options"))
			}
		}
		if h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", p)
		}
		if h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: Referrer-Policy %q", p, h.Get("Referrer-Policy"))
		}
	}
}

// TestSeesNewDocuments: documents committed after the server started
// (an ingest running alongside) show up without a restart.
func TestSeesNewDocuments(t *testing.T) {
	dir := t.TempDir()
	msg := "From: late@example.org\r\nSubject: latecomer\r\nMessage-ID: <late@example.org>\r\n\r\nlatecanary\r\n"
	if err := writeFile(dir+"/late.eml", msg); err != nil {
		t.Fatal(err)
	}
	if resp, _ := get(t, "/search?q=latecanary"); resp.StatusCode != http.StatusOK {
		t.Fatal(resp.Status)
	}
	if _, err := fx.ing.Run(context.Background(), ingest.Options{Collection: "late", Paths: []string{dir}}); err != nil {
		t.Fatal(err)
	}
	b := mustGet(t, "/search?q=latecanary", http.StatusOK)
	if !bytes.Contains(b, []byte("latecomer")) {
		t.Error("a document ingested while serving is not found")
	}
}

// TestHostileRequests: odd queries and paths never give a server error.
func TestHostileRequests(t *testing.T) {
	queries := []string{"%00", "%ff%fe", "%e2%80%ae", strings.Repeat("(", 500), strings.Repeat("-", 900), strings.Repeat(`"`, 301),
		"a%20OR%20", "from:", "date:0000-00", "date:9999..0001", "type:image/*", "filename:*", "*", "compt*able",
		"mid:<<>>", "thread:", "exact:", "subject:(from:x)", "dkim:maybe", strings.Repeat("x*%20", 200), "%22%5C", "NOT%20NOT%20NOT"}
	for _, qs := range queries {
		for _, p := range []string{"/search?q=", "/api/v1/search?q=", "/search?sort=date&q="} {
			resp, b := get(t, p+qs)
			if resp.StatusCode >= 500 {
				t.Errorf("%s%.60s: %d\n%.300s", p, qs, resp.StatusCode, b)
			}
		}
	}
	for _, p := range []string{"/doc/%00", "/doc/1%0d%0aX:y", "/sha256/%00", "/thread/%ff", "/collection/%00", "/id/%e2%80%ae",
		"/api/v1/doc/%00", "/api/v1/thread/..", "/api/v1/doc/id/%00", "/static/%2e%2e", "//etc/passwd", "/doc//raw"} {
		if resp, b := get(t, p); resp.StatusCode >= 500 {
			t.Errorf("%s: %d\n%.300s", p, resp.StatusCode, b)
		}
	}
}

// TestDuplicatePage: a duplicate shows its first copy's fields and text.
func TestDuplicatePage(t *testing.T) {
	if len(fx.man.Duplicates) == 0 {
		t.Fatal("fixture has no duplicate message")
	}
	first := docByMID(t, fx.man.Duplicates[0].MessageID)
	same, err := fx.store.DocsBySHA256(context.Background(), first.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	var dup *meta.Document
	for _, d := range same {
		if d.Status == "duplicate" {
			dup = d
		}
	}
	if dup == nil {
		t.Fatalf("no duplicate among %d copies", len(same))
	}
	b := mustGet(t, fmt.Sprintf("/doc/%d", dup.Num), http.StatusOK)
	root := parseHTML(t, b)
	text := textOf(root)
	if !strings.Contains(text, first.Subject) || !strings.Contains(text, "the first copy of these bytes") {
		t.Errorf("duplicate page does not show the first copy's subject %q", first.Subject)
	}
	if l := links(root, "document "+strconv.FormatInt(first.Num, 10)); len(l) == 0 {
		t.Error("duplicate page does not link to the first copy")
	}
}
