package people

import "testing"

func TestFold(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Marine Le Pen", "marine le pen"},
		{"MARINE  LE\tPEN", "marine le pen"},
		{"Marine\nLe   Pen", "marine le pen"},
		{"Benoît Hamon", "benoit hamon"},
		{"JEAN-LUC MÉLENCHON", "jean luc melenchon"},
		{"d’Emmanuel Macron", "d emmanuel macron"},
		{"dʼEmmanuel `Macron´", "d emmanuel macron"},
		{"l'Élysée", "l elysee"},
		{"Œuvre, cæcum, Straße, STRAẞE", "oeuvre caecum strasse strasse"},
		{"Łódź Ørsted", "lodz orsted"},
		{"e\u0301cole", "ecole"},               // combining accent
		{"Mé\u00adlen\u200dchon", "melenchon"}, // soft hyphen, ZWJ
		{"ﬁn ①", "fin 1"},                      // compatibility forms
		{"½", "1 2"},                           // fraction slash separates
		{"ŉ", "n"},                             // ʼn: the apostrophe separates
		{"Ｍａｃｒｏｎ", "macron"},                   // full width
		{"Путин Владимир", "путин владимир"},
		{"\xff\xfeMacron\x80", "macron"},
		{"", ""},
		{" -- ' ", ""},
	} {
		if got := Fold(tc.in); got != tc.want {
			t.Errorf("Fold(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestFoldSubstring checks what the matcher relies on: a span from the
// start of a word to the end of a word folds to the words it covers.
func TestFoldSubstring(t *testing.T) {
	text := "Vu: d’Émmanuel\u00a0MACRON ½ et l'Élysée—Œuvre."
	var tk tokenizer
	tk.reset(text)
	var toks []token
	var x token
	for tk.next(&x) {
		x.fold = append([]byte(nil), x.fold...)
		toks = append(toks, x)
	}
	for i := range toks {
		for j := i; j < len(toks); j++ {
			if !toks[i].first || !toks[j].last {
				continue
			}
			want := ""
			for k := i; k <= j; k++ {
				if k > i {
					want += " "
				}
				want += string(toks[k].fold)
			}
			if got := Fold(text[toks[i].start:toks[j].end]); got != want {
				t.Errorf("Fold(%q) = %q, want %q", text[toks[i].start:toks[j].end], got, want)
			}
		}
	}
}

func BenchmarkFold(b *testing.B) {
	s := "Le président Emmanuel Macron a reçu François Fillon à l’Élysée. "
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		Fold(s)
	}
}
