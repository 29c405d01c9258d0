package ingest

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/newsroom/dossier/internal/source"
)

// produce feeds the input files to the workers: every file under the given
// paths, or, when retrying, the inputs in which something failed.
func (r *run) produce(ctx context.Context, jobs chan<- job) error {
	send := func(j job) error {
		select {
		case jobs <- j:
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	if r.opts.RetryFailed {
		failed, err := r.ing.Store.FailedInputs(ctx, r.opts.Collection)
		if err != nil {
			return fmt.Errorf("ingest: list failed inputs: %w", err)
		}
		r.inputsTotal.Store(int64(len(failed)))
		paths := map[string]string{} // rel -> abs, from the paths given now
		for _, p := range r.opts.Paths {
			if err := r.walk(ctx, p, func(j job) error { paths[j.rel] = j.abs; return nil }); err != nil {
				return err
			}
		}
		for _, in := range failed {
			r.bytesTotal.Add(in.Size)
			abs, ok := paths[in.Path]
			if !ok {
				if len(r.opts.Paths) > 0 {
					continue // not under the paths given
				}
				return fmt.Errorf("ingest: --retry-failed needs the paths the failed input %s came from", in.Path)
			}
			j := job{abs: abs, rel: in.Path}
			if err := r.walkOne(abs, &j); err != nil {
				return err
			}
			if err := send(j); err != nil {
				return err
			}
		}
		return nil
	}
	for _, p := range r.opts.Paths {
		if err := r.walk(ctx, p, send); err != nil {
			return err
		}
	}
	return nil
}

// prescan counts the input files and bytes for the progress display.
func (r *run) prescan(ctx context.Context) {
	var n, b int64
	for _, p := range r.opts.Paths {
		r.walk(ctx, p, func(j job) error {
			n++
			b += j.size
			if n%1024 == 0 {
				r.inputsTotal.Store(n)
				r.bytesTotal.Store(b)
			}
			return nil
		})
	}
	r.inputsTotal.Store(n)
	r.bytesTotal.Store(b)
	r.scanDone.Store(true)
}

func (r *run) walk(ctx context.Context, root string, fn func(job) error) error {
	abs, err := filepath.Abs(root)
	if err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	err = source.Walk(ctx, abs, func(it source.Item) error {
		// The document path is the escaped display form of the name:
		// valid UTF-8, and still one-to-one with the raw bytes.
		j := job{abs: it.Path, rel: source.Display(filepath.ToSlash(it.Rel)), size: it.Size, mtime: it.ModTime.UnixNano(),
			skip: it.Skipped}
		if it.Maildir != nil {
			j.flags = it.Maildir.Flags
		}
		if it.Err != nil {
			j.failed = it.Err.Error()
		}
		return fn(j)
	})
	if err != nil {
		return fmt.Errorf("ingest %s: %w", root, err)
	}
	return nil
}

// walkOne fills in a retried input's size and time.
func (r *run) walkOne(abs string, j *job) error {
	return source.Walk(context.Background(), abs, func(it source.Item) error {
		j.size, j.mtime = it.Size, it.ModTime.UnixNano()
		return nil
	})
}
