package tlog

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

// checkLog checks that the log in dir holds exactly the entries of want,
// each at the index recorded for it, and passes Monitor.
func checkLog(t *testing.T, dir string, want map[uint64][]byte) {
	t.Helper()
	ctx := context.Background()
	r, err := NewReader(DirFetcher{Dir: dir}, testVKey)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := r.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Size != uint64(len(want)) {
		t.Fatalf("log size %d, want %d", cp.Size, len(want))
	}
	for i := range cp.Size {
		e, ok := want[i]
		if !ok {
			t.Fatalf("index %d was returned to no writer", i)
		}
		got, err := r.ReadEntry(ctx, i)
		if err != nil || !bytes.Equal(got, e) {
			t.Fatalf("entry %d = %q, %v; want %q", i, got, err, e)
		}
	}
	if _, err := Monitor(ctx, DirFetcher{Dir: dir}, testVKey, filepath.Join(t.TempDir(), "state")); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentLogsOneProcess appends from several goroutines through two
// Log values on one directory. (Two raw Tessera appenders on one directory
// in one process would fork the log: fcntl locks do not exclude threads of
// one process. Open shares one appender per directory instead.)
func TestConcurrentLogsOneProcess(t *testing.T) {
	ctx := context.Background()
	l1, dir := openLog(t, WithBatching(64, 0))
	l2, err := Open(ctx, dir, testSKey)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()

	var mu sync.Mutex
	want := map[uint64][]byte{}
	var wg sync.WaitGroup
	for w := range 8 {
		l := l1
		if w%2 == 1 {
			l = l2
		}
		wg.Go(func() {
			for b := range 10 {
				es := makeEntries(fmt.Sprintf("w%d-b%d", w, b), 25)
				es = append(es, []byte("duplicate"))
				idx, err := l.Append(ctx, es)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for i, x := range idx {
					if _, dup := want[x]; dup {
						t.Errorf("index %d returned twice", x)
					}
					want[x] = es[i]
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	checkLog(t, dir, want)
}

// TestConcurrentProcesses runs several processes (this test binary,
// re-executed) appending to one directory at once. Tessera's POSIX driver
// serialises them with fcntl locks on dir/.state/*.lock; the result must be
// one log holding every entry at the index its writer was told.
func TestConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := filepath.Join(t.TempDir(), "log")
	const procs, batches, per = 3, 8, 50
	type out struct {
		stdout bytes.Buffer
		stderr bytes.Buffer
	}
	outs := make([]*out, procs)
	cmds := make([]*exec.Cmd, procs)
	for p := range procs {
		outs[p] = new(out)
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperAppendProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(),
			"TLOG_HELPER_DIR="+dir,
			"TLOG_HELPER_SKEY="+testSKey,
			"TLOG_HELPER_TAG=p"+strconv.Itoa(p),
			"TLOG_HELPER_BATCHES="+strconv.Itoa(batches),
			"TLOG_HELPER_PER="+strconv.Itoa(per),
		)
		cmd.Stdout, cmd.Stderr = &outs[p].stdout, &outs[p].stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[p] = cmd
	}
	want := map[uint64][]byte{}
	writer := map[uint64]int{}
	for p, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("process %d: %v\n%s\n%s", p, err, outs[p].stdout.String(), outs[p].stderr.String())
		}
		var res helperResult
		line := outs[p].stdout.Bytes()
		if i := bytes.Index(line, []byte("RESULT ")); i >= 0 {
			line = line[i+len("RESULT "):]
			line = line[:bytes.IndexByte(line, '\n')]
		}
		if err := json.Unmarshal(line, &res); err != nil {
			t.Fatalf("process %d output: %v\n%s", p, err, outs[p].stdout.String())
		}
		if len(res.Indices) != batches*per {
			t.Fatalf("process %d appended %d entries, want %d", p, len(res.Indices), batches*per)
		}
		for i, x := range res.Indices {
			if _, dup := want[x]; dup {
				t.Fatalf("index %d given to two writers: the log forked", x)
			}
			want[x] = helperEntry(res.Tag, i)
			writer[x] = p
		}
	}
	// Show that the processes really interleaved.
	switches := 0
	for i := uint64(1); i < uint64(len(writer)); i++ {
		if writer[i] != writer[i-1] {
			switches++
		}
	}
	t.Logf("%d entries from %d processes; the writer changes %d times along the log", len(writer), procs, switches)
	checkLog(t, dir, want)
}

type helperResult struct {
	Tag     string
	Indices []uint64
}

func helperEntry(tag string, i int) []byte {
	return fmt.Appendf(nil, "process %s entry %d", tag, i)
}

// TestHelperAppendProcess is the child of TestConcurrentProcesses.
func TestHelperAppendProcess(t *testing.T) {
	dir := os.Getenv("TLOG_HELPER_DIR")
	if dir == "" {
		t.Skip("helper process for TestConcurrentProcesses")
	}
	tag := os.Getenv("TLOG_HELPER_TAG")
	batches, _ := strconv.Atoi(os.Getenv("TLOG_HELPER_BATCHES"))
	per, _ := strconv.Atoi(os.Getenv("TLOG_HELPER_PER"))
	ctx := context.Background()
	l, err := Open(ctx, dir, os.Getenv("TLOG_HELPER_SKEY"), WithBatching(16, 0))
	if err != nil {
		t.Fatal(err)
	}
	res := helperResult{Tag: tag}
	for b := range batches {
		es := make([][]byte, per)
		for i := range es {
			es[i] = helperEntry(tag, b*per+i)
		}
		idx, err := l.Append(ctx, es)
		if err != nil {
			t.Fatal(err)
		}
		res.Indices = append(res.Indices, idx...)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	j, _ := json.Marshal(res)
	fmt.Printf("RESULT %s\n", j)
}
