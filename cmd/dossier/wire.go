package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/newsroom/dossier/internal/blobstore/disk"
	"github.com/newsroom/dossier/internal/dkim"
	"github.com/newsroom/dossier/internal/meta/sqlite"
)

// This file is the one place that picks concrete drivers: the disk blob
// store and the SQLite metadata store of the embedded archive.

// archiveFormat is the version of the archive directory layout:
//
//	1: dossier.json, blobs/ (disk store), dossier.db (SQLite, WAL, FTS5).
const archiveFormat = 1

type archiveInfo struct {
	Format  int       `json:"format"`
	Created time.Time `json:"created"`
}

// archive is an opened archive directory.
type archive struct {
	dir   string
	blobs *disk.Store
	meta  *sqlite.Store
	lock  *os.File
}

func (ar *archive) Close() error {
	err := ar.meta.Close()
	if ar.lock != nil {
		ar.lock.Close()
	}
	return err
}

// openArchive opens the archive; create makes it if it does not exist.
func (a *app) openArchive(ctx context.Context, create bool) (*archive, error) {
	dir, err := a.resolveArchiveDir()
	if err != nil {
		return nil, err
	}
	infoPath := filepath.Join(dir, "dossier.json")
	b, err := os.ReadFile(infoPath)
	created := false
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if !create {
			return nil, withHint(fmt.Errorf("no archive at %s", dir),
				"'dossier ingest PATH' creates one; or give another with --archive DIR or $DOSSIER_ARCHIVE")
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create archive: %w", err)
		}
		info, _ := json.MarshalIndent(archiveInfo{Format: archiveFormat, Created: time.Now().UTC()}, "", "  ")
		tmp := infoPath + ".tmp"
		if err := os.WriteFile(tmp, append(info, '\n'), 0o600); err != nil {
			return nil, fmt.Errorf("create archive: %w", err)
		}
		if err := os.Rename(tmp, infoPath); err != nil {
			return nil, fmt.Errorf("create archive: %w", err)
		}
		created = true
	case err != nil:
		return nil, fmt.Errorf("open archive: %w", err)
	default:
		var info archiveInfo
		if err := json.Unmarshal(b, &info); err != nil {
			return nil, withHint(fmt.Errorf("%s is not a dossier archive (bad dossier.json: %v)", dir, err),
				"check --archive / $DOSSIER_ARCHIVE")
		}
		if info.Format > archiveFormat {
			return nil, withHint(fmt.Errorf("archive %s has format %d, newer than this dossier understands (%d)", dir, info.Format, archiveFormat),
				"upgrade dossier to open it; this version will not touch it")
		}
	}
	blobs, err := disk.Open(filepath.Join(dir, "blobs"))
	if err != nil {
		return nil, err
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "dossier.db"))
	if err != nil {
		if errors.Is(err, sqlite.ErrNewerFormat) {
			return nil, withHint(err, "upgrade dossier to open this archive")
		}
		return nil, fmt.Errorf("open archive %s: %w", dir, err)
	}
	ar := &archive{dir: dir, blobs: blobs, meta: st}
	if created {
		// The log's key is made with the archive (named from
		// $DOSSIER_LOG_ORIGIN, or uniquely; 'dossier log key --origin'
		// renames it until the first publication).
		if _, _, err := ar.ensureLogKey(""); err != nil {
			ar.Close()
			return nil, fmt.Errorf("create archive: %w", err)
		}
	}
	return ar, nil
}

// archivedKeys loads the key archive for verification: it is small
// (thousands of records at most), and in memory no lookup waits on the
// database.
func (ar *archive) archivedKeys(ctx context.Context) (*dkim.MemKeys, error) {
	keys, err := ar.meta.Keys(ctx)
	if err != nil {
		return nil, err
	}
	return dkim.NewMemKeys(keys, nil), nil
}

// lockIngest takes the archive's ingest lock: one ingest at a time, while
// any number of readers search.
func (ar *archive) lockIngest() error {
	f, err := os.OpenFile(filepath.Join(ar.dir, "ingest.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		return withHint(fmt.Errorf("another ingest is running on %s", ar.dir), "wait for it to finish; searches can run meanwhile")
	}
	ar.lock = f
	return ar.blobs.RemoveTemp()
}
