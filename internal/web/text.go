package web

import (
	"fmt"
	"html"
	"html/template"
	"net/url"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/newsroom/dossier/internal/display"
	"github.com/newsroom/dossier/internal/search/query"
)

// neutral makes text from a leak harmless to display (see package
// display): a file name cannot pretend to end in ".pdf" by reversing its
// tail and a subject cannot hide text. html/template still escapes the
// result; this is about what a reader sees, the same as in the CLI.
func neutral(s string) string { return display.Line(s) }

// neutralText is neutral for multi-line text: newlines and tabs are kept.
func neutralText(s string) string { return display.Text(s) }

// marked returns a snippet as HTML with its highlighted byte ranges in
// <mark>, everything escaped and neutralised.
func marked(s string, spans [][2]int) template.HTML {
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		if sp[0] < last || sp[0] > sp[1] || sp[1] > len(s) {
			continue
		}
		b.WriteString(html.EscapeString(neutral(s[last:sp[0]])))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(neutral(s[sp[0]:sp[1]])))
		b.WriteString("</mark>")
		last = sp[1]
	}
	b.WriteString(html.EscapeString(neutral(s[last:])))
	return template.HTML(b.String())
}

// downloadName is the file name offered for a document's original: its
// own name, or its path's last element, or "document-N", with an
// extension for email. Every character that could end or split a header
// (CR, LF, quotes, backslash, controls), separators and bidirectional
// controls become '_'.
func downloadName(name string, num int64, email bool) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	var b strings.Builder
	for i := 0; i < len(name) && b.Len() < 200; {
		r, n := utf8.DecodeRuneInString(name[i:])
		i += n
		switch {
		case r == utf8.RuneError && n <= 1, r < 0x20, r == 0x7F, r >= 0x80 && r < 0xA0,
			r == '"', r == '\\', r == '/', r == ';', r == '%',
			r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C,
			r == 0x2028, r == 0x2029, r == 0xFEFF:
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	out := strings.Trim(b.String(), " .")
	if out == "" || out == "_" {
		out = fmt.Sprintf("document-%d", num)
	}
	if email && !strings.Contains(out, ".") {
		out += ".eml"
	}
	return out
}

// contentDisposition is an attachment header for name (already passed
// through downloadName): an ASCII fallback and the UTF-8 form of RFC 6266 /
// RFC 8187.
func contentDisposition(name string) string {
	var ascii strings.Builder
	for _, r := range name {
		if r < 0x20 || r > 0x7E || r == '"' || r == '\\' {
			ascii.WriteByte('_')
		} else {
			ascii.WriteRune(r)
		}
	}
	return `attachment; filename="` + ascii.String() + `"; filename*=UTF-8''` + rfc8187(name)
}

// rfc8187 percent-encodes everything but attr-char.
func rfc8187(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// fieldTerm is a query term matching value in field, quoted.
func fieldTerm(field, value string) string {
	return field + ":" + query.Quote(value)
}

// narrow returns q with term ANDed to it. A query whose top level is an OR
// is grouped first, so the term narrows every alternative; a term already
// present at the top level is not added twice.
func narrow(q, term string) string {
	q = strings.TrimSpace(q)
	n, err := query.Parse(q)
	if err != nil {
		return term
	}
	switch n := n.(type) {
	case *query.Or:
		return "(" + q + ") " + term
	case *query.And:
		for _, c := range n.Nodes {
			if c.String() == term {
				return q
			}
		}
	default:
		if n.String() == term {
			return q
		}
	}
	return q + " " + term
}

// searchURL is the search page's address for q, sorted by sortBy, at page.
func searchURL(q, sortBy string, pageNum int) string {
	v := url.Values{}
	v.Set("q", q)
	if sortBy != "" && sortBy != "relevance" {
		v.Set("sort", sortBy)
	}
	if pageNum > 1 {
		v.Set("page", fmt.Sprint(pageNum))
	}
	return "/search?" + v.Encode()
}
