package office

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

// normalize collapses white space, the comparison textract's ground truth
// is made for.
func normalize(s string) string { return strings.Join(strings.Fields(s), " ") }

// floatZero turns xlrd's "83.0" into the "83" a spreadsheet displays.
var floatZero = regexp.MustCompile(`\b(\d+)\.0\b`)

func extractFile(t *testing.T, path string, opts extract.Options) (*extract.Result, error) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return Extract(context.Background(), data, "", opts)
}

// TestTextract compares with textract's expected text after white-space
// normalisation. Differences that are choices, not errors, are removed
// first: sheet-name headings (textract prints none) and xlrd's float
// rendering of whole numbers.
func TestTextract(t *testing.T) {
	dir := testutil.Corpus(t, "docs/textract")
	cases := []struct {
		file, want string
		sheets     bool
		// comment is a cell comment textract prints in place; here it
		// is under the "Comments" heading at the end.
		comment string
	}{
		{"docx/raw_text.docx", "docx/raw_text.txt", false, ""},
		{"docx/paragraphs_and_tables.docx", "docx/paragraphs_and_tables.txt", false, ""},
		{"no_ext/docx_paragraphs_and_tables", "docx/paragraphs_and_tables.txt", false, ""},
		{"pptx/raw_text.pptx", "pptx/raw_text.txt", false, ""},
		{"xlsx/raw_text.xlsx", "xlsx/raw_text.txt", true, ""},
		{"odt/raw_text.odt", "odt/raw_text.txt", false, ""},
		{"ods/raw_text.ods", "ods/raw_text.txt", true, "Clicking a link in this column takes you to the Help topic at Microsoft's Office site."},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			res, err := extractFile(t, filepath.Join(dir, c.file), extract.Options{})
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join(dir, c.want))
			if err != nil {
				t.Fatal(err)
			}
			got, wantText := res.Text, string(want)
			// Comments come last under a heading; textract leaves them
			// out (xlsx) or prints them in their cell (ods).
			got, _, _ = strings.Cut(got, "\n\nComments\n")
			if c.comment != "" {
				wantText = strings.Replace(wantText, c.comment, "", 1)
			}
			if c.sheets {
				var keep []string
				names := map[string]bool{}
				for _, s := range res.Meta.Sheets {
					names[s] = true
				}
				for _, l := range strings.Split(got, "\n") {
					if !names[l] {
						keep = append(keep, l)
					}
				}
				got = strings.Join(keep, "\n")
			}
			if c.sheets {
				// textract prints true cells as 1 and leaves false ones out.
				got = boolCells.ReplaceAllStringFunc(got, func(s string) string {
					return strings.NewReplacer("TRUE", "1", "FALSE", "").Replace(s)
				})
			}
			g, w := normalize(got), normalize(floatZero.ReplaceAllString(wantText, "$1"))
			if g != w && noSpace(g) == noSpace(w) {
				t.Logf("matches once all white space is removed (textract puts line breaks between runs)")
				return
			}
			if g != w {
				i := 0
				for i < len(g) && i < len(w) && g[i] == w[i] {
					i++
				}
				t.Errorf("text differs at byte %d:\n got: %q\nwant: %q", i, excerpt(g, i), excerpt(w, i))
			}
		})
	}
	for _, f := range []string{"docx", "pptx", "xlsx", "odt", "ods"} {
		t.Run("standardized."+f, func(t *testing.T) {
			res, err := extractFile(t, filepath.Join(dir, f, "standardized_text."+f), extract.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(normalize(strings.ToLower(res.Text)), "the quick brown fox jumps over the lazy dog") {
				t.Errorf("standardized text missing: %q", res.Text)
			}
		})
	}
}

// boolCells matches boolean cells, which xlrd prints as 1 and 0.
var boolCells = regexp.MustCompile(`(?m)(^|\t)(TRUE|FALSE)(\t|$)`)

func noSpace(s string) string { return strings.Join(strings.Fields(s), "") }

func excerpt(s string, i int) string {
	lo, hi := max(0, i-40), min(len(s), i+80)
	return s[lo:hi]
}
