// Package query parses dossier's search language into an abstract syntax
// tree that search engines compile to their own form. The language is
// documented in docs/query-syntax.md.
//
// Parsing is pure: no I/O, no analysis. Words are kept as the user typed
// them; engines analyse them (see package analysis). Every [Node] prints
// back, with String, to a query that parses to an equal tree.
package query

import (
	"strconv"
	"strings"
	"time"
)

// Node is a node of a parsed query: *And, *Or, *Not, *Term, *DateRange or
// *PageRange.
type Node interface {
	// String returns the node in query syntax; parsing it gives back an
	// equal node.
	String() string
	node()
}

// And matches documents matched by every one of Nodes (at least two).
type And struct{ Nodes []Node }

// Or matches documents matched by any of Nodes (at least two).
type Or struct{ Nodes []Node }

// Not matches documents that Node does not match.
type Not struct{ Node Node }

// Term is a word, a phrase or a field value.
type Term struct {
	// Field is the canonical field name (see [Fields]), or "" for free
	// text. Never "date" (see [DateRange]).
	Field string
	// Value is the word or phrase as typed, without quotes, field name or
	// trailing '*'. For has: it is always "attachment"; for message-id:
	// surrounding <> are removed.
	Value string
	// Phrase is set when Value was quoted.
	Phrase bool
	// Prefix is set for a word typed with a trailing '*'.
	Prefix bool
	// Exact is set for exact: terms, matched without stemming or accent
	// folding.
	Exact bool
}

// DateRange matches documents dated from the start of From to the end of
// To, both written YYYY, YYYY-MM or YYYY-MM-DD in UTC. An empty From or To
// leaves that side open; they are never both empty. date:2017 has From and
// To both "2017".
type DateRange struct{ From, To string }

// PageRange restricts the query's text terms to pages From..To (1-based,
// inclusive, 1 <= From <= To) of paged documents (PDFs, slides);
// documents without pages never match it. [Parse] accepts it only where it
// applies to the whole query: alone, or as one of the terms of the
// top-level AND, at most once. page:12 has From and To both 12.
type PageRange struct{ From, To int }

func (*And) node()       {}
func (*Or) node()        {}
func (*Not) node()       {}
func (*Term) node()      {}
func (*DateRange) node() {}
func (*PageRange) node() {}

// String implements [Node].
func (n *And) String() string { return join(n.Nodes, " ") }

// String implements [Node].
func (n *Or) String() string { return join(n.Nodes, " OR ") }

func join(nodes []Node, sep string) string {
	parts := make([]string, len(nodes))
	for i, c := range nodes {
		parts[i] = group(c)
	}
	return strings.Join(parts, sep)
}

// group prints c, in parentheses if it is an And or an Or.
func group(c Node) string {
	switch c.(type) {
	case *And, *Or:
		return "(" + c.String() + ")"
	}
	return c.String()
}

// String implements [Node].
func (n *Not) String() string { return "-" + group(n.Node) }

// String implements [Node].
func (t *Term) String() string {
	var b strings.Builder
	if t.Field != "" {
		b.WriteString(t.Field)
		b.WriteByte(':')
	}
	if t.Exact {
		b.WriteString("exact:")
	}
	if t.Phrase {
		b.WriteString(Quote(t.Value))
	} else {
		b.WriteString(t.Value)
	}
	if t.Prefix {
		b.WriteByte('*')
	}
	return b.String()
}

// Quote returns s in double quotes, with '"' and '\' escaped by a
// backslash.
func Quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

// String implements [Node].
func (d *DateRange) String() string {
	if d.From == d.To {
		return "date:" + d.From
	}
	return "date:" + d.From + ".." + d.To
}

// String implements [Node].
func (r *PageRange) String() string {
	if r.From == r.To {
		return "page:" + strconv.Itoa(r.From)
	}
	return "page:" + strconv.Itoa(r.From) + ".." + strconv.Itoa(r.To)
}

// PageRangeOf returns the page range of a parsed query: n itself or a
// direct child of a top-level [And] (where [Parse] puts it), or nil.
func PageRangeOf(n Node) *PageRange {
	switch n := n.(type) {
	case *PageRange:
		return n
	case *And:
		for _, c := range n.Nodes {
			if r, ok := c.(*PageRange); ok {
				return r
			}
		}
	}
	return nil
}

// Bounds returns the half-open interval [start, end) in UTC that d covers.
// An open side is the zero time.
func (d *DateRange) Bounds() (start, end time.Time) {
	if d.From != "" {
		start, _ = parseDate(d.From)
	}
	if d.To != "" {
		t, prec := parseDate(d.To)
		end = nextPeriod(t, prec)
	}
	return start, end
}

// date precisions
const (
	year = iota + 1
	month
	day
)

// parseDate parses YYYY, YYYY-MM or YYYY-MM-DD, returning the start of the
// period and its precision (0 if s is malformed).
func parseDate(s string) (time.Time, int) {
	for _, f := range []struct {
		layout string
		prec   int
	}{{"2006", year}, {"2006-01", month}, {"2006-01-02", day}} {
		if len(s) != len(f.layout) {
			continue
		}
		t, err := time.Parse(f.layout, s)
		if err != nil {
			return time.Time{}, 0
		}
		return t, f.prec
	}
	return time.Time{}, 0
}

func nextPeriod(t time.Time, prec int) time.Time {
	switch prec {
	case year:
		return t.AddDate(1, 0, 0)
	case month:
		return t.AddDate(0, 1, 0)
	}
	return t.AddDate(0, 0, 1)
}

// Walk calls fn for n and, if fn returns true, for each of its children,
// depth first.
func Walk(n Node, fn func(Node) bool) {
	if !fn(n) {
		return
	}
	switch n := n.(type) {
	case *And:
		for _, c := range n.Nodes {
			Walk(c, fn)
		}
	case *Or:
		for _, c := range n.Nodes {
			Walk(c, fn)
		}
	case *Not:
		Walk(n.Node, fn)
	}
}
