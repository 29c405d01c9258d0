package email

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/newsroom/dossier/internal/extract/textdecode"
)

// wordDecoder decodes header text: RFC 2047 encoded-words in any charset,
// tolerating the malformed ones real mail has (white space inside, missing
// separators, words split in the middle of a multi-byte character), and raw
// 8-bit bytes, which are read in the fallback charset.
type wordDecoder struct {
	fallback string // charset for unencoded 8-bit text; "" means guess
	problems *[]string
}

func (d *wordDecoder) problem(p string) {
	if d.problems != nil && len(*d.problems) < maxProblems {
		*d.problems = append(*d.problems, p)
	}
}

// decode returns s with encoded-words decoded, as valid UTF-8.
func (d *wordDecoder) decode(s []byte) string {
	if !hasEncodedWord(s) {
		return d.raw(s)
	}
	var out strings.Builder
	out.Grow(len(s))
	var pend []byte    // decoded bytes of adjacent words in pendCS
	var pendCS string  // charset of pend
	var space []byte   // white space seen after an encoded-word
	afterWord := false // last thing emitted was an encoded-word
	flush := func() {
		if len(pend) > 0 || pendCS != "" {
			out.WriteString(d.charset(pend, pendCS))
		}
		pend, pendCS = pend[:0], ""
	}
	i := 0
	for i < len(s) {
		if s[i] == '=' && i+1 < len(s) && s[i+1] == '?' {
			if cs, raw, n, ok := scanWord(s[i:]); ok {
				if !afterWord || !strings.EqualFold(cs, pendCS) {
					flush()
				}
				// White space between adjacent encoded-words is dropped.
				space = space[:0]
				pendCS = cs
				pend = append(pend, raw...)
				afterWord = true
				i += n
				continue
			}
		}
		c := s[i]
		if afterWord && (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			space = append(space, c)
			i++
			continue
		}
		// Literal text: flush pending words and held white space.
		flush()
		afterWord = false
		if len(space) > 0 {
			out.Write(space)
			space = space[:0]
		}
		j := i + 1
		for j < len(s) && !(s[j] == '=' && j+1 < len(s) && s[j+1] == '?') {
			j++
		}
		// Keep trailing white space separate so it can be dropped before
		// a following encoded-word only if it follows one; here it follows
		// text, so it is kept.
		out.WriteString(d.raw(s[i:j]))
		i = j
	}
	flush()
	if len(space) > 0 {
		out.Write(space)
	}
	return out.String()
}

// raw decodes unencoded header bytes.
func (d *wordDecoder) raw(s []byte) string {
	if isASCII(s) || utf8.Valid(s) {
		return string(s)
	}
	r := textdecode.ToUTF8(s, d.fallback, false)
	return r.Text
}

// charset converts the decoded bytes of encoded-words to UTF-8.
func (d *wordDecoder) charset(b []byte, cs string) string {
	if isASCII(b) && bytes.IndexByte(b, 0x1b) < 0 {
		return string(b)
	}
	r := textdecode.ToUTF8(b, cs, false)
	if r.Problem != "" {
		d.problem("header: " + r.Problem)
	}
	return r.Text
}

func hasEncodedWord(s []byte) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '=' && s[i+1] == '?' {
			return true
		}
	}
	return false
}

// scanWord parses an encoded-word at the start of s: =?charset?X?text?= and
// returns the charset (language suffix removed), the decoded bytes and the
// length consumed. The text may contain white space (malformed but common);
// it may not contain another "=?" start before its "?=" end.
func scanWord(s []byte) (cs string, raw []byte, n int, ok bool) {
	// charset
	i := 2
	for i < len(s) && s[i] != '?' {
		if s[i] <= ' ' || i > 80 {
			return "", nil, 0, false
		}
		i++
	}
	if i+2 >= len(s) || s[i+2] != '?' {
		return "", nil, 0, false
	}
	cs = string(s[2:i])
	if k := strings.IndexByte(cs, '*'); k >= 0 {
		cs = cs[:k]
	}
	enc := s[i+1] | 0x20
	if enc != 'b' && enc != 'q' {
		return "", nil, 0, false
	}
	start := i + 3
	// Find "?=". Stop at a line break followed by non-space, or at a new
	// "=?" (a word missing its end), so one bad word cannot swallow the
	// rest of the header.
	j := start
	for ; j+1 < len(s); j++ {
		if s[j] == '?' && s[j+1] == '=' {
			break
		}
		if s[j] == '=' && s[j+1] == '?' && j > start && (j+2 >= len(s) || s[j+2] != '=') {
			return "", nil, 0, false
		}
	}
	if j+1 >= len(s) {
		return "", nil, 0, false
	}
	text := s[start:j]
	if enc == 'b' {
		raw = decodeBase64(text)
	} else {
		raw = decodeQWord(text)
	}
	return cs, raw, j + 2, true
}

// decodeQWord decodes the "Q" encoding: _ is space, =XX a byte; a bad
// escape is kept literally.
func decodeQWord(s []byte) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_':
			out = append(out, ' ')
		case c == '=' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10
	}
	return 0
}
