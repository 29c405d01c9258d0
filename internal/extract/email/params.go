package email

import (
	"sort"
	"strconv"
	"strings"

	"github.com/newsroom/dossier/internal/extract/textdecode"
)

// parseParams parses a Content-Type or Content-Disposition value into its
// lowercased main value and parameters (names lowercased). It is lenient:
// missing semicolons or closing quotes, unquoted values with spaces or "=",
// duplicate parameters (the first wins) and RFC 2231 extended values in any
// charset, including continuations. Plain values are returned as raw bytes
// (possibly 8-bit, possibly RFC 2047 encoded); extended values are decoded to
// UTF-8.
func parseParams(v string) (string, map[string]string) {
	v = strings.TrimSpace(v)
	semi := strings.IndexByte(v, ';')
	head, rest := v, ""
	if semi >= 0 {
		head, rest = v[:semi], v[semi+1:]
	}
	head = strings.TrimSpace(stripComments(head))
	// "text/plain charset=us-ascii": a parameter without its semicolon.
	if sp := strings.IndexAny(head, " \t"); sp >= 0 {
		rest = head[sp+1:] + ";" + rest
		head = head[:sp]
	}
	main := strings.ToLower(strings.Trim(head, "\"'"))
	if rest == "" {
		return main, nil
	}
	params := map[string]string{}
	type section struct {
		n   int
		ext bool
		val string
	}
	var sections map[string][]section
	i := 0
	for i < len(rest) {
		for i < len(rest) && (rest[i] == ';' || rest[i] == ' ' || rest[i] == '\t') {
			i++
		}
		if i >= len(rest) {
			break
		}
		// name
		j := i
		for j < len(rest) && rest[j] != '=' && rest[j] != ';' {
			j++
		}
		name := strings.ToLower(strings.TrimSpace(rest[i:j]))
		if j >= len(rest) || rest[j] == ';' {
			i = j
			continue
		}
		j++ // '='
		for j < len(rest) && (rest[j] == ' ' || rest[j] == '\t') {
			j++
		}
		var val string
		if j < len(rest) && rest[j] == '"' {
			var b strings.Builder
			k := j + 1
			for ; k < len(rest); k++ {
				c := rest[k]
				if c == '\\' && k+1 < len(rest) {
					k++
					b.WriteByte(rest[k])
					continue
				}
				if c == '"' {
					break
				}
				b.WriteByte(c)
			}
			val = b.String()
			i = k + 1
			// Skip anything between the closing quote and the next ';'.
			for i < len(rest) && rest[i] != ';' {
				i++
			}
		} else {
			k := j
			for k < len(rest) && rest[k] != ';' {
				k++
			}
			val = strings.TrimSpace(rest[j:k])
			i = k
		}
		if name == "" {
			continue
		}
		base, sec, ext := splitParamName(name)
		if sec < 0 && !ext {
			if _, dup := params[name]; !dup {
				params[name] = val
			}
			continue
		}
		if sections == nil {
			sections = map[string][]section{}
		}
		if sec < 0 {
			sec = 0
		}
		sections[base] = append(sections[base], section{n: sec, ext: ext, val: val})
	}
	for base, secs := range sections {
		sort.SliceStable(secs, func(a, b int) bool { return secs[a].n < secs[b].n })
		var raw []byte
		cs := ""
		for k, s := range secs {
			if k > 0 && s.n == secs[k-1].n {
				continue // duplicate section
			}
			val := s.val
			if s.ext {
				if k == 0 {
					// charset'language'value
					if a := strings.IndexByte(val, '\''); a >= 0 {
						if b := strings.IndexByte(val[a+1:], '\''); b >= 0 {
							cs = val[:a]
							val = val[a+1+b+1:]
						}
					}
				}
				raw = append(raw, pctDecode(val)...)
			} else {
				raw = append(raw, val...)
			}
		}
		// Extended values win over plain ones (RFC 2231 section 4.1).
		params[base] = textdecode.ToUTF8(raw, cs, false).Text
	}
	return main, params
}

// splitParamName splits "name*2*" into ("name", 2, true). sec is -1 when the
// name has no section number.
func splitParamName(name string) (base string, sec int, ext bool) {
	star := strings.IndexByte(name, '*')
	if star < 0 {
		return name, -1, false
	}
	base, rest := name[:star], name[star+1:]
	if rest == "" {
		return base, -1, true
	}
	if strings.HasSuffix(rest, "*") {
		ext = true
		rest = rest[:len(rest)-1]
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 || n > 1000 {
		return name, -1, false
	}
	return base, n, ext
}

func pctDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		out = append(out, s[i])
	}
	return out
}
