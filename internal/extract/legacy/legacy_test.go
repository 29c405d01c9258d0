package legacy

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/testutil"
	"golang.org/x/text/unicode/norm"
)

func normWS(s string) string {
	return strings.Join(strings.Fields(norm.NFC.String(strings.ReplaceAll(s, "\u00a0", " "))), " ")
}

func extractFile(t *testing.T, path string) (*extract.Result, error) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return New().Extract(context.Background(), data, "", extract.Options{})
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// wordF1 compares the words of two texts as multisets.
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
	if ng == 0 || nw == 0 {
		return 0
	}
	p, r := float64(common)/float64(ng), float64(common)/float64(nw)
	return 2 * p * r / (p + r)
}

var linkRE = regexp.MustCompile(`(\S+)\("([^"]*)"\)`)

// TestRTFStripRTF compares with striprtf's expected texts. Differences by
// design: headers and footers are kept, soft hyphens dropped.
func TestRTFStripRTF(t *testing.T) {
	dir := testutil.Corpus(t, "docs/rtf-striprtf")
	files, _ := filepath.Glob(filepath.Join(dir, "rtf", "*.rtf"))
	sort.Strings(files)
	exact, close, total := 0, 0, 0
	for _, f := range files {
		wantFile := filepath.Join(dir, "text", strings.TrimSuffix(filepath.Base(f), ".rtf")+".txt")
		if _, err := os.Stat(wantFile); err != nil {
			continue
		}
		total++
		res, err := extractFile(t, f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		// striprtf writes "|" after each table cell and links as
		// text("url"); we write tabs and "text <url>".
		want := linkRE.ReplaceAllStringFunc(read(t, wantFile), func(m string) string {
			p := linkRE.FindStringSubmatch(m)
			if p[1] == p[2] {
				return p[1]
			}
			return p[1] + " <" + p[2] + ">"
		})
		got, want := normWS(res.Text), normWS(strings.ReplaceAll(want, "|", " "))
		f1 := wordF1(got, want)
		switch {
		case got == want:
			exact++
			close++
		case f1 >= 0.9:
			close++
			i := 0
			for i < len(got) && i < len(want) && got[i] == want[i] {
				i++
			}
			t.Logf("%s: word F1 %.2f, first difference at %d:\n got %.120q\nwant %.120q", filepath.Base(f), f1, i, got[max(0, i-20):], want[max(0, i-20):])
		default:
			t.Logf("%s: word F1 %.2f\n got %.200q\nwant %.200q", filepath.Base(f), f1, got, want)
		}
	}
	t.Logf("rtf-striprtf: %d of %d identical after white-space normalisation, %d with word F1 >= 0.9", exact, total, close)
	if total == 0 || close < total*9/10 || exact < total*2/3 {
		t.Errorf("only %d of %d close", close, total)
	}
}

func TestTextractGroundTruth(t *testing.T) {
	testutil.Tool(t, "antiword")
	testutil.Tool(t, "xls2csv")
	dir := testutil.Corpus(t, "docs/textract")
	for _, f := range []string{"doc/raw_text.doc", "rtf/raw_text.rtf", "xls/raw_text.xls"} {
		res, err := extractFile(t, filepath.Join(dir, f))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		got, want := normWS(res.Text), normWS(read(t, filepath.Join(dir, filepath.Dir(f), "raw_text.txt")))
		f1 := wordF1(got, want)
		t.Logf("%s: identical %v, word F1 %.3f", f, got == want, f1)
		switch {
		case strings.HasSuffix(f, ".xls"):
			// xls2csv prints integers as "1" where xlrd wrote "1.0",
			// and "ERROR" for the 340 formula cells of the Help column.
			if f1 < 0.85 {
				t.Errorf("%s: word F1 %.3f", f, f1)
			}
			if len(res.Pages) != 2 || strings.Join(res.Meta.Sheets, ",") != "Sheet1,Sheet2" {
				t.Errorf("%s: pages %v, sheets %q", f, res.Pages, res.Meta.Sheets)
			}
		case got != want:
			t.Errorf("%s:\n got %.300q\nwant %.300q", f, got, want)
		}
	}
	for _, f := range []string{"doc/standardized_text.doc", "rtf/standardized_text.rtf", "xls/standardized_text.xls"} {
		res, err := extractFile(t, filepath.Join(dir, f))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if got := strings.ToLower(normWS(res.Text)); !strings.Contains(got, "the quick brown fox jumps over the lazy dog") {
			t.Errorf("%s: %q", f, got)
		}
	}
}

func TestMetadata(t *testing.T) {
	dir := testutil.Corpus(t, "docs/textract")
	date := func(s string) time.Time {
		d, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, c := range []struct {
		file                   string
		author, lastBy, compny string
		created, modified      time.Time
		revision               string
	}{
		{"doc/raw_text.doc", "Dean Malmgren", "Dean Malmgren", "Datascope Analytics", date("2014-07-07T20:35:00Z"), date("2014-07-08T12:10:00Z"), "5"},
		{"rtf/raw_text.rtf", "Dean Malmgren", "Dean Malmgren", "Datascope Analytics", date("2015-06-14T12:49:00Z"), date("2015-06-14T12:49:00Z"), "2"},
		{"xls/raw_text.xls", "John Walkenbach", "John Walkenbach", "", date("2006-08-04T21:00:22Z"), date("2006-11-13T20:25:46Z"), "0"},
	} {
		data, err := os.ReadFile(filepath.Join(dir, c.file))
		if err != nil {
			t.Fatal(err)
		}
		// Metadata is read in Go, before and without the tools.
		res, _ := (&Extractor{}).Extract(context.Background(), data, "", extract.Options{})
		if res == nil {
			continue // the tool is missing: TestTextractGroundTruth says so
		}
		m := res.Meta
		if m.Author != c.author || m.LastModifiedBy != c.lastBy || m.Company != c.compny || m.Revision != c.revision && c.revision != "0" {
			t.Errorf("%s: meta %+v", c.file, m)
		}
		if m.Created == nil || !m.Created.Equal(c.created) || m.Modified == nil || !m.Modified.Equal(c.modified) {
			t.Errorf("%s: created %v modified %v", c.file, m.Created, m.Modified)
		}
	}
}

func TestEncrypted(t *testing.T) {
	dir := testutil.Corpus(t, "docs")
	for _, f := range []string{
		"encrypted-office/inputs/rc4cryptoapi_password.doc",
		"encrypted-office/inputs/rc4cryptoapi_password.xls",
		"encrypted-office/inputs/rc4cryptoapi_password.ppt",
		"encrypted-office/inputs/xor_password_123456789012345.xls",
		"encrypted-office/inputs/example_password.docx",
		"encrypted-office/inputs/ecma376standard_password.docx",
		"tika/microsoft/testWORD_protected_passtika.doc",
		"tika/microsoft/testEXCEL_protected_passtika.xls",
		"tika/microsoft/testPPT_protected_passtika.ppt",
		"tika/microsoft/testWORD_protected_passtika.docx",
	} {
		res, err := extractFile(t, filepath.Join(dir, f))
		if !errors.Is(err, extract.ErrEncrypted) || res == nil || !res.Meta.Encrypted {
			t.Errorf("%s: err %v", f, err)
		}
	}
	// The same documents decrypted, and unencrypted ones, are read.
	testutil.Tool(t, "antiword")
	testutil.Tool(t, "xls2csv")
	testutil.Tool(t, "catppt")
	for _, f := range []string{
		"encrypted-office/outputs/rc4cryptoapi_password_plain.doc",
		"encrypted-office/outputs/rc4cryptoapi_password_plain.xls",
		"encrypted-office/outputs/rc4cryptoapi_password_plain.ppt",
		"encrypted-office/outputs/xor_password_123456789012345_plain.xls",
		"encrypted-office/inputs/plain.xls",
		"encrypted-office/inputs/plain.ppt",
	} {
		res, err := extractFile(t, filepath.Join(dir, f))
		if err != nil || res.Meta.Encrypted || strings.TrimSpace(res.Text) == "" {
			t.Errorf("%s: err %v, text %q", f, err, res.Text)
		}
	}
}

// TestCorpus extracts every DOC, XLS, PPT and RTF of the corpus: each
// must finish, and failures must say why. Not timed (CI machines are
// noisy): the tools run under the sandbox's default timeout of two
// minutes, some thousand times what they take, which stops a stuck one
// with a reason; go test -timeout catches any other hang.
func TestCorpus(t *testing.T) {
	for _, tool := range []string{"antiword", "catdoc", "xls2csv", "catppt"} {
		testutil.Tool(t, tool)
	}
	dir := testutil.Corpus(t, "docs")
	counts := map[string]int{}
	var slowest string
	var slowestTook time.Duration
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		ext := strings.ToLower(filepath.Ext(p))
		switch ext {
		case ".doc", ".xls", ".ppt", ".rtf", ".dot", ".xlt", ".pps":
		default:
			return nil
		}
		start := time.Now()
		res, err := extractFile(t, p)
		if d := time.Since(start); d > slowestTook {
			slowest, slowestTook = strings.TrimPrefix(p, dir), d
		}
		switch {
		case errors.Is(err, extract.ErrEncrypted):
			counts[ext+" encrypted"]++
		case err != nil && strings.Contains(err.Error(), "timed out"):
			t.Errorf("%s: %v", strings.TrimPrefix(p, dir), err)
		case err != nil:
			counts[ext+" failed"]++
			t.Logf("%s: %v", strings.TrimPrefix(p, dir), err)
		case strings.TrimSpace(res.Text) == "":
			counts[ext+" empty"]++
			t.Logf("%s: no text %q", strings.TrimPrefix(p, dir), res.Problems)
		default:
			counts[ext+" read"]++
		}
		return nil
	})
	t.Logf("%v; slowest %s (%v)", counts, slowest, slowestTook.Round(time.Millisecond))
}
