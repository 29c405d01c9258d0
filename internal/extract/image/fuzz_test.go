package image

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/testutil"
)

func fuzzSeeds(f *testing.F) {
	f.Add(tiffWith("N", "E", [3][2]uint32{{48, 1}, {51, 1}, {2412, 100}}, [3][2]uint32{{2, 1}, {21, 1}, {756, 100}}))
	f.Add([]byte("MM\x00*\x00\x00\x00\x08\x00\x01\x01\x0f\x00\x02\x00\x00\x00\x04ABC\x00\x00\x00\x00\x00"))
	f.Add([]byte("II*\x00\x08\x00\x00\x00\xff\xff"))
	dir := filepath.Join(testutil.CorpusDir(), "docs", "docx-python-docx")
	for _, name := range []string{"features/court-exif.jpg", "tests/jfif-iguana.jpg", "features/jpeg420exif.jpg", "tests/little-endian.tif"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		if Sniff(data) == TIFF {
			f.Add(data[:min(len(data), 4096)])
			continue
		}
		for seg := range jpegSegments(data) {
			if seg.marker == 0xE1 && bytes.HasPrefix(seg.data, []byte("Exif\x00\x00")) {
				f.Add(seg.data[6:])
			}
		}
	}
}

func FuzzParseEXIF(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := ParseEXIF(b)
		if err != nil {
			return
		}
		for _, s := range []string{x.Make, x.Model, x.Software, x.Artist, x.Description, x.DateTimeOriginal} {
			if len(s) > maxString {
				t.Fatalf("text of %d bytes", len(s))
			}
		}
		if g := x.GPS; g != nil && (g.Lat < -90 || g.Lat > 90 || g.Lon < -180 || g.Lon > 180) {
			t.Fatalf("GPS %+v", g)
		}
		ExifDate(x.DateTimeOriginal, x.OffsetTimeOriginal)
		tiffPages(b, 100)
	})
}

// FuzzMetadata runs the whole header and metadata path (sizes, JPEG
// segments, PNG chunks, EXIF) without OCR.
func FuzzMetadata(f *testing.F) {
	f.Add(jpegWithEXIF(tiffWith("N", "E", [3][2]uint32{{48, 1}}, [3][2]uint32{{2, 1}})))
	f.Add(pngHeader(10, 10))
	f.Add([]byte("GIF89a\x10\x00\x10\x00"))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8L\x00\x00\x00\x00\x2f\x63\x40\x0c\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte("\xff\x4f\xff\x51\x00\x29\x00\x00\x00\x00\x10\x00\x00\x00\x08\x00\x00\x00\x00\x10\x00\x00\x00\x08"))
	f.Add([]byte("\x00\x00\x00\x0cjP  \r\n\x87\n\x00\x00\x00\x16ihdr\x00\x00\x01\x00\x00\x00\x02\x00"))
	f.Add([]byte("BM\x00\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x0c\x00\x00\x00\x10\x00\x10\x00\x01\x00\x18\x00"))
	if data, err := os.ReadFile(filepath.Join(testutil.CorpusDir(), "docs", "docx-python-docx", "tests", "python-icon.png")); err == nil {
		f.Add(data)
	}
	x := &Extractor{NoOCR: true}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := x.Extract(t.Context(), data, "", extract.Options{})
		if err != nil {
			return
		}
		if res.Meta.Width < 0 || res.Meta.Height < 0 {
			t.Fatalf("size %d×%d", res.Meta.Width, res.Meta.Height)
		}
	})
}
