package email

import (
	"bytes"
	"strings"
)

// Header is one header field as found, in order.
type Header struct {
	Name  string // field name as written ("Subject", "X-Mailer")
	Value string // unfolded and RFC 2047 decoded to UTF-8
}

// field is a header field before decoding.
type field struct {
	name  string // as written
	value []byte // unfolded (line breaks removed, folding white space kept), trimmed
}

// headerBlock is a parsed header section.
type headerBlock struct {
	fields []field
	// noHeader is set when the entity did not start with a header field.
	noHeader bool
	problems []string
}

// get returns the first field named name (case-insensitive) and whether
// there was one.
func (h *headerBlock) get(name string) ([]byte, bool) {
	for i := range h.fields {
		if strings.EqualFold(h.fields[i].name, name) {
			return h.fields[i].value, true
		}
	}
	return nil, false
}

// splitHeader separates the header section of an entity from its body. It
// tolerates LF, CRLF and lone-CR line ends, a leading mbox "From " line, a
// header section that ends without a blank line and content with no header
// at all (the whole input is then the body). Header bytes beyond maxBytes are
// skipped, not parsed.
func splitHeader(b []byte, maxBytes int, top bool) (headerBlock, []byte) {
	var h headerBlock
	pos := 0
	if top && bytes.HasPrefix(b, []byte("From ")) {
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			pos = i + 1
		} else {
			pos = len(b)
		}
	}
	cur := -1 // index of the field being continued
	var folded bool
	for pos < len(b) {
		end, next := lineAt(b, pos)
		line := b[pos:end]
		if len(line) == 0 {
			return h, b[next:]
		}
		if line[0] == ' ' || line[0] == '\t' {
			if cur < 0 {
				h.noHeader = true
				return h, b
			}
			if next > maxBytes {
				return h.tooBig(b, pos)
			}
			if !folded {
				// Copy before appending so the input is never written.
				v := h.fields[cur].value
				h.fields[cur].value = append(make([]byte, 0, len(v)+len(line)+16), v...)
				folded = true
			}
			h.fields[cur].value = append(h.fields[cur].value, line...)
			pos = next
			continue
		}
		name, value, ok := splitField(line)
		if ok && next > maxBytes {
			return h.tooBig(b, pos)
		}
		if !ok {
			if len(h.fields) == 0 {
				h.noHeader = true
				return h, b
			}
			if top && bytes.HasPrefix(line, []byte(">From ")) {
				pos = next
				continue
			}
			if cur >= 0 && headerContinues(b, next) {
				// A stray line inside the header (a subject with a raw line
				// break): keep it as part of the previous field.
				h.problems = append(h.problems, "malformed header line joined to the previous field")
				v := h.fields[cur].value
				nv := make([]byte, 0, len(v)+len(line)+1)
				nv = append(append(append(nv, v...), ' '), line...)
				h.fields[cur].value = nv
				folded = true
				pos = next
				continue
			}
			h.problems = append(h.problems, "header section ended without a blank line")
			return h, b[pos:]
		}
		if cur >= 0 {
			h.fields[cur].value = bytes.TrimSpace(h.fields[cur].value)
		}
		h.fields = append(h.fields, field{name: name, value: value})
		cur = len(h.fields) - 1
		folded = false
		pos = next
	}
	if cur >= 0 {
		h.fields[cur].value = bytes.TrimSpace(h.fields[cur].value)
	}
	if len(h.fields) == 0 && len(b) > 0 {
		h.noHeader = true
		return h, b
	}
	return h, nil
}

// headerContinues reports whether the lines from pos on look like the rest
// of a header section: fields and continuations up to a blank line, within
// a few lines.
func headerContinues(b []byte, pos int) bool {
	fields := 0
	for n := 0; pos < len(b) && n < 50; n++ {
		end, next := lineAt(b, pos)
		line := b[pos:end]
		switch {
		case len(line) == 0:
			return fields > 0
		case line[0] == ' ' || line[0] == '\t':
		default:
			if _, _, ok := splitField(line); !ok {
				return false
			}
			fields++
		}
		pos = next
	}
	return false
}

// tooBig ends a header section that exceeds the size limit: the rest of it
// is skipped up to the blank line.
func (h headerBlock) tooBig(b []byte, pos int) (headerBlock, []byte) {
	if len(h.fields) > 0 {
		last := &h.fields[len(h.fields)-1]
		last.value = bytes.TrimSpace(last.value)
	}
	h.problems = append(h.problems, "header section exceeds the size limit; the rest of it was ignored")
	return h, skipToBody(b, pos)
}

// lineAt returns the end of the line starting at pos (excluding its line
// break) and the start of the next line.
func lineAt(b []byte, pos int) (end, next int) {
	i := bytes.IndexByte(b[pos:], '\n')
	if i < 0 {
		end, next = len(b), len(b)
	} else {
		end, next = pos+i, pos+i+1
	}
	if end > pos && b[end-1] == '\r' {
		end--
	}
	return end, next
}

// skipToBody returns what follows the first blank line at or after pos.
func skipToBody(b []byte, pos int) []byte {
	for pos < len(b) {
		end, next := lineAt(b, pos)
		if end == pos {
			return b[next:]
		}
		pos = next
	}
	return nil
}

// splitField splits "Name: value". The name is printable ASCII without
// colon; white space before the colon is tolerated ("Subject : x").
func splitField(line []byte) (string, []byte, bool) {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return "", nil, false
	}
	name := bytes.TrimRight(line[:i], " \t")
	if len(name) == 0 || len(name) > 200 {
		return "", nil, false
	}
	for _, c := range name {
		if c <= ' ' || c >= 0x7f {
			return "", nil, false
		}
	}
	return string(name), bytes.TrimSpace(line[i+1:]), true
}

// msgIDs extracts message ids from an In-Reply-To, References or Message-ID
// value, without angle brackets. Values without brackets are split on white
// space and commas.
func msgIDs(v string) []string {
	var ids []string
	rest := v
	for {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '>')
		if j < 0 {
			break
		}
		if id := strings.TrimSpace(rest[i+1 : i+j]); id != "" {
			ids = append(ids, id)
		}
		rest = rest[i+j+1:]
	}
	if len(ids) > 0 {
		return ids
	}
	for _, f := range strings.FieldsFunc(stripComments(v), func(r rune) bool { return r == ' ' || r == '\t' || r == ',' }) {
		f = strings.Trim(f, "<>")
		if f != "" {
			ids = append(ids, f)
		}
	}
	return ids
}

// stripComments removes RFC 5322 (comments), honouring nesting, quoted
// strings and backslash escapes.
func stripComments(s string) string {
	if !strings.Contains(s, "(") {
		return s
	}
	var b strings.Builder
	depth, quoted := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (depth > 0 || quoted):
			if depth == 0 {
				b.WriteByte(c)
				b.WriteByte(s[i+1])
			}
			i++
			continue
		case quoted:
			if c == '"' {
				quoted = false
			}
		case c == '"' && depth == 0:
			quoted = true
		case c == '(':
			depth++
			continue
		case c == ')' && depth > 0:
			depth--
			if depth == 0 {
				b.WriteByte(' ')
			}
			continue
		}
		if depth == 0 {
			b.WriteByte(c)
		}
	}
	return b.String()
}
