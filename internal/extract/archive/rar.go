package archive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/nwaples/rardecode/v2"

	"github.com/newsroom/dossier/internal/extract"
)

func extractRar(ctx context.Context, data []byte, opts extract.Options) (res *extract.Result, err error) {
	defer recoverDecoder("rar", &err)
	return withPasswords(ctx, data, opts, walkRar)
}

func walkRar(ctx context.Context, data []byte, opts extract.Options, password string) (*extract.Result, bool, error) {
	c := newCollector(ctx, opts, len(data))
	ropts := []rardecode.Option{rardecode.MaxDictionarySize(dictLimit(c.budget))}
	if password != "" {
		ropts = append(ropts, rardecode.Password(password))
	}
	r, err := rardecode.NewReader(bytes.NewReader(data), ropts...)
	if err != nil {
		if errors.Is(err, rardecode.ErrArchiveEncrypted) {
			return nil, true, err
		}
		return nil, false, fmt.Errorf("read the header: %w", err)
	}
	locked := false
	for n := 0; ; n++ {
		if err := ctx.Err(); err != nil {
			return nil, false, err
		}
		h, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			switch {
			case errors.Is(err, rardecode.ErrArchiveEncrypted), errors.Is(err, rardecode.ErrBadPassword),
				password != "" && n == 0 && errors.Is(err, rardecode.ErrBadHeaderCRC):
				return nil, true, err // the listing is encrypted
			case errors.Is(err, rardecode.ErrMultiVolume):
				c.problem("the archive continues in a next volume (.part2.rar, .r00), not given")
			case n == 0:
				return nil, false, fmt.Errorf("read the first header: %w", err)
			default:
				c.problem("stopped after %d entries: %v", n, err)
			}
			break
		}
		if h.IsDir {
			continue
		}
		ch := extract.Child{Modified: timePtr(h.ModificationTime)}
		size := h.UnPackedSize
		if h.UnKnownSize {
			size = -1
		}
		switch {
		case c.full():
		case h.LinkType == rardecode.LinkTypeHardLink:
			ch.Skip = hardlinkSkip(h.LinkTarget)
		case h.LinkType == rardecode.LinkTypeFileCopy:
			ch.Skip = "a copy of " + Escape(h.LinkTarget) + " in this archive, not extracted"
		case h.LinkType != rardecode.LinkTypeNone:
			ch.Skip = symlinkSkip(h.LinkTarget)
		case h.Encrypted && password == "":
			locked = true
			ch.Skip = lockedSkip(opts)
		default:
			if reason, ok := c.fits(size); !ok {
				ch.Skip = reason
				if h.Solid {
					// Reaching the next member would expand this one.
					c.add(h.Name, ch)
					c.stop("solid archive: members after %q, which is over the expansion budget, are not listed", Escape(h.Name))
					return c.finish(), locked, nil
				}
				break
			}
			got, err := c.read(r, size)
			switch {
			case err == nil:
				ch.Data = got
			case ctx.Err() != nil:
				return nil, false, ctx.Err()
			case errors.Is(err, errOverBudget):
				ch.Skip = c.overReason()
				c.add(h.Name, ch)
				c.stop("stopped at %q: over the expansion budget", Escape(h.Name))
				return c.finish(), locked, nil
			case h.Encrypted && (errors.Is(err, rardecode.ErrBadPassword) || errors.Is(err, rardecode.ErrBadFileChecksum) ||
				errors.Is(err, rardecode.ErrArchivedFileEncrypted)):
				return nil, true, nil // the password does not fit
			case errors.Is(err, rardecode.ErrBadFileChecksum):
				ch.Failed = "bad CRC"
			case errors.Is(err, rardecode.ErrMultiVolume):
				ch.Failed = "continues in a next volume, not given"
			case errors.Is(err, rardecode.ErrDictionaryTooLarge):
				ch.Failed = fmt.Sprintf("needs a decoding dictionary over the %s allowed", bytesize(dictLimit(c.budget)))
			case errors.Is(err, rardecode.ErrShortFile), errors.Is(err, rardecode.ErrDecoderOutOfData):
				ch.Failed = "truncated"
			default:
				ch.Failed = failReason(err)
			}
		}
		if !c.add(h.Name, ch) {
			break
		}
	}
	return c.finish(), locked, nil
}
