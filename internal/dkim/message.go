package dkim

import (
	"bytes"
	"strings"
)

// Limits on the header section. Beyond them the message's signatures are
// reported as permerror rather than verified, so hostile input costs time
// and memory linear in its size.
const (
	maxHeaderFields = 1000
	maxHeaderBytes  = 1 << 20
)

// field is one header field as found in the message.
type field struct {
	name  string // as written, white space before the colon removed; "" for a line without a colon
	lname string // name lowercased
	// raw is the field from the first byte of its name to the end of its
	// last line, the final line break excluded. Inner line breaks are as
	// found (LF or CRLF). It is a slice of the input, never written.
	raw []byte
}

// value returns the field's value (after the colon) unfolded, trimmed.
func (f field) value() string {
	i := bytes.IndexByte(f.raw, ':')
	if i < 0 {
		return ""
	}
	v := f.raw[i+1:]
	if bytes.IndexByte(v, '\n') >= 0 {
		v = bytes.ReplaceAll(bytes.ReplaceAll(v, []byte("\r\n"), nil), []byte("\n"), nil)
	}
	return trimFWS(string(v))
}

// message is the header section split into fields, and the body.
type message struct {
	fields []field
	body   []byte // after the blank line; nil when there is none
	// tooBig is set when the header section exceeds the limits; fields
	// then holds only the fields before the limit.
	tooBig bool
}

// parseMessage splits raw into header fields and body. Lines end in LF
// or CRLF (a bare LF stands for CRLF); a lone CR is data. A leading mbox
// "From " line is skipped. Input without a blank line is all header.
func parseMessage(raw []byte) *message {
	m := &message{}
	pos := 0
	if bytes.HasPrefix(raw, []byte("From ")) && !isObsFrom(raw) {
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			pos = i + 1
		} else {
			pos = len(raw)
		}
	}
	start := -1 // start of the field being read
	end := 0    // end of its last line so far
	flush := func() {
		if start < 0 {
			return
		}
		if len(m.fields) == maxHeaderFields {
			m.tooBig = true
			start = -1
			return
		}
		m.fields = append(m.fields, newField(raw[start:end]))
		start = -1
	}
	for pos < len(raw) {
		lineEnd, next := lineAt(raw, pos)
		if lineEnd == pos { // the blank line
			flush()
			m.body = raw[next:]
			return m
		}
		if next > maxHeaderBytes {
			m.tooBig = true
		}
		if m.tooBig {
			// Skip to the body without storing fields.
			start = -1
			pos = next
			continue
		}
		if c := raw[pos]; (c == ' ' || c == '\t') && start >= 0 {
			end = lineEnd
		} else {
			flush()
			start, end = pos, lineEnd
		}
		pos = next
	}
	flush()
	return m
}

// isObsFrom reports whether raw starts with an obsolete-syntax "From :"
// header field rather than an mbox separator line.
func isObsFrom(raw []byte) bool {
	rest := raw[len("From"):]
	for len(rest) > 0 && (rest[0] == ' ' || rest[0] == '\t') {
		rest = rest[1:]
	}
	return len(rest) > 0 && rest[0] == ':'
}

// lineAt returns the end of the line starting at pos (before its CRLF or
// LF) and the start of the next line.
func lineAt(b []byte, pos int) (end, next int) {
	i := bytes.IndexByte(b[pos:], '\n')
	if i < 0 {
		return len(b), len(b)
	}
	end = pos + i
	next = end + 1
	if end > pos && b[end-1] == '\r' {
		end--
	}
	return end, next
}

func newField(raw []byte) field {
	f := field{raw: raw}
	if i := bytes.IndexByte(raw, ':'); i >= 0 {
		name := raw[:i]
		for len(name) > 0 && (name[len(name)-1] == ' ' || name[len(name)-1] == '\t') {
			name = name[:len(name)-1]
		}
		f.name = string(name)
		f.lname = strings.ToLower(f.name)
	}
	return f
}

// count returns how many fields are named lname.
func (m *message) count(lname string) int {
	n := 0
	for i := range m.fields {
		if m.fields[i].lname == lname {
			n++
		}
	}
	return n
}

// first returns the first (topmost) field named lname.
func (m *message) first(lname string) (field, bool) {
	for i := range m.fields {
		if m.fields[i].lname == lname {
			return m.fields[i], true
		}
	}
	return field{}, false
}

// selectFields picks the fields named in h= (RFC 6376 5.4.2): for each
// name the next unused instance counting from the bottom of the header
// section; a name with no instance left selects nothing (the null
// string). The result is in h= order; a nil entry is a null header.
func (m *message) selectFields(names []string) []*field {
	byName := make(map[string][]int) // lname -> indices, bottom first
	for i := len(m.fields) - 1; i >= 0; i-- {
		n := m.fields[i].lname
		byName[n] = append(byName[n], i)
	}
	used := make(map[string]int)
	out := make([]*field, len(names))
	for k, name := range names {
		ln := strings.ToLower(name)
		if ln == "" {
			continue // never a field: lines without a colon have no name
		}
		idx := byName[ln]
		if u := used[ln]; u < len(idx) {
			out[k] = &m.fields[idx[u]]
			used[ln] = u + 1
		}
	}
	return out
}
