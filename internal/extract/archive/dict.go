package archive

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/bodgit/sevenzip"
	"github.com/ulikunitz/xz/lzma"
)

// The LZMA decoders allocate the whole dictionary a stream declares
// before producing a byte: a 100-byte xz or 7z file can ask for 4 GiB.
// These guards refuse dictionaries over maxDict (and, where the size of
// the output is known, allocate no more than it).

// maxDict is the largest LZMA or LZMA2 dictionary accepted. xz -9 and
// 7-Zip's ultra preset use 64 MiB; 7-Zip allows up to 1.5 GiB by hand.
const maxDict = 1 << 30

var errDictTooLarge = errors.New("declares a decompression dictionary over 1 GiB")

// lzma2Dict decodes an LZMA2 dictionary-size property byte.
func lzma2Dict(p byte) (uint64, bool) {
	if p > 40 {
		return 0, false
	}
	if p == 40 {
		return 1<<32 - 1, true
	}
	return uint64(2|p&1) << (p/2 + 11), true
}

// checkXzDict reads the block headers of an xz file (every stream, found
// from its end through the index) and fails when a block's LZMA2
// dictionary is over maxDict. A file whose structure cannot be followed
// is left to the decoder, which checks it as it goes; only the first
// block header is checked then.
func checkXzDict(data []byte) error {
	end := len(data)
	for end > 0 {
		for end >= 4 && bytes.Equal(data[end-4:end], []byte{0, 0, 0, 0}) {
			end -= 4 // stream padding
		}
		blocks, start, ok := xzStreamBlocks(data[:end])
		if !ok {
			return checkXzBlock(data, 12)
		}
		for _, b := range blocks {
			if err := checkXzBlock(data, b); err != nil {
				return err
			}
		}
		end = start
	}
	return nil
}

// xzStreamBlocks parses the stream ending at len(data): it returns the
// offsets of its block headers and the offset where the stream starts.
func xzStreamBlocks(data []byte) (blocks []int, start int, ok bool) {
	le := binary.LittleEndian
	n := len(data)
	if n < 24 || string(data[n-2:]) != "YZ" {
		return nil, 0, false
	}
	indexSize := (int(le.Uint32(data[n-8:])) + 1) * 4
	indexStart := n - 12 - indexSize
	if indexStart < 12 || data[indexStart] != 0 {
		return nil, 0, false
	}
	r := bytes.NewReader(data[indexStart+1 : n-12])
	count, err := binary.ReadUvarint(r)
	if err != nil || count > uint64(indexSize) {
		return nil, 0, false
	}
	var sizes []int
	total := 0
	for range count {
		unpadded, err1 := binary.ReadUvarint(r)
		_, err2 := binary.ReadUvarint(r)
		if err1 != nil || err2 != nil || unpadded > uint64(n) {
			return nil, 0, false
		}
		size := (int(unpadded) + 3) &^ 3
		sizes = append(sizes, size)
		total += size
	}
	start = indexStart - total - 12
	if start < 0 || string(data[start:start+6]) != "\xfd7zXZ\x00" {
		return nil, 0, false
	}
	at := start + 12
	for _, s := range sizes {
		blocks = append(blocks, at)
		at += s
	}
	return blocks, start, true
}

// checkXzBlock checks the filters of the block header at off.
func checkXzBlock(data []byte, off int) error {
	if off >= len(data) || data[off] == 0 {
		return nil // no block, or the index
	}
	size := (int(data[off]) + 1) * 4
	if off+size > len(data) {
		return nil
	}
	h := bytes.NewReader(data[off+2 : off+size])
	flags := data[off+1]
	if flags&0x40 != 0 {
		binary.ReadUvarint(h)
	}
	if flags&0x80 != 0 {
		binary.ReadUvarint(h)
	}
	for range int(flags&3) + 1 {
		id, err1 := binary.ReadUvarint(h)
		n, err2 := binary.ReadUvarint(h)
		if err1 != nil || err2 != nil || n > 1<<10 {
			return nil
		}
		props := make([]byte, n)
		if _, err := io.ReadFull(h, props); err != nil {
			return nil
		}
		if id == 0x21 && n == 1 {
			if d, ok := lzma2Dict(props[0]); ok && d > maxDict {
				return fmt.Errorf("%w (%s)", errDictTooLarge, bytesize(int64(d)))
			}
		}
	}
	return nil
}

// guard7z replaces bodgit/sevenzip's LZMA and LZMA2 decoders (in this
// process) with ones that refuse dictionaries over maxDict and allocate
// no more dictionary than the folder's declared output.
var guard7z = sync.OnceFunc(func() {
	sevenzip.RegisterDecompressor([]byte{0x03, 0x01, 0x01}, newLZMA7z)
	sevenzip.RegisterDecompressor([]byte{0x21}, newLZMA2For7z)
})

// readCloser7z reads r and closes c.
type readCloser7z struct {
	io.Reader
	c io.Closer
}

func (r readCloser7z) Close() error { return r.c.Close() }

func newLZMA7z(p []byte, size uint64, readers []io.ReadCloser) (io.ReadCloser, error) {
	if len(readers) != 1 || len(p) != 5 {
		return nil, errors.New("lzma: bad coder properties")
	}
	dict := uint64(binary.LittleEndian.Uint32(p[1:]))
	if min(dict, size) > maxDict {
		return nil, errDictTooLarge
	}
	hdr := make([]byte, 13)
	copy(hdr, p)
	binary.LittleEndian.PutUint64(hdr[5:], size)
	r, err := lzma.ReaderConfig{DictCap: maxDict}.NewReader(io.MultiReader(bytes.NewReader(hdr), readers[0]))
	if err != nil {
		return nil, fmt.Errorf("lzma: %w", err)
	}
	return readCloser7z{r, readers[0]}, nil
}

func newLZMA2For7z(p []byte, size uint64, readers []io.ReadCloser) (io.ReadCloser, error) {
	if len(readers) != 1 || len(p) != 1 {
		return nil, errors.New("lzma2: bad coder properties")
	}
	dict, ok := lzma2Dict(p[0])
	if !ok {
		return nil, errors.New("lzma2: bad dictionary size")
	}
	if size > 0 {
		dict = min(dict, max(size, lzma.MinDictCap))
	}
	if dict > maxDict {
		return nil, errDictTooLarge
	}
	r, err := lzma.Reader2Config{DictCap: int(dict)}.NewReader2(readers[0])
	if err != nil {
		return nil, fmt.Errorf("lzma2: %w", err)
	}
	return readCloser7z{r, readers[0]}, nil
}
