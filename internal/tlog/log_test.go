package tlog

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

func TestKeys(t *testing.T) {
	skey, vkey, err := GenerateKey("dossier.example/log")
	if err != nil {
		t.Fatal(err)
	}
	got, err := VerifierKey(skey)
	if err != nil {
		t.Fatal(err)
	}
	if got != vkey {
		t.Errorf("VerifierKey = %q, want %q", got, vkey)
	}
	s, err := NewSigner(skey + "\n")
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name() != "dossier.example/log" || v.Name() != s.Name() || v.KeyHash() != s.KeyHash() {
		t.Errorf("signer %s+%08x, verifier %s+%08x", s.Name(), s.KeyHash(), v.Name(), v.KeyHash())
	}
	for _, bad := range []string{"", "has space", "a+b"} {
		if _, _, err := GenerateKey(bad); err == nil {
			t.Errorf("GenerateKey(%q) succeeded", bad)
		}
	}
	if _, err := NewSigner(vkey); err == nil {
		t.Error("NewSigner(vkey) succeeded")
	}
	if _, err := NewVerifier(skey); err == nil {
		t.Error("NewVerifier(skey) succeeded")
	}
	if _, err := VerifierKey("PRIVATE+KEY+x+00000000+AAAA"); err == nil {
		t.Error("VerifierKey(garbage) succeeded")
	}
}

// TestAppendProve appends several batches and checks every entry two ways:
// with this package's Verify, and independently with
// golang.org/x/mod/sumdb/tlog over the tiles on disk. It also checks that
// each checkpoint is consistent with every earlier one.
func TestAppendProve(t *testing.T) {
	ctx := context.Background()
	l, dir := openLog(t)
	var all [][]byte
	var cps []*Checkpoint
	// Sizes chosen to cross entry-bundle and tile boundaries, including a
	// tree of exactly 256 entries and duplicates.
	dup := []byte("same entry twice")
	for i, batch := range [][][]byte{
		{dup, dup},
		makeEntries("b1", 1),
		makeEntries("b2", 253),
		makeEntries("b3", 300),
		makeEntries("b4", 7),
		makeEntries("b5", 600),
	} {
		idx := mustAppend(t, l, batch)
		for j, x := range idx {
			if want := uint64(len(all) + j); x != want {
				t.Fatalf("batch %d entry %d: index %d, want %d", i, j, x, want)
			}
		}
		all = append(all, batch...)
		cp, err := l.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if cp.Size < uint64(len(all)) {
			t.Fatalf("after Append, checkpoint size %d < %d", cp.Size, len(all))
		}
		cps = append(cps, cp)
	}
	if n, err := l.Size(ctx); err != nil || n != uint64(len(all)) {
		t.Fatalf("Size = %d, %v; want %d", n, err, len(all))
	}

	latest := cps[len(cps)-1]
	hr := sumdbReader(dir, latest)
	th := sumdbHash(latest.Root)
	if h, err := tlog.TreeHash(int64(latest.Size), hr); err != nil || h != th {
		t.Fatalf("sumdb TreeHash = %v, %v; want checkpoint root %v", h, err, th)
	}
	for i, want := range all {
		got, err := l.ReadEntry(ctx, uint64(i))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("ReadEntry(%d) = %q, %v; want %q", i, got, err, want)
		}
		b, err := l.Prove(ctx, uint64(i))
		if err != nil {
			t.Fatal(err)
		}
		text, err := b.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		v, err := Verify(text, testVKey)
		if err != nil {
			t.Fatalf("Verify(entry %d): %v", i, err)
		}
		if v.Index != uint64(i) || !bytes.Equal(v.Entry, want) || v.Checkpoint.Size != latest.Size || !bytes.Equal(v.Checkpoint.Root, latest.Root) {
			t.Fatalf("Verify(entry %d) = index %d entry %q size %d", i, v.Index, v.Entry, v.Checkpoint.Size)
		}

		// Independent check with sumdb/tlog: its record proof from the
		// tiles must verify and equal ours hash for hash.
		rp, err := tlog.ProveRecord(int64(latest.Size), int64(i), hr)
		if err != nil {
			t.Fatalf("sumdb ProveRecord(%d): %v", i, err)
		}
		if err := tlog.CheckRecord(rp, int64(latest.Size), th, int64(i), tlog.RecordHash(want)); err != nil {
			t.Fatalf("sumdb CheckRecord(%d): %v", i, err)
		}
		if len(rp) != len(b.Proof) {
			t.Fatalf("entry %d: sumdb proof has %d hashes, ours %d", i, len(rp), len(b.Proof))
		}
		for k := range rp {
			if !bytes.Equal(rp[k][:], b.Proof[k]) {
				t.Fatalf("entry %d: proof hash %d differs from sumdb's", i, k)
			}
		}
	}
	if !bytes.Equal(all[0], all[1]) {
		t.Fatal("test setup: first two entries should be identical")
	}

	// Every earlier checkpoint is a prefix of the latest, per sumdb.
	for _, old := range cps {
		tp, err := tlog.ProveTree(int64(latest.Size), int64(old.Size), hr)
		if err != nil {
			t.Fatalf("sumdb ProveTree(%d, %d): %v", latest.Size, old.Size, err)
		}
		if err := tlog.CheckTree(tp, int64(latest.Size), th, int64(old.Size), sumdbHash(old.Root)); err != nil {
			t.Fatalf("sumdb CheckTree(%d, %d): %v", latest.Size, old.Size, err)
		}
	}

	if _, err := l.Prove(ctx, uint64(len(all))); !errors.Is(err, ErrNotFound) {
		t.Errorf("Prove(size) = %v, want ErrNotFound", err)
	}
	if _, err := l.ReadEntry(ctx, 1<<40); !errors.Is(err, ErrNotFound) {
		t.Errorf("ReadEntry(huge) = %v, want ErrNotFound", err)
	}
}

func TestAppendValidation(t *testing.T) {
	ctx := context.Background()
	l, _ := openLog(t)
	if _, err := l.Append(ctx, [][]byte{[]byte("ok"), nil}); err == nil || !strings.Contains(err.Error(), "entry 1") {
		t.Errorf("Append(empty entry) = %v", err)
	}
	if _, err := l.Append(ctx, [][]byte{make([]byte, 1<<16)}); err == nil {
		t.Error("Append(64 KiB entry) succeeded")
	}
	if idx, err := l.Append(ctx, [][]byte{make([]byte, 1<<16-1)}); err != nil || len(idx) != 1 || idx[0] != 0 {
		t.Errorf("Append(65535-byte entry) = %v, %v", idx, err)
	}
	if idx, err := l.Append(ctx, nil); err != nil || len(idx) != 0 {
		t.Errorf("Append(nil) = %v, %v", idx, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := l.Append(cctx, makeEntries("c", 3)); !errors.Is(err, context.Canceled) {
		t.Errorf("Append(cancelled ctx) = %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if _, err := l.Append(ctx, makeEntries("d", 1)); err == nil {
		t.Error("Append after Close succeeded")
	}
}

func TestOpenChecksKey(t *testing.T) {
	ctx := context.Background()
	l, dir := openLog(t)
	mustAppend(t, l, makeEntries("a", 3))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	other, _, err := GenerateKey("other.example/log")
	if err != nil {
		t.Fatal(err)
	}
	if l2, err := Open(ctx, dir, other); err == nil {
		l2.Close()
		t.Fatal("Open with another key succeeded on an existing log")
	}
	// Reopening with the right key continues the log.
	l3, err := Open(ctx, dir, testSKey)
	if err != nil {
		t.Fatal(err)
	}
	defer l3.Close()
	if idx := mustAppend(t, l3, makeEntries("b", 2)); idx[0] != 3 {
		t.Fatalf("after reopen, first index %d, want 3", idx[0])
	}
}

func TestReopenWhileOpen(t *testing.T) {
	// Two Log values on one directory in one process share an appender;
	// a second key is refused.
	ctx := context.Background()
	l1, dir := openLog(t)
	l2, err := Open(ctx, dir, testSKey)
	if err != nil {
		t.Fatal(err)
	}
	other, _, _ := GenerateKey("other.example/log")
	if l3, err := Open(ctx, filepath.Join(dir, "."), other); err == nil {
		l3.Close()
		t.Fatal("second key accepted on an open directory")
	}
	mustAppend(t, l1, makeEntries("a", 2))
	if err := l1.Close(); err != nil {
		t.Fatal(err)
	}
	// l2 still works after l1 is closed.
	if idx := mustAppend(t, l2, makeEntries("b", 2)); idx[0] != 2 {
		t.Fatalf("index %d, want 2", idx[0])
	}
	if err := l2.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "checkpoint")); err != nil {
		t.Fatal(err)
	}
}
