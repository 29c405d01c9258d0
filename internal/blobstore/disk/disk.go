// Package disk is a blob store in a local directory: one file per blob under
// a two-hex-digit fan-out, written to a temporary file and renamed into
// place, so a crash never leaves a partial blob under its final name.
package disk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/newsroom/dossier/internal/blob"
	"github.com/newsroom/dossier/internal/blobstore"
)

// Store is a blob store rooted at a directory.
type Store struct {
	root      string
	tmp       string
	noTmpfile bool // always use the rename path (tests)
}

// Open opens (creating if needed) a store in dir.
func Open(dir string) (*Store, error) {
	s := &Store{root: dir, tmp: filepath.Join(dir, "tmp")}
	if err := os.MkdirAll(s.tmp, 0o700); err != nil {
		return nil, fmt.Errorf("open blob store: %w", err)
	}
	return s, nil
}

// RemoveTemp deletes temporary files left by a killed writer. Call it only
// while holding the archive's writer lock: another process's receive in
// progress would otherwise lose its file.
func (s *Store) RemoveTemp() error {
	ents, err := os.ReadDir(s.tmp)
	if err != nil {
		return err
	}
	for _, e := range ents {
		os.Remove(filepath.Join(s.tmp, e.Name()))
	}
	return nil
}

func (s *Store) path(ref blob.Ref) string {
	h := ref.String()
	return filepath.Join(s.root, h[:2], h)
}

// ReceiveBlob implements [blobstore.Receiver]. On Linux the bytes go to an
// unnamed O_TMPFILE in the blob's directory, linked under its name once
// complete: a crash leaves nothing behind. Elsewhere, or where the file
// system lacks O_TMPFILE, a named temporary file is renamed into place.
func (s *Store) ReceiveBlob(ctx context.Context, ref blob.Ref, r io.Reader) (int64, error) {
	p := s.path(ref)
	if fi, err := os.Stat(p); err == nil {
		return fi.Size(), nil
	}
	if s.noTmpfile {
		return s.receiveRename(p, r)
	}
	dir := filepath.Dir(p)
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, 0o400)
	if errors.Is(err, unix.ENOENT) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return 0, err
		}
		fd, err = unix.Open(dir, unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, 0o400)
	}
	if err != nil {
		return s.receiveRename(p, r)
	}
	f := os.NewFile(uintptr(fd), p)
	defer f.Close()
	n, err := io.Copy(f, r)
	if err != nil {
		return n, err
	}
	err = unix.Linkat(unix.AT_FDCWD, fmt.Sprintf("/proc/self/fd/%d", fd), unix.AT_FDCWD, p, unix.AT_SYMLINK_FOLLOW)
	if err != nil && !errors.Is(err, unix.EEXIST) { // EEXIST: received concurrently
		return n, fmt.Errorf("link blob: %w", err)
	}
	return n, nil
}

// receiveRename writes to a named temporary file and renames it into place.
func (s *Store) receiveRename(p string, r io.Reader) (int64, error) {
	f, err := os.CreateTemp(s.tmp, "recv-*")
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o400)
	}
	if err == nil {
		if err = os.MkdirAll(filepath.Dir(p), 0o700); err == nil {
			err = os.Rename(f.Name(), p)
		}
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return n, err
}

// Fetch implements [blobstore.Fetcher].
func (s *Store) Fetch(ctx context.Context, ref blob.Ref) (io.ReadCloser, int64, error) {
	f, err := os.Open(s.path(ref))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, blobstore.ErrNotFound
	}
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// Stat implements [blobstore.Statter].
func (s *Store) Stat(ctx context.Context, ref blob.Ref) (int64, error) {
	fi, err := os.Stat(s.path(ref))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, blobstore.ErrNotFound
	}
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// Enumerate implements [blobstore.Enumerator].
func (s *Store) Enumerate(ctx context.Context, fn func(blob.Ref, int64) error) error {
	dirs, err := os.ReadDir(s.root)
	if err != nil {
		return err
	}
	for _, d := range dirs {
		if !d.IsDir() || len(d.Name()) != 2 {
			continue
		}
		ents, err := os.ReadDir(filepath.Join(s.root, d.Name()))
		if err != nil {
			return err
		}
		for _, e := range ents {
			if err := ctx.Err(); err != nil {
				return err
			}
			ref, err := blob.Parse(e.Name())
			if err != nil || !strings.HasPrefix(e.Name(), d.Name()) {
				return fmt.Errorf("unexpected file %s in blob store", filepath.Join(d.Name(), e.Name()))
			}
			info, err := e.Info()
			if err != nil {
				return err
			}
			if err := fn(ref, info.Size()); err != nil {
				return err
			}
		}
	}
	return nil
}

// Sync implements [blobstore.Syncer] with syncfs(2) on the store's file
// system: one call makes every blob written so far durable.
func (s *Store) Sync(ctx context.Context) error {
	f, err := os.Open(s.root)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Syncfs(int(f.Fd())); err != nil {
		return fmt.Errorf("sync blob store: %w", err)
	}
	return nil
}

// Corrupt overwrites a stored blob's first byte. It exists for tests of
// integrity checks, which must be able to break the invariant they check.
func (s *Store) Corrupt(ref blob.Ref) error {
	p := s.path(ref)
	if err := os.Chmod(p, 0o600); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, 0); err != nil && err != io.EOF {
		return err
	}
	b[0] ^= 0xff
	_, err = f.WriteAt(b, 0)
	return err
}
