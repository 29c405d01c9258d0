package tlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/storage/posix"
	"golang.org/x/mod/sumdb/note"
)

// Defaults for [Open], measured with BenchmarkAppend100k (see bench_test.go).
const (
	// DefaultBatchSize is the largest number of entries Tessera sequences
	// and integrates in one step (one lock, one set of tile writes).
	DefaultBatchSize = 4096
	// DefaultBatchAge is how long Tessera waits for a batch to fill before
	// sequencing it anyway; it bounds the latency of a small Append.
	DefaultBatchAge = 10 * time.Millisecond
	// DefaultCheckpointInterval is the shortest time between two published
	// checkpoints (Tessera's POSIX driver refuses less than 100ms).
	DefaultCheckpointInterval = 100 * time.Millisecond
)

// pollInterval is how often Append re-reads the checkpoint while waiting
// for its entries to be published.
const pollInterval = 5 * time.Millisecond

type options struct {
	batchSize          uint
	batchAge           time.Duration
	checkpointInterval time.Duration
}

// Option tunes [Open].
type Option func(*options)

// WithBatching sets Tessera's sequencing batch: at most size entries, and no
// entry waits longer than age for its batch to fill. Larger batches make
// bulk appends cheaper (fewer fsyncs, fewer partial tiles); a shorter age
// makes small appends return sooner.
func WithBatching(size int, age time.Duration) Option {
	return func(o *options) {
		if size > 0 {
			o.batchSize = uint(size)
		}
		if age > 0 {
			o.batchAge = age
		}
	}
}

// WithCheckpointInterval sets the shortest time between two published
// checkpoints (at least 100ms). [Log.Append] waits for a checkpoint, so this
// bounds its latency too.
func WithCheckpointInterval(d time.Duration) Option {
	return func(o *options) { o.checkpointInterval = d }
}

// Log is a transparency log stored in a directory, open for appending.
//
// Appending is safe from many goroutines, from several Log values on the
// same directory in one process (they share one Tessera appender), and from
// several processes (Tessera's POSIX driver serialises integration with
// fcntl locks on files under dir/.state). Every writer must use the same
// signer key.
type Log struct {
	sh     *shared
	reader *Reader

	mu     sync.RWMutex // held shared by Append, exclusively by Close
	closed bool
	err    error // result of Close
}

// shared is the Tessera appender of one log directory, shared by all Log
// values of this process that have the directory open. Tessera's POSIX
// driver relies on fcntl locks, which do not exclude two writers within one
// process, so two appenders on one directory in one process could fork the
// log; sharing one rules that out.
type shared struct {
	key      string // canonical directory path, the registry key
	signer   note.Signer
	add      tessera.AddFn
	shutdown func(context.Context) error
	cancel   context.CancelFunc
	refs     int           // guarded by registryMu
	closing  bool          // guarded by registryMu; set when refs drops to 0
	closed   chan struct{} // closed once the appender has shut down
}

var (
	registryMu sync.Mutex
	registry   = map[string]*shared{}
)

// Open opens the log in dir for appending, creating dir and an empty log
// (with a signed checkpoint of size 0) if there is none. skey is the
// signer key from [GenerateKey]; its name is the log's origin.
//
// If dir already holds a checkpoint, it must verify with skey's public key:
// Open refuses to append to a log signed by another key. If this process
// already has dir open, the new Log shares the existing appender and its
// options; the opts passed here are then ignored.
//
// ctx bounds opening only; the log's background work lives until Close.
func Open(ctx context.Context, dir string, skey string, opts ...Option) (*Log, error) {
	o := options{
		batchSize:          DefaultBatchSize,
		batchAge:           DefaultBatchAge,
		checkpointInterval: DefaultCheckpointInterval,
	}
	for _, opt := range opts {
		opt(&o)
	}
	signer, err := NewSigner(skey)
	if err != nil {
		return nil, err
	}
	vkey, err := VerifierKey(skey)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("tlog: open %s: %w", dir, err)
	}
	key, err := filepath.Abs(dir)
	if err == nil {
		key, err = filepath.EvalSymlinks(key)
	}
	if err != nil {
		return nil, fmt.Errorf("tlog: open %s: %w", dir, err)
	}
	// Absolute paths from here on: the process may change directory.
	reader, err := NewReader(DirFetcher{Dir: key}, vkey)
	if err != nil {
		return nil, err
	}

	registryMu.Lock()
	defer registryMu.Unlock()
	for {
		sh, ok := registry[key]
		if !ok || !sh.closing {
			break
		}
		// The last Log on dir is closing: wait until its appender is gone,
		// so that two appenders never run on dir in this process.
		registryMu.Unlock()
		select {
		case <-sh.closed:
		case <-ctx.Done():
			registryMu.Lock()
			return nil, fmt.Errorf("tlog: open %s: %w", dir, ctx.Err())
		}
		registryMu.Lock()
	}
	if sh, ok := registry[key]; ok {
		if sh.signer.Name() != signer.Name() || sh.signer.KeyHash() != signer.KeyHash() {
			return nil, fmt.Errorf("tlog: open %s: already open in this process with key %s+%08x", dir, sh.signer.Name(), sh.signer.KeyHash())
		}
		sh.refs++
		return &Log{sh: sh, reader: reader}, nil
	}

	// Refuse to extend a log signed by someone else.
	if _, err := reader.Checkpoint(ctx); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("tlog: open %s: existing checkpoint does not verify with this key: %w", dir, err)
	}

	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	driver, err := posix.New(bg, posix.Config{Path: key})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("tlog: open %s: %w", dir, err)
	}
	topts := tessera.NewAppendOptions().
		WithCheckpointSigner(signer).
		WithBatching(o.batchSize, o.batchAge).
		WithCheckpointInterval(o.checkpointInterval).
		WithCheckpointRepublishInterval(max(tessera.DefaultCheckpointRepublishInterval, o.checkpointInterval))
	appender, shutdown, _, err := tessera.NewAppender(bg, driver, topts)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("tlog: open %s: %w", dir, err)
	}
	sh := &shared{key: key, signer: signer, add: appender.Add, shutdown: shutdown, cancel: cancel, refs: 1, closed: make(chan struct{})}
	registry[key] = sh
	return &Log{sh: sh, reader: reader}, nil
}

// Append appends entries to the log and returns their indices, in the order
// of entries. It returns once every entry is integrated into the tree and
// covered by a published, signed checkpoint, so [Log.Prove] works for all
// of them at once.
//
// Each entry must be 1 to 65535 bytes; an invalid entry fails the call
// before anything is appended. Identical entries get distinct indices.
// The indices of one call are strictly increasing but need not be
// contiguous: concurrent appends (from other goroutines or processes) may
// interleave. If Append fails or ctx ends midway, a prefix of the entries
// may have been appended nevertheless; they stay in the log.
func (l *Log) Append(ctx context.Context, entries [][]byte) ([]uint64, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return nil, errors.New("tlog: append: log is closed")
	}
	for i, e := range entries {
		if len(e) == 0 || len(e) > maxEntrySize {
			return nil, fmt.Errorf("tlog: append: entry %d is %d bytes, want 1 to %d", i, len(e), maxEntrySize)
		}
	}
	if len(entries) == 0 {
		return []uint64{}, nil
	}

	futures := make([]tessera.IndexFuture, len(entries))
	for i, e := range entries {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("tlog: append: %w (after queueing %d of %d entries)", err, i, len(entries))
		}
		// Clone: Tessera keeps the slice until the entry is written.
		futures[i] = l.sh.add(ctx, tessera.NewEntry(bytes.Clone(e)))
	}

	// Futures resolve once their batch is sequenced and integrated; they
	// ignore ctx, so wait for them aside.
	type result struct {
		indices []uint64
		err     error
	}
	done := make(chan result, 1)
	go func() {
		indices := make([]uint64, len(futures))
		for i, f := range futures {
			idx, err := f()
			if err != nil {
				done <- result{err: fmt.Errorf("entry %d: %w", i, err)}
				return
			}
			indices[i] = idx.Index
		}
		done <- result{indices: indices}
	}()
	var indices []uint64
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("tlog: append: %w (entries queued, not yet integrated)", ctx.Err())
	case r := <-done:
		if r.err != nil {
			return nil, fmt.Errorf("tlog: append: %w", r.err)
		}
		indices = r.indices
	}

	var want uint64
	for _, i := range indices {
		want = max(want, i+1)
	}
	if err := l.awaitCheckpoint(ctx, want); err != nil {
		return nil, fmt.Errorf("tlog: append: wait for checkpoint of size %d: %w", want, err)
	}
	return indices, nil
}

// awaitCheckpoint polls the published checkpoint until it covers size.
func (l *Log) awaitCheckpoint(ctx context.Context, size uint64) error {
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		cp, err := fetchCheckpoint(ctx, l.reader.f, l.reader.v)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if err == nil && cp.Size >= size {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Checkpoint returns the latest published checkpoint, verified.
func (l *Log) Checkpoint(ctx context.Context) (*Checkpoint, error) {
	return l.reader.Checkpoint(ctx)
}

// Size returns the size of the latest published checkpoint: the number of
// entries that can be read and proven.
func (l *Log) Size(ctx context.Context) (uint64, error) {
	cp, err := l.reader.Checkpoint(ctx)
	if err != nil {
		return 0, err
	}
	return cp.Size, nil
}

// ReadEntry returns entry index; see [Reader.ReadEntry].
func (l *Log) ReadEntry(ctx context.Context, index uint64) ([]byte, error) {
	return l.reader.ReadEntry(ctx, index)
}

// Prove returns a verified proof bundle for entry index against the latest
// checkpoint; see [Reader.Prove].
func (l *Log) Prove(ctx context.Context, index uint64) (*Bundle, error) {
	return l.reader.Prove(ctx, index)
}

// Close waits for this Log's Appends to return, then, if it is the last Log
// of this process on the directory, shuts the appender down: everything
// appended is published in a checkpoint before Close returns. Close is
// idempotent; later calls return the first result.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return l.err
	}
	l.closed = true

	registryMu.Lock()
	l.sh.refs--
	last := l.sh.refs == 0
	l.sh.closing = last
	registryMu.Unlock()
	if !last {
		return nil
	}
	err := l.sh.shutdown(context.Background())
	l.sh.cancel()
	registryMu.Lock()
	delete(registry, l.sh.key)
	close(l.sh.closed)
	registryMu.Unlock()
	if err != nil {
		l.err = fmt.Errorf("tlog: close: %w", err)
	}
	return l.err
}
