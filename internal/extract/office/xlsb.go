package office

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"unicode/utf16"

	"github.com/newsroom/dossier/internal/extract/zipdoc"
)

// XLSB, the binary workbook ([MS-XLSB]): the same OPC package and parts as
// XLSX, each part a sequence of records instead of XML. Only the records
// that carry text are read: the sheet list, the shared strings, the cell
// styles' number formats and the cells' values, written as XLSX's are
// (sheet headings, rows on lines, cells separated by tabs).

// The record types read here.
const (
	brtRowHdr       = 0
	brtCellBlank    = 1
	brtCellRk       = 2
	brtCellError    = 3
	brtCellBool     = 4
	brtCellReal     = 5
	brtCellSt       = 6
	brtCellIsst     = 7
	brtFmlaString   = 8
	brtFmlaNum      = 9
	brtFmlaBool     = 10
	brtFmlaError    = 11
	brtSSTItem      = 19
	brtFmt          = 44
	brtXF           = 47
	brtWbProp       = 153
	brtBundleSh     = 156
	brtBeginCellXFs = 617
	brtEndCellXFs   = 618
	brtCommentAuth  = 632
	brtBeginComment = 635
	brtCommentText  = 637
	maxXLSBRecord   = 16 << 20 // longer records are skipped over
)

var errXLSBRecord = errors.New("corrupt record header")

// xlsbRecords reads the records of a binary part.
type xlsbRecords struct {
	r   *bufio.Reader
	buf []byte
}

// next returns the next record's type and data (valid until the next call);
// io.EOF at the end of the part.
func (x *xlsbRecords) next() (int, []byte, error) {
	// A part that ends inside a record is corrupt; one that stops for
	// another reason (the budget spent, a bad deflate stream) says why.
	fail := func(err error) error {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return errXLSBRecord
		}
		return err
	}
	var typ int
	for i := 0; i < 2; i++ {
		b, err := x.r.ReadByte()
		if err != nil {
			if i == 0 && err == io.EOF {
				return 0, nil, io.EOF
			}
			return 0, nil, fail(err)
		}
		typ |= int(b&0x7f) << (7 * i)
		if b&0x80 == 0 {
			break
		}
		if i == 1 {
			return 0, nil, errXLSBRecord
		}
	}
	size := 0
	for i := 0; ; i++ {
		if i == 4 {
			return 0, nil, errXLSBRecord
		}
		b, err := x.r.ReadByte()
		if err != nil {
			return 0, nil, fail(err)
		}
		size |= int(b&0x7f) << (7 * i)
		if b&0x80 == 0 {
			break
		}
	}
	if size > maxXLSBRecord {
		if _, err := x.r.Discard(size); err != nil {
			return 0, nil, fail(err)
		}
		return typ, nil, nil
	}
	// The buffer grows with the bytes read, not with the size declared.
	x.buf = x.buf[:0]
	for len(x.buf) < size {
		if len(x.buf) == cap(x.buf) {
			x.buf = slices.Grow(x.buf, min(size-len(x.buf), max(len(x.buf), 4096)))
		}
		n, err := x.r.Read(x.buf[len(x.buf):min(cap(x.buf), size)])
		x.buf = x.buf[:len(x.buf)+n]
		if err != nil && len(x.buf) < size {
			return 0, nil, fail(err)
		}
	}
	return typ, x.buf, nil
}

// wideString decodes an XLWideString (a 32-bit count of UTF-16 units, then
// the units) at the start of b; ok is false when b is too short or the
// string is null.
func wideString(b []byte) (s string, n int, ok bool) {
	if len(b) < 4 {
		return "", 0, false
	}
	count := binary.LittleEndian.Uint32(b)
	if count == 0xFFFFFFFF || uint64(count)*2 > uint64(len(b)-4) {
		return "", 4, false
	}
	u := make([]uint16, count)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[4+2*i:])
	}
	return string(utf16.Decode(u)), 4 + 2*int(count), true
}

// forRecords calls fn with each record of part; fn returns false to stop.
func (wb *workbook) forRecords(part string, fn func(typ int, data []byte) bool) error {
	rc, err := wb.a.Open(part)
	if err != nil {
		wb.partErr(part, err)
		return nil
	}
	defer rc.Close()
	x := &xlsbRecords{r: bufio.NewReaderSize(rc, 64<<10)}
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := wb.ctx.Err(); err != nil {
				return err
			}
		}
		typ, data, err := x.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			wb.problem("%s: %v after %d records", part, err, n)
			return nil
		}
		if !fn(typ, data) {
			return nil
		}
	}
}

// xlsb extracts a binary workbook.
func (p *ooxml) xlsb(main string) error {
	wb := &workbook{ooxml: p}
	rels := relByID(p.rels(main))
	var sheets []sheet
	states := [...]string{"visible", "hidden", "veryHidden"}
	err := wb.forRecords(main, func(typ int, data []byte) bool {
		switch typ {
		case brtWbProp:
			if len(data) >= 4 {
				wb.date1904 = data[0]&1 != 0
			}
		case brtBundleSh:
			if len(data) < 8 || len(sheets) >= 65536 {
				return true
			}
			s := sheet{state: "visible"}
			if st := binary.LittleEndian.Uint32(data); st < uint32(len(states)) {
				s.state = states[st]
			}
			// hsState and iTabID, then the relationship id and the name,
			// which end the record. Excel 2007's first releases wrote
			// four more bytes before the strings.
			for _, at := range []int{8, 12} {
				if at > len(data) {
					break
				}
				id, n, idOK := wideString(data[at:])
				if n == 0 {
					break
				}
				name, m, ok := wideString(data[at+n:])
				if !ok || at+n+m != len(data) {
					continue
				}
				if l, found := rels[id]; idOK && found && !l.External {
					s.part = l.Target
				}
				s.name = name
				sheets = append(sheets, s)
				break
			}
		}
		return true
	})
	if err != nil {
		return err
	}
	for _, l := range rels {
		switch {
		case l.External:
		case l.typeIs("sharedStrings"):
			if err := wb.readSharedStringsBin(l.Target); err != nil {
				return err
			}
		case l.typeIs("styles"):
			if err := wb.readStylesBin(l.Target); err != nil {
				return err
			}
		}
	}
	return wb.writeSheets(sheets, wb.readSheetBin, wb.readCommentsBin)
}

// readCommentsBin writes a sheet's cell comments as readComments does.
func (wb *workbook) readCommentsBin(c sheetComments) error {
	var authors []string
	var who, ref string
	t := &wb.text
	return wb.forRecords(c.part, func(typ int, data []byte) bool {
		switch typ {
		case brtCommentAuth:
			if a, _, ok := wideString(data); ok && len(authors) < 1<<16 {
				authors = append(authors, a)
			}
		case brtBeginComment:
			who, ref = "", ""
			if len(data) >= 20 {
				if i := binary.LittleEndian.Uint32(data); i < uint32(len(authors)) {
					who = authors[i]
				}
				row, col := binary.LittleEndian.Uint32(data[4:]), binary.LittleEndian.Uint32(data[12:])
				ref = cellRef(row, col)
			}
		case brtCommentText:
			if len(data) < 1 {
				return true
			}
			text, _, _ := wideString(data[1:]) // after the RichStr flags
			if !wb.res.Meta.HasComments {
				wb.res.Meta.HasComments = true
				t.Sep(zipdoc.Para)
				t.WriteString("Comments")
			}
			t.Sep(zipdoc.Line)
			t.WriteString(commentHead(c.sheet+"!"+ref+" "+who, ""))
			t.Sep(zipdoc.Space)
			t.WriteString(text)
		}
		return !t.Truncated()
	})
}

// cellRef names a cell in A1 style from its zero-based row and column.
func cellRef(row, col uint32) string {
	if col > 16383 || row > 1<<20 {
		return ""
	}
	var name []byte
	for c := int(col) + 1; c > 0; c = (c - 1) / 26 {
		name = append([]byte{byte('A' + (c-1)%26)}, name...)
	}
	return string(name) + strconv.FormatUint(uint64(row)+1, 10)
}

func (wb *workbook) readSharedStringsBin(part string) error {
	return wb.forRecords(part, func(typ int, data []byte) bool {
		if typ != brtSSTItem || len(data) < 1 {
			return true
		}
		if len(wb.strings) >= maxSharedStrings {
			wb.problem("%s: more than %d shared strings; the rest ignored", part, maxSharedStrings)
			return false
		}
		s, _, _ := wideString(data[1:]) // after the RichStr flags
		wb.strings = append(wb.strings, s)
		return true
	})
}

func (wb *workbook) readStylesBin(part string) error {
	custom := map[int]numFmt{}
	inXfs := false
	return wb.forRecords(part, func(typ int, data []byte) bool {
		switch typ {
		case brtFmt:
			if len(data) >= 2 {
				code, _, _ := wideString(data[2:])
				custom[int(binary.LittleEndian.Uint16(data))] = classifyFormat(code)
			}
		case brtBeginCellXFs:
			inXfs = true
		case brtEndCellXFs:
			inXfs = false
		case brtXF:
			if !inXfs || len(data) < 4 || len(wb.xfs) >= 1<<20 {
				return true
			}
			id := int(binary.LittleEndian.Uint16(data[2:]))
			f, ok := custom[id]
			if !ok {
				f = builtinFmt(id)
			}
			wb.xfs = append(wb.xfs, f)
		}
		return true
	})
}

// xlsbErrors are the cell error codes' display forms.
var xlsbErrors = map[byte]string{0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!",
	0x1D: "#NAME?", 0x24: "#NUM!", 0x2A: "#N/A", 0x2B: "#GETTING_DATA"}

func (wb *workbook) readSheetBin(part string) error {
	t := &wb.text
	rows := 0
	return wb.forRecords(part, func(typ int, data []byte) bool {
		if typ == brtRowHdr {
			if rows > 0 {
				t.Sep(zipdoc.Line)
			}
			rows++
			return true
		}
		if typ < brtCellRk || typ > brtFmlaError || len(data) < 8 {
			return true
		}
		// A cell: column (4 bytes), style (24 bits) and flags, then the
		// value.
		style := strconv.Itoa(int(binary.LittleEndian.Uint32(data[4:]) & 0xFFFFFF))
		v := data[8:]
		var s string
		switch typ {
		case brtCellRk:
			if len(v) >= 4 {
				s = wb.cellText("", style, formatNumber(rkNumber(binary.LittleEndian.Uint32(v))), "")
			}
		case brtCellReal, brtFmlaNum:
			if len(v) >= 8 {
				f := math.Float64frombits(binary.LittleEndian.Uint64(v))
				if !math.IsNaN(f) && !math.IsInf(f, 0) {
					s = wb.cellText("", style, strconv.FormatFloat(f, 'g', -1, 64), "")
				}
			}
		case brtCellBool, brtFmlaBool:
			if len(v) >= 1 {
				s = wb.cellText("b", style, strconv.Itoa(int(v[0]&1)), "")
			}
		case brtCellError, brtFmlaError:
			if len(v) >= 1 {
				s = xlsbErrors[v[0]]
				if s == "" {
					s = fmt.Sprintf("#ERROR(%d)", v[0])
				}
			}
		case brtCellSt, brtFmlaString:
			s, _, _ = wideString(v)
		case brtCellIsst:
			if len(v) >= 4 {
				s = wb.cellText("s", style, strconv.FormatUint(uint64(binary.LittleEndian.Uint32(v)), 10), "")
			}
		}
		if s != "" {
			t.WriteString(s)
			t.Sep(zipdoc.Tab)
		}
		return !t.Truncated()
	})
}

// rkNumber decodes an RK number: a 30-bit integer or the high 30 bits of a
// double, optionally divided by 100.
func rkNumber(rk uint32) float64 {
	var f float64
	if rk&2 != 0 {
		f = float64(int32(rk) >> 2)
	} else {
		f = math.Float64frombits(uint64(rk&^3) << 32)
	}
	if rk&1 != 0 {
		f /= 100
	}
	return f
}
