package archive

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"

	"github.com/newsroom/dossier/internal/extract"
)

// streamFactor: a compressed tar's decompressed stream may run to this
// many times the budget, so that members skipped for their declared size
// can be stepped over to reach the ones after them; past it the walk
// stops. It bounds the work a tar bomb costs.
const streamFactor = 4

// errStreamOverBudget: a decompressed stream ran past the budget.
var errStreamOverBudget = errors.New("decompressed stream over the expansion budget")

// budgetReader passes at most n bytes of r through, then fails with
// errStreamOverBudget if r has more.
type budgetReader struct {
	r io.Reader
	n int64
}

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.n <= 0 {
		var one [1]byte
		if n, err := b.r.Read(one[:]); n > 0 {
			return 0, errStreamOverBudget
		} else if err != nil {
			return 0, err
		}
		return 0, nil
	}
	if int64(len(p)) > b.n {
		p = p[:b.n]
	}
	n, err := b.r.Read(p)
	b.n -= int64(n)
	return n, err
}

// decompressor opens the stream data of format f. The closer, when not
// nil, releases the decoder.
func decompressor(f format, data []byte, b extract.Budget) (io.Reader, io.Closer, error) {
	r := bytes.NewReader(data)
	switch f {
	case fGzip:
		z, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, err
		}
		return z, z, nil
	case fBzip2:
		return bzip2.NewReader(r), nil, nil
	case fXz:
		if err := checkXzDict(data); err != nil {
			return nil, nil, err
		}
		z, err := xz.NewReader(r)
		if err != nil {
			return nil, nil, err
		}
		return z, nil, nil
	case fZstd:
		z, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderMaxWindow(uint64(dictLimit(b))), zstd.WithDecoderLowmem(true))
		if err != nil {
			return nil, nil, err
		}
		return z, closerFunc(z.Close), nil
	case fLz4:
		z := lz4.NewReader(r)
		return z, nil, nil
	case fCompress:
		z, err := newCompressReader(data)
		if err != nil {
			return nil, nil, err
		}
		return z, nil, nil
	}
	return nil, nil, fmt.Errorf("%w: %s", extract.ErrUnsupported, f)
}

type closerFunc func()

func (f closerFunc) Close() error { f(); return nil }

// extractStream handles a compressed stream: a tar inside is one archive
// (its members are the children); anything else is the one member.
func extractStream(ctx context.Context, f format, name string, data []byte, opts extract.Options) (*extract.Result, error) {
	c := newCollector(ctx, opts, len(data))
	r, closer, err := decompressor(f, data, c.budget)
	if err != nil {
		return nil, fmt.Errorf("read the header: %w", err)
	}
	if closer != nil {
		defer closer.Close()
	}
	c.res.Meta.Extra = map[string]string{"format": f.String()}
	var stored string // the member name the container records
	var ch extract.Child
	if z, ok := r.(*gzip.Reader); ok {
		stored = z.Name
		c.res.Meta.Comments = z.Comment
		if z.Name != "" {
			c.res.Meta.Extra["gzip_name"] = z.Name
		}
		ch.Modified = timePtr(z.ModTime)
	}
	stream := &budgetReader{r: r, n: c.limit}
	br := bufio.NewReaderSize(stream, 64<<10)
	head, _ := br.Peek(512)
	if isTarHeader(head) {
		stream.n += (streamFactor - 1) * c.limit
		c.res.Meta.Extra["format"] = "tar+" + f.String()
		if err := walkTar(c, br); err != nil {
			return nil, err
		}
		return c.finish(), nil
	}
	member := streamMemberName(name)
	if member == "" {
		member = stored
	}
	if member == "" {
		member = "content"
	}
	got, err := c.read(br, -1)
	switch {
	case err == nil:
		ch.Data = got
	case errors.Is(err, errOverBudget), errors.Is(err, errStreamOverBudget):
		ch.Skip = c.overReason()
		c.problem("%s: decompressed past the expansion budget of %s (%s, or %g times the %s compressed)",
			Escape(member), bytesize(c.limit), bytesize(c.budget.MaxBytes), c.budget.MaxRatio, bytesize(int64(len(data))))
	case ctx.Err() != nil:
		return nil, ctx.Err()
	default:
		ch.Failed = failReason(err)
		c.problem("%s: %s", Escape(member), ch.Failed)
	}
	c.add(member, ch)
	return c.finish(), nil
}
