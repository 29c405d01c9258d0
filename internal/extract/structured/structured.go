// Package structured extracts the text of plain and structured text
// formats: plain text, HTML, CSV/TSV (and other delimited text), JSON
// (and JSON Lines) and XML.
//
// Every extractor decodes the bytes to UTF-8 through textdecode first
// (byte-order marks, declared and guessed charsets), never fails on
// malformed input (it falls back to the decoded text and records a
// problem), and bounds its output with the budget: the text is cut at
// zipdoc.Allowance(budget, len(data)) bytes.
//
// # Output shapes
//
//   - CSV: one record per line, fields separated by tabs, quotes removed.
//     Meta.Extra["delimiter"] names the detected delimiter, ["records"]
//     counts the records.
//   - JSON: one line per scalar, "key: value" inside objects (the nearest
//     key, for arrays too), the bare value elsewhere; null is left out.
//     Nesting deeper than [MaxDepth] is read but not written.
//   - XML: the character data of elements, one line per element that has
//     some, followed by attribute values that look like words; comments,
//     processing instructions and DTDs are dropped and entities are never
//     expanded (a billion-laughs file yields its literal "&lol9;").
//   - HTML: textdecode.HTMLToText, with the title, description, keywords,
//     author and generator meta elements in Meta.
package structured

import (
	"context"
	"fmt"
	"strings"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/extract/textdecode"
	"github.com/newsroom/dossier/internal/extract/zipdoc"
)

// MaxDepth is the deepest JSON or XML nesting whose content is written.
const MaxDepth = 256

// Extractors for each format.
var (
	Text extract.Extractor = extract.Func(ExtractText)
	HTML extract.Extractor = extract.Func(ExtractHTML)
	CSV  extract.Extractor = extract.Func(ExtractCSV)
	JSON extract.Extractor = extract.Func(ExtractJSON)
	XML  extract.Extractor = extract.Func(ExtractXML)
)

// Extract dispatches on the media type: text/csv, text/tab-separated-values
// and other delimited types to CSV, JSON types to JSON, XML types to XML,
// text/html and application/xhtml+xml to HTML, anything else to Text.
func Extract(ctx context.Context, data []byte, mime string, opts extract.Options) (*extract.Result, error) {
	mt := strings.ToLower(strings.TrimSpace(mime))
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = strings.TrimSpace(mt[:i])
	}
	switch {
	case mt == "text/csv" || mt == "text/tab-separated-values" || mt == "text/tsv" || mt == "text/x-csv" || mt == "application/csv":
		return ExtractCSV(ctx, data, mime, opts)
	case mt == "application/json" || strings.HasSuffix(mt, "+json") || mt == "application/x-ndjson" || mt == "application/jsonl" || mt == "text/json":
		return ExtractJSON(ctx, data, mime, opts)
	case mt == "text/html" || mt == "application/xhtml+xml":
		return ExtractHTML(ctx, data, mime, opts)
	case mt == "image/svg+xml":
		return ExtractSVG(ctx, data, mime, opts)
	case mt == "application/xml" || mt == "text/xml" || strings.HasSuffix(mt, "+xml"):
		return ExtractXML(ctx, data, mime, opts)
	}
	return ExtractText(ctx, data, mime, opts)
}

// charsetParam returns the charset parameter of a media type.
func charsetParam(mime string) string {
	for _, p := range strings.Split(mime, ";")[1:] {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "charset") {
			return strings.Trim(strings.TrimSpace(v), `"'`)
		}
	}
	return ""
}

// decode converts data to UTF-8, recording what had to be guessed.
func decode(data []byte, mime string, html bool, res *extract.Result) string {
	d := textdecode.ToUTF8(data, charsetParam(mime), html)
	if d.Problem != "" {
		res.Problems = append(res.Problems, d.Problem)
	}
	if d.Charset != "" && d.Charset != "us-ascii" && d.Charset != "utf-8" {
		setExtra(res, "charset", d.Charset)
	}
	return d.Text
}

func setExtra(res *extract.Result, k, v string) {
	if v == "" {
		return
	}
	if res.Meta.Extra == nil {
		res.Meta.Extra = map[string]string{}
	}
	res.Meta.Extra[k] = v
}

// limit cuts s at the budget, recording the cut.
func limit(s string, n int, opts extract.Options, res *extract.Result) string {
	max := zipdoc.Allowance(opts.Budget, n)
	if int64(len(s)) <= max {
		return s
	}
	var t zipdoc.Text
	t.Max = int(max)
	t.WriteString(s)
	res.Problems = append(res.Problems, fmt.Sprintf("text truncated at %d bytes (budget)", t.Len()))
	return t.String()
}

// ExtractText decodes a plain text document.
func ExtractText(ctx context.Context, data []byte, mime string, opts extract.Options) (*extract.Result, error) {
	res := &extract.Result{}
	res.Text = limit(decode(data, mime, false, res), len(data), opts, res)
	return res, nil
}
