// Package blobstore defines the roles a blob store plays and the chokepoints
// through which every blob enters and leaves one. Drivers (disk now, an
// object store later) implement the small role interfaces; callers go
// through [Receive], [Put], [Open] and [Get], which hash every byte on the
// way in and verify it on the way out, so a driver never has to be trusted
// with integrity and a corrupted blob is an error, never wrong bytes.
package blobstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/newsroom/dossier/internal/blob"
)

// ErrNotFound is returned (wrapped) when a blob is not in the store.
var ErrNotFound = errors.New("blob not found")

// Receiver stores blobs.
type Receiver interface {
	// ReceiveBlob stores the bytes of r under ref and returns their size.
	// r is a verifying reader: instead of io.EOF it yields an error if the
	// bytes do not hash to ref, and the driver must then not make the blob
	// visible. Receiving a blob the store already holds succeeds without
	// rewriting it. A received blob is visible to Fetch at once but may not
	// be durable until Sync. Safe for concurrent use.
	ReceiveBlob(ctx context.Context, ref blob.Ref, r io.Reader) (int64, error)
}

// Fetcher reads blobs.
type Fetcher interface {
	// Fetch opens a blob; the caller closes it. A missing blob is
	// ErrNotFound. The bytes are not verified: use [Open] or [Get].
	Fetch(ctx context.Context, ref blob.Ref) (io.ReadCloser, int64, error)
}

// Statter reports whether a blob is present.
type Statter interface {
	// Stat returns the blob's size, or ErrNotFound.
	Stat(ctx context.Context, ref blob.Ref) (int64, error)
}

// Enumerator lists blobs.
type Enumerator interface {
	// Enumerate calls fn for every blob, in no particular order, until fn
	// returns an error, which Enumerate returns.
	Enumerate(ctx context.Context, fn func(ref blob.Ref, size int64) error) error
}

// Syncer makes received blobs durable.
type Syncer interface {
	// Sync returns once every blob received so far survives a crash of the
	// machine. Callers sync before recording a blob in the metadata store.
	Sync(ctx context.Context) error
}

// Store is a complete blob store.
type Store interface {
	Receiver
	Fetcher
	Statter
	Enumerator
	Syncer
}

// Receive stores r's bytes under ref, verifying on the way in that they hash
// to ref: a mismatch is [blob.ErrCorrupt] and nothing is stored.
func Receive(ctx context.Context, dst Receiver, ref blob.Ref, r io.Reader) (int64, error) {
	n, err := dst.ReceiveBlob(ctx, ref, blob.VerifyReader(r, ref))
	if err != nil {
		return n, fmt.Errorf("receive blob %s: %w", ref, err)
	}
	return n, nil
}

// Put stores data and returns its ref.
func Put(ctx context.Context, dst Receiver, data []byte) (blob.Ref, error) {
	ref := blob.Of(data)
	_, err := Receive(ctx, dst, ref, bytes.NewReader(data))
	return ref, err
}

// PutFile stores the file at path, hashing it first, and returns its ref and
// size. The file is read twice; its bytes are verified on the second pass,
// so a file that changes in between is an error, not a wrong blob.
func PutFile(ctx context.Context, dst Receiver, path string) (blob.Ref, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return blob.Ref{}, 0, err
	}
	defer f.Close()
	h := blob.NewHasher()
	if _, err := io.Copy(h, f); err != nil {
		return blob.Ref{}, 0, fmt.Errorf("hash %s: %w", path, err)
	}
	ref := h.Ref()
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return ref, 0, err
	}
	n, err := Receive(ctx, dst, ref, f)
	return ref, n, err
}

// Open opens a blob for reading. The reader returns [blob.ErrCorrupt]
// instead of io.EOF if the bytes do not match ref; a caller that must not act
// on wrong bytes reads to the end before using them ([Get], [Copy]).
func Open(ctx context.Context, src Fetcher, ref blob.Ref) (io.ReadCloser, int64, error) {
	rc, size, err := src.Fetch(ctx, ref)
	if err != nil {
		return nil, 0, fmt.Errorf("open blob %s: %w", ref, err)
	}
	return readCloser{blob.VerifyReader(rc, ref), rc}, size, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// Get returns a blob's bytes after verifying them.
func Get(ctx context.Context, src Fetcher, ref blob.Ref) ([]byte, error) {
	rc, _, err := Open(ctx, src, ref)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", ref, err)
	}
	return b, nil
}

// copyBufferMax is the largest blob Copy verifies in memory; larger blobs are
// verified in a first pass and streamed in a second.
const copyBufferMax = 64 << 20

// Copy writes a blob's exact bytes to w, verifying them before the first
// byte is written.
func Copy(ctx context.Context, w io.Writer, src Fetcher, ref blob.Ref) (int64, error) {
	rc, size, err := Open(ctx, src, ref)
	if err != nil {
		return 0, err
	}
	if size <= copyBufferMax {
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return 0, fmt.Errorf("read blob %s: %w", ref, err)
		}
		n, err := w.Write(b)
		return int64(n), err
	}
	_, err = io.Copy(io.Discard, rc)
	rc.Close()
	if err != nil {
		return 0, fmt.Errorf("verify blob %s: %w", ref, err)
	}
	rc, _, err = Open(ctx, src, ref)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	return io.Copy(w, rc)
}

// Check reads a blob through and reports whether it matches its ref.
func Check(ctx context.Context, src Fetcher, ref blob.Ref) error {
	rc, _, err := Open(ctx, src, ref)
	if err != nil {
		return err
	}
	defer rc.Close()
	if _, err := io.Copy(io.Discard, rc); err != nil {
		return fmt.Errorf("check blob %s: %w", ref, err)
	}
	return nil
}
