package ingest

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/newsroom/dossier"
	"github.com/newsroom/dossier/internal/blob"
	"github.com/newsroom/dossier/internal/blobstore"
	"github.com/newsroom/dossier/internal/dkim"
	"github.com/newsroom/dossier/internal/meta"
)

// AuthStore records authenticity reports.
type AuthStore interface {
	PutAuth(ctx context.Context, reports []meta.Auth) error
}

// VerifyOptions configure Reverify.
type VerifyOptions struct {
	Keys    dkim.Keys
	AsOf    time.Time // zero: now
	Workers int       // 0: one per CPU
	// Progress, if set, is called after every stored batch with the
	// number of messages verified so far.
	Progress func(done int64)
}

// Reverify verifies every indexed email again from its blob against
// opts.Keys and replaces its stored report, without re-extracting
// anything (after importing keys, or to judge at another time). It returns
// the number of messages with each verdict.
func Reverify(ctx context.Context, blobs blobstore.Fetcher, src DocSource, dst AuthStore, opts VerifyOptions) (map[dkim.Verdict]int64, error) {
	if opts.AsOf.IsZero() {
		opts.AsOf = time.Now()
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.NumCPU()
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	type job struct {
		num int64
		sha string
	}
	jobs := make(chan job, 256)
	results := make(chan meta.Auth, 256)
	var wg sync.WaitGroup
	for range opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				ref, err := blob.Parse(j.sha)
				if err != nil {
					cancel(fmt.Errorf("document #%d: %w", j.num, err))
					return
				}
				raw, err := blobstore.Get(ctx, blobs, ref)
				if err != nil {
					cancel(fmt.Errorf("document #%d: %w", j.num, err))
					return
				}
				rep, err := dkim.Verify(ctx, raw, dkim.Options{Keys: opts.Keys, AsOf: opts.AsOf})
				if err != nil {
					cancel(err)
					return
				}
				select {
				case results <- meta.Auth{Num: j.num, Report: rep}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(jobs)
		err := src.Documents(ctx, func(d *meta.Document) error {
			if d.Kind != dossier.KindEmail || d.Status != dossier.Indexed || d.SHA256 == "" {
				return nil
			}
			select {
			case jobs <- job{d.Num, d.SHA256}:
				return nil
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		})
		if err != nil {
			cancel(err)
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()

	counts := map[dkim.Verdict]int64{}
	var done int64
	batch := make([]meta.Auth, 0, 500)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := dst.PutAuth(ctx, batch); err != nil {
			return err
		}
		done += int64(len(batch))
		batch = batch[:0]
		if opts.Progress != nil {
			opts.Progress(done)
		}
		return nil
	}
	for a := range results {
		counts[a.Report.Verdict]++
		batch = append(batch, a)
		if len(batch) == cap(batch) {
			if err := flush(); err != nil {
				cancel(err)
				break
			}
		}
	}
	for range results { // drain after a failed flush
	}
	if err := context.Cause(ctx); err != nil {
		return counts, fmt.Errorf("verify: %w", err)
	}
	if err := flush(); err != nil {
		return counts, fmt.Errorf("verify: %w", err)
	}
	return counts, nil
}
