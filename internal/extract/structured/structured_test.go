package structured

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/testutil"
)

func TestJSON(t *testing.T) {
	in := `{"name": "Jean Dupont", "age": 42, "tags": ["a", "b"], "nested": {"x": null, "ok": true}}
{"name": "second line"}`
	res, err := ExtractJSON(context.Background(), []byte(in), "application/json", extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "name: Jean Dupont\nage: 42\ntags: a\ntags: b\nok: true\nname: second line"
	if res.Text != want {
		t.Errorf("got %q\nwant %q", res.Text, want)
	}
	res, _ = ExtractJSON(context.Background(), []byte(`{"a": "kept", "b": [1, 2,, oops} trailing`), "", extract.Options{})
	if !strings.Contains(res.Text, "a: kept") || !strings.Contains(res.Text, "oops} trailing") || len(res.Problems) == 0 {
		t.Errorf("malformed JSON: %q %q", res.Text, res.Problems)
	}
	deep := strings.Repeat("[", 100000) + `"deep"` + strings.Repeat("]", 100000)
	res, err = ExtractJSON(context.Background(), []byte(deep), "", extract.Options{})
	if err != nil || strings.Contains(res.Text, "deep") {
		t.Errorf("deep JSON: %v %.40q", err, res.Text)
	}
}

func TestCSV(t *testing.T) {
	for _, tt := range []struct{ in, delim, want string }{
		{"a;b;c\n1;2;3\n", "semicolon", "a\tb\tc\n1\t2\t3"},
		{"a,\"b, c\",d\n1,2,3\n", "comma", "a\tb, c\td\n1\t2\t3"},
		{"nom|prénom\nDupont|Jean\n", "pipe", "nom\tprénom\nDupont\tJean"},
		{"just one line of prose, with a comma\n", "comma", "just one line of prose\twith a comma"},
	} {
		res, err := ExtractCSV(context.Background(), []byte(tt.in), "text/csv", extract.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Text != tt.want || res.Meta.Extra["delimiter"] != tt.delim {
			t.Errorf("CSV(%q) = %q %q, want %q %q", tt.in, res.Text, res.Meta.Extra["delimiter"], tt.want, tt.delim)
		}
	}
	// windows-1252 CSV from Excel
	res, _ := ExtractCSV(context.Background(), []byte("nom;ville\nL\xe9a;Besan\xe7on\n"), "text/csv", extract.Options{})
	if res.Text != "nom\tville\nLéa\tBesançon" {
		t.Errorf("cp1252 CSV: %q", res.Text)
	}
}

func TestXML(t *testing.T) {
	in := `<?xml version="1.0" encoding="ISO-8859-1"?><doc><p title="Note de service">Caf` + "\xe9" + ` cr&#232;me</p><p id="x1">deux</p></doc>`
	res, err := ExtractXML(context.Background(), []byte(in), "application/xml", extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := normalize(res.Text); got != "Café crème Note de service deux" {
		t.Errorf("got %q", res.Text)
	}
}

// TestHostileXML checks that entity bombs do not expand, external
// entities are not fetched, and every file is read in little memory. (Not
// timed: CI machines are noisy; a hang is caught by go test -timeout.)
func TestHostileXML(t *testing.T) {
	dir := testutil.Corpus(t, "hostile/xml")
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		res, err := ExtractXML(context.Background(), data, "application/xml", extract.Options{})
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		// About 3x the file today (quadratic.xml, 100 KB); an expanded
		// entity would take megabytes to gigabytes.
		alloc := after.TotalAlloc - before.TotalAlloc
		if limit := uint64(1<<20 + 32*len(data)); len(res.Text) > 2*len(data) || alloc > limit {
			t.Errorf("%s: %d bytes of text from %d, allocated %d (limit %d)", filepath.Base(f), len(res.Text), len(data), alloc, limit)
		}
		if strings.Contains(res.Text, "root:") || strings.Contains(res.Text, "1234567890") {
			t.Errorf("%s: entity expanded: %.200q", filepath.Base(f), res.Text)
		}
		t.Logf("%s: %d -> %d bytes %q", filepath.Base(f), len(data), len(res.Text), trunc(res.Text, 60))
	}
	// A synthetic billion-laughs at full strength.
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">`)
	prev := "lol"
	for i := 1; i <= 9; i++ {
		name := "lol" + string(rune('0'+i))
		b.WriteString(`<!ENTITY ` + name + ` "` + strings.Repeat("&"+prev+";", 10) + `">`)
		prev = name
	}
	b.WriteString(`]><lolz>&lol9;</lolz>`)
	res, err := ExtractXML(context.Background(), []byte(b.String()), "", extract.Options{})
	if err != nil || len(res.Text) > 100 {
		t.Errorf("billion laughs: %v, %d bytes", err, len(res.Text))
	}
	deep := strings.Repeat("<a>", 100000) + "x" + strings.Repeat("</a>", 100000)
	res, err = ExtractXML(context.Background(), []byte(deep), "", extract.Options{})
	if err != nil || len(res.Problems) == 0 {
		t.Errorf("deep XML: %v %q", err, res.Problems)
	}
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func TestBudget(t *testing.T) {
	big := strings.Repeat("word ", 1<<20) // 5 MiB
	opts := extract.Options{Budget: extract.Budget{MaxBytes: 1 << 20}}
	for name, f := range map[string]extract.Func{"text": ExtractText, "csv": ExtractCSV, "xml": ExtractXML, "html": ExtractHTML} {
		in := big
		if name == "xml" {
			in = "<a>" + big + "</a>"
		}
		res, err := f(context.Background(), []byte(in), "", opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Text) > 1<<20 || len(res.Problems) == 0 {
			t.Errorf("%s: %d bytes, problems %q", name, len(res.Text), res.Problems)
		}
	}
}

func TestHTMLMeta(t *testing.T) {
	in := `<html><head><title>Rapport  interne</title><meta name="author" content="A. Martin"><meta name="generator" content="Word"></head><body><p>Texte</p></body></html>`
	res, _ := ExtractHTML(context.Background(), []byte(in), "text/html", extract.Options{})
	if res.Meta.Title != "Rapport interne" || res.Meta.Author != "A. Martin" || res.Meta.Creator != "Word" || res.Text != "Texte" {
		t.Errorf("%+v %q", res.Meta, res.Text)
	}
}
