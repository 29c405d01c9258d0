package msg

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf16"

	"github.com/richardlehane/mscfb"

	"github.com/newsroom/dossier/internal/extract"
)

// node is a storage or stream of a compound file, read into memory.
type node struct {
	name     string
	storage  bool
	children map[string]*node // storages: by upper-cased name
	order    []*node          // storages: children in directory order
	data     []byte           // streams
	clsid    [16]byte
}

func (n *node) child(name string) *node {
	if n == nil || n.children == nil {
		return nil
	}
	return n.children[strings.ToUpper(name)]
}

func (n *node) add(c *node) {
	if n.children == nil {
		n.children = map[string]*node{}
	}
	key := strings.ToUpper(c.name)
	if _, dup := n.children[key]; dup {
		return
	}
	n.children[key] = c
	n.order = append(n.order, c)
}

// maxEntries bounds the directory entries of a compound file.
const maxEntries = 200_000

// readCFB reads a compound file into a tree. Stream bytes are charged to
// *left; a stream is never read past len(data) bytes (a longer one can
// only come from a sector chain that loops). mscfb is third-party code
// parsing hostile input, so a panic in it is turned into an error here.
func readCFB(data []byte, left *int64) (root *node, err error) {
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, fmt.Errorf("malformed compound file (%v)", r)
		}
	}()
	doc, err := mscfb.New(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("read compound file: %w", err)
	}
	root = &node{name: "Root Entry", storage: true}
	if len(doc.File) > 0 {
		copyCLSID(&root.clsid, doc.File[0].ID())
	}
	n := 0
	buf := make([]byte, 32<<10)
	for f, ferr := doc.Next(); ferr == nil; f, ferr = doc.Next() {
		if n++; n > maxEntries {
			return root, errors.New("compound file: too many directory entries")
		}
		parent := root
		for _, p := range f.Path {
			c := parent.child(p)
			if c == nil {
				c = &node{name: p, storage: true}
				parent.add(c)
			}
			parent = c
		}
		if f.FileInfo().IsDir() {
			if c := parent.child(f.Name); c == nil {
				c = &node{name: f.Name, storage: true}
				copyCLSID(&c.clsid, f.ID())
				parent.add(c)
			}
			continue
		}
		size := min(f.Size, int64(len(data)))
		if size > *left {
			return root, fmt.Errorf("stream %s: %w", f.Name, extract.ErrBudget)
		}
		var b bytes.Buffer
		b.Grow(int(size))
		for int64(b.Len()) < size {
			k, rerr := f.Read(buf[:min(int64(len(buf)), size-int64(b.Len()))])
			b.Write(buf[:k])
			if rerr != nil || k == 0 {
				break
			}
		}
		*left -= int64(b.Len())
		name := f.Name
		if f.Initial != 0 && f.Initial < 0x20 {
			// mscfb drops a leading control character (\x01Ole10Native,
			// \x05SummaryInformation); keep it so that names round-trip.
			name = string(rune(f.Initial)) + name
		}
		parent.add(&node{name: name, data: b.Bytes()})
	}
	return root, nil
}

// copyCLSID parses mscfb's GUID string form back into bytes (best
// effort; a zero CLSID is always valid).
func copyCLSID(dst *[16]byte, s string) {
	s = strings.Trim(s, "{}")
	parts := strings.Split(s, "-")
	if len(parts) != 5 {
		return
	}
	hex := strings.Join(parts, "")
	if len(hex) != 32 {
		return
	}
	var raw [16]byte
	for i := 0; i < 16; i++ {
		var v byte
		for j := 0; j < 2; j++ {
			c := hex[2*i+j]
			switch {
			case c >= '0' && c <= '9':
				v = v<<4 | (c - '0')
			case c >= 'a' && c <= 'f':
				v = v<<4 | (c - 'a' + 10)
			case c >= 'A' && c <= 'F':
				v = v<<4 | (c - 'A' + 10)
			default:
				return
			}
		}
		raw[i] = v
	}
	// The string form has the first three groups big-endian; on disk
	// they are little-endian.
	raw[0], raw[1], raw[2], raw[3] = raw[3], raw[2], raw[1], raw[0]
	raw[4], raw[5] = raw[5], raw[4]
	raw[6], raw[7] = raw[7], raw[6]
	*dst = raw
}

// Compound file writer: version 4 (4096-byte sectors), enough for an
// embedded message of up to 400 MB without DIFAT sectors.

const (
	sectorSize   = 4096
	miniSize     = 64
	miniCutoff   = 4096
	entriesPerFS = sectorSize / 4 // FAT entries per sector
	dirPerSector = sectorSize / 128
	freeSect     = 0xFFFFFFFF
	endOfChain   = 0xFFFFFFFE
	fatSect      = 0xFFFFFFFD
	noStream     = 0xFFFFFFFF
)

// errTooLarge is returned when a tree needs DIFAT sectors.
var errTooLarge = errors.New("compound file too large to write")

// dirEntry is a directory entry being written.
type dirEntry struct {
	n                  *node
	left, right, child uint32
	red                bool
	start              uint32
	size               uint64
	typ                byte // 1 storage, 2 stream, 5 root
}

// writeCFB serialises a tree as a compound file.
func writeCFB(root *node) ([]byte, error) {
	// Directory entries in pre-order; children linked as a balanced
	// red-black tree in CFB order.
	var ents []*dirEntry
	var walk func(n *node, typ byte) uint32
	walk = func(n *node, typ byte) uint32 {
		id := uint32(len(ents))
		e := &dirEntry{n: n, typ: typ, left: noStream, right: noStream, child: noStream}
		ents = append(ents, e)
		if n.storage {
			kids := append([]*node(nil), n.order...)
			sort.Slice(kids, func(i, j int) bool { return cfbLess(kids[i].name, kids[j].name) })
			ids := make([]uint32, len(kids))
			for i, k := range kids {
				t := byte(2)
				if k.storage {
					t = 1
				}
				ids[i] = walk(k, t)
			}
			h := height(len(ids))
			e.child = linkTree(ents, ids, 0, h, len(ids) == 1<<h-1)
		}
		return id
	}
	walk(root, 5)
	if len(ents) > maxEntries {
		return nil, errTooLarge
	}

	// Lay out: big streams, mini stream, mini FAT, directory, FAT.
	var sectors int
	fat := []uint32{}
	chain := func(n int) uint32 { // allocate n sectors as a chain
		if n == 0 {
			return endOfChain
		}
		start := uint32(sectors)
		for i := 0; i < n; i++ {
			if i == n-1 {
				fat = append(fat, endOfChain)
			} else {
				fat = append(fat, uint32(sectors+1))
			}
			sectors++
		}
		return start
	}
	var mini bytes.Buffer
	var minifat []uint32
	for _, e := range ents {
		if e.typ != 2 {
			continue
		}
		e.size = uint64(len(e.n.data))
		switch {
		case e.size == 0:
			e.start = endOfChain
		case e.size < miniCutoff:
			k := (len(e.n.data) + miniSize - 1) / miniSize
			e.start = uint32(len(minifat))
			for i := 0; i < k; i++ {
				if i == k-1 {
					minifat = append(minifat, endOfChain)
				} else {
					minifat = append(minifat, uint32(len(minifat)+1))
				}
			}
			mini.Write(e.n.data)
			if pad := k*miniSize - len(e.n.data); pad > 0 {
				mini.Write(make([]byte, pad))
			}
		default:
			e.start = chain((len(e.n.data) + sectorSize - 1) / sectorSize)
		}
	}
	rootEnt := ents[0]
	rootEnt.size = uint64(mini.Len())
	rootEnt.start = chain((mini.Len() + sectorSize - 1) / sectorSize)
	if mini.Len() == 0 {
		rootEnt.start = endOfChain
	}
	miniFATSectors := (len(minifat)*4 + sectorSize - 1) / sectorSize
	miniFATStart := chain(miniFATSectors)
	dirSectors := (len(ents) + dirPerSector - 1) / dirPerSector
	dirStart := chain(dirSectors)
	nfat := 0
	for (sectors+nfat+entriesPerFS-1)/entriesPerFS > nfat {
		nfat++
	}
	if nfat > 109 {
		return nil, errTooLarge
	}
	fatStart := sectors
	for i := 0; i < nfat; i++ {
		fat = append(fat, fatSect)
		sectors++
	}

	out := make([]byte, sectorSize*(1+sectors))
	sec := func(i int) []byte { return out[sectorSize*(1+i) : sectorSize*(2+i)] }
	put32 := func(b []byte, v uint32) { b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24) }
	put16 := func(b []byte, v uint16) { b[0], b[1] = byte(v), byte(v>>8) }
	writeChain := func(start uint32, data []byte) {
		for s, off := start, 0; off < len(data); off += sectorSize {
			copy(sec(int(s)), data[off:])
			s = fat[s]
		}
	}
	// Header.
	h := out[:512]
	copy(h, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	put16(h[24:], 0x3E)   // minor version
	put16(h[26:], 4)      // major version
	put16(h[28:], 0xFFFE) // little-endian
	put16(h[30:], 12)     // sector shift
	put16(h[32:], 6)      // mini sector shift
	put32(h[40:], uint32(dirSectors))
	put32(h[44:], uint32(nfat))
	put32(h[48:], dirStart)
	put32(h[56:], miniCutoff)
	put32(h[60:], miniFATStart)
	put32(h[64:], uint32(miniFATSectors))
	put32(h[68:], endOfChain) // no DIFAT sectors
	for i := 0; i < 109; i++ {
		v := uint32(freeSect)
		if i < nfat {
			v = uint32(fatStart + i)
		}
		put32(h[76+4*i:], v)
	}
	// Stream data.
	for _, e := range ents {
		if e.typ == 2 && e.size >= miniCutoff {
			writeChain(e.start, e.n.data)
		}
	}
	if mini.Len() > 0 {
		writeChain(rootEnt.start, mini.Bytes())
	}
	if miniFATSectors > 0 {
		b := make([]byte, miniFATSectors*sectorSize)
		for i := range b {
			b[i] = 0xFF
		}
		for i, v := range minifat {
			put32(b[4*i:], v)
		}
		writeChain(miniFATStart, b)
	}
	// Directory.
	dir := make([]byte, dirSectors*sectorSize)
	for i := len(ents); i < dirSectors*dirPerSector; i++ {
		d := dir[128*i:]
		put32(d[68:], noStream)
		put32(d[72:], noStream)
		put32(d[76:], noStream)
	}
	for i, e := range ents {
		d := dir[128*i : 128*(i+1)]
		u := utf16.Encode([]rune(e.n.name))
		if len(u) > 31 {
			u = u[:31]
		}
		for j, c := range u {
			put16(d[2*j:], c)
		}
		put16(d[64:], uint16(2*(len(u)+1)))
		d[66] = e.typ
		if !e.red {
			d[67] = 1
		}
		put32(d[68:], e.left)
		put32(d[72:], e.right)
		put32(d[76:], e.child)
		if e.typ != 2 {
			copy(d[80:96], e.n.clsid[:])
		}
		put32(d[116:], e.start)
		put32(d[120:], uint32(e.size))
		put32(d[124:], uint32(e.size>>32))
	}
	writeChain(dirStart, dir)
	// FAT.
	fb := make([]byte, nfat*sectorSize)
	for i := range fb {
		fb[i] = 0xFF
	}
	for i, v := range fat {
		put32(fb[4*i:], v)
	}
	for i := 0; i < nfat; i++ {
		copy(sec(fatStart+i), fb[i*sectorSize:])
	}
	return out, nil
}

// linkTree links the sorted sibling ids as a size-balanced binary search
// tree of height h and returns its root. Such a tree has every level but
// the last full, so colouring the last level red (unless the tree is
// perfect) and every other node black satisfies the red-black rules CFB
// requires.
func linkTree(ents []*dirEntry, ids []uint32, depth, h int, perfect bool) uint32 {
	if len(ids) == 0 {
		return noStream
	}
	mid := len(ids) / 2
	e := ents[ids[mid]]
	e.red = !perfect && depth == h-1
	e.left = linkTree(ents, ids[:mid], depth+1, h, perfect)
	e.right = linkTree(ents, ids[mid+1:], depth+1, h, perfect)
	return ids[mid]
}

// height returns the height of a size-balanced tree of n nodes.
func height(n int) int {
	h := 0
	for 1<<h-1 < n {
		h++
	}
	return h
}

// cfbLess orders directory names as CFB requires: shorter first, then by
// upper-cased UTF-16 code units.
func cfbLess(a, b string) bool {
	ua, ub := utf16.Encode([]rune(strings.ToUpper(a))), utf16.Encode([]rune(strings.ToUpper(b)))
	if len(ua) != len(ub) {
		return len(ua) < len(ub)
	}
	for i := range ua {
		if ua[i] != ub[i] {
			return ua[i] < ub[i]
		}
	}
	return false
}
