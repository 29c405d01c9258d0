package structured

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/testutil"
)

func normalize(s string) string { return strings.Join(strings.Fields(s), " ") }

func run(t *testing.T, f extract.Func, path, mime string) *extract.Result {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := f(context.Background(), data, mime, extract.Options{})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return res
}

// wordRE matches words: runs of letters or of digits.
var wordRE = regexp.MustCompile(`\p{L}+|\p{N}+`)

// wordsFound returns how many of want's words (letters or digits, so that
// table rules and punctuation do not count) occur in got, as a multiset.
func wordsFound(got, want string) (found, total int) {
	have := map[string]int{}
	for _, w := range wordRE.FindAllString(got, -1) {
		have[w]++
	}
	for _, w := range wordRE.FindAllString(want, -1) {
		total++
		if have[w] > 0 {
			have[w]--
			found++
		}
	}
	return found, total
}

// TestTextract compares with textract's expected texts: delimited text
// and plain text exactly after white-space normalisation; JSON and HTML,
// whose shapes differ by design (keys kept, link targets kept, textract's
// JSON order is Python's dict order), by the share of expected words found.
func TestTextract(t *testing.T) {
	dir := testutil.Corpus(t, "docs/textract")
	exact := []struct {
		file, want string
		f          extract.Func
	}{
		{"csv/raw_text.csv", "csv/raw_text.txt", ExtractCSV},
		{"tsv/raw_text.tsv", "tsv/raw_text.txt", ExtractCSV},
		{"psv/raw_text.psv", "psv/raw_text.txt", ExtractCSV},
		{"txt/raw_text.txt", "txt/raw_text.txt", ExtractText},
	}
	for _, c := range exact {
		t.Run(c.file, func(t *testing.T) {
			res := run(t, c.f, filepath.Join(dir, c.file), "")
			want, _ := os.ReadFile(filepath.Join(dir, c.want))
			if g, w := normalize(res.Text), normalize(string(want)); g != w {
				i := 0
				for i < len(g) && i < len(w) && g[i] == w[i] {
					i++
				}
				t.Errorf("differs at %d:\n got %q\nwant %q", i, g[max(0, i-40):min(len(g), i+60)], w[max(0, i-40):min(len(w), i+60)])
			}
		})
	}
	words := []struct {
		file, want string
		f          extract.Func
		min        float64
	}{
		{"json/raw_text.json", "json/raw_text.txt", ExtractJSON, 1},
		{"html/raw_text.html", "html/raw_text.txt", ExtractHTML, 0.99},
		{"html/tables.html", "html/tables.txt", ExtractHTML, 0.95}, // HTML comments and navbox headers textract keeps
	}
	for _, c := range words {
		t.Run(c.file, func(t *testing.T) {
			res := run(t, c.f, filepath.Join(dir, c.file), "")
			want, _ := os.ReadFile(filepath.Join(dir, c.want))
			found, total := wordsFound(res.Text, string(want))
			t.Logf("%d of %d expected words found (%.1f%%)", found, total, 100*float64(found)/float64(total))
			if float64(found) < c.min*float64(total) {
				t.Errorf("only %d of %d expected words", found, total)
			}
		})
	}
	for _, ext := range []string{"csv", "tsv", "psv", "json", "html", "txt"} {
		t.Run("standardized."+ext, func(t *testing.T) {
			mime := map[string]string{"csv": "text/csv", "tsv": "text/tab-separated-values", "psv": "text/csv", "json": "application/json", "html": "text/html", "txt": "text/plain"}[ext]
			res := run(t, Extract, filepath.Join(dir, ext, "standardized_text."+ext), mime)
			got := normalize(res.Text)
			if ext == "json" {
				// values in document order, keys between them
				got = strings.Join(strings.Fields(strings.NewReplacer("a: ", "", "aa: ", "", "b: ", "", "z: ", "").Replace(res.Text)), " ")
			}
			if !strings.Contains(strings.ToLower(strings.ReplaceAll(got, "\t", " ")), "the quick brown fox jumps over the lazy dog") {
				t.Errorf("%q", res.Text)
			}
		})
	}
}
