package ingest

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/newsroom/dossier"
	"github.com/newsroom/dossier/internal/meta"
)

// WatchSource is what ApplyWatch reads: every document and its stored
// text. Nothing is re-extracted.
type WatchSource interface {
	Documents(ctx context.Context, fn func(*meta.Document) error) error
	Text(ctx context.Context, num int64) (string, error)
}

// WatchStore records what ApplyWatch finds.
type WatchStore interface {
	// ClearMentions removes every watched-name mention and marks the
	// mentions incomplete until FinishMentions.
	ClearMentions(ctx context.Context) error
	FinishMentions(ctx context.Context) error
	// PutMentions replaces documents' people analysis; with namesOnly,
	// only their watched-name mentions.
	PutMentions(ctx context.Context, docs []meta.DocMentions, namesOnly bool) error
	// AddMentions records watched-name mentions after ClearMentions.
	AddMentions(ctx context.Context, docs []meta.DocMentions) error
}

// ApplyWatch re-runs people analysis over every indexed document from its
// stored text and fields, after a watchlist change: watched names only,
// or also pattern entities and addresses with entities (for documents
// ingested before people analysis existed). It returns the number of
// documents analysed. progress, if not nil, is called after each batch.
func ApplyWatch(ctx context.Context, src WatchSource, dst WatchStore, p *People, entities bool, progress func(done int64)) (int64, error) {
	if err := dst.ClearMentions(ctx); err != nil {
		return 0, err
	}
	const batchSize = 2000
	workers := runtime.NumCPU()
	type job struct {
		i int
		d *meta.Document
	}
	var (
		batch []*meta.Document
		done  int64
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		out := make([]meta.DocMentions, len(batch))
		jobs := make(chan job)
		errs := make([]error, workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range jobs {
					if errs[w] != nil {
						continue
					}
					text, err := src.Text(ctx, j.d.Num)
					if err != nil {
						errs[w] = err
						continue
					}
					out[j.i] = meta.DocMentions{Num: j.d.Num, Mentions: p.Analyze(j.d, text, !entities)}
				}
			}()
		}
		for i, d := range batch {
			jobs <- job{i, d}
		}
		close(jobs)
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return err
			}
		}
		put := dst.AddMentions
		if entities {
			put = func(ctx context.Context, docs []meta.DocMentions) error { return dst.PutMentions(ctx, docs, false) }
		}
		if err := put(ctx, out); err != nil {
			return err
		}
		done += int64(len(batch))
		batch = batch[:0]
		if progress != nil {
			progress(done)
		}
		return nil
	}
	err := src.Documents(ctx, func(d *meta.Document) error {
		if d.Status != dossier.Indexed {
			return nil
		}
		batch = append(batch, d)
		if len(batch) >= batchSize {
			return flush()
		}
		return ctx.Err()
	})
	if err == nil {
		err = flush()
	}
	if err == nil {
		err = dst.FinishMentions(ctx)
	}
	if err != nil {
		return done, fmt.Errorf("watch apply: %w", err)
	}
	return done, nil
}
