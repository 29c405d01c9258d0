package web

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"

	"github.com/newsroom/dossier/internal/extract/textdecode"
)

// Bounds on finding an HTML body in a hostile message.
const (
	maxHTMLSource = 32 << 20 // largest message searched for an HTML body
	maxHTMLBytes  = 8 << 20  // largest HTML body shown
	maxMIMEDepth  = 16
	maxMIMEParts  = 256
)

// findHTMLBody returns the first text/html leaf of a raw message that is
// not an attachment (the HTML body, or its HTML alternative), decoded from
// its transfer encoding and converted to UTF-8. Embedded messages are not
// entered: they are documents of their own.
func findHTMLBody(raw []byte) (string, bool) {
	hdr, body := splitHeader(raw)
	budget := maxMIMEParts
	data, charset, ok := walkHTML(hdr, body, 0, &budget)
	if !ok {
		return "", false
	}
	return textdecode.ToUTF8(data, charset, true).Text, true
}

func walkHTML(hdr textproto.MIMEHeader, body []byte, depth int, budget *int) ([]byte, string, bool) {
	mt, params, err := mime.ParseMediaType(hdr.Get("Content-Type"))
	if err != nil {
		mt = "text/plain"
	}
	disp, _, _ := mime.ParseMediaType(hdr.Get("Content-Disposition"))
	switch {
	case strings.HasPrefix(mt, "multipart/"):
		if depth >= maxMIMEDepth || params["boundary"] == "" {
			return nil, "", false
		}
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			*budget--
			if *budget < 0 {
				return nil, "", false
			}
			p, err := mr.NextRawPart()
			if err != nil {
				return nil, "", false
			}
			b, err := io.ReadAll(io.LimitReader(p, maxHTMLSource))
			if err != nil && len(b) == 0 {
				return nil, "", false
			}
			if data, cs, ok := walkHTML(p.Header, b, depth+1, budget); ok {
				return data, cs, true
			}
		}
	case mt == "text/html" && disp != "attachment":
		data := decodeTransfer(body, hdr.Get("Content-Transfer-Encoding"))
		if len(data) > maxHTMLBytes {
			data = data[:maxHTMLBytes]
		}
		return data, params["charset"], true
	}
	return nil, "", false
}

// splitHeader parses a message's header section tolerantly (unfolding
// continuation lines, skipping lines without a colon) and returns it with
// the body.
func splitHeader(raw []byte) (textproto.MIMEHeader, []byte) {
	hdr := textproto.MIMEHeader{}
	rest := raw
	var last string
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\n')
		var line []byte
		if i < 0 {
			line, rest = rest, nil
		} else {
			line, rest = rest[:i], rest[i+1:]
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			break
		}
		if (line[0] == ' ' || line[0] == '\t') && last != "" {
			vals := hdr[last]
			vals[len(vals)-1] += " " + strings.TrimSpace(string(line))
			continue
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		last = textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(string(name)))
		hdr[last] = append(hdr[last], strings.TrimSpace(string(value)))
	}
	return hdr, rest
}

// decodeTransfer removes a base64 or quoted-printable transfer encoding,
// keeping what decodes of a damaged one.
func decodeTransfer(b []byte, cte string) []byte {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		clean := make([]byte, 0, len(b))
		for _, c := range b {
			if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' {
				clean = append(clean, c)
			}
		}
		if len(clean)%4 == 1 { // a stray character: drop it
			clean = clean[:len(clean)-1]
		}
		out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
		n, _ := base64.RawStdEncoding.Decode(out, clean)
		return out[:n]
	case "quoted-printable":
		out, _ := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(b)))
		return out
	}
	return b
}

// mailPolicy keeps the structure and simple styling of an HTML message and
// nothing that runs or loads: no script, no style sheets, no images, no
// forms, no frames, no embedded objects; style attributes only with
// properties that cannot name a URL.
var mailPolicy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowStandardAttributes()
	p.AllowElements("p", "br", "div", "span", "b", "i", "u", "em", "strong", "small", "big", "sub", "sup",
		"blockquote", "pre", "code", "tt", "kbd", "samp", "var", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
		"center", "address", "abbr", "cite", "q", "s", "strike", "del", "ins", "mark", "font", "dfn",
		"article", "section", "header", "footer", "main", "nav", "aside", "figure", "figcaption", "details", "summary")
	p.AllowLists()
	p.AllowTables()
	p.AllowAttrs("align").Matching(regexp.MustCompile(`(?i)^(left|right|center|justify)$`)).Globally()
	p.AllowAttrs("valign").Matching(regexp.MustCompile(`(?i)^(top|middle|bottom|baseline)$`)).OnElements("td", "th", "tr", "tbody", "thead", "tfoot")
	p.AllowAttrs("width", "height").Matching(bluemonday.NumberOrPercent).OnElements("table", "td", "th", "col", "colgroup")
	p.AllowAttrs("border", "cellpadding", "cellspacing").Matching(bluemonday.Integer).OnElements("table")
	p.AllowAttrs("bgcolor").Matching(regexp.MustCompile(`^#?[0-9a-zA-Z]{1,20}$`)).OnElements("table", "td", "th", "tr", "body")
	p.AllowAttrs("color").Matching(regexp.MustCompile(`^#?[0-9a-zA-Z]{1,20}$`)).OnElements("font")
	p.AllowAttrs("face").Matching(regexp.MustCompile(`^[\w ,\-'"]{1,100}$`)).OnElements("font")
	p.AllowAttrs("size").Matching(regexp.MustCompile(`^[+-]?\d{1,2}$`)).OnElements("font")
	// Links keep their target so that it can be shown; see disarmLinks.
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	// bluemonday validates each property's value; none of these takes a
	// URL (background, background-image, list-style-image, cursor and
	// content are left out).
	p.AllowStyles("color", "background-color", "font-family", "font-size", "font-weight", "font-style",
		"font-variant", "text-align", "text-decoration", "text-indent", "text-transform", "line-height",
		"letter-spacing", "word-spacing", "white-space", "vertical-align", "margin", "margin-top", "margin-bottom",
		"margin-left", "margin-right", "padding", "padding-top", "padding-bottom", "padding-left", "padding-right",
		"border", "border-top", "border-bottom", "border-left", "border-right", "border-color", "border-style",
		"border-width", "border-collapse", "width", "height", "max-width", "min-width", "display", "direction").Globally()
	return p
}()

// sanitizeMailHTML returns an HTML message body with everything active or
// remote removed, and links disarmed.
func sanitizeMailHTML(src string) string {
	return disarmLinks(mailPolicy.Sanitize(src))
}

// disarmLinks removes the href of every link (a click inside the frame
// would otherwise load a remote page) and writes the target after the
// link text, so a reader sees where the link pointed.
func disarmLinks(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	var open []string // hrefs of open <a> elements
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			for _, href := range open {
				writeTarget(&b, href)
			}
			return b.String()
		case html.StartTagToken:
			t := z.Token()
			if t.Data == "a" {
				href := ""
				attrs := t.Attr[:0]
				for _, a := range t.Attr {
					if a.Key == "href" {
						href = a.Val
						continue
					}
					attrs = append(attrs, a)
				}
				t.Attr = attrs
				open = append(open, href)
			}
			b.WriteString(t.String())
		case html.EndTagToken:
			t := z.Token()
			b.WriteString(t.String())
			if t.Data == "a" && len(open) > 0 {
				writeTarget(&b, open[len(open)-1])
				open = open[:len(open)-1]
			}
		default:
			b.Write(z.Raw())
		}
	}
}

func writeTarget(b *strings.Builder, href string) {
	if href == "" {
		return
	}
	b.WriteString(`<span class="link-target"> [`)
	b.WriteString(html.EscapeString(neutral(href)))
	b.WriteString(`]</span>`)
}

// mailHTMLDocument wraps a sanitised body in a document for the frame.
func mailHTMLDocument(body string) []byte {
	var b bytes.Buffer
	b.WriteString(`<!doctype html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">` +
		`<style>body{font-family:system-ui,sans-serif;margin:0.5rem;color:#111;background:#fff;overflow-wrap:anywhere}` +
		`.link-target{color:#555;font-size:0.9em}.dossier-note{font:0.85rem system-ui,sans-serif;color:#444;` +
		`border-bottom:1px solid #ccc;padding-bottom:0.3rem;margin-bottom:0.5rem}</style></head><body>` +
		`<p class="dossier-note">Sanitised copy: scripts, images, remote content and forms are removed and links are shown, not followed. Download the original for the exact message.</p>`)
	b.WriteString(body)
	b.WriteString(`</body></html>`)
	return b.Bytes()
}
