package textdecode

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// HTMLToText renders an HTML document as plain text for reading and
// indexing: script, style and head content are dropped, block elements and
// <br> become line breaks, list items get a "- " prefix, entities are
// decoded and runs of white space are collapsed outside <pre>. Link targets
// are kept after the link text when they differ from it, because in leaked
// mail the URL is often the evidence.
func HTMLToText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var w textWriter
	skip := 0 // depth inside script/style/head-only elements
	pre := 0
	var href string
	var linkStart int
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return w.String()
		case html.TextToken:
			if skip > 0 {
				continue
			}
			w.text(string(z.Text()), pre > 0)
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			end := tt == html.EndTagToken
			switch a {
			case atom.Script, atom.Style, atom.Title, atom.Noscript, atom.Template, atom.Object:
				if tt == html.SelfClosingTagToken {
					continue
				}
				if end {
					skip = max(0, skip-1)
				} else {
					skip++
				}
				continue
			case atom.Pre, atom.Textarea:
				if end {
					pre = max(0, pre-1)
				} else if tt != html.SelfClosingTagToken {
					pre++
				}
				w.newline(1)
			case atom.Br:
				w.newline(0)
			case atom.P, atom.Div, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
				atom.Blockquote, atom.Table, atom.Ul, atom.Ol, atom.Dl, atom.Hr, atom.Address,
				atom.Article, atom.Section, atom.Header, atom.Footer, atom.Form, atom.Fieldset:
				w.newline(1)
			case atom.Tr, atom.Dt, atom.Dd, atom.Caption:
				w.newline(0)
			case atom.Li:
				w.newline(0)
				if !end {
					w.raw("- ")
				}
			case atom.Td, atom.Th:
				if !end {
					w.space()
				}
			case atom.A:
				if !end {
					href = ""
					for hasAttr {
						var k, v []byte
						k, v, hasAttr = z.TagAttr()
						if string(k) == "href" {
							href = strings.TrimSpace(string(v))
						}
					}
					linkStart = w.b.Len()
				} else if href != "" && skip == 0 {
					label := strings.TrimSpace(w.b.String()[min(linkStart, w.b.Len()):])
					h := strings.TrimPrefix(href, "mailto:")
					if !strings.HasPrefix(href, "#") && !strings.HasPrefix(href, "javascript:") &&
						label != h && label != href && !strings.Contains(label, h) {
						w.text(" <"+href+">", false)
					}
					href = ""
				}
			case atom.Img:
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					if string(k) == "alt" && len(v) > 0 {
						w.text(string(v), false)
					}
				}
			}
		}
	}
}

// textWriter accumulates text, collapsing white space and limiting blank
// lines.
type textWriter struct {
	b        strings.Builder
	pendingS bool // a space is due before the next word
	newlines int  // trailing newlines already written
}

func (w *textWriter) String() string { return strings.TrimSpace(w.b.String()) }

func (w *textWriter) raw(s string) {
	w.b.WriteString(s)
	w.newlines = 0
	w.pendingS = false
}

func (w *textWriter) space() {
	if w.b.Len() > 0 && w.newlines == 0 {
		w.pendingS = true
	}
}

// newline ends the current line; extra asks for that many blank lines.
func (w *textWriter) newline(extra int) {
	if w.b.Len() == 0 {
		return
	}
	want := 1 + extra
	for w.newlines < want {
		w.b.WriteByte('\n')
		w.newlines++
	}
	w.pendingS = false
}

func (w *textWriter) text(s string, pre bool) {
	if pre {
		if s != "" {
			w.b.WriteString(s)
			w.newlines = 0
			if strings.HasSuffix(s, "\n") {
				w.newlines = 1
			}
			w.pendingS = false
		}
		return
	}
	start := true
	for f := range strings.FieldsSeq(s) {
		if (start && startsWithSpace(s) || !start || w.pendingS) && w.b.Len() > 0 && w.newlines == 0 {
			w.b.WriteByte(' ')
		}
		w.b.WriteString(f)
		w.newlines = 0
		w.pendingS = false
		start = false
	}
	if !start && endsWithSpace(s) {
		w.pendingS = true
	} else if start && s != "" && w.b.Len() > 0 && w.newlines == 0 {
		w.pendingS = true // whitespace-only text between inline elements
	}
}

func startsWithSpace(s string) bool { return s != "" && isSpace(s[0]) }
func endsWithSpace(s string) bool   { return s != "" && isSpace(s[len(s)-1]) }
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0xA0
}
