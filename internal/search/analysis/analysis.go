// Package analysis turns French and English text into the tokens that the
// full-text index stores and that queries are matched against.
//
// # Tokens
//
// A token is a maximal run of Unicode letters, digits and combining marks.
// Everything else separates tokens, including '-', '_', '.', '@' and the
// apostrophe: "Jean-Pierre" is the two tokens "Jean" and "Pierre", and
// "jeff.skilling@enron.com" is "jeff", "skilling", "enron", "com". Splitting
// on hyphens keeps the rule simple and symmetric: a query for "jean-pierre"
// is analysed the same way and becomes the phrase "jean pierre".
//
// French elision is removed: a token l, d, j, m, n, s, t, c, qu, jusqu,
// lorsqu or puisqu (any case) directly followed by an apostrophe (' or ’)
// and a letter is dropped, so "l'État" yields the single token "État".
//
// Every token keeps its byte offsets in the original text, which is what
// highlighting needs.
//
// # Forms
//
// Each token has three forms:
//
//   - folded ([Analyzer.AppendFold]): lower case, diacritics removed (NFKD,
//     combining marks dropped), ligatures expanded (œ→oe, æ→ae, ß→ss);
//     "Société" → "societe". Used for names, addresses and file names.
//   - stemmed: the folded form run through the Snowball stemmer of the
//     document's language ("fr" or "en"). Folding comes first, so a user who
//     types "societe" and a document that says "Société" reach the same stem.
//     At query time the language is unknown, so a query word stands for its
//     French stem or its English stem ([Word]).
//   - exact ([Analyzer.AppendExact]): lower case, accents kept, NFC, no
//     stemming; used by the exact: query mode.
//
// # Concurrency
//
// An [Analyzer] reuses its buffers and stem caches and is not safe for
// concurrent use; give each goroutine its own. The package-level functions
// take one from a pool and are safe to call concurrently.
package analysis

import (
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Languages known to the stemmers.
const (
	French  = "fr"
	English = "en"
)

// Token is one word of a text: text[Start:End].
type Token struct {
	Start, End int
}

// isWordRune reports whether r belongs inside a token.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

// Tokenize appends the tokens of text to dst and returns it. French elided
// articles and pronouns (l', d', qu'...) are left out.
func Tokenize(text string, dst []Token) []Token {
	i := 0
	for i < len(text) {
		c := text[i]
		if c < utf8.RuneSelf {
			if !isWordRune(rune(c)) {
				i++
				continue
			}
		} else if r, size := utf8.DecodeRuneInString(text[i:]); !isWordRune(r) {
			i += size
			continue
		}
		start := i
		for i < len(text) {
			c := text[i]
			if c < utf8.RuneSelf {
				if !isWordRune(rune(c)) {
					break
				}
				i++
				continue
			}
			r, size := utf8.DecodeRuneInString(text[i:])
			if !isWordRune(r) {
				break
			}
			i += size
		}
		if i < len(text) && elided(text[start:i]) && apostropheThenWord(text[i:]) {
			continue
		}
		dst = append(dst, Token{start, i})
	}
	return dst
}

// elided reports whether tok is a French word that elides before a vowel.
func elided(tok string) bool {
	if len(tok) > 7 {
		return false
	}
	var b [7]byte
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	switch string(b[:len(tok)]) {
	case "l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu":
		return true
	}
	return false
}

// apostropheThenWord reports whether s starts with an apostrophe followed by
// a word character.
func apostropheThenWord(s string) bool {
	var rest string
	switch {
	case len(s) > 1 && s[0] == '\'':
		rest = s[1:]
	case len(s) > 3 && s[:3] == "’":
		rest = s[3:]
	default:
		return false
	}
	r, _ := utf8.DecodeRuneInString(rest)
	return isWordRune(r)
}

// foldTab returns the folded form of every rune below foldTabSize. It is
// built on first use (about 1.5 ms), not at program start, so commands that
// never fold text start faster.
const foldTabSize = 0x2000

var foldTab = sync.OnceValue(func() []string {
	special := map[rune]string{
		'œ': "oe", 'æ': "ae", 'ß': "ss", 'ø': "o", 'đ': "d", 'ł': "l",
		'ı': "i", 'ħ': "h", 'ŧ': "t", 'ð': "d", 'þ': "th", 'ſ': "s",
	}
	t := make([]string, foldTabSize)
	for r := rune(0); r < foldTabSize; r++ {
		t[r] = foldSlow(r, special)
	}
	return t
})

// foldSlow folds one rune: lower case, compatibility decomposition, marks
// and anything that is not a letter or digit dropped.
func foldSlow(r rune, special map[rune]string) string {
	lr := unicode.ToLower(r)
	if s, ok := special[lr]; ok {
		return s
	}
	var out []byte
	for _, d := range norm.NFKD.String(string(lr)) {
		if !unicode.IsLetter(d) && !unicode.IsNumber(d) {
			continue
		}
		out = utf8.AppendRune(out, unicode.ToLower(d))
	}
	return string(out)
}

// AppendFold appends the folded form of word to dst.
func AppendFold(dst []byte, word string) []byte {
	for i := 0; i < len(word); {
		c := word[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(word[i:])
		i += size
		if r < foldTabSize {
			dst = append(dst, foldTab()[r]...)
			continue
		}
		if unicode.IsMark(r) {
			continue
		}
		dst = append(dst, foldSlow(r, nil)...)
	}
	return dst
}

// AppendExact appends the exact form of word to dst: lower case, accents
// kept, in Unicode normal form C.
func AppendExact(dst []byte, word string) []byte {
	dst, _ = appendExact(dst, nil, word)
	return dst
}

// appendExact is AppendExact with a reusable scratch buffer, returned for
// the next call.
func appendExact(dst, scratch []byte, word string) (out, scratchOut []byte) {
	ascii := true
	for i := 0; i < len(word); i++ {
		if word[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		for i := 0; i < len(word); i++ {
			c := word[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
		}
		return dst, scratch
	}
	low := scratch[:0]
	for _, r := range word {
		low = utf8.AppendRune(low, unicode.ToLower(r))
	}
	if norm.NFC.QuickSpan(low) == len(low) {
		return append(dst, low...), low
	}
	return norm.NFC.Append(dst, low...), low
}

// Fold returns the folded form of word ("Société" → "societe").
func Fold(word string) string { return string(AppendFold(nil, word)) }

// Exact returns the exact form of word ("Société" → "société").
func Exact(word string) string { return string(AppendExact(nil, word)) }

var pool = sync.Pool{New: func() any { return NewAnalyzer() }}

func get() *Analyzer  { return pool.Get().(*Analyzer) }
func put(a *Analyzer) { pool.Put(a) }

// Index returns the two space-separated token strings stored in the
// full-text index for text: the stemmed forms and the exact forms. lang is
// French, English, or "" to detect it with [Detect]. It is safe for
// concurrent use.
func Index(text, lang string) (stemmed, exact string) {
	a := get()
	defer put(a)
	return a.Index(text, lang)
}

// Names returns the folded, unstemmed tokens of text separated by spaces,
// for names, addresses and file names: "Jeff.Skilling@Enron.com" →
// "jeff skilling enron com". It is safe for concurrent use.
func Names(text string) string {
	a := get()
	defer put(a)
	return a.Names(text)
}

// Words analyses a query word or phrase into its tokens. It is safe for
// concurrent use.
func Words(text string) []Word {
	a := get()
	defer put(a)
	return a.Words(text)
}

// Detect guesses the language of text from stop-word counts and returns
// French or English (English when there is no evidence either way). It is
// safe for concurrent use.
func Detect(text string) string {
	a := get()
	defer put(a)
	a.toks = Tokenize(text, a.toks[:0])
	return a.detect(text, a.toks)
}

// FoldWords returns the folded words of text joined by single spaces, with
// a space at each end, so that a folded word w occurs in it exactly when
// " "+w+" " does ("" when text has no word).
func FoldWords(text string) string {
	ws := Words(text)
	if len(ws) == 0 {
		return ""
	}
	b := make([]byte, 0, len(text)+2)
	b = append(b, ' ')
	for _, w := range ws {
		b = append(b, w.Fold...)
		b = append(b, ' ')
	}
	return string(b)
}

// StopWords counts, among the first words of text (as many as language
// detection looks at), the French and the English stop words, and the
// words looked at: a cheap first opinion on a text's language.
func StopWords(text string) (fr, en, words int) {
	a := get()
	defer put(a)
	a.toks = Tokenize(text, a.toks[:0])
	toks := a.toks
	if len(toks) > detectTokens {
		toks = toks[:detectTokens]
	}
	for _, t := range toks {
		if t.End-t.Start > 6 {
			continue
		}
		a.fold = AppendFold(a.fold[:0], text[t.Start:t.End])
		if _, ok := stopFR[string(a.fold)]; ok {
			fr++
		}
		if _, ok := stopEN[string(a.fold)]; ok {
			en++
		}
	}
	return fr, en, len(toks)
}
