package people

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

var fuzzSeeds = []string{
	"Marine Le Pen", "MARINE\nLE   PEN", "Jean-Marie Le Pen", "Lepenniste", "d’Emmanuel Macron",
	"Benoit HAMON <b.hamon@example.fr>", "F. Fillon", "Marine\r\n> Le Pen", "½ ŉ Mé\u00adlenchon",
	"e\u0301 E\u0301mmanuel Macron", "\xff\xfe Macron \x80", "m.lepen@example.fr@", "06 12 34 56 78",
	"FR14 2004 1010 0505 0001 3M02 606", "https://www.lemonde.fr/x).", "Le Pen Le Pen Le Pen",
}

// FuzzFind checks that mentions are in range, in order, and that each
// name or address mention folds to what it matched.
func FuzzFind(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	w := loadExample(f)
	w.Entities[lePen].Emails = []string{"m.lepen@example.fr"}
	w.Entities = append(w.Entities,
		Entity{Name: "½", Aliases: []string{"2", "ŉ"}},
		Entity{Name: "Le Pen Le Pen"},
		Entity{Name: "Émile Zola", Aliases: []string{"E Zola", "e\u0301mile"}},
	)
	if err := w.Validate(); err != nil {
		f.Fatal(err)
	}
	m := Compile(w)
	f.Fuzz(func(t *testing.T, text string) {
		r := m.Match(text)
		prev := Mention{Start: -1}
		for _, x := range r.Mentions {
			if x.Start < 0 || x.End > len(text) || x.Start >= x.End {
				t.Fatalf("mention %+v out of range in %q", x, text)
			}
			if compareMentions(prev, x) > 0 {
				t.Fatalf("mentions out of order: %+v before %+v", prev, x)
			}
			prev = x
			if x.Via != ViaPhone && Fold(text[x.Start:x.End]) != Fold(x.Alias) {
				t.Fatalf("mention %q folds to %q, alias %q to %q", text[x.Start:x.End], Fold(text[x.Start:x.End]), x.Alias, Fold(x.Alias))
			}
		}
		for _, x := range r.Excluded {
			if x.PhraseStart < 0 || x.PhraseEnd > len(text) || x.PhraseStart > x.Start || x.PhraseEnd < x.End {
				t.Fatalf("exclusion %+v not inside its phrase", x)
			}
			if Fold(text[x.PhraseStart:x.PhraseEnd]) != Fold(x.Phrase) {
				t.Fatalf("phrase %q does not fold to %q", text[x.PhraseStart:x.PhraseEnd], x.Phrase)
			}
		}
		// Folding is idempotent and its output only words and spaces.
		fd := Fold(text)
		if Fold(fd) != fd || strings.Contains(fd, "  ") || strings.HasPrefix(fd, " ") || !utf8.ValidString(fd) {
			t.Fatalf("Fold(%q) = %q, Fold again = %q", text, fd, Fold(fd))
		}
	})
}

// FuzzEntities checks that Entities never panics, that offsets are in
// range and that IBANs pass their checksum.
func FuzzEntities(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Add("IBAN GB82 WEST 1234 5698 7654 32, tel +44 20 7946 0958; (202) 555-0143 12/03/2017")
	f.Add("a@b.fr@c.de http://x.y/(z)] www.a.b lemonde.fr. +33 (0)1 42 92 81 00")
	f.Fuzz(func(t *testing.T, text string) {
		for _, x := range Entities(text, EntityOptions{}) {
			if x.Start < 0 || x.End > len(text) || x.Start >= x.End {
				t.Fatalf("%+v out of range", x)
			}
			switch x.Kind {
			case FoundIBAN:
				if !ibanValid([]byte(x.Value)) || len(x.Value) < 15 || len(x.Value) > 34 {
					t.Fatalf("invalid IBAN %+v", x)
				}
			case FoundPhone:
				if !strings.HasPrefix(x.Value, "+") {
					t.Fatalf("phone not in E.164: %+v", x)
				}
			case FoundEmail, FoundDomain:
				if x.Value != strings.ToLower(x.Value) {
					t.Fatalf("not lower case: %+v", x)
				}
			case FoundURL:
				if x.Value != text[x.Start:x.End] {
					t.Fatalf("url value %q is not the text %q", x.Value, text[x.Start:x.End])
				}
			default:
				t.Fatalf("unknown kind %+v", x)
			}
		}
		candidateNames(text, func(start, end int) {
			if start < 0 || end > len(text) || start >= end {
				t.Fatalf("candidate name [%d:%d] out of range", start, end)
			}
		})
	})
}

// FuzzParse checks that parsing never panics and that what parses writes
// back to the same watchlist.
func FuzzParse(f *testing.F) {
	yamlSeed := "version: 1\nregion: FR\npeople:\n  - name: Marine Le Pen\n    aliases: [Le Pen, MLP]\n    emails: [a@b.fr]\n    phones: ['01 42 92 81 00']\n    exclude: [Jean-Marie Le Pen]\n    notes: x\n"
	f.Add(yamlSeed, false)
	f.Add("version: 1\npeople: []\n", false)
	f.Add("version: 1\npeople:\n  - {name: A, kind: organization}\n  - name: a\n", false)
	f.Add("name,aliases,emails,phones,exclude,kind,notes\nMarine Le Pen,Le Pen|MLP,a@b.fr,+33142928100,Jean-Marie Le Pen,person,\"x, y\"\n", true)
	f.Add("Name;Aliases\nA;B|C\n", true)
	f.Add("name\n\"unterminated\n", true)
	f.Fuzz(func(t *testing.T, in string, csv bool) {
		format := "yaml"
		if csv {
			format = "csv"
		}
		w, err := Parse(strings.NewReader(in), format)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := w.WriteYAML(&buf); err != nil {
			t.Fatal(err)
		}
		w2, err := Parse(&buf, "yaml")
		if err != nil {
			t.Fatalf("reading back %q: %v\n%s", in, err, buf.String())
		}
		var b1, b2 bytes.Buffer
		w.WriteYAML(&b1)
		w2.WriteYAML(&b2)
		if b1.String() != b2.String() {
			t.Fatalf("round trip differs:\n%s\n%s", b1.String(), b2.String())
		}
		Compile(w).Find(in)
	})
}
