package archive

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/newsroom/dossier/internal/extract"
)

// Microsoft Cabinet (.cab), as [MS-CAB] describes it: a header, folders
// (each a stream of compressed data blocks) and files (each a range of a
// folder's uncompressed stream). Folders stored or compressed with MSZIP
// (deflate blocks whose window carries over from one block to the next)
// are read; Quantum and LZX folders list their files as skipped.

const (
	cabPrevCabinet   = 0x0001
	cabNextCabinet   = 0x0002
	cabReservePresnt = 0x0004
	cabNameUTF8      = 0x80
	cabBlockMax      = 32768 // uncompressed bytes in one data block
)

var cabCompression = map[uint16]string{0: "none", 1: "MSZIP", 2: "Quantum", 3: "LZX"}

type cabFolder struct {
	dataAt   uint32 // offset of the first data block
	blocks   uint16
	compress uint16
}

type cabFile struct {
	size, offset uint32 // in the folder's uncompressed stream
	folder       uint16
	date, time   uint16
	attribs      uint16
	name         string
}

// cabReader reads little-endian fields from the cabinet, failing once
// past its end.
type cabReader struct {
	data []byte
	pos  int
	err  error
}

func (r *cabReader) bytes(n int) []byte {
	if r.err != nil || n < 0 || r.pos+n > len(r.data) {
		r.err = errors.New("the file ends inside a header")
		return make([]byte, max(n, 0))
	}
	b := r.data[r.pos : r.pos+n]
	r.pos += n
	return b
}

func (r *cabReader) u8() uint8   { return r.bytes(1)[0] }
func (r *cabReader) u16() uint16 { return binary.LittleEndian.Uint16(r.bytes(2)) }
func (r *cabReader) u32() uint32 { return binary.LittleEndian.Uint32(r.bytes(4)) }

// cstring reads a NUL-terminated string of at most 256 bytes.
func (r *cabReader) cstring() string {
	if r.err != nil {
		return ""
	}
	rest := r.data[r.pos:]
	i := bytes.IndexByte(rest[:min(len(rest), 257)], 0)
	if i < 0 {
		r.err = errors.New("a name runs past 256 bytes or the end of the file")
		return ""
	}
	r.pos += i + 1
	return string(rest[:i])
}

func extractCab(ctx context.Context, data []byte, opts extract.Options) (*extract.Result, error) {
	r := &cabReader{data: data}
	if string(r.bytes(4)) != "MSCF" {
		return nil, errors.New("no cabinet signature")
	}
	r.u32()
	declared := r.u32()
	r.u32()
	filesAt := r.u32()
	r.u32()
	minor, major := r.u8(), r.u8()
	nFolders, nFiles, flags := r.u16(), r.u16(), r.u16()
	r.u16() // set id
	index := r.u16()
	var folderReserve, dataReserve int
	if flags&cabReservePresnt != 0 {
		headerReserve := int(r.u16())
		folderReserve, dataReserve = int(r.u8()), int(r.u8())
		r.bytes(headerReserve)
	}
	var prev, next string
	if flags&cabPrevCabinet != 0 {
		prev = r.cstring()
		r.cstring()
	}
	if flags&cabNextCabinet != 0 {
		next = r.cstring()
		r.cstring()
	}
	if r.err != nil {
		return nil, r.err
	}
	c := newCollector(ctx, opts, len(data))
	c.res.Meta.Extra = map[string]string{"format": "cab", "cab_version": fmt.Sprintf("%d.%d", major, minor)}
	if declared != uint32(len(data)) {
		c.problem("the cabinet declares %d bytes, the file holds %d", declared, len(data))
	}
	if prev != "" || next != "" || index > 0 {
		c.problem("part %d of a cabinet set (previous %q, next %q): files continued from or into the other parts are listed, not extracted", index+1, prev, next)
	}

	folders := make([]cabFolder, 0, min(int(nFolders), len(data)/8))
	for range nFolders {
		f := cabFolder{dataAt: r.u32(), blocks: r.u16(), compress: r.u16()}
		r.bytes(folderReserve)
		if r.err != nil {
			return nil, fmt.Errorf("folder %d: %w", len(folders), r.err)
		}
		folders = append(folders, f)
	}
	r.pos = int(min(filesAt, uint32(len(data))))
	files := make([]cabFile, 0, min(int(nFiles), len(data)/16))
	for range nFiles {
		f := cabFile{size: r.u32(), offset: r.u32(), folder: r.u16(), date: r.u16(), time: r.u16(), attribs: r.u16()}
		f.name = r.cstring()
		if r.err != nil {
			c.problem("file entry %d: %v; stopped", len(files)+1, r.err)
			break
		}
		files = append(files, f)
	}

	// Each folder is decompressed once, when its first file is reached.
	streams := map[uint16][]byte{}
	failed := map[uint16]string{}
	// given counts the bytes of each folder handed out to files: past the
	// folder's own length (counted as it was decoded), files overlap, and
	// what they add is counted against the budget too.
	given := map[uint16]uint64{}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if c.full() {
			break
		}
		name := f.name
		if f.attribs&cabNameUTF8 == 0 {
			name = zipText(name) // the code page is not recorded; IBM 437 is the usual guess
		}
		ch := extract.Child{Modified: timePtr(dosTime(f.date, f.time))}
		switch {
		case f.folder >= 0xFFFD:
			ch.Skip = "continued from or into another cabinet of the set, not given"
		case int(f.folder) >= len(folders):
			ch.Failed = fmt.Sprintf("corrupt: in folder %d of %d", f.folder, len(folders))
		default:
			folder := folders[f.folder]
			stream, ok := streams[f.folder]
			why, bad := failed[f.folder]
			if !ok && !bad {
				stream, why = cabFolderData(c, data, folder, dataReserve)
				streams[f.folder] = stream
				if why != "" {
					failed[f.folder] = why
				}
			}
			end := uint64(f.offset) + uint64(f.size)
			switch {
			case end <= uint64(len(stream)):
				g := given[f.folder] + uint64(f.size)
				if over := int64(g - max(given[f.folder], uint64(len(stream)))); g > uint64(len(stream)) {
					reason, ok := c.fits(over)
					if !ok {
						ch.Skip = reason
						break
					}
					c.used += over
				}
				given[f.folder] = g
				ch.Data = stream[f.offset:end:end]
			case why != "":
				ch.Skip = why
			default:
				ch.Failed = fmt.Sprintf("corrupt: bytes %d to %d of a folder of %d", f.offset, end, len(stream))
			}
		}
		if !c.add(name, ch) {
			break
		}
	}
	return c.finish(), nil
}

// cabFolderData decompresses a folder's data blocks, within the budget. It
// returns what it could decode and, when that is not all, why.
func cabFolderData(c *collector, data []byte, f cabFolder, dataReserve int) ([]byte, string) {
	kind := f.compress & 0x0f
	if kind > 1 {
		name := cabCompression[kind]
		if name == "" {
			name = fmt.Sprintf("type %d", kind)
		}
		return nil, fmt.Sprintf("compressed with %s (not supported; MSZIP and stored folders are)", name)
	}
	r := &cabReader{data: data, pos: int(min(f.dataAt, uint32(len(data))))}
	var out []byte
	for b := range int(f.blocks) {
		if err := c.ctx.Err(); err != nil {
			return out, err.Error()
		}
		r.u32() // checksum
		packed, size := int(r.u16()), int(r.u16())
		r.bytes(dataReserve)
		block := r.bytes(packed)
		if r.err != nil {
			return out, fmt.Sprintf("corrupt: data block %d: %v", b, r.err)
		}
		if size > cabBlockMax {
			return out, fmt.Sprintf("corrupt: data block %d declares %d bytes (at most %d)", b, size, cabBlockMax)
		}
		if reason, ok := c.fits(int64(size)); !ok {
			return out, reason
		}
		var plain []byte
		if kind == 0 {
			plain = block
		} else {
			if len(block) < 2 || block[0] != 'C' || block[1] != 'K' {
				return out, fmt.Sprintf("corrupt: MSZIP block %d without its CK signature", b)
			}
			// The window carries over: the previous block's output is
			// the dictionary of this one.
			dict := out[max(len(out)-cabBlockMax, 0):]
			zr := flate.NewReaderDict(bytes.NewReader(block[2:]), dict)
			var err error
			plain, err = io.ReadAll(io.LimitReader(zr, int64(size)+1))
			zr.Close()
			if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
				return out, fmt.Sprintf("corrupt: MSZIP block %d: %v", b, err)
			}
		}
		if len(plain) != size {
			return out, fmt.Sprintf("corrupt: data block %d holds %d bytes, declares %d", b, len(plain), size)
		}
		c.used += int64(size)
		out = append(out, plain...)
	}
	return out, ""
}
