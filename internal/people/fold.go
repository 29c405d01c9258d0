package people

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Fold returns the comparison form of s: its words, folded, joined by
// single spaces. Folding is NFKD, then combining marks dropped, then
// lower case, then œ→oe, æ→ae, ß→ss, ø→o, ł→l, đ→d, ð→d, þ→th, ı→i.
// Words are runs of letters and digits; apostrophes (' ’ ʼ ‘ ` ´),
// hyphens and every other non-letter separate words, so
// Fold("d’Émmanuel  MACRON") == "d emmanuel macron". Soft hyphens and
// zero-width joiners inside a word are ignored. Fold never fails; invalid
// UTF-8 bytes separate words.
//
// Fold is the same function the [Matcher] applies to watchlist names and
// to document text, so two strings that fold equal are the same name.
func Fold(s string) string {
	var t tokenizer
	t.reset(s)
	var b strings.Builder
	var tk token
	for t.next(&tk) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.Write(tk.fold)
	}
	return b.String()
}

// foldWords returns the folded words of s.
func foldWords(s string) []string {
	var t tokenizer
	t.reset(s)
	var out []string
	var tk token
	for t.next(&tk) {
		out = append(out, string(tk.fold))
	}
	return out
}

// Character classes of the bytes and runes between words.
const (
	clHard   uint8 = iota // punctuation that ends a multi-word name
	clWord                // part of a word
	clSpace               // white space on one line
	clLine                // line break
	clJoin                // apostrophe or hyphen: separates words, may sit inside a name
	clPeriod              // '.', allowed once after an initial ("F. Fillon")
	clQuote               // '>', allowed after a line break (quoted mail)
)

var asciiClass = func() (t [utf8.RuneSelf]uint8) {
	for c := 0; c < utf8.RuneSelf; c++ {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			t[c] = clWord
		case c == ' ' || c == '\t':
			t[c] = clSpace
		case c == '\n' || c == '\r' || c == '\v' || c == '\f':
			t[c] = clLine
		case c == '\'' || c == '`' || c == '-':
			t[c] = clJoin
		case c == '.':
			t[c] = clPeriod
		case c == '>':
			t[c] = clQuote
		default:
			t[c] = clHard
		}
	}
	return t
}()

// wordLower maps an ASCII letter or digit to its lower case, other ASCII
// bytes to 0 and non-ASCII bytes to 0x80.
var wordLower = func() (t [256]byte) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= utf8.RuneSelf:
			t[c] = 0x80
		case asciiClass[c] == clWord:
			t[c] = asciiLower[c]
		}
	}
	return t
}()

var asciiLower = func() (t [utf8.RuneSelf]byte) {
	for c := 0; c < utf8.RuneSelf; c++ {
		t[c] = byte(c)
		if c >= 'A' && c <= 'Z' {
			t[c] = byte(c + 'a' - 'A')
		}
	}
	return t
}()

// isIgnorable reports format characters that may sit inside a word and
// vanish when folded: soft hyphen, zero-width (non-)joiner, word joiner,
// byte order mark.
func isIgnorable(r rune) bool {
	switch r {
	case 0xAD, 0x200C, 0x200D, 0x2060, 0xFEFF:
		return true
	}
	return false
}

// runeClass classifies a non-ASCII rune.
func runeClass(r rune) uint8 {
	switch r {
	case '\u2019', '\u02BC', '\u2018', '\u00B4', '\u2032', '\uFF07', // apostrophes
		'\u2010', '\u2011', '\u2012', '\u2013', '\uFE63', '\uFF0D': // hyphens, en dash
		return clJoin
	case '\u0085', '\u2028', '\u2029':
		return clLine
	case '\u200B':
		return clSpace
	case utf8.RuneError:
		return clHard
	}
	if unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r) || isIgnorable(r) {
		return clWord
	}
	if unicode.IsSpace(r) {
		return clSpace
	}
	return clHard
}

// latinFold caches foldRune for U+0080..U+024F, the Latin letters of
// Western European text; ok is false where the fold contains a separator.
var latinFold = func() (t [0x250 - 0x80]struct {
	s  string
	ok bool
}) {
	for r := rune(0x80); r < 0x250; r++ {
		s := foldRune(nil, r)
		ok := true
		for _, c := range string(s) {
			if c == 0 {
				ok = false
			}
		}
		t[r-0x80].s, t[r-0x80].ok = string(s), ok
	}
	return t
}()

// foldRune appends the fold of r to dst. A NUL byte marks a word break
// inside the fold (for example the fraction slash of "½" → "1\x002").
func foldRune(dst []byte, r rune) []byte {
	if r < utf8.RuneSelf {
		return append(dst, asciiLower[r])
	}
	if isIgnorable(r) {
		return dst
	}
	var tmp [4]byte
	n := utf8.EncodeRune(tmp[:], r)
	var dec [64]byte
	d := norm.NFKD.Append(dec[:0], tmp[:n]...)
	for len(d) > 0 {
		c, size := utf8.DecodeRune(d)
		d = d[size:]
		if unicode.In(c, unicode.Mn, unicode.Me) || isIgnorable(c) {
			continue
		}
		c = unicode.ToLower(c)
		switch c {
		case 'œ':
			dst = append(dst, "oe"...)
			continue
		case 'æ':
			dst = append(dst, "ae"...)
			continue
		case 'ß':
			dst = append(dst, "ss"...)
			continue
		case 'þ':
			dst = append(dst, "th"...)
			continue
		case 'ø':
			c = 'o'
		case 'ł':
			c = 'l'
		case 'đ', 'ð':
			c = 'd'
		case 'ı':
			c = 'i'
		}
		if c < utf8.RuneSelf {
			if asciiClass[c] == clWord {
				dst = append(dst, byte(c))
			} else {
				dst = append(dst, 0)
			}
			continue
		}
		if runeClass(c) == clWord {
			dst = utf8.AppendRune(dst, c)
		} else {
			dst = append(dst, 0)
		}
	}
	return dst
}

// token is one folded word of a text. A word of the text usually folds to
// one token; a few compatibility characters fold to several ("½" → "1",
// "2"), which share the word's span and are told apart by first and last.
type token struct {
	start, end  int    // byte span of the word in the text
	fold        []byte // folded form; valid until the next call to next
	first, last bool   // first or last token of its word
	soft        bool   // the gap from the previous token may sit inside a name
	line        bool   // the gap from the previous token holds a line break
}

// tokenizer splits a text into tokens in one pass, without allocating
// once its buffers have grown.
type tokenizer struct {
	s          string
	i          int
	ws, we     int
	buf        []byte
	ends       []int
	k          int
	soft, line bool
	prevSingle bool
}

func (t *tokenizer) reset(s string) {
	t.s, t.i, t.k = s, 0, 0
	t.ends = t.ends[:0]
	t.prevSingle = false
}

// next stores the next token in tk and reports whether there was one.
func (t *tokenizer) next(tk *token) bool {
	for t.k >= len(t.ends) {
		if !t.word() {
			return false
		}
	}
	from := 0
	if t.k > 0 {
		from = t.ends[t.k-1]
	}
	tk.start, tk.end = t.ws, t.we
	tk.fold = t.buf[from:t.ends[t.k]]
	tk.first, tk.last = t.k == 0, t.k == len(t.ends)-1
	if t.k == 0 {
		tk.soft, tk.line = t.soft, t.line
	} else {
		tk.soft, tk.line = true, false
	}
	t.k++
	t.prevSingle = len(tk.fold) == 1 || (len(tk.fold) <= 4 && utf8.RuneCount(tk.fold) == 1)
	return true
}

// word scans the gap and the next word, folding it into buf and ends.
// It reports false at the end of the text.
func (t *tokenizer) word() bool {
	s := t.s
	i := t.i
	hard, line := false, false
	periods := 0
	for {
		// Gap.
		for i < len(s) {
			c := s[i]
			var cl uint8
			size := 1
			if c < utf8.RuneSelf {
				cl = asciiClass[c]
			} else {
				var r rune
				r, size = utf8.DecodeRuneInString(s[i:])
				if r == utf8.RuneError && size == 1 {
					cl = clHard
				} else {
					cl = runeClass(r)
				}
			}
			if cl == clWord {
				break
			}
			switch cl {
			case clHard:
				hard = true
			case clLine:
				line = true
			case clPeriod:
				periods++
			case clQuote:
				if !line {
					hard = true
				}
			}
			i += size
		}
		if i >= len(s) {
			t.i = i
			t.ends = t.ends[:0]
			t.k = 0
			return false
		}
		// Word: ASCII letters and digits are folded as they are scanned.
		start := i
		t.buf = t.buf[:0]
		t.ends = t.ends[:0]
		t.k = 0
		for i < len(s) {
			l := wordLower[s[i]]
			if l == 0 || l == 0x80 {
				break
			}
			t.buf = append(t.buf, l)
			i++
		}
		if i < len(s) && wordLower[s[i]] == 0x80 && isWordRuneAt(s, i) {
			// Non-ASCII: find the end of the word, then fold it whole.
			for i < len(s) {
				c := s[i]
				if c < utf8.RuneSelf {
					if asciiClass[c] != clWord {
						break
					}
					i++
					continue
				}
				r, size := utf8.DecodeRuneInString(s[i:])
				if (r == utf8.RuneError && size == 1) || runeClass(r) != clWord {
					break
				}
				i += size
			}
			t.buf = t.buf[:0]
			t.foldWord(s[start:i])
		} else if i > start {
			t.ends = append(t.ends, len(t.buf))
		}
		if len(t.ends) == 0 {
			// A word of ignorable characters only: part of the gap.
			continue
		}
		t.i = i
		t.ws, t.we = start, i
		t.line = line
		t.soft = !hard && (periods == 0 || (periods == 1 && t.prevSingle))
		return true
	}
}

// isWordRuneAt reports whether the rune at s[i] belongs to a word.
func isWordRuneAt(s string, i int) bool {
	r, size := utf8.DecodeRuneInString(s[i:])
	return !(r == utf8.RuneError && size == 1) && runeClass(r) == clWord
}

// foldWord folds a word with non-ASCII runes into buf, splitting it where
// the fold holds a separator, and records the end of each part in ends.
func (t *tokenizer) foldWord(w string) {
	for _, r := range w {
		switch {
		case r < utf8.RuneSelf:
			t.buf = append(t.buf, asciiLower[r])
		case r < 0x250 && latinFold[r-0x80].ok:
			t.buf = append(t.buf, latinFold[r-0x80].s...)
		default:
			t.buf = foldRune(t.buf, r)
		}
	}
	// Split at the NUL bytes foldRune wrote, dropping empty parts.
	n := 0
	for _, c := range t.buf {
		if c != 0 {
			t.buf[n] = c
			n++
			continue
		}
		if len(t.ends) == 0 && n > 0 || len(t.ends) > 0 && n > t.ends[len(t.ends)-1] {
			t.ends = append(t.ends, n)
		}
	}
	t.buf = t.buf[:n]
	if len(t.ends) == 0 && n > 0 || len(t.ends) > 0 && n > t.ends[len(t.ends)-1] {
		t.ends = append(t.ends, n)
	}
}
