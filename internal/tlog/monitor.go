package tlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/bits"
	"os"
	"path/filepath"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
	"golang.org/x/mod/sumdb/note"
)

// MonitorResult reports a successful [Monitor] run.
type MonitorResult struct {
	// Previous is the checkpoint verified by the last run, loaded from the
	// state file; nil on the first run.
	Previous *Checkpoint
	// Current is the checkpoint verified by this run, now in the state file.
	Current *Checkpoint
	// Entries is the number of entries hashed and checked by this run: all
	// entries added since Previous (all entries on the first run).
	Entries uint64
}

// Monitor checks the log read through f against its verifier key and the
// last checkpoint it verified, kept in the file statePath, and records the
// new checkpoint there only if everything verifies. It:
//
//  1. fetches the checkpoint and verifies its signature and origin;
//  2. loads the previously verified checkpoint from statePath, if any, and
//     fails with [ErrRewritten] if the new one is smaller, or has the same
//     size but another root;
//  3. builds a consistency proof from the previous size to the new size out
//     of the log's tiles (tessera's client.ProofBuilder) and checks it; a
//     proof that reaches the new root but not the old one is
//     [ErrRewritten];
//  4. reads every entry added since the previous checkpoint (every entry,
//     on the first run), re-hashes the tree from them, and checks that the
//     tiles store the same hashes and that the root is the checkpoint's;
//  5. recomputes the root from the tiles alone for the new size;
//  6. saves the new checkpoint to statePath atomically (temporary file,
//     fsync, rename, fsync of the directory).
//
// Data that does not match the signed checkpoint (a damaged tile, entry
// bundle or checkpoint signature) fails with [ErrCorrupt]; a missing file
// with an error wrapping fs.ErrNotExist. On any error statePath is left
// untouched. Monitor reads O(new entries) data per run.
func Monitor(ctx context.Context, f Fetcher, vkey string, statePath string) (*MonitorResult, error) {
	v, err := NewVerifier(vkey)
	if err != nil {
		return nil, err
	}
	res, err := monitor(ctx, f, v, statePath)
	if err != nil {
		return nil, opError("monitor", err)
	}
	return res, nil
}

func monitor(ctx context.Context, f Fetcher, v note.Verifier, statePath string) (*MonitorResult, error) {
	cur, err := fetchCheckpoint(ctx, f, v)
	if err != nil {
		return nil, fmt.Errorf("fetch checkpoint: %w", err)
	}
	prev, err := loadState(statePath, v)
	if err != nil {
		return nil, err
	}
	n := cur.Size
	var m uint64 // entries verified before
	if prev != nil {
		m = prev.Size
		switch {
		case n < m:
			return nil, fmt.Errorf("%w: checkpoint size %d is smaller than the size %d verified before", ErrRewritten, n, m)
		case n == m && !bytes.Equal(cur.Root, prev.Root):
			return nil, fmt.Errorf("%w: checkpoint of size %d has root %x, but %x was verified before", ErrRewritten, n, cur.Root, prev.Root)
		}
	}

	tiles := newTileNodes(f, n)
	if m > 0 && n > m {
		if err := checkConsistency(ctx, f, tiles, prev, cur); err != nil {
			return nil, err
		}
	}

	// Start from the compact range of the first m entries, read from the
	// tiles and checked against the previously verified root.
	rf := &compact.RangeFactory{Hash: hasher.HashChildren}
	rng := rf.NewEmptyRange(0)
	if m > 0 {
		if rng, err = tiles.rangeOf(ctx, m); err != nil {
			return nil, err
		}
		if !bytes.Equal(rootOf(rng), prev.Root) {
			return nil, corrupt("tiles for the first %d entries do not hash to the root verified before", m)
		}
	}

	// Re-hash the tree from the new entries, comparing every node that a
	// tile stores.
	var tileErr error
	visit := func(id compact.NodeID, h []byte) {
		if tileErr == nil {
			tileErr = tiles.check(ctx, id, h)
		}
	}
	for ri := range layout.Range(m, n-m, n) {
		entries, err := readBundleEntries(ctx, f, ri.Index, n)
		if err != nil {
			return nil, err
		}
		for _, e := range entries[ri.First : ri.First+ri.N] {
			if err := rng.Append(hasher.HashLeaf(e), visit); err != nil {
				return nil, err
			}
		}
		if tileErr != nil && !errors.As(tileErr, new(*dataError)) {
			return nil, tileErr // I/O error, not a mismatch
		}
	}
	if !bytes.Equal(rootOf(rng), cur.Root) {
		if tileErr != nil {
			return nil, corrupt("entries %d to %d do not hash to the checkpoint root; first difference: %w", m, n, tileErr)
		}
		return nil, corrupt("entries %d to %d do not hash to the checkpoint root", m, n)
	}
	if tileErr != nil {
		return nil, tileErr
	}

	// The tiles alone must give the checkpoint root too: proofs are built
	// from them.
	tr, err := newTileNodes(f, n).rangeOf(ctx, n)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(rootOf(tr), cur.Root) {
		return nil, corrupt("tiles do not hash to the checkpoint root for size %d", n)
	}

	if prev == nil || !bytes.Equal(prev.Raw, cur.Raw) {
		if err := writeFileAtomic(statePath, cur.Raw); err != nil {
			return nil, fmt.Errorf("save state: %w", err)
		}
	}
	return &MonitorResult{Previous: prev, Current: cur, Entries: n - m}, nil
}

// checkConsistency proves that tree cur contains tree prev (0 < prev.Size <
// cur.Size) with a consistency proof built from the tiles.
func checkConsistency(ctx context.Context, f Fetcher, tiles *tileNodes, prev, cur *Checkpoint) error {
	m, n := prev.Size, cur.Size
	pb, err := client.NewProofBuilder(ctx, n, f.ReadTile)
	if err != nil {
		return err
	}
	p, err := pb.ConsistencyProof(ctx, m, n)
	if err != nil {
		return fmt.Errorf("consistency proof %d to %d: %w", m, n, err)
	}
	var seed []byte
	if m&(m-1) == 0 { // the proof omits the old root: read it from the tiles
		if seed, err = tiles.node(ctx, compact.NewNodeID(uint(bits.TrailingZeros64(m)), 0)); err != nil {
			return err
		}
	}
	rootM, rootN, err := consistencyRoots(m, n, seed, p)
	if err != nil {
		return corrupt("consistency proof %d to %d: %w", m, n, err)
	}
	if !bytes.Equal(rootN, cur.Root) {
		return corrupt("consistency proof %d to %d built from the tiles does not lead to the checkpoint root", m, n)
	}
	if !bytes.Equal(rootM, prev.Root) {
		return fmt.Errorf("%w: the tree of size %d signed now does not contain the tree of size %d verified before (its root would be %x, not %x)", ErrRewritten, n, m, rootM, prev.Root)
	}
	// Belt and braces: the reference implementation must agree.
	if err := proof.VerifyConsistency(hasher, m, n, p, prev.Root, cur.Root); err != nil {
		return corrupt("consistency proof %d to %d: %w", m, n, err)
	}
	return nil
}

// loadState reads the last verified checkpoint from path; nil if there is
// no such file.
func loadState(path string, v note.Verifier) (*Checkpoint, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load state: %w", err)
	}
	cp, err := parseCheckpoint(raw, v)
	if err != nil {
		return nil, fmt.Errorf("load state %s: %w", path, err)
	}
	return cp, nil
}

// writeFileAtomic replaces path with data: a temporary file in the same
// directory is written, synced and renamed over path, then the directory is
// synced, so that path holds either the old or the new data after a crash.
func writeFileAtomic(path string, data []byte) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
