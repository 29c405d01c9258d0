package office

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/testutil"
)

// TestXLSBAgainstXLSX: where the corpus holds the same workbook saved as
// XLSB and XLSX, both give the same text: sheets, strings, numbers,
// dates, percentages and chart text.
func TestXLSBAgainstXLSX(t *testing.T) {
	for _, name := range []string{"docs/tika/microsoft/test-columnar", "docs/tika/microsoft/testEXCEL_charts"} {
		b, err := extractFile(t, testutil.Corpus(t, name+".xlsb"), extract.Options{})
		if err != nil {
			t.Fatalf("%s.xlsb: %v", name, err)
		}
		x, err := extractFile(t, testutil.Corpus(t, name+".xlsx"), extract.Options{})
		if err != nil {
			t.Fatalf("%s.xlsx: %v", name, err)
		}
		if b.Text != x.Text {
			t.Errorf("%s: XLSB and XLSX differ\nXLSB %q\nXLSX %q", name, b.Text, x.Text)
		}
		if strings.Join(b.Meta.Sheets, "|") != strings.Join(x.Meta.Sheets, "|") || len(b.Problems) > 0 {
			t.Errorf("%s: sheets %q vs %q, problems %q", name, b.Meta.Sheets, x.Meta.Sheets, b.Problems)
		}
	}
}

// TestXLSBCorpus reads the other XLSB samples, Excel 2007 Beta 2's among
// them (its sheet records are four bytes longer than the specification's).
func TestXLSBCorpus(t *testing.T) {
	dir := testutil.Corpus(t, "docs")
	for _, tc := range []struct{ file, want, sheets string }{
		{"xls-xlrd/sample.xlsb", "", "Sheet1"},
		{"tika/microsoft/testEXCEL.xlsb", "This is an example spreadsheet created with Microsoft Excel 2007 Beta 2.", "Sheet1|Sheet2|Sheet3"},
		{"tika/microsoft/testEXCEL_various.xlsb", "", ""},
		{"tika/microsoft/testEXCEL_diagramData.xlsb", "", ""},
	} {
		res, err := extractFile(t, filepath.Join(dir, tc.file), extract.Options{})
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		t.Logf("%s: %d sheets, %d bytes of text, problems %q", tc.file, len(res.Meta.Sheets), len(res.Text), res.Problems)
		if len(res.Meta.Sheets) == 0 || strings.TrimSpace(res.Text) == "" {
			t.Errorf("%s: no sheets or no text", tc.file)
		}
		if tc.want != "" && !strings.Contains(res.Text, tc.want) {
			t.Errorf("%s: %q lacks %q", tc.file, res.Text, tc.want)
		}
		if tc.sheets != "" && strings.Join(res.Meta.Sheets, "|") != tc.sheets {
			t.Errorf("%s: sheets %q", tc.file, res.Meta.Sheets)
		}
	}
}

func TestRKNumber(t *testing.T) {
	for _, tc := range []struct {
		rk   uint32
		want float64
	}{
		{0x3FF00000, 1},                // a double's high bits: 1.0
		{0x3FF00001, 0.01},             // the same, divided by 100
		{uint32(12345)<<2 | 2, 12345},  // an integer
		{uint32(12345)<<2 | 3, 123.45}, // an integer divided by 100
		{0xFFFFFFFE, -1},               // a negative integer
	} {
		if got := rkNumber(tc.rk); got != tc.want {
			t.Errorf("rk %#x: %v, want %v", tc.rk, got, tc.want)
		}
	}
}

// FuzzXLSBRecords feeds arbitrary bytes to the record reader and the
// string decoder: no panic, no allocation beyond the bytes given.
func FuzzXLSBRecords(f *testing.F) {
	f.Add([]byte{0x9c, 0x01, 0x26, 0, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 'r', 0, 'I', 0, 'd', 0, '1', 0})
	f.Add([]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x01})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})
	f.Fuzz(func(t *testing.T, data []byte) {
		x := &xlsbRecords{r: bufio.NewReader(bytes.NewReader(data))}
		for range 1000 {
			_, rec, err := x.next()
			if err != nil {
				break
			}
			if len(rec) > len(data) {
				t.Fatalf("record of %d bytes from %d", len(rec), len(data))
			}
			for off := 0; off < len(rec); off++ {
				wideString(rec[off:])
			}
		}
	})
}

func TestCellRef(t *testing.T) {
	for _, tc := range []struct {
		row, col uint32
		want     string
	}{{0, 0, "A1"}, {7, 2, "C8"}, {0, 25, "Z1"}, {9, 26, "AA10"}, {0, 701, "ZZ1"}, {0, 702, "AAA1"}, {1048575, 16383, "XFD1048576"}} {
		if got := cellRef(tc.row, tc.col); got != tc.want {
			t.Errorf("(%d, %d) = %q, want %q", tc.row, tc.col, got, tc.want)
		}
	}
}

// TestXLSBRecordsReadError: a part that stops for a reason other than its
// end (the expansion budget spent, a corrupt deflate stream) says so, not
// "corrupt record header".
func TestXLSBRecordsReadError(t *testing.T) {
	for _, data := range [][]byte{{}, {0x9c}, {0x9c, 0x01, 0x10, 1, 2}} {
		r := io.MultiReader(bytes.NewReader(data), iotest.ErrReader(extract.ErrBudget))
		x := &xlsbRecords{r: bufio.NewReader(r)}
		if _, _, err := x.next(); !errors.Is(err, extract.ErrBudget) {
			t.Errorf("%x then over budget: %v", data, err)
		}
	}
	x := &xlsbRecords{r: bufio.NewReader(bytes.NewReader([]byte{0x9c, 0x01, 0x10, 1, 2}))}
	if _, _, err := x.next(); err != errXLSBRecord {
		t.Errorf("record cut short: %v", err)
	}
}

// TestXLSBRecordsDeclaredSize: a record header declaring 16 MiB over a
// few bytes allocates what is there, not what is declared (a workbook may
// name one such part as each of 65,536 sheets).
func TestXLSBRecordsDeclaredSize(t *testing.T) {
	data := []byte{0x9c, 0x01, 0xff, 0xff, 0xff, 0x07, 1, 2, 3}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	x := &xlsbRecords{r: bufio.NewReader(bytes.NewReader(data))}
	_, _, err := x.next()
	runtime.ReadMemStats(&after)
	if err != errXLSBRecord {
		t.Errorf("record cut short: %v", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Errorf("%d bytes allocated for %d of data", n, len(data))
	}
	// Records that are there are read whole, however long.
	big := append([]byte{0x13, 0x80, 0x80, 0x40}, bytes.Repeat([]byte{7}, 1<<20)...)
	x = &xlsbRecords{r: bufio.NewReader(bytes.NewReader(big))}
	if typ, rec, err := x.next(); err != nil || typ != 0x13 || len(rec) != 1<<20 || rec[len(rec)-1] != 7 {
		t.Errorf("1 MiB record: type %d, %d bytes, %v", typ, len(rec), err)
	}
}
