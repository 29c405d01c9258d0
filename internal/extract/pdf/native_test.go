package pdf

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/testutil"
)

func TestNativeGroundTruth(t *testing.T) {
	dir := testutil.Corpus(t, "docs/textract/pdf")
	data, err := os.ReadFile(filepath.Join(dir, "raw_text.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := ExtractNative(data, extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f1 := wordF1(res.Text, readText(t, filepath.Join(dir, "raw_text.txt")))
	t.Logf("raw_text.pdf: word F1 %.3f, %d pages", f1, len(res.Pages))
	if f1 < 0.9 || len(res.Pages) != 2 || res.Meta.Author != "Dean Malmgren" || res.Meta.Created == nil {
		t.Errorf("F1 %.3f, pages %v, meta %+v\n%q", f1, res.Pages, res.Meta, res.Text)
	}
	res, err = ExtractNative(editedPDF(), extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Text, "9 800 000") || strings.Contains(res.Text, "1 200 000") || res.Meta.Revisions != 2 || res.Meta.Title != "Budget 2017" {
		t.Errorf("edited: %q %+v", res.Text, res.Meta)
	}
	data, err = os.ReadFile(testutil.Corpus(t, "docs/aleph-ingest-file/password-hunter2.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := ExtractNative(data, extract.Options{}); !errors.Is(err, extract.ErrEncrypted) || !res.Meta.Encrypted {
		t.Errorf("encrypted: %v", err)
	}
}

// TestNativeHostile: the built-in reader's limits keep hostile files cheap.
// Checked by what it allocates, not by the clock (CI machines are noisy;
// a hang is caught by go test -timeout).
func TestNativeHostile(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testutil.Corpus(t, "hostile/pdf"), "*.pdf"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		alloc := testutil.Allocated(func() { _, err = ExtractNative(data, extract.Options{}) })
		t.Logf("%s: %v; allocated %d bytes", filepath.Base(f), err, alloc)
		// None of them rasterises, and the reader never does: a few
		// hundred KB today.
		if limit := uint64(16<<20 + 16*len(data)); alloc > limit {
			t.Errorf("%s: allocated %d bytes (limit %d)", f, alloc, limit)
		}
	}
	if testing.Short() {
		return
	}
	// A page whose content is a flate bomb: 320 MiB of zeros in 400 KB,
	// five times the 64 MiB a stream may inflate to. Inflated whole it
	// would cost about 800 MiB of allocations; within the limit, about
	// 160 MiB.
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	zeros := make([]byte, 1<<20)
	for range 320 {
		zw.Write(zeros)
	}
	zw.Close()
	bomb := fmt.Sprintf("%%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]>>endobj\n"+
		"3 0 obj<</Type/Page/Contents 4 0 R>>endobj\n4 0 obj<</Length %d/Filter/FlateDecode>>stream\n", z.Len())
	data := append(append([]byte(bomb), z.Bytes()...), "\nendstream endobj\ntrailer<</Root 1 0 R>>"...)
	var res *extract.Result
	var err error
	alloc := testutil.Allocated(func() { res, err = ExtractNative(data, extract.Options{}) })
	t.Logf("bomb of %d bytes: %v; allocated %d MiB", len(data), err, alloc>>20)
	if err == nil && strings.TrimSpace(res.Text) != "" {
		t.Errorf("bomb: text %.100q", res.Text)
	}
	if alloc > 4*nativeMaxStream {
		t.Errorf("flate bomb: allocated %d MiB, over 4 times the %d MiB a stream may inflate to", alloc>>20, nativeMaxStream>>20)
	}
}

// TestNativeCorpus compares the built-in reader with pdftotext on every
// PDF of the corpus: it must not fail where poppler reads, must finish
// fast, and should find most of the same words.
func TestNativeCorpus(t *testing.T) {
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
	var sum float64
	n, good, failed := 0, 0, 0
	var slowest string
	var slowestTook time.Duration
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := (&Extractor{NoOCR: true}).Extract(context.Background(), data, "", extract.Options{})
		if err != nil || len(strings.Fields(ref.Text)) < 20 {
			continue // nothing to compare with
		}
		// Not timed (CI machines are noisy): the reader's limits on
		// objects, operators and decoded bytes (256 MiB per document)
		// bound its work, and its allocations are checked against them.
		var res *extract.Result
		start := time.Now()
		alloc := testutil.Allocated(func() { res, err = ExtractNative(data, extract.Options{}) })
		if d := time.Since(start); d > slowestTook {
			slowest, slowestTook = strings.TrimPrefix(f, dir), d
		}
		if alloc > 4*nativeMaxTotal {
			t.Errorf("%s: allocated %d MiB, over 4 times the %d MiB of decoded streams a document may have", f, alloc>>20, nativeMaxTotal>>20)
		}
		n++
		if err != nil {
			failed++
			t.Logf("%s: %v", strings.TrimPrefix(f, dir), err)
			continue
		}
		f1 := wordF1(res.Text, ref.Text)
		sum += f1
		if f1 >= 0.8 {
			good++
		} else {
			t.Logf("%s: word F1 %.2f", strings.TrimPrefix(f, dir), f1)
		}
	}
	t.Logf("built-in reader vs pdftotext on %d PDFs with text: mean word F1 %.3f, %d at 0.8 or more, %d failed; slowest %s (%v)",
		n, sum/float64(max(n, 1)), good, failed, slowest, slowestTook.Round(time.Millisecond))
	if good < n*2/3 {
		t.Errorf("only %d of %d close to pdftotext", good, n)
	}
}

func FuzzNative(f *testing.F) {
	f.Add(editedPDF())
	f.Add(signedPDF())
	f.Add([]byte("%PDF-1.5\n1 0 obj<</Type/ObjStm/N 1/First 4/Length 20>>stream\n2 0 <</Type/Catalog>>\nendstream endobj trailer<</Root 2 0 R>>"))
	f.Add([]byte("%PDF-1.4\n1 0 obj<</Type/Page/Contents 2 0 R>>endobj 2 0 obj<</Length 30>>stream\nBT [(a)-300(b)]TJ T* <0041>Tj ET BI ID xx EI\nendstream endobj\ntrailer<</Root<</Pages<</Kids[1 0 R]>>>>>>"))
	if b, err := os.ReadFile(filepath.Join(testutil.CorpusDir(), "docs", "textract", "pdf", "standardized_text.pdf")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := ExtractNative(data, extract.Options{})
		if err == nil && len(res.Text) > 64*len(data)+1024 {
			t.Fatalf("%d bytes of text from %d", len(res.Text), len(data))
		}
	})
}

// Without poppler, Extract falls back to the built-in reader and says so.
func TestNativeFallback(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	res, err := extractFile(t, New(), testutil.Corpus(t, "docs/textract/pdf/raw_text.pdf"), extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) == 0 || !strings.Contains(res.Problems[0], "not installed") || !strings.Contains(res.Text, "Pitchfork") {
		t.Errorf("problems %q, text %.100q", res.Problems, res.Text)
	}
}
