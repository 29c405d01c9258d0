package pdf

import (
	"strconv"

	"bytes"
	"golang.org/x/text/unicode/norm"
	"math"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// font maps a font's codes to text.
type font struct {
	cmap     *cmap
	twoByte  bool      // a Type0 font: codes are two bytes
	first    int       // FirstChar
	widths   []float64 // /Widths, in thousandths of an em
	mac      bool      // MacRomanEncoding
	diffs    map[byte]rune
	defWidth float64
}

// cmap is a ToUnicode CMap: code bytes to text.
type cmap struct {
	widths []int // code lengths in bytes, from codespacerange
	m      map[string]string
}

// pageText runs a page's content streams and returns its text.
func (d *doc) pageText(p dict) string {
	var b strings.Builder
	d.run(&b, d.contents(p["Contents"]), p["Resources"], 0)
	return strings.TrimSpace(b.String())
}

func (d *doc) contents(v any) []byte {
	switch c := d.resolve(v).(type) {
	case *stream:
		return d.decode(c)
	case array:
		var out []byte
		for _, s := range c {
			if st, ok := d.resolve(s).(*stream); ok {
				out = append(out, d.decode(st)...)
				out = append(out, '\n')
			}
		}
		return out
	}
	return nil
}

// run interprets the text operators of a content stream, and the form
// XObjects it draws, writing text to b. It follows the text position
// roughly (glyph widths from the font's /Widths, half an em without
// them) to put a space where the text jumps forward on a line and a line
// break where it moves to another line.
func (d *doc) run(b *strings.Builder, content []byte, resources any, depth int) {
	if depth > 8 || len(content) == 0 {
		return
	}
	res, _ := d.resolve(resources).(dict)
	fonts, _ := d.resolve(res["Font"]).(dict)
	xobjs, _ := d.resolve(res["XObject"]).(dict)
	var cur *font
	var ops []any
	size := 1.0             // Tf size
	scale := 1.0            // Tm's horizontal scale: user space per text space unit
	lineX, curX := 0.0, 0.0 // text space, from the text matrix's origin
	lastY, haveY := 0.0, false
	newline := func() {
		if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
			b.WriteByte('\n')
		}
	}
	space := func() {
		if s := b.String(); b.Len() > 0 && !strings.HasSuffix(s, " ") && !strings.HasSuffix(s, "\n") {
			b.WriteByte(' ')
		}
	}
	// jump moves to x on the same line: a gap wider than a fifth of the
	// font size is a space.
	jump := func(x float64) {
		if x > curX+0.2*size {
			space()
		}
		curX = x
	}
	lx := &lexer{b: content}
	for d.ops < nativeMaxOps {
		t := lx.next()
		if t == nil {
			return
		}
		d.ops++
		k, isOp := t.(keyword)
		if !isOp {
			if len(ops) < 64 {
				ops = append(ops, lx.value(t, 0))
			}
			continue
		}
		arg := func(i int) float64 { // the i-th of the last n operands
			if i < 0 || i >= len(ops) {
				return 0
			}
			f, _ := ops[i].(float64)
			return f
		}
		n := len(ops)
		switch k {
		case "BI":
			// An inline image: skip its data up to EI.
			if i := bytes.Index(content[lx.p:], []byte("ID")); i >= 0 {
				lx.p += i + 2
				for j := lx.p; j+2 <= len(content); j++ {
					if content[j] == 'E' && content[j+1] == 'I' && isSpace(content[j-1]) && (j+2 == len(content) || isSpace(content[j+2])) {
						lx.p = j + 2
						break
					}
				}
			}
		case "BT":
			lineX, curX, scale = 0, 0, 1
		case "Tf":
			if n >= 2 {
				if nm, ok := ops[n-2].(name); ok {
					cur = d.font(fonts[string(nm)])
				}
				if f := arg(n - 1); f != 0 {
					size = math.Abs(f)
				}
			}
		case "Tj":
			if n >= 1 {
				curX += d.show(b, cur, ops[n-1]) * size
			}
		case "'", "\"":
			newline()
			curX = lineX
			if n >= 1 {
				curX += d.show(b, cur, ops[n-1]) * size
			}
		case "TJ":
			if n >= 1 {
				if a, ok := ops[n-1].(array); ok {
					for _, e := range a {
						if f, ok := e.(float64); ok {
							if f < -150 { // more than 0.15 em back: a word space
								space()
							}
							curX -= f / 1000 * size
							continue
						}
						curX += d.show(b, cur, e) * size
					}
				}
			}
		case "Td", "TD":
			if n >= 2 {
				x, y := arg(n-2), arg(n-1)
				if math.Abs(y) > 0.01 {
					lastY += y * scale
					newline()
					lineX += x
					curX = lineX
				} else {
					lineX += x
					jump(lineX)
				}
			}
		case "T*":
			newline()
			curX = lineX
		case "Tm":
			if n >= 6 {
				a, e, y := arg(n-6), arg(n-2), arg(n-1)
				if a != 0 {
					scale = math.Abs(a)
				}
				x := e / scale
				if haveY && math.Abs(y-lastY) > 0.5 {
					newline()
					curX = x
				} else if haveY {
					jump(x)
				}
				lastY, haveY = y, true
				lineX, curX = x, x
			}
		case "Do":
			if n >= 1 {
				if nm, ok := ops[n-1].(name); ok {
					if xs, ok := d.resolve(xobjs[string(nm)]).(*stream); ok {
						if st, _ := xs.dict["Subtype"].(name); st == "Form" {
							r := xs.dict["Resources"]
							if r == nil {
								r = resources
							}
							d.run(b, d.decode(xs), r, depth+1)
						}
					}
				}
			}
		}
		ops = ops[:0]
	}
}

// font returns the decoder of a font dictionary.
func (d *doc) font(v any) *font {
	key := v
	if _, ok := v.(ref); !ok {
		key = nil
	}
	fd, ok := d.resolve(v).(dict)
	if !ok {
		return nil
	}
	f := &font{defWidth: 500}
	if st, _ := fd["Subtype"].(name); st == "Type0" {
		f.twoByte = true
		f.defWidth = 1000
		if desc, ok := d.resolve(fd["DescendantFonts"]).(array); ok && len(desc) > 0 {
			if df, ok := d.resolve(desc[0]).(dict); ok {
				if dw, ok := d.resolve(df["DW"]).(float64); ok && dw > 0 {
					f.defWidth = dw
				}
			}
		}
	}
	if ws, ok := d.resolve(fd["Widths"]).(array); ok && len(ws) <= 65536 {
		f.first, _ = num(d.resolve(fd["FirstChar"]))
		for _, w := range ws {
			x, _ := d.resolve(w).(float64)
			f.widths = append(f.widths, x)
		}
	}
	switch enc := d.resolve(fd["Encoding"]).(type) {
	case name:
		f.mac = enc == "MacRomanEncoding"
	case dict:
		f.mac = enc["BaseEncoding"] == name("MacRomanEncoding")
		if diffs, ok := d.resolve(enc["Differences"]).(array); ok {
			f.diffs = differences(diffs)
		}
	}
	if key != nil {
		if cm, ok := d.cmaps[key]; ok {
			f.cmap = cm
			return f
		}
	}
	if s, ok := d.resolve(fd["ToUnicode"]).(*stream); ok {
		f.cmap = parseCMap(d.decode(s))
	}
	if key != nil {
		d.cmaps[key] = f.cmap
	}
	return f
}

// show writes a shown string through the font's mapping and returns its
// advance in ems.
func (d *doc) show(b *strings.Builder, f *font, v any) float64 {
	s, ok := v.(pdfString)
	if !ok {
		return 0
	}
	if f == nil {
		f = &font{defWidth: 500}
	}
	adv := 0.0
	width := func(code int) float64 {
		if i := code - f.first; i >= 0 && i < len(f.widths) && f.widths[i] > 0 {
			return f.widths[i] / 1000
		}
		return f.defWidth / 1000
	}
	if f.twoByte {
		for i := 0; i+1 < len(s); i += 2 {
			adv += f.defWidth / 1000
		}
	} else {
		for _, c := range s {
			adv += width(int(c))
		}
	}
	switch {
	case f.cmap != nil:
		b.WriteString(f.cmap.decode(s))
	case f.twoByte:
		// No mapping: the codes are glyph ids, which often follow
		// Unicode. Read them as UTF-16, big-endian unless every
		// other byte is zero the other way round.
		le := len(s) >= 2
		for i := 1; i < len(s); i += 2 {
			if s[i] != 0 {
				le = false
			}
		}
		for i := 0; i+1 < len(s); i += 2 {
			r := rune(s[i])<<8 | rune(s[i+1])
			if le {
				r = rune(s[i+1])<<8 | rune(s[i])
			}
			if r >= 0x20 && utf8.ValidRune(r) && !utf16.IsSurrogate(r) {
				b.WriteRune(r)
			}
		}
	default:
		for _, c := range s {
			r, ok := f.diffs[c]
			switch {
			case ok:
			case f.mac && c >= 0x80:
				r = macRoman[c-0x80]
			default:
				r = winAnsi(c)
			}
			if r != 0 {
				b.WriteRune(r)
			}
		}
	}
	return adv
}

// winAnsi maps a byte of WinAnsiEncoding (cp1252) to a rune, 0 for
// controls.
func winAnsi(c byte) rune {
	if c < 0x20 {
		if c == '\t' {
			return ' '
		}
		return 0
	}
	if c >= 0x80 && c <= 0x9F {
		return cp1252[c-0x80]
	}
	return rune(c)
}

var cp1252 = [32]rune{'€', 0, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0, 'Ž', 0,
	0, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0, 'ž', 'Ÿ'}

// parseCMap reads the codespace ranges and bfchar/bfrange mappings of a
// ToUnicode CMap.
func parseCMap(b []byte) *cmap {
	cm := &cmap{m: map[string]string{}}
	lx := &lexer{b: b}
	var prev []any
	for n := 0; n < 1_000_000; n++ {
		t := lx.next()
		if t == nil {
			break
		}
		k, ok := t.(keyword)
		if !ok {
			prev = append(prev, t)
			if len(prev) > 4 {
				prev = prev[1:]
			}
			continue
		}
		switch k {
		case "begincodespacerange":
			for {
				lo, ok := lx.next().(pdfString)
				if !ok {
					break
				}
				lx.next()
				cm.addWidth(len(lo))
			}
		case "beginbfchar":
			for len(cm.m) < 1<<20 {
				src, ok := lx.next().(pdfString)
				if !ok {
					break
				}
				dst, _ := lx.next().(pdfString)
				cm.m[string(src)] = utf16be(dst)
				cm.addWidth(len(src))
			}
		case "beginbfrange":
			for len(cm.m) < 1<<20 {
				lo, ok1 := lx.next().(pdfString)
				hi, ok2 := lx.next().(pdfString)
				if !ok1 || !ok2 || len(lo) != len(hi) || len(lo) == 0 || len(lo) > 4 {
					break
				}
				cm.addWidth(len(lo))
				l, h := beUint(lo), beUint(hi)
				if h < l || h-l > 1<<16 {
					lx.object(0)
					continue
				}
				dst := lx.object(0)
				for c := l; c <= h; c++ {
					src := string(beBytes(c, len(lo)))
					switch dv := dst.(type) {
					case pdfString:
						// The last byte of the destination counts up.
						v := append(pdfString{}, dv...)
						if len(v) > 0 {
							inc := c - l
							for i := len(v) - 1; i >= 0 && inc > 0; i-- {
								sum := uint32(v[i]) + inc&0xFF
								v[i] = byte(sum)
								inc = inc>>8 + sum>>8
							}
						}
						cm.m[src] = utf16be(v)
					case array:
						if int(c-l) < len(dv) {
							if s, ok := dv[c-l].(pdfString); ok {
								cm.m[src] = utf16be(s)
							}
						}
					}
				}
			}
		}
		prev = prev[:0]
	}
	if len(cm.widths) == 0 {
		cm.widths = []int{1}
	}
	return cm
}

func (cm *cmap) addWidth(n int) {
	if n < 1 || n > 4 {
		return
	}
	for _, w := range cm.widths {
		if w == n {
			return
		}
	}
	cm.widths = append(cm.widths, n)
}

// decode maps the codes of s, trying the code lengths the CMap declares
// (shortest first) at each position.
func (cm *cmap) decode(s []byte) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		matched := false
		for _, w := range cm.widths {
			if i+w <= len(s) {
				if t, ok := cm.m[string(s[i:i+w])]; ok {
					b.WriteString(t)
					i += w
					matched = true
					break
				}
			}
		}
		if !matched {
			i += cm.widths[len(cm.widths)-1] // an unmapped code: skip it
		}
	}
	return b.String()
}

func utf16be(s []byte) string {
	u := make([]uint16, 0, len(s)/2)
	for i := 0; i+1 < len(s); i += 2 {
		u = append(u, uint16(s[i])<<8|uint16(s[i+1]))
	}
	r := utf16.Decode(u)
	out := make([]rune, 0, len(r))
	for _, c := range r {
		if c >= 0x20 || c == '\t' {
			out = append(out, c)
		}
	}
	return string(out)
}

func beUint(b []byte) uint32 {
	var v uint32
	for _, c := range b {
		v = v<<8 | uint32(c)
	}
	return v
}

func beBytes(v uint32, n int) []byte {
	b := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
	return b
}

// macRoman maps bytes 0x80-0xFF of MacRomanEncoding.
var macRoman = []rune("ÄÅÇÉÑÖÜáàâäãåçéèêëíìîïñóòôöõúùûü†°¢£§•¶ß®©™´¨≠ÆØ∞±≤≥¥µ∂∑∏π∫ªºΩæø¿¡¬√ƒ≈∆«»… ÀÃÕŒœ–—“”‘’÷◊ÿŸ⁄€‹›ﬁﬂ‡·‚„‰ÂÊÁËÈÍÎÏÌÓÔ\uF8FFÒÚÛÙıˆ˜¯˘˙˚¸˝˛ˇ")

// differences reads an encoding's /Differences array: a code, then the
// glyph names of that code and the following ones. Names map through a
// small table of the common Latin glyph names and the uniXXXX form;
// others are dropped.
func differences(a array) map[byte]rune {
	m := map[byte]rune{}
	code := -1
	for _, e := range a {
		switch v := e.(type) {
		case float64:
			code = int(v)
		case name:
			if code >= 0 && code < 256 {
				if r, ok := glyphRune(string(v)); ok {
					m[byte(code)] = r
				} else {
					m[byte(code)] = 0
				}
			}
			code++
		}
	}
	return m
}

var glyphNames = map[string]rune{
	"space": ' ', "exclam": '!', "quotedbl": '"', "numbersign": '#', "dollar": '$', "percent": '%',
	"ampersand": '&', "quotesingle": '\'', "quoteright": '’', "quoteleft": '‘', "parenleft": '(', "parenright": ')',
	"asterisk": '*', "plus": '+', "comma": ',', "hyphen": '-', "period": '.', "slash": '/', "zero": '0',
	"one": '1', "two": '2', "three": '3', "four": '4', "five": '5', "six": '6', "seven": '7', "eight": '8',
	"nine": '9', "colon": ':', "semicolon": ';', "less": '<', "equal": '=', "greater": '>', "question": '?',
	"at": '@', "bracketleft": '[', "backslash": '\\', "bracketright": ']', "asciicircum": '^',
	"underscore": '_', "grave": '`', "braceleft": '{', "bar": '|', "braceright": '}', "asciitilde": '~',
	"endash": '–', "emdash": '—', "quotedblleft": '“', "quotedblright": '”', "bullet": '•', "ellipsis": '…',
	"fi": 'ﬁ', "fl": 'ﬂ', "ff": 'ﬀ', "ffi": 'ﬃ', "ffl": 'ﬄ', "Euro": '€', "section": '§', "degree": '°',
	"copyright": '©', "registered": '®', "guillemotleft": '«', "guillemotright": '»', "minus": '−',
	"dagger": '†', "germandbls": 'ß', "oe": 'œ', "OE": 'Œ', "ae": 'æ', "AE": 'Æ', "dotlessi": 'ı',
	"nbspace": '\u00a0', "periodcentered": '·', "multiply": '×', "divide": '÷', "sterling": '£',
}

// accents combine with a base letter in names like "eacute".
var accents = map[string]rune{"acute": '\u0301', "grave": '\u0300', "circumflex": '\u0302', "dieresis": '\u0308',
	"tilde": '\u0303', "cedilla": '\u0327', "ring": '\u030A', "caron": '\u030C'}

func glyphRune(n string) (rune, bool) {
	if r, ok := glyphNames[n]; ok {
		return r, true
	}
	if len(n) == 1 && (n[0] >= 'a' && n[0] <= 'z' || n[0] >= 'A' && n[0] <= 'Z') {
		return rune(n[0]), true
	}
	if strings.HasPrefix(n, "uni") && len(n) == 7 {
		if v, err := strconv.ParseUint(n[3:], 16, 32); err == nil && utf8.ValidRune(rune(v)) {
			return rune(v), true
		}
	}
	if len(n) > 1 {
		if a, ok := accents[n[1:]]; ok && (n[0] >= 'a' && n[0] <= 'z' || n[0] >= 'A' && n[0] <= 'Z') {
			if r := []rune(norm.NFC.String(string([]rune{rune(n[0]), a}))); len(r) == 1 {
				return r[0], true
			}
		}
	}
	return 0, false
}
