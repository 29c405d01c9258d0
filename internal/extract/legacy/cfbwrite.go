package legacy

import (
	"fmt"
	"slices"
	"strings"
)

// span is a byte range of the compound file.
type span struct{ off, n int }

// chainSpans returns where the bytes that chainBytes(start, size) reads
// lie in the file, in order.
func (f *cfbFile) chainSpans(start uint32, size uint64) []span {
	size = min(size, uint64(len(f.data)))
	var out []span
	var total uint64
	for s, n := start, 0; s != endOfChain && total < size && n <= len(f.fat); n++ {
		sec := f.sector(s)
		if sec == nil || int(s) >= len(f.fat) {
			break
		}
		off := int((uint64(s) + 1) * uint64(f.sectSize))
		l := min(uint64(len(sec)), size-total)
		out = append(out, span{off, int(l)})
		total += l
		s = f.fat[s]
	}
	return out
}

// miniSpans returns where the bytes that miniBytes(start, size) reads lie
// in the file: the mini stream is itself the root entry's chain.
func (f *cfbFile) miniSpans(start uint32, size uint64) []span {
	root := f.chainSpans(f.rootStart, f.rootSize)
	// ends[i] is the mini stream offset where root[i] ends.
	ends := make([]int, len(root))
	pos := 0
	for i, sp := range root {
		pos += sp.n
		ends[i] = pos
	}
	var out []span
	var total uint64
	for s, n := start, 0; s != endOfChain && total < size && n <= len(f.miniFAT); n++ {
		off := uint64(s) * 64
		if off+64 > uint64(len(f.miniData)) || int(s) >= len(f.miniFAT) {
			break
		}
		l := min(64, size-total)
		out = mapSpans(out, root, ends, int(off), int(l))
		total += l
		s = f.miniFAT[s]
	}
	return out
}

// mapSpans appends the file ranges of bytes [off, off+n) of the stream
// laid out in spans, ends holding where each span ends in the stream.
func mapSpans(out, spans []span, ends []int, off, n int) []span {
	i, _ := slices.BinarySearch(ends, off+1)
	for ; i < len(spans) && n > 0; i++ {
		begin := ends[i] - spans[i].n
		skip := max(off-begin, 0)
		l := min(spans[i].n-skip, n)
		out = append(out, span{spans[i].off + skip, l})
		off += l
		n -= l
	}
	return out
}

// streamSpans returns where the top-level stream named name lies in the
// file: stream(name) is the concatenation of these ranges.
func (f *cfbFile) streamSpans(name string) ([]span, bool) {
	e, ok := f.streams[strings.ToUpper(name)]
	if !ok {
		return nil, false
	}
	if e.size < f.cutoff {
		return f.miniSpans(e.start, e.size), true
	}
	return f.chainSpans(e.start, e.size), true
}

// overwrite writes data over the stream named name in out, a copy of the
// compound file of the same length. data must be as long as the stream.
func (f *cfbFile) overwrite(out []byte, name string, data []byte) error {
	if len(out) != len(f.data) {
		return fmt.Errorf("overwrite %s: copy of %d bytes, file of %d", name, len(out), len(f.data))
	}
	spans, ok := f.streamSpans(name)
	if !ok {
		return fmt.Errorf("overwrite %s: no such stream", name)
	}
	total := 0
	for _, sp := range spans {
		total += sp.n
	}
	if total != len(data) {
		return fmt.Errorf("overwrite %s: %d bytes for a stream of %d", name, len(data), total)
	}
	pos := 0
	for _, sp := range spans {
		if sp.off < 0 || sp.n < 0 || sp.off+sp.n > len(out) {
			return fmt.Errorf("overwrite %s: range outside the file", name)
		}
		copy(out[sp.off:sp.off+sp.n], data[pos:pos+sp.n])
		pos += sp.n
	}
	return nil
}
