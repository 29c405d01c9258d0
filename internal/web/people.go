package web

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"html/template"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/people"
)

// PeopleStore is what the people pages read: a [Store] that also keeps a
// watchlist and what matching recorded for it (package people). When the
// Config's Store implements it, the reading room has /people,
// /person/{name} and their API; otherwise those addresses answer 404.
//
// Counts are of indexed documents only (a duplicate is the same bytes as
// a counted document); a document counts once however often it names the
// entity, and only for mentions with a count above zero (occurrences
// dropped by an exclusion are counted apart). Every method is safe for
// concurrent use and sees the latest committed state.
type PeopleStore interface {
	// Watch returns every watched entity in id order. Folded and Keys
	// hold the folded name and aliases (package people's Fold).
	Watch(ctx context.Context) ([]meta.WatchEntry, error)
	// MentionCounts counts the documents and messages that mention entity
	// id, or returns ErrNotFound for an id that is not watched.
	MentionCounts(ctx context.Context, id int64) (*MentionCounts, error)
	// PersonReport returns entity id's timeline and at most limit
	// co-mentioned entities and correspondents.
	PersonReport(ctx context.Context, id int64, limit int) (*PersonReport, error)
	// MentioningNums returns the numbers of the indexed documents that
	// mention entity id, in number order.
	MentioningNums(ctx context.Context, id int64) ([]int64, error)
	// DocMentions returns the recorded mentions of every watched entity
	// in one document.
	DocMentions(ctx context.Context, num int64) ([]meta.NameMention, error)
}

// MentionCounts is how many documents and messages mention a watched
// entity.
type MentionCounts struct {
	Documents int64
	// Messages counts emails that mention the entity in their headers,
	// subject or body, or have an attachment (at any depth) that does.
	Messages     int64
	ByCollection map[string]int64
	// Excluded counts occurrences dropped by the entity's exclusions.
	Excluded int64
}

// PersonReport is what a person's page shows beside the counts.
type PersonReport struct {
	// Timeline counts the mentioning documents by month of their date
	// (YYYY-MM; "" for undated ones), in month order.
	Timeline []MonthCount
	// MentionedWith are the other watched entities most often mentioned
	// in the same documents, most first.
	MentionedWith []NameCount
	// Correspondents are the addresses that exchanged the most messages
	// with the entity, most first.
	Correspondents []Correspondent
}

// MonthCount is a number of documents in one month (YYYY-MM), or undated
// ("").
type MonthCount struct {
	Month string `json:"month"`
	Count int64  `json:"count"`
}

// NameCount is a watched entity's name with a number of documents.
type NameCount struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

// Correspondent is an address that exchanged messages with a watched
// entity. Its JSON is that of `dossier person --json`.
type Correspondent struct {
	Address string `json:"address"`
	Name    string `json:"name,omitempty"`
	// Sent counts messages from the correspondent to the entity,
	// Received messages from the entity to the correspondent.
	Sent     int64      `json:"sent"`
	Received int64      `json:"received"`
	First    *time.Time `json:"first,omitempty"`
	Last     *time.Time `json:"last,omitempty"`
}

// People page bounds.
const (
	maxMentionedWith  = 10
	maxCorrespondents = 10
	// maxMonthlyBars is the widest span of months the timeline shows
	// month by month; a longer span is shown by year.
	maxMonthlyBars = 120
	maxYearlyBars  = 120
	timelineLevels = 20
	snippetBytes   = 240
)

// personQuery is the search query for a watched entity's documents: the
// same as `dossier person` runs.
func personQuery(name string) string { return fieldTerm("person", name) }

// personHref is a watched entity's page.
func personHref(name string) string { return "/person/" + pathEscape(name) }

// errAmbiguous is an alias shared by several watched entities.
type errAmbiguous struct{ names []string }

func (e *errAmbiguous) Error() string {
	return fmt.Sprintf("this name is an alias of several watched people: %s; open one of them from the people list",
		strings.Join(e.names, ", "))
}

// findPerson returns the watched entity called name: the one whose folded
// name is name folded, else the only one with such an alias. It returns
// ErrNotFound, or an *errAmbiguous for an alias of several.
func findPerson(ctx context.Context, ps PeopleStore, name string) (*meta.WatchEntry, error) {
	f := people.Fold(name)
	if f == "" {
		return nil, ErrNotFound
	}
	entries, err := ps.Watch(ctx)
	if err != nil {
		return nil, err
	}
	for i := range entries {
		if entries[i].Folded == f {
			return &entries[i], nil
		}
	}
	var found []*meta.WatchEntry
	for i := range entries {
		if slices.Contains(entries[i].Keys, f) {
			found = append(found, &entries[i])
		}
	}
	switch len(found) {
	case 0:
		return nil, ErrNotFound
	case 1:
		return found[0], nil
	}
	amb := &errAmbiguous{}
	for _, e := range found {
		amb.names = append(amb.names, neutral(e.Name))
	}
	return nil, amb
}

// entityDetails are the parts of a watchlist entry that only its JSON
// holds (package people's Entity).
type entityDetails struct {
	Aliases, Emails, Phones []string
}

func details(e *meta.WatchEntry) entityDetails {
	var ent people.Entity
	if len(e.Entity) > 0 && json.Unmarshal(e.Entity, &ent) == nil {
		return entityDetails{Aliases: ent.Aliases, Emails: ent.Emails, Phones: ent.Phones}
	}
	return entityDetails{}
}

// apiPerson is a watched entity with its counts: the shape of one entry
// of `dossier people --json`, plus its page's address.
type apiPerson struct {
	Name         string           `json:"name"`
	Kind         string           `json:"kind"`
	Aliases      []string         `json:"aliases"`
	Emails       []string         `json:"emails,omitempty"`
	Phones       []string         `json:"phones,omitempty"`
	Documents    int64            `json:"documents"`
	Messages     int64            `json:"messages"`
	ByCollection map[string]int64 `json:"by_collection"`
	Excluded     int64            `json:"excluded_occurrences"`
	URL          string           `json:"url"`
}

func (s *server) personCounts(ctx context.Context, e *meta.WatchEntry) (*apiPerson, error) {
	mc, err := s.people.MentionCounts(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	d := details(e)
	p := &apiPerson{Name: e.Name, Kind: e.Kind, Aliases: d.Aliases, Emails: d.Emails, Phones: d.Phones,
		Documents: mc.Documents, Messages: mc.Messages, ByCollection: mc.ByCollection, Excluded: mc.Excluded,
		URL: personHref(e.Name)}
	if p.Aliases == nil {
		p.Aliases = []string{}
	}
	if p.ByCollection == nil {
		p.ByCollection = map[string]int64{}
	}
	return p, nil
}

// dossier returns a watched entity's counts and report, with at most
// maxMentionedWith co-mentioned entities and maxCorrespondents
// correspondents.
func (s *server) dossier(ctx context.Context, e *meta.WatchEntry) (*apiPerson, *PersonReport, error) {
	p, err := s.personCounts(ctx, e)
	if err != nil {
		return nil, nil, err
	}
	rep, err := s.people.PersonReport(ctx, e.ID, max(maxMentionedWith, maxCorrespondents))
	if err != nil {
		return nil, nil, err
	}
	rep.MentionedWith = rep.MentionedWith[:min(len(rep.MentionedWith), maxMentionedWith)]
	rep.Correspondents = rep.Correspondents[:min(len(rep.Correspondents), maxCorrespondents)]
	return p, rep, nil
}

// allPeople returns every watched entity with its counts, most documents
// first, then by name.
func (s *server) allPeople(ctx context.Context) ([]*apiPerson, error) {
	entries, err := s.people.Watch(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*apiPerson, 0, len(entries))
	for i := range entries {
		p, err := s.personCounts(ctx, &entries[i])
		if errors.Is(err, ErrNotFound) {
			continue // removed since Watch
		}
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	slices.SortStableFunc(out, func(a, b *apiPerson) int {
		return cmp.Or(cmp.Compare(b.Documents, a.Documents), strings.Compare(people.Fold(a.Name), people.Fold(b.Name)))
	})
	return out, nil
}

// lookupPerson finds the entity named by a path value, answering 404 (or
// 500) itself when it cannot; ok is false when it has answered.
func (s *server) lookupPerson(w http.ResponseWriter, r *http.Request, name string) (*meta.WatchEntry, bool) {
	if s.people == nil {
		s.notFound(w, r, "This archive keeps no watchlist.")
		return nil, false
	}
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	e, err := findPerson(ctx, s.people, name)
	var amb *errAmbiguous
	switch {
	case errors.Is(err, ErrNotFound):
		s.notFound(w, r, "Nobody of that name is watched in this archive.")
		return nil, false
	case errors.As(err, &amb):
		s.notFound(w, r, "“"+neutral(name)+"” is an alias of several watched people: "+strings.Join(amb.names, ", ")+
			". Open one of them from the people list.")
		return nil, false
	case err != nil:
		s.internal(w, r, err)
		return nil, false
	}
	return e, true
}

// peopleRow is one line of the people page.
type peopleRow struct {
	Name, Kind, Href string
	Aliases          string
	Documents        int64
	Messages         int64
	Excluded         int64
	ByCollection     []collectionCount
}

type collectionCount struct {
	Name, Href string
	Count      int64
}

func byCollection(m map[string]int64) []collectionCount {
	out := make([]collectionCount, 0, len(m))
	for _, c := range slices.Sorted(maps.Keys(m)) {
		out = append(out, collectionCount{Name: neutral(c), Href: "/collection/" + pathEscape(c), Count: m[c]})
	}
	return out
}

func (s *server) peoplePage(w http.ResponseWriter, r *http.Request) {
	if s.people == nil {
		s.notFound(w, r, "This archive keeps no watchlist.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	all, err := s.allPeople(ctx)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	rows := make([]peopleRow, 0, len(all))
	for _, p := range all {
		rows = append(rows, peopleRow{Name: neutral(p.Name), Kind: neutral(p.Kind), Href: p.URL,
			Aliases: neutral(strings.Join(p.Aliases, ", ")), Documents: p.Documents, Messages: p.Messages,
			Excluded: p.Excluded, ByCollection: byCollection(p.ByCollection)})
	}
	s.render(w, r, http.StatusOK, "people", &page{Title: "People", Data: rows})
}

// personPage is the data of the person template.
type personPage struct {
	Name, Kind          string
	Aliases, Emails     []string
	Phones              []string
	Documents, Messages int64
	Excluded            int64
	ByCollection        []collectionCount
	Query, SearchURL    string
	CSVURL              string
	Timeline            *timelineView
	MentionedWith       []mentionedRow
	Correspondents      []correspondentRow
	Docs                *searchPage
	Mismatch            bool // the search finds another number of documents
}

type mentionedRow struct {
	Name, Href string
	Count      int64
}

type correspondentRow struct {
	Address, Name  string
	Sent, Received int64
	First, Last    *time.Time
	MessagesURL    string
}

func (s *server) personPage(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	v := r.URL.Query()
	pageNum := 1
	if p := v.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > maxPage {
			s.badRequest(w, r, fmt.Sprintf("The page number must be a whole number from 1 to %d.", maxPage))
			return
		}
		pageNum = n
	}
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	e, ok := s.lookupPerson(w, r, name)
	if !ok {
		return
	}
	p, rep, err := s.dossier(ctx, e)
	if errors.Is(err, ErrNotFound) { // removed from the watchlist meanwhile
		s.notFound(w, r, "Nobody of that name is watched in this archive.")
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	pp := &personPage{Name: neutral(e.Name), Kind: neutral(e.Kind), Aliases: neutralAll(p.Aliases),
		Emails: neutralAll(p.Emails), Phones: neutralAll(p.Phones), Documents: p.Documents, Messages: p.Messages,
		Excluded: p.Excluded, ByCollection: byCollection(p.ByCollection), Query: personQuery(e.Name)}
	pp.SearchURL = searchURL(pp.Query, "date", 1)
	pp.CSVURL = personHref(e.Name) + "/documents.csv"
	pp.Timeline = newTimeline(rep.Timeline, pp.Query)
	for _, o := range rep.MentionedWith {
		pp.MentionedWith = append(pp.MentionedWith, mentionedRow{Name: neutral(o.Name), Href: personHref(o.Name), Count: o.Count})
	}
	for _, c := range rep.Correspondents {
		addr := fieldTerm("from", c.Address) + " OR " + fieldTerm("to", c.Address) + " OR " + fieldTerm("cc", c.Address)
		pp.Correspondents = append(pp.Correspondents, correspondentRow{Address: neutral(c.Address), Name: neutral(c.Name),
			Sent: c.Sent, Received: c.Received, First: c.First, Last: c.Last,
			MessagesURL: searchURL(narrow(pp.Query, "("+addr+")"), "date", 1)})
	}
	sp := &searchPage{Query: pp.Query, Sort: "date", Page: pageNum}
	code := s.runSearch(r, sp, pp.Query, "date", pageNum, personHref(e.Name), false)
	if code != http.StatusOK {
		if sp.err == nil {
			sp.err = fmt.Errorf("person query %q failed: %v", pp.Query, sp.Error.Message)
		}
		s.internal(w, r, sp.err)
		return
	}
	if err := s.markMentions(ctx, e.ID, sp); err != nil {
		s.internal(w, r, err)
		return
	}
	pp.Docs = sp
	pp.Mismatch = int64(sp.Result.Total) != p.Documents
	s.render(w, r, http.StatusOK, "person", &page{Title: pp.Name, Data: pp})
}

// markMentions replaces the snippets of a page of hits with the places
// the entity was found: the text around its first recorded occurrences in
// the body, highlighted, and a line that says in which fields and under
// which names it was found.
func (s *server) markMentions(ctx context.Context, id int64, sp *searchPage) error {
	for i := range sp.Hits {
		h := &sp.Hits[i]
		ms, err := s.people.DocMentions(ctx, h.Number)
		if err != nil {
			return err
		}
		var found []string
		var spans [][2]int
		for _, m := range ms {
			if m.Entity != id || m.Count <= 0 {
				continue
			}
			f := m.Field + ": “" + neutral(m.Alias) + "”"
			if m.Count > 1 {
				f += " ×" + strconv.Itoa(m.Count)
			}
			found = append(found, f)
			if m.Field == "body" {
				spans = append(spans, m.Spans...)
			}
		}
		h.Found = strings.Join(found, "; ")
		if len(spans) == 0 {
			continue
		}
		text, err := s.store.Text(ctx, h.Number)
		if err != nil {
			return err
		}
		if sn := spanSnippet(text, spans, snippetBytes); sn != "" {
			h.Snippet = sn
		}
	}
	return nil
}

// spanSnippet returns about size bytes of text around its first spans
// (byte ranges), the spans in <mark>, white space collapsed, everything
// escaped and neutralised; "" if no span fits text.
func spanSnippet(text string, spans [][2]int, size int) template.HTML {
	var ok [][2]int
	for _, sp := range spans {
		a, b := sp[0], sp[1]
		if a < 0 || a >= b || b > len(text) || !utf8.RuneStart(text[a]) || (b < len(text) && !utf8.RuneStart(text[b])) {
			continue
		}
		ok = append(ok, sp)
	}
	slices.SortFunc(ok, func(x, y [2]int) int { return x[0] - y[0] })
	if len(ok) == 0 {
		return ""
	}
	start := max(0, ok[0][0]-size/3)
	for start > 0 && !utf8.RuneStart(text[start]) {
		start--
	}
	if start > 0 { // begin after a space, not inside a word
		if i := strings.IndexFunc(text[start:ok[0][0]], unicode.IsSpace); i >= 0 {
			start += i
		}
	}
	end := min(len(text), max(start+size, ok[0][1]))
	for end < len(text) && !utf8.RuneStart(text[end]) {
		end++
	}
	if end < len(text) {
		if i := strings.LastIndexFunc(text[ok[0][1]:end], unicode.IsSpace); i >= 0 {
			end = ok[0][1] + i
		}
	}
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	last := start
	for _, sp := range ok {
		if sp[0] < last || sp[1] > end {
			continue
		}
		b.WriteString(html.EscapeString(neutral(collapseSpace(text[last:sp[0]]))))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(neutral(collapseSpace(text[sp[0]:sp[1]]))))
		b.WriteString("</mark>")
		last = sp[1]
	}
	b.WriteString(html.EscapeString(neutral(collapseSpace(text[last:end]))))
	if end < len(text) {
		b.WriteString("…")
	}
	return template.HTML(strings.TrimSpace(b.String()))
}

// collapseSpace turns every run of white space into one space.
func collapseSpace(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// timelineView is the bar chart of a person's documents over time.
type timelineView struct {
	Bars    []timelineBar
	Unit    string // "month" or "year"
	Undated int64
	Total   int64
	Peak    int64
	// First and Last are the periods of the first and last bars.
	First, Last string
	// Sparse is set when periods without documents are left out (the
	// dates span too long to show every one).
	Sparse bool
}

type timelineBar struct {
	Period string // 2017-01 or 2017
	Tick   string // label under the axis, "" for none
	Count  int64
	Level  int    // 0..timelineLevels, the bar's height class
	Href   string // the documents of the period
}

// newTimeline builds the chart: month by month with empty months shown,
// or by year when the dates span more than maxMonthlyBars months.
func newTimeline(months []MonthCount, q string) *timelineView {
	tv := &timelineView{Unit: "month"}
	type period struct {
		key   string
		count int64
	}
	var dated []period
	for _, m := range months {
		tv.Total += m.Count
		if m.Month == "" {
			tv.Undated += m.Count
			continue
		}
		if _, err := time.Parse("2006-01", m.Month); err != nil {
			tv.Undated += m.Count
			continue
		}
		dated = append(dated, period{m.Month, m.Count})
	}
	if len(dated) == 0 {
		return tv
	}
	slices.SortFunc(dated, func(a, b period) int { return strings.Compare(a.key, b.key) })
	first, _ := time.Parse("2006-01", dated[0].key)
	last, _ := time.Parse("2006-01", dated[len(dated)-1].key)
	span := (last.Year()-first.Year())*12 + int(last.Month()-first.Month()) + 1
	var bars []period
	if span <= maxMonthlyBars {
		counts := map[string]int64{}
		for _, p := range dated {
			counts[p.key] += p.count
		}
		for t := first; !t.After(last); t = t.AddDate(0, 1, 0) {
			k := t.Format("2006-01")
			bars = append(bars, period{k, counts[k]})
		}
	} else {
		tv.Unit = "year"
		counts := map[int]int64{}
		for _, p := range dated {
			y, _ := strconv.Atoi(p.key[:4])
			counts[y] += p.count
		}
		if years := last.Year() - first.Year() + 1; years <= maxYearlyBars {
			for y := first.Year(); y <= last.Year(); y++ {
				bars = append(bars, period{strconv.Itoa(y), counts[y]})
			}
		} else {
			tv.Sparse = true
			for _, y := range slices.Sorted(maps.Keys(counts)) {
				bars = append(bars, period{strconv.Itoa(y), counts[y]})
			}
		}
	}
	for _, p := range bars {
		tv.Peak = max(tv.Peak, p.count)
	}
	// Tick labels must fit under narrow bars: every period when there
	// are few, else the year at the first bar and at each January (or
	// each decade, by year).
	for i, p := range bars {
		b := timelineBar{Period: p.key, Count: p.count, Href: searchURL(narrow(q, "date:"+p.key), "date", 1)}
		if p.count > 0 {
			b.Level = 1 + int(p.count*(timelineLevels-1)/tv.Peak)
		}
		switch {
		case tv.Unit == "year":
			if len(bars) <= 10 || i == 0 || strings.HasSuffix(p.key, "0") {
				b.Tick = p.key
			}
		case len(bars) <= 6:
			b.Tick = p.key
		case i == 0 || strings.HasSuffix(p.key, "-01"):
			b.Tick = p.key[:4]
		}
		tv.Bars = append(tv.Bars, b)
	}
	tv.First, tv.Last = bars[0].key, bars[len(bars)-1].key
	return tv
}

// personCSV writes every document that mentions a watched entity: one row
// per document, in number order, with where it was found.
func (s *server) personCSV(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	e, ok := s.lookupPerson(w, r, name)
	if !ok {
		return
	}
	nums, err := s.people.MentioningNums(ctx, e.ID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	// Build the whole file before answering, so that an error is a clean
	// 500 rather than a truncated file.
	var b bytes.Buffer
	cw := newCSVWriter(&b)
	cw.row("number", "id", "type", "collection", "date", "from", "subject", "filename", "found_in", "occurrences")
	for _, num := range nums {
		d, err := s.store.DocByNum(ctx, num)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			s.internal(w, r, err)
			return
		}
		ms, err := s.people.DocMentions(ctx, num)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		var where []string
		n := 0
		for _, m := range ms {
			if m.Entity == e.ID && m.Count > 0 {
				n += m.Count
				where = append(where, m.Field+":"+m.Alias)
			}
		}
		date := ""
		if d.Date != nil {
			date = d.Date.UTC().Format(time.RFC3339)
		}
		cw.row(strconv.FormatInt(d.Num, 10), d.ID, string(d.Kind), d.Collection, date, d.Sender, d.Subject,
			d.Filename, strings.Join(where, "; "), strconv.Itoa(n))
	}
	if err := cw.flush(); err != nil {
		s.internal(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	file := strings.NewReplacer("/", "_", "\\", "_").Replace(e.Name) + "-documents.csv"
	h.Set("Content-Disposition", contentDisposition(downloadName(file, 0, false)))
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	if r.Method != http.MethodHead {
		w.Write(b.Bytes())
	}
}

// apiDossier is a person's dossier: the shape of `dossier person --json`
// with the documents paged, their total and the addresses of the page and
// the CSV export.
type apiDossier struct {
	*apiPerson
	Timeline       []MonthCount    `json:"timeline"`
	MentionedWith  []NameCount     `json:"mentioned_with"`
	Correspondents []Correspondent `json:"correspondents"`
	Query          string          `json:"query"`
	Total          int             `json:"documents_total"`
	Hits           []meta.Hit      `json:"documents_list"`
	CSVURL         string          `json:"csv_url"`
}

func (s *server) apiPeople(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	if s.people == nil {
		s.notFound(w, r, "this archive keeps no watchlist")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	all, err := s.allPeople(ctx)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"people": all})
}

func (s *server) apiPerson(w http.ResponseWriter, r *http.Request, p map[string]string) {
	v := r.URL.Query()
	limit, ok := intParam(v.Get("limit"), 20, 1, apiMaxLimit)
	if !ok {
		s.badRequest(w, r, fmt.Sprintf("limit is a whole number from 1 to %d", apiMaxLimit))
		return
	}
	offset, ok := intParam(v.Get("offset"), 0, 0, apiMaxOffset)
	if !ok {
		s.badRequest(w, r, fmt.Sprintf("offset is a whole number from 0 to %d", apiMaxOffset))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	e, ok := s.lookupPerson(w, r, p["name"])
	if !ok {
		return
	}
	pc, rep, err := s.dossier(ctx, e)
	if errors.Is(err, ErrNotFound) { // removed from the watchlist meanwhile
		s.notFound(w, r, "nobody of that name is watched in this archive")
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	d := &apiDossier{apiPerson: pc, Timeline: rep.Timeline, MentionedWith: rep.MentionedWith,
		Correspondents: rep.Correspondents, Query: personQuery(e.Name), CSVURL: personHref(e.Name) + "/documents.csv"}
	res, err := s.store.Search(ctx, meta.SearchRequest{Query: d.Query, Limit: limit, Offset: offset, Sort: "date"})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	d.Total, d.Hits = res.Total, res.Hits
	if d.Timeline == nil {
		d.Timeline = []MonthCount{}
	}
	if d.MentionedWith == nil {
		d.MentionedWith = []NameCount{}
	}
	if d.Correspondents == nil {
		d.Correspondents = []Correspondent{}
	}
	if d.Hits == nil {
		d.Hits = []meta.Hit{}
	}
	writeJSON(w, r, http.StatusOK, d)
}

// csvWriter writes CSV for spreadsheets: a cell that a spreadsheet would
// run as a formula (text from a leak is untrusted: it starts with = + - @,
// a tab or a carriage return) gets a leading quote.
type csvWriter struct{ w *csv.Writer }

func newCSVWriter(w io.Writer) *csvWriter { return &csvWriter{w: csv.NewWriter(w)} }

func (c *csvWriter) row(cells ...string) {
	for i, v := range cells {
		cells[i] = csvCell(v)
	}
	c.w.Write(cells) // errors are kept by the csv.Writer and reported by flush
}

func (c *csvWriter) flush() error {
	c.w.Flush()
	return c.w.Error()
}

// csvCell neutralises one cell (see csvWriter).
func csvCell(v string) string {
	if v != "" && strings.IndexByte("=+-@\t\r", v[0]) >= 0 {
		return "'" + v
	}
	return v
}
