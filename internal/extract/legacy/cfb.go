package legacy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"unicode/utf16"
)

// A compound file (CFB, "OLE2") is a FAT file system in a file: DOC, XLS
// and PPT keep their streams in one. This reader finds the top-level
// streams by name and reads them; it is bounded by the file's size
// (chains cannot loop or leave the file) and is only used to tell the
// formats apart, detect encryption and read sheet names and property
// sets. The text comes from the external tools.

var cfbMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

var errCFB = errors.New("not a readable compound file")

const (
	freeSect   = 0xFFFFFFFF
	endOfChain = 0xFFFFFFFE
	maxDirs    = 100_000 // directory entries read
)

type cfbFile struct {
	data      []byte
	sectSize  int
	fat       []uint32
	miniFAT   []uint32
	miniData  []byte // the root entry's stream, holding the small streams
	rootStart uint32 // where miniData lies: the root entry's chain
	rootSize  uint64
	cutoff    uint64
	streams   map[string]dirEntry // top-level streams by upper-case name
	storages  map[string]bool
	nsections int
}

type dirEntry struct {
	name  string
	typ   byte // 1 storage, 2 stream, 5 root
	left  uint32
	right uint32
	child uint32
	start uint32
	size  uint64
}

func isCFB(data []byte) bool { return bytes.HasPrefix(data, cfbMagic) }

func openCFB(data []byte) (*cfbFile, error) {
	if len(data) < 512 || !isCFB(data) {
		return nil, errCFB
	}
	le := binary.LittleEndian
	shift := le.Uint16(data[30:])
	if shift != 9 && shift != 12 {
		return nil, errCFB
	}
	f := &cfbFile{data: data, sectSize: 1 << shift, cutoff: uint64(le.Uint32(data[56:]))}
	f.nsections = (len(data) - f.sectSize + f.sectSize - 1) / f.sectSize
	if f.nsections <= 0 {
		return nil, errCFB
	}
	// The FAT's sectors: 109 in the header, then the DIFAT chain.
	var fatSects []uint32
	for i := 0; i < 109; i++ {
		if s := le.Uint32(data[76+4*i:]); s < uint32(f.nsections) {
			fatSects = append(fatSects, s)
		}
	}
	difat := le.Uint32(data[68:])
	for n := 0; difat < uint32(f.nsections) && n < f.nsections; n++ {
		sec := f.sector(difat)
		if len(sec) < f.sectSize {
			break
		}
		for i := 0; i+4 < len(sec); i += 4 {
			if s := le.Uint32(sec[i:]); s < uint32(f.nsections) {
				fatSects = append(fatSects, s)
			}
		}
		difat = le.Uint32(sec[len(sec)-4:])
	}
	if len(fatSects) > f.nsections {
		fatSects = fatSects[:f.nsections]
	}
	for _, s := range fatSects {
		sec := f.sector(s)
		for i := 0; i+4 <= len(sec); i += 4 {
			f.fat = append(f.fat, le.Uint32(sec[i:]))
		}
	}
	dir := f.chainBytes(le.Uint32(data[48:]), uint64(len(data)))
	if len(dir) < 128 {
		return nil, errCFB
	}
	entries := make([]dirEntry, 0, min(len(dir)/128, maxDirs))
	for i := 0; i+128 <= len(dir) && len(entries) < maxDirs; i += 128 {
		e := dir[i : i+128]
		n := int(le.Uint16(e[64:]))
		if n > 64 {
			n = 64
		}
		u := make([]uint16, 0, 32)
		for j := 0; j+1 < n; j += 2 {
			if c := le.Uint16(e[j:]); c != 0 {
				u = append(u, c)
			}
		}
		entries = append(entries, dirEntry{
			name: string(utf16.Decode(u)), typ: e[66],
			left: le.Uint32(e[68:]), right: le.Uint32(e[72:]), child: le.Uint32(e[76:]),
			start: le.Uint32(e[116:]), size: le.Uint64(e[120:]),
		})
	}
	root := entries[0]
	if root.typ != 5 {
		return nil, errCFB
	}
	if le.Uint16(data[26:]) == 3 {
		for i := range entries {
			entries[i].size &= 0xFFFFFFFF // version 3: the high half is junk
		}
	}
	f.rootStart, f.rootSize = root.start, root.size
	f.miniData = f.chainBytes(root.start, root.size)
	f.miniFAT = nil
	mf := f.chainBytes(le.Uint32(data[60:]), uint64(len(data)))
	for i := 0; i+4 <= len(mf); i += 4 {
		f.miniFAT = append(f.miniFAT, le.Uint32(mf[i:]))
	}
	// The root's children: a binary tree through left and right.
	f.streams = map[string]dirEntry{}
	f.storages = map[string]bool{}
	seen := map[uint32]bool{}
	stack := []uint32{root.child}
	for len(stack) > 0 && len(seen) < len(entries) {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if id >= uint32(len(entries)) || seen[id] {
			continue
		}
		seen[id] = true
		e := entries[id]
		// Names compare without case: WORDDOCUMENT is a WordDocument.
		switch key := strings.ToUpper(e.name); e.typ {
		case 2:
			f.streams[key] = e
		case 1:
			f.storages[key] = true
		}
		stack = append(stack, e.left, e.right)
	}
	return f, nil
}

// sector returns sector s (0 is the one after the header), or nil.
func (f *cfbFile) sector(s uint32) []byte {
	off := (uint64(s) + 1) * uint64(f.sectSize)
	if s >= uint32(f.nsections) || off >= uint64(len(f.data)) {
		return nil
	}
	return f.data[off:min(off+uint64(f.sectSize), uint64(len(f.data)))]
}

// chainBytes reads the chain from start, at most size bytes.
func (f *cfbFile) chainBytes(start uint32, size uint64) []byte {
	size = min(size, uint64(len(f.data)))
	var out []byte
	for s, n := start, 0; s != endOfChain && uint64(len(out)) < size && n <= len(f.fat); n++ {
		sec := f.sector(s)
		if sec == nil || int(s) >= len(f.fat) {
			break
		}
		out = append(out, sec...)
		s = f.fat[s]
	}
	return out[:min(uint64(len(out)), size)]
}

// miniBytes reads a stream kept in the mini stream (64-byte sectors).
func (f *cfbFile) miniBytes(start uint32, size uint64) []byte {
	var out []byte
	for s, n := start, 0; s != endOfChain && uint64(len(out)) < size && n <= len(f.miniFAT); n++ {
		off := uint64(s) * 64
		if off+64 > uint64(len(f.miniData)) || int(s) >= len(f.miniFAT) {
			break
		}
		out = append(out, f.miniData[off:off+64]...)
		s = f.miniFAT[s]
	}
	return out[:min(uint64(len(out)), size)]
}

// stream returns the top-level stream named name.
func (f *cfbFile) stream(name string) ([]byte, bool) {
	e, ok := f.streams[strings.ToUpper(name)]
	if !ok {
		return nil, false
	}
	if e.size < f.cutoff {
		return f.miniBytes(e.start, e.size), true
	}
	return f.chainBytes(e.start, e.size), true
}

func (f *cfbFile) has(name string) bool {
	_, ok := f.streams[strings.ToUpper(name)]
	return ok || f.storages[strings.ToUpper(name)]
}

// names returns the top-level stream and storage names, for messages.
func (f *cfbFile) names() string {
	var n []string
	for k := range f.streams {
		n = append(n, k)
	}
	for k := range f.storages {
		n = append(n, k+"/")
	}
	return strings.Join(n, ", ")
}
