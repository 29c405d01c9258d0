package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/newsroom/dossier/internal/extract"
)

// ratioFloor is what any container may expand to whatever its size: the
// expansion ratio only bites past it, so that a 200-byte gzip of a 60 KB
// text is not an expansion bomb.
const ratioFloor = 1 << 20

// preallocMax bounds the buffer allocated up front from a declared size;
// past it the buffer grows with the bytes actually read.
const preallocMax = 64 << 20

// maxLinkTarget bounds the bytes read from a symbolic link member to learn
// its target.
const maxLinkTarget = 4096

var (
	// errOverBudget: a member expanded past what the budget had left.
	errOverBudget = errors.New("over the expansion budget")
	// errTooLong: a member holds more bytes than its header declares.
	errTooLong = errors.New("longer than its declared size")
)

// budget returns opts' budget with zero fields taken from
// extract.DefaultBudget.
func budget(opts extract.Options) extract.Budget {
	b, d := opts.Budget, extract.DefaultBudget
	if b.MaxBytes <= 0 {
		b.MaxBytes = d.MaxBytes
	}
	if b.MaxMembers <= 0 {
		b.MaxMembers = d.MaxMembers
	}
	if b.MaxRatio <= 0 {
		b.MaxRatio = d.MaxRatio
	}
	if b.Timeout <= 0 {
		b.Timeout = d.Timeout
	}
	if b.MaxMemory <= 0 {
		b.MaxMemory = d.MaxMemory
	}
	return b
}

// dictLimit is the largest decompression window or dictionary a member may
// ask for (RAR, zstd): a quarter of the memory budget, within 64 MiB..1 GiB.
func dictLimit(b extract.Budget) int64 {
	return min(max(b.MaxMemory/4, 64<<20), 1<<30)
}

// collector gathers one container's children under its budget. Every
// format's walker feeds it members in the archive's order; it names them,
// counts their bytes and says when to skip or stop.
type collector struct {
	ctx    context.Context
	budget extract.Budget
	// limit is what the children may total: the smaller of MaxBytes and
	// MaxRatio times the container's size (but at least ratioFloor).
	limit int64
	used  int64
	size  int64 // the container's

	res   *extract.Result
	paths paths

	overBudget int    // members skipped for the budget
	notListed  bool   // the member count was reached
	stopped    string // why the walk was stopped, if it was
}

func newCollector(ctx context.Context, opts extract.Options, size int) *collector {
	b := budget(opts)
	limit := b.MaxBytes
	if r := b.MaxRatio * float64(size); r < float64(limit) {
		limit = max(int64(r), min(ratioFloor, b.MaxBytes))
	}
	return &collector{
		ctx:    ctx,
		budget: b,
		limit:  limit,
		size:   int64(size),
		res:    &extract.Result{},
		paths:  paths{},
	}
}

// left is the number of bytes the budget still allows.
func (c *collector) left() int64 { return max(c.limit-c.used, 0) }

// full reports whether no more children may be listed: the member count
// is reached or the walk was stopped.
func (c *collector) full() bool {
	return len(c.res.Children) >= c.budget.MaxMembers || c.stopped != ""
}

// add records a child named name (as stored), filling its Path and Name
// unless Name is already set. It returns false when the member count is
// reached: the child is not recorded and the caller should stop.
func (c *collector) add(name string, ch extract.Child) bool {
	if c.stopped != "" {
		return false
	}
	if len(c.res.Children) >= c.budget.MaxMembers {
		if !c.notListed {
			c.notListed = true
			c.problem("more than %d members: the rest are not listed", c.budget.MaxMembers)
		}
		return false
	}
	ch.Path = c.paths.assign(name, len(c.res.Children)+1)
	if ch.Name == "" && name != "" {
		ch.Name = DisplayName(name)
	} else if ch.Name == "" {
		ch.Name = ch.Path
	}
	c.res.Children = append(c.res.Children, ch)
	return true
}

// fits says whether a member declaring size bytes can be read within what
// is left; if not it returns the Skip reason. A negative size is unknown
// and fits (the bytes are counted as they are read).
func (c *collector) fits(size int64) (string, bool) {
	if size < 0 || size <= c.left() {
		return "", true
	}
	c.overBudget++
	return fmt.Sprintf("over the expansion budget (declares %s, %s left of %s)",
		bytesize(size), bytesize(c.left()), bytesize(c.limit)), false
}

// overReason is the Skip reason for a member whose bytes ran past the
// budget while being read.
func (c *collector) overReason() string {
	return fmt.Sprintf("over the expansion budget (expands past the %s left of %s)",
		bytesize(c.left()), bytesize(c.limit))
}

// stop ends the walk: members not yet seen are not listed.
func (c *collector) stop(format string, args ...any) {
	if c.stopped == "" {
		c.stopped = fmt.Sprintf(format, args...)
		c.problem("%s", c.stopped)
	}
}

func (c *collector) problem(format string, args ...any) {
	c.res.Problems = append(c.res.Problems, fmt.Sprintf(format, args...))
}

// finish adds the budget summary and returns the result.
func (c *collector) finish() *extract.Result {
	if c.overBudget > 0 {
		c.problem("%d member(s) not extracted: over the expansion budget of %s (%s, or %g times the archive's %s)",
			c.overBudget, bytesize(c.limit), bytesize(c.budget.MaxBytes), c.budget.MaxRatio, bytesize(c.size))
	}
	return c.res
}

// read reads a member's bytes from r. size is the declared size, or -1 when
// unknown: it sizes the first allocation (never above what is left, nor
// above preallocMax), and when it is known a member longer than it fails
// with errTooLong after reading one byte more. A member that runs past what
// the budget has left fails with errOverBudget. The bytes read are counted
// against the budget; ctx is checked as the bytes flow.
func (c *collector) read(r io.Reader, size int64) ([]byte, error) {
	left := c.left()
	hard := left // the most bytes the member may have
	if size >= 0 && size < hard {
		hard = size
	}
	limit := hard + 1 // reading this many proves the member too long
	first := int64(32 << 10)
	if size >= 0 {
		first = min(size+1, preallocMax)
	}
	buf := make([]byte, 0, min(first, limit))
	var err error
	for int64(len(buf)) < limit {
		if len(buf) == cap(buf) {
			nb := make([]byte, len(buf), min(max(2*int64(cap(buf)), 4096), limit))
			copy(nb, buf)
			buf = nb
		}
		if err = c.ctx.Err(); err != nil {
			return nil, err
		}
		var n int
		n, err = r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			break
		}
	}
	c.used += int64(len(buf))
	switch {
	case int64(len(buf)) > hard && hard < left:
		return nil, errTooLong
	case int64(len(buf)) > hard:
		c.used = max(c.used, c.limit)
		return nil, errOverBudget
	case err == io.EOF:
		return buf, nil
	}
	return nil, err
}

// linkTarget reads a symbolic link member's target (its data), bounded.
func linkTarget(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, maxLinkTarget))
	return string(b)
}

// symlinkSkip is the Skip reason of a symbolic link member.
func symlinkSkip(target string) string {
	return "symlink to " + Escape(target) + ", not followed"
}

// hardlinkSkip is the Skip reason of a hard link member.
func hardlinkSkip(target string) string {
	return "hard link to " + Escape(target) + ", not followed"
}

// timePtr returns &t, or nil for the zero time.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// bytesize formats n for messages: "512 B", "2.1 MB", "2 GiB".
func bytesize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e4:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}
