package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/klauspost/compress/gzip"

	"github.com/newsroom/dossier/internal/extract"
)

func extractTar(ctx context.Context, data []byte, opts extract.Options) (*extract.Result, error) {
	c := newCollector(ctx, opts, len(data))
	if err := walkTar(c, bytes.NewReader(data)); err != nil {
		return nil, err
	}
	return c.finish(), nil
}

// isTarHeader reports whether block starts with a tar header: the ustar
// magic, or (old V7 archives) a header whose checksum adds up.
func isTarHeader(block []byte) bool {
	if len(block) < 512 {
		return false
	}
	if string(block[257:262]) == "ustar" {
		return true
	}
	if block[0] == 0 {
		return false
	}
	field := bytes.TrimRight(bytes.TrimLeft(block[148:156], " \x00"), " \x00")
	want, err := strconv.ParseUint(string(field), 8, 32)
	if err != nil || len(field) == 0 {
		return false
	}
	var unsigned, signed int64
	for i, b := range block[:512] {
		if i >= 148 && i < 156 {
			b = ' '
		}
		unsigned += int64(b)
		signed += int64(int8(b))
	}
	return int64(want) == unsigned || int64(want) == signed
}

// walkTar lists the members of the tar stream r into c. It returns an
// error only when not even the first header could be read.
func walkTar(c *collector, r io.Reader) error {
	tr := tar.NewReader(r)
	for n := 0; ; n++ {
		if err := c.ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if errors.Is(err, tar.ErrInsecurePath) {
			err = nil // names are never used as paths here
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			switch {
			case errors.Is(err, errStreamOverBudget):
				c.stop("the decompressed stream passes %d times the expansion budget of %s after %d entries: the rest are not listed", streamFactor, bytesize(c.limit), n)
			case n == 0:
				return fmt.Errorf("read the first header: %w", err)
			case errors.Is(err, io.ErrUnexpectedEOF):
				c.problem("truncated after %d entries", n)
			default:
				c.problem("stopped after %d entries: %v", n, err)
			}
			return nil
		}
		ch := extract.Child{Modified: timePtr(hdr.ModTime)}
		switch hdr.Typeflag {
		case tar.TypeDir, tar.TypeXGlobalHeader, 'V': // 'V': a GNU volume label
			continue
		}
		if c.full() {
			c.add(hdr.Name, ch)
			return nil
		}
		switch hdr.Typeflag {
		case tar.TypeSymlink:
			ch.Skip = symlinkSkip(hdr.Linkname)
		case tar.TypeLink:
			ch.Skip = hardlinkSkip(hdr.Linkname)
		case tar.TypeChar:
			ch.Skip = fmt.Sprintf("character device %d,%d, not extracted", hdr.Devmajor, hdr.Devminor)
		case tar.TypeBlock:
			ch.Skip = fmt.Sprintf("block device %d,%d, not extracted", hdr.Devmajor, hdr.Devminor)
		case tar.TypeFifo:
			ch.Skip = "named pipe (fifo), not extracted"
		case 'M': // GNU multi-volume continuation
			ch.Skip = "the rest of a file begun in the previous volume, not extracted"
		default: // regular files and, as POSIX asks, unknown types
			if reason, ok := c.fits(hdr.Size); !ok {
				ch.Skip = reason
				break
			}
			data, err := c.read(tr, hdr.Size)
			switch {
			case err == nil:
				ch.Data = data
			case errors.Is(err, errOverBudget), errors.Is(err, errStreamOverBudget):
				ch.Skip = c.overReason()
				c.add(hdr.Name, ch)
				c.stop("stopped at %q: over the expansion budget of %s", Escape(hdr.Name), bytesize(c.limit))
				return nil
			case c.ctx.Err() != nil:
				return c.ctx.Err()
			default:
				ch.Failed = failReason(err)
			}
		}
		if !c.add(hdr.Name, ch) {
			return nil
		}
	}
}

// failReason says why a member's bytes could not be read.
func failReason(err error) string {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "truncated"
	case errors.Is(err, errTooLong):
		return "corrupt: " + errTooLong.Error()
	case errors.Is(err, errChecksum), errors.Is(err, gzip.ErrChecksum):
		return "bad CRC"
	case errors.Is(err, errMethod), errors.Is(err, errDictTooLarge):
		return err.Error()
	}
	return "corrupt: " + err.Error()
}

// errChecksum: a member's bytes do not match its recorded checksum.
var errChecksum = errors.New("checksum mismatch")
