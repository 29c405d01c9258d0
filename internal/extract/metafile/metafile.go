// Package metafile extracts the text drawn by Windows metafiles: EMF
// ([MS-EMF]) and WMF ([MS-WMF]) pictures, which Office uses for the
// previews of embedded objects (an icon and its file name, a snapshot of a
// spreadsheet or a chart with its labels), and which leaks carry both as
// files and inside documents. The text is in the drawing records
// (EMR_EXTTEXTOUTW and EMR_EXTTEXTOUTA, META_TEXTOUT and META_EXTTEXTOUT);
// pieces are joined in drawing order, on one line while they share a
// baseline, without a space where one piece ends where the next begins (a
// word drawn letter by letter). EMF+ records (EMR_COMMENT) and bitmaps are
// not read.
//
// It is pure: bytes in, a result out. Every record is bounded by the
// file's size; nothing is allocated beyond the text it finds.
package metafile

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"

	"golang.org/x/text/encoding/charmap"

	"github.com/newsroom/dossier/internal/extract"
)

// Format is a metafile format.
type Format string

const (
	EMF Format = "emf"
	WMF Format = "wmf"
)

// wmfPlaceable is the key of a placeable WMF's 22-byte header.
const wmfPlaceable = 0x9AC6CDD7

// Sniff returns the format of data, or "".
func Sniff(data []byte) Format {
	le := binary.LittleEndian
	switch {
	case len(data) >= 44 && le.Uint32(data) == 1 && string(data[40:44]) == " EMF":
		return EMF
	case len(data) >= 22 && le.Uint32(data) == wmfPlaceable:
		return WMF
	case len(data) >= 18 && (le.Uint16(data) == 1 || le.Uint16(data) == 2) && le.Uint16(data[2:]) == 9 &&
		(le.Uint16(data[4:]) == 0x0100 || le.Uint16(data[4:]) == 0x0300):
		return WMF
	}
	return ""
}

// MIME types of metafiles.
var MIMEs = []string{"image/emf", "image/x-emf", "image/wmf", "image/x-wmf", "application/x-msmetafile"}

// maxRecords bounds the records read.
const maxRecords = 1 << 20

// piece is a run of text drawn at a point; end is where it ends on the x
// axis when the record gives the characters' advances, else -1.
type piece struct {
	x, y, end int64
	text      string
}

// Extract implements extract.Extractor.
func Extract(ctx context.Context, data []byte, mime string, opts extract.Options) (*extract.Result, error) {
	var pieces []piece
	var err error
	switch Sniff(data) {
	case EMF:
		pieces, err = emfText(ctx, data)
	case WMF:
		pieces, err = wmfText(ctx, data)
	default:
		return nil, fmt.Errorf("metafile: %w: not an EMF or WMF picture", extract.ErrUnsupported)
	}
	res := &extract.Result{Text: join(pieces)}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		res.Problems = append(res.Problems, err.Error())
	}
	return res, nil
}

var errTruncated = errors.New("a record runs past the end of the file: the records after it are not read")

// emfText reads the text records of an EMF.
func emfText(ctx context.Context, data []byte) ([]piece, error) {
	le := binary.LittleEndian
	var out []piece
	for off, n := 0, 0; off+8 <= len(data); n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return out, ctx.Err()
		}
		if n >= maxRecords {
			return out, fmt.Errorf("more than %d records: the rest are not read", maxRecords)
		}
		typ, size := le.Uint32(data[off:]), int(le.Uint32(data[off+4:]))
		if size < 8 || size > len(data)-off {
			return out, errTruncated
		}
		rec := data[off : off+size]
		off += size
		switch typ {
		case 14: // EMR_EOF
			return out, nil
		case 83, 84: // EMR_EXTTEXTOUTA, EMR_EXTTEXTOUTW
			if len(rec) < 76 {
				continue
			}
			x, y := int64(int32(le.Uint32(rec[36:]))), int64(int32(le.Uint32(rec[40:])))
			chars, at, dxAt := int(le.Uint32(rec[44:])), int(le.Uint32(rec[48:])), int(le.Uint32(rec[72:]))
			unit := 2
			if typ == 83 {
				unit = 1
			}
			if chars <= 0 || at < 0 || at > len(rec) || chars > (len(rec)-at)/unit {
				continue
			}
			raw := rec[at : at+chars*unit]
			var s string
			if unit == 2 {
				u := make([]uint16, chars)
				for i := range u {
					u[i] = le.Uint16(raw[2*i:])
				}
				s = string(utf16.Decode(u))
			} else {
				s, _ = charmap.Windows1252.NewDecoder().String(string(raw))
			}
			end := int64(-1)
			if dxAt > 0 && dxAt <= len(rec) && chars <= (len(rec)-dxAt)/4 {
				end = x
				for i := range chars {
					end += int64(int32(le.Uint32(rec[dxAt+4*i:])))
				}
			}
			out = append(out, piece{x: x, y: y, end: end, text: s})
		}
	}
	return out, nil
}

// wmfText reads the text records of a WMF.
func wmfText(ctx context.Context, data []byte) ([]piece, error) {
	le := binary.LittleEndian
	off := 0
	if le.Uint32(data) == wmfPlaceable {
		off = 22
	}
	if off+18 > len(data) {
		return nil, errTruncated
	}
	off += int(le.Uint16(data[off+2:])) * 2 // the header's size, in 16-bit words
	dec := charmap.Windows1252.NewDecoder()
	var out []piece
	for n := 0; off+6 <= len(data); n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return out, ctx.Err()
		}
		if n >= maxRecords {
			return out, fmt.Errorf("more than %d records: the rest are not read", maxRecords)
		}
		size := int64(le.Uint32(data[off:])) * 2
		fn := le.Uint16(data[off+4:])
		if size < 6 || size > int64(len(data)-off) {
			return out, errTruncated
		}
		rec := data[off+6 : off+int(size)]
		off += int(size)
		switch fn {
		case 0x0000: // META_EOF
			return out, nil
		case 0x0521: // META_TEXTOUT: length, string (padded to even), y, x
			if len(rec) < 2 {
				continue
			}
			l := int(le.Uint16(rec))
			padded := l + l%2
			if l == 0 || 2+padded+4 > len(rec) {
				continue
			}
			s, _ := dec.String(string(rec[2 : 2+l]))
			y, x := int64(int16(le.Uint16(rec[2+padded:]))), int64(int16(le.Uint16(rec[4+padded:])))
			out = append(out, piece{x: x, y: y, end: -1, text: s})
		case 0x0A32: // META_EXTTEXTOUT: y, x, length, options, [rectangle], string, [dx]
			if len(rec) < 8 {
				continue
			}
			y, x := int64(int16(le.Uint16(rec))), int64(int16(le.Uint16(rec[2:])))
			l, opts := int(le.Uint16(rec[4:])), le.Uint16(rec[6:])
			at := 8
			if opts&0x0006 != 0 { // ETO_OPAQUE, ETO_CLIPPED: a rectangle follows
				at += 8
			}
			if l == 0 || at+l > len(rec) {
				continue
			}
			s, _ := dec.String(string(rec[at : at+l]))
			end := int64(-1)
			if dx := at + l + l%2; dx+2*l <= len(rec) {
				end = x
				for i := range l {
					end += int64(int16(le.Uint16(rec[dx+2*i:])))
				}
			}
			out = append(out, piece{x: x, y: y, end: end, text: s})
		}
	}
	return out, nil
}

// join writes the pieces in drawing order: a new line when the baseline
// changes, nothing between a piece and the next that starts where it ends,
// a space otherwise.
func join(pieces []piece) string {
	var b strings.Builder
	for i, p := range pieces {
		text := strings.Map(func(r rune) rune {
			if r < ' ' && r != '\t' {
				return -1
			}
			return r
		}, p.text)
		if i > 0 {
			prev := pieces[i-1]
			switch {
			case p.y != prev.y:
				b.WriteByte('\n')
			case prev.end >= 0 && abs(p.x-prev.end) <= max(2, (prev.end-prev.x)/int64(max(1, len([]rune(prev.text))))/2):
			default:
				b.WriteByte(' ')
			}
		}
		b.WriteString(text)
	}
	// Runs of spaces drawn as separate pieces collapse.
	lines := strings.Split(b.String(), "\n")
	kept := lines[:0]
	for _, l := range lines {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "\n")
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
