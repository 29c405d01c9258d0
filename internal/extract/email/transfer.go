package email

import (
	"bytes"
	"strings"
)

// decodeTransfer undoes a Content-Transfer-Encoding. Unknown encodings are
// returned unchanged with ok false. Decoding never fails: bad base64
// characters and bad quoted-printable escapes are skipped or kept literally.
func decodeTransfer(b []byte, cte string) (out []byte, name string, ok bool) {
	switch cte {
	case "", "7bit", "8bit", "binary", "7-bit", "8-bit", "none", "plain", "text":
		return b, "", true
	case "base64", "base-64", "x-base64":
		return decodeBase64(b), "", true
	case "quoted-printable", "quoted_printable", "qp", "x-qp":
		return decodeQP(b), "", true
	case "x-uuencode", "uuencode", "x-uue", "uue", "x-uu":
		d, name, found := decodeUU(b)
		if !found {
			return b, "", false
		}
		return d, name, true
	}
	return b, "", false
}

var b64 [256]byte // 0xFF = not in the alphabet, 0xFE = padding

func init() {
	for i := range b64 {
		b64[i] = 0xFF
	}
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alpha); i++ {
		b64[alpha[i]] = byte(i)
	}
	// URL-safe variants appear in broken mailers; they cannot be confused
	// with anything in standard base64.
	b64['-'] = 62
	b64['_'] = 63
	b64['='] = 0xFE
}

// decodeBase64 decodes base64 leniently: characters outside the alphabet are
// skipped, padding ends a quantum (so concatenated encodings decode), and a
// trailing partial quantum yields what bits it has.
func decodeBase64(s []byte) []byte {
	out := make([]byte, 0, len(s)*3/4+3)
	var q [4]byte
	n := 0
	for _, c := range s {
		v := b64[c]
		switch v {
		case 0xFF:
			continue
		case 0xFE:
			out = flushQuantum(out, q[:n])
			n = 0
			continue
		}
		q[n] = v
		n++
		if n == 4 {
			out = append(out, q[0]<<2|q[1]>>4, q[1]<<4|q[2]>>2, q[2]<<6|q[3])
			n = 0
		}
	}
	return flushQuantum(out, q[:n])
}

func flushQuantum(out []byte, q []byte) []byte {
	switch len(q) {
	case 2:
		out = append(out, q[0]<<2|q[1]>>4)
	case 3:
		out = append(out, q[0]<<2|q[1]>>4, q[1]<<4|q[2]>>2)
	}
	return out
}

// decodeQP decodes quoted-printable leniently: "=XX" (either case) is a
// byte, "=" before a line end is a soft break, any other "=" is kept, and
// white space before a line end is removed. Line ends are kept as written.
func decodeQP(s []byte) []byte {
	out := make([]byte, 0, len(s))
	for len(s) > 0 {
		var line, eol []byte
		if i := bytes.IndexByte(s, '\n'); i >= 0 {
			line, eol, s = s[:i], s[i:i+1], s[i+1:]
			if len(line) > 0 && line[len(line)-1] == '\r' {
				line, eol = line[:len(line)-1], []byte("\r\n")
			}
		} else {
			line, s = s, nil
		}
		line = bytes.TrimRight(line, " \t")
		soft := false
		if len(line) > 0 && line[len(line)-1] == '=' {
			soft = true
			line = line[:len(line)-1]
		}
		for i := 0; i < len(line); i++ {
			c := line[i]
			if c == '=' && i+2 < len(line) && isHex(line[i+1]) && isHex(line[i+2]) {
				out = append(out, unhex(line[i+1])<<4|unhex(line[i+2]))
				i += 2
				continue
			}
			out = append(out, c)
		}
		if !soft {
			out = append(out, eol...)
		}
	}
	return out
}

// decodeUU finds a uuencoded block ("begin <mode> <name>" ... "end") in s
// and decodes it. found is false when s holds no begin line.
func decodeUU(s []byte) (data []byte, name string, found bool) {
	start := -1
	pos := 0
	for pos < len(s) {
		end, next := lineAt(s, pos)
		if isUUBegin(s[pos:end]) {
			start = pos
			break
		}
		pos = next
	}
	if start < 0 {
		return nil, "", false
	}
	data, name, _ = uuBlock(s, start)
	return data, name, true
}

// isUUBegin reports whether line is "begin NNN name".
func isUUBegin(line []byte) bool {
	rest, ok := bytes.CutPrefix(line, []byte("begin "))
	if !ok {
		return false
	}
	sp := bytes.IndexByte(rest, ' ')
	if sp < 3 || sp > 4 {
		return false
	}
	for _, c := range rest[:sp] {
		if c < '0' || c > '7' {
			return false
		}
	}
	return len(bytes.TrimSpace(rest[sp+1:])) > 0
}

// uuBlock decodes the block whose begin line starts at start and returns
// its data, the file name and the offset just past the "end" line (or the
// end of s when the block is unterminated).
func uuBlock(s []byte, start int) (data []byte, name string, next int) {
	end, pos := lineAt(s, start)
	begin := s[start:end]
	rest := begin[len("begin "):]
	name = strings.TrimSpace(string(rest[bytes.IndexByte(rest, ' ')+1:]))
	for pos < len(s) {
		e, n := lineAt(s, pos)
		line := s[pos:e]
		pos = n
		if bytes.Equal(bytes.TrimRight(line, " \t"), []byte("end")) {
			break
		}
		if len(line) == 0 {
			continue
		}
		cnt := int((line[0] - ' ') & 0x3f)
		if cnt == 0 {
			continue
		}
		body := line[1:]
		var got int
		for i := 0; got < cnt; i += 4 {
			var c [4]byte
			for k := range 4 {
				if i+k < len(body) {
					c[k] = (body[i+k] - ' ') & 0x3f
				}
			}
			for _, b := range []byte{c[0]<<2 | c[1]>>4, c[1]<<4 | c[2]>>2, c[2]<<6 | c[3]} {
				if got < cnt {
					data = append(data, b)
					got++
				}
			}
			if i+4 >= len(body) && got < cnt {
				// Short line: stop rather than invent bytes.
				break
			}
		}
	}
	return data, name, pos
}
