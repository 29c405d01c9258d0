package legacy

import (
	"context"
	"encoding/binary"
	"os"
	"strings"
	"testing"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/testutil"
)

func biffRecord(typ uint16, body []byte) []byte {
	r := binary.LittleEndian.AppendUint16(nil, typ)
	r = binary.LittleEndian.AppendUint16(r, uint16(len(body)))
	return append(r, body...)
}

func TestSheetHasCells(t *testing.T) {
	bof := biffRecord(recBOF, []byte{0, 6, 16, 0})
	eof := biffRecord(recEOF, nil)
	dims := biffRecord(0x0200, make([]byte, 14))
	var wb []byte
	emptyAt := uint32(len(wb))
	wb = append(append(append(wb, bof...), dims...), eof...)
	blankAt := uint32(len(wb))
	wb = append(append(append(wb, bof...), biffRecord(0x0201, make([]byte, 6))...), eof...)
	labelAt := uint32(len(wb))
	wb = append(append(append(append(wb, bof...), dims...), biffRecord(0x00FD, make([]byte, 10))...), eof...)
	for _, tc := range []struct {
		pos  uint32
		want bool
	}{{emptyAt, false}, {blankAt, true}, {labelAt, true}, {labelAt + 1, false}, {uint32(len(wb)), false}, {1 << 31, false}} {
		if got := sheetHasCells(wb, tc.pos); got != tc.want {
			t.Errorf("sheet at %d: %v, want %v", tc.pos, got, tc.want)
		}
	}
	// A substream without its EOF ends with the stream.
	if sheetHasCells(append(bof, dims...), 0) {
		t.Error("truncated sheet without cells")
	}
}

// TestEmptySheetsNoProblem: xls2csv leaves out sheets without cells; that
// is not a problem of the extraction (Tika's passtika workbook has two).
func TestEmptySheetsNoProblem(t *testing.T) {
	testutil.Tool(t, "xls2csv")
	data, err := os.ReadFile(testutil.Corpus(t, "docs/tika/microsoft/testEXCEL_protected_passtika.xls"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := New().Extract(context.Background(), data, "", extract.Options{Passwords: []string{"tika"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Meta.Sheets) != 3 || !strings.Contains(res.Text, "This is an Encrypted Excel spreadsheet") {
		t.Errorf("sheets %q, text %q", res.Meta.Sheets, res.Text)
	}
	for _, p := range res.Problems {
		if strings.Contains(p, "xls2csv gave") {
			t.Errorf("problem %q", p)
		}
	}
}
