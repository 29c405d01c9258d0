package msg

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Compressed RTF ([MS-OXRTFCP]): a 16-byte header, then LZ77 runs over a
// 4096-byte dictionary primed with common RTF.

const lzfuPrebuf = "{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx"

const (
	magicCompressed   = 0x75465A4C // "LZFu"
	magicUncompressed = 0x414C454D // "MELA"
)

// ErrRTF is wrapped by errors from DecompressRTF.
var ErrRTF = errors.New("msg: bad compressed RTF")

// DecompressRTF decompresses a PR_RTF_COMPRESSED value, producing at most
// max bytes (and never more than the header's declared raw size). A CRC
// mismatch is returned as an error together with the output, which is
// usually still right.
func DecompressRTF(data []byte, max int) ([]byte, error) {
	if len(data) < 16 {
		return nil, fmt.Errorf("%w: %d bytes", ErrRTF, len(data))
	}
	compSize := binary.LittleEndian.Uint32(data)
	rawSize := binary.LittleEndian.Uint32(data[4:])
	magic := binary.LittleEndian.Uint32(data[8:])
	crc := binary.LittleEndian.Uint32(data[12:])
	limit := min(int64(rawSize), int64(max))
	body := data[16:]
	if int64(compSize)-12 < int64(len(body)) && compSize >= 12 {
		body = body[:compSize-12]
	}
	switch magic {
	case magicUncompressed:
		return body[:min(int64(len(body)), limit)], nil
	case magicCompressed:
	default:
		return nil, fmt.Errorf("%w: unknown type %#x", ErrRTF, magic)
	}
	var dict [4096]byte
	copy(dict[:], lzfuPrebuf)
	w := len(lzfuPrebuf)
	out := make([]byte, 0, min(limit, int64(len(body))*8+64))
	var err error
	i := 0
loop:
	for i < len(body) {
		ctrl := body[i]
		i++
		for bit := 0; bit < 8; bit++ {
			if int64(len(out)) >= limit {
				break loop
			}
			if ctrl&(1<<bit) == 0 {
				if i >= len(body) {
					break loop
				}
				c := body[i]
				i++
				out = append(out, c)
				dict[w] = c
				w = (w + 1) & 4095
				continue
			}
			if i+1 >= len(body) {
				err = fmt.Errorf("%w: truncated reference", ErrRTF)
				break loop
			}
			ref := int(body[i])<<8 | int(body[i+1])
			i += 2
			off, n := ref>>4, ref&0xF+2
			if off == w {
				break loop // end of stream
			}
			for k := 0; k < n && int64(len(out)) < limit; k++ {
				c := dict[(off+k)&4095]
				out = append(out, c)
				dict[w] = c
				w = (w + 1) & 4095
			}
		}
	}
	if err == nil && crc != 0 && crc32RTF(data[16:min(len(data), 16+int(max32(compSize, 12)-12))]) != crc {
		err = fmt.Errorf("%w: CRC mismatch", ErrRTF)
	}
	return out, err
}

func max32(a, b uint32) uint32 {
	if a > b {
		return a
	}
	return b
}

var crcTable = func() (t [256]uint32) {
	for i := range t {
		c := uint32(i)
		for k := 0; k < 8; k++ {
			if c&1 != 0 {
				c = 0xEDB88320 ^ c>>1
			} else {
				c >>= 1
			}
		}
		t[i] = c
	}
	return t
}()

// crc32RTF is the CRC of [MS-OXRTFCP]: the CRC-32 table without the
// initial and final inversion.
func crc32RTF(b []byte) uint32 {
	var c uint32
	for _, x := range b {
		c = crcTable[byte(c)^x] ^ c>>8
	}
	return c
}
