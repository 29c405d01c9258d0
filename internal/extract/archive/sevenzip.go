package archive

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"

	"github.com/bodgit/sevenzip"

	"github.com/newsroom/dossier/internal/extract"
)

// check7zComplete reads the 7z start header and fails when the header it
// points to lies past the end of data: the first volume of a split
// archive (.7z.001) or a truncated file, from which nothing can be listed.
func check7zComplete(data []byte) error {
	if len(data) < 32 {
		return errors.New("truncated start header")
	}
	off := binary.LittleEndian.Uint64(data[12:])
	size := binary.LittleEndian.Uint64(data[20:])
	if off > uint64(len(data)) || size > uint64(len(data)) || 32+off+size > uint64(len(data)) {
		return fmt.Errorf("the archive's header lies past the end of this file (at byte %d of %d, %d more needed): "+
			"this is the first volume of a split archive (.7z.001) without the others, or a truncated file",
			32+off, len(data), 32+off+size-uint64(len(data)))
	}
	return nil
}

func extract7z(ctx context.Context, data []byte, opts extract.Options) (res *extract.Result, err error) {
	defer recoverDecoder("7z", &err)
	if err := check7zComplete(data); err != nil {
		return nil, err
	}
	guard7z()
	return withPasswords(ctx, data, opts, walk7z)
}

// walker lists an archive with one password ("" for none). locked reports
// that something was encrypted and the password did not open it; with a
// password the walk stops there.
type walker func(ctx context.Context, data []byte, opts extract.Options, password string) (res *extract.Result, locked bool, err error)

// withPasswords walks an archive without a password and, when something
// is locked, again with each password until one opens everything.
func withPasswords(ctx context.Context, data []byte, opts extract.Options, walk walker) (*extract.Result, error) {
	res, locked, err := walk(ctx, data, opts, "")
	if !locked || ctx.Err() != nil {
		return res, err
	}
	for _, pw := range opts.Passwords {
		if pw == "" {
			continue
		}
		r, l, e := walk(ctx, data, opts, pw)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if e == nil && !l {
			r.Meta.Encrypted, r.Meta.Decrypted = true, true
			return r, nil
		}
	}
	if res == nil { // the listing itself is encrypted
		return &extract.Result{Meta: extract.Metadata{Encrypted: true}}, extract.ErrEncrypted
	}
	res.Meta.Encrypted = true
	return res, nil
}

// lockedSkip is the Skip reason of an encrypted member no password opens.
func lockedSkip(opts extract.Options) string {
	if len(opts.Passwords) == 0 {
		return "encrypted, no password given"
	}
	return "encrypted, no password given fits"
}

func walk7z(ctx context.Context, data []byte, opts extract.Options, password string) (*extract.Result, bool, error) {
	var (
		r   *sevenzip.Reader
		err error
	)
	if password == "" {
		r, err = sevenzip.NewReader(bytes.NewReader(data), int64(len(data)))
	} else {
		r, err = sevenzip.NewReaderWithPassword(bytes.NewReader(data), int64(len(data)), password)
	}
	if err != nil {
		if is7zEncrypted(err) {
			return nil, true, err
		}
		return nil, false, fmt.Errorf("read the header: %w", err)
	}
	c := newCollector(ctx, opts, len(data))
	locked := false
	cut := map[int]bool{} // streams (solid blocks) no longer read
	for _, f := range r.File {
		if err := ctx.Err(); err != nil {
			return nil, false, err
		}
		mode := f.Mode()
		if mode.IsDir() {
			continue
		}
		ch := extract.Child{Modified: timePtr(f.Modified)}
		size := int64(min(f.UncompressedSize, 1<<62))
		switch {
		case c.full():
		case mode&fs.ModeSymlink != 0:
			ch.Skip = "symlink, not followed"
			if rc, err := f.Open(); err == nil {
				ch.Skip = symlinkSkip(linkTarget(rc))
				rc.Close()
			}
		case mode.Type()&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeNamedPipe|fs.ModeSocket) != 0:
			ch.Skip = "special file (" + mode.Type().String() + "), not extracted"
		case cut[f.Stream]:
			ch.Skip = "over the expansion budget (in the same solid block as a member over it)"
			c.overBudget++
		default:
			if reason, ok := c.fits(size); !ok {
				ch.Skip = reason
				cut[f.Stream] = true
				break
			}
			rc, err := f.Open()
			var got []byte
			if err == nil {
				got, err = c.read(rc, size)
				rc.Close()
			}
			if err == nil && f.CRC32 != 0 && crc32.ChecksumIEEE(got) != f.CRC32 {
				err = errChecksum
			}
			switch {
			case err == nil:
				ch.Data = got
			case ctx.Err() != nil:
				return nil, false, ctx.Err()
			case errors.Is(err, errOverBudget):
				ch.Skip = c.overReason()
				cut[f.Stream] = true
			case is7zEncrypted(err) || (password != "" && errors.Is(err, errChecksum)):
				locked = true
				if password != "" {
					return nil, true, nil
				}
				ch.Skip = lockedSkip(opts)
			default:
				ch.Failed = failReason(err)
			}
		}
		if !c.add(f.Name, ch) {
			break
		}
	}
	return c.finish(), locked, nil
}

func is7zEncrypted(err error) bool {
	var re *sevenzip.ReadError
	return errors.As(err, &re) && re.Encrypted
}

// recoverDecoder turns a panic in a third-party decoder into an error:
// the input is hostile and the item must fail, not the process.
func recoverDecoder(format string, err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%s decoder failed on this input: %v", format, r)
	}
}
