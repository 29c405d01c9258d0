package image

import (
	"context"
	"encoding/binary"
	"os"
	"strings"
	"testing"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/testutil"
)

// TestWebPAndJPEG2000 reads the sizes of the corpus's WebP (1350×282, as
// file(1) says) and JPEG 2000 files, and OCRs them: tesseract reads both.
func TestWebPAndJPEG2000(t *testing.T) {
	for _, tc := range []struct {
		file string
		f    Format
		w, h int
	}{
		{"docs/aleph-ingest-file/regression_webp.webp", WEBP, 1350, 282},
		{"docs/aleph-ingest-file/regression_openjpeg.jp2", JP2, 1350, 282},
	} {
		data, err := os.ReadFile(testutil.Corpus(t, tc.file))
		if err != nil {
			t.Fatal(err)
		}
		if f := Sniff(data); f != tc.f {
			t.Errorf("%s: sniffed %q", tc.file, f)
		}
		sizes, err := Size(data)
		if err != nil || len(sizes) != 1 || sizes[0] != [2]int{tc.w, tc.h} {
			t.Errorf("%s: size %v %v, want %d×%d", tc.file, sizes, err, tc.w, tc.h)
		}
		testutil.Tool(t, "tesseract")
		res, err := New().Extract(context.Background(), data, "", extract.Options{})
		if err != nil || !strings.Contains(res.Text, "Debian") {
			t.Errorf("%s: OCR %v %q", tc.file, err, res.Text)
		}
	}
}

func TestWebPJP2Headers(t *testing.T) {
	le := binary.LittleEndian
	riff := func(chunk string, body []byte) []byte {
		b := append([]byte("RIFF\x00\x00\x00\x00WEBP"+chunk+"\x00\x00\x00\x00"), body...)
		return append(b, make([]byte, 16)...)
	}
	lossless := riff("VP8L", le.AppendUint32([]byte{0x2f}, uint32(99)|uint32(49)<<14))
	extended := riff("VP8X", []byte{0, 0, 0, 0, 0xff, 0x0f, 0, 0x7f, 0, 0})
	codestream := []byte("\xff\x4f\xff\x51\x00\x29\x00\x00\x00\x00\x10\x00\x00\x00\x08\x00\x00\x00\x00\x10\x00\x00\x00\x08")
	for _, tc := range []struct {
		name string
		data []byte
		w, h int
		ok   bool
	}{
		{"VP8L", lossless, 100, 50, true},
		{"VP8X", extended, 4096, 128, true},
		{"J2K codestream", codestream, 4096 - 16, 2048 - 8, true},
		{"VP8 without start code", riff("VP8 ", make([]byte, 16)), 0, 0, false},
		{"truncated", lossless[:20], 0, 0, false},
	} {
		sizes, err := Size(tc.data)
		if (err == nil) != tc.ok || tc.ok && sizes[0] != [2]int{tc.w, tc.h} {
			t.Errorf("%s: %v %v, want %d×%d", tc.name, sizes, err, tc.w, tc.h)
		}
	}
}
