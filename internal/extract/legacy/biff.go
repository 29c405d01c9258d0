package legacy

import (
	"encoding/binary"
	"unicode/utf16"
)

// sheet is a BoundSheet8 record of a workbook's globals.
type sheet struct {
	name   string
	hidden byte   // 0 visible, 1 hidden, 2 very hidden
	kind   byte   // 0 worksheet, 1 macro sheet, 2 chart, 6 VBA module
	pos    uint32 // where the sheet's substream starts in the Workbook stream
}

// BIFF record types read.
const (
	recBOF        = 0x0809
	recEOF        = 0x000A
	recFilePass   = 0x002F
	recBoundSheet = 0x0085
	recCodePage   = 0x0042
	maxRecords    = 200_000
)

// workbookGlobals reads the globals substream at the start of a BIFF5 or
// BIFF8 Workbook stream: the sheets in order, and whether a FILEPASS
// record says the rest is encrypted (or XOR-obfuscated).
func workbookGlobals(wb []byte) (sheets []sheet, encrypted bool) {
	le := binary.LittleEndian
	biff8 := true
	codepage := 1252
	for i, n := 0, 0; i+4 <= len(wb) && n < maxRecords; n++ {
		typ, size := le.Uint16(wb[i:]), int(le.Uint16(wb[i+2:]))
		if i+4+size > len(wb) {
			return sheets, encrypted
		}
		body := wb[i+4 : i+4+size]
		i += 4 + size
		switch typ {
		case recBOF:
			if len(body) >= 2 {
				biff8 = le.Uint16(body) >= 0x0600
			}
		case recFilePass:
			return sheets, true
		case recCodePage:
			if len(body) >= 2 {
				codepage = int(le.Uint16(body))
			}
		case recBoundSheet:
			if len(body) < 8 {
				continue
			}
			s := sheet{hidden: body[4] & 3, kind: body[5], pos: le.Uint32(body)}
			cch := int(body[6])
			switch {
			case biff8 && len(body) >= 8:
				if body[7]&1 != 0 {
					u := make([]uint16, 0, cch)
					for k := 0; k < cch && 8+2*k+1 < len(body); k++ {
						u = append(u, le.Uint16(body[8+2*k:]))
					}
					s.name = string(utf16.Decode(u))
				} else {
					s.name = latin1(body[8:min(len(body), 8+cch)])
				}
			default:
				s.name = decodeCodepage(body[7:min(len(body), 7+cch)], codepage)
			}
			if len(sheets) < 10_000 {
				sheets = append(sheets, s)
			}
		case recEOF:
			return sheets, false
		}
	}
	return sheets, encrypted
}

func latin1(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// wordEncrypted reports whether a WordDocument stream's FIB says the
// document is encrypted or obfuscated.
func wordEncrypted(wd []byte) bool {
	if len(wd) < 12 || binary.LittleEndian.Uint16(wd) != 0xA5EC {
		return false
	}
	flags := binary.LittleEndian.Uint16(wd[0x0A:])
	return flags&0x0100 != 0 || flags&0x8000 != 0
}

// pptEncrypted reports whether a presentation is encrypted: an
// EncryptedSummary stream, or the encrypted header token in its Current
// User stream.
func pptEncrypted(f *cfbFile) bool {
	if f.has("EncryptedSummary") {
		return true
	}
	cu, ok := f.stream("Current User")
	return ok && len(cu) >= 16 && binary.LittleEndian.Uint32(cu[12:]) == 0xF3D1C4DF
}

// cellRecords are the BIFF records that put a value in a cell (blank cells
// are not among them).
var cellRecords = map[uint16]bool{
	0x0006: true, // FORMULA
	0x00BD: true, // MULRK
	0x00D6: true, // RSTRING
	0x00FD: true, // LABELSST
	0x0203: true, // NUMBER
	0x0204: true, // LABEL
	0x0205: true, // BOOLERR
	0x027E: true, // RK
	0x0201: true, // BLANK
	0x00BE: true, // MULBLANK
}

// sheetHasCells reports whether the sheet substream at pos of a Workbook
// stream holds a cell with a value (xls2csv writes nothing for a sheet
// without one).
func sheetHasCells(wb []byte, pos uint32) bool {
	le := binary.LittleEndian
	if uint64(pos)+4 > uint64(len(wb)) || le.Uint16(wb[pos:]) != recBOF {
		return false
	}
	for i, n := int(pos), 0; i+4 <= len(wb) && n < maxRecords; n++ {
		typ, size := le.Uint16(wb[i:]), int(le.Uint16(wb[i+2:]))
		if n > 0 && typ == recEOF {
			return false
		}
		if cellRecords[typ] {
			return true
		}
		i += 4 + size
	}
	return false
}
