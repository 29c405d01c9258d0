package archive

import (
	"bytes"
	"encoding/binary"
	"errors"
	"time"
)

// maxLocalEntries bounds the entries a scan of local headers returns.
const maxLocalEntries = 1 << 20

var errNoDescriptor = errors.New("size unknown: its data descriptor was not found")

// localEntries scans data for local file headers, for an archive whose
// central directory is missing or corrupt (a truncated download, a
// carved fragment). Entries written with a data descriptor are delimited
// by finding the descriptor.
func localEntries(data []byte) []zipEntry {
	var entries []zipEntry
	sig := []byte("PK\x03\x04")
	descs := &descriptors{data: data}
	for off := 0; off+30 <= len(data) && len(entries) < maxLocalEntries; {
		i := bytes.Index(data[off:], sig)
		if i < 0 {
			break
		}
		off += i
		e, next, ok := parseLocal(data, off, descs)
		if !ok {
			off += len(sig)
			continue
		}
		entries = append(entries, e)
		off = max(next, off+len(sig))
	}
	return entries
}

// parseLocal parses the local header at off; next is where the entry's
// data (and descriptor) end.
func parseLocal(data []byte, off int, descs *descriptors) (e zipEntry, next int, ok bool) {
	h := data[off:]
	if len(h) < 30 {
		return e, 0, false
	}
	le := binary.LittleEndian
	e.flags = le.Uint16(h[6:])
	e.method = le.Uint16(h[8:])
	e.dosTime = le.Uint16(h[10:])
	dosDate := le.Uint16(h[12:])
	e.crc = le.Uint32(h[14:])
	e.csize = uint64(le.Uint32(h[18:]))
	e.usize = uint64(le.Uint32(h[22:]))
	nameLen, extraLen := int(le.Uint16(h[26:])), int(le.Uint16(h[28:]))
	start := 30 + nameLen + extraLen
	if start > len(h) {
		return e, 0, false
	}
	e.name = string(h[30 : 30+nameLen])
	e.extra = h[30+nameLen : start]
	e.modified = dosTime(dosDate, e.dosTime)
	zip64 := e.csize == 0xffffffff || e.usize == 0xffffffff
	if zip64 {
		readZip64Extra(&e)
	}
	e.offset = int64(off + start)
	dataLen := len(h) - start
	if e.flags&zipFlagDescriptor != 0 && e.csize == 0 {
		d, found := descs.find(off+start, zip64)
		if !found {
			e.raw, e.rawErr = nil, errNoDescriptor
			return e, off + start, true
		}
		e.crc, e.csize, e.usize = d.crc, d.csize, d.usize
		return e, off + start + int(d.csize) + d.len, true
	}
	if e.csize > uint64(dataLen) {
		e.raw = h[start:] // truncated: what there is
		return e, len(data), true
	}
	end := start + int(e.csize)
	if e.flags&zipFlagDescriptor != 0 {
		d := h[end:]
		if bytes.HasPrefix(d, []byte("PK\x07\x08")) {
			d = d[4:]
		}
		if e.crc == 0 && len(d) >= 4 {
			e.crc = le.Uint32(d)
		}
		end += descriptorLen(h[end:], zip64)
	}
	return e, off + end, true
}

// descriptor is a data descriptor found after an entry's data.
type descriptor struct {
	crc          uint32
	csize, usize uint64
	len          int // of the descriptor itself
}

// descriptors finds the data descriptor that ends the data of an entry
// written with sizes unknown: a "PK\x07\x08" signature whose compressed
// size field equals its distance from the data's start, or failing that
// an unsigned descriptor just before the next header. The signatures are
// indexed once by the start they imply, so that a file of many such
// entries is scanned in linear time.
type descriptors struct {
	data      []byte
	byStart   map[int]int // implied data start → signature offset (32-bit sizes)
	byStart64 map[int]int // the same with ZIP64 sizes
	indexed   bool
}

func (ds *descriptors) index() {
	ds.indexed = true
	ds.byStart, ds.byStart64 = map[int]int{}, map[int]int{}
	le := binary.LittleEndian
	for p := 0; ; p++ {
		i := bytes.Index(ds.data[p:], []byte("PK\x07\x08"))
		if i < 0 {
			return
		}
		p += i
		if p+16 <= len(ds.data) {
			if start := p - int(le.Uint32(ds.data[p+8:])); start >= 0 {
				if _, dup := ds.byStart[start]; !dup {
					ds.byStart[start] = p
				}
			}
		}
		if p+24 <= len(ds.data) {
			if c := le.Uint64(ds.data[p+8:]); c <= uint64(p) {
				if _, dup := ds.byStart64[p-int(c)]; !dup {
					ds.byStart64[p-int(c)] = p
				}
			}
		}
	}
}

func (ds *descriptors) find(start int, zip64 bool) (descriptor, bool) {
	le := binary.LittleEndian
	if !ds.indexed {
		ds.index()
	}
	byStart, sizes := ds.byStart, 8
	if zip64 {
		byStart, sizes = ds.byStart64, 16
	}
	read := func(p int) descriptor {
		d := descriptor{crc: le.Uint32(ds.data[p:])}
		if zip64 {
			d.csize, d.usize = le.Uint64(ds.data[p+4:]), le.Uint64(ds.data[p+12:])
		} else {
			d.csize, d.usize = uint64(le.Uint32(ds.data[p+4:])), uint64(le.Uint32(ds.data[p+8:]))
		}
		return d
	}
	if p, ok := byStart[start]; ok {
		d := read(p + 4)
		d.len = 4 + 4 + sizes
		return d, true
	}
	rest := ds.data[start:]
	for _, sig := range []string{"PK\x03\x04", "PK\x01\x02"} {
		i := bytes.Index(rest, []byte(sig))
		if i < 4+sizes {
			continue
		}
		p := start + i - 4 - sizes
		if d := read(p); d.csize == uint64(p-start) {
			d.len = 4 + sizes
			return d, true
		}
	}
	return descriptor{}, false
}

// descriptorLen is the length of the data descriptor at the start of d.
func descriptorLen(d []byte, zip64 bool) int {
	n := 12
	if zip64 {
		n = 20
	}
	if bytes.HasPrefix(d, []byte("PK\x07\x08")) {
		n += 4
	}
	return min(n, len(d))
}

// readZip64Extra takes the sizes from the ZIP64 extra field (0x0001).
func readZip64Extra(e *zipEntry) {
	le := binary.LittleEndian
	for extra := e.extra; len(extra) >= 4; {
		id, n := le.Uint16(extra), int(le.Uint16(extra[2:]))
		if 4+n > len(extra) {
			return
		}
		body := extra[4 : 4+n]
		extra = extra[4+n:]
		if id != 0x0001 {
			continue
		}
		if e.usize == 0xffffffff && len(body) >= 8 {
			e.usize, body = le.Uint64(body), body[8:]
		}
		if e.csize == 0xffffffff && len(body) >= 8 {
			e.csize = le.Uint64(body)
		}
		return
	}
}

// dosTime converts an MS-DOS date and time (no zone: reported as UTC, as
// archive/zip does).
func dosTime(date, t uint16) time.Time {
	if date == 0 && t == 0 {
		return time.Time{}
	}
	return time.Date(int(date>>9)+1980, time.Month(date>>5&0xf), int(date&0x1f),
		int(t>>11), int(t>>5&0x3f), int(t&0x1f)*2, 0, time.UTC)
}
