// Package lang guesses the language of a document's text, to choose its
// search analyser. dossier analyses French and English specially, so
// [Detect] answers only "fr", "en" or "" (another language, or not sure).
//
// Detection is whatlanggo's trigram method restricted to a whitelist of
// languages common in European leaks: restricting the candidates keeps a
// Spanish or Italian text from being called French merely because French
// was the closest of two. Short texts are not judged at all, and large ones
// are judged on a few samples that vote, so the cost is bounded whatever the
// input.
package lang

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/abadojack/whatlanggo"
)

// MinLetters is the number of letters below which a text is too short to
// judge.
const MinLetters = 40

// MinConfidence is whatlanggo's confidence below which the answer is "".
const MinConfidence = 0.5

// whitelist holds the candidate languages.
var whitelist = map[whatlanggo.Lang]bool{
	whatlanggo.Eng: true, whatlanggo.Fra: true, whatlanggo.Deu: true, whatlanggo.Spa: true,
	whatlanggo.Ita: true, whatlanggo.Por: true, whatlanggo.Nld: true, whatlanggo.Pol: true,
	whatlanggo.Ron: true, whatlanggo.Tur: true, whatlanggo.Swe: true, whatlanggo.Dan: true,
	whatlanggo.Nob: true, whatlanggo.Fin: true, whatlanggo.Ces: true, whatlanggo.Hun: true,
	whatlanggo.Hrv: true, whatlanggo.Lit: true, whatlanggo.Lav: true, whatlanggo.Slv: true,
	whatlanggo.Rus: true, whatlanggo.Ukr: true, whatlanggo.Bel: true, whatlanggo.Bul: true,
	whatlanggo.Srp: true, whatlanggo.Mkd: true, whatlanggo.Arb: true, whatlanggo.Pes: true,
	whatlanggo.Urd: true, whatlanggo.Heb: true, whatlanggo.Hin: true,
}

// Detect returns "fr" or "en" when text is, with confidence, French or
// English, and "" otherwise (another language, mixed, too short, not
// text).
func Detect(text string) string {
	code, _ := Guess(text)
	if code == "fr" || code == "en" {
		return code
	}
	return ""
}

// Guess returns the ISO 639-1 code of text's most likely language among
// the whitelisted ones ("fr", "en", "de", "ru"...; ISO 639-3 where there is
// no two-letter code) and a confidence between 0 and 1, or "" when the text
// is too short or the guess is not confident.
//
// whatlanggo's confidence goes wrong (negative) on texts of more than a
// few kilobytes, so longer texts are judged in chunks of chunkBytes, at
// most maxChunks of them spread over the text, and the chunks vote.
func Guess(text string) (string, float64) {
	if letters(text) < MinLetters {
		return "", 0
	}
	chunks := split(text)
	votes := map[whatlanggo.Lang]float64{}
	judged := 0
	for _, c := range chunks {
		if letters(c) < MinLetters {
			continue
		}
		judged++
		info := whatlanggo.DetectWithOptions(c, whatlanggo.Options{Whitelist: whitelist})
		if info.Lang < 0 || info.Confidence < MinConfidence || info.Confidence > 1 {
			continue
		}
		votes[info.Lang] += info.Confidence
	}
	if judged == 0 {
		return "", 0
	}
	best, score := whatlanggo.Lang(-1), 0.0
	for l, v := range votes {
		if v > score || (v == score && l < best) {
			best, score = l, v
		}
	}
	conf := score / float64(judged)
	if best < 0 || conf < MinConfidence {
		return "", conf
	}
	code := best.Iso6391()
	if code == "" {
		code = best.Iso6393()
	}
	return code, conf
}

// Chunks judged separately.
const (
	chunkBytes = 3 << 10
	maxChunks  = 8
)

// split cuts text into at most maxChunks chunks of about chunkBytes,
// spread evenly over it, on rune boundaries.
func split(text string) []string {
	if len(text) <= chunkBytes {
		return []string{text}
	}
	n := min(maxChunks, (len(text)+chunkBytes-1)/chunkBytes)
	step := (len(text) - chunkBytes) / max(1, n-1)
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, cut(text, i*step, chunkBytes))
	}
	return out
}
func cut(s string, from, n int) string {
	for from < len(s) && !utf8.RuneStart(s[from]) {
		from++
	}
	to := min(len(s), from+n)
	for to < len(s) && !utf8.RuneStart(s[to]) {
		to--
	}
	return strings.ToValidUTF8(s[from:to], "")
}

// letters counts the letters of s, stopping once there are enough.
func letters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			if n++; n >= MinLetters {
				return n
			}
		}
	}
	return n
}
