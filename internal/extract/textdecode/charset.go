// Package textdecode turns the bytes of a text document or MIME text part
// into UTF-8: it resolves charset labels (including the aliases real mail
// uses), honours byte-order marks, falls back sensibly when a label is
// missing, unknown or lying, and converts HTML to plain text.
//
// Every function here is pure and always returns valid UTF-8; what had to be
// guessed is reported, never logged.
package textdecode

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"
)

// Lookup returns the encoding for a charset label and its canonical name.
// It accepts WHATWG and IANA labels plus common misspellings found in mail
// ("utf8", "cp1252", "x-mac-...", "charset=utf-8", quoted labels). It
// returns nil for an empty or unknown label. UTF-8 and US-ASCII both resolve
// to the UTF-8 encoding (callers treat 8-bit bytes under us-ascii as a lie).
func Lookup(label string) (encoding.Encoding, string) {
	l := normLabel(label)
	if l == "" {
		return nil, ""
	}
	switch l {
	case "utf-8", "utf8", "us-ascii", "ascii", "ansi_x3.4-1968", "us", "iso646-us", "unicode-1-1-utf-8", "x-unicode20utf8":
		return unicode.UTF8, "utf-8"
	case "utf-7", "unicode-1-1-utf-7":
		return nil, "" // not supported by x/text; callers fall back
	case "iso-8859-1", "latin1", "latin-1", "iso8859-1", "iso_8859-1", "l1", "8859-1":
		// WHATWG maps latin-1 to windows-1252, which is what senders mean.
		return charmap.Windows1252, "windows-1252"
	case "cp866", "ibm866", "866":
		return charmap.CodePage866, "ibm866"
	case "cp850", "ibm850", "850":
		return charmap.CodePage850, "ibm850"
	case "cp437", "ibm437", "437":
		return charmap.CodePage437, "ibm437"
	case "iso-2022-jp", "csiso2022jp", "iso-2022-jp-2", "iso-2022-jp-3":
		return japanese.ISO2022JP, "iso-2022-jp"
	}
	if e, err := htmlindex.Get(l); err == nil {
		name, _ := htmlindex.Name(e)
		return e, name
	}
	for _, alt := range aliases(l) {
		if e, err := htmlindex.Get(alt); err == nil {
			name, _ := htmlindex.Name(e)
			return e, name
		}
	}
	if e, err := ianaindex.MIME.Encoding(l); err == nil && e != nil {
		name, _ := ianaindex.MIME.Name(e)
		return e, strings.ToLower(name)
	}
	if e, err := ianaindex.IANA.Encoding(l); err == nil && e != nil {
		name, _ := ianaindex.IANA.Name(e)
		return e, strings.ToLower(name)
	}
	return nil, ""
}

func normLabel(label string) string {
	l := strings.ToLower(strings.TrimSpace(label))
	l = strings.Trim(l, "\"' ;")
	// charset="charset=utf-8" and similar mangling.
	if i := strings.LastIndexByte(l, '='); i >= 0 {
		l = l[i+1:]
	}
	l = strings.Trim(l, "\"' ;")
	if i := strings.IndexAny(l, " \t;,"); i >= 0 {
		l = l[:i]
	}
	// RFC 2231 language suffix: "utf-8*en".
	if i := strings.IndexByte(l, '*'); i >= 0 {
		l = l[:i]
	}
	return l
}

// aliases returns spellings to retry for labels the indexes do not know.
func aliases(l string) []string {
	var out []string
	t := strings.TrimPrefix(l, "x-")
	out = append(out, t)
	t = strings.ReplaceAll(t, "_", "-")
	out = append(out, t)
	for _, p := range []string{"cp-", "cp", "win-", "win", "windows", "ms-", "ms"} {
		if rest, ok := strings.CutPrefix(t, p); ok && len(rest) == 4 && strings.HasPrefix(rest, "125") {
			out = append(out, "windows-"+rest)
		}
	}
	if rest, ok := strings.CutPrefix(t, "iso8859"); ok {
		out = append(out, "iso-8859-"+strings.TrimLeft(rest, "-_"))
	}
	if rest, ok := strings.CutPrefix(t, "iso-8859"); ok && !strings.HasPrefix(rest, "-") {
		out = append(out, "iso-8859-"+rest)
	}
	if rest, ok := strings.CutPrefix(t, "iso_8859-"); ok {
		out = append(out, "iso-8859-"+rest)
	}
	switch t {
	case "ks-c-5601-1987", "ks-c-5601", "ksc5601", "cp949", "uhc":
		out = append(out, "euc-kr")
	case "gb-2312", "gb2312-80", "cn-gb", "euc-cn", "chinese", "csgb2312":
		out = append(out, "gbk")
	case "big-5", "big5-hkscs", "cn-big5", "cp950":
		out = append(out, "big5")
	case "sjis", "shift-jis", "ms-kanji", "cp932", "windows-31j", "mskanji":
		out = append(out, "shift_jis")
	case "eucjp", "euc-jp-ms", "ujis":
		out = append(out, "euc-jp")
	case "euckr":
		out = append(out, "euc-kr")
	case "koi8r", "koi8":
		out = append(out, "koi8-r")
	case "koi8u":
		out = append(out, "koi8-u")
	case "mac", "macintosh", "macroman", "mac-roman":
		out = append(out, "macintosh")
	case "utf-16", "utf16", "ucs-2", "unicode":
		out = append(out, "utf-16le")
	}
	return out
}

// singleByteLatin reports whether the named encoding is one that mail
// software commonly declares while actually sending UTF-8.
func singleByteLatin(name string) bool {
	switch name {
	case "windows-1252", "iso-8859-2", "iso-8859-15", "windows-1250", "iso-8859-9", "windows-1254":
		return true
	}
	return false
}

// hasBOM strips a byte-order mark and returns the encoding it names.
func hasBOM(b []byte) (encoding.Encoding, string, []byte) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return unicode.UTF8, "utf-8", b[3:]
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le", b[2:]
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "utf-16be", b[2:]
	}
	return nil, "", b
}

// isASCII reports whether b has no byte above 0x7F.
func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// looksISO2022JP reports whether 7-bit b contains ISO-2022-JP escapes.
func looksISO2022JP(b []byte) bool {
	return bytes.Contains(b, []byte("\x1b$B")) || bytes.Contains(b, []byte("\x1b$@")) || bytes.Contains(b, []byte("\x1b(J"))
}

// convert decodes b with e, never failing: undecodable input becomes U+FFFD.
func convert(e encoding.Encoding, b []byte) string {
	if e == unicode.UTF8 {
		return validString(b)
	}
	out, err := e.NewDecoder().Bytes(b)
	if err != nil {
		// Decoders in x/text replace bad input rather than fail; if one
		// still errs, fall back to windows-1252 which maps every byte.
		out, _ = charmap.Windows1252.NewDecoder().Bytes(b)
	}
	return validString(out)
}

// validString converts b to a string, replacing invalid UTF-8 sequences.
func validString(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

func japaneseISO2022JP() encoding.Encoding { return japanese.ISO2022JP }
