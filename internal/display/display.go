// Package display makes text from a leak harmless to show, on a terminal
// or a web page: control characters, bidirectional overrides, isolates and
// marks, line and paragraph separators, and invalid UTF-8 become visible
// escapes (\x07, \u202e, \xff). A file name cannot pretend to end in
// ".pdf" by reversing its tail, move a terminal's cursor or hide text.
// The CLI and the reading room both show text through it, so they agree.
package display

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Line escapes s for one line: newlines and tabs are escaped too.
func Line(s string) string { return escape(s, false) }

// Text escapes s for multi-line display: newlines and tabs are kept, and
// CRLF line ends show as line ends.
func Text(s string) string { return escape(s, true) }

func escape(s string, multiline bool) string {
	clean := true
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if needsEscape(r, n, multiline) {
			clean = false
			break
		}
		i += n
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\r' && multiline && i+1 < len(s) && s[i+1] == '\n':
			// A CRLF line end displays as a line end.
		case needsEscape(r, n, multiline):
			if r < 0x80 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func needsEscape(r rune, n int, multiline bool) bool {
	switch {
	case r == utf8.RuneError && n <= 1:
		return true
	case r == '\n' || r == '\t':
		return !multiline
	case r == '\r':
		return true
	case r < 0x20, r == 0x7F, r >= 0x80 && r < 0xA0:
		return true
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C,
		r == 0x2028, r == 0x2029:
		return true
	}
	return false
}
