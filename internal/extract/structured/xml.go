package structured

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"strings"
	"unicode"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/extract/zipdoc"
)

// ExtractXML extracts the character data of an XML document with the
// hardened decoder of package zipdoc: no DTD is read, no entity is
// expanded, nothing is fetched. Nesting deeper than zipdoc.MaxDepth
// stops the walk with a problem; a syntax error keeps what was read.
func ExtractXML(ctx context.Context, data []byte, mime string, opts extract.Options) (*extract.Result, error) {
	return extractXML(ctx, data, mime, opts, false)
}

// ExtractSVG extracts the text of an SVG drawing: its text, titles and
// descriptions, as ExtractXML does but without attribute values (styles,
// paths, coordinates) and without style sheets, scripts and the editor's
// RDF metadata.
func ExtractSVG(ctx context.Context, data []byte, mime string, opts extract.Options) (*extract.Result, error) {
	return extractXML(ctx, data, mime, opts, true)
}

func extractXML(ctx context.Context, data []byte, mime string, opts extract.Options, svg bool) (*extract.Result, error) {
	res := &extract.Result{}
	var t zipdoc.Text
	t.Max = int(zipdoc.Allowance(opts.Budget, len(data)))
	r := zipdoc.NewReader(ctx, bytes.NewReader(data))
	if cs := charsetParam(mime); cs != "" && !bytes.HasPrefix(data, []byte("<?xml")) {
		setExtra(res, "charset", cs)
	}
	var root string
	var attrs []string // attribute values of the open element, written after its text
	for {
		tok, err := r.Next()
		if err != nil {
			if zipdoc.IsEOF(err) {
				break
			}
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			res.Problems = append(res.Problems, fmt.Sprintf("xml: %v", err))
			break
		}
		switch e := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = e.Name.Local
				setExtra(res, "root", root)
				if e.Name.Space != "" {
					setExtra(res, "namespace", e.Name.Space)
				}
			}
			flushAttrs(&t, attrs)
			attrs = attrs[:0]
			if svg {
				if e.Name.Local == "style" || e.Name.Local == "script" || e.Name.Local == "metadata" {
					if err := r.Skip(); err != nil {
						res.Problems = append(res.Problems, fmt.Sprintf("xml: %v", err))
					}
				}
				t.Sep(zipdoc.Line)
				continue
			}
			for _, a := range e.Attr {
				if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" || a.Name.Space == "http://www.w3.org/2001/XMLSchema-instance" {
					continue
				}
				if v := strings.TrimSpace(a.Value); wordy(v) && len(attrs) < 64 {
					attrs = append(attrs, v)
				}
			}
			t.Sep(zipdoc.Line)
		case xml.EndElement:
			flushAttrs(&t, attrs)
			attrs = attrs[:0]
			t.Sep(zipdoc.Line)
		case xml.CharData:
			if r.Depth > MaxDepth {
				continue
			}
			if s := strings.TrimSpace(string(e)); s != "" {
				t.WriteString(s)
				t.Sep(zipdoc.Space)
			}
		}
		if t.Truncated() {
			res.Problems = append(res.Problems, fmt.Sprintf("text truncated at %d bytes (budget)", t.Len()))
			break
		}
	}
	if root == "" && len(res.Problems) > 0 {
		// Not XML at all: keep it as text.
		return ExtractText(ctx, data, mime, opts)
	}
	res.Text = t.String()
	return res, nil
}

func flushAttrs(t *zipdoc.Text, attrs []string) {
	for _, a := range attrs {
		t.Sep(zipdoc.Space)
		t.WriteString(a)
	}
}

// wordy reports whether an attribute value looks like text worth
// indexing: mostly letters (not coordinates, paths or numbers), and not a
// URI.
func wordy(v string) bool {
	if v == "" || len(v) > 4096 || strings.Contains(v, "://") || strings.HasPrefix(v, "urn:") || strings.HasPrefix(v, "#") {
		return false
	}
	letters, other := 0, 0
	for _, r := range v {
		switch {
		case unicode.IsLetter(r):
			letters++
		case !unicode.IsSpace(r) && r != '-' && r != '\'' && r != '.' && r != ',':
			other++
		}
	}
	return letters >= 2 && letters >= 2*other
}
