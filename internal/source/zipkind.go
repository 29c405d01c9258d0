package source

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"io"
)

// Packages made of a zip file (EPUB, OpenDocument, Office Open XML) are
// recognised by general sniffers only when their marker entry comes first
// in the zip, as the formats ask; files written by other tools put it
// anywhere, and are then taken for a plain zip or a Java archive.
// RefineZip looks at the whole file: the central directory's names, and
// the "mimetype" member of EPUB and OpenDocument (inflating at most 200
// bytes of it).

// zipPackages are the OOXML main parts, in the order checked.
var zipPackages = []struct{ part, mime string }{
	{"word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	{"xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	{"xl/workbook.bin", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}, // XLSB: read by the same extractor
	{"ppt/presentation.xml", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
}

// maxZipNames bounds the central directory entries RefineZip reads.
const maxZipNames = 100_000

// RefineZip returns the package type of a zip whose sniffed type was a
// plain zip or a Java archive, and false when it is not one of the
// packages above.
func RefineZip(data []byte) (Kind, string, bool) {
	entries := zipEntries(data)
	find := func(n string) *zipEntry {
		for i := range entries {
			if string(entries[i].name) == n {
				return &entries[i]
			}
		}
		return nil
	}
	if e := find("mimetype"); e != nil {
		if mt := e.smallContent(data); mt == "application/epub+zip" {
			return KindOther, mt, true
		} else if mt != "" && find("content.xml") != nil {
			for _, p := range officePrefixes {
				if len(mt) > len(p) && mt[:len(p)] == p {
					return KindOffice, mt, true
				}
			}
		}
	}
	if find("[Content_Types].xml") != nil {
		for _, p := range zipPackages {
			if find(p.part) != nil {
				return KindOffice, p.mime, true
			}
		}
	}
	return KindOther, "", false
}

// zipEntry is what RefineZip needs of a central directory entry.
type zipEntry struct {
	name          []byte
	method        uint16
	csize, offset int64
}

// zipEntries lists a zip's central directory (nil when it cannot be
// found), at most maxZipNames entries.
func zipEntries(data []byte) []zipEntry {
	// The end of central directory record is in the last 64 KiB + 22
	// bytes (its comment is at most 64 KiB).
	from := max(0, len(data)-(1<<16+22))
	i := bytes.LastIndex(data[from:], []byte("PK\x05\x06"))
	if i < 0 {
		return nil
	}
	eocd := data[from+i:]
	if len(eocd) < 22 {
		return nil
	}
	count := int(binary.LittleEndian.Uint16(eocd[10:]))
	off := int64(binary.LittleEndian.Uint32(eocd[16:]))
	var out []zipEntry
	for n := 0; n < min(count, maxZipNames); n++ {
		if off < 0 || off+46 > int64(len(data)) || string(data[off:off+4]) != "PK\x01\x02" {
			break
		}
		h := data[off : off+46]
		nameLen := int64(binary.LittleEndian.Uint16(h[28:]))
		extra := int64(binary.LittleEndian.Uint16(h[30:]))
		comment := int64(binary.LittleEndian.Uint16(h[32:]))
		if off+46+nameLen > int64(len(data)) {
			break
		}
		out = append(out, zipEntry{name: data[off+46 : off+46+nameLen], method: binary.LittleEndian.Uint16(h[10:]),
			csize: int64(binary.LittleEndian.Uint32(h[20:])), offset: int64(binary.LittleEndian.Uint32(h[42:]))})
		off += 46 + nameLen + extra + comment
	}
	return out
}

// smallContent returns the content of a short member (a "mimetype"),
// stored or deflated, as printable ASCII; "" when it is anything else or
// longer than 200 bytes.
func (e *zipEntry) smallContent(data []byte) string {
	if e.method != 0 && e.method != 8 || e.csize > 1024 || e.offset < 0 || e.offset+30 > int64(len(data)) {
		return ""
	}
	h := data[e.offset:]
	if string(h[:4]) != "PK\x03\x04" {
		return ""
	}
	start := 30 + int64(binary.LittleEndian.Uint16(h[26:])) + int64(binary.LittleEndian.Uint16(h[28:]))
	if start+e.csize > int64(len(h)) {
		return ""
	}
	raw := h[start : start+e.csize]
	if e.method == 8 { // at most 200 bytes of it are inflated
		var err error
		if raw, err = io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(raw)), 200)); err != nil {
			return ""
		}
	}
	if len(raw) > 200 {
		return ""
	}
	mt := string(bytes.TrimSpace(raw))
	for j := 0; j < len(mt); j++ {
		if c := mt[j]; c <= ' ' || c >= 0x7f {
			return ""
		}
	}
	return mt
}
