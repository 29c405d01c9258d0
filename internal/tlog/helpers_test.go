package tlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const testOrigin = "dossier.example/log"

// testSKey and testVKey are a fixed key pair, the same in every process
// (fuzz workers must verify bundles made by the parent).
var testSKey, testVKey = func() (string, string) {
	seed := bytes.Repeat([]byte{42}, 32)
	s, v, err := note.GenerateKey(bytes.NewReader(seed), testOrigin)
	if err != nil {
		panic(err)
	}
	return s, v
}()

// openLog opens a log in a fresh temporary directory, closed at cleanup.
func openLog(t testing.TB, opts ...Option) (*Log, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "log")
	l, err := Open(context.Background(), dir, testSKey, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, dir
}

// entries returns n distinct entries tagged with tag.
func makeEntries(tag string, n int) [][]byte {
	es := make([][]byte, n)
	for i := range es {
		es[i] = fmt.Appendf(nil, `{"tag":%q,"n":%d}`, tag, i)
	}
	return es
}

func mustAppend(t testing.TB, l *Log, es [][]byte) []uint64 {
	t.Helper()
	idx, err := l.Append(context.Background(), es)
	if err != nil {
		t.Fatal(err)
	}
	if len(idx) != len(es) {
		t.Fatalf("Append returned %d indices for %d entries", len(idx), len(es))
	}
	return idx
}

// sumdbTiles reads the log's hash tiles for golang.org/x/mod/sumdb/tlog,
// independently of this package and of tessera: sumdb names tiles
// "tile/8/L/N[.p/W]", tlog-tiles "tile/L/N[.p/W]" with the height fixed at 8.
type sumdbTiles struct{ dir string }

func (r sumdbTiles) Height() int { return 8 }

func (r sumdbTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		p := strings.Replace(t.Path(), "tile/8/", "tile/", 1)
		b, err := os.ReadFile(filepath.Join(r.dir, p))
		if errors.Is(err, fs.ErrNotExist) && t.W < 1<<t.H {
			// The partial tile may be gone; the full one starts the same.
			full := t
			full.W = 1 << t.H
			b, err = os.ReadFile(filepath.Join(r.dir, strings.Replace(full.Path(), "tile/8/", "tile/", 1)))
			if err == nil && len(b) >= t.W*tlog.HashSize {
				b = b[:t.W*tlog.HashSize]
			}
		}
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

func (r sumdbTiles) SaveTiles([]tlog.Tile, [][]byte) {}

// sumdbReader returns a sumdb HashReader for the tree of cp, which checks
// every tile it reads against cp's root.
func sumdbReader(dir string, cp *Checkpoint) tlog.HashReader {
	var h tlog.Hash
	copy(h[:], cp.Root)
	return tlog.TileHashReader(tlog.Tree{N: int64(cp.Size), Hash: h}, sumdbTiles{dir})
}

func sumdbHash(b []byte) tlog.Hash {
	var h tlog.Hash
	copy(h[:], b)
	return h
}

var storedHashIndex = tlog.StoredHashIndex
