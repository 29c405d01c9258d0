package msg

import (
	"strconv"
	"strings"

	"github.com/newsroom/dossier/internal/extract/textdecode"
)

// rtfText converts an RTF message body to text. An HTML body that
// Outlook encapsulated in RTF (\fromhtml1, [MS-OXRTFEX]) is
// de-encapsulated and returned with html set, for the caller to render;
// anything else is stripped of its markup. Output is bounded by max bytes.
// This is a reader for message bodies, not a general RTF converter:
// tables become tab-separated lines, pictures and objects are dropped.
func rtfText(b []byte, max int) (text string, html bool) {
	r := rtfReader{src: b, max: max, fonts: map[int]string{}, ansi: "windows-1252"}
	r.html = strings.Contains(string(b[:min(len(b), 1024)]), "\\fromhtml")
	r.run()
	return r.out.String(), r.html
}

type rtfState struct {
	skip    bool   // inside a destination whose text is not shown
	uc      int    // fallback characters after \uN
	htmlrtf bool   // \htmlrtf: RTF-only content of an encapsulated HTML body
	htmltag bool   // inside \*\htmltag: HTML markup
	cp      string // charset of \'hh bytes
	fonttbl bool
}

type rtfReader struct {
	src   []byte
	i     int
	max   int
	out   strings.Builder
	bytes []byte // undecoded \'hh and 8-bit bytes
	st    rtfState
	stack []rtfState
	fonts map[int]string // font number -> charset label
	ansi  string         // \ansicpgN
	html  bool
	skipN int // fallback characters still to skip
	// font table parsing
	fontNum int
}

// Destinations whose content is not text of the body.
var rtfSkip = map[string]bool{
	"fonttbl": true, "colortbl": true, "stylesheet": true, "info": true, "pict": true,
	"object": true, "themedata": true, "colorschememapping": true, "latentstyles": true,
	"datastore": true, "xmlnstbl": true, "listtable": true, "listoverridetable": true,
	"rsidtbl": true, "generator": true, "fldinst": true, "filetbl": true, "revtbl": true,
	"pgdsctbl": true, "mmathPr": true, "wgrffmtfilter": true, "passwordhash": true,
	"docvar": true, "bkmkstart": true, "bkmkend": true, "nonshppict": true, "shpinst": true,
	"header": false, "footer": false, "xmlopen": true, "pntext": false, "pntxta": true, "pntxtb": true,
	"mhtmltag": true, "objdata": true, "blipuid": true, "userprops": true, "ftnsep": true,
	"ftnsepc": true, "aftnsep": true, "aftnsepc": true, "template": true, "operator": true,
	"author": true, "title": true, "company": true, "listtext": false, "defchp": true, "defpap": true,
}

func (r *rtfReader) full() bool { return r.out.Len() >= r.max }

func (r *rtfReader) flush() {
	if len(r.bytes) == 0 {
		return
	}
	d := textdecode.ToUTF8(r.bytes, r.st.cp, false)
	r.bytes = r.bytes[:0]
	r.emit(d.Text)
}

func (r *rtfReader) emit(s string) {
	if r.full() {
		return
	}
	if r.out.Len()+len(s) > r.max {
		s = s[:r.max-r.out.Len()]
	}
	r.out.WriteString(s)
}

// visible reports whether text at this point belongs to the output.
func (r *rtfReader) visible() bool {
	if r.st.skip {
		return false
	}
	if r.html {
		return r.st.htmltag || !r.st.htmlrtf
	}
	return true
}

func (r *rtfReader) text(c byte) {
	if c == 0 {
		return
	}
	if r.skipN > 0 {
		r.skipN--
		return
	}
	if !r.visible() {
		return
	}
	if c >= 0x80 {
		r.bytes = append(r.bytes, c)
		return
	}
	r.flush()
	if r.full() {
		return
	}
	r.out.WriteByte(c)
}

func (r *rtfReader) run() {
	if r.st.cp == "" {
		r.st.cp = r.ansi
	}
	r.st.uc = 1
	depth := 0
	for r.i < len(r.src) && !r.full() {
		c := r.src[r.i]
		r.i++
		switch c {
		case '{':
			r.flush()
			if depth++; depth > 1000 {
				return
			}
			r.stack = append(r.stack, r.st)
		case '}':
			r.flush()
			if len(r.stack) > 0 {
				r.st = r.stack[len(r.stack)-1]
				r.stack = r.stack[:len(r.stack)-1]
			}
			depth = max(0, depth-1)
			r.skipN = 0
		case '\\':
			r.control()
		case '\r', '\n':
			// line breaks in RTF source are not text
		default:
			if r.st.fonttbl {
				continue
			}
			r.text(c)
		}
	}
	r.flush()
}

// control reads one control word or symbol after a backslash.
func (r *rtfReader) control() {
	if r.i >= len(r.src) {
		return
	}
	c := r.src[r.i]
	if !isAlpha(c) {
		r.i++
		switch c {
		case '\\', '{', '}':
			r.text(c)
		case '~':
			r.text(' ')
		case '_':
			r.text('-')
		case '\'':
			if r.i+2 <= len(r.src) {
				if v, err := strconv.ParseUint(string(r.src[r.i:r.i+2]), 16, 8); err == nil {
					r.i += 2
					if r.st.fonttbl {
						return
					}
					r.text(byte(v))
					return
				}
			}
		case '*':
			// The next control word names an optional destination:
			// skipped unless it is one we read.
			word, _, _ := r.peekWord()
			if word == "htmltag" && r.html {
				return
			}
			r.flush()
			r.st.skip = true
		case '\r', '\n':
			if r.visible() {
				r.flush()
				r.emit("\n")
			}
		}
		return
	}
	word, param, hasParam := r.readWord()
	r.word(word, param, hasParam)
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func (r *rtfReader) peekWord() (string, int, bool) {
	save := r.i
	if r.i < len(r.src) && r.src[r.i] == '\\' {
		r.i++
	}
	w, p, ok := r.readWord()
	r.i = save
	return w, p, ok
}

func (r *rtfReader) readWord() (string, int, bool) {
	start := r.i
	for r.i < len(r.src) && isAlpha(r.src[r.i]) && r.i-start < 32 {
		r.i++
	}
	word := string(r.src[start:r.i])
	pstart := r.i
	if r.i < len(r.src) && r.src[r.i] == '-' {
		r.i++
	}
	for r.i < len(r.src) && r.src[r.i] >= '0' && r.src[r.i] <= '9' && r.i-pstart < 11 {
		r.i++
	}
	param, err := strconv.Atoi(string(r.src[pstart:r.i]))
	hasParam := err == nil
	if r.i < len(r.src) && r.src[r.i] == ' ' {
		r.i++
	}
	return word, param, hasParam
}

func (r *rtfReader) word(w string, p int, hasP bool) {
	if r.st.fonttbl {
		switch w {
		case "f":
			r.fontNum = p
		case "fcharset":
			if cs := charsetLabel(p, r.ansi); cs != "" && len(r.fonts) < 10000 {
				r.fonts[r.fontNum] = cs
			}
		}
		return
	}
	if skip, ok := rtfSkip[w]; ok && skip {
		r.flush()
		if w == "fonttbl" {
			r.st.fonttbl = true
		}
		r.st.skip = true
		return
	}
	switch w {
	case "ansicpg":
		if l := codepageLabel(int32(p)); l != "" {
			r.ansi = l
			r.st.cp = l
		}
	case "f":
		r.flush()
		if cs, ok := r.fonts[p]; ok {
			r.st.cp = cs
		} else {
			r.st.cp = r.ansi
		}
	case "uc":
		if hasP && p >= 0 && p < 10 {
			r.st.uc = p
		}
	case "u":
		if !hasP {
			return
		}
		if p < 0 {
			p += 65536
		}
		if r.visible() {
			r.flush()
			r.emit(string(rune(p)))
		}
		r.skipN = r.st.uc
	case "htmltag":
		r.flush()
		r.st.htmltag = true
	case "htmlrtf":
		r.flush()
		r.st.htmlrtf = !hasP || p != 0
	case "par", "line", "sect", "page", "row":
		r.special("\n")
	case "tab", "cell":
		r.special("\t")
	case "emdash":
		r.special("—")
	case "endash":
		r.special("–")
	case "bullet":
		r.special("•")
	case "lquote":
		r.special("‘")
	case "rquote":
		r.special("’")
	case "ldblquote":
		r.special("“")
	case "rdblquote":
		r.special("”")
	case "emspace", "enspace", "qmspace":
		r.special(" ")
	}
}

func (r *rtfReader) special(s string) {
	if r.skipN > 0 {
		r.skipN--
		return
	}
	if r.visible() {
		r.flush()
		if r.html && !r.st.htmltag && s == "\n" {
			s = "\r\n"
		}
		r.emit(s)
	}
}

// charsetLabel maps an RTF \fcharset to a charset label.
func charsetLabel(cs int, ansi string) string {
	switch cs {
	case 0, 1:
		return ansi
	case 2:
		return "windows-1252" // Symbol: no better guess
	case 77:
		return "macintosh"
	case 128:
		return "shift_jis"
	case 129:
		return "euc-kr"
	case 134:
		return "gbk"
	case 136:
		return "big5"
	case 161:
		return "windows-1253"
	case 162:
		return "windows-1254"
	case 163:
		return "windows-1258"
	case 177:
		return "windows-1255"
	case 178:
		return "windows-1256"
	case 186:
		return "windows-1257"
	case 204:
		return "windows-1251"
	case 222:
		return "windows-874"
	case 238:
		return "windows-1250"
	case 255:
		return "cp437"
	}
	return ""
}
