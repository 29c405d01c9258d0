package image

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/extract/sandbox"
	"github.com/newsroom/dossier/internal/testutil"
	"golang.org/x/text/unicode/norm"
)

func TestMain(m *testing.M) {
	sandbox.MaybeExec()
	os.Exit(m.Run())
}

func normWS(s string) string {
	return strings.Join(strings.Fields(norm.NFC.String(s)), " ")
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b []rune) int {
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
	return prev[len(b)]
}

func extractFile(t *testing.T, x *Extractor, path string) *extract.Result {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := x.Extract(context.Background(), data, "", extract.Options{})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return res
}

func TestTextractOCR(t *testing.T) {
	testutil.Tool(t, "tesseract")
	dir := testutil.Corpus(t, "docs/textract")
	for _, f := range []string{"png/raw_text.png", "png/standardized_text.png", "jpg/raw_text.jpg", "jpg/standardized_text.jpg",
		"gif/raw_text.gif", "gif/standardized_text.gif", "tiff/raw_text.tiff", "tiff/standardized_text.tiff"} {
		res := extractFile(t, New(), filepath.Join(dir, f))
		wantFile := filepath.Join(dir, filepath.Dir(f), strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))+".txt")
		want, err := os.ReadFile(wantFile)
		if err != nil {
			t.Fatal(err)
		}
		got, w := normWS(res.Text), normWS(string(want))
		if w == "" {
			// raw_text.gif's transcript is empty.
			if got != "" {
				t.Errorf("%s: %q, want nothing", f, got)
			}
			continue
		}
		c := float64(editDistance([]rune(got), []rune(w))) / float64(len([]rune(w)))
		t.Logf("%s: CER %.1f%%", f, 100*c)
		if c > 0.10 {
			t.Errorf("%s: CER %.3f\n got %q\nwant %q", f, c, got, w)
		}
		if !res.Meta.OCR || res.Meta.Width == 0 {
			t.Errorf("%s: meta %+v", f, res.Meta)
		}
	}
}

// TestFrenchOCR checks tesseract's fra+eng on a sample of the OCR17
// nineteenth-century French lines (every 15th of 360): the character error
// rate over the sample must stay under 10%. The transcripts are NFD.
func TestFrenchOCR(t *testing.T) {
	testutil.Tool(t, "tesseract")
	dir := testutil.Corpus(t, "docs/ocr-french-ocr17/XIX")
	files, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	sort.Strings(files)
	step := 15
	if testing.Short() {
		step = 60
	}
	edits, total, n := 0, 0, 0
	start := time.Now()
	for i := 0; i < len(files); i += step {
		res := extractFile(t, New(), files[i])
		want, err := os.ReadFile(strings.TrimSuffix(files[i], ".png") + ".gt.txt")
		if err != nil {
			t.Fatal(err)
		}
		g, w := []rune(normWS(res.Text)), []rune(normWS(string(want)))
		e := editDistance(g, w)
		if float64(e) > 0.2*float64(len(w)) {
			t.Logf("%s: %q, want %q", filepath.Base(files[i]), string(g), string(w))
		}
		edits += e
		total += len(w)
		n++
	}
	if n == 0 {
		t.Fatal("no line images")
	}
	c := float64(edits) / float64(total)
	t.Logf("%d French lines in %v: CER %.2f%% (%d edits / %d characters)", n, time.Since(start).Round(time.Millisecond), 100*c, edits, total)
	if c > 0.10 {
		t.Errorf("CER %.3f > 0.10", c)
	}
}

func TestMultipageTIFF(t *testing.T) {
	testutil.Tool(t, "tesseract")
	res := extractFile(t, New(), testutil.Corpus(t, "docs/tika/ocr/testTIFF_multipage.tif"))
	if len(res.Pages) < 2 || res.Meta.PageCount != len(res.Pages) {
		t.Fatalf("pages %v, count %d, text %q", res.Pages, res.Meta.PageCount, res.Text)
	}
	for i := range res.Pages {
		end := len(res.Text)
		if i+1 < len(res.Pages) {
			end = res.Pages[i+1] - 1
		}
		if p := res.Text[res.Pages[i]:end]; !strings.Contains(p, "Page") {
			t.Errorf("page %d: %q", i+1, p)
		}
	}
}

func TestEXIFCorpus(t *testing.T) {
	dir := testutil.Corpus(t, "docs/docx-python-docx")
	x := &Extractor{NoOCR: true}
	date := func(s string) *time.Time {
		d, _ := time.Parse(time.RFC3339, s)
		return &d
	}
	for _, c := range []struct {
		file             string
		camera, software string
		taken            *time.Time
		gps              *extract.GPS
		w, h             int
	}{
		// Values as exiftool 12 reads them.
		{"features/court-exif.jpg", "NIKON D2H", "Opanda PowerExif", date("2003-11-23T18:07:37Z"), &extract.GPS{Lat: 39.9155555555556, Lon: 116.390833333333}, 0, 0},
		{"tests/jfif-iguana.jpg", "Canon EOS 40D", "GIMP 2.4.5", date("2008-05-30T15:56:01Z"), nil, 0, 0},
		{"features/jpeg420exif.jpg", "Hewlett-Packard Company HP PhotoSmart 715", "", date("2001-10-02T14:57:31Z"), nil, 0, 0},
		{"tests/300-dpi.jpg", "NIKON D300", "Adobe Photoshop Elements 8.0 Macintosh", date("2008-10-28T19:05:43Z"), nil, 0, 0},
		{"tests/little-endian.tif", "", "mieconvert", nil, nil, 0, 0},
		{"tests/python-icon.png", "", "Adobe ImageReady", nil, nil, 0, 0},
		{"tests/python-powered.png", "", "www.inkscape.org", nil, nil, 0, 0},
	} {
		res := extractFile(t, x, filepath.Join(dir, c.file))
		m := res.Meta
		if m.Camera != c.camera || m.Software != c.software {
			t.Errorf("%s: camera %q software %q, want %q %q", c.file, m.Camera, m.Software, c.camera, c.software)
		}
		if (m.TakenAt == nil) != (c.taken == nil) || m.TakenAt != nil && !m.TakenAt.Equal(*c.taken) {
			t.Errorf("%s: taken %v, want %v", c.file, m.TakenAt, c.taken)
		}
		if (m.GPS == nil) != (c.gps == nil) || m.GPS != nil && (math.Abs(m.GPS.Lat-c.gps.Lat) > 1e-6 || math.Abs(m.GPS.Lon-c.gps.Lon) > 1e-6) {
			t.Errorf("%s: GPS %+v, want %+v", c.file, m.GPS, c.gps)
		}
		if m.Width == 0 || m.Height == 0 {
			t.Errorf("%s: size %d×%d", c.file, m.Width, m.Height)
		}
		if len(res.Problems) > 0 {
			t.Errorf("%s: problems %q", c.file, res.Problems)
		}
	}
}

// tiffWith builds a little-endian TIFF/EXIF block: IFD0 with Make,
// Model, Software, DateTime and pointers to an Exif IFD (DateTimeOriginal,
// OffsetTimeOriginal, BodySerialNumber) and a GPS IFD.
func tiffWith(latRef, lonRef string, lat, lon [3][2]uint32) []byte {
	type ent struct {
		tag, typ uint16
		count    uint32
		val      []byte // inline when <= 4 bytes
	}
	le := binary.LittleEndian
	ascii := func(s string) []byte { return append([]byte(s), 0) }
	rats := func(r [3][2]uint32) []byte {
		b := make([]byte, 24)
		for i, x := range r {
			le.PutUint32(b[i*8:], x[0])
			le.PutUint32(b[i*8+4:], x[1])
		}
		return b
	}
	u32 := func(v uint32) []byte { b := make([]byte, 4); le.PutUint32(b, v); return b }
	var out bytes.Buffer
	out.WriteString("II*\x00")
	out.Write(u32(8))
	// Lay out three IFDs, each followed by its out-of-line values.
	write := func(es []ent, next uint32) {
		start := uint32(out.Len())
		valOff := start + 2 + uint32(len(es))*12 + 4
		var vals bytes.Buffer
		var ifd bytes.Buffer
		binary.Write(&ifd, le, uint16(len(es)))
		for _, e := range es {
			binary.Write(&ifd, le, e.tag)
			binary.Write(&ifd, le, e.typ)
			binary.Write(&ifd, le, e.count)
			if len(e.val) <= 4 {
				v := make([]byte, 4)
				copy(v, e.val)
				ifd.Write(v)
			} else {
				ifd.Write(u32(valOff + uint32(vals.Len())))
				vals.Write(e.val)
			}
		}
		ifd.Write(u32(next))
		out.Write(ifd.Bytes())
		out.Write(vals.Bytes())
	}
	ifd0 := func(exifAt, gpsAt uint32) []ent {
		return []ent{
			{tagMake, 2, 6, ascii("Apple")},
			{tagModel, 2, 10, ascii("iPhone 12")},
			{tagSoftware, 2, 5, ascii("16.1")},
			{tagDateTime, 2, 20, ascii("2017:05:05 22:15:00")},
			{tagExifIFD, 4, 1, u32(exifAt)},
			{tagGPSIFD, 4, 1, u32(gpsAt)},
		}
	}
	exif := []ent{
		{tagDateTimeOriginal, 2, 20, ascii("2017:05:05 21:58:10")},
		{tagOffsetOriginal, 2, 7, ascii("+02:00")},
		{tagSerial, 2, 8, ascii("F17XK2Q")},
	}
	gps := []ent{
		{gpsLatRef, 2, 2, ascii(latRef)},
		{gpsLat, 5, 3, rats(lat)},
		{gpsLonRef, 2, 2, ascii(lonRef)},
		{gpsLon, 5, 3, rats(lon)},
		{gpsAltRef, 1, 1, []byte{0}},
		{gpsAlt, 5, 1, rats([3][2]uint32{{355, 10}})[:8]},
	}
	// Sizes are fixed, so lay out once to find the offsets, then again.
	write(ifd0(0, 0), 0)
	exifAt := uint32(out.Len())
	write(exif, 0)
	gpsAt := uint32(out.Len())
	out.Reset()
	out.WriteString("II*\x00")
	out.Write(u32(8))
	write(ifd0(exifAt, gpsAt), 0)
	write(exif, 0)
	write(gps, 0)
	return out.Bytes()
}

func jpegWithEXIF(exif []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0xFF, 0xD8})
	seg := append([]byte("Exif\x00\x00"), exif...)
	b.Write([]byte{0xFF, 0xE1, byte((len(seg) + 2) >> 8), byte(len(seg) + 2)})
	b.Write(seg)
	// SOF0: precision 8, height 480, width 640, 1 component.
	b.Write([]byte{0xFF, 0xC0, 0, 11, 8, 0x01, 0xE0, 0x02, 0x80, 1, 1, 0x11, 0})
	b.Write([]byte{0xFF, 0xD9})
	return b.Bytes()
}

func TestEXIFFixture(t *testing.T) {
	paris := tiffWith("N", "E", [3][2]uint32{{48, 1}, {51, 1}, {2412, 100}}, [3][2]uint32{{2, 1}, {21, 1}, {756, 100}})
	res, err := New().Extract(context.Background(), jpegWithEXIF(paris), "image/jpeg", extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Meta
	if m.Camera != "Apple iPhone 12" || m.Software != "16.1" || m.Width != 640 || m.Height != 480 || m.Extra["exif:BodySerialNumber"] != "F17XK2Q" {
		t.Errorf("meta %+v", m)
	}
	if m.TakenAt == nil || m.TakenAt.Format(time.RFC3339) != "2017-05-05T21:58:10+02:00" {
		t.Errorf("taken %v", m.TakenAt)
	}
	if m.Modified == nil || m.Modified.Format(time.RFC3339) != "2017-05-05T22:15:00Z" {
		t.Errorf("modified %v", m.Modified)
	}
	if g := m.GPS; g == nil || math.Abs(g.Lat-48.856700) > 1e-5 || math.Abs(g.Lon-2.352100) > 1e-5 || math.Abs(g.Alt-35.5) > 1e-9 {
		t.Errorf("GPS %+v", m.GPS)
	}
	// South and west are negative; 0,0 is no fix.
	x, err := ParseEXIF(tiffWith("S", "W", [3][2]uint32{{33, 1}, {52, 1}, {0, 1}}, [3][2]uint32{{151, 1}, {12, 1}, {0, 1}}))
	if err != nil || x.GPS == nil || x.GPS.Lat > -33.86 || x.GPS.Lon > -151.19 {
		t.Errorf("southern hemisphere: %+v %v", x.GPS, err)
	}
	x, _ = ParseEXIF(tiffWith("N", "E", [3][2]uint32{{0, 1}}, [3][2]uint32{{0, 1}}))
	if x.GPS != nil {
		t.Errorf("0,0 kept: %+v", x.GPS)
	}
	// A zero denominator is no value.
	x, _ = ParseEXIF(tiffWith("N", "E", [3][2]uint32{{48, 0}}, [3][2]uint32{{2, 1}}))
	if x.GPS != nil {
		t.Errorf("48/0 read as %+v", x.GPS)
	}
}

// pngHeader returns the signature and IHDR of a w×h PNG, and nothing else.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 0
	binary.Write(&b, binary.BigEndian, uint32(13))
	b.WriteString("IHDR")
	b.Write(ihdr)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte("IHDR"), ihdr...)))
	return b.Bytes()
}

func TestTooLarge(t *testing.T) {
	// Refused from the header alone: neither decoded (gigabytes) nor
	// sent to OCR. Checked by what it allocated and reports, not by the
	// clock.
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := New().Extract(context.Background(), pngHeader(50000, 50000), "image/png", extract.Options{})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if res.Meta.Width != 50000 || len(res.Problems) != 1 || !strings.Contains(res.Problems[0], "50000×50000 image (2500 megapixels) over the 100-megapixel limit: not OCR'd") {
		t.Errorf("problems %q, meta %+v", res.Problems, res.Meta)
	}
	if res.Meta.OCR || res.Text != "" {
		t.Errorf("OCR'd: %v, text %q", res.Meta.OCR, res.Text)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("allocated %d bytes", alloc)
	if alloc > 4<<20 {
		t.Errorf("allocated %d bytes for a 2500-megapixel header", alloc)
	}
	// A BMP header claiming a top-down 30000×-30000 bitmap.
	bmp := make([]byte, 54)
	copy(bmp, "BM")
	binary.LittleEndian.PutUint32(bmp[14:], 40)
	binary.LittleEndian.PutUint32(bmp[18:], 30000)
	binary.LittleEndian.PutUint32(bmp[22:], uint32(0xFFFFFFFF-30000+1))
	res, err = New().Extract(context.Background(), bmp, "", extract.Options{})
	if err != nil || len(res.Problems) != 1 || res.Meta.Height != 30000 {
		t.Errorf("bmp: %v %q %+v", err, res.Problems, res.Meta)
	}
	if _, err := New().Extract(context.Background(), []byte("%PDF-1.4"), "", extract.Options{}); err == nil {
		t.Error("a PDF accepted as an image")
	}
}

func TestSizeCorpus(t *testing.T) {
	dir := testutil.Corpus(t, "docs")
	n := 0
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff":
		default:
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil || Sniff(data) == "" {
			return err
		}
		sizes, err := Size(data)
		if err != nil || sizes[0][0] <= 0 || sizes[0][1] <= 0 {
			t.Errorf("%s: %v %v", p, sizes, err)
		}
		res, err := (&Extractor{NoOCR: true}).Extract(context.Background(), data, "", extract.Options{})
		if err != nil {
			t.Errorf("%s: %v", p, err)
		} else if len(res.Problems) > 0 {
			t.Logf("%s: %q", p, res.Problems)
		}
		n++
		return nil
	})
	t.Logf("%d images read", n)
}

func TestOCRLanguages(t *testing.T) {
	if _, err := OCR(context.Background(), []byte("x"), OCROptions{Languages: "-psm 0"}); err == nil || !strings.Contains(err.Error(), "bad language list") {
		t.Errorf("err = %v", err)
	}
}
