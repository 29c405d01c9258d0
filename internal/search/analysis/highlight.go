package analysis

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Terms is what a query looks for, in the form the highlighter needs. Add
// query words to it with the Add methods; a nil or empty Terms matches
// nothing. Terms is safe for concurrent reads once built.
type Terms struct {
	stems    map[string]struct{}
	folds    map[string]struct{}
	exact    map[string]struct{}
	prefixes []string
}

// Add records a query word matched through stemming: a document token
// matches if its French or English stem is one of w's stems.
func (t *Terms) Add(w Word) {
	if t.stems == nil {
		t.stems = make(map[string]struct{})
	}
	t.stems[w.StemFR] = struct{}{}
	t.stems[w.StemEN] = struct{}{}
}

// AddFold records a word matched on its folded form only (names,
// addresses, file names).
func (t *Terms) AddFold(w Word) {
	if t.folds == nil {
		t.folds = make(map[string]struct{})
	}
	t.folds[w.Fold] = struct{}{}
}

// AddExact records a word matched on its exact form only.
func (t *Terms) AddExact(w Word) {
	if t.exact == nil {
		t.exact = make(map[string]struct{})
	}
	t.exact[w.Exact] = struct{}{}
}

// AddPrefix records a prefix: a document token matches if its folded form
// starts with the folded prefix.
func (t *Terms) AddPrefix(w Word) {
	t.prefixes = append(t.prefixes, w.Fold)
}

// Empty reports whether t matches nothing.
func (t *Terms) Empty() bool {
	return t == nil || len(t.stems)+len(t.folds)+len(t.exact)+len(t.prefixes) == 0
}

// Span is a highlighted range text[Start:End] of byte offsets.
type Span struct {
	Start, End int
}

// Spans returns the byte ranges of text whose tokens match t, in order.
func (t *Terms) Spans(text string) []Span {
	if t.Empty() {
		return nil
	}
	a := get()
	defer put(a)
	var spans []Span
	a.toks = Tokenize(text, a.toks[:0])
	for _, tok := range a.toks {
		if t.match(a, text[tok.Start:tok.End]) {
			spans = append(spans, Span(tok))
		}
	}
	return spans
}

func (t *Terms) match(a *Analyzer, tok string) bool {
	if len(t.exact) > 0 {
		a.ebuf, a.low = appendExact(a.ebuf[:0], a.low, tok)
		if _, ok := t.exact[string(a.ebuf)]; ok {
			return true
		}
	}
	a.fold = AppendFold(a.fold[:0], tok)
	if len(a.fold) == 0 {
		return false
	}
	if _, ok := t.folds[string(a.fold)]; ok {
		return true
	}
	for _, p := range t.prefixes {
		if strings.HasPrefix(string(a.fold), p) {
			return true
		}
	}
	if len(t.stems) > 0 {
		if _, ok := t.stems[a.stem(a.fold, French)]; ok {
			return true
		}
		if _, ok := t.stems[a.stem(a.fold, English)]; ok {
			return true
		}
	}
	return false
}

// Excerpt is a window of a text with the matching ranges of that window.
// Spans are byte offsets into Text.
type Excerpt struct {
	Text  string
	Spans []Span
	// Start is the byte offset in the source text where the excerpt
	// begins (to tell which page it comes from).
	Start int
}

// Ellipsis marks text cut from either side of an excerpt.
const Ellipsis = "…"

// Snippet returns the window of about max bytes of text that holds the
// most matches of t, cut at word boundaries, with runs of white space
// collapsed to one space and Ellipsis where text was cut. With no match it
// returns the beginning of text.
func (t *Terms) Snippet(text string, max int) Excerpt {
	if max <= 0 {
		max = 200
	}
	spans := t.Spans(text)
	start, end := 0, len(text)
	if len(text) > max {
		start, end = window(text, spans, max)
	}
	ex := excerpt(text, spans, start, end)
	ex.Start = start
	return ex
}

// window picks the byte range [start, end) of text, at most about max bytes,
// holding the most spans.
func window(text string, spans []Span, max int) (start, end int) {
	if len(spans) > 0 {
		best, bestN, j := 0, 0, 0
		for i := range spans {
			if j < i {
				j = i
			}
			for j < len(spans) && spans[j].End-spans[i].Start <= max {
				j++
			}
			if n := j - i; n > bestN {
				best, bestN = i, n
			}
		}
		first := spans[best]
		last := spans[best+max0(bestN-1)]
		slack := max - (last.End - first.Start)
		start = first.Start - slack/3
		if start < 0 {
			start = 0
		}
	}
	end = start + max
	if end > len(text) {
		end = len(text)
		start = max0(end - max)
	}
	// Snap to word boundaries without cutting a match.
	if start > 0 {
		if i := strings.IndexFunc(text[start:], unicode.IsSpace); i >= 0 && i < 40 && (len(spans) == 0 || start+i <= spanAtOrAfter(spans, start)) {
			start += i
		}
		for start < len(text) && !utf8.RuneStart(text[start]) {
			start++
		}
	}
	if end < len(text) {
		if i := strings.LastIndexFunc(text[start:end], unicode.IsSpace); i > 0 && end-(start+i) < 40 {
			end = start + i
		}
		for end > start && !utf8.RuneStart(text[end]) {
			end--
		}
	}
	return start, end
}

func max0(n int) int {
	if n < 0 {
		return 0
	}
	return n
}

// spanAtOrAfter returns the start of the first span starting at or after
// off, or a large number.
func spanAtOrAfter(spans []Span, off int) int {
	for _, s := range spans {
		if s.Start >= off {
			return s.Start
		}
	}
	return int(^uint(0) >> 1)
}

// excerpt builds the Excerpt of text[start:end], collapsing white space and
// remapping the spans that lie inside the window.
func excerpt(text string, spans []Span, start, end int) Excerpt {
	var b strings.Builder
	b.Grow(end - start + 2*len(Ellipsis))
	if start > 0 {
		b.WriteString(Ellipsis)
	}
	var out []Span
	si := 0
	for si < len(spans) && spans[si].Start < start {
		si++
	}
	space := false
	var cur Span
	open := false
	for i := start; i < end; {
		if si < len(spans) && !open && i == spans[si].Start && spans[si].End <= end {
			if space {
				b.WriteByte(' ')
				space = false
			}
			cur = Span{Start: b.Len()}
			open = true
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if unicode.IsSpace(r) {
			space = b.Len() > len(Ellipsis) || start == 0 && b.Len() > 0
		} else {
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteString(text[i : i+size])
		}
		i += size
		if open && i == spans[si].End {
			cur.End = b.Len()
			out = append(out, cur)
			open = false
			si++
		}
	}
	if end < len(text) {
		b.WriteString(Ellipsis)
	}
	return Excerpt{Text: b.String(), Spans: out}
}

// Mark returns e.Text with every span wrapped in open and close, for
// terminals: e.Mark("«", "»"). Callers producing HTML should escape the
// pieces between spans themselves rather than escape the result.
func (e Excerpt) Mark(open, close string) string {
	var b strings.Builder
	last := 0
	for _, s := range e.Spans {
		b.WriteString(e.Text[last:s.Start])
		b.WriteString(open)
		b.WriteString(e.Text[s.Start:s.End])
		b.WriteString(close)
		last = s.End
	}
	b.WriteString(e.Text[last:])
	return b.String()
}
