package image

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/newsroom/dossier/internal/extract"
)

// Defaults for the zero values of [Extractor]'s fields.
const (
	DefaultMaxPixels = 100_000_000
	DefaultMaxPages  = 200
)

// Extractor OCRs images and reads their EXIF metadata. The zero value is
// ready to use.
type Extractor struct {
	// MaxPixels is the largest image (width × height, of any page) sent
	// to OCR; larger ones keep their metadata and get a Problem.
	MaxPixels int64
	// MaxPages bounds the pages of a multi-page TIFF sent to OCR.
	MaxPages int
	// NoOCR turns OCR off: only metadata is read.
	NoOCR bool
}

// New returns an Extractor with the default limits.
func New() *Extractor { return &Extractor{} }

var _ extract.Extractor = (*Extractor)(nil)

// Format is an image file format recognised by its first bytes.
type Format string

const (
	PNG  Format = "png"
	JPEG Format = "jpeg"
	GIF  Format = "gif"
	BMP  Format = "bmp"
	TIFF Format = "tiff"
	WEBP Format = "webp"
	JP2  Format = "jpeg2000"
)

// Sniff returns the format of an image by its magic number, or "".
func Sniff(data []byte) Format {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return PNG
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return JPEG
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return GIF
	case bytes.HasPrefix(data, []byte("BM")) && len(data) >= 26:
		return BMP
	case bytes.HasPrefix(data, []byte("II*\x00")), bytes.HasPrefix(data, []byte("MM\x00*")):
		return TIFF
	case len(data) >= 16 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return WEBP
	case bytes.HasPrefix(data, []byte("\x00\x00\x00\x0cjP  \r\n\x87\n")), bytes.HasPrefix(data, []byte("\xff\x4f\xff\x51")):
		return JP2
	}
	return ""
}

// Extract implements extract.Extractor for PNG, JPEG, GIF, BMP, TIFF, WebP
// and JPEG 2000
// (sniffed from the bytes; mime is not trusted): EXIF and PNG text
// metadata, then OCR of every page unless the image is too large.
func (x *Extractor) Extract(ctx context.Context, data []byte, mime string, opts extract.Options) (*extract.Result, error) {
	f := Sniff(data)
	if f == "" {
		return nil, fmt.Errorf("image: %w: not PNG, JPEG, GIF, BMP, TIFF, WebP or JPEG 2000", extract.ErrUnsupported)
	}
	res := &extract.Result{}
	m := &res.Meta
	sizes, err := Size(data)
	if err != nil {
		res.Problems = append(res.Problems, fmt.Sprintf("%s size unreadable (%v): not OCR'd", f, err))
	} else {
		m.Width, m.Height = sizes[0][0], sizes[0][1]
		if len(sizes) > 1 {
			m.PageCount = len(sizes)
		}
	}
	metadata(f, data, m, res)

	if x.NoOCR || err != nil {
		return res, nil
	}
	if why := x.refuse(sizes); why != "" {
		res.Problems = append(res.Problems, why)
		return res, nil
	}
	b := opts.Budget
	if b.Timeout <= 0 {
		b.Timeout = extract.DefaultBudget.Timeout
	}
	if b.MaxMemory <= 0 {
		b.MaxMemory = extract.DefaultBudget.MaxMemory
	}
	pages, err := OCR(ctx, data, OCROptions{Languages: opts.OCRLanguages, Budget: b})
	if err != nil {
		if errors.Is(err, extract.ErrToolMissing) {
			res.Problems = append(res.Problems, "not OCR'd: tesseract is not installed")
			return res, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("image: %w", ctx.Err())
		}
		res.Problems = append(res.Problems, fmt.Sprintf("OCR: %v", err))
		return res, nil
	}
	for i, p := range pages {
		if p != "" {
			m.OCR = true
			m.OCRPages = append(m.OCRPages, i+1)
		}
	}
	if len(pages) > 1 {
		res.Text, res.Pages = extract.JoinPages(pages)
	} else if len(pages) == 1 {
		res.Text = pages[0]
	}
	return res, nil
}

// refuse says why an image of these page sizes is not sent to OCR, or "".
func (x *Extractor) refuse(sizes [][2]int) string {
	maxPx := x.MaxPixels
	if maxPx <= 0 {
		maxPx = DefaultMaxPixels
	}
	maxPages := x.MaxPages
	if maxPages <= 0 {
		maxPages = DefaultMaxPages
	}
	if len(sizes) > maxPages {
		return fmt.Sprintf("%d pages, more than %d: not OCR'd", len(sizes), maxPages)
	}
	for i, s := range sizes {
		px := int64(s[0]) * int64(s[1])
		if px > maxPx {
			where := ""
			if len(sizes) > 1 {
				where = fmt.Sprintf("page %d: ", i+1)
			}
			return fmt.Sprintf("%s%d×%d image (%.0f megapixels) over the %d-megapixel limit: not OCR'd",
				where, s[0], s[1], float64(px)/1e6, maxPx/1e6)
		}
		if s[0] <= 0 || s[1] <= 0 {
			return fmt.Sprintf("page %d has no size: not OCR'd", i+1)
		}
	}
	return ""
}

// Size returns the width and height of each page of an image (one, except
// for multi-page TIFF files; at most 10,000), read from its header
// without decoding it.
func Size(data []byte) ([][2]int, error) {
	var w, h int
	switch Sniff(data) {
	case PNG:
		// The first chunk is IHDR: width, height.
		if len(data) < 24 || string(data[12:16]) != "IHDR" {
			return nil, errors.New("no IHDR chunk")
		}
		w, h = int(binary.BigEndian.Uint32(data[16:])), int(binary.BigEndian.Uint32(data[20:]))
	case GIF:
		if len(data) < 10 {
			return nil, errors.New("truncated header")
		}
		w, h = int(binary.LittleEndian.Uint16(data[6:])), int(binary.LittleEndian.Uint16(data[8:]))
	case BMP:
		switch hs := binary.LittleEndian.Uint32(data[14:]); {
		case hs == 12:
			w, h = int(binary.LittleEndian.Uint16(data[18:])), int(binary.LittleEndian.Uint16(data[20:]))
		case hs >= 40:
			w, h = int(int32(binary.LittleEndian.Uint32(data[18:]))), int(int32(binary.LittleEndian.Uint32(data[22:])))
			if h < 0 { // top-down
				h = -h
			}
		default:
			return nil, fmt.Errorf("unknown BMP header size %d", hs)
		}
	case JPEG:
		var ok bool
		if w, h, ok = jpegSize(data); !ok {
			return nil, errors.New("no frame header")
		}
	case TIFF:
		sizes, _ := tiffPages(data, maxIFDs)
		if len(sizes) == 0 {
			return nil, errors.New("no image directory")
		}
		return sizes, nil
	case WEBP:
		var ok bool
		if w, h, ok = webpSize(data); !ok {
			return nil, errors.New("no VP8, VP8L or VP8X header")
		}
	case JP2:
		var ok bool
		if w, h, ok = jp2Size(data); !ok {
			return nil, errors.New("no image header (ihdr box or SIZ marker)")
		}
	default:
		return nil, errors.New("unknown format")
	}
	if w < 0 || h < 0 {
		return nil, fmt.Errorf("bad size %d×%d", w, h)
	}
	return [][2]int{{w, h}}, nil
}

// webpSize reads the first chunk of a WebP: a lossy (VP8), lossless
// (VP8L) or extended (VP8X) header.
func webpSize(data []byte) (w, h int, ok bool) {
	if len(data) < 30 {
		return 0, 0, false
	}
	le := binary.LittleEndian
	switch string(data[12:16]) {
	case "VP8 ":
		if data[23] != 0x9d || data[24] != 0x01 || data[25] != 0x2a {
			return 0, 0, false
		}
		return int(le.Uint16(data[26:]) & 0x3fff), int(le.Uint16(data[28:]) & 0x3fff), true
	case "VP8L":
		if data[20] != 0x2f {
			return 0, 0, false
		}
		b := le.Uint32(data[21:])
		return int(b&0x3fff) + 1, int(b>>14&0x3fff) + 1, true
	case "VP8X":
		u24 := func(b []byte) int { return int(b[0]) | int(b[1])<<8 | int(b[2])<<16 }
		return u24(data[24:]) + 1, u24(data[27:]) + 1, true
	}
	return 0, 0, false
}

// jp2Size reads a JPEG 2000 file's image header box (ihdr: height, then
// width), or a bare codestream's SIZ marker segment.
func jp2Size(data []byte) (w, h int, ok bool) {
	be := binary.BigEndian
	if bytes.HasPrefix(data, []byte("\xff\x4f\xff\x51")) {
		if len(data) < 24 {
			return 0, 0, false
		}
		x, y, x0, y0 := be.Uint32(data[8:]), be.Uint32(data[12:]), be.Uint32(data[16:]), be.Uint32(data[20:])
		if x < x0 || y < y0 {
			return 0, 0, false
		}
		return int(x - x0), int(y - y0), true
	}
	i := bytes.Index(data[:min(len(data), 64<<10)], []byte("ihdr"))
	if i < 0 || i+12 > len(data) {
		return 0, 0, false
	}
	return int(be.Uint32(data[i+8:])), int(be.Uint32(data[i+4:])), true
}

// jpegSize reads the frame header (SOFn) of a JPEG.
func jpegSize(data []byte) (w, h int, ok bool) {
	for seg := range jpegSegments(data) {
		switch m := seg.marker; {
		case m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC:
			if len(seg.data) >= 5 {
				return int(binary.BigEndian.Uint16(seg.data[3:])), int(binary.BigEndian.Uint16(seg.data[1:])), true
			}
		}
	}
	return 0, 0, false
}

type segment struct {
	marker byte
	data   []byte
}

// jpegSegments yields the marker segments of a JPEG up to the start of
// scan, at most 1,000.
func jpegSegments(data []byte) func(func(segment) bool) {
	return func(yield func(segment) bool) {
		i := 2
		for n := 0; n < 1000 && i+4 <= len(data); n++ {
			if data[i] != 0xFF {
				return
			}
			m := data[i+1]
			if m == 0xFF { // fill byte
				i++
				continue
			}
			if m == 0xD8 || m >= 0xD0 && m <= 0xD7 || m == 0x01 {
				i += 2
				continue
			}
			l := int(binary.BigEndian.Uint16(data[i+2:]))
			if l < 2 || i+2+l > len(data) {
				return
			}
			if !yield(segment{m, data[i+4 : i+2+l]}) || m == 0xDA || m == 0xD9 {
				return
			}
			i += 2 + l
		}
	}
}

// metadata fills m from the EXIF block and, for PNG, the text chunks.
func metadata(f Format, data []byte, m *extract.Metadata, res *extract.Result) {
	var exif []byte
	var texts map[string]string
	switch f {
	case JPEG:
		for seg := range jpegSegments(data) {
			if seg.marker == 0xE1 && bytes.HasPrefix(seg.data, []byte("Exif\x00\x00")) {
				exif = seg.data[6:]
				break
			}
		}
	case TIFF:
		exif = data
	case PNG:
		exif, texts = pngChunks(data)
	}
	if exif != nil {
		x, err := ParseEXIF(exif)
		if err != nil {
			res.Problems = append(res.Problems, fmt.Sprintf("EXIF: %v", err))
		} else {
			applyEXIF(x, m)
		}
	}
	if len(texts) > 0 {
		set := func(dst *string, key string) {
			if *dst == "" {
				*dst = texts[key]
			}
		}
		set(&m.Software, "Software")
		set(&m.Author, "Author")
		set(&m.Title, "Title")
		set(&m.Comments, "Description")
		for _, k := range []string{"Copyright", "Creation Time", "Comment", "Source", "Disclaimer", "Warning"} {
			if v := texts[k]; v != "" {
				if m.Extra == nil {
					m.Extra = map[string]string{}
				}
				m.Extra["png:"+k] = v
			}
		}
	}
}

func applyEXIF(x *EXIF, m *extract.Metadata) {
	switch {
	case x.Model == "":
		m.Camera = x.Make
	case x.Make == "" || strings.HasPrefix(strings.ToLower(x.Model), strings.ToLower(strings.Fields(x.Make + " x")[0])):
		m.Camera = x.Model // "Canon" + "Canon EOS 40D"
	default:
		m.Camera = x.Make + " " + x.Model
	}
	m.Software = x.Software
	m.Author = x.Artist
	m.Comments = x.Description
	if t, ok := ExifDate(x.DateTimeOriginal, x.OffsetTimeOriginal); ok {
		m.TakenAt = &t
	}
	created := x.DateTimeOriginal
	createdOff := x.OffsetTimeOriginal
	if created == "" {
		created, createdOff = x.DateTimeDigitized, x.OffsetTimeDigitized
	}
	if t, ok := ExifDate(created, createdOff); ok {
		m.Created = &t
	}
	if t, ok := ExifDate(x.DateTime, x.OffsetTime); ok {
		m.Modified = &t
	}
	m.GPS = x.GPS
	if m.Width == 0 {
		m.Width, m.Height = x.Width, x.Height
	}
	extra := map[string]string{"exif:Copyright": x.Copyright, "exif:CameraOwnerName": x.Owner,
		"exif:BodySerialNumber": x.Serial, "exif:LensModel": x.Lens, "exif:Make": x.Make, "exif:Model": x.Model}
	for k, v := range extra {
		if v != "" {
			if m.Extra == nil {
				m.Extra = map[string]string{}
			}
			m.Extra[k] = v
		}
	}
}

// pngChunks returns a PNG's eXIf chunk and its uncompressed text chunks
// (tEXt, and iTXt without compression), at most 64 of them.
func pngChunks(data []byte) (exif []byte, texts map[string]string) {
	i := 8
	for n := 0; n < 10_000 && i+8 <= len(data); n++ {
		l := int(binary.BigEndian.Uint32(data[i:]))
		typ := string(data[i+4 : i+8])
		if l < 0 || l > len(data)-i-12 {
			return
		}
		body := data[i+8 : i+8+l]
		i += 12 + l
		switch typ {
		case "eXIf":
			exif = body
		case "tEXt", "iTXt":
			k, v, ok := bytes.Cut(body, []byte{0})
			if !ok || len(k) == 0 || len(k) > 79 {
				continue
			}
			val := ""
			if typ == "tEXt" {
				val = latin1(v)
			} else {
				// compression flag, method, language\0, translated keyword\0, text
				if len(v) < 2 || v[0] != 0 {
					continue
				}
				parts := bytes.SplitN(v[2:], []byte{0}, 3)
				if len(parts) != 3 {
					continue
				}
				val = strings.ToValidUTF8(string(parts[2]), "\uFFFD")
			}
			if len(val) > maxString {
				val = strings.ToValidUTF8(val[:maxString], "")
			}
			if texts == nil {
				texts = map[string]string{}
			}
			if len(texts) < 64 {
				texts[latin1(k)] = strings.TrimSpace(val)
			}
		case "IEND":
			return
		}
	}
	return
}

func latin1(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}
