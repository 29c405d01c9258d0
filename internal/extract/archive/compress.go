package archive

import (
	"errors"
	"fmt"
	"io"
)

// Unix compress (.Z): LZW with codes of 9 up to 16 bits read LSB first, as
// ncompress writes it. Two details differ from textbook LZW (and make Go's
// compress/lzw unfit): in block mode code 256 clears the table, and codes
// come in groups of eight, so that when the code width changes or the
// table is cleared the rest of the current group is padding to skip.

var errCompressData = errors.New("corrupt compress (.Z) data")

// compressReader decodes a .Z stream as it is read.
type compressReader struct {
	br       bitReader
	maxBits  uint
	block    bool
	width    uint
	maxCode  int // the largest code of the current width
	freeEnt  int // the next table entry
	codes    int // codes read since the width last changed
	old      int // the previous code, -1 before the first
	finChar  byte
	prefix   []uint16
	suffix   []byte
	stack    []byte
	pending  []byte // decoded; pending[off:] not yet returned
	off      int
	err      error
	maxTable int
}

func newCompressReader(data []byte) (*compressReader, error) {
	if len(data) < 3 || data[0] != 0x1f || data[1] != 0x9d {
		return nil, errors.New("no compress (.Z) signature")
	}
	maxBits := uint(data[2] & 0x1f)
	if maxBits < 9 || maxBits > 16 {
		return nil, fmt.Errorf("compress (.Z): %d-bit codes (9 to 16 exist)", maxBits)
	}
	if data[2]&0x60 != 0 {
		return nil, errors.New("compress (.Z): unknown flags")
	}
	z := &compressReader{
		br:       bitReader{data: data[3:]},
		maxBits:  maxBits,
		block:    data[2]&0x80 != 0,
		width:    9,
		maxCode:  511,
		old:      -1,
		maxTable: 1 << maxBits,
		prefix:   make([]uint16, 1<<maxBits),
		suffix:   make([]byte, 1<<maxBits),
		stack:    make([]byte, 0, 1<<maxBits),
	}
	z.freeEnt = 256
	if z.block {
		z.freeEnt = 257
	}
	return z, nil
}

// align skips the rest of the current group of eight codes.
func (z *compressReader) align() error {
	if r := z.codes % 8; r != 0 {
		for range 8 - r {
			if _, err := z.br.bits(z.width); err != nil {
				return io.EOF // padding cut short at the end is harmless
			}
		}
	}
	z.codes = 0
	return nil
}

// step decodes one code into z.pending.
func (z *compressReader) step() error {
	if z.freeEnt > z.maxCode {
		if err := z.align(); err != nil {
			return err
		}
		z.width++
		z.maxCode = 1<<z.width - 1
		if z.width == z.maxBits {
			z.maxCode = z.maxTable
		}
	}
	c, err := z.br.bits(z.width)
	if err != nil {
		// The stream ends where the bits run out: a partial code is
		// padding.
		return io.EOF
	}
	z.codes++
	code := int(c)
	if z.old == -1 {
		if code > 255 {
			return errCompressData
		}
		z.old, z.finChar = code, byte(code)
		z.pending = append(z.pending, byte(code))
		return nil
	}
	if code == 256 && z.block {
		if err := z.align(); err != nil {
			return err
		}
		z.width, z.maxCode = 9, 511
		z.freeEnt = 256 // the next code fills the unused slot 256
		return nil
	}
	in := code
	z.stack = z.stack[:0]
	if code >= z.freeEnt {
		// With 9-bit codes the width still grows to 10 once the table is
		// full: a code naming entry 512, never made, is corrupt.
		if code > z.freeEnt || code >= z.maxTable {
			return errCompressData
		}
		z.stack = append(z.stack, z.finChar) // KwKwK
		code = z.old
	}
	for code >= 256 {
		if len(z.stack) >= z.maxTable {
			return errCompressData
		}
		z.stack = append(z.stack, z.suffix[code])
		code = int(z.prefix[code])
	}
	z.finChar = byte(code)
	z.stack = append(z.stack, z.finChar)
	for i := len(z.stack) - 1; i >= 0; i-- {
		z.pending = append(z.pending, z.stack[i])
	}
	if z.freeEnt < z.maxTable {
		z.prefix[z.freeEnt], z.suffix[z.freeEnt] = uint16(z.old), z.finChar
		z.freeEnt++
	}
	z.old = in
	return nil
}

func (z *compressReader) Read(p []byte) (int, error) {
	if z.off == len(z.pending) {
		z.pending, z.off = z.pending[:0], 0
		for len(z.pending) < 4096 && z.err == nil {
			z.err = z.step()
		}
		if len(z.pending) == 0 {
			return 0, z.err
		}
	}
	n := copy(p, z.pending[z.off:])
	z.off += n
	return n, nil
}
