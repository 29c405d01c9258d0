package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsroom/dossier/internal/extract"
)

// extractOK runs Extract and fails the test on an error.
func extractOK(t testing.TB, data []byte, mime string, opts extract.Options) *extract.Result {
	t.Helper()
	res, err := Extract(context.Background(), data, mime, opts)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	checkInvariants(t, res, opts)
	return res
}

// checkInvariants checks what holds for every result: distinct paths,
// display names safe to show, children within the budget, and each child
// either with data, skipped or failed.
func checkInvariants(t testing.TB, res *extract.Result, opts extract.Options) {
	t.Helper()
	b := budget(opts)
	seen := map[string]bool{}
	var total int64
	for _, c := range res.Children {
		if seen[c.Path] {
			t.Errorf("duplicate path %q", c.Path)
		}
		seen[c.Path] = true
		if c.Path == "" {
			t.Errorf("empty path")
		}
		if !safe(c.Name) {
			t.Errorf("unsafe display name %q", c.Name)
		}
		if c.Skip != "" && c.Data != nil || c.Failed != "" && c.Data != nil {
			t.Errorf("%q: skipped or failed child with data", c.Path)
		}
		total += int64(len(c.Data))
	}
	if total > b.MaxBytes {
		t.Errorf("children total %d bytes, budget %d", total, b.MaxBytes)
	}
	if len(res.Children) > b.MaxMembers {
		t.Errorf("%d children, budget %d", len(res.Children), b.MaxMembers)
	}
}

func childPaths(res *extract.Result) []string {
	var ps []string
	for _, c := range res.Children {
		ps = append(ps, c.Path)
	}
	return ps
}

func child(t testing.TB, res *extract.Result, path string) extract.Child {
	t.Helper()
	for _, c := range res.Children {
		if c.Path == path {
			return c
		}
	}
	t.Fatalf("no child %q in %q", path, childPaths(res))
	return extract.Child{}
}

func hasProblem(res *extract.Result, sub string) bool {
	return slices.ContainsFunc(res.Problems, func(p string) bool { return strings.Contains(p, sub) })
}

// zipFile is one member of a ZIP fixture.
type zipFile struct {
	name   string
	body   string
	stored bool   // stored rather than deflated
	mode   uint32 // Unix mode bits with type (0 for a plain file)
}

// buildZip writes a ZIP with archive/zip (data descriptors and all, as Go
// writes them).
func buildZip(t testing.TB, comment string, files ...zipFile) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: time.Date(2017, 5, 7, 21, 30, 0, 0, time.UTC)}
		if f.stored || strings.HasSuffix(f.name, "/") {
			h.Method = zip.Store
		}
		if f.mode != 0 {
			h.CreatorVersion = 3 << 8 // Unix
			h.ExternalAttrs = f.mode << 16
		}
		fw, err := w.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(fw, f.body)
	}
	if comment != "" {
		w.SetComment(comment)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// buildTar writes a tar of the given headers; a regular file's body is
// its Linkname field's text when Size is set (kept out of the header).
type tarFile struct {
	hdr  tar.Header
	body string
}

func buildTar(t testing.TB, files ...tarFile) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := tar.NewWriter(&buf)
	for _, f := range files {
		h := f.hdr
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(f.body))
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if h.ModTime.IsZero() {
			h.ModTime = time.Date(2017, 5, 7, 21, 30, 0, 0, time.UTC)
		}
		if err := w.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, f.body)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// buildZip64 writes by hand a one-member stored ZIP that uses every ZIP64
// structure: sizes and offset in ZIP64 extra fields (local and central),
// the ZIP64 end of central directory record and its locator, and an end
// of central directory record whose fields all say "see ZIP64".
func buildZip64(name, body string) []byte {
	le := binary.LittleEndian
	var b []byte
	u16 := func(v uint16) { b = le.AppendUint16(b, v) }
	u32 := func(v uint32) { b = le.AppendUint32(b, v) }
	u64 := func(v uint64) { b = le.AppendUint64(b, v) }
	crc := crc32.ChecksumIEEE([]byte(body))
	size := uint64(len(body))

	u32(0x04034b50)
	u16(45)     // version needed
	u16(0x0800) // UTF-8 name
	u16(0)      // stored
	u16(0x5a00) // 11:16
	u16(0x4ae7) // 2017-07-07
	u32(crc)
	u32(0xffffffff)
	u32(0xffffffff)
	u16(uint16(len(name)))
	u16(20)
	b = append(b, name...)
	u16(0x0001)
	u16(16)
	u64(size)
	u64(size)
	b = append(b, body...)

	cd := uint64(len(b))
	u32(0x02014b50)
	u16(3<<8 | 45) // made by Unix
	u16(45)
	u16(0x0800)
	u16(0)
	u16(0x5a00)
	u16(0x4ae7)
	u32(crc)
	u32(0xffffffff)
	u32(0xffffffff)
	u16(uint16(len(name)))
	u16(28)
	u16(0) // comment
	u16(0) // disk
	u16(0) // internal attributes
	u32(0o100644 << 16)
	u32(0xffffffff) // local header offset
	b = append(b, name...)
	u16(0x0001)
	u16(24)
	u64(size)
	u64(size)
	u64(0)
	cdSize := uint64(len(b)) - cd

	eocd64 := uint64(len(b))
	u32(0x06064b50)
	u64(44)
	u16(45)
	u16(45)
	u32(0)
	u32(0)
	u64(1)
	u64(1)
	u64(cdSize)
	u64(cd)

	u32(0x07064b50)
	u32(0)
	u64(eocd64)
	u32(1)

	u32(0x06054b50)
	u16(0xffff)
	u16(0xffff)
	u16(0xffff)
	u16(0xffff)
	u32(0xffffffff)
	u32(0xffffffff)
	u16(0)
	return b
}
