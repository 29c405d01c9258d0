package dkim

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// maxZoneLine bounds one line of a zone file.
const maxZoneLine = 1 << 20

// ParseZone reads DKIM key records from a DNS zone file (RFC 1035 5.1):
//
//	selector._domainkey.example.com. 3600 IN TXT "v=DKIM1; k=rsa; " "p=MIIB..."
//
// A record's character strings are concatenated (RFC 6376 3.6.2.2);
// quoted strings take \" and \DDD escapes; TTL and class are optional and
// in either order; ';' starts a comment; parentheses continue a record
// over several lines; an owner left blank repeats the previous one;
// $ORIGIN applies to relative names and "@" (with no $ORIGIN, a relative
// name is taken as written). Records that are not TXT, or not at a
// "._domainkey." name, are skipped. Every Key gets Source source.
//
// Zone files cannot express lookup failures, so a comment convention
// does (the one of the corpus's keys.zone, from Mail::DKIM's test DNS):
//
//	;   test3._domainkey.blackhole.example  => ~~Query timed out~~
//	;   test3._domainkey.blackhole2.example  => ~~SERVFAIL~~
//	;   nonexistent._domainkey.example  => NXDOMAIN
//
// A name whose comment mentions a timeout or SERVFAIL is returned in temp
// (lowercase, no trailing dot): lookups of it must fail with ErrTempKey,
// as MemKeys does. NXDOMAIN needs nothing: a name without records is not
// found.
func ParseZone(r io.Reader, source string) (keys []Key, temp map[string]bool, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxZoneLine)
	temp = make(map[string]bool)
	var (
		origin, owner string
		toks          []zoneToken
		depth         int
		blankOwner    bool
		recLine       int
	)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		if len(toks) == 0 && depth == 0 {
			recLine = lineNo
			blankOwner = line != "" && (line[0] == ' ' || line[0] == '\t')
		}
		var comment string
		toks, depth, comment, err = lexZoneLine(line, toks, depth)
		if err != nil {
			return nil, nil, fmt.Errorf("parse zone %s line %d: %w", source, lineNo, err)
		}
		if name, ok := tempFailureComment(comment); ok {
			temp[name] = true
		}
		if depth > 0 || len(toks) == 0 {
			continue
		}
		rec := toks
		toks = nil
		if !rec[0].quoted && strings.HasPrefix(rec[0].text, "$") {
			switch strings.ToUpper(rec[0].text) {
			case "$ORIGIN":
				if len(rec) < 2 {
					return nil, nil, fmt.Errorf("parse zone %s line %d: $ORIGIN without a name", source, recLine)
				}
				origin = normName(rec[1].text)
			case "$INCLUDE":
				return nil, nil, fmt.Errorf("parse zone %s line %d: $INCLUDE is not supported", source, recLine)
			}
			continue
		}
		if !blankOwner {
			owner = absName(rec[0].text, origin)
			rec = rec[1:]
		}
		k, ok, err := zoneRecord(owner, rec)
		if err != nil {
			return nil, nil, fmt.Errorf("parse zone %s line %d: %w", source, recLine, err)
		}
		if ok {
			k.Source = source
			keys = append(keys, k)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("read zone %s: %w", source, err)
	}
	if depth > 0 {
		return nil, nil, fmt.Errorf("parse zone %s: unclosed '(' at end of file", source)
	}
	return keys, temp, nil
}

type zoneToken struct {
	text   string
	quoted bool
}

// lexZoneLine appends the tokens of one line to toks, tracking the
// parenthesis depth, and returns the comment text if any.
func lexZoneLine(line string, toks []zoneToken, depth int) ([]zoneToken, int, string, error) {
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == ';':
			return toks, depth, line[i+1:], nil
		case c == '(':
			depth++
			i++
		case c == ')':
			if depth == 0 {
				return nil, 0, "", errors.New("unbalanced ')'")
			}
			depth--
			i++
		default:
			quoted := c == '"'
			if quoted {
				i++
			}
			var b strings.Builder
			for {
				if i >= len(line) {
					if quoted {
						return nil, 0, "", errors.New("unterminated quoted string")
					}
					break
				}
				c := line[i]
				if quoted && c == '"' {
					i++
					break
				}
				if !quoted && strings.IndexByte(" \t\r;()\"", c) >= 0 {
					break
				}
				if c == '\\' {
					n, v, err := zoneEscape(line[i+1:])
					if err != nil {
						return nil, 0, "", err
					}
					b.WriteByte(v)
					i += 1 + n
					continue
				}
				b.WriteByte(c)
				i++
			}
			toks = append(toks, zoneToken{b.String(), quoted})
		}
	}
	return toks, depth, "", nil
}

// zoneEscape decodes what follows a backslash: \DDD (a decimal byte) or
// \X (X itself). It returns the number of bytes consumed.
func zoneEscape(s string) (int, byte, error) {
	if s == "" {
		return 0, 0, errors.New("backslash at end of line")
	}
	if s[0] < '0' || s[0] > '9' {
		return 1, s[0], nil
	}
	if len(s) < 3 {
		return 0, 0, errors.New(`truncated \DDD escape`)
	}
	v := 0
	for _, c := range []byte(s[:3]) {
		if c < '0' || c > '9' {
			return 0, 0, errors.New(`invalid \DDD escape`)
		}
		v = v*10 + int(c-'0')
	}
	if v > 255 {
		return 0, 0, errors.New(`\DDD escape above 255`)
	}
	return 3, byte(v), nil
}

// zoneRecord interprets the tokens after the owner: [TTL] [class] type
// rdata. It returns ok=false for records that are not DKIM TXT records.
func zoneRecord(owner string, toks []zoneToken) (Key, bool, error) {
	for len(toks) > 0 && !toks[0].quoted && (isTTL(toks[0].text) || isClass(toks[0].text)) {
		toks = toks[1:]
	}
	if len(toks) == 0 {
		return Key{}, false, errors.New("record without a type")
	}
	if !strings.EqualFold(toks[0].text, "TXT") || toks[0].quoted {
		return Key{}, false, nil
	}
	sel, dom, ok := strings.Cut(owner, "._domainkey.")
	if !ok || sel == "" || dom == "" {
		return Key{}, false, nil
	}
	var rec strings.Builder
	for _, t := range toks[1:] {
		rec.WriteString(t.text)
	}
	return Key{Domain: dom, Selector: sel, Record: rec.String()}, true, nil
}

func isTTL(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if !(s[i] >= '0' && s[i] <= '9') && strings.IndexByte("smhdw", c) < 0 {
			return false
		}
	}
	return s[0] >= '0' && s[0] <= '9'
}

func isClass(s string) bool {
	switch strings.ToUpper(s) {
	case "IN", "CH", "HS", "CS":
		return true
	}
	return false
}

// normName lowercases a domain name and removes its trailing dot.
func normName(s string) string { return strings.TrimSuffix(strings.ToLower(s), ".") }

// absName makes an owner name absolute against origin.
func absName(s, origin string) string {
	switch {
	case s == "@":
		return origin
	case strings.HasSuffix(s, "."), origin == "":
		return normName(s)
	}
	return normName(s) + "." + origin
}

// tempComment matches "name => outcome" in a comment.
var tempComment = regexp.MustCompile(`^\s*([A-Za-z0-9_.-]+)\s*=>\s*(.*)$`)

// tempFailureComment recognises the lookup-failure convention of
// ParseZone in a comment.
func tempFailureComment(c string) (string, bool) {
	m := tempComment.FindStringSubmatch(c)
	if m == nil {
		return "", false
	}
	out := strings.ToLower(m[2])
	if strings.Contains(out, "timed out") || strings.Contains(out, "timeout") || strings.Contains(out, "servfail") {
		return normName(m[1]), true
	}
	return "", false
}
