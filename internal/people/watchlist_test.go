package people

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func loadExample(t testing.TB) *Watchlist {
	t.Helper()
	w, err := Load("testdata/presidentielle-2017.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestLoadExample(t *testing.T) {
	w := loadExample(t)
	var names []string
	for _, e := range w.Entities {
		names = append(names, e.Name)
		if e.Kind != KindPerson || e.Notes == "" {
			t.Errorf("%s: kind %q, notes %q", e.Name, e.Kind, e.Notes)
		}
	}
	want := []string{"Marine Le Pen", "François Fillon", "Emmanuel Macron", "Benoît Hamon", "Jean-Luc Mélenchon"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("names = %q, want %q", names, want)
	}
	if got := w.Entities[0].Exclude; len(got) != 3 {
		t.Errorf("Le Pen excludes = %q", got)
	}
	if a := w.Ambiguities(); len(a) != 0 {
		t.Errorf("Ambiguities = %v, want none", a)
	}
}

func TestRoundTripYAML(t *testing.T) {
	w := loadExample(t)
	w.Region = "FR"
	w.Entities[0].Emails = []string{"m.lepen@example.fr"}
	w.Entities[0].Phones = []string{"+33142928100"}
	w.Entities = append(w.Entities, Entity{Name: "Front national", Kind: KindOrganisation, Aliases: []string{"FN", "Front: national"}, Notes: "multi\nline: notes"})
	var buf bytes.Buffer
	if err := w.WriteYAML(&buf); err != nil {
		t.Fatal(err)
	}
	w2, err := Parse(bytes.NewReader(buf.Bytes()), "yaml")
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if !reflect.DeepEqual(w, w2) {
		t.Errorf("round trip differs:\n%+v\n%+v\n%s", w, w2, buf.String())
	}
	var buf2 bytes.Buffer
	if err := w2.WriteYAML(&buf2); err != nil {
		t.Fatal(err)
	}
	if buf.String() != buf2.String() {
		t.Errorf("second write differs:\n%s\n%s", buf.String(), buf2.String())
	}
}

func TestRoundTripCSV(t *testing.T) {
	w := loadExample(t)
	w.Entities[1].Emails = []string{"f.fillon@example.fr", "ff@example.org"}
	w.Entities[1].Phones = []string{"+33612345678"}
	w.Entities[1].Notes = "with, comma and \"quotes\"\nand a line"
	var buf bytes.Buffer
	if err := w.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	w2, err := Parse(&buf, "csv")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(w, w2) {
		t.Errorf("round trip differs:\n%+v\n%+v", w, w2)
	}
	w.Entities[0].Aliases = append(w.Entities[0].Aliases, "a|b")
	if err := w.WriteCSV(&bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "'|'") {
		t.Errorf("WriteCSV with '|' in a value: err = %v", err)
	}
}

func TestParseCSV(t *testing.T) {
	in := "\uFEFFNotes;Name;Aliases;Phones;Emails\n" +
		"Candidat;Benoît Hamon; Hamon | B. Hamon ;06 12 34 56 78;B.Hamon@Example.FR\n" +
		";Front national;FN;;\n"
	w, err := Parse(strings.NewReader(in), "csv")
	if err != nil {
		t.Fatal(err)
	}
	want := []Entity{
		{Name: "Benoît Hamon", Kind: KindPerson, Aliases: []string{"Hamon", "B. Hamon"}, Emails: []string{"b.hamon@example.fr"}, Phones: []string{"+33612345678"}, Notes: "Candidat"},
		{Name: "Front national", Kind: KindPerson, Aliases: []string{"FN"}},
	}
	if !reflect.DeepEqual(w.Entities, want) {
		t.Errorf("got %+v\nwant %+v", w.Entities, want)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, format, in string
		line             int
		msg              string
	}{
		{"unknown key", "yaml", "version: 1\npeople:\n  - name: A\n    alias: [B]\n", 4, `unknown key "alias"`},
		{"unknown top key", "yaml", "version: 1\nperson: []\n", 2, `unknown key "person"`},
		{"missing version", "yaml", "people:\n  - name: A\n", 1, "missing \"version: 1\""},
		{"future version", "yaml", "version: 2\npeople: []\n", 1, "unsupported version 2"},
		{"empty", "yaml", "", 0, "empty watchlist"},
		{"syntax", "yaml", "version: 1\npeople:\n  - name: [A\n", -1, "did not find expected"},
		{"two documents", "yaml", "version: 1\n---\nversion: 1\n", 2, "more than one YAML document"},
		{"empty name", "yaml", "version: 1\npeople:\n  - name: A\n  - name: '  '\n    notes: x\n", 4, "empty name"},
		{"no letters", "yaml", "version: 1\npeople:\n  - name: '--'\n", 3, "has no letters or digits"},
		{"duplicate", "yaml", "version: 1\npeople:\n  - name: Benoît Hamon\n  - name: BENOIT  HAMON\n", 4, `duplicate entity "BENOIT  HAMON" (same as "Benoît Hamon" on line 3`},
		{"kind", "yaml", "version: 1\npeople:\n  - name: A\n    kind: robot\n", 3, `unknown kind "robot"`},
		{"email no at", "yaml", "version: 1\npeople:\n  - name: A\n    emails: [a.example.fr]\n", 3, `email "a.example.fr" is not a single address`},
		{"email two at", "yaml", "version: 1\npeople:\n  - name: A\n    emails: [a@b@example.fr]\n", 3, "is not a single address"},
		{"phone", "yaml", "version: 1\npeople:\n  - name: A\n    phones: [01 23]\n", 3, `phone "01 23" is not a valid number (region FR`},
		{"region", "yaml", "version: 1\nregion: XX\npeople: []\n", 0, `unknown phone region "XX"`},
		{"useless exclude", "yaml", "version: 1\npeople:\n  - name: Emmanuel Macron\n    aliases: [Macron]\n    exclude: [Brigitte Macronne]\n", 3, `exclude "Brigitte Macronne" contains none of its names`},
		{"exclude equal to alias", "yaml", "version: 1\npeople:\n  - name: Emmanuel Macron\n    aliases: [Macron]\n    exclude: [MACRON]\n", 3, "would exclude nothing"},
		{"csv no header", "csv", "", 0, "header row is required"},
		{"csv unknown column", "csv", "name,alias\nA,B\n", 1, `unknown column "alias"`},
		{"csv no name column", "csv", "aliases\nB\n", 1, `missing column "name"`},
		{"csv duplicate column", "csv", "name,Name\nA,B\n", 1, `column "name" twice`},
		{"csv empty name", "csv", "name,aliases\nA,B\n,C\n", 3, "empty name"},
		{"csv bad quotes", "csv", "name\n\"A\n", 2, ""},
		{"csv field count", "csv", "name,aliases\nA,B,C\n", 2, "wrong number of fields"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tc.in), tc.format)
			pe, ok := errors.AsType[*ParseError](err)
			if !ok {
				t.Fatalf("err = %v, want a *ParseError", err)
			}
			if (tc.line >= 0 && pe.Line != tc.line) || (tc.line < 0 && pe.Line <= 0) || !strings.Contains(pe.Msg, tc.msg) || !strings.HasPrefix(err.Error(), "people: ") {
				t.Errorf("err = %q (line %d), want line %d and %q", err, pe.Line, tc.line, tc.msg)
			}
		})
	}
	if _, err := Parse(strings.NewReader(""), "json"); err == nil || !strings.Contains(err.Error(), `unknown watchlist format "json"`) {
		t.Errorf("json format: %v", err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "list.CSV")
	if err := os.WriteFile(csvPath, []byte("name,aliases\nBenoît Hamon,Hamon\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := Load(csvPath)
	if err != nil || len(w.Entities) != 1 {
		t.Fatalf("Load csv: %v %v", w, err)
	}
	bad := filepath.Join(dir, "bad.yml")
	if err := os.WriteFile(bad, []byte("version: 1\npeople:\n  - nom: A\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Load(bad)
	if err == nil || err.Error() != "people: "+bad+": line 3: "+`unknown key "nom" (known: version, region, people; and per entity: name, kind, aliases, emails, phones, exclude, notes)` {
		t.Errorf("Load bad.yml: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "list.txt")); err == nil || !strings.Contains(err.Error(), "unknown extension") {
		t.Errorf("Load .txt: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load missing: %v", err)
	}
}

func TestAmbiguities(t *testing.T) {
	w := &Watchlist{Entities: []Entity{
		{Name: "Marine Le Pen", Aliases: []string{"Le Pen"}},
		{Name: "Jean-Marie Le Pen", Aliases: []string{"LE PEN", "JMLP"}},
		{Name: "Marion Maréchal", Aliases: []string{"le  pen", "Maréchal"}},
	}}
	if err := w.Validate(); err != nil {
		t.Fatal(err)
	}
	got := w.Ambiguities()
	want := []Ambiguity{{Folded: "le pen", Entities: []int{0, 1, 2}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Ambiguities = %+v, want %+v", got, want)
	}
}
