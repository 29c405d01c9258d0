package ingest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/newsroom/dossier/internal/meta"
)

// Batching: a transaction holds whole units and commits when it holds this
// many entries or this much time has passed since the last commit.
const (
	batchEntries = 2000
	batchWait    = 500 * time.Millisecond
)

// write is the single writer: it batches units into transactions, makes
// the blobs they reference durable first, then commits, then releases
// their blob claims.
func (r *run) write(ctx context.Context) error {
	var (
		pending []*unit
		n       int
		last    = time.Now()
		tick    = time.NewTicker(200 * time.Millisecond)
	)
	defer tick.Stop()
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		if err := r.ing.Blobs.Sync(ctx); err != nil {
			return fmt.Errorf("ingest: %w", err)
		}
		b := &meta.Batch{}
		for _, u := range pending {
			b.Entries = append(b.Entries, u.entries...)
			if u.input != nil {
				b.Inputs = append(b.Inputs, *u.input)
			}
			if u.supersede != "" {
				b.Superseded = append(b.Superseded, u.supersede)
			}
		}
		written, err := r.ing.Store.Commit(context.WithoutCancel(ctx), b)
		if err != nil {
			return fmt.Errorf("ingest: %w", err)
		}
		i := 0
		r.mu.Lock()
		for _, u := range pending {
			for _, e := range u.entries {
				if written[i] {
					r.sum.Items.Add(e.Doc.Status, 1)
					if u.top && e.Doc.Depth == 0 {
						r.sum.Inputs.Add(e.Doc.Status, 1)
					}
				} else {
					r.sum.Resumed++
					if u.top && e.Doc.Depth == 0 {
						r.sum.Unchanged++
					}
				}
				i++
			}
			r.sum.Bytes += u.bytes
		}
		r.mu.Unlock()
		for _, u := range pending {
			for _, c := range u.claimed {
				r.claims.release(c)
			}
			r.items.Add(int64(len(u.entries)))
			r.bytesDone.Add(u.bytes)
			if u.last {
				r.inputsDone.Add(1)
			}
		}
		pending, n, last = pending[:0], 0, time.Now()
		return nil
	}
	for {
		select {
		case u, ok := <-r.units:
			if !ok {
				return flush()
			}
			pending = append(pending, u)
			n += len(u.entries)
			if n >= batchEntries || time.Since(last) >= batchWait {
				if err := flush(); err != nil {
					return r.drain(err)
				}
			}
		case <-tick.C:
			if time.Since(last) >= batchWait {
				if err := flush(); err != nil {
					return r.drain(err)
				}
			}
			r.report(false)
		}
	}
}

// drain keeps receiving units after a fatal error so producers can finish.
func (r *run) drain(err error) error {
	r.cancel(err)
	for range r.units {
	}
	return err
}

// claims records which document is becoming the canonical one for a blob
// while its unit is in flight (processed but not yet committed). Together
// with the store's blob table it makes the first document with given bytes
// the canonical one and every later one a duplicate, with memory bounded by
// the documents in flight.
type claims struct {
	mu sync.Mutex
	m  map[string]string // sha256 -> doc id
}

type claim struct{ sha, id string }

func newClaims() *claims { return &claims{m: map[string]string{}} }

// claim registers id as the canonical document of sha unless another
// document holds it; it returns the holder.
func (c *claims) claim(sha, id string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if other, ok := c.m[sha]; ok && other != id {
		return other, false
	}
	c.m[sha] = id
	return id, true
}

func (c *claims) release(cl claim) {
	c.mu.Lock()
	if c.m[cl.sha] == cl.id {
		delete(c.m, cl.sha)
	}
	c.mu.Unlock()
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
