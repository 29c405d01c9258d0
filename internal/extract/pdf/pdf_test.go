package pdf

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/testutil"
	"golang.org/x/text/unicode/norm"
)

func poppler(t *testing.T) {
	t.Helper()
	testutil.Tool(t, "pdftotext")
	testutil.Tool(t, "pdfinfo")
}

func ocrTools(t *testing.T) {
	t.Helper()
	poppler(t)
	testutil.Tool(t, "pdftoppm")
	testutil.Tool(t, "pdfimages")
	testutil.Tool(t, "tesseract")
}

func extractFile(t *testing.T, x *Extractor, path string, opts extract.Options) (*extract.Result, error) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return extractBytes(t, x, data, opts)
}

func extractBytes(t *testing.T, x *Extractor, data []byte, opts extract.Options) (*extract.Result, error) {
	t.Helper()
	res, err := x.Extract(context.Background(), data, "application/pdf", opts)
	if res != nil {
		checkResult(t, res)
	}
	return res, err
}

// checkResult checks the Result invariants.
func checkResult(t *testing.T, res *extract.Result) {
	t.Helper()
	if len(res.Pages) > 0 && res.Pages[0] != 0 {
		t.Errorf("Pages[0] = %d", res.Pages[0])
	}
	for i := 1; i < len(res.Pages); i++ {
		if res.Pages[i] <= res.Pages[i-1] || res.Pages[i] > len(res.Text) || res.Text[res.Pages[i]-1] != '\f' {
			t.Errorf("page %d offset %d is not after a form feed", i+1, res.Pages[i])
		}
	}
	if strings.Count(res.Text, "\f")+1 != max(len(res.Pages), 1) {
		t.Errorf("%d pages but %d form feeds", len(res.Pages), strings.Count(res.Text, "\f"))
	}
	seen := map[string]bool{}
	for _, c := range res.Children {
		if seen[c.Path] {
			t.Errorf("duplicate child path %q", c.Path)
		}
		seen[c.Path] = true
	}
}

// normWS collapses white space for comparisons with expected texts.
func normWS(s string) string {
	return strings.Join(strings.FieldsFunc(norm.NFC.String(s), func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v' || r == '\u00a0'
	}), " ")
}

// cer is the character error rate of got against want: their edit
// distance over want's length, in runes.
func cer(got, want string) float64 {
	a, b := []rune(got), []rune(want)
	if len(b) == 0 {
		return float64(len(a))
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return float64(prev[len(b)]) / float64(len(b))
}

func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestTextractGroundTruth(t *testing.T) {
	poppler(t)
	dir := testutil.Corpus(t, "docs/textract/pdf")
	res, err := extractFile(t, New(), filepath.Join(dir, "raw_text.pdf"), extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := normWS(res.Text), normWS(readText(t, filepath.Join(dir, "raw_text.txt"))); got != want {
		t.Errorf("raw_text.pdf:\n got %q\nwant %q", got, want)
	}
	if len(res.Pages) != 2 || res.Meta.PageCount != 2 {
		t.Errorf("pages %v, count %d", res.Pages, res.Meta.PageCount)
	}
	if p := extract.PageOf(res.Pages, strings.Index(res.Text, "out Pitchfork kitsch")); p != 2 {
		t.Errorf("second page's text found on page %d", p)
	}

	res, err = extractFile(t, New(), filepath.Join(dir, "standardized_text.pdf"), extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.ToLower(normWS(res.Text)); !strings.Contains(got, "the quick brown fox jumps over the lazy dog") {
		t.Errorf("standardized_text.pdf: %q", got)
	}

	// two_column.txt is pdftotext -layout output; reading order differs,
	// so compare the words.
	res, err = extractFile(t, New(), filepath.Join(dir, "two_column.pdf"), extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f := wordF1(res.Text, readText(t, filepath.Join(dir, "two_column.txt"))); f < 0.97 {
		t.Errorf("two_column.pdf: word F1 %.3f", f)
	} else {
		t.Logf("two_column.pdf: word F1 %.3f against the -layout transcript", f)
	}
	if res.Meta.Revisions != 1 || !res.Meta.Linearized || res.Meta.Extra["pdf_revisions_changed_text"] != "" {
		t.Errorf("linearized two_column.pdf: revisions %d, linearized %v, extra %v", res.Meta.Revisions, res.Meta.Linearized, res.Meta.Extra)
	}
}

func wordF1(got, want string) float64 {
	count := func(s string) map[string]int {
		m := map[string]int{}
		for _, w := range strings.Fields(norm.NFC.String(s)) {
			m[w]++
		}
		return m
	}
	g, w := count(got), count(want)
	common, ng, nw := 0, 0, 0
	for k, n := range g {
		common += min(n, w[k])
		ng += n
	}
	for _, n := range w {
		nw += n
	}
	if ng == 0 || nw == 0 || common == 0 {
		return 0
	}
	p, r := float64(common)/float64(ng), float64(common)/float64(nw)
	return 2 * p * r / (p + r)
}

func TestOCRScannedPDF(t *testing.T) {
	if testing.Short() {
		t.Skip("OCR of three pages")
	}
	ocrTools(t)
	dir := testutil.Corpus(t, "docs/textract/pdf")
	start := time.Now()
	res, err := extractFile(t, New(), filepath.Join(dir, "ocr_text.pdf"), extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := readText(t, filepath.Join(dir, "ocr_text.txt"))
	c := cer(normWS(res.Text), normWS(want))
	t.Logf("ocr_text.pdf: 3 pages in %v, CER %.2f%%", time.Since(start).Round(time.Millisecond), 100*c)
	if c > 0.10 {
		t.Errorf("CER %.3f > 0.10\n got %q", c, res.Text)
	}
	if !res.Meta.OCR || len(res.Meta.OCRPages) != 3 || len(res.Pages) != 3 {
		t.Errorf("OCR %v pages %v, %d pages", res.Meta.OCR, res.Meta.OCRPages, len(res.Pages))
	}
	// Without OCR the pages are there, empty.
	res, err = extractFile(t, &Extractor{NoOCR: true}, filepath.Join(dir, "ocr_text.pdf"), extract.Options{})
	if err != nil || res.Meta.OCR || len(res.Pages) != 3 || strings.TrimSpace(strings.ReplaceAll(res.Text, "\f", "")) != "" {
		t.Errorf("NoOCR: err %v, OCR %v, %d pages, text %q", err, res.Meta.OCR, len(res.Pages), res.Text)
	}
}

func TestOCRPageLimit(t *testing.T) {
	ocrTools(t)
	dir := testutil.Corpus(t, "docs/textract/pdf")
	res, err := extractFile(t, &Extractor{MaxOCRPages: 1, DPI: 150}, filepath.Join(dir, "ocr_text.pdf"), extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Meta.OCRPages) != 1 || res.Meta.OCRPages[0] != 1 {
		t.Errorf("OCR pages %v", res.Meta.OCRPages)
	}
	if len(res.Problems) != 1 || !strings.Contains(res.Problems[0], "only the first 1 OCR'd (pages 2 to 3 are not)") {
		t.Errorf("problems %q", res.Problems)
	}
}

func TestEncrypted(t *testing.T) {
	poppler(t)
	for _, c := range []struct {
		file      string
		passwords []string
		want      string
	}{
		{"docs/pdf-sample-files/005-libreoffice-writer-password/libreoffice-writer-password.pdf", []string{"nope", "openpassword"}, "Lorem ipsum"},
		{"docs/pdf-sample-files/005-libreoffice-writer-password/libreoffice-writer-password.pdf", []string{"permissionpassword"}, "Lorem ipsum"},
		{"docs/aleph-ingest-file/password-hunter2.pdf", []string{"hunter2"}, ""},
	} {
		path := testutil.Corpus(t, c.file)
		res, err := extractFile(t, New(), path, extract.Options{Passwords: []string{"wrong"}})
		if !errors.Is(err, extract.ErrEncrypted) || res == nil || !res.Meta.Encrypted || res.Meta.Decrypted {
			t.Fatalf("%s without its password: err %v, res %+v", c.file, err, res)
		}
		if res.Meta.PDFVersion == "" {
			t.Errorf("%s: no PDF version from the header", c.file)
		}
		res, err = extractFile(t, New(), path, extract.Options{Passwords: c.passwords})
		if err != nil {
			t.Fatalf("%s with %q: %v", c.file, c.passwords, err)
		}
		if !res.Meta.Encrypted || !res.Meta.Decrypted || res.Meta.Extra["pdf_encryption"] == "" {
			t.Errorf("%s: meta %+v", c.file, res.Meta)
		}
		if !strings.Contains(res.Text, c.want) || strings.TrimSpace(res.Text) == "" {
			t.Errorf("%s: text %q", c.file, res.Text)
		}
	}
}

func TestMetadata(t *testing.T) {
	poppler(t)
	res, err := extractFile(t, New(), testutil.Corpus(t, "docs/textract/pdf/raw_text.pdf"), extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Meta
	if m.Title != "i_heart_word" || m.Author != "Dean Malmgren" || m.Creator != "Word" ||
		m.Producer != "Mac OS X 10.9.3 Quartz PDFContext" || m.PDFVersion != "1.3" || m.PageCount != 2 || m.Encrypted {
		t.Errorf("meta %+v", m)
	}
	if m.Created == nil || !m.Created.Equal(time.Date(2014, 7, 7, 21, 18, 21, 0, time.UTC)) {
		t.Errorf("created %v", m.Created)
	}

	res, err = extractFile(t, New(), testutil.Corpus(t, "docs/pdf-sample-files/005-libreoffice-writer-password/libreoffice-writer-password.pdf"),
		extract.Options{Passwords: []string{"openpassword"}})
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Meta.Created; c == nil || c.Format(time.RFC3339) != "2022-04-03T20:35:52+02:00" {
		t.Errorf("created %v, want its +02:00 zone kept", c)
	}
}

// sampleFile is an entry of pdf-sample-files/files.json.
type sampleFile struct {
	Path         string `json:"path"`
	Producer     string `json:"producer"`
	Pages        int    `json:"pages"`
	CreationDate string `json:"creation_date"`
	Encrypted    bool   `json:"encrypted"`
}

func TestSampleFiles(t *testing.T) {
	poppler(t)
	dir := testutil.Corpus(t, "docs/pdf-sample-files")
	var list struct{ Data []sampleFile }
	if err := json.Unmarshal([]byte(readText(t, filepath.Join(dir, "files.json"))), &list); err != nil {
		t.Fatal(err)
	}
	pages, dates, producers := 0, 0, 0
	for _, f := range list.Data {
		res, err := extractFile(t, &Extractor{NoOCR: true}, filepath.Join(dir, f.Path), extract.Options{Passwords: []string{"openpassword"}})
		if f.Path == "009-pdflatex-geotopo/GeoTopo.pdf" { // an empty file in the snapshot
			if err == nil {
				t.Errorf("%s: empty file, no error", f.Path)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", f.Path, err)
			continue
		}
		if res.Meta.Encrypted != f.Encrypted {
			t.Errorf("%s: encrypted %v, want %v", f.Path, res.Meta.Encrypted, f.Encrypted)
		}
		if f.Pages > 0 {
			if res.Meta.PageCount != f.Pages || len(res.Pages) != f.Pages {
				t.Errorf("%s: %d pages (%d in text), want %d", f.Path, res.Meta.PageCount, len(res.Pages), f.Pages)
			} else {
				pages++
			}
		}
		// files.json gives dates as pypdf read them, in its local zone
		// when the document gives none: compare the wall clock.
		if len(f.CreationDate) >= 19 && res.Meta.Created == nil {
			t.Logf("%s: no creation date, files.json says %v", f.Path, f.CreationDate)
		}
		if len(f.CreationDate) >= 19 && res.Meta.Created != nil {
			if got := res.Meta.Created.Format("2006-01-02T15:04:05"); got != f.CreationDate[:19] {
				t.Logf("%s: created %v, files.json says %v", f.Path, got, f.CreationDate)
			} else {
				dates++
			}
		}
		if f.Producer != "" && f.Producer != "?" && !f.Encrypted {
			if res.Meta.Producer != f.Producer {
				t.Errorf("%s: producer %q, want %q", f.Path, res.Meta.Producer, f.Producer)
			} else {
				producers++
			}
		}
	}
	t.Logf("%d files: %d page counts, %d creation dates, %d producers match files.json", len(list.Data), pages, dates, producers)
	if pages < 31 || dates < 21 || producers < 26 {
		t.Errorf("too few matches")
	}
}

func TestRevisionsEditedFixture(t *testing.T) {
	poppler(t)
	data := editedPDF()
	revs := Revisions(data)
	if len(revs) != 2 {
		t.Fatalf("revisions %+v", revs)
	}
	res, err := extractBytes(t, New(), data, extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Meta
	if m.Revisions != 2 || m.Extra["pdf_revisions_changed_text"] != "2" || m.Extra["pdf_signed_revisions"] != "" {
		t.Errorf("meta %+v", m)
	}
	if !strings.Contains(res.Text, "9 800 000") {
		t.Errorf("text %q", res.Text)
	}
	if len(res.Children) != 1 {
		t.Fatalf("children %+v", res.Children)
	}
	c := res.Children[0]
	if c.Path != "revision:1" || c.Name != "revision 1 of 2" || !strings.HasPrefix(c.MIME, "text/plain") || !strings.Contains(string(c.Data), "1 200 000") {
		t.Errorf("child %+v (%q)", c, c.Data)
	}
	if m.Modified == nil || m.Modified.Format(time.RFC3339) != "2017-05-05T22:15:00+02:00" ||
		m.Created == nil || m.Created.Format(time.RFC3339) != "2017-03-01T09:30:00+01:00" {
		t.Errorf("dates %v %v", m.Created, m.Modified)
	}
}

func TestRevisionsSignedFixture(t *testing.T) {
	poppler(t)
	res, err := extractBytes(t, New(), signedPDF(), extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Meta
	if m.Revisions != 2 || m.Extra["pdf_signed_revisions"] != "2" || m.Extra["pdf_revisions_changed_text"] != "" {
		t.Errorf("signature-only update: meta %+v", m)
	}
	if len(res.Children) != 1 || normWS(string(res.Children[0].Data)) != normWS(res.Text) {
		t.Errorf("children %+v", res.Children)
	}
}

func TestRevisionsCorpus(t *testing.T) {
	for file, want := range map[string]int{
		"docs/tika/pdf/testPDF_incrementalUpdates.pdf":                      3, // linearized, then updated twice
		"docs/tika/pdf/testPDF_twoAuthors.pdf":                              2, // linearized, then updated
		"docs/ocrmypdf/meta.pdf":                                            2, // ExifTool metadata update
		"docs/aleph-ingest-file/106972554.pdf":                              2, // a signature
		"docs/textract/pdf/two_column.pdf":                                  1, // linearized only
		"docs/aleph-ingest-file/password-hunter2.pdf":                       1, // linearized only
		"docs/tika/pdf/testPageNumber.pdf":                                  1, // Word's empty "xref 0 0" hybrid section
		"docs/aleph-ingest-file/udhr_ger.pdf":                               1, // the same
		"docs/pdf-sample-files/014-outlines/mistitled_outlines_example.pdf": 1, // %%EOF inside embedded PostScript
	} {
		data, err := os.ReadFile(testutil.Corpus(t, file))
		if err != nil {
			t.Fatal(err)
		}
		if got := Revisions(data); len(got) != want {
			t.Errorf("%s: %d revisions %+v, want %d", file, len(got), got, want)
		}
	}
	// Every linearized PDF of the corpus that was not updated has one
	// revision.
	dir := testutil.Corpus(t, "docs")
	n := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !strings.HasSuffix(p, ".pdf") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		l, lin := linearizedLength(data)
		if lin && l == int64(len(data)) {
			n++
			if r := Revisions(data); len(r) != 1 {
				t.Errorf("%s: linearized, not updated, but %d revisions %+v", p, len(r), r)
			}
		}
		return nil
	})
	t.Logf("%d linearized single-revision PDFs", n)

	poppler(t)
	res, err := extractFile(t, New(), testutil.Corpus(t, "docs/tika/pdf/testPDF_incrementalUpdates.pdf"), extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Meta.Revisions != 3 || len(res.Children) != 2 || res.Children[1].Path != "revision:2" {
		t.Errorf("revisions %d, children %+v", res.Meta.Revisions, res.Children)
	}
	t.Logf("testPDF_incrementalUpdates.pdf: changed %q, revision texts %q, %q, final %q",
		res.Meta.Extra["pdf_revisions_changed_text"], res.Children[0].Data, res.Children[1].Data, res.Text)
}

func TestHostile(t *testing.T) {
	ocrTools(t)
	dir := testutil.Corpus(t, "hostile/pdf")
	files, _ := filepath.Glob(filepath.Join(dir, "*.pdf"))
	if len(files) == 0 {
		t.Fatal("no hostile PDFs")
	}
	for _, f := range files {
		start := time.Now()
		// A DPI low enough for enormous.pdf to be OCR'd fast; hugemono.pdf
		// is refused whatever the DPI. The budget's timeout stops any tool
		// that runs too long, with a reason; how long each took is only
		// logged (CI machines are noisy).
		res, err := extractFile(t, &Extractor{DPI: 100}, f, extract.Options{Budget: extract.Budget{Timeout: 30 * time.Second}})
		d := time.Since(start)
		reason := ""
		switch {
		case err != nil:
			reason = err.Error()
		case len(res.Problems) > 0:
			reason = strings.Join(res.Problems, "; ")
		case res.Meta.OCR:
			reason = "OCR'd"
		}
		t.Logf("%s: %v: %s", filepath.Base(f), d.Round(time.Millisecond), reason)
		if reason == "" {
			t.Errorf("%s: no reason given", f)
		}
		switch filepath.Base(f) {
		case "enormous.pdf":
			// OCR'd, or on a machine too slow for the budget, stopped
			// by its timeout; not refused nor failed otherwise.
			if reason != "OCR'd" && !strings.Contains(reason, "timed out") {
				t.Errorf("%s: %s", f, reason)
			}
		case "hugemono.pdf":
			// Refused before anything is rasterised.
			if err != nil || !strings.Contains(reason, "too large to rasterise") {
				t.Errorf("%s: %s", f, reason)
			}
		case "ocrmypdf-invalid.pdf":
			if err == nil {
				t.Errorf("%s: read: %s", f, reason)
			}
		}
	}
	res, _ := extractFile(t, New(), filepath.Join(dir, "hugemono.pdf"), extract.Options{})
	if len(res.Problems) != 1 || !strings.Contains(res.Problems[0], "too large to rasterise") {
		t.Errorf("hugemono.pdf: %q", res.Problems)
	}
}

// TestCorpus extracts every PDF of the corpus without OCR: none may take
// long, and those that fail must say why.
func TestCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("every PDF of the corpus")
	}
	poppler(t)
	dir := testutil.Corpus(t, "docs")
	var files []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(strings.ToLower(p), ".pdf") {
			files = append(files, p)
		}
		return err
	})
	failed, encrypted, revised := 0, 0, 0
	var slowest string
	var slowestTook time.Duration
	for _, f := range files {
		// Not timed (CI machines are noisy): poppler runs under the
		// sandbox's default timeout of two minutes, some hundred times
		// what the largest file takes, which stops a stuck tool with a
		// reason; go test -timeout catches any other hang.
		start := time.Now()
		res, err := extractFile(t, &Extractor{NoOCR: true}, f, extract.Options{})
		if d := time.Since(start); d > slowestTook {
			slowest, slowestTook = strings.TrimPrefix(f, dir), d
		}
		switch {
		case errors.Is(err, extract.ErrEncrypted):
			encrypted++
		case err != nil && strings.Contains(err.Error(), "timed out"):
			failed++
			t.Errorf("%s: %v", strings.TrimPrefix(f, dir), err)
		case err != nil:
			failed++
			t.Logf("%s: %v", strings.TrimPrefix(f, dir), err)
		case res.Meta.Revisions > 1:
			revised++
		}
	}
	t.Logf("%d PDFs: %d failed, %d encrypted without a password, %d with more than one revision; slowest %s (%v)",
		len(files), failed, encrypted, revised, slowest, slowestTook.Round(time.Millisecond))
	if failed > len(files)/20 {
		t.Errorf("%d of %d failed", failed, len(files))
	}
}

// A file that starts and ends like a PDF but has no page tree (the test
// generator's attachments) cannot be read: an error that says why.
func TestNoPages(t *testing.T) {
	poppler(t)
	data := []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n4 0 obj\n<< /Length 10 /Filter /FlateDecode >>\nstream\n0123456789\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
	_, err := extractBytes(t, New(), data, extract.Options{})
	if err == nil || !strings.Contains(err.Error(), "pages object is wrong type") {
		t.Errorf("err = %v", err)
	}
}
