package tlog

import (
	"context"
	"fmt"

	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
	"golang.org/x/mod/sumdb/note"
)

// Reader reads a log through a [Fetcher] and verifies what it reads against
// the log's verifier key. It never writes; it is what a web server uses to
// hand out proofs. A Reader is safe for concurrent use.
type Reader struct {
	f Fetcher
	v note.Verifier
}

// NewReader returns a Reader for the log fetched by f and signed by vkey.
func NewReader(f Fetcher, vkey string) (*Reader, error) {
	v, err := NewVerifier(vkey)
	if err != nil {
		return nil, err
	}
	return &Reader{f: f, v: v}, nil
}

// Checkpoint fetches and verifies the log's latest checkpoint. A missing
// checkpoint yields an error wrapping fs.ErrNotExist; one that does not
// verify, an error wrapping [ErrCorrupt].
func (r *Reader) Checkpoint(ctx context.Context) (*Checkpoint, error) {
	cp, err := fetchCheckpoint(ctx, r.f, r.v)
	if err != nil {
		return nil, opError("read checkpoint", err)
	}
	return cp, nil
}

// fetchCheckpoint reads and verifies the latest checkpoint.
func fetchCheckpoint(ctx context.Context, f Fetcher, v note.Verifier) (*Checkpoint, error) {
	raw, err := f.ReadCheckpoint(ctx)
	if err != nil {
		return nil, err
	}
	cp, err := parseCheckpoint(raw, v)
	if err != nil {
		return nil, &dataError{err}
	}
	return cp, nil
}

// ReadEntry returns entry index as stored, without verifying it (use
// [Reader.Prove] for that). An index not covered by the latest checkpoint
// yields [ErrNotFound].
func (r *Reader) ReadEntry(ctx context.Context, index uint64) ([]byte, error) {
	cp, err := fetchCheckpoint(ctx, r.f, r.v)
	if err != nil {
		return nil, opError(fmt.Sprintf("read entry %d", index), err)
	}
	e, err := readEntry(ctx, r.f, index, cp.Size)
	if err != nil {
		return nil, opError(fmt.Sprintf("read entry %d", index), err)
	}
	return e, nil
}

// Prove returns a proof bundle for entry index against the latest
// checkpoint. The bundle is verified before it is returned, so a log whose
// files are damaged yields an error wrapping [ErrCorrupt] rather than a bad
// proof. An index not covered by the latest checkpoint yields [ErrNotFound].
func (r *Reader) Prove(ctx context.Context, index uint64) (*Bundle, error) {
	cp, err := fetchCheckpoint(ctx, r.f, r.v)
	if err == nil {
		var b *Bundle
		if b, err = proveAt(ctx, r.f, r.v, index, cp); err == nil {
			return b, nil
		}
	}
	return nil, opError(fmt.Sprintf("prove entry %d", index), err)
}

// proveAt builds and checks a bundle for entry index against checkpoint cp.
func proveAt(ctx context.Context, f Fetcher, v note.Verifier, index uint64, cp *Checkpoint) (*Bundle, error) {
	if index >= cp.Size {
		return nil, notFound(index, cp.Size)
	}
	pb, err := client.NewProofBuilder(ctx, cp.Size, f.ReadTile)
	if err != nil {
		return nil, err
	}
	hashes, err := pb.InclusionProof(ctx, index)
	if err != nil {
		return nil, fmt.Errorf("inclusion proof: %w", err)
	}
	e, err := readEntry(ctx, f, index, cp.Size)
	if err != nil {
		return nil, err
	}
	b := &Bundle{Entry: e, Index: index, Proof: hashes, Checkpoint: cp.Raw}
	if _, err := verifyBundle(b, v); err != nil {
		return nil, &dataError{err}
	}
	return b, nil
}

func notFound(index, size uint64) error {
	return fmt.Errorf("%w: index %d, log size %d", ErrNotFound, index, size)
}

// readEntry reads entry index of a log of the given size.
func readEntry(ctx context.Context, f Fetcher, index, size uint64) ([]byte, error) {
	if index >= size {
		return nil, notFound(index, size)
	}
	entries, err := readBundleEntries(ctx, f, index/layout.EntryBundleWidth, size)
	if err != nil {
		return nil, err
	}
	return entries[index%layout.EntryBundleWidth], nil
}

// readBundleEntries reads and parses entry bundle n of a log of the given
// size, checking that it holds as many entries as it must.
func readBundleEntries(ctx context.Context, f Fetcher, n, size uint64) ([][]byte, error) {
	p := layout.PartialTileSize(0, n, size)
	raw, err := f.ReadEntryBundle(ctx, n, p)
	if err != nil {
		return nil, fmt.Errorf("read entry bundle %d: %w", n, err)
	}
	var eb api.EntryBundle
	if err := eb.UnmarshalText(raw); err != nil {
		return nil, corrupt("entry bundle %d: %w", n, err)
	}
	want := int(p)
	if p == 0 {
		want = layout.EntryBundleWidth
	}
	// A partial bundle may have been replaced by the full one.
	if got := len(eb.Entries); got != want && got != layout.EntryBundleWidth {
		return nil, corrupt("entry bundle %d holds %d entries, want %d", n, got, want)
	}
	return eb.Entries, nil
}
