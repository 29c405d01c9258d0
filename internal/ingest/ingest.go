// Package ingest is the pipeline that takes a leak in: it walks sources,
// stores every original in the blob store, extracts documents recursively
// (messages in mboxes, attachments, embedded messages), and records each
// one in the ledger with a status. Work runs on every core; one bad item
// fails alone; a run can be killed at any moment and rerun.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/newsroom/dossier/internal/blobstore"
	"github.com/newsroom/dossier/internal/dkim"
	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/meta"
)

// Store is what ingest needs from the metadata store.
type Store interface {
	// Input returns what is recorded of an input file, or nil.
	Input(ctx context.Context, collection, path string) (*meta.Input, error)
	// FailedInputs lists the input files in which something failed.
	FailedInputs(ctx context.Context, collection string) ([]meta.Input, error)
	// Status returns a document's ledger status, or "" if not recorded.
	Status(ctx context.Context, id string) (string, error)
	// Canonical returns the id of the first document with the blob, or "".
	Canonical(ctx context.Context, sha string) (string, error)
	// PrepareIndex analyses searchable fields ahead of Commit (in the
	// workers, in parallel).
	PrepareIndex(f *meta.IndexFields)
	// FixThreads joins threads split by the order messages arrived in.
	FixThreads(ctx context.Context) (int64, error)
	// Commit records a batch atomically; see meta.Batch.
	Commit(ctx context.Context, b *meta.Batch) ([]bool, error)
}

// Limits bound the work done on untrusted input.
type Limits struct {
	MaxItemBytes int64 // largest item read into memory for extraction
	MaxDepth     int   // deepest nesting of documents (an mbox message is depth 1)
	MaxParts     int   // most MIME parts extracted from one message
}

// DefaultLimits are the limits used unless told otherwise.
var DefaultLimits = Limits{MaxItemBytes: 256 << 20, MaxDepth: 20, MaxParts: 10000}

// Options configure a run.
type Options struct {
	Collection  string
	Paths       []string
	RetryFailed bool // redo only the items that failed, in inputs already seen
	Workers     int  // 0: one per CPU
	Limits      Limits
	// Progress, if set, is called about every 200ms and once at the end,
	// from a single goroutine.
	Progress func(Progress)
	Logger   *slog.Logger
	// Keys, when set, has every email's DKIM and ARC signatures verified
	// against it as of AsOf (zero: the time of the run), and the reports
	// stored. It must not touch the network (see dkim.Keys).
	Keys dkim.Keys
	AsOf time.Time
	// Extractors, when set, extract documents other than email, text and
	// HTML (PDF, office files, images, archives, ...), with Extract as
	// options. Received is when the collection was received, for the
	// forensic rules (zero: the time of the run).
	Extractors Extractors
	Extract    extract.Options
	Received   time.Time
}

// Progress is a snapshot of a running ingest.
type Progress struct {
	InputsTotal, InputsDone int64 // input files (total known once the pre-scan ends)
	BytesTotal, BytesDone   int64
	Items                   int64 // documents recorded so far
	ScanDone                bool
	Elapsed                 time.Duration
}

// Summary is the outcome of a run. Its numbers add up:
// Inputs.Total() + Unchanged = input files seen, and Items counts every
// document recorded by this run (inputs included).
type Summary struct {
	Collection string        `json:"collection"`
	Inputs     meta.Counts   `json:"inputs"`
	Unchanged  int64         `json:"inputs_unchanged"` // already ingested, not read again
	Items      meta.Counts   `json:"items"`
	Resumed    int64         `json:"items_already_recorded"` // found recorded by an interrupted run
	Bytes      int64         `json:"bytes"`
	Elapsed    time.Duration `json:"elapsed_ns"`
}

// Ingester runs ingests against one archive.
type Ingester struct {
	Blobs blobstore.Store
	Store Store
	// People, if set, finds watched names and pattern entities in every
	// indexed document.
	People *People

	open func(path string) (*os.File, error) // os.Open; tests make it fail
}

func (ing *Ingester) openFile(path string) (*os.File, error) {
	if ing.open != nil {
		return ing.open(path)
	}
	return os.Open(path)
}

// Run ingests opts.Paths into opts.Collection.
func (ing *Ingester) Run(ctx context.Context, opts Options) (*Summary, error) {
	if opts.Collection == "" {
		return nil, errors.New("ingest: no collection name")
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.NumCPU()
	}
	if opts.Limits == (Limits{}) {
		opts.Limits = DefaultLimits
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.AsOf.IsZero() {
		opts.AsOf = time.Now()
	}
	if opts.Received.IsZero() {
		opts.Received = time.Now()
	}
	r := &run{
		ing:    ing,
		opts:   opts,
		claims: newClaims(),
		units:  make(chan *unit, 256), // room for workers to go on while the writer syncs and commits
		start:  time.Now(),
		sum:    Summary{Collection: opts.Collection},
	}
	return r.do(ctx)
}

type run struct {
	ing    *Ingester
	opts   Options
	claims *claims
	units  chan *unit
	start  time.Time
	cancel context.CancelCauseFunc
	// reindex: re-extract one recorded document at a time, without
	// ledger checks, claims or children.
	reindex bool

	inputsTotal, inputsDone, bytesTotal, bytesDone, items atomic.Int64
	scanDone                                              atomic.Bool

	mu  sync.Mutex
	sum Summary
}

// job is one input file to process.
type job struct {
	abs, rel     string
	size, mtime  int64
	skip, failed string // set when the walk could not give a regular, readable file
	flags        string // maildir flags
}

func (r *run) do(ctx context.Context) (*Summary, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	r.cancel = cancel

	jobs := make(chan job, 256)
	var walkErr error
	go func() {
		defer close(jobs)
		walkErr = r.produce(ctx, jobs)
		if walkErr != nil {
			cancel(walkErr)
		}
	}()
	if !r.opts.RetryFailed {
		go r.prescan(ctx)
	} else {
		r.scanDone.Store(true)
	}

	var wg sync.WaitGroup
	for i := 0; i < r.opts.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if ctx.Err() != nil {
					continue
				}
				if err := r.processInput(ctx, j); err != nil {
					cancel(err)
				}
			}
		}()
	}
	writeErr := make(chan error, 1)
	go func() { writeErr <- r.write(ctx) }()
	wg.Wait()
	close(r.units)
	werr := <-writeErr
	if werr == nil && ctx.Err() == nil {
		if _, err := r.ing.Store.FixThreads(ctx); err != nil {
			werr = fmt.Errorf("ingest: %w", err)
		}
	}
	r.report(true)
	r.sum.Elapsed = time.Since(r.start)
	if werr != nil {
		return &r.sum, werr
	}
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return &r.sum, err
	}
	if err := ctx.Err(); err != nil {
		return &r.sum, fmt.Errorf("ingest interrupted: %w", context.Cause(ctx))
	}
	return &r.sum, nil
}

func (r *run) report(final bool) {
	if r.opts.Progress == nil {
		return
	}
	r.opts.Progress(Progress{
		InputsTotal: r.inputsTotal.Load(), InputsDone: r.inputsDone.Load(),
		BytesTotal: r.bytesTotal.Load(), BytesDone: r.bytesDone.Load(),
		Items: r.items.Load(), ScanDone: r.scanDone.Load() || final,
		Elapsed: time.Since(r.start),
	})
}
