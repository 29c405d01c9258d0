package image

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"time"

	"github.com/newsroom/dossier/internal/extract"
)

// EXIF is what an image's EXIF block (a TIFF structure: IFD0, the Exif
// and GPS sub-IFDs) says. Text fields are trimmed; dates are as written
// ("2003:11:23 18:07:37").
type EXIF struct {
	Make, Model, Software string
	Artist, Copyright     string
	Description           string // ImageDescription
	Owner, Serial, Lens   string // CameraOwnerName, BodySerialNumber, LensModel
	DateTime              string // the file's last change (0x0132)
	DateTimeOriginal      string
	DateTimeDigitized     string
	OffsetTime            string // "+02:00", for DateTime
	OffsetTimeOriginal    string
	OffsetTimeDigitized   string
	// Width and Height are IFD0's ImageWidth and ImageLength (TIFF) or
	// the Exif IFD's PixelXDimension and PixelYDimension.
	Width, Height int
	GPS           *extract.GPS
}

// ErrNotTIFF is returned by ParseEXIF for data that is not a TIFF
// structure.
var ErrNotTIFF = errors.New("not a TIFF structure")

// Limits of the reader, so that hostile files cost little.
const (
	maxEntries = 1000    // per IFD
	maxString  = 4 << 10 // bytes kept of a text value
	maxIFDs    = 10_000  // IFDs followed in a chain (TIFF pages)
)

// TIFF tags read.
const (
	tagImageWidth        = 0x0100
	tagImageLength       = 0x0101
	tagImageDescription  = 0x010E
	tagMake              = 0x010F
	tagModel             = 0x0110
	tagSoftware          = 0x0131
	tagDateTime          = 0x0132
	tagArtist            = 0x013B
	tagCopyright         = 0x8298
	tagExifIFD           = 0x8769
	tagGPSIFD            = 0x8825
	tagDateTimeOriginal  = 0x9003
	tagDateTimeDigitized = 0x9004
	tagOffsetTime        = 0x9010
	tagOffsetOriginal    = 0x9011
	tagOffsetDigitized   = 0x9012
	tagPixelX            = 0xA002
	tagPixelY            = 0xA003
	tagOwner             = 0xA430
	tagSerial            = 0xA431
	tagLens              = 0xA434
	gpsLatRef            = 1
	gpsLat               = 2
	gpsLonRef            = 3
	gpsLon               = 4
	gpsAltRef            = 5
	gpsAlt               = 6
)

// tiff reads a TIFF structure: a byte order, IFDs of 12-byte entries,
// values inline or at offsets. Every read is bounds-checked; nothing is
// allocated in proportion to a count read from the file.
type tiff struct {
	b   []byte
	ord binary.ByteOrder
}

type entry struct {
	tag, typ uint16
	count    uint32
	val      []byte // the value's bytes, nil when out of bounds
}

var typeSize = map[uint16]uint64{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}

func newTIFF(b []byte) (*tiff, uint32, error) {
	if len(b) < 8 {
		return nil, 0, ErrNotTIFF
	}
	var ord binary.ByteOrder
	switch string(b[:4]) {
	case "II*\x00":
		ord = binary.LittleEndian
	case "MM\x00*":
		ord = binary.BigEndian
	default:
		return nil, 0, ErrNotTIFF
	}
	return &tiff{b: b, ord: ord}, ord.Uint32(b[4:8]), nil
}

// ifd reads the IFD at off and returns its entries and the next IFD's
// offset (0 at the end).
func (t *tiff) ifd(off uint32) ([]entry, uint32, bool) {
	if uint64(off)+2 > uint64(len(t.b)) || off < 8 {
		return nil, 0, false
	}
	n := int(t.ord.Uint16(t.b[off:]))
	if n > maxEntries {
		return nil, 0, false
	}
	start := uint64(off) + 2
	if start+uint64(n)*12 > uint64(len(t.b)) {
		n = int((uint64(len(t.b)) - start) / 12) // a truncated IFD: what is there
	}
	es := make([]entry, 0, n)
	for i := 0; i < n; i++ {
		e := t.b[start+uint64(i)*12 : start+uint64(i)*12+12]
		en := entry{tag: t.ord.Uint16(e), typ: t.ord.Uint16(e[2:]), count: t.ord.Uint32(e[4:])}
		if size, ok := typeSize[en.typ]; ok {
			total := size * uint64(en.count)
			switch {
			case total <= 4:
				en.val = e[8 : 8+total]
			default:
				voff := uint64(t.ord.Uint32(e[8:]))
				if voff+total <= uint64(len(t.b)) {
					en.val = t.b[voff : voff+total]
				}
			}
		}
		es = append(es, en)
	}
	next := uint32(0)
	if end := start + uint64(n)*12; end+4 <= uint64(len(t.b)) {
		next = t.ord.Uint32(t.b[end:])
	}
	return es, next, true
}

// uint returns an integer value (BYTE, SHORT, LONG) of entry e.
func (t *tiff) uint(e entry) (uint32, bool) {
	if e.count < 1 || e.val == nil {
		return 0, false
	}
	switch e.typ {
	case 1:
		return uint32(e.val[0]), true
	case 3:
		return uint32(t.ord.Uint16(e.val)), true
	case 4:
		return t.ord.Uint32(e.val), true
	}
	return 0, false
}

// rational returns the i-th RATIONAL of e.
func (t *tiff) rational(e entry, i int) (float64, bool) {
	if e.typ != 5 || e.val == nil || uint32(i) >= e.count {
		return 0, false
	}
	num, den := t.ord.Uint32(e.val[i*8:]), t.ord.Uint32(e.val[i*8+4:])
	if den == 0 {
		return 0, false
	}
	return float64(num) / float64(den), true
}

// text returns an ASCII (or UNDEFINED, for the user-comment-like tags)
// value, cut at its first NUL, trimmed, valid UTF-8.
func text(e entry) string {
	if e.val == nil || e.typ != 2 && e.typ != 7 && e.typ != 1 {
		return ""
	}
	v := e.val
	if len(v) > maxString {
		v = v[:maxString]
	}
	if i := bytes.IndexByte(v, 0); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(strings.ToValidUTF8(string(v), "\uFFFD"))
}

// ParseEXIF reads an EXIF block: the TIFF structure that follows "Exif\0\0"
// in a JPEG's APP1 segment or a PNG's eXIf chunk, or a whole TIFF file.
// Values out of bounds are skipped; only a bad header is an error.
func ParseEXIF(b []byte) (*EXIF, error) {
	t, off, err := newTIFF(b)
	if err != nil {
		return nil, err
	}
	x := &EXIF{}
	ifd0, _, ok := t.ifd(off)
	if !ok {
		return x, nil
	}
	var exifOff, gpsOff uint32
	for _, e := range ifd0 {
		switch e.tag {
		case tagMake:
			x.Make = text(e)
		case tagModel:
			x.Model = text(e)
		case tagSoftware:
			x.Software = text(e)
		case tagDateTime:
			x.DateTime = text(e)
		case tagArtist:
			x.Artist = text(e)
		case tagCopyright:
			x.Copyright = text(e)
		case tagImageDescription:
			x.Description = text(e)
		case tagImageWidth:
			v, _ := t.uint(e)
			x.Width = int(v)
		case tagImageLength:
			v, _ := t.uint(e)
			x.Height = int(v)
		case tagExifIFD:
			exifOff, _ = t.uint(e)
		case tagGPSIFD:
			gpsOff, _ = t.uint(e)
		}
	}
	if exifOff != 0 && exifOff != off {
		es, _, _ := t.ifd(exifOff)
		for _, e := range es {
			switch e.tag {
			case tagDateTimeOriginal:
				x.DateTimeOriginal = text(e)
			case tagDateTimeDigitized:
				x.DateTimeDigitized = text(e)
			case tagOffsetTime:
				x.OffsetTime = text(e)
			case tagOffsetOriginal:
				x.OffsetTimeOriginal = text(e)
			case tagOffsetDigitized:
				x.OffsetTimeDigitized = text(e)
			case tagOwner:
				x.Owner = text(e)
			case tagSerial:
				x.Serial = text(e)
			case tagLens:
				x.Lens = text(e)
			case tagPixelX:
				if v, ok := t.uint(e); ok && x.Width == 0 {
					x.Width = int(v)
				}
			case tagPixelY:
				if v, ok := t.uint(e); ok && x.Height == 0 {
					x.Height = int(v)
				}
			}
		}
	}
	if gpsOff != 0 && gpsOff != off && gpsOff != exifOff {
		es, _, _ := t.ifd(gpsOff)
		x.GPS = t.gps(es)
	}
	return x, nil
}

// gps reads the position from a GPS IFD's entries. A position without
// latitude and longitude, out of range, or exactly 0,0 (what receivers
// without a fix write) is none.
func (t *tiff) gps(es []entry) *extract.GPS {
	var latRef, lonRef string
	var lat, lon, alt entry
	altBelow := false
	for _, e := range es {
		switch e.tag {
		case gpsLatRef:
			latRef = text(e)
		case gpsLonRef:
			lonRef = text(e)
		case gpsLat:
			lat = e
		case gpsLon:
			lon = e
		case gpsAlt:
			alt = e
		case gpsAltRef:
			v, _ := t.uint(e)
			altBelow = v == 1
		}
	}
	dms := func(e entry) (float64, bool) {
		d, ok := t.rational(e, 0)
		if !ok {
			return 0, false
		}
		m, _ := t.rational(e, 1)
		s, _ := t.rational(e, 2)
		return d + m/60 + s/3600, true
	}
	la, ok1 := dms(lat)
	lo, ok2 := dms(lon)
	if !ok1 || !ok2 {
		return nil
	}
	if strings.HasPrefix(strings.ToUpper(latRef), "S") {
		la = -la
	}
	if strings.HasPrefix(strings.ToUpper(lonRef), "W") {
		lo = -lo
	}
	if math.Abs(la) > 90 || math.Abs(lo) > 180 || la == 0 && lo == 0 || math.IsNaN(la) || math.IsNaN(lo) {
		return nil
	}
	g := &extract.GPS{Lat: la, Lon: lo}
	if a, ok := t.rational(alt, 0); ok && a < 100_000 {
		if altBelow {
			a = -a
		}
		g.Alt = a
	}
	return g
}

// tiffPages returns the size of each image (IFD) of a TIFF file, at most
// max of them; ok is false when the header is not TIFF.
func tiffPages(b []byte, max int) (sizes [][2]int, ok bool) {
	t, off, err := newTIFF(b)
	if err != nil {
		return nil, false
	}
	seen := map[uint32]bool{}
	for off != 0 && !seen[off] && len(sizes) < max && len(seen) < maxIFDs {
		seen[off] = true
		es, next, ok := t.ifd(off)
		if !ok {
			break
		}
		var w, h uint32
		for _, e := range es {
			switch e.tag {
			case tagImageWidth:
				w, _ = t.uint(e)
			case tagImageLength:
				h, _ = t.uint(e)
			}
		}
		sizes = append(sizes, [2]int{int(w), int(h)})
		off = next
	}
	return sizes, true
}

// ExifDate reads an EXIF date ("2003:11:23 18:07:37", also with dashes)
// with its offset ("+02:00", may be empty: the date is then read as UTC).
// "0000:00:00 00:00:00" and other impossible dates are not dates.
func ExifDate(s, offset string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 19 {
		return time.Time{}, false
	}
	s = s[:19]
	b := []byte(s)
	if b[4] != ':' && b[4] != '-' || b[7] != ':' && b[7] != '-' || b[10] != ' ' && b[10] != 'T' {
		return time.Time{}, false
	}
	b[4], b[7], b[10] = '-', '-', 'T'
	loc := time.UTC
	if o := strings.TrimSpace(offset); len(o) == 6 && (o[0] == '+' || o[0] == '-') && o[3] == ':' {
		if z, err := time.Parse("-07:00", o); err == nil {
			loc = z.Location()
		}
	}
	t, err := time.ParseInLocation("2006-01-02T15:04:05", string(b), loc)
	if err != nil || t.Year() < 1800 {
		return time.Time{}, false
	}
	if loc != time.UTC {
		_, off := t.Zone()
		t = t.In(time.FixedZone("", off))
	}
	return t, true
}
