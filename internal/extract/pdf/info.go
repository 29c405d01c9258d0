package pdf

import (
	"bytes"
	"strconv"
	"strings"
	"time"
)

// Info is what pdfinfo reports on a document.
type Info struct {
	// Fields holds the document information dictionary as printed:
	// Title, Author, Subject, Keywords, Creator, Producer, CreationDate,
	// ModDate and, from pdfinfo -custom, any custom entry. Values are
	// UTF-8, dates as printed (see [ParseDate]).
	Fields map[string]string
	Pages  int
	// Encrypted is set for an encrypted document; EncryptionDetail holds
	// pdfinfo's parenthesised permissions and algorithm.
	Encrypted        bool
	EncryptionDetail string
	Version          string // "1.5"
	Optimized        bool   // linearized ("fast web view")
	CustomMetadata   bool   // the information dictionary has custom entries
	MetadataStream   bool   // the document has an XMP metadata stream
	JavaScript       bool
	Form             string // "none", "AcroForm", "XFA"
	// PageSize holds each listed page's size in points (pdfinfo -f -l),
	// by 1-based page number; DefaultSize is the first page's ("Page
	// size:" without -f/-l).
	PageSize    map[int][2]float64
	DefaultSize [2]float64
}

// structural are the pdfinfo lines that are not information dictionary
// entries.
var structural = map[string]bool{
	"Custom Metadata": true, "Metadata Stream": true, "Tagged": true, "UserProperties": true,
	"Suspects": true, "Form": true, "JavaScript": true, "Pages": true, "Encrypted": true,
	"Page size": true, "Page rot": true, "File size": true, "Optimized": true, "PDF version": true,
	"MediaBox": true, "CropBox": true, "BleedBox": true, "TrimBox": true, "ArtBox": true,
	"PDF subtype": true, "Title of the standard": true, "Abbreviation of the standard": true,
	"Subtitle of the standard": true, "Standard": true, "Conformance": true,
}

// maxFields bounds the information dictionary entries kept.
const maxFields = 256

// ParseInfo reads the output of pdfinfo (with or without -isodates,
// -custom, -f/-l). Unknown lines are ignored; a line that does not look
// like "Key: value" continues the previous value (a title with a line
// break). For structural lines the last occurrence wins, so that a title
// holding "\nPages: 9" cannot override the real page count, which pdfinfo
// prints after the information dictionary.
func ParseInfo(out []byte) Info {
	inf := Info{Fields: map[string]string{}, PageSize: map[int][2]float64{}}
	last := ""
	for _, line := range strings.Split(strings.ToValidUTF8(string(out), "\uFFFD"), "\n") {
		line = strings.TrimRight(line, "\r")
		key, val, ok := splitLine(line)
		if !ok {
			if last != "" && !structural[last] {
				inf.Fields[last] += "\n" + line
			}
			continue
		}
		if n, what, ok := pageLine(key); ok {
			if what == "size" {
				if sz, ok := parseSize(val); ok && len(inf.PageSize) < maxPageSizes {
					inf.PageSize[n] = sz
				}
			}
			last = ""
			continue
		}
		last = key
		switch key {
		case "Pages":
			inf.Pages, _ = strconv.Atoi(val)
		case "Encrypted":
			inf.Encrypted = strings.HasPrefix(val, "yes")
			inf.EncryptionDetail = ""
			if i := strings.IndexByte(val, '('); i >= 0 {
				inf.EncryptionDetail = strings.TrimSuffix(val[i+1:], ")")
			}
		case "PDF version":
			inf.Version = val
		case "Optimized":
			inf.Optimized = val == "yes"
		case "Custom Metadata":
			inf.CustomMetadata = val == "yes"
		case "Metadata Stream":
			inf.MetadataStream = val == "yes"
		case "JavaScript":
			inf.JavaScript = val == "yes"
		case "Form":
			inf.Form = val
		case "Page size":
			inf.DefaultSize, _ = parseSize(val)
		default:
			if structural[key] {
				continue
			}
			if _, seen := inf.Fields[key]; !seen && len(inf.Fields) < maxFields {
				inf.Fields[key] = val
			} else if !seen {
				last = ""
			}
		}
	}
	for k, v := range inf.Fields {
		inf.Fields[k] = strings.TrimSpace(v)
	}
	return inf
}

const maxPageSizes = 100_000

// splitLine splits "Key:   value". Keys are short and start with a
// letter.
func splitLine(line string) (key, val string, ok bool) {
	i := strings.IndexByte(line, ':')
	if i <= 0 || i > 64 {
		return "", "", false
	}
	key = line[:i]
	if c := key[0]; !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') || strings.TrimSpace(key) != key {
		return "", "", false
	}
	rest := line[i+1:]
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return "", "", false
	}
	return key, strings.TrimSpace(rest), true
}

// pageLine recognises "Page    12 size" and "Page    12 rot".
func pageLine(key string) (int, string, bool) {
	f := strings.Fields(key)
	if len(f) != 3 || f[0] != "Page" {
		return 0, "", false
	}
	n, err := strconv.Atoi(f[1])
	if err != nil || n <= 0 {
		return 0, "", false
	}
	return n, f[2], true
}

// parseSize reads "595.304 x 841.89 pts (A4)".
func parseSize(s string) ([2]float64, bool) {
	f := strings.Fields(s)
	if len(f) < 3 || f[1] != "x" {
		return [2]float64{}, false
	}
	w, err1 := strconv.ParseFloat(f[0], 64)
	h, err2 := strconv.ParseFloat(f[2], 64)
	if err1 != nil || err2 != nil || w < 0 || h < 0 || w > 1e7 || h > 1e7 {
		return [2]float64{}, false
	}
	return [2]float64{w, h}, true
}

// ParseDate reads a PDF date as pdfinfo -isodates prints it
// ("2022-04-03T20:35:52+02", "2014-07-07T21:18:21Z") or as the document
// stores it ("D:20220403203552+02'00'", "D:2014"). The zone is kept when
// the date has one; a date without zone is read as UTC.
func ParseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 64 {
		return time.Time{}, false
	}
	if len(s) >= 10 && s[4] == '-' {
		return parseISO(s)
	}
	return parseRaw(s)
}

func parseISO(s string) (time.Time, bool) {
	var v [6]int
	pos := []int{0, 5, 8, 11, 14, 17}
	width := []int{4, 2, 2, 2, 2, 2}
	n := 0
	for k, p := range pos {
		if p+width[k] > len(s) {
			break
		}
		x, ok := digits(s[p : p+width[k]])
		if !ok {
			return time.Time{}, false
		}
		v[k] = x
		n = p + width[k]
	}
	if n < 10 {
		return time.Time{}, false
	}
	if n > 10 && s[10] != 'T' && s[10] != ' ' {
		return time.Time{}, false
	}
	rest := s[n:]
	if strings.HasPrefix(rest, ".") { // fractional seconds
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		rest = rest[i:]
	}
	loc, ok := parseZone(rest)
	if !ok {
		return time.Time{}, false
	}
	return mkdate(v, loc)
}

func parseRaw(s string) (time.Time, bool) {
	s = strings.TrimPrefix(s, "D:")
	var v = [6]int{0, 1, 1, 0, 0, 0}
	width := []int{4, 2, 2, 2, 2, 2}
	i := 0
	for k, w := range width {
		if i+w > len(s) || !isDigits(s[i:i+w]) {
			if k == 0 {
				return time.Time{}, false
			}
			break
		}
		v[k], _ = digits(s[i : i+w])
		i += w
	}
	loc, ok := parseZone(s[i:])
	if !ok {
		return time.Time{}, false
	}
	return mkdate(v, loc)
}

// parseZone reads "", "Z", "+02", "+02:00", "+0200", "+02'00'", "-05'00".
func parseZone(z string) (*time.Location, bool) {
	z = strings.TrimSpace(z)
	if z == "" || z[0] == 'Z' || z[0] == 'z' {
		// Universal time; digits after the Z ("Z07'46'", written by some
		// producers) mean nothing.
		return time.UTC, true
	}
	sign := 1
	switch z[0] {
	case '+':
	case '-':
		sign = -1
	default:
		return nil, false
	}
	z = strings.NewReplacer("'", "", ":", "").Replace(z[1:])
	if len(z) != 2 && len(z) != 4 {
		return nil, false
	}
	h, ok1 := digits(z[:2])
	m := 0
	ok2 := true
	if len(z) == 4 {
		m, ok2 = digits(z[2:])
	}
	if !ok1 || !ok2 || h > 14 || m > 59 {
		return nil, false
	}
	off := sign * (h*3600 + m*60)
	if off == 0 {
		return time.UTC, true
	}
	return time.FixedZone("", off), true
}

func mkdate(v [6]int, loc *time.Location) (time.Time, bool) {
	if v[0] < 1 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60 {
		return time.Time{}, false
	}
	t := time.Date(v[0], time.Month(v[1]), v[2], v[3], v[4], v[5], 0, loc)
	if t.Day() != v[2] { // 31 February
		return time.Time{}, false
	}
	return t, true
}

func digits(s string) (int, bool) {
	if !isDigits(s) {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// headerVersion returns the version in a "%PDF-1.7" header near the start
// of the file.
func headerVersion(data []byte) string {
	head := data[:min(len(data), 1024)]
	i := bytes.Index(head, []byte("%PDF-"))
	if i < 0 {
		return ""
	}
	v := head[i+5:]
	j := 0
	for j < len(v) && j < 8 && (v[j] >= '0' && v[j] <= '9' || v[j] == '.') {
		j++
	}
	return string(v[:j])
}
