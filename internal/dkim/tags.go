package dkim

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// maxTags bounds the number of tags in one tag list (a DKIM-Signature,
// ARC header or key record). Real lists have about fifteen.
const maxTags = 64

// tags is a parsed tag list: tag name (case-sensitive) to value with
// surrounding folding white space removed.
type tags map[string]string

// parseTags parses a tag list (RFC 6376 3.2): tag-spec *(";" tag-spec)
// [";"], white space and folding allowed around names, "=" and values.
// A duplicate tag, an empty tag-spec (";;"), a name that is not
// ALPHA *(ALPHA / DIGIT / "_") or a spec without "=" is an error.
func parseTags(s string) (tags, error) {
	t := make(tags)
	for {
		spec, rest, more := strings.Cut(s, ";")
		spec = trimFWS(spec)
		if spec == "" {
			if !more {
				return t, nil // an empty list, or a trailing ";"
			}
			return nil, errors.New("empty tag-spec")
		}
		if len(t) == maxTags {
			return nil, fmt.Errorf("more than %d tags", maxTags)
		}
		name, value, ok := strings.Cut(spec, "=")
		if !ok {
			return nil, fmt.Errorf("tag %.20q has no '='", spec)
		}
		name = trimFWS(name)
		if !validTagName(name) {
			return nil, fmt.Errorf("invalid tag name %.20q", name)
		}
		if _, dup := t[name]; dup {
			return nil, fmt.Errorf("duplicate tag %s=", name)
		}
		t[name] = trimFWS(value)
		if !more {
			return t, nil
		}
		s = rest
	}
}

func validTagName(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isAlpha(c) && !(c >= '0' && c <= '9') && c != '_' {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isFWS(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func trimFWS(s string) string {
	for len(s) > 0 && isFWS(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isFWS(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// stripFWS removes all white space and line breaks, as base64 tag values
// (b=, bh=, p=) may be folded anywhere.
func stripFWS(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return r < 0x80 && isFWS(byte(r)) }) < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if !isFWS(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// decodeBase64 decodes a base64 tag value, ignoring folding white space.
// Missing padding is tolerated; other defects are errors.
func decodeBase64(s string) ([]byte, error) {
	s = stripFWS(s)
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}

// splitList splits a colon-separated tag value (h=, q=, key h=, s=, t=)
// into trimmed elements; empty elements are kept so callers can reject
// them.
func splitList(s string) []string {
	parts := strings.Split(s, ":")
	for i, p := range parts {
		parts[i] = trimFWS(p)
	}
	return parts
}

// parseUnixTime reads a t= or x= value: 1 to 12 decimal digits (RFC 6376
// 3.5 allows up to 12; longer values are refused rather than wrapped).
func parseUnixTime(s string) (int64, error) {
	if s == "" || len(s) > 12 {
		return 0, fmt.Errorf("invalid time %.20q", s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("invalid time %.20q", s)
		}
	}
	return strconv.ParseInt(s, 10, 64)
}

// decodeQP decodes dkim-quoted-printable (RFC 6376 2.11), used by i=: =XX
// hex escapes; white space is ignored. An invalid escape is an error.
func decodeQP(s string) (string, error) {
	if !strings.ContainsAny(s, "= \t\r\n") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isFWS(c):
		case c == '=':
			if i+3 > len(s) {
				return "", fmt.Errorf("truncated escape in %.40q", s)
			}
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return "", fmt.Errorf("invalid escape in %.40q", s)
			}
			b.WriteByte(byte(v))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}
