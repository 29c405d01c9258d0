package tlog

import (
	"context"
	"encoding/binary"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// BenchmarkAppend100k appends 100,000 entries of 500 bytes in one Append
// call to a fresh log, for several batch sizes, and reports:
//
//	s/append     wall time of the Append (until a checkpoint covers all)
//	MB-on-disk   disk space used by the log directory (allocated blocks)
//	bundle-bytes size of a serialised proof bundle
//	verify-µs    time to Verify one bundle
//	prove-µs     time to build one proof bundle from the directory
//
// Run with: go test -run X -bench Append100k -benchtime 1x ./internal/tlog/
func BenchmarkAppend100k(b *testing.B) {
	const n, size = 100_000, 500
	entries := make([][]byte, n)
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range entries {
		e := make([]byte, size+8)
		for j := 0; j < size; j += 8 {
			binary.LittleEndian.PutUint64(e[j:], rnd.Uint64())
		}
		entries[i] = e[:size]
	}
	for _, batch := range []int{256, 1024, DefaultBatchSize, 16384} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			ctx := context.Background()
			for range b.N {
				b.StopTimer()
				dir := filepath.Join(b.TempDir(), "log")
				l, err := Open(ctx, dir, testSKey, WithBatching(batch, 0))
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start := time.Now()
				if _, err := l.Append(ctx, entries); err != nil {
					b.Fatal(err)
				}
				elapsed := time.Since(start)
				b.StopTimer()
				b.ReportMetric(elapsed.Seconds(), "s/append")
				b.ReportMetric(float64(diskUsage(b, dir))/1e6, "MB-on-disk")

				const proofs = 500
				var bundles [][]byte
				start = time.Now()
				for i := range proofs {
					bd, err := l.Prove(ctx, uint64(i*(n/proofs)+i%7))
					if err != nil {
						b.Fatal(err)
					}
					text, _ := bd.MarshalText()
					bundles = append(bundles, text)
				}
				b.ReportMetric(float64(time.Since(start).Microseconds())/proofs, "prove-µs")
				b.ReportMetric(float64(len(bundles[len(bundles)/2])), "bundle-bytes")
				start = time.Now()
				for _, text := range bundles {
					if _, err := Verify(text, testVKey); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(time.Since(start).Microseconds())/proofs, "verify-µs")
				if err := l.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// diskUsage returns the bytes allocated to the files under dir.
func diskUsage(tb testing.TB, dir string) int64 {
	var total int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			total += st.Blocks * 512
		} else {
			total += info.Size()
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return total
}

// BenchmarkAppendOne measures the latency of appending a single entry and
// waiting for its checkpoint; it is bounded below by the checkpoint
// interval, since every Append needs a newer checkpoint.
func BenchmarkAppendOne(b *testing.B) {
	ctx := context.Background()
	l, _ := openLog(b)
	mustAppend(b, l, makeEntries("warm", 1))
	i := 0
	for b.Loop() {
		if _, err := l.Append(ctx, [][]byte{fmt.Appendf(nil, "entry %d", i)}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
