package legacy

import (
	"bytes"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/newsroom/dossier/internal/extract"
)

// RTFInfo is the information group ({\info ...}) of an RTF document.
type RTFInfo struct {
	// Fields holds the text fields by control word: title, subject,
	// author, operator (who saved it last), keywords, comment, doccomm,
	// company, manager, category, hlinkbase.
	Fields map[string]string
	// Times holds creatim, revtim, printim and buptim, read as UTC (RTF
	// dates carry no zone).
	Times map[string]time.Time
	// Numbers holds version, edmins, nofpages, nofwords, nofchars, vern.
	Numbers map[string]int
}

const maxInfoField = 4 << 10

// ParseRTFInfo reads the information group of an RTF document: text
// fields decoded from the document's code page (\ansicpgN), \'hh and \uN
// escapes, and the dates and counts. It reads only that group and bounds
// every field, so hostile input costs time linear in its size. It returns
// nil when there is no information group.
func ParseRTFInfo(data []byte) *RTFInfo {
	start := bytes.Index(data, []byte(`{\info`))
	if start < 0 {
		return nil
	}
	cp := 1252
	head := data[:min(len(data), 4096)]
	if i := bytes.Index(head, []byte(`\ansicpg`)); i >= 0 {
		j := i + len(`\ansicpg`)
		k := j
		for k < len(head) && k-j < 6 && head[k] >= '0' && head[k] <= '9' {
			k++
		}
		if n, err := strconv.Atoi(string(head[j:k])); err == nil && n > 0 {
			cp = n
		}
	} else if bytes.Contains(head, []byte(`\mac`)) {
		cp = 10000
	}
	info := &RTFInfo{Fields: map[string]string{}, Times: map[string]time.Time{}, Numbers: map[string]int{}}
	p := start + len(`{\info`)
	depth := 1
	field := ""        // the control word naming the current subgroup
	var buf []byte     // its text, UTF-8
	date := [6]int{}   // yr mo dy hr min sec of a time subgroup
	uc, skip := 1, 0   // \ucN and fallback characters still to skip
	finish := func() { // end of a depth-2 subgroup
		switch field {
		case "creatim", "revtim", "printim", "buptim":
			if date[0] > 0 && date[1] >= 1 && date[1] <= 12 && date[2] >= 1 && date[2] <= 31 {
				info.Times[field] = time.Date(date[0], time.Month(date[1]), date[2], date[3], date[4], date[5], 0, time.UTC)
			}
		case "":
		default:
			if s := strings.TrimSpace(string(buf)); s != "" {
				info.Fields[field] = s
			}
		}
		field, buf, date = "", nil, [6]int{}
	}
	emit := func(s string) {
		if skip > 0 {
			skip--
			return
		}
		if depth >= 2 && len(buf) < maxInfoField {
			buf = append(buf, s...)
		}
	}
	for p < len(data) && depth > 0 {
		c := data[p]
		switch {
		case c == '{':
			depth++
			p++
			if depth == 2 {
				field, buf, date = "", nil, [6]int{}
			}
		case c == '}':
			if depth == 2 {
				finish()
			}
			depth--
			p++
		case c == '\\':
			word, num, hasNum, n := controlWord(data[p:])
			p += n
			switch {
			case word == "'":
				if num >= 0 {
					emit(decodeCodepage([]byte{byte(num)}, cp))
				}
			case word == "u" && hasNum:
				r := rune(num)
				if r < 0 {
					r += 65536
				}
				if !utf8.ValidRune(r) {
					r = utf8.RuneError
				}
				emit(string(r))
				skip = uc
			case word == "uc" && hasNum && num >= 0 && num < 10:
				uc = num
			case word == "\\" || word == "{" || word == "}":
				emit(word)
			case word == "~":
				emit("\u00a0")
			case word == "*" || word == "-" || word == "_":
			case depth == 2 && field == "" && word != "":
				field = word
				if hasNum {
					switch field {
					case "version", "edmins", "nofpages", "nofwords", "nofchars", "vern", "id":
						info.Numbers[field] = num
					}
				}
			case depth == 2 && hasNum:
				switch word {
				case "yr":
					date[0] = num
				case "mo":
					date[1] = num
				case "dy":
					date[2] = num
				case "hr":
					date[3] = num
				case "min":
					date[4] = num
				case "sec":
					date[5] = num
				}
			}
		case c == '\r' || c == '\n':
			p++
		default:
			// A run of text up to the next control character.
			q := p
			for q < len(data) && data[q] != '{' && data[q] != '}' && data[q] != '\\' && data[q] != '\r' && data[q] != '\n' && skip == 0 {
				q++
			}
			if q == p { // a fallback character to skip
				skip--
				p++
				continue
			}
			emit(decodeCodepage(data[p:q], cp))
			p = q
		}
	}
	return info
}

// controlWord reads the control word or symbol at b (which starts with a
// backslash): its name, its numeric parameter and the bytes consumed,
// including one delimiting space. For \'hh the parameter is the byte.
func controlWord(b []byte) (word string, num int, hasNum bool, n int) {
	if len(b) < 2 {
		return "", 0, false, len(b)
	}
	c := b[1]
	if c == '\'' {
		if len(b) >= 4 {
			if v, err := strconv.ParseUint(string(b[2:4]), 16, 8); err == nil {
				return "'", int(v), true, 4
			}
		}
		return "'", -1, false, min(len(b), 4)
	}
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
		return string(c), 0, false, 2
	}
	i := 1
	for i < len(b) && i < 33 && (b[i] >= 'a' && b[i] <= 'z' || b[i] >= 'A' && b[i] <= 'Z') {
		i++
	}
	word = string(b[1:i])
	j := i
	if j < len(b) && b[j] == '-' {
		j++
	}
	k := j
	for k < len(b) && k-j < 10 && b[k] >= '0' && b[k] <= '9' {
		k++
	}
	if k > j {
		v, err := strconv.Atoi(string(b[i:k]))
		if err == nil {
			num, hasNum = v, true
		}
		i = k
	}
	if i < len(b) && b[i] == ' ' {
		i++
	}
	return word, num, hasNum, i
}

// apply fills m from the information group.
func (info *RTFInfo) apply(m *extract.Metadata) {
	f := info.Fields
	m.Title, m.Subject, m.Author, m.LastModifiedBy = f["title"], f["subject"], f["author"], f["operator"]
	m.Keywords, m.Company = f["keywords"], f["company"]
	m.Comments = f["doccomm"]
	if m.Comments == "" {
		m.Comments = f["comment"]
	}
	for k, dst := range map[string]**time.Time{"creatim": &m.Created, "revtim": &m.Modified, "printim": &m.Printed} {
		if t, ok := info.Times[k]; ok {
			*dst = &t
		}
	}
	if v, ok := info.Numbers["version"]; ok {
		m.Revision = strconv.Itoa(v)
	}
	if v := info.Numbers["nofpages"]; v > 0 && v < 1_000_000 {
		m.PageCount = v
	}
	for k, v := range map[string]string{"rtf:manager": f["manager"], "rtf:category": f["category"], "rtf:hlinkbase": f["hlinkbase"]} {
		if v != "" {
			if m.Extra == nil {
				m.Extra = map[string]string{}
			}
			m.Extra[k] = v
		}
	}
	if v := info.Numbers["edmins"]; v > 0 {
		if m.Extra == nil {
			m.Extra = map[string]string{}
		}
		m.Extra["rtf:edmins"] = strconv.Itoa(v)
	}
}
