package gen

import (
	"bytes"
	"encoding/base64"
	"mime"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Charset labels written in Content-Type headers.
const (
	csUTF8   = "utf-8"
	csLatin1 = "iso-8859-1"
	csLatin9 = "iso-8859-15"
	csCP1252 = "windows-1252"
	csKOI8R  = "koi8-r"
	csASCII  = "us-ascii"
)

// Content-Transfer-Encoding values.
const (
	te7bit   = "7bit"
	te8bit   = "8bit"
	teQP     = "quoted-printable"
	teBase64 = "base64"
)

func charmapFor(cs string) *charmap.Charmap {
	switch cs {
	case csLatin1:
		return charmap.ISO8859_1
	case csLatin9:
		return charmap.ISO8859_15
	case csCP1252:
		return charmap.Windows1252
	case csKOI8R:
		return charmap.KOI8R
	}
	return nil
}

// fold gives an ASCII stand-in for characters a charset cannot hold, the
// way a mail client "downgrading" text would.
var fold = map[rune]string{
	'à': "a", 'â': "a", 'ä': "a", 'á': "a", 'ç': "c", 'é': "e", 'è': "e", 'ê': "e",
	'ë': "e", 'î': "i", 'ï': "i", 'ô': "o", 'ö': "o", 'ù': "u", 'û': "u", 'ü': "u",
	'ÿ': "y", 'À': "A", 'Â': "A", 'Ç': "C", 'É': "E", 'È': "E", 'Ê': "E", 'Î': "I",
	'Ô': "O", 'Ù': "U", 'œ': "oe", 'Œ': "OE", 'æ': "ae", '€': "EUR", '’': "'",
	'‘': "'", '“': "\"", '”': "\"", '…': "...", '«': "\"", '»': "\"", '–': "-",
	'—': "-", '\u00a0': " ",
}

// appendCharset appends s (UTF-8) converted to charset cs. Runes the charset
// cannot represent are folded to ASCII, or replaced by '?'. It reports
// whether the conversion was lossless.
func appendCharset(dst []byte, cs, s string) ([]byte, bool) {
	if cs == csUTF8 {
		return append(dst, s...), true
	}
	cm := charmapFor(cs)
	exact := true
	for _, r := range s {
		if r < 0x80 {
			dst = append(dst, byte(r))
			continue
		}
		if cm != nil {
			if b, ok := cm.EncodeRune(r); ok {
				dst = append(dst, b)
				continue
			}
		}
		exact = false
		if f, ok := fold[r]; ok {
			dst = append(dst, f...)
		} else {
			dst = append(dst, '?')
		}
	}
	return dst, exact
}

// isASCII reports whether b holds only 7-bit bytes.
func isASCII[T string | []byte](b T) bool {
	for i := 0; i < len(b); i++ {
		if b[i] >= 0x80 {
			return false
		}
	}
	return true
}

// encodeWord renders s (UTF-8) for a header: unchanged when it is plain
// ASCII, otherwise as RFC 2047 encoded words in charset cs (falling back to
// UTF-8 when cs cannot hold s). b selects the B (base64) encoding.
func encodeWord(cs, s string, b bool) string {
	if isASCII(s) && !strings.Contains(s, "=?") {
		return s
	}
	enc := mime.QEncoding
	if b {
		enc = mime.BEncoding
	}
	if cs != csUTF8 && cs != csASCII {
		if raw, ok := appendCharset(nil, cs, s); ok {
			return enc.Encode(strings.ToUpper(cs), string(raw))
		}
	}
	return enc.Encode("UTF-8", s)
}

// appendQP appends src encoded as quoted-printable (RFC 2045), treating '\n'
// as a hard line break and writing lines of at most 76 characters.
func appendQP(dst, src []byte) []byte {
	const hex = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c == '\n' {
			dst = append(dst, '\n')
			n = 0
			continue
		}
		enc := false
		switch {
		case c == ' ' || c == '\t':
			enc = i+1 == len(src) || src[i+1] == '\n'
		case c == '=' || c < ' ' || c > '~':
			enc = true
		}
		w := 1
		if enc {
			w = 3
		}
		if n+w > 75 {
			dst = append(dst, '=', '\n')
			n = 0
		}
		if enc {
			dst = append(dst, '=', hex[c>>4], hex[c&15])
		} else {
			dst = append(dst, c)
		}
		n += w
	}
	return dst
}

// appendBase64 appends src encoded as base64 in lines of 76 characters.
func appendBase64(dst, src []byte) []byte {
	dst = slices.Grow(dst, base64.StdEncoding.EncodedLen(len(src))+len(src)/57+1)
	var line [76]byte
	for len(src) > 0 {
		k := min(len(src), 57)
		m := base64.StdEncoding.EncodedLen(k)
		base64.StdEncoding.Encode(line[:m], src[:k])
		dst = append(dst, line[:m]...)
		dst = append(dst, '\n')
		src = src[k:]
	}
	return dst
}

// appendEncoded appends body (already in its charset) with transfer
// encoding te, always ending with a newline.
func appendEncoded(dst, body []byte, te string) []byte {
	switch te {
	case teQP:
		dst = appendQP(dst, body)
	case teBase64:
		return appendBase64(dst, body)
	default:
		dst = append(dst, body...)
	}
	if len(dst) == 0 || dst[len(dst)-1] != '\n' {
		dst = append(dst, '\n')
	}
	return dst
}

// appendHeader appends "name: value\n", folding the value at spaces so that
// lines stay under 78 characters where possible.
func appendHeader(dst []byte, name, value string) []byte {
	dst = append(dst, name...)
	dst = append(dst, ':')
	col := len(name) + 1
	for i := 0; value != ""; i++ {
		var word string
		if j := strings.IndexByte(value, ' '); j >= 0 {
			word, value = value[:j], value[j+1:]
		} else {
			word, value = value, ""
		}
		if i > 0 && col+1+len(word) > 76 {
			dst = append(dst, "\n "...)
			col = 1
		} else {
			dst = append(dst, ' ')
			col++
		}
		dst = append(dst, word...)
		col += len(word)
	}
	return append(dst, '\n')
}

// appendWrapped appends text (UTF-8, paragraphs separated by '\n') wrapped
// at width runes, prefixing each output line with prefix.
func appendWrapped(dst []byte, text string, width int, prefix string) []byte {
	for _, para := range strings.Split(text, "\n") {
		col := 0
		start := true
		for w := range strings.FieldsSeq(para) {
			n := utf8.RuneCountInString(w)
			if !start && col+1+n > width {
				dst = append(dst, '\n')
				start = true
			}
			if start {
				dst = append(dst, prefix...)
				col = 0
				start = false
			} else {
				dst = append(dst, ' ')
				col++
			}
			dst = append(dst, w...)
			col += n
		}
		if start {
			dst = append(dst, strings.TrimRight(prefix, " ")...)
		}
		dst = append(dst, '\n')
	}
	return dst
}

// toCRLF returns b with every "\n" turned into "\r\n" (b must hold no '\r').
func toCRLF(dst, b []byte) []byte {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return append(dst, b...)
		}
		dst = append(dst, b[:i]...)
		dst = append(dst, '\r', '\n')
		b = b[i+1:]
	}
	return dst
}
