package archive

import (
	"archive/zip"
	"bytes"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/testutil"
)

// TestCorpusPKZIP1 opens Tika's moby.zip, made by PKZIP 1.x in 1991: 134
// members imploded (8 KiB dictionary, three trees) and one shrunk. Every
// member must decode to its declared size and CRC-32 (readPlain checks
// both), and equal what Info-ZIP's unzip makes of it when unzip is here.
func TestCorpusPKZIP1(t *testing.T) {
	const file = "docs/tika/pkg/moby.zip"
	res := extractCorpus(t, file, extract.Options{})
	if len(res.Children) != 135 {
		t.Fatalf("%d children, want 135", len(res.Children))
	}
	for _, c := range res.Children {
		if c.Data == nil || c.Failed != "" || c.Skip != "" {
			t.Errorf("%s: failed %q, skipped %q", c.Path, c.Failed, c.Skip)
		}
	}
	readme := child(t, res, "README")
	if !bytes.Contains(readme.Data, []byte("Moby")) {
		t.Errorf("README: %.200q", readme.Data)
	}
	if _, err := exec.LookPath("unzip"); err != nil {
		t.Log("unzip not installed: decoded bytes checked by CRC-32 only")
		return
	}
	for _, name := range []string{"README", "moby.122", "moby.1"} {
		want, err := exec.Command("unzip", "-p", testutil.Corpus(t, file), name).Output()
		if err != nil {
			t.Fatalf("unzip -p %s: %v", name, err)
		}
		if got := child(t, res, name).Data; !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes differ from unzip's %d", name, len(got), len(want))
		}
	}
}

// TestOldMethodsHostile: damaged implode and shrink data fails with a
// reason, never a panic nor more than the declared size.
func TestOldMethodsHostile(t *testing.T) {
	for _, data := range [][]byte{nil, {0}, {0xff, 0xff, 0xff}, bytes.Repeat([]byte{0x0f}, 300), []byte(strings.Repeat("\x00\x01", 200))} {
		for _, flags := range []uint16{0, 2, 4, 6} {
			if out, err := explode(data, flags, 1000); err == nil && len(out) != 1000 {
				t.Errorf("explode %x: %d bytes and no error", data, len(out))
			}
		}
		if out, err := unshrink(data, 1000); err == nil && len(out) != 1000 {
			t.Errorf("unshrink %x: %d bytes and no error", data, len(out))
		}
	}
}

func FuzzExplode(f *testing.F) {
	if data, err := readCorpusMember("docs/tika/pkg/moby.zip", "README"); err == nil {
		f.Add(data, uint16(6))
	}
	f.Add([]byte{0, 0x12, 0, 0x12, 1, 2, 3}, uint16(0))
	f.Fuzz(func(t *testing.T, data []byte, flags uint16) {
		out, err := explode(data, flags, 1<<16)
		if err == nil && len(out) != 1<<16 {
			t.Fatalf("%d bytes", len(out))
		}
	})
}

func FuzzUnshrink(f *testing.F) {
	if data, err := readCorpusMember("docs/tika/pkg/moby.zip", "moby.122"); err == nil {
		f.Add(data)
	}
	f.Add([]byte{0x41, 0x00, 0x02, 0x04})
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := unshrink(data, 1<<16)
		if err == nil && len(out) != 1<<16 {
			t.Fatalf("%d bytes", len(out))
		}
	})
}

// readCorpusMember returns the compressed bytes of a member of a corpus
// zip, for fuzz seeds.
func readCorpusMember(file, name string) ([]byte, error) {
	zr, err := zip.OpenReader(filepath.Join(testutil.CorpusDir(), file))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == name {
			r, err := f.OpenRaw()
			if err != nil {
				return nil, err
			}
			return io.ReadAll(r)
		}
	}
	return nil, os.ErrNotExist
}

// TestOldMethodsDeclaredSize: a member declaring 1 GiB whose data ends
// at once allocates what the data can fill, not what the header says.
func TestOldMethodsDeclaredSize(t *testing.T) {
	data := []byte{0x41, 0x00, 0x02, 0x04}
	trees := []byte{3, 0xF5, 0xF5, 0xF5, 0xF5, 3, 0xF5, 0xF5, 0xF5, 0xF5, 0}
	if n := testutil.Allocated(func() { explode(trees, 0, 1<<30) }); n > 16<<20 {
		t.Errorf("explode: %d bytes allocated for %d of data", n, len(trees))
	}
	if n := testutil.Allocated(func() { unshrink(data, 1<<30) }); n > 16<<20 {
		t.Errorf("unshrink: %d bytes allocated for %d of data", n, len(data))
	}
}

// TestOldMethodsSymlinkBudget: a symbolic link member imploded (decoded
// whole in memory, before its first bytes give the target) is not decoded
// past what a link target can be: it escapes the budget check that
// regular members pass.
func TestOldMethodsSymlinkBudget(t *testing.T) {
	// Two trees of 64 six-bit codes (value 63 the all-zero code), then
	// zeros: matches of 65 zero bytes every 27 bits.
	trees := []byte{3, 0xF5, 0xF5, 0xF5, 0xF5, 3, 0xF5, 0xF5, 0xF5, 0xF5}
	const size = 64 << 20
	data := append(trees, make([]byte, size/65*27/8+1024)...)
	out, err := explode(data, 0, 1<<16)
	if err != nil || len(out) != 1<<16 {
		t.Fatalf("the stream does not decode: %v", err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "link", Method: 6, CompressedSize64: uint64(len(data)), UncompressedSize64: size}
	h.SetMode(fs.ModeSymlink | 0o777)
	w, err := zw.CreateRaw(h)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	zw.Close()
	opts := extract.Options{Budget: extract.Budget{MaxBytes: 1 << 20}}
	var res *extract.Result
	if n := testutil.Allocated(func() { res = extractOK(t, buf.Bytes(), MIMEZip, opts) }); n > 32<<20 {
		t.Errorf("%d bytes allocated for a symlink, budget 1 MiB", n)
	}
	if c := child(t, res, "link"); !strings.HasPrefix(c.Skip, "symlink") {
		t.Errorf("link: skip %q", c.Skip)
	}
}

// TestJar: a Java archive is a zip; its members are listed.
func TestJar(t *testing.T) {
	if !Handles("application/java-archive") {
		t.Fatal("application/java-archive not handled")
	}
	jar := buildZip(t, "", zipFile{name: "META-INF/MANIFEST.MF", body: "Manifest-Version: 1.0\n"}, zipFile{name: "org/leak/Main.class", body: "\xca\xfe\xba\xbe"})
	res := extractOK(t, jar, "application/java-archive", extract.Options{})
	if got := childPaths(res); len(got) != 2 || got[0] != "META-INF/MANIFEST.MF" {
		t.Errorf("members %q", got)
	}
}
