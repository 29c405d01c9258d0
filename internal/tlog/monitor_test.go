package tlog

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMonitorGrowth(t *testing.T) {
	ctx := context.Background()
	l, dir := openLog(t)
	state := filepath.Join(t.TempDir(), "monitor.state")
	f := DirFetcher{Dir: dir}

	// Empty log: the first run saves the size-0 checkpoint.
	res, err := Monitor(ctx, f, testVKey, state)
	if err != nil {
		t.Fatal(err)
	}
	if res.Previous != nil || res.Current.Size != 0 {
		t.Fatalf("first run: previous %v, size %d", res.Previous, res.Current.Size)
	}
	saved, err := os.ReadFile(state)
	if err != nil || !bytes.Equal(saved, res.Current.Raw) {
		t.Fatalf("state after first run: %q, %v", saved, err)
	}

	// Growth through sizes that exercise the consistency proof's special
	// cases: powers of two (the proof omits the old root), tile and
	// bundle boundaries, single steps.
	size := uint64(0)
	for _, n := range []int{1, 1, 2, 4, 120, 128, 1, 255, 1, 1, 510, 3, 1024} {
		mustAppend(t, l, makeEntries("g", n))
		res, err := Monitor(ctx, f, testVKey, state)
		if err != nil {
			t.Fatalf("after growing from %d by %d: %v", size, n, err)
		}
		if res.Previous == nil || res.Previous.Size != size || res.Current.Size != size+uint64(n) || res.Entries != uint64(n) {
			t.Fatalf("grew %d by %d: result previous %v current %d entries %d", size, n, res.Previous, res.Current.Size, res.Entries)
		}
		size += uint64(n)
	}
	// No growth: still fine, nothing re-read.
	res, err = Monitor(ctx, f, testVKey, state)
	if err != nil || res.Entries != 0 || res.Current.Size != size {
		t.Fatalf("unchanged log: %+v, %v", res, err)
	}
	// A wrong key is not a rewrite.
	_, other, _ := GenerateKey(testOrigin)
	if _, err := Monitor(ctx, f, other, filepath.Join(t.TempDir(), "s")); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Monitor with another key = %v, want ErrCorrupt", err)
	}
}

// TestMonitorRewrite replaces the log with another one signed by the same
// key: smaller, same size, and larger. Each must fail with ErrRewritten and
// leave the state file alone.
func TestMonitorRewrite(t *testing.T) {
	for _, tc := range []struct {
		name      string
		first     int
		rewritten []int // batches of the replacement log
	}{
		{"smaller", 300, []int{200}},
		{"same size", 300, []int{300}},
		{"larger", 300, []int{600}},
		{"larger, old size a power of two", 256, []int{300}},
		{"same prefix, one entry changed", 10, []int{9, 1, 5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dir := filepath.Join(t.TempDir(), "log")
			state := filepath.Join(t.TempDir(), "state")
			l, err := Open(ctx, dir, testSKey)
			if err != nil {
				t.Fatal(err)
			}
			orig := makeEntries("orig", tc.first)
			mustAppend(t, l, orig)
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := Monitor(ctx, DirFetcher{Dir: dir}, testVKey, state); err != nil {
				t.Fatal(err)
			}
			before, _ := os.ReadFile(state)

			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
			l, err = Open(ctx, dir, testSKey)
			if err != nil {
				t.Fatal(err)
			}
			for i, n := range tc.rewritten {
				es := makeEntries("new", n)
				if tc.name == "same prefix, one entry changed" && i == 0 {
					es = orig[:n] // identical prefix, then a different entry
				}
				mustAppend(t, l, es)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			_, err = Monitor(ctx, DirFetcher{Dir: dir}, testVKey, state)
			if !errors.Is(err, ErrRewritten) {
				t.Fatalf("Monitor after rewrite = %v, want ErrRewritten", err)
			}
			t.Logf("%v", err)
			after, _ := os.ReadFile(state)
			if !bytes.Equal(before, after) {
				t.Error("state file changed despite the failure")
			}
		})
	}
}

// TestTamperOnDisk damages files of a log and checks that readers, provers,
// the monitor and sumdb/tlog all notice.
func TestTamperOnDisk(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T) (string, *Checkpoint) {
		l, dir := openLog(t)
		mustAppend(t, l, makeEntries("t", 600))
		cp, err := l.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		return dir, cp
	}
	flip := func(t *testing.T, path string, at int) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if at < 0 {
			at += len(b)
		}
		b[at] ^= 1
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("level 0 tile", func(t *testing.T) {
		dir, cp := setup(t)
		flip(t, filepath.Join(dir, "tile/0/001"), 5*32+7) // leaf hash of entry 261
		r, _ := NewReader(DirFetcher{Dir: dir}, testVKey)
		if _, err := r.Prove(ctx, 300); !errors.Is(err, ErrCorrupt) {
			t.Errorf("Prove(300) = %v, want ErrCorrupt", err)
		}
		_, err := Monitor(ctx, DirFetcher{Dir: dir}, testVKey, filepath.Join(t.TempDir(), "s"))
		t.Log(err)
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "tile/0/001") {
			t.Errorf("Monitor = %v, want ErrCorrupt naming tile/0/001", err)
		}
		// sumdb's tile reader refuses the tile too.
		if _, err := sumdbReader(dir, cp).ReadHashes([]int64{stored(261)}); err == nil {
			t.Error("sumdb accepted the damaged tile")
		}
	})
	t.Run("level 1 tile", func(t *testing.T) {
		dir, _ := setup(t)
		flip(t, filepath.Join(dir, "tile/1/000.p/2"), 40)
		_, err := Monitor(ctx, DirFetcher{Dir: dir}, testVKey, filepath.Join(t.TempDir(), "s"))
		t.Log(err)
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("Monitor = %v, want ErrCorrupt", err)
		}
	})
	t.Run("truncated tile", func(t *testing.T) {
		dir, _ := setup(t)
		p := filepath.Join(dir, "tile/0/000")
		b, _ := os.ReadFile(p)
		os.WriteFile(p, b[:len(b)-1], 0o644)
		_, err := Monitor(ctx, DirFetcher{Dir: dir}, testVKey, filepath.Join(t.TempDir(), "s"))
		t.Log(err)
		if err == nil || !strings.Contains(err.Error(), "8191 bytes") {
			t.Errorf("Monitor = %v, want an error about the tile's length", err)
		}
	})
	t.Run("entry bundle", func(t *testing.T) {
		dir, _ := setup(t)
		p := filepath.Join(dir, "tile/entries/001")
		b, _ := os.ReadFile(p)
		off := 0
		for range 3 { // skip entries 256..258
			off += 2 + (int(b[off])<<8 | int(b[off+1]))
		}
		flip(t, p, off+2+4) // a byte inside entry 259
		r, _ := NewReader(DirFetcher{Dir: dir}, testVKey)
		_, err := r.Prove(ctx, 256+3)
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("Prove = %v, want ErrCorrupt", err)
		}
		_, err = Monitor(ctx, DirFetcher{Dir: dir}, testVKey, filepath.Join(t.TempDir(), "s"))
		t.Log(err)
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("Monitor = %v, want ErrCorrupt", err)
		}
	})
	t.Run("missing entry bundle", func(t *testing.T) {
		dir, _ := setup(t)
		os.Remove(filepath.Join(dir, "tile/entries/000"))
		_, err := Monitor(ctx, DirFetcher{Dir: dir}, testVKey, filepath.Join(t.TempDir(), "s"))
		t.Log(err)
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Monitor = %v, want fs.ErrNotExist", err)
		}
	})
	t.Run("checkpoint body", func(t *testing.T) {
		dir, _ := setup(t)
		flip(t, filepath.Join(dir, "checkpoint"), len(testOrigin)+2) // in the size line
		r, _ := NewReader(DirFetcher{Dir: dir}, testVKey)
		if _, err := r.Checkpoint(ctx); !errors.Is(err, ErrCorrupt) {
			t.Errorf("Checkpoint = %v, want ErrCorrupt", err)
		}
		_, err := Monitor(ctx, DirFetcher{Dir: dir}, testVKey, filepath.Join(t.TempDir(), "s"))
		t.Log(err)
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "signature") {
			t.Errorf("Monitor = %v, want ErrCorrupt about the signature", err)
		}
	})
	t.Run("checkpoint signature", func(t *testing.T) {
		dir, _ := setup(t)
		flip(t, filepath.Join(dir, "checkpoint"), -5)
		_, err := Monitor(ctx, DirFetcher{Dir: dir}, testVKey, filepath.Join(t.TempDir(), "s"))
		t.Log(err)
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("Monitor = %v, want ErrCorrupt", err)
		}
	})
	t.Run("state file", func(t *testing.T) {
		dir, _ := setup(t)
		state := filepath.Join(t.TempDir(), "s")
		if _, err := Monitor(ctx, DirFetcher{Dir: dir}, testVKey, state); err != nil {
			t.Fatal(err)
		}
		flip(t, state, 3)
		_, err := Monitor(ctx, DirFetcher{Dir: dir}, testVKey, state)
		if err == nil || !strings.Contains(err.Error(), "load state") {
			t.Errorf("Monitor with a damaged state file = %v", err)
		}
	})
}

// stored returns sumdb's stored-hash index of leaf i (tlog.StoredHashIndex(0, i)).
func stored(i int64) int64 {
	// Imported here to keep the subtests above readable.
	return storedHashIndex(0, i)
}
