package gen

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
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

// fakePDF returns a valid one-page PDF of about size bytes: a page
// showing a few lines of text (so that extraction finds words), and a
// stream of random bytes that no page uses, for bulk.
func fakePDF(r *rand.Rand, size int) []byte {
	lines := []string{"Document interne - diffusion restreinte", fmt.Sprintf("Reference %06d", r.IntN(1000000)),
		fmt.Sprintf("Montant total : %d EUR", 1000+r.IntN(900000))}
	var content []byte
	content = append(content, "BT /F1 14 Tf 72 760 Td 20 TL\n"...)
	for _, l := range lines {
		content = append(content, '(')
		content = append(content, l...)
		content = append(content, ") '\n"...)
	}
	content = append(content, "ET"...)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", size, appendRandom(nil, r, size)),
	}
	b := make([]byte, 0, size+1024)
	b = append(b, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"...)
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = len(b)
		b = fmt.Appendf(b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := len(b)
	b = fmt.Appendf(b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		b = fmt.Appendf(b, "%010d 00000 n \n", off)
	}
	return fmt.Appendf(b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
}

// fakePNG returns a valid PNG of random grey noise, about size bytes (the
// noise barely compresses).
func fakePNG(r *rand.Rand, size int) []byte {
	w := 64
	h := max(1, size/w)
	img := image.NewGray(image.Rect(0, 0, w, h))
	fill := appendRandom(nil, r, w*h)
	copy(img.Pix, fill)
	var buf bytes.Buffer
	png.Encode(&buf, img) // cannot fail writing to a buffer
	return buf.Bytes()
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
