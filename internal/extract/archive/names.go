package archive

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// DisplayName returns the base name of a member name for display: the part
// after the last slash or backslash, with control characters, bidi
// controls and line separators escaped Go-style ("\n", "\u202e") and bytes
// that are not UTF-8 written as "\xff". The result never contains a
// character that could reorder or break the line it is shown on. A name
// that is nothing but separators keeps them.
func DisplayName(name string) string {
	base := strings.TrimRight(name, `/\`)
	if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	if base == "" {
		base = name
	}
	return Escape(base)
}

// Escape makes s safe to show on one line: see [DisplayName].
func Escape(s string) string {
	if safe(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unsafeRune(r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func safe(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || unsafeRune(r) {
			return false
		}
	}
	return true
}

// unsafeRune reports C0 and C1 controls, DEL, the bidi embedding, override
// and isolate controls, the directional marks and the Unicode line and
// paragraph separators.
func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r < 0xa0:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f,
		r >= 0x202a && r <= 0x202e,
		r >= 0x2066 && r <= 0x2069,
		r == 0x2028, r == 0x2029:
		return true
	}
	return false
}

// zipDisplayName is DisplayName for a ZIP member name: a name that is not
// UTF-8 is in the legacy code page the ZIP specification names (IBM 437,
// which agrees with the Western European OEM page 850 on accented
// lowercase letters).
func zipDisplayName(name string) string {
	if !utf8.ValidString(name) {
		if s, err := charmap.CodePage437.NewDecoder().String(name); err == nil {
			name = s
		}
	}
	return DisplayName(name)
}

// paths hands out distinct child paths: the first member with a name gets
// the name itself, later ones "name#2", "name#3", ... (skipping any that a
// member already uses verbatim). A member with an empty name is called
// "member:N", N its 1-based position among the children.
type paths map[string]bool

func (p paths) assign(name string, n int) string {
	if name == "" {
		name = "member:" + strconv.Itoa(n)
	}
	path := name
	for k := 2; p[path]; k++ {
		path = name + "#" + strconv.Itoa(k)
	}
	p[path] = true
	return path
}
