package main

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// safe makes text from a leak harmless on a terminal: control characters
// (C0 but newline and tab when multiline, DEL, C1), bidirectional overrides
// and invalid UTF-8 are shown as escapes instead of being sent to the
// terminal, so a file name or a subject cannot move the cursor, retitle the
// window or reorder what is displayed.
func safe(s string) string { return escape(s, false) }

// safeText is safe for multi-line text (keeps newlines and tabs).
func safeText(s string) string { return escape(s, true) }

func escape(s string, multiline bool) string {
	ok := true
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if needsEscape(r, n, multiline) {
			ok = false
			break
		}
		i += n
	}
	if ok {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
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
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F:
		return true
	}
	return false
}
