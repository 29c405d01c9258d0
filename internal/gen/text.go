package gen

import (
	"hash/crc32"
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// markPlaceholder stands for the planted marker in generated text until the
// text is rendered as plain text (the word) or HTML (its literal form).
const markPlaceholder = "\x01"

type vocab struct {
	openers, nouns, verbs, complements, greetings, closings []string
}

var vocabs = map[string]vocab{
	"fr": {frOpeners, frNouns, frVerbs, frComplements, frGreetings, frClosings},
	"en": {enOpeners, enNouns, enVerbs, enComplements, enGreetings, enClosings},
	"ru": {ruOpeners, ruNouns, ruVerbs, ruComplements, ruGreetings, ruClosings},
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || unicode.IsUpper(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// sentence writes one sentence in lang.
func sentence(b *strings.Builder, r *rand.Rand, lang string) {
	v := vocabs[lang]
	op := pick(r, v.openers)
	s := op + pick(r, v.nouns) + " " + pick(r, v.verbs) + " " + pick(r, v.nouns)
	if r.IntN(3) > 0 {
		s += " " + pick(r, v.complements)
	}
	if r.IntN(8) == 0 {
		s += amount(r, lang)
	}
	b.WriteString(capitalize(s))
	switch r.IntN(10) {
	case 0:
		if lang == "fr" {
			b.WriteString(" ?")
		} else {
			b.WriteByte('?')
		}
	case 1:
		b.WriteString("…")
	default:
		b.WriteByte('.')
	}
}

func amount(r *rand.Rand, lang string) string {
	n := 100 * (1 + r.IntN(2000))
	s := strconv.Itoa(n)
	switch lang {
	case "fr":
		if len(s) > 3 {
			s = s[:len(s)-3] + "\u00a0" + s[len(s)-3:]
		}
		return " (" + s + " €)"
	case "ru":
		return " (" + s + " руб.)"
	}
	return " (€" + s + ")"
}

// paragraphs writes n paragraphs of 1 to 4 sentences, one per line.
func paragraphs(b *strings.Builder, r *rand.Rand, lang string, n int) {
	for range n {
		for k := range 1 + r.IntN(4) {
			if k > 0 {
				b.WriteByte(' ')
			}
			sentence(b, r, lang)
		}
		b.WriteString("\n\n")
	}
}

func markerSentence(lang string) string {
	switch lang {
	case "fr":
		return "Voir aussi le point sur " + markPlaceholder + " avant la réunion."
	case "ru":
		return "См. также " + markPlaceholder + " до встречи."
	}
	return "See also the note on " + markPlaceholder + " before the meeting."
}

// fakePDF returns size-ish bytes that start and end like a PDF file.
func fakePDF(r *rand.Rand, size int) []byte {
	b := make([]byte, 0, size+256)
	b = append(b, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"...)
	b = append(b, "4 0 obj\n<< /Length "...)
	b = strconv.AppendInt(b, int64(size), 10)
	b = append(b, " /Filter /FlateDecode >>\nstream\n"...)
	b = appendRandom(b, r, size)
	b = append(b, "\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"...)
	return b
}

// fakePNG returns a PNG-looking file: a real signature, IHDR, one IDAT of
// random bytes and IEND, each chunk with a correct CRC.
func fakePNG(r *rand.Rand, size int) []byte {
	b := make([]byte, 0, size+64)
	b = append(b, "\x89PNG\r\n\x1a\n"...)
	ihdr := []byte{0, 0, 1, 0, 0, 0, 0, 200, 8, 2, 0, 0, 0} // 256x200 RGB
	b = appendChunk(b, "IHDR", ihdr)
	b = appendChunk(b, "IDAT", appendRandom(nil, r, size))
	return appendChunk(b, "IEND", nil)
}

func appendChunk(b []byte, typ string, data []byte) []byte {
	n := len(data)
	b = append(b, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	start := len(b)
	b = append(b, typ...)
	b = append(b, data...)
	c := crc32.ChecksumIEEE(b[start:])
	return append(b, byte(c>>24), byte(c>>16), byte(c>>8), byte(c))
}

func appendRandom(b []byte, r *rand.Rand, n int) []byte {
	for n > 0 {
		x := r.Uint64()
		for k := 0; k < 8 && n > 0; k++ {
			b = append(b, byte(x))
			x >>= 8
			n--
		}
	}
	return b
}
