package zipdoc

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Sep is a separator a [Text] owes before its next text. Separators are
// lazy: asking for several keeps the strongest, and none is written at
// the start or the end of the text.
type Sep int

// Separators, weakest first.
const (
	None  Sep = iota
	Space     // " "
	Tab       // "\t" (between table cells)
	Line      // "\n" (between paragraphs, table rows)
	Para      // "\n\n" (before headings and sections)
)

var sepText = [...]string{"", " ", "\t", "\n", "\n\n"}

// Text builds extracted text up to a maximum size. It is the writer every
// XML walker here uses so that hostile input cannot grow text without
// bound. The zero value has no limit.
type Text struct {
	b       strings.Builder
	Max     int  // bytes; 0 means no limit
	pending Sep  // separator owed before the next text
	full    bool // Max reached: everything further is dropped
}

// Sep asks for separator s before the next text.
func (t *Text) Sep(s Sep) {
	if s > t.pending {
		t.pending = s
	}
}

// WriteString appends s, after the separator owed if s is not empty.
func (t *Text) WriteString(s string) {
	if s == "" || t.full {
		return
	}
	if t.b.Len() > 0 && t.pending > None {
		t.write(sepText[t.pending])
	}
	t.pending = None
	t.write(s)
}

func (t *Text) write(s string) {
	if t.Max > 0 && t.b.Len()+len(s) > t.Max {
		n := t.Max - t.b.Len()
		for n > 0 && n < len(s) && !utf8.RuneStart(s[n]) {
			n--
		}
		t.b.WriteString(s[:max(n, 0)])
		t.full = true
		return
	}
	t.b.WriteString(s)
}

// Len returns the bytes written so far.
func (t *Text) Len() int { return t.b.Len() }

// Truncated reports whether text was dropped because Max was reached.
func (t *Text) Truncated() bool { return t.full }

// String returns the text.
func (t *Text) String() string { return t.b.String() }

// Reset empties t, keeping Max.
func (t *Text) Reset() {
	t.b.Reset()
	t.pending = None
	t.full = false
}

var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02",
	"2006-01",
	"2006",
}

// ParseDate parses a W3C date-time (OOXML dcterms, ODF meta, OPF dc:date)
// leniently. A date without a zone is taken as UTC. It returns nil for
// an empty or unreadable value, and for the zero dates some producers
// write ("0001-01-01", "1601-01-01").
func ParseDate(s string) *time.Time {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return nil
	}
	for _, l := range dateLayouts {
		t, err := time.Parse(l, s)
		if err != nil {
			continue
		}
		if t.Year() <= 1601 {
			return nil
		}
		return &t
	}
	return nil
}

// IsZeroDate reports whether s is empty or one of the placeholder dates
// producers write for "never" (years up to 1601, the FILETIME epoch).
func IsZeroDate(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return true
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.Year() <= 1601
		}
	}
	return false
}

// CollapseSpace replaces runs of white space in s with single spaces and
// trims it.
func CollapseSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
