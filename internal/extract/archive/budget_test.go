package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/testutil"
)

// zeros reads as an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// gzipZeros returns n zero bytes (or a tar of one such member followed
// by "after.txt"), gzipped as a multi-member stream: one compressed MiB
// of zeros repeated, so that building a big bomb is cheap.
func gzipZeros(t testing.TB, n int64, asTar bool) []byte {
	t.Helper()
	member := func(data []byte) []byte {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(data)
		zw.Close()
		return buf.Bytes()
	}
	const mib = 1 << 20
	var out []byte
	var hdr, tail bytes.Buffer
	if asTar {
		tw := tar.NewWriter(&hdr)
		tw.WriteHeader(&tar.Header{Name: "zeros.bin", Size: n, Mode: 0o644, Typeflag: tar.TypeReg})
		tw.Flush()
		tw = tar.NewWriter(&tail)
		tw.WriteHeader(&tar.Header{Name: "after.txt", Size: 5, Mode: 0o644, Typeflag: tar.TypeReg})
		io.WriteString(tw, "after")
		tw.Close()
		out = member(hdr.Bytes())
	}
	zeroMiB := member(make([]byte, mib))
	for range n / mib {
		out = append(out, zeroMiB...)
	}
	if r := n % mib; r > 0 {
		out = append(out, member(make([]byte, r))...)
	}
	if asTar {
		out = append(out, member(tail.Bytes())...)
	}
	return out
}

func bombSize() int64 {
	if testing.Short() {
		return 32 << 20
	}
	return 256 << 20
}

func TestGzipBomb(t *testing.T) {
	data := gzipZeros(t, bombSize(), false)
	limit := newCollector(context.Background(), extract.Options{}, len(data)).limit
	var res *extract.Result
	start := time.Now()
	alloc := testutil.Allocated(func() { res = extractOK(t, data, "", extract.Options{}) })
	t.Logf("%s gzip of %s: limit %s, allocated %s in %v", bytesize(int64(len(data))), bytesize(bombSize()),
		bytesize(limit), bytesize(int64(alloc)), time.Since(start))
	c := res.Children[0]
	if c.Data != nil || !strings.HasPrefix(c.Skip, "over the expansion budget") {
		t.Errorf("child %q skip %q failed %q", c.Path, c.Skip, c.Failed)
	}
	// The member's buffer grows by doubling up to the budget: about
	// twice the budget in all, never the bomb's size.
	if alloc > uint64(3*limit+16<<20) {
		t.Errorf("allocated %s for a budget of %s", bytesize(int64(alloc)), bytesize(limit))
	}
}

func TestTarGzBomb(t *testing.T) {
	data := gzipZeros(t, bombSize(), true)
	opts := extract.Options{}
	limit := newCollector(context.Background(), opts, len(data)).limit
	var res *extract.Result
	alloc := testutil.Allocated(func() { res = extractOK(t, data, "", opts) })
	// zeros.bin declares more than the budget: skipped unread. Reaching
	// after.txt would mean expanding it, past the budget: the walk stops.
	if len(res.Children) != 1 || !strings.HasPrefix(res.Children[0].Skip, "over the expansion budget (declares") {
		t.Fatalf("children %+v", res.Children)
	}
	if !hasProblem(res, "the decompressed stream passes 4 times the expansion budget") {
		t.Errorf("problems %q", res.Problems)
	}
	if alloc > uint64(limit/4+16<<20) {
		t.Errorf("allocated %s (limit %s)", bytesize(int64(alloc)), bytesize(limit))
	}

	// With a budget large enough, the walk steps over the skipped member
	// (the stream may run to streamFactor times the budget).
	opts.Budget = extract.Budget{MaxBytes: bombSize() / 2, MaxRatio: 1e9}
	res = extractOK(t, data, "", opts)
	if got := strings.Join(childPaths(res), ","); got != "zeros.bin,after.txt" || string(res.Children[1].Data) != "after" {
		t.Errorf("children %q", got)
	}
}

func TestBudgetDefaults(t *testing.T) {
	b := budget(extract.Options{Budget: extract.Budget{MaxBytes: 10}})
	d := extract.DefaultBudget
	if b.MaxBytes != 10 || b.MaxMembers != d.MaxMembers || b.MaxRatio != d.MaxRatio || b.MaxMemory != d.MaxMemory {
		t.Errorf("budget %+v", b)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		size  int
		b     extract.Budget
		limit int64
	}{
		{100, extract.Budget{}, ratioFloor},                                  // the floor
		{1 << 20, extract.Budget{}, 200 << 20},                               // the ratio
		{100 << 20, extract.Budget{}, 2 << 30},                               // MaxBytes
		{100, extract.Budget{MaxBytes: 1000}, 1000},                          // MaxBytes under the floor
		{1 << 20, extract.Budget{MaxRatio: 1e9, MaxBytes: 5 << 20}, 5 << 20}, // a huge ratio
	} {
		if got := newCollector(ctx, extract.Options{Budget: tc.b}, tc.size).limit; got != tc.limit {
			t.Errorf("limit(%d, %+v) = %d, want %d", tc.size, tc.b, got, tc.limit)
		}
	}
}

// withXzDict returns the xz stream data with the first block's LZMA2
// dictionary property set to prop (and the block header's CRC fixed).
func withXzDict(t *testing.T, data []byte, prop byte) []byte {
	t.Helper()
	data = bytes.Clone(data)
	off := 12
	size := (int(data[off]) + 1) * 4
	flags := data[off+1]
	i := off + 2
	for _, present := range []bool{flags&0x40 != 0, flags&0x80 != 0} {
		if present {
			for data[i]&0x80 != 0 {
				i++
			}
			i++
		}
	}
	if data[i] != 0x21 || data[i+1] != 1 {
		t.Fatalf("unexpected filter % x", data[i:i+2])
	}
	data[i+2] = prop
	binary.LittleEndian.PutUint32(data[off+size-4:], crc32.ChecksumIEEE(data[off:off+size-4]))
	return data
}

func TestDictionaryGuards(t *testing.T) {
	text := []byte("Le dossier secret: page 12.\n")
	small := compress(t, fXz, text)
	// The same stream declaring a 1 GiB dictionary (allowed) and 1.5 GiB
	// (refused before anything is allocated).
	res := extractOK(t, withXzDict(t, small, 36), "", extract.Options{})
	if !bytes.Equal(res.Children[0].Data, text) {
		t.Errorf("1 GiB dictionary: %+v", res.Children[0])
	}
	var err error
	alloc := testutil.Allocated(func() {
		_, err = Extract(context.Background(), withXzDict(t, small, 37), "", extract.Options{})
	})
	if err == nil || !strings.Contains(err.Error(), "dictionary over 1 GiB") || alloc > 16<<20 {
		t.Errorf("1.5 GiB dictionary: %v, %s allocated", err, bytesize(int64(alloc)))
	}

	// A 7z whose LZMA2 coder declares a 3 GiB dictionary for 28 bytes is
	// decoded with a dictionary the size of its output.
	data, _ := base64.StdEncoding.DecodeString("N3q8ryccAASuaAjKIAAAAAAAAABaAAAAAAAAAPn3YecBABtMZSBkb3NzaWVyIHNlY3JldDogcGFnZSAxMi4KAAEEBgABCSAABwsBAAEhIQEnDBwACAoB6xAMvwAABQEZDAAAAAAAAAAAAAAAABETAG4AbwB0AGUALgB0AHgAdAAAABkAFAoBAEH32fgvet0BFQYBACCApIEAAA==")
	alloc = testutil.Allocated(func() { res = extractOK(t, data, "", extract.Options{}) })
	if c := child(t, res, "note.txt"); !bytes.Equal(c.Data, text) || alloc > 64<<20 {
		t.Errorf("7z: %+v, %s allocated", c, bytesize(int64(alloc)))
	}
}
