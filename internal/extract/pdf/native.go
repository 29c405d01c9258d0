package pdf

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/newsroom/dossier/internal/extract"
)

// The built-in reader, used when poppler is not installed. It is
// approximate by design: it finds objects by scanning for "N G obj"
// rather than trusting cross-reference tables (so damaged files read
// too), follows object streams, decodes FlateDecode, ASCIIHexDecode and
// ASCII85Decode, and reads the text operators (Tj, TJ, ', ") of page
// content streams and the form XObjects they draw, mapping codes through
// ToUnicode CMaps or, without one, as WinAnsi. It does not decrypt, does
// not use font encodings' Differences or embedded font tables, does not
// order text by position (it keeps content order, with a line break
// where the text moves to another line), and does no OCR.

// Limits of the built-in reader.
const (
	nativeMaxObjects = 1_000_000
	nativeMaxStream  = 64 << 20 // decoded bytes of one stream
	nativeMaxTotal   = 256 << 20
	nativeMaxDepth   = 32
	nativeMaxPages   = 100_000
	nativeMaxOps     = 20_000_000
)

// ExtractNative extracts a PDF without external tools: text per page,
// the information dictionary, the version and the revisions. See the
// comment above for what it cannot do.
func ExtractNative(data []byte, opts extract.Options) (*extract.Result, error) {
	d := newDoc(data)
	res := &extract.Result{}
	m := &res.Meta
	m.PDFVersion = headerVersion(data)
	m.Revisions = len(Revisions(data))
	_, m.Linearized = linearizedLength(data)
	trailer := d.trailer()
	if trailer == nil {
		return nil, errors.New("pdf: no trailer or cross-reference stream: not a readable PDF")
	}
	if info, ok := d.resolve(trailer["Info"]).(dict); ok {
		str := func(k string) string { return textString(d.resolve(info[k])) }
		m.Title, m.Author, m.Subject, m.Keywords = str("Title"), str("Author"), str("Subject"), str("Keywords")
		m.Creator, m.Producer = str("Creator"), str("Producer")
		if t, ok := ParseDate(str("CreationDate")); ok {
			m.Created = &t
		}
		if t, ok := ParseDate(str("ModDate")); ok {
			m.Modified = &t
		}
	}
	if trailer["Encrypt"] != nil {
		m.Encrypted = true
		return res, fmt.Errorf("pdf: %w (the built-in reader does not decrypt)", extract.ErrEncrypted)
	}
	root, _ := d.resolve(trailer["Root"]).(dict)
	if root == nil {
		return nil, errors.New("pdf: no document catalog")
	}
	pages := d.pages(root["Pages"])
	m.PageCount = len(pages)
	texts := make([]string, len(pages))
	for i, p := range pages {
		texts[i] = d.pageText(p)
		if d.total > nativeMaxTotal {
			res.Problems = append(res.Problems, fmt.Sprintf("stopped at page %d: over %d MiB of decoded streams", i+1, nativeMaxTotal>>20))
			break
		}
	}
	res.Text, res.Pages = extract.JoinPages(texts)
	if limit := opts.Budget.MaxBytes; limit > 0 && int64(len(res.Text)) > limit {
		return nil, fmt.Errorf("pdf: %w: %d bytes of text", extract.ErrBudget, len(res.Text))
	}
	return res, nil
}

// PDF values: nil, bool, float64, pdfString, name, array, dict, ref,
// *stream, keyword.
type (
	name      string
	pdfString []byte
	array     []any
	dict      map[string]any
	ref       struct{ num, gen int }
	keyword   string
	stream    struct {
		dict dict
		raw  []byte
	}
)

// doc is a PDF file indexed by object number.
type doc struct {
	data    []byte
	offsets map[int]int    // object number -> offset of "N G obj"
	inStm   map[int][2]int // object number -> (object stream, index)
	cache   map[int]any    // parsed objects
	stms    map[int][]any  // parsed object streams
	cmaps   map[any]*cmap  // ToUnicode by font object
	busy    map[int]bool   // objects being resolved (cycles)
	total   int            // decoded stream bytes so far
	ops     int            // content operators run
}

var objRE = regexp.MustCompile(`(\d{1,10})\s+(\d{1,5})\s+obj\b`)

func newDoc(data []byte) *doc {
	d := &doc{data: data, offsets: map[int]int{}, inStm: map[int][2]int{}, cache: map[int]any{},
		stms: map[int][]any{}, cmaps: map[any]*cmap{}, busy: map[int]bool{}}
	for _, loc := range objRE.FindAllSubmatchIndex(data, nativeMaxObjects) {
		if loc[0] > 0 && !isSpace(data[loc[0]-1]) && !isDelim(data[loc[0]-1]) {
			continue // digits in the middle of something
		}
		n, err := strconv.Atoi(string(data[loc[2]:loc[3]]))
		if err == nil {
			d.offsets[n] = loc[0] // the last definition wins, as in an update
		}
	}
	// Objects inside object streams, where the direct objects do not
	// define them.
	for n, off := range d.offsets {
		head := data[off:min(len(data), off+256)]
		if !bytes.Contains(head, []byte("/ObjStm")) {
			continue
		}
		s, ok := d.resolve(ref{n, 0}).(*stream)
		if !ok {
			continue
		}
		count, _ := num(s.dict["N"])
		first, _ := num(s.dict["First"])
		body := d.decode(s)
		if count <= 0 || first <= 0 || first > len(body) || count > 100_000 {
			continue
		}
		lx := &lexer{b: body[:first]}
		for i := 0; i < count; i++ {
			on, ok1 := lx.next().(float64)
			_, ok2 := lx.next().(float64)
			if !ok1 || !ok2 {
				break
			}
			if _, direct := d.offsets[int(on)]; !direct {
				d.inStm[int(on)] = [2]int{n, i}
			}
		}
	}
	return d
}

func isDelim(c byte) bool { return strings.IndexByte("()<>[]{}/%", c) >= 0 }

// resolve follows references (and nothing else).
func (d *doc) resolve(v any) any {
	for i := 0; i < nativeMaxDepth; i++ {
		r, ok := v.(ref)
		if !ok {
			return v
		}
		v = d.object(r.num)
	}
	return nil
}

func (d *doc) object(n int) any {
	if v, ok := d.cache[n]; ok {
		return v
	}
	if d.busy[n] || len(d.busy) > nativeMaxDepth {
		return nil
	}
	d.busy[n] = true
	defer delete(d.busy, n)
	var v any
	if off, ok := d.offsets[n]; ok {
		lx := &lexer{b: d.data, p: off}
		lx.next() // N
		lx.next() // G
		lx.next() // obj
		v = lx.object(0)
		if dc, ok := v.(dict); ok {
			if raw := lx.streamData(d, dc); raw != nil {
				v = &stream{dict: dc, raw: raw}
			}
		}
	} else if loc, ok := d.inStm[n]; ok {
		v = d.fromObjStm(loc[0], loc[1])
	}
	d.cache[n] = v
	return v
}

func (d *doc) fromObjStm(sn, idx int) any {
	objs, ok := d.stms[sn]
	if !ok {
		if s, ok := d.object(sn).(*stream); ok {
			count, _ := num(s.dict["N"])
			first, _ := num(s.dict["First"])
			body := d.decode(s)
			if first > 0 && first <= len(body) && count > 0 && count <= 100_000 {
				head := &lexer{b: body[:first]}
				offs := make([]int, 0, count)
				for i := 0; i < count; i++ {
					head.next()
					o, ok := head.next().(float64)
					if !ok {
						break
					}
					offs = append(offs, int(o))
				}
				for _, o := range offs {
					if first+o < 0 || first+o >= len(body) {
						objs = append(objs, nil)
						continue
					}
					lx := &lexer{b: body, p: first + o}
					objs = append(objs, lx.object(0))
				}
			}
		}
		d.stms[sn] = objs
	}
	if idx < len(objs) {
		return objs[idx]
	}
	return nil
}

// trailer merges the trailer dictionaries and cross-reference stream
// dictionaries of the file in file order, later keys winning: a
// linearized file names its catalog in the first-page trailer only.
func (d *doc) trailer() dict {
	type at struct {
		off int
		d   dict
	}
	var all []at
	for from, n := 0, 0; n < 10_000; n++ {
		i := bytes.Index(d.data[from:], []byte("trailer"))
		if i < 0 {
			break
		}
		lx := &lexer{b: d.data, p: from + i + len("trailer")}
		if t, ok := lx.object(0).(dict); ok {
			all = append(all, at{from + i, t})
		}
		from += i + len("trailer")
	}
	for n, off := range d.offsets {
		head := d.data[off:min(len(d.data), off+512)]
		if !bytes.Contains(head, []byte("/XRef")) {
			continue
		}
		if s, ok := d.object(n).(*stream); ok {
			if t, _ := s.dict["Type"].(name); t == "XRef" {
				all = append(all, at{off, s.dict})
			}
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].off < all[j].off })
	merged := dict{}
	for _, t := range all {
		for k, v := range t.d {
			merged[k] = v
		}
	}
	if merged["Root"] == nil {
		// No trailer names it: look for a catalog.
		best := -1
		for n, off := range d.offsets {
			if off > best && bytes.Contains(d.data[off:min(len(d.data), off+256)], []byte("/Catalog")) {
				merged["Root"], best = ref{n, 0}, off
			}
		}
	}
	if merged["Root"] == nil {
		return nil
	}
	return merged
}

// pages returns the page dictionaries in order, with inherited resources
// filled in.
func (d *doc) pages(node any) []dict {
	var out []dict
	seen := map[any]bool{}
	var walk func(v any, res any, depth int)
	walk = func(v any, res any, depth int) {
		if depth > nativeMaxDepth || len(out) >= nativeMaxPages {
			return
		}
		if r, ok := v.(ref); ok {
			if seen[r] {
				return
			}
			seen[r] = true
		}
		n, ok := d.resolve(v).(dict)
		if !ok {
			return
		}
		if r := n["Resources"]; r != nil {
			res = r
		}
		if kids, ok := d.resolve(n["Kids"]).(array); ok {
			for _, k := range kids {
				walk(k, res, depth+1)
			}
			return
		}
		if t, _ := n["Type"].(name); t == "Page" || n["Contents"] != nil {
			p := dict{}
			for k, v := range n {
				p[k] = v
			}
			p["Resources"] = res
			out = append(out, p)
		}
	}
	walk(node, nil, 0)
	return out
}

// decode returns a stream's decoded bytes, or nil for a filter it does
// not know.
func (d *doc) decode(s *stream) []byte {
	b := s.raw
	filters := d.resolve(s.dict["Filter"])
	var list []any
	switch f := filters.(type) {
	case name:
		list = []any{f}
	case array:
		list = f
	}
	for _, f := range list {
		switch d.resolve(f) {
		case name("FlateDecode"), name("Fl"):
			b = inflate(b, nativeMaxStream)
		case name("ASCIIHexDecode"), name("AHx"):
			b = unhex(b)
		case name("ASCII85Decode"), name("A85"):
			b = ascii85(b)
		default:
			return nil
		}
		if b == nil {
			return nil
		}
	}
	d.total += len(b)
	return b
}

func inflate(b []byte, limit int) []byte {
	zr, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil
	}
	out, _ := io.ReadAll(io.LimitReader(zr, int64(limit))) // keep what inflated before an error
	return out
}

func unhex(b []byte) []byte {
	var out []byte
	var hi byte
	half := false
	for _, c := range b {
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		case c == '>':
			if half {
				out = append(out, hi<<4)
			}
			return out
		default:
			continue
		}
		if half {
			out = append(out, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
	}
	if half {
		out = append(out, hi<<4)
	}
	return out
}

func ascii85(b []byte) []byte {
	var out []byte
	var group [5]byte
	n := 0
	for _, c := range b {
		switch {
		case c == '~':
			goto end
		case c == 'z' && n == 0:
			out = append(out, 0, 0, 0, 0)
		case c >= '!' && c <= 'u':
			group[n] = c - '!'
			n++
			if n == 5 {
				var v uint32
				for _, g := range group {
					v = v*85 + uint32(g)
				}
				out = append(out, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
				n = 0
			}
		}
	}
end:
	if n > 1 {
		for i := n; i < 5; i++ {
			group[i] = 84
		}
		var v uint32
		for _, g := range group {
			v = v*85 + uint32(g)
		}
		full := []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
		out = append(out, full[:n-1]...)
	}
	return out
}

func num(v any) (int, bool) {
	f, ok := v.(float64)
	if !ok || f != float64(int(f)) || f < -1<<40 || f > 1<<40 {
		return 0, false
	}
	return int(f), true
}

// textString decodes a PDF text string: UTF-16BE or UTF-8 with a byte
// order mark, otherwise PDFDocEncoding (read as Latin-1).
func textString(v any) string {
	s, ok := v.(pdfString)
	if !ok {
		return ""
	}
	switch {
	case bytes.HasPrefix(s, []byte{0xFE, 0xFF}):
		u := make([]uint16, 0, len(s)/2)
		for i := 2; i+1 < len(s); i += 2 {
			u = append(u, uint16(s[i])<<8|uint16(s[i+1]))
		}
		return strings.TrimSpace(strings.ToValidUTF8(string(utf16.Decode(u)), "\uFFFD"))
	case bytes.HasPrefix(s, []byte{0xEF, 0xBB, 0xBF}):
		return strings.TrimSpace(strings.ToValidUTF8(string(s[3:]), "\uFFFD"))
	}
	r := make([]rune, len(s))
	for i, c := range s {
		r[i] = rune(c)
	}
	return strings.TrimSpace(string(r))
}
