package dkim

import (
	"bytes"
	"crypto"
	"hash"
	"io"
	"strings"
)

// canonHeader appends field raw (name, colon, value, inner line breaks;
// no final line break) in canonical form, without the trailing CRLF.
//
// simple (RFC 6376 3.4.1): unchanged, except that a bare LF becomes CRLF.
// relaxed (3.4.2): name lowercased, line breaks of folded lines removed,
// runs of SP and HTAB reduced to one SP, white space around the colon and
// at the end of the value removed.
func canonHeader(dst []byte, raw []byte, relaxed bool) []byte {
	if !relaxed {
		return appendCRLF(dst, raw)
	}
	colon := bytes.IndexByte(raw, ':')
	if colon < 0 {
		// Not a field; relaxed has no rule for it. Keep it unfolded.
		colon = len(raw)
	}
	name := bytes.TrimRight(raw[:colon], " \t")
	for _, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	if colon == len(raw) {
		return dst
	}
	dst = append(dst, ':')
	space := false // a white space run is pending
	wrote := false // a non-space value byte was written
	v := raw[colon+1:]
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\n':
			// Unfold: the line break goes, the WSP after it stays.
		case '\r':
			if i+1 < len(v) && v[i+1] == '\n' {
				continue
			}
			fallthrough
		default:
			if c == ' ' || c == '\t' {
				space = true
				continue
			}
			if space && wrote {
				dst = append(dst, ' ')
			}
			space = false
			wrote = true
			dst = append(dst, c)
		}
	}
	return dst
}

// appendCRLF appends b with every bare LF turned into CRLF.
func appendCRLF(dst, b []byte) []byte {
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return append(dst, b...)
		}
		if i > 0 && b[i-1] == '\r' {
			dst = append(dst, b[:i+1]...)
		} else {
			dst = append(dst, b[:i]...)
			dst = append(dst, '\r', '\n')
		}
		b = b[i+1:]
	}
}

// removeB returns raw (a DKIM-Signature or ARC field) with the value of its
// b= tag deleted, white space around the value included (RFC 6376 3.7):
// "b=abc; d=x" becomes "b=; d=x".
func removeB(raw []byte) []byte {
	colon := bytes.IndexByte(raw, ':')
	if colon < 0 {
		return raw
	}
	pos := colon + 1
	for pos <= len(raw) {
		end := bytes.IndexByte(raw[pos:], ';')
		if end < 0 {
			end = len(raw)
		} else {
			end += pos
		}
		spec := raw[pos:end]
		i := 0
		for i < len(spec) && isFWS(spec[i]) {
			i++
		}
		if i < len(spec) && spec[i] == 'b' {
			j := i + 1
			for j < len(spec) && isFWS(spec[j]) {
				j++
			}
			if j < len(spec) && spec[j] == '=' {
				out := make([]byte, 0, len(raw))
				out = append(out, raw[:pos+j+1]...)
				return append(out, raw[end:]...)
			}
		}
		pos = end + 1
	}
	return raw
}

// bodyKey identifies one body hash computation.
type bodyKey struct {
	relaxed bool
	hash    crypto.Hash
	limit   int64 // l=, or -1
}

// bodyResult is a body hash and the canonical body's full length.
type bodyResult struct {
	sum []byte
	len int64 // canonical length of the whole body, whatever the limit
}

// bodyHashes computes body hashes for a message, once per distinct
// canonicalization, hash and length limit.
type bodyHashes struct {
	body []byte
	memo map[bodyKey]bodyResult
}

func (b *bodyHashes) get(k bodyKey) bodyResult {
	if r, ok := b.memo[k]; ok {
		return r
	}
	if b.memo == nil {
		b.memo = make(map[bodyKey]bodyResult)
	}
	h := k.hash.New()
	n := canonBody(h, b.body, k.relaxed, k.limit)
	r := bodyResult{sum: h.Sum(nil), len: n}
	b.memo[k] = r
	return r
}

// canonBody writes the canonical form of body (RFC 6376 3.4.3, 3.4.4) to
// w, stopping after limit bytes when limit >= 0, and returns the length of
// the whole canonical body. Lines end in LF or CRLF; output lines end in
// CRLF. Trailing empty lines are dropped; an empty body is CRLF under
// simple and nothing under relaxed.
func canonBody(w io.Writer, body []byte, relaxed bool, limit int64) int64 {
	c := bodyWriter{w: w, limit: limit}
	pending := 0 // empty lines held back: they count only if text follows
	for pos := 0; pos < len(body); {
		end, next := lineAt(body, pos)
		line := body[pos:end]
		pos = next
		if relaxed {
			line = bytes.TrimRight(line, " \t")
		}
		if len(line) == 0 {
			pending++
			continue
		}
		for ; pending > 0; pending-- {
			c.write(crlf)
		}
		if relaxed {
			c.writeRelaxed(line)
		} else {
			c.write(line)
		}
		c.write(crlf)
	}
	if c.n == 0 && !relaxed {
		c.write(crlf)
	}
	c.flush()
	return c.n
}

var crlf = []byte("\r\n")

// bodyWriter buffers canonical body bytes on their way to a hash, counting
// them and honouring the l= limit.
type bodyWriter struct {
	w     io.Writer
	limit int64
	n     int64
	buf   [4096]byte
	used  int
}

func (c *bodyWriter) write(b []byte) {
	keep := b
	if c.limit >= 0 {
		switch room := c.limit - c.n; {
		case room <= 0:
			keep = nil
		case int64(len(keep)) > room:
			keep = keep[:room]
		}
	}
	c.n += int64(len(b))
	for len(keep) > 0 {
		k := copy(c.buf[c.used:], keep)
		c.used += k
		keep = keep[k:]
		if c.used == len(c.buf) {
			c.flush()
		}
	}
}

// writeRelaxed writes line (no trailing WSP) with WSP runs reduced to SP.
func (c *bodyWriter) writeRelaxed(line []byte) {
	if c.limit < 0 {
		// The common case, without l=: one pass straight into the buffer
		// (a write call per word cost a quarter of all verification).
		wsp := false
		for _, b := range line {
			if b == ' ' || b == '\t' {
				if wsp {
					continue
				}
				wsp, b = true, ' '
			} else {
				wsp = false
			}
			c.buf[c.used] = b
			c.used++
			c.n++
			if c.used == len(c.buf) {
				c.flush()
			}
		}
		return
	}
	for len(line) > 0 {
		i := bytes.IndexAny(line, " \t")
		if i < 0 {
			c.write(line)
			return
		}
		c.write(line[:i])
		c.write(space)
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		line = line[i:]
	}
}

var space = []byte(" ")

func (c *bodyWriter) flush() {
	if c.used > 0 {
		c.w.Write(c.buf[:c.used])
		c.used = 0
	}
}

// headerHash hashes the selected fields and the signature field itself
// (with b= emptied, no trailing CRLF) in canonical form (RFC 6376 3.7).
func headerHash(h hash.Hash, selected []*field, sig []byte, relaxed bool) {
	var buf []byte
	for _, f := range selected {
		if f == nil {
			continue // oversigned: the null string
		}
		buf = canonHeader(buf[:0], f.raw, relaxed)
		buf = append(buf, '\r', '\n')
		h.Write(buf)
	}
	buf = canonHeader(buf[:0], removeB(sig), relaxed)
	h.Write(buf)
}

// canonName parses one half of c=.
func canonName(s string) (relaxed, ok bool) {
	switch strings.ToLower(s) {
	case "simple":
		return false, true
	case "relaxed":
		return true, true
	}
	return false, false
}
