package legacy

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// RTF to text, in Go. unrtf, the external tool, replaces every hyperlink's
// text with the word "hyperlink", drops headers and footers, and in its
// text mode garbles any code page but the ANSI one; its HTML mode is
// better but still loses link texts. This reader keeps the text of every
// destination that is shown (body, headers, footers, footnotes, comments,
// text boxes, field results), decodes \'hh through the code page of the
// current font's \fcharset (or \ansicpg), \uN with its \ucN fallback, and
// writes a hyperlink's target after its text ("text <url>"), as the HTML
// converter does. Tables become tab-separated cells, one row per line.

// Limits of the reader.
const (
	maxRTFDepth = 1024
	maxRTFText  = 64 << 20
)

// destinations whose content is not text: skipped with all their groups.
var skipDest = map[string]bool{
	"colortbl": true, "stylesheet": true, "info": true, "pict": true, "themedata": true,
	"colorschememapping": true, "listtable": true, "listoverridetable": true, "rsidtbl": true,
	"revtbl": true, "filetbl": true, "generator": true, "pgdsctbl": true, "latentstyles": true,
	"datastore": true, "xmlnstbl": true, "mmathPr": true, "objdata": true, "objclass": true,
	"objname": true, "template": true, "bkmkstart": true, "bkmkend": true, "sp": true, "sn": true,
	"sv": true, "nonshppict": true, "shppict": true, "fldtype": true, "datafield": true,
	"ffname": true, "falt": true, "panose": true, "leveltext": true, "levelnumbers": true,
	"listname": true, "blipuid": true, "bin": true, "xmlopen": true, "xmlclose": true,
	"protusertbl": true, "atnid": true, "atnauthor": true, "atndate": true, "atnref": true,
	"annotation": false, "wgrffmtfilter": true, "operator": true, "author": true, "title": true,
	"comment": true, "doccomm": true, "company": true, "creatim": true, "revtim": true,
	"printim": true, "buptim": true, "keywords": true, "subject": true, "category": true,
	"manager": true, "hlinkbase": true, "userprops": true, "docvar": true, "fchars": true,
	"lchars": true, "pn": true, "pntext": false, "listtext": false, "passwordhash": true,
	"password": true, "defchp": true, "defpap": true, "aftncn": true, "aftnsep": true,
	"aftnsepc": true, "ftncn": true, "ftnsep": true, "ftnsepc": true,
}

// destinations that hold text even behind \*.
var textDest = map[string]bool{"shptxt": true, "ud": true, "fldrslt": true, "result": true, "annotation": true}

// fcharset to Windows code page.
var charsetCP = map[int]int{
	77: 10000, 128: 932, 129: 949, 130: 1361, 134: 936, 136: 950, 161: 1253, 162: 1254,
	163: 1258, 177: 1255, 178: 1256, 186: 1257, 204: 1251, 222: 874, 238: 1250, 254: 437, 255: 850,
}

const (
	dText = iota
	dSkip
	dFontTable
	dFldInst
	dUpr
)

type rtfFrame struct {
	dest   int
	uc     int
	cp     int
	first  bool // no control word seen yet in this group
	star   bool // \* seen at the start of this group
	field  *rtfField
	isFld  bool // this group is the {\field ...} itself
	inRslt bool
}

type rtfField struct {
	inst  strings.Builder
	start int // offset in the output where the result starts
}

// RTFText returns the text of an RTF document; truncated reports that it
// was cut at maxRTFText bytes. It never fails: what it cannot read is
// skipped.
func RTFText(data []byte) (text string, truncated bool) {
	r := rtfReader{data: data, cp: 1252, fonts: map[int]int{}}
	r.run()
	return r.out.String(), r.truncated
}

type rtfReader struct {
	data      []byte
	out       strings.Builder
	stack     []rtfFrame
	cp        int         // the document's code page
	fonts     map[int]int // font number -> code page
	defFont   int
	curFont   int // in the font table: the entry being read
	pending   []byte
	surrogate rune
	skip      int // fallback characters still to skip after \uN
	truncated bool
}

func (r *rtfReader) top() *rtfFrame { return &r.stack[len(r.stack)-1] }

func (r *rtfReader) run() {
	r.stack = append(r.stack, rtfFrame{dest: dText, uc: 1, cp: r.cp, first: true})
	d := r.data
	for p := 0; p < len(d) && !r.truncated; {
		c := d[p]
		switch c {
		case '{':
			r.flush()
			p++
			if len(r.stack) >= maxRTFDepth {
				// Too deep: skip this group whole.
				p = skipGroup(d, p)
				continue
			}
			f := *r.top()
			f.first, f.star, f.isFld, f.inRslt = true, false, false, false
			r.stack = append(r.stack, f)
		case '}':
			r.flush()
			p++
			r.endGroup()
			if len(r.stack) == 0 {
				return // the end of the document
			}
		case '\\':
			word, num, hasNum, n := controlWord(d[p:])
			p += n
			if word == "bin" && hasNum && num > 0 {
				p = min(len(d), p+num)
				continue
			}
			r.control(word, num, hasNum)
		case '\r', '\n':
			p++
		default:
			q := p
			for q < len(d) && d[q] != '{' && d[q] != '}' && d[q] != '\\' && d[q] != '\r' && d[q] != '\n' {
				q++
			}
			f := r.top()
			if strings.TrimLeft(string(d[p:q]), " \t") != "" {
				f.first = false // "{ \fonttbl": a space is not content
			}
			if f.dest == dFontTable || f.dest == dSkip || f.dest == dUpr {
				p = q
				continue
			}
			for _, b := range d[p:q] {
				if r.skip > 0 {
					r.skip--
					continue
				}
				if b >= 0x20 || b == '\t' {
					r.pending = append(r.pending, b)
				}
			}
			p = q
		}
	}
	r.flush()
}

// skipGroup returns the offset after the group whose content starts at p.
func skipGroup(d []byte, p int) int {
	depth := 1
	for ; p < len(d) && depth > 0; p++ {
		switch d[p] {
		case '\\':
			p++
		case '{':
			depth++
		case '}':
			depth--
		}
	}
	return p
}

func (r *rtfReader) endGroup() {
	f := r.stack[len(r.stack)-1]
	if f.isFld && f.field != nil {
		// The end of {\field ...}: write the hyperlink's target after
		// the text it shows (into the field's own destination).
		if url := hyperlink(f.field.inst.String()); url != "" {
			label := strings.TrimSpace(r.out.String()[min(f.field.start, r.out.Len()):])
			if label != url && !strings.Contains(label, strings.TrimPrefix(url, "mailto:")) {
				r.write(" <" + url + ">")
			}
		}
	}
	r.stack = r.stack[:len(r.stack)-1]
	if f.dest == dFontTable && len(r.stack) > 0 && r.top().dest != dFontTable {
		// The font table is read: text before any \f is in the
		// default font.
		if cp, ok := r.fonts[r.defFont]; ok {
			r.stack[0].cp = cp
			r.top().cp = cp
		}
	}
	r.skip = 0
}

// hyperlink returns the target of a HYPERLINK field instruction.
func hyperlink(inst string) string {
	f := strings.Fields(inst)
	if len(f) < 2 || !strings.EqualFold(f[0], "HYPERLINK") {
		return ""
	}
	for _, a := range f[1:] {
		if strings.HasPrefix(a, `\`) {
			continue // a switch: \l, \o, \t
		}
		return strings.Trim(a, `"`)
	}
	return ""
}

func (r *rtfReader) control(word string, num int, hasNum bool) {
	f := r.top()
	first, star := f.first, f.star
	f.first = false
	if word == "*" {
		// Only at the start of a group does \* mark a destination;
		// elsewhere it is ignored ("\b0\*\cs7 text").
		f.star = first
		f.first = first // the destination word follows
		return
	}
	if (first || star) && f.dest != dSkip {
		// A destination: the group's first control word. Nothing in a
		// skipped destination is shown, whatever its groups say.
		switch {
		case word == "fonttbl":
			f.dest = dFontTable
			return
		case word == "fldinst":
			f.dest = dFldInst
			return
		case word == "fldrslt":
			f.dest, f.inRslt = dText, true
			if f.field != nil {
				f.field.start = r.out.Len() + len(r.pendingText())
			}
			return
		case word == "field":
			f.isFld = true
			f.field = &rtfField{}
			return
		case word == "upr":
			f.dest = dUpr
			return
		case textDest[word]:
			f.dest = dText
			return
		case skipDest[word]:
			r.flush()
			f.dest = dSkip
			return
		case star:
			f.dest = dSkip // an unknown ignorable destination
			return
		}
		if f.dest == dUpr {
			f.dest = dSkip // the ANSI half of \upr
		}
	}
	switch f.dest {
	case dSkip, dUpr:
		return
	case dFontTable:
		switch word {
		case "f":
			r.curFont = num
		case "fcharset":
			if cp, ok := charsetCP[num]; ok {
				r.fonts[r.curFont] = cp
			}
		case "cpg":
			if num > 0 {
				r.fonts[r.curFont] = num
			}
		}
		return
	}
	switch word {
	case "ansicpg":
		if hasNum && num > 0 {
			r.cp = num
			r.setCP(num)
		}
	case "mac":
		r.cp = 10000
		r.setCP(10000)
	case "pc":
		r.cp = 437
		r.setCP(437)
	case "pca":
		r.cp = 850
		r.setCP(850)
	case "deff":
		r.defFont = num
	case "f":
		r.flush()
		cp, ok := r.fonts[num]
		if !ok {
			cp = r.cp
		}
		f.cp = cp
	case "uc":
		if hasNum && num >= 0 && num < 16 {
			f.uc = num
		}
	case "u":
		if !hasNum {
			return
		}
		r.flush()
		u := rune(num)
		if u < 0 {
			u += 65536
		}
		r.rune(u)
		r.skip = f.uc
	case "'":
		if r.skip > 0 {
			r.skip--
			return
		}
		if num >= 0 {
			r.pending = append(r.pending, byte(num))
		}
	case "par", "line", "sect", "page", "row", "nestrow", "lbr", "\n", "\r":
		r.write("\n")
	case "tab", "cell", "nestcell":
		r.write("\t")
	case "emdash":
		r.write("—")
	case "endash":
		r.write("–")
	case "bullet":
		r.write("•")
	case "lquote":
		r.write("‘")
	case "rquote":
		r.write("’")
	case "ldblquote":
		r.write("“")
	case "rdblquote":
		r.write("”")
	case "~":
		r.write("\u00a0")
	case "_":
		r.write("\u2011")
	case "\\", "{", "}":
		if r.skip > 0 {
			r.skip--
			return
		}
		r.pending = append(r.pending, word[0])
	}
}

// setCP sets the code page of every open group that did not choose a
// font yet (the header's \ansicpg comes after the outer group opened).
func (r *rtfReader) setCP(cp int) {
	for i := range r.stack {
		r.stack[i].cp = cp
	}
}

// pendingText is the text of the bytes not yet decoded.
func (r *rtfReader) pendingText() string {
	if len(r.pending) == 0 {
		return ""
	}
	return decodeRaw(r.pending, r.top().cp)
}

// flush decodes the pending bytes in the current code page.
func (r *rtfReader) flush() {
	if len(r.pending) == 0 {
		return
	}
	s := decodeRaw(r.pending, r.top().cp)
	r.pending = r.pending[:0]
	r.emit(s)
}

func (r *rtfReader) rune(u rune) {
	if utf16.IsSurrogate(u) {
		if r.surrogate != 0 {
			r.emit(string(utf16.DecodeRune(r.surrogate, u)))
			r.surrogate = 0
		} else {
			r.surrogate = u
		}
		return
	}
	r.surrogate = 0
	if !utf8.ValidRune(u) || u == 0 {
		return
	}
	r.emit(string(u))
}

func (r *rtfReader) write(s string) {
	r.flush()
	r.emit(s)
}

func (r *rtfReader) emit(s string) {
	f := r.top()
	switch f.dest {
	case dText:
	case dFldInst:
		if f.field == nil {
			// The instruction group's field is its parent's.
			for i := len(r.stack) - 1; i >= 0; i-- {
				if r.stack[i].field != nil {
					f.field = r.stack[i].field
					break
				}
			}
		}
		if f.field != nil && f.field.inst.Len() < 4096 {
			f.field.inst.WriteString(s)
		}
		return
	default:
		return
	}
	if r.out.Len()+len(s) > maxRTFText {
		r.truncated = true
		return
	}
	r.out.WriteString(s)
}
