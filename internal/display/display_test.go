package display

import "testing"

func TestEscape(t *testing.T) {
	for _, c := range []struct{ in, line, text string }{
		{"facture.pdf", "facture.pdf", "facture.pdf"},
		{"rapport\u202efdp.exe", `rapport\u202efdp.exe`, `rapport\u202efdp.exe`},
		{"a\nb\tc", `a\x0ab\x09c`, "a\nb\tc"},
		{"a\r\nb\rc", `a\x0d\x0ab\x0dc`, "a\nb\\x0dc"},
		{"\x1b]0;pwned\x07", `\x1b]0;pwned\x07`, `\x1b]0;pwned\x07`},
		{"bad\xffbyte", `bad\xffbyte`, `bad\xffbyte`},
		{"\u061cmark\u2028sep\u0085", `\u061cmark\u2028sep\u0085`, `\u061cmark\u2028sep\u0085`},
		{"Рошка, Émilie", "Рошка, Émilie", "Рошка, Émilie"},
	} {
		if got := Line(c.in); got != c.line {
			t.Errorf("Line(%q) = %q, want %q", c.in, got, c.line)
		}
		if got := Text(c.in); got != c.text {
			t.Errorf("Text(%q) = %q, want %q", c.in, got, c.text)
		}
	}
}

func FuzzEscape(f *testing.F) {
	f.Add("a\u202e\r\n\xff")
	f.Fuzz(func(t *testing.T, s string) {
		for _, out := range []string{Line(s), Text(s)} {
			for i, r := range out {
				if needsEscape(r, len(string(r)), true) && !(r == '\r' && i+1 < len(out) && out[i+1] == '\n') {
					t.Fatalf("%q escaped to %q still holds %U", s, out, r)
				}
			}
		}
	})
}
