package web_test

// The people pages: /people, /person/{name}, its CSV export and the API,
// over the fixture's watchlist (two watched people whose mentions are
// recorded here with the store's PutWatch and PutMentions, so every count
// is known exactly).

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/newsroom/dossier"
	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/meta/sqlite"
	"github.com/newsroom/dossier/internal/people"
	"github.com/newsroom/dossier/internal/web"
	"github.com/newsroom/dossier/internal/web/websqlite"
)

// Watched names. Fillon's aliases include markup and a bidirectional
// override: they must reach every page escaped and neutralised.
const (
	fillonName  = "François Fillon"
	lepenName   = "Marine Le Pen"
	scriptAlias = "<script>alert(1)</script>"
	canaryAlias = "<img src=x onerror=dossierCanary('alias')>"
	bidiAlias   = "Fillon\u202eexe.fdp"
)

// peopleMessages are the messages of the "people" collection: subjects
// and a sender address a spreadsheet would run as formulas.
func peopleMessages() map[string]string {
	return map[string]string{
		"p1-formula.eml": `From: Formula <=1+1@evil.example>
To: victim@example.org
Subject: =HYPERLINK("http://evil.example/","click") formulacanary
Date: Tue, 15 Nov 2016 09:00:00 +0000
Message-ID: <people-1@evil.example>

Meeting notes: François Fillon will attend, formulacanary.
`,
		"p2-minus.eml": `From: Plus <plus@example.org>
To: victim@example.org
Subject: -2+3 budget minuscanary
Date: Thu, 01 Dec 2016 09:00:00 +0000
Message-ID: <people-2@example.org>

Marine Le Pen and F. Fillon, minuscanary.
`,
	}
}

// watchFixture is the fixture's watchlist and what was recorded for it.
type watchFixture struct {
	fillon, lepen meta.WatchEntry
	// docs are the documents with recorded mentions, by a short name:
	// h1, h2, h2part (where Fillon is found in message 2: its
	// attachment, or the message itself when the attachment is not
	// indexed), root, reply, p1, p2, h4 (only excluded occurrences).
	docs map[string]*meta.Document
	// fillonDocs and lepenDocs are the short names of the documents that
	// count for each.
	fillonDocs, lepenDocs []string
}

func docByMIDIn(ctx context.Context, st *sqlite.Store, mid string) (*meta.Document, error) {
	res, err := st.Search(ctx, meta.SearchRequest{Query: "mid:" + mid})
	if err != nil {
		return nil, err
	}
	if len(res.Hits) != 1 {
		return nil, fmt.Errorf("mid:%s: %d hits", mid, len(res.Hits))
	}
	return st.DocByNum(ctx, res.Hits[0].Number)
}

// spansOf returns the byte ranges of the first n occurrences of word in
// text.
func spansOf(text, word string, n int) [][2]int {
	var out [][2]int
	for i := 0; len(out) < n; {
		j := strings.Index(text[i:], word)
		if j < 0 {
			break
		}
		out = append(out, [2]int{i + j, i + j + len(word)})
		i += j + len(word)
	}
	return out
}

// addWatchlist watches two people and records their mentions in the
// fixture's documents.
func addWatchlist(ctx context.Context, st *sqlite.Store) (*watchFixture, error) {
	wf := &watchFixture{docs: map[string]*meta.Document{}}
	for key, mid := range map[string]string{"h1": "hostile-1@evil.example", "h2": "hostile-2@evil.example",
		"h4": "hostile-4@evil.example", "root": "thread-root@example.org", "reply": "thread-reply@example.org",
		"p1": "people-1@evil.example", "p2": "people-2@example.org"} {
		d, err := docByMIDIn(ctx, st, mid)
		if err != nil {
			return nil, err
		}
		wf.docs[key] = d
	}
	wf.docs["h2part"] = wf.docs["h2"]
	kids, err := st.Children(ctx, wf.docs["h2"].ID)
	if err != nil {
		return nil, err
	}
	for _, k := range kids {
		if k.Status == dossier.Indexed {
			wf.docs["h2part"] = k
		}
	}
	entity := func(e people.Entity) (meta.WatchEntry, error) {
		b, err := json.Marshal(e)
		if err != nil {
			return meta.WatchEntry{}, err
		}
		keys := []string{people.Fold(e.Name)}
		for _, a := range e.Aliases {
			keys = append(keys, people.Fold(a))
		}
		return meta.WatchEntry{Name: e.Name, Kind: "person", Folded: people.Fold(e.Name), Keys: keys, Entity: b}, nil
	}
	fe, err := entity(people.Entity{Name: fillonName, Aliases: []string{"F. Fillon", scriptAlias, canaryAlias, bidiAlias},
		Emails: []string{"alice@example.org"}, Exclude: []string{"Fillon's namesake"}})
	if err != nil {
		return nil, err
	}
	le, err := entity(people.Entity{Name: lepenName, Aliases: []string{"Le Pen"}})
	if err != nil {
		return nil, err
	}
	entries := []meta.WatchEntry{fe, le}
	if _, _, err := st.PutWatch(ctx, entries); err != nil {
		return nil, err
	}
	wf.fillon, wf.lepen = entries[0], entries[1]
	text := func(key string) (string, error) { return st.Text(ctx, wf.docs[key].Num) }
	h1, err := text("h1")
	if err != nil {
		return nil, err
	}
	p1, err := text("p1")
	if err != nil {
		return nil, err
	}
	if len(spansOf(h1, "xsscanary", 2)) == 0 || len(spansOf(p1, fillonName, 1)) == 0 {
		return nil, fmt.Errorf("the texts lack the words to point at: %q, %q", h1, p1)
	}
	F, L := wf.fillon.ID, wf.lepen.ID
	names := map[string][]meta.NameMention{
		// the spans point at another word, so the highlight is the
		// recorded one and not a search match
		"h1": {{Entity: F, Field: "body", Alias: fillonName, Count: 2, Spans: spansOf(h1, "xsscanary", 2)},
			{Entity: F, Field: "subject", Alias: scriptAlias, Count: 1, Spans: [][2]int{{0, len(scriptAlias)}}},
			{Entity: L, Field: "body", Alias: "Le Pen", Count: 1}},
		"h2part": {{Entity: F, Field: "body", Alias: "F. Fillon", Count: 1}},
		"p1":     {{Entity: F, Field: "body", Alias: fillonName, Count: 1, Excluded: 1, Spans: spansOf(p1, fillonName, 1)}},
		"p2": {{Entity: F, Field: "body", Alias: "F. Fillon", Count: 1},
			{Entity: L, Field: "body", Alias: lepenName, Count: 1}},
		"h4": {{Entity: F, Field: "body", Alias: "Fillon", Count: 0, Excluded: 2}},
	}
	if wf.docs["h2part"] == wf.docs["h2"] {
		names["h2part"] = append(names["h2part"], meta.NameMention{Entity: L, Field: "body", Alias: "Le Pen", Count: 1})
	} else {
		names["h2"] = []meta.NameMention{{Entity: L, Field: "body", Alias: "Le Pen", Count: 1}}
	}
	var batch []meta.DocMentions
	for key, ms := range names {
		batch = append(batch, meta.DocMentions{Num: wf.docs[key].Num, Mentions: &meta.Mentions{Names: ms}})
	}
	if err := st.PutMentions(ctx, batch, true); err != nil {
		return nil, err
	}
	// The conversation: Fillon (alice@example.org) writes to Bob, who
	// answers; with the addresses of both messages, for correspondents.
	threadMentions := []meta.DocMentions{
		{Num: wf.docs["root"].Num, Mentions: &meta.Mentions{
			Names: []meta.NameMention{{Entity: F, Field: "from", Alias: "alice@example.org", Count: 1}},
			Addresses: []meta.Address{{Role: "from", Address: "alice@example.org", Name: "Alice"},
				{Role: "to", Address: "bob@example.org"}}}},
		{Num: wf.docs["reply"].Num, Mentions: &meta.Mentions{
			Names: []meta.NameMention{{Entity: F, Field: "to", Alias: "alice@example.org", Count: 1}},
			Addresses: []meta.Address{{Role: "from", Address: "bob@example.org", Name: "Bob"},
				{Role: "to", Address: "alice@example.org"}}}},
	}
	if err := st.PutMentions(ctx, threadMentions, false); err != nil {
		return nil, err
	}
	wf.fillonDocs = []string{"h1", "h2part", "root", "reply", "p1", "p2"}
	wf.lepenDocs = []string{"h1", "h2", "p2"}
	return wf, nil
}

// nums returns the numbers of the short-named documents, sorted.
func (wf *watchFixture) nums(keys []string) []int64 {
	var out []int64
	for _, k := range keys {
		if n := wf.docs[k].Num; !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// months counts the short-named documents by month of their date, as
// the timeline does ("" for undated).
func (wf *watchFixture) months(keys []string) map[string]int64 {
	out := map[string]int64{}
	for _, n := range wf.nums(keys) {
		for _, d := range wf.docs {
			if d.Num == n {
				m := ""
				if d.Date != nil {
					m = d.Date.UTC().Format("2006-01")
				}
				out[m]++
				break
			}
		}
	}
	return out
}

// messages counts the emails among the short-named documents and their
// parents.
func (wf *watchFixture) messages(keys []string) int64 {
	seen := map[int64]bool{}
	for _, k := range keys {
		d := wf.docs[k]
		if d.Kind != dossier.KindEmail {
			d = wf.docs["h2"] // the only attachment used is message 2's
		}
		seen[d.Num] = true
	}
	return int64(len(seen))
}

func fillonPath() string { return "/person/" + url.PathEscape(fillonName) }

// byID returns the element with an id attribute.
func byID(root *html.Node, id string) *html.Node {
	var out *html.Node
	walk(root, func(n *html.Node) {
		if v, ok := attr(n, "id"); ok && v == id && out == nil {
			out = n
		}
	})
	return out
}

// byClass returns the elements of a tag with a class.
func byClass(root *html.Node, tag, class string) []*html.Node {
	var out []*html.Node
	walk(root, func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == tag {
			if c, ok := attr(n, "class"); ok && slices.Contains(strings.Fields(c), class) {
				out = append(out, n)
			}
		}
	})
	return out
}

func TestPeoplePage(t *testing.T) {
	wf := fx.watch
	b := mustGet(t, "/people", http.StatusOK)
	checkInert(t, "/people", b)
	root := parseHTML(t, b)
	if l := links(root, "People"); !slices.Contains(l, "/people") {
		t.Error("no People link in the navigation")
	}
	rows := byClass(root, "a", "name")
	if len(rows) != 2 || textOf(rows[0]) != fillonName || textOf(rows[1]) != lepenName {
		t.Fatalf("people rows: %d, want Fillon then Le Pen", len(rows))
	}
	if h, _ := attr(rows[0], "href"); h != fillonPath() {
		t.Errorf("link to Fillon: %q, want %q", h, fillonPath())
	}
	var counts []string
	for _, td := range byClass(root, "td", "docs") {
		counts = append(counts, textOf(td))
	}
	want := []string{strconv.Itoa(len(wf.nums(wf.fillonDocs))), strconv.Itoa(len(wf.nums(wf.lepenDocs)))}
	if !slices.Equal(counts, want) {
		t.Errorf("document counts %q, want %q", counts, want)
	}
	page := string(b)
	for _, s := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", `Fillon\u202eexe.fdp`} {
		if !strings.Contains(page, s) {
			t.Errorf("/people: alias not shown escaped as %s", s)
		}
	}
	if strings.Contains(page, "\u202e") || strings.Contains(page, "<img src=x") {
		t.Error("/people: an alias reached the page raw")
	}
}

func TestPersonPage(t *testing.T) {
	wf := fx.watch
	b := mustGet(t, fillonPath(), http.StatusOK)
	checkInert(t, "person", b)
	root := parseHTML(t, b)
	page := textOf(root)
	nDocs := len(wf.nums(wf.fillonDocs))
	for id, want := range map[string]string{"documents": strconv.Itoa(nDocs),
		"messages": strconv.FormatInt(wf.messages(wf.fillonDocs), 10), "excluded": "3"} {
		if n := byID(root, id); n == nil || textOf(n) != want {
			t.Errorf("#%s: want %s", id, want)
		}
	}
	if !strings.Contains(page, "hostile 4") || !strings.Contains(page, "people 2") {
		t.Errorf("counts by collection missing")
	}
	// The timeline: one bar per month from the first to the last, with
	// the number of each month.
	months := wf.months(wf.fillonDocs)
	var wantBars []string
	for _, m := range []string{"2016-11", "2016-12", "2017-01"} {
		wantBars = append(wantBars, fmt.Sprintf("%s: %s", m, docCount(months[m])))
	}
	var bars []string
	for _, ol := range byClass(root, "ol", "bars") {
		for li := ol.FirstChild; li != nil; li = li.NextSibling {
			if li.Type == html.ElementNode {
				bars = append(bars, strings.TrimSpace(textOf(li)))
			}
		}
	}
	if !slices.Equal(bars, wantBars) {
		t.Errorf("timeline bars %q, want %q", bars, wantBars)
	}
	if months[""] > 0 && !strings.Contains(page, fmt.Sprintf("%d undated", months[""])) {
		t.Errorf("timeline: %d undated documents not said", months[""])
	}
	levels := map[string]bool{}
	for _, sp := range byClass(root, "span", "bar") {
		c, _ := attr(sp, "class")
		levels[c] = true
	}
	if !levels["bar h20"] || len(levels) < 2 {
		t.Errorf("bar heights %v: want the tallest at h20 and others lower", levels)
	}
	// Mentioned with: Le Pen, with the documents that name both.
	both := 0
	for _, n := range wf.nums(wf.lepenDocs) {
		if slices.Contains(wf.nums(wf.fillonDocs), n) {
			both++
		}
	}
	if l := links(root, lepenName); !slices.Contains(l, "/person/"+url.PathEscape(lepenName)) {
		t.Errorf("no link to Le Pen's page: %q", l)
	}
	if w := byClass(root, "ul", "mentioned-with"); len(w) != 1 || !strings.Contains(textOf(w[0]), fmt.Sprintf("%d documents", both)) {
		t.Errorf("mentioned with: want Le Pen with %d documents", both)
	}
	// Correspondents: Bob wrote to Fillon once, Fillon to Bob once.
	ct := byClass(root, "table", "correspondents")
	if len(ct) != 1 {
		t.Fatal("no correspondents table")
	}
	var rows [][]string
	walk(ct[0], func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "tr" {
			var cells []string
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.ElementNode {
					cells = append(cells, strings.TrimSpace(textOf(c)))
				}
			}
			rows = append(rows, cells)
		}
	})
	want := [][]string{{"Address", "Name", "From them", "To them", "First", "Last"},
		{"bob@example.org", "Bob", "1", "1", "2017-01-06", "2017-01-06"}}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("correspondents: %q, want %q", rows, want)
	}
	if strings.Contains(textOf(ct[0]), "alice@example.org") {
		t.Error("Fillon's own address listed as a correspondent")
	}
	// Documents: every one, newest first, with where the name was found
	// and the recorded occurrences highlighted.
	var hits []int64
	for _, li := range byClass(root, "span", "num") {
		n, _ := strconv.ParseInt(strings.TrimPrefix(textOf(li), "#"), 10, 64)
		hits = append(hits, n)
	}
	got := slices.Sorted(slices.Values(hits))
	if !slices.Equal(got, wf.nums(wf.fillonDocs)) {
		t.Errorf("documents listed %v, want %v", hits, wf.nums(wf.fillonDocs))
	}
	if !strings.Contains(page, nDocsText(nDocs)) {
		t.Errorf("the documents' total %d is not shown", nDocs)
	}
	src := string(b)
	for _, want := range []string{"<mark>xsscanary</mark>", "<mark>François Fillon</mark>",
		"Found in body: “François Fillon” ×2; subject: “&lt;script&gt;alert(1)&lt;/script&gt;”",
		"Found in from: “alice@example.org”", `href="` + fillonPath() + `/documents.csv"`} {
		if !strings.Contains(src, want) {
			t.Errorf("person page lacks %s", want)
		}
	}
	if l := links(root, "Search these documents"); len(l) != 1 || l[0] != "/search?q="+url.QueryEscape(`person:"François Fillon"`)+"&sort=date" {
		t.Errorf("search link %q", l)
	}
	if strings.Contains(src, "\u202e") || strings.Contains(src, "<img src=x") || strings.Contains(src, "The search finds") {
		t.Error("raw bidi control, or the search and the counts disagree")
	}
}

func docCount(n int64) string {
	if n == 1 {
		return "1 document"
	}
	return fmt.Sprintf("%d documents", n)
}

func nDocsText(n int) string { return fmt.Sprintf("%d documents, newest first", n) }

// TestPersonLookup: by the name in any case and accents, by alias
// (escaped in the path, slash included), and 404 for anyone else.
func TestPersonLookup(t *testing.T) {
	for _, name := range []string{fillonName, "francois FILLON", "F. Fillon", "f fillon", scriptAlias, bidiAlias} {
		p := "/person/" + url.PathEscape(name)
		b := mustGet(t, p, http.StatusOK)
		h1 := ""
		walk(parseHTML(t, b), func(n *html.Node) {
			if n.Type == html.ElementNode && n.Data == "h1" && h1 == "" {
				h1 = textOf(n)
			}
		})
		if h1 != fillonName {
			t.Errorf("%s: page of %q", p, h1)
		}
	}
	for _, p := range []string{"/person/Nobody", "/person/%20", "/person/-", "/person/Nobody/documents.csv", "/person/Fillon"} {
		resp, b := get(t, p)
		if resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: %d %s, want the 404 page", p, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		checkInert(t, p, b)
	}
	for _, p := range []string{fillonPath() + "?page=0", fillonPath() + "?page=x", fillonPath() + "?page=501"} {
		if resp, _ := get(t, p); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", p, resp.StatusCode)
		}
	}
	// beyond the last page: no documents, and a way back
	b := mustGet(t, fillonPath()+"?page=2", http.StatusOK)
	if l := links(parseHTML(t, b), "Previous"); len(l) != 1 || l[0] != fillonPath() {
		t.Errorf("page 2: previous link %q", l)
	}
}

func TestPersonCSV(t *testing.T) {
	wf := fx.watch
	resp, b := get(t, fillonPath()+"/documents.csv")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("CSV: %d\n%s", resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "documents.csv") {
		t.Errorf("Content-Disposition %q", cd)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := []string{"number", "id", "type", "collection", "date", "from", "subject", "filename", "found_in", "occurrences"}
	if len(rows) == 0 || !slices.Equal(rows[0], header) {
		t.Fatalf("header %q", rows[:min(len(rows), 1)])
	}
	rows = rows[1:]
	var nums []int64
	byNum := map[int64][]string{}
	for _, r := range rows {
		n, _ := strconv.ParseInt(r[0], 10, 64)
		nums = append(nums, n)
		byNum[n] = r
		for i, c := range r {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				t.Errorf("row %s column %s: %q would run as a formula", r[0], header[i], c)
			}
		}
	}
	if !slices.Equal(nums, wf.nums(wf.fillonDocs)) {
		t.Errorf("CSV rows %v, want %v in number order", nums, wf.nums(wf.fillonDocs))
	}
	h1 := byNum[wf.docs["h1"].Num]
	if want := []string{wf.docs["h1"].ID, "email", "hostile", "2017-01-02T10:00:00Z", "mallory@evil.example",
		"<script>alert(1)</script> quarterly xsscanary", "01-script-subject.eml", "body:François Fillon; subject:<script>alert(1)</script>", "3"}; !slices.Equal(h1[1:], want) {
		t.Errorf("hostile 1 row:\n got %q\nwant %q", h1[1:], want)
	}
	p1 := byNum[wf.docs["p1"].Num]
	if p1[5] != "'=1+1@evil.example" || p1[6] != `'=HYPERLINK("http://evil.example/","click") formulacanary` || p1[9] != "1" {
		t.Errorf("formula row not neutralised: %q", p1)
	}
	if p2 := byNum[wf.docs["p2"].Num]; p2[6] != "'-2+3 budget minuscanary" {
		t.Errorf("minus subject not neutralised: %q", p2[6])
	}
	if r := byNum[wf.docs["h4"].Num]; r != nil {
		t.Errorf("a document with only excluded occurrences is listed: %q", r)
	}
	if resp, _ := do(t, fx.srv, http.MethodHead, fillonPath()+"/documents.csv", nil, nil); resp.StatusCode != http.StatusOK ||
		resp.Header.Get("Content-Length") != strconv.Itoa(len(b)) {
		t.Errorf("HEAD: %d, Content-Length %s", resp.StatusCode, resp.Header.Get("Content-Length"))
	}
}

// apiPerson is the API's person and dossier.
type apiPerson struct {
	Name         string           `json:"name"`
	Kind         string           `json:"kind"`
	Aliases      []string         `json:"aliases"`
	Emails       []string         `json:"emails"`
	Documents    int64            `json:"documents"`
	Messages     int64            `json:"messages"`
	ByCollection map[string]int64 `json:"by_collection"`
	Excluded     int64            `json:"excluded_occurrences"`
	URL          string           `json:"url"`
	Timeline     []struct {
		Month string `json:"month"`
		Count int64  `json:"count"`
	} `json:"timeline"`
	MentionedWith []struct {
		Name  string `json:"name"`
		Count int64  `json:"count"`
	} `json:"mentioned_with"`
	Correspondents []struct {
		Address  string     `json:"address"`
		Name     string     `json:"name"`
		Sent     int64      `json:"sent"`
		Received int64      `json:"received"`
		First    *time.Time `json:"first"`
		Last     *time.Time `json:"last"`
	} `json:"correspondents"`
	Query  string     `json:"query"`
	Total  int        `json:"documents_total"`
	Hits   []meta.Hit `json:"documents_list"`
	CSVURL string     `json:"csv_url"`
}

func TestPeopleAPI(t *testing.T) {
	wf := fx.watch
	var list struct {
		People []apiPerson `json:"people"`
	}
	decode(t, mustGet(t, "/api/v1/people", http.StatusOK), &list)
	if len(list.People) != 2 {
		t.Fatalf("people: %+v", list)
	}
	f, l := list.People[0], list.People[1]
	if f.Name != fillonName || f.Documents != int64(len(wf.nums(wf.fillonDocs))) || f.Messages != wf.messages(wf.fillonDocs) ||
		f.Excluded != 3 || f.URL != fillonPath() || !reflect.DeepEqual(f.ByCollection, map[string]int64{"hostile": 4, "people": 2}) ||
		!slices.Equal(f.Aliases, []string{"F. Fillon", scriptAlias, canaryAlias, bidiAlias}) || f.Kind != "person" {
		t.Errorf("Fillon: %+v", f)
	}
	if l.Name != lepenName || l.Documents != int64(len(wf.nums(wf.lepenDocs))) || l.Messages != wf.messages(wf.lepenDocs) || l.Excluded != 0 {
		t.Errorf("Le Pen: %+v", l)
	}

	var d apiPerson
	decode(t, mustGet(t, "/api/v1/people/"+url.PathEscape("FRANCOIS fillon"), http.StatusOK), &d)
	if d.Name != fillonName || d.Documents != f.Documents || d.Query != `person:"François Fillon"` ||
		d.CSVURL != fillonPath()+"/documents.csv" || d.Total != int(f.Documents) || len(d.Hits) != int(f.Documents) {
		t.Errorf("dossier: %+v", d)
	}
	months := wf.months(wf.fillonDocs)
	for _, m := range d.Timeline {
		if months[m.Month] != m.Count {
			t.Errorf("timeline %s: %d, want %d", m.Month, m.Count, months[m.Month])
		}
		delete(months, m.Month)
	}
	if len(months) > 0 {
		t.Errorf("timeline lacks %v", months)
	}
	if len(d.MentionedWith) != 1 || d.MentionedWith[0].Name != lepenName {
		t.Errorf("mentioned with: %+v", d.MentionedWith)
	}
	if c := d.Correspondents; len(c) != 1 || c[0].Address != "bob@example.org" || c[0].Sent != 1 || c[0].Received != 1 ||
		c[0].First == nil || c[0].Last == nil || !c[0].First.Before(*c[0].Last) {
		t.Errorf("correspondents: %+v", c)
	}
	for i := 1; i < len(d.Hits); i++ {
		if a, b := d.Hits[i-1].Date, d.Hits[i].Date; a != nil && b != nil && a.Before(*b) {
			t.Errorf("documents not newest first: %v before %v", a, b)
		}
	}
	// paging
	var page apiPerson
	decode(t, mustGet(t, "/api/v1/people/"+url.PathEscape(fillonName)+"?limit=2&offset=2", http.StatusOK), &page)
	if len(page.Hits) != 2 || page.Total != d.Total || page.Hits[0].Number != d.Hits[2].Number || page.Hits[1].Number != d.Hits[3].Number {
		t.Errorf("limit=2&offset=2: %d hits", len(page.Hits))
	}
	// by an alias with a slash, escaped
	var byAlias apiPerson
	decode(t, mustGet(t, "/api/v1/people/"+url.PathEscape(scriptAlias), http.StatusOK), &byAlias)
	if byAlias.Name != fillonName {
		t.Errorf("by alias: %q", byAlias.Name)
	}
	for _, c := range []struct {
		path, code string
		status     int
	}{
		{"/api/v1/people/Nobody", "not_found", 404},
		{"/api/v1/people/" + url.PathEscape(fillonName) + "?limit=0", "bad_request", 400},
		{"/api/v1/people/" + url.PathEscape(fillonName) + "?offset=-1", "bad_request", 400},
		{"/api/v1/people/a/b", "not_found", 404},
	} {
		resp, b := get(t, c.path)
		var e apiError
		decode(t, b, &e)
		if resp.StatusCode != c.status || e.Error.Code != c.code {
			t.Errorf("%s: %d %+v, want %d %s", c.path, resp.StatusCode, e.Error, c.status, c.code)
		}
	}
}

// TestPersonFacet: the search page's Person facet narrows the query and
// links to the person's page.
func TestPersonFacet(t *testing.T) {
	b := mustGet(t, "/search?q="+q("collection:people"), http.StatusOK)
	checkInert(t, "person facet", b)
	root := parseHTML(t, b)
	if l := links(root, "dossier"); !slices.Contains(l, fillonPath()) || !slices.Contains(l, "/person/"+url.PathEscape(lepenName)) {
		t.Errorf("person facet: dossier links %q", l)
	}
	narrowed := `/search?q=` + url.QueryEscape(`collection:people person:"François Fillon"`)
	if l := links(root, fillonName); !slices.Contains(l, narrowed) {
		t.Errorf("person facet: links %q, want %s", l, narrowed)
	}
}

// plainStore is a Store without people analysis.
type plainStore struct{ web.Store }

// TestNoPeopleStore: with a store that keeps no watchlist the people pages
// do not exist and the navigation does not offer them.
func TestNoPeopleStore(t *testing.T) {
	h, err := web.New(web.Config{Store: plainStore{websqlite.New(fx.store)}, Blobs: fx.blobs})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, p := range []string{"/people", fillonPath(), fillonPath() + "/documents.csv", "/api/v1/people", "/api/v1/people/" + url.PathEscape(fillonName)} {
		if resp, _ := do(t, srv, http.MethodGet, p, nil, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, resp.StatusCode)
		}
	}
	_, b := do(t, srv, http.MethodGet, "/search?q="+q("collection:people"), nil, nil)
	if bytes.Contains(b, []byte(`href="/people"`)) || bytes.Contains(b, []byte(`href="/person/`)) {
		t.Error("links to people pages without a people store")
	}
}
