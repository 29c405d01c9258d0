package email

import (
	"strings"
)

// Address is one mailbox from an address header. Both fields are UTF-8;
// Addr is kept as written (see [Address.Normalized]). Entries salvaged from a
// malformed list may have only a Name, or an Addr without "@".
type Address struct {
	Name string
	Addr string
}

// Normalized returns the address lowercased and trimmed, for comparing and
// indexing (local parts are case-sensitive in theory, never in practice).
func (a Address) Normalized() string {
	return strings.ToLower(strings.TrimSpace(a.Addr))
}

// String formats the address as "Name <addr>", or just one of them.
func (a Address) String() string {
	switch {
	case a.Name == "":
		return a.Addr
	case a.Addr == "":
		return a.Name
	}
	return a.Name + " <" + a.Addr + ">"
}

// parseAddresses parses an address list leniently. It handles groups,
// comments as names, ";" as a separator, unquoted commas inside quoted names
// and encoded-words anywhere; an entry without a recognisable address is
// kept as a name (or a bare local part) rather than dropped. bad reports
// whether anything had to be salvaged.
func parseAddresses(v []byte, d *wordDecoder) (list []Address, bad bool) {
	s := string(v)
	for _, item := range splitAddressList(s) {
		a, ok := parseMailbox(item, d)
		if !ok {
			bad = true
		}
		if a.Name != "" || a.Addr != "" {
			list = append(list, a)
		}
	}
	return list, bad
}

// splitAddressList splits at top-level commas and semicolons, dropping group
// names ("undisclosed-recipients:;" or "team: a@x, b@y;").
func splitAddressList(s string) []string {
	var items []string
	depth, angle, quoted := 0, false, false
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
		case quoted:
			if c == '"' {
				quoted = false
			}
		case c == '"' && depth == 0:
			quoted = true
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth > 0:
		case c == '<':
			angle = true
		case c == '>':
			angle = false
		case angle:
		case c == ',' || c == ';':
			items = append(items, s[start:i])
			start = i + 1
		case c == ':':
			// A group name ends with ':' when no address has started.
			if pre := s[start:i]; !strings.Contains(pre, "@") && !strings.Contains(pre, "=?") {
				start = i + 1
			}
		}
	}
	items = append(items, s[start:])
	out := items[:0]
	for _, it := range items {
		if strings.TrimSpace(it) != "" {
			out = append(out, it)
		}
	}
	return out
}

// parseMailbox parses one list entry. ok is false when the entry was
// malformed and only partly recovered.
func parseMailbox(item string, d *wordDecoder) (Address, bool) {
	item = strings.TrimSpace(item)
	var a Address
	ok := true
	if lt := strings.LastIndexByte(item, '<'); lt >= 0 && outsideQuotes(item, lt) {
		gt := strings.IndexByte(item[lt:], '>')
		var addr, after string
		if gt < 0 {
			addr, ok = item[lt+1:], false
		} else {
			addr, after = item[lt+1:lt+gt], item[lt+gt+1:]
		}
		// Drop an obsolete source route "@a,@b:user@host".
		if strings.HasPrefix(addr, "@") {
			if c := strings.IndexByte(addr, ':'); c >= 0 {
				addr = addr[c+1:]
			}
		}
		a.Addr = cleanAddr(addr, d)
		name := strings.TrimSpace(item[:lt])
		if name == "" {
			name = commentText(after)
		}
		a.Name = cleanName(name, d)
	} else {
		comment := commentText(item)
		bare := strings.TrimSpace(stripComments(item))
		if strings.ContainsRune(bare, '@') {
			// "a@b" or "a@b (Name)"; take the token with '@' and keep any
			// other text as the name.
			fields := strings.Fields(bare)
			var rest []string
			for _, f := range fields {
				if a.Addr == "" && strings.ContainsRune(f, '@') {
					a.Addr = cleanAddr(f, d)
				} else {
					rest = append(rest, f)
				}
			}
			name := comment
			if len(rest) > 0 {
				ok = false
				if name == "" {
					name = strings.Join(rest, " ")
				}
			}
			a.Name = cleanName(name, d)
		} else {
			ok = false
			if bare != "" && !strings.ContainsAny(bare, " \t\"") && !hasEncodedWord([]byte(bare)) {
				a.Addr = cleanAddr(bare, d) // a local part, as Enron's "jeff.skilling"
				a.Name = cleanName(comment, d)
			} else {
				a.Name = cleanName(item, d)
			}
		}
	}
	return a, ok
}

// outsideQuotes reports whether position i of s is outside a quoted string.
func outsideQuotes(s string, i int) bool {
	quoted := false
	for k := 0; k < i; k++ {
		switch s[k] {
		case '\\':
			k++
		case '"':
			quoted = !quoted
		}
	}
	return !quoted
}

// commentText returns the text of the comments in s, joined.
func commentText(s string) string {
	if !strings.Contains(s, "(") {
		return ""
	}
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && depth > 0 && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == '(':
			if depth > 0 {
				b.WriteByte(c)
			}
			depth++
		case c == ')' && depth > 0:
			depth--
			if depth > 0 {
				b.WriteByte(c)
			} else {
				b.WriteByte(' ')
			}
		case depth > 0:
			b.WriteByte(c)
		}
	}
	return strings.TrimSpace(b.String())
}

// cleanName unquotes and decodes a display name.
func cleanName(s string, d *wordDecoder) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if strings.ContainsRune(s, '"') || strings.ContainsRune(s, '\\') {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch {
			case c == '\\' && i+1 < len(s):
				i++
				b.WriteByte(s[i])
			case c == '"':
			default:
				b.WriteByte(c)
			}
		}
		s = b.String()
	}
	s = collapseSpace(d.decode([]byte(s)))
	// Outlook quotes names in apostrophes: 'John Doe'.
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	return s
}

// cleanAddr trims and decodes an address.
func cleanAddr(s string, d *wordDecoder) string {
	s = strings.TrimSpace(s)
	s = strings.Trim(s, "<>\"'")
	if strings.ContainsAny(s, " \t") {
		s = strings.Join(strings.Fields(s), "")
	}
	return d.decode([]byte(s))
}

// collapseSpace replaces runs of white space (including line breaks) by one
// space and trims.
func collapseSpace(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\t' || c == '\r' || c == '\n' || c == ' ' && (i == 0 || i+1 == len(s) || s[i+1] == ' ') {
			return strings.Join(strings.Fields(s), " ")
		}
	}
	return s
}
