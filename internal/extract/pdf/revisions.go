package pdf

import (
	"bytes"
	"strconv"
)

// Revision is one saved state of a PDF file. A PDF edited by incremental
// update keeps every earlier state as a prefix of the file: the original
// bytes, then each update's new objects, cross-reference section and
// trailer, each ending with startxref and %%EOF.
type Revision struct {
	// End is the length of the prefix holding this revision: the file
	// truncated there is the document as it was when this revision was
	// saved.
	End int64
	// XRef is the offset the revision's startxref points to, or -1 for
	// bytes appended after the last cross-reference that could not be
	// read as one.
	XRef int64
	// Signed reports that the bytes this revision added hold a signature
	// dictionary (/ByteRange): typically an update made only to sign.
	Signed bool
}

// maxSections bounds the startxref sections considered in one file.
const maxSections = 4096

// Revisions returns the revisions of a PDF file, oldest first; the last one
// is the file itself. It reads only the file's structure: the startxref
// sections whose offset points at a cross-reference table ("xref") or
// stream ("N G obj"). Strings like %%EOF inside streams (embedded
// PostScript, fonts) and a linearized file's first-page cross-reference
// (startxref 0, and everything up to the file length its linearization
// dictionary declares) do not count: a linearized file that was never
// updated has one revision. It returns at least one revision, even for
// bytes that are not a PDF.
func Revisions(data []byte) []Revision {
	var secs []Revision
	for from := 0; len(secs) < maxSections; {
		i := bytes.Index(data[from:], []byte("startxref"))
		if i < 0 {
			break
		}
		at := from + i
		from = at + len("startxref")
		off, end, ok := parseStartxref(data, from)
		if !ok || off <= 0 || off >= int64(at) || !xrefAt(data, off) {
			continue
		}
		secs = append(secs, Revision{End: int64(end), XRef: off})
		from = end
	}
	size := int64(len(data))
	if l, ok := linearizedLength(data); ok {
		// The original linearized file ends at l: its sections (the
		// first-page one and the main one) are one revision.
		n := 0
		for n < len(secs) && secs[n].End <= l+2 {
			n++
		}
		if n > 1 {
			secs = append([]Revision{secs[n-1]}, secs[n:]...)
		}
	}
	// An update that adds no object (Word's "xref 0 0" section that
	// only points at a cross-reference stream) changes nothing: it is
	// part of the revision before it.
	for i := 1; i < len(secs); {
		added := data[secs[i-1].End:secs[i].End]
		n := countObjects(added, 2)
		if n == 0 || n == 1 && xrefStreamAt(data, secs[i].XRef) && secs[i].XRef >= secs[i-1].End {
			secs[i-1].End = secs[i].End
			secs = append(secs[:i], secs[i+1:]...)
			continue
		}
		i++
	}
	if len(secs) == 0 {
		return []Revision{{End: size, XRef: -1, Signed: hasSignature(data)}}
	}
	last := secs[len(secs)-1].End
	if tail := data[last:]; len(tail) > 0 {
		if bytes.Contains(tail, []byte("endobj")) || bytes.Contains(tail, []byte("startxref")) {
			// An update whose cross-reference could not be read:
			// still an update.
			secs = append(secs, Revision{End: size, XRef: -1})
		} else {
			secs[len(secs)-1].End = size // trailing junk or padding
		}
	}
	prev := int64(0)
	for i := range secs {
		secs[i].Signed = hasSignature(data[prev:secs[i].End])
		prev = secs[i].End
	}
	return secs
}

// parseStartxref reads "<ws> digits <ws> %%EOF [eol]" at data[i:] and
// returns the offset and the end of the section.
func parseStartxref(data []byte, i int) (off int64, end int, ok bool) {
	i = skipSpace(data, i)
	j := i
	for j < len(data) && j-i < 19 && data[j] >= '0' && data[j] <= '9' {
		j++
	}
	if j == i {
		return 0, 0, false
	}
	off, err := strconv.ParseInt(string(data[i:j]), 10, 64)
	if err != nil {
		return 0, 0, false
	}
	j = skipSpace(data, j)
	if !bytes.HasPrefix(data[j:], []byte("%%EOF")) {
		return 0, 0, false
	}
	j += len("%%EOF")
	if j < len(data) && data[j] == '\r' {
		j++
	}
	if j < len(data) && data[j] == '\n' {
		j++
	}
	return off, j, true
}

// countObjects counts object definitions ("12 0 obj") in b, up to max.
func countObjects(b []byte, max int) int {
	n := 0
	for from := 0; n < max; {
		i := bytes.Index(b[from:], []byte("obj"))
		if i < 0 {
			break
		}
		at := from + i
		from = at + 3
		if objHeaderEndsAt(b, at) {
			n++
		}
	}
	return n
}

// objHeaderEndsAt reports whether "obj" at b[at:] follows "N G ".
func objHeaderEndsAt(b []byte, at int) bool {
	i := at - 1
	for n := 0; n < 2; n++ {
		if i < 0 || !isSpace(b[i]) {
			return false
		}
		for i >= 0 && isSpace(b[i]) {
			i--
		}
		j := i
		for i >= 0 && j-i < 10 && b[i] >= '0' && b[i] <= '9' {
			i--
		}
		if i == j {
			return false
		}
	}
	return true
}

// xrefStreamAt reports whether a cross-reference stream ("N G obj")
// rather than a table starts at off.
func xrefStreamAt(data []byte, off int64) bool {
	return xrefAt(data, off) && !bytes.HasPrefix(data[skipSpace(data, int(off)):], []byte("xref"))
}

// xrefAt reports whether a cross-reference table or stream starts at off.
func xrefAt(data []byte, off int64) bool {
	if off >= int64(len(data)) {
		return false
	}
	i := int(off)
	for k := 0; k < 4 && i < len(data) && isSpace(data[i]); k++ {
		i++
	}
	if bytes.HasPrefix(data[i:], []byte("xref")) {
		return true
	}
	// "N G obj" of a cross-reference stream.
	for n := 0; n < 2; n++ {
		j := i
		for j < len(data) && j-i < 10 && data[j] >= '0' && data[j] <= '9' {
			j++
		}
		if j == i || j >= len(data) || !isSpace(data[j]) {
			return false
		}
		i = skipSpace(data, j)
	}
	return bytes.HasPrefix(data[i:], []byte("obj"))
}

// linearizedLength returns the file length /L declared by a linearization
// dictionary at the start of the file.
func linearizedLength(data []byte) (int64, bool) {
	head := data[:min(len(data), 1024)]
	i := bytes.Index(head, []byte("/Linearized"))
	if i < 0 {
		return 0, false
	}
	dict := head[i:]
	if e := bytes.Index(dict, []byte(">>")); e >= 0 {
		dict = dict[:e]
	}
	for from := 0; ; {
		k := bytes.Index(dict[from:], []byte("/L"))
		if k < 0 {
			return 0, false
		}
		p := from + k + 2
		from = p
		if p < len(dict) && !isSpace(dict[p]) {
			continue // /Linearized itself, or another name
		}
		p = skipSpace(dict, p)
		q := p
		for q < len(dict) && q-p < 19 && dict[q] >= '0' && dict[q] <= '9' {
			q++
		}
		n, err := strconv.ParseInt(string(dict[p:q]), 10, 64)
		return n, err == nil && n > 0
	}
}

func hasSignature(b []byte) bool {
	return bytes.Contains(b, []byte("/ByteRange"))
}

func isSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '\f', 0:
		return true
	}
	return false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}
