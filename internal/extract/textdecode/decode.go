package textdecode

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// Result is the outcome of decoding text.
type Result struct {
	Text    string // valid UTF-8
	Charset string // canonical name of the charset used ("utf-8", "windows-1252", ...)
	// Problem explains a fallback: an unknown or missing label on 8-bit
	// data, or a label the bytes contradict. Empty when the label was
	// honoured or the data was plain ASCII.
	Problem string
}

// Decode converts data, the content of a text document or MIME text part
// of media type mediaType (e.g. "text/html"; parameters ignored) declared
// in charset label, to UTF-8. HTML is converted to plain text. Decode never
// fails: the worst case is windows-1252, which maps every byte.
func Decode(data []byte, mediaType, label string) Result {
	mt := strings.ToLower(strings.TrimSpace(mediaType))
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = strings.TrimSpace(mt[:i])
	}
	isHTML := mt == "text/html" || mt == "application/xhtml+xml"
	r := ToUTF8(data, label, isHTML)
	if isHTML {
		r.Text = HTMLToText(r.Text)
	}
	return r
}

// ToUTF8 converts data declared in charset label to UTF-8 without any
// markup processing. When html is true and label is empty, a <meta>
// charset declaration in the first 1024 bytes is honoured.
func ToUTF8(data []byte, label string, html bool) Result {
	if e, name, rest := hasBOM(data); e != nil {
		return Result{Text: convert(e, rest), Charset: name}
	}
	ascii := isASCII(data)
	if ascii && !looksISO2022JP(data) && !strings.Contains(strings.ToLower(label), "utf-16") {
		// Every charset we accept agrees with ASCII on 7-bit bytes, except
		// the stateful and 16-bit ones handled above and below.
		_, name := Lookup(label)
		if name == "" || name == "utf-8" {
			name = "us-ascii"
		}
		return Result{Text: string(data), Charset: name}
	}
	if label == "" && html {
		if _, name, _ := charset.DetermineEncoding(data, "text/html"); name != "" && name != "windows-1252" {
			label = name
		}
	}
	e, name := Lookup(label)
	if e == nil {
		return detect(data, label, ascii)
	}
	valid := utf8.Valid(data)
	switch {
	case name == "utf-8":
		if valid {
			return Result{Text: string(data), Charset: "utf-8"}
		}
		r := detect(data, "", ascii)
		r.Problem = fmt.Sprintf("charset %q does not match the content; decoded as %s", label, r.Charset)
		return r
	case valid && !ascii && singleByteLatin(name):
		// Latin-1 text almost never forms valid multi-byte UTF-8 by chance;
		// this is the classic mislabel.
		return Result{Text: string(data), Charset: "utf-8",
			Problem: fmt.Sprintf("charset %q does not match the content (valid UTF-8); decoded as utf-8", label)}
	}
	text := convert(e, data)
	if valid && !ascii && strings.Count(text, "\uFFFD") > 0 {
		return Result{Text: string(data), Charset: "utf-8",
			Problem: fmt.Sprintf("charset %q does not match the content (valid UTF-8); decoded as utf-8", label)}
	}
	r := Result{Text: text, Charset: name}
	if n := strings.Count(text, "\uFFFD"); n > 0 && n > len(text)/100 {
		r.Problem = fmt.Sprintf("charset %q: %d undecodable sequences", label, n)
	}
	return r
}

// detect picks a charset for data whose label is missing or unknown.
func detect(data []byte, label string, ascii bool) Result {
	var r Result
	switch {
	case ascii && looksISO2022JP(data):
		r = Result{Text: convert(japaneseISO2022JP(), data), Charset: "iso-2022-jp"}
	case ascii || utf8.Valid(data):
		r = Result{Text: string(data), Charset: "utf-8"}
	case looksUTF16(data):
		r = Result{Text: convert(unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), data), Charset: "utf-16le"}
	default:
		r = Result{Text: convert(charmap.Windows1252, data), Charset: "windows-1252"}
	}
	switch {
	case label != "":
		r.Problem = fmt.Sprintf("unknown charset %q; decoded as %s", label, r.Charset)
	case !ascii && r.Charset != "utf-8":
		r.Problem = "no charset declared for 8-bit text; decoded as " + r.Charset
	}
	return r
}

// looksUTF16 reports whether data looks like BOM-less little-endian UTF-16
// text: many zero bytes at odd offsets.
func looksUTF16(data []byte) bool {
	if len(data) < 8 || len(data)%2 != 0 {
		return false
	}
	n := min(len(data), 512)
	zeros := 0
	for i := 1; i < n; i += 2 {
		if data[i] == 0 {
			zeros++
		}
	}
	return zeros*4 > n
}
