package pdf

import (
	"bytes"
	"strconv"
)

// lexer reads PDF tokens and objects from b at p. Every loop is bounded
// by the input; nesting is bounded by nativeMaxDepth.
type lexer struct {
	b []byte
	p int
}

type delim byte // '[', ']', '{', '}', '<' (for <<), '>' (for >>)

func (l *lexer) skipSpace() {
	for l.p < len(l.b) {
		c := l.b[l.p]
		if isSpace(c) {
			l.p++
			continue
		}
		if c == '%' {
			for l.p < len(l.b) && l.b[l.p] != '\n' && l.b[l.p] != '\r' {
				l.p++
			}
			continue
		}
		return
	}
}

// next returns the next token: float64, name, pdfString, keyword, delim,
// or nil at the end.
func (l *lexer) next() any {
	l.skipSpace()
	if l.p >= len(l.b) {
		return nil
	}
	c := l.b[l.p]
	switch {
	case c == '/':
		l.p++
		start := l.p
		var out []byte
		for l.p < len(l.b) && !isSpace(l.b[l.p]) && !isDelim(l.b[l.p]) {
			if l.b[l.p] == '#' && l.p+2 < len(l.b) {
				if v, err := strconv.ParseUint(string(l.b[l.p+1:l.p+3]), 16, 8); err == nil {
					if out == nil {
						out = append([]byte{}, l.b[start:l.p]...)
					}
					out = append(out, byte(v))
					l.p += 3
					continue
				}
			}
			if out != nil {
				out = append(out, l.b[l.p])
			}
			l.p++
		}
		if out == nil {
			return name(l.b[start:l.p])
		}
		return name(out)
	case c == '(':
		return l.literal()
	case c == '<':
		if l.p+1 < len(l.b) && l.b[l.p+1] == '<' {
			l.p += 2
			return delim('<')
		}
		l.p++
		end := bytes.IndexByte(l.b[l.p:], '>')
		if end < 0 {
			end = len(l.b) - l.p
		}
		s := unhex(append(l.b[l.p:l.p+end:l.p+end], '>'))
		l.p += end + 1
		return pdfString(s)
	case c == '>':
		l.p++
		if l.p < len(l.b) && l.b[l.p] == '>' {
			l.p++
		}
		return delim('>')
	case c == '[' || c == ']' || c == '{' || c == '}':
		l.p++
		return delim(c)
	case c == ')':
		l.p++
		return keyword(")")
	case c == '+' || c == '-' || c == '.' || c >= '0' && c <= '9':
		start := l.p
		l.p++
		for l.p < len(l.b) && (l.b[l.p] >= '0' && l.b[l.p] <= '9' || l.b[l.p] == '.') && l.p-start < 32 {
			l.p++
		}
		f, err := strconv.ParseFloat(string(l.b[start:l.p]), 64)
		if err != nil {
			return float64(0)
		}
		return f
	}
	start := l.p
	for l.p < len(l.b) && !isSpace(l.b[l.p]) && !isDelim(l.b[l.p]) && l.p-start < 64 {
		l.p++
	}
	if l.p == start {
		l.p++ // a stray byte
	}
	return keyword(l.b[start:l.p])
}

// literal reads a (string) with nesting and escapes.
func (l *lexer) literal() pdfString {
	l.p++ // (
	var out []byte
	depth := 1
	for l.p < len(l.b) {
		c := l.b[l.p]
		l.p++
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return out
			}
		case '\\':
			if l.p >= len(l.b) {
				return out
			}
			e := l.b[l.p]
			l.p++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if l.p < len(l.b) && l.b[l.p] == '\n' {
					l.p++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2 && l.p < len(l.b) && l.b[l.p] >= '0' && l.b[l.p] <= '7'; k++ {
						v = v*8 + int(l.b[l.p]-'0')
						l.p++
					}
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		out = append(out, c)
	}
	return out
}

// object reads one object (with "N G R" references).
func (l *lexer) object(depth int) any {
	t := l.next()
	return l.value(t, depth)
}

func (l *lexer) value(t any, depth int) any {
	if depth > nativeMaxDepth {
		return nil
	}
	switch v := t.(type) {
	case delim:
		switch v {
		case '[':
			var a array
			for len(a) < 1<<20 {
				n := l.next()
				if n == nil || n == delim(']') {
					return a
				}
				a = append(a, l.value(n, depth+1))
			}
			return a
		case '<':
			dc := dict{}
			for len(dc) < 1<<16 {
				k := l.next()
				if k == nil || k == delim('>') {
					return dc
				}
				kn, ok := k.(name)
				if !ok {
					continue
				}
				dc[string(kn)] = l.object(depth + 1)
			}
			return dc
		}
		return nil
	case float64:
		// "N G R"?
		save := l.p
		if g, ok := l.next().(float64); ok {
			if k, ok := l.next().(keyword); ok && k == "R" {
				return ref{int(v), int(g)}
			}
		}
		l.p = save
		return v
	case keyword:
		switch v {
		case "true":
			return true
		case "false":
			return false
		case "null":
			return nil
		}
		return v
	}
	return t
}

// streamData returns the raw bytes of the stream that follows dictionary
// dc at the lexer's position, or nil when none follows.
func (l *lexer) streamData(d *doc, dc dict) []byte {
	save := l.p
	if k, ok := l.next().(keyword); !ok || k != "stream" {
		l.p = save
		return nil
	}
	if l.p < len(l.b) && l.b[l.p] == '\r' {
		l.p++
	}
	if l.p < len(l.b) && l.b[l.p] == '\n' {
		l.p++
	}
	start := l.p
	if n, ok := num(d.resolve(dc["Length"])); ok && n >= 0 && start+n <= len(l.b) {
		after := bytes.TrimLeft(l.b[start+n:min(len(l.b), start+n+32)], " \t\r\n\f\x00")
		if bytes.HasPrefix(after, []byte("endstream")) {
			return l.b[start : start+n]
		}
	}
	end := bytes.Index(l.b[start:], []byte("endstream"))
	if end < 0 {
		return l.b[start:]
	}
	return bytes.TrimRight(l.b[start:start+end], "\r\n")
}
