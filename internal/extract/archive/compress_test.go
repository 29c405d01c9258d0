package archive

import (
	"bytes"
	"io"
	"os/exec"
	"strings"
	"testing"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/testutil"
)

// TestCorpusCompressZ reads Tika's test-documents.tar.Z: the tar inside
// holds the same nine documents as the other test-documents archives, and
// the decoded stream equals what gzip -dc makes of it.
func TestCorpusCompressZ(t *testing.T) {
	const file = "docs/tika/pkg/test-documents.tar.Z"
	res := extractCorpus(t, file, extract.Options{})
	if got := res.Meta.Extra["format"]; got != "tar+compress (.Z)" {
		t.Errorf("format %q", got)
	}
	for i, name := range testDocuments {
		c := child(t, res, "test-documents/"+name)
		if len(c.Data) != testDocumentSizes[i] {
			t.Errorf("%s: %d bytes, want %d", name, len(c.Data), testDocumentSizes[i])
		}
	}
	data := corpusFile(t, file)
	z, err := newCompressReader(data)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(z)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("gzip"); err != nil {
		t.Skip("gzip not installed")
	}
	cmd := exec.Command("gzip", "-dc")
	cmd.Stdin = bytes.NewReader(data)
	want, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("decoded %d bytes, gzip -dc %d", len(got), len(want))
	}
}

// TestCorpusCompressOOM: Tika's 4-byte testZ_oom.Z declares nothing
// sensible; it fails or yields nothing, quickly and with little memory.
func TestCorpusCompressOOM(t *testing.T) {
	data := corpusFile(t, "docs/tika/pkg/testZ_oom.Z")
	res, err := ExtractNamed(t.Context(), "testZ_oom.Z", data, "", extract.Options{})
	if err == nil {
		for _, c := range res.Children {
			if len(c.Data) > 16 {
				t.Errorf("%s: %d bytes from 4", c.Path, len(c.Data))
			}
		}
	}
}

// TestCompressWidths decodes streams whose code width grows to 16 bits and
// whose table is cleared, written by ncompress when it is installed.
func TestCompressWidths(t *testing.T) {
	testutil.Tool(t, "compress") // Debian's ncompress
	var text strings.Builder
	for i := range 60000 {
		text.WriteString(strings.Repeat(string(rune('a'+i%26)), i%7))
		text.WriteString(" mot ")
		text.WriteString(string(rune('A' + (i*7919)%26)))
	}
	in := []byte(text.String())
	// ncompress's own -b 9 output does not decompress (with ncompress
	// or gzip either): 10 bits is the narrowest that works.
	for _, bits := range []string{"10", "12", "14", "16"} {
		cmd := exec.Command("compress", "-c", "-b", bits)
		cmd.Stdin = bytes.NewReader(in)
		z, err := cmd.Output()
		if err != nil {
			t.Fatalf("compress -b %s: %v", bits, err)
		}
		r, err := newCompressReader(z)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, in) {
			t.Errorf("-b %s: %v, %d bytes of %d", bits, err, len(got), len(in))
		}
	}
}

func FuzzCompressZ(f *testing.F) {
	addCorpusSeeds(f, "docs/tika/pkg/test-documents.tar.Z", "docs/tika/pkg/testZ_oom.Z")
	f.Add([]byte{0x1f, 0x9d, 0x90, 'a', 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		z, err := newCompressReader(data)
		if err != nil {
			return
		}
		io.Copy(io.Discard, io.LimitReader(z, 1<<22))
	})
}

// lzwBits packs codes of the given widths LSB first, as .Z streams hold
// them.
func lzwBits(codes []uint32, widths []uint) []byte {
	var out []byte
	var acc uint64
	var n uint
	for i, c := range codes {
		acc |= uint64(c) << n
		n += widths[i]
		for n >= 8 {
			out = append(out, byte(acc))
			acc >>= 8
			n -= 8
		}
	}
	if n > 0 {
		out = append(out, byte(acc))
	}
	return out
}

// TestCompressNineBitFullTable: with 9-bit codes at most the table fills
// at 512 entries; a code naming entry 512 (which cannot exist) must fail
// as corrupt data, not index past the table.
func TestCompressNineBitFullTable(t *testing.T) {
	var codes []uint32
	var widths []uint
	for range 256 { // the first code, then 255 that fill entries 257..511
		codes, widths = append(codes, 'a'), append(widths, 9)
	}
	for range 4 { // the width grows to 10; 512 is never made
		codes, widths = append(codes, 512), append(widths, 10)
	}
	data := append([]byte{0x1f, 0x9d, 0x80 | 9}, lzwBits(codes, widths)...)
	z, err := newCompressReader(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(z); err == nil {
		t.Error("no error for a code past a full 9-bit table")
	}
}
