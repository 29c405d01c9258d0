package structured

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/testutil"
)

var fuzzOpts = extract.Options{Budget: extract.Budget{MaxBytes: 1 << 20}}

func seedFiles(f *testing.F, patterns ...string) {
	for _, pat := range patterns {
		files, _ := filepath.Glob(filepath.Join(testutil.CorpusDir(), pat))
		for _, p := range files {
			if st, err := os.Stat(p); err == nil && st.Size() <= 16<<10 {
				if b, err := os.ReadFile(p); err == nil {
					f.Add(b)
				}
			}
		}
	}
}

// check runs an extractor and checks the budget holds.
func check(t *testing.T, fn extract.Func, data []byte) {
	res, err := fn(context.Background(), data, "", fuzzOpts)
	if err != nil {
		t.Fatalf("error: %v", err) // these extractors never fail
	}
	if len(res.Text) > 1<<20 {
		t.Fatalf("%d bytes of text over the budget", len(res.Text))
	}
}

func FuzzXML(f *testing.F) {
	seedFiles(f, "hostile/xml/*", "docs/tika/xml/*.xml")
	f.Fuzz(func(t *testing.T, data []byte) { check(t, ExtractXML, data) })
}

func FuzzJSON(f *testing.F) {
	seedFiles(f, "docs/textract/json/*.json")
	f.Add([]byte(`{"a":[1,{"b":null,"c":[true,"x"]}]}` + "\n" + `"s"`))
	f.Fuzz(func(t *testing.T, data []byte) { check(t, ExtractJSON, data) })
}

func FuzzCSV(f *testing.F) {
	seedFiles(f, "docs/textract/*/standardized_text.?sv")
	f.Add([]byte("a;\"b\"\"c\";d\r\n1;2;3\n"))
	f.Fuzz(func(t *testing.T, data []byte) { check(t, ExtractCSV, data) })
}

func FuzzHTML(f *testing.F) {
	seedFiles(f, "docs/textract/html/standardized_text.html", "docs/tika/html/testHTML*.html")
	f.Fuzz(func(t *testing.T, data []byte) { check(t, ExtractHTML, data) })
}
