package archive

import (
	"archive/tar"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/testutil"
)

// fuzzOptions is a small budget, so that a fuzzed bomb shows itself.
var fuzzOptions = extract.Options{
	Passwords: []string{"Sesame"},
	Budget:    extract.Budget{MaxBytes: 1 << 20, MaxMembers: 64, MaxRatio: 50},
}

// addCorpusSeeds adds the shared corpus files named, when it is present
// (the fixtures built here seed the fuzzers without it).
func addCorpusSeeds(f *testing.F, files ...string) {
	for _, name := range files {
		if data, err := os.ReadFile(filepath.Join(testutil.CorpusDir(), name)); err == nil {
			f.Add(data)
		}
	}
}

func fuzzExtract(t *testing.T, data []byte, mime string) {
	res, err := Extract(context.Background(), data, mime, fuzzOptions)
	if err != nil {
		return
	}
	if res == nil {
		t.Fatal("nil result without an error")
	}
	checkInvariants(t, res, fuzzOptions)
}

func FuzzZip(f *testing.F) {
	f.Add(buildZip(f, "comment", zipFile{name: "a.txt", body: "alpha"}, zipFile{name: "dir/"},
		zipFile{name: "b.txt", body: strings.Repeat("beta ", 100), stored: true},
		zipFile{name: "link", body: "/etc/passwd", mode: 0o120777}, zipFile{name: "a.txt", body: "again"}))
	f.Add(buildZip64("z64.txt", "zip64 member"))
	for _, b64 := range []string{zipAES256, zipAES128, zipZipCrypto} {
		data, _ := base64.StdEncoding.DecodeString(strings.ReplaceAll(b64, "\n", ""))
		f.Add(data)
	}
	addCorpusSeeds(f, "hostile/archives/zipslip-zip-slip.zip", "docs/aleph-ingest-file/badzip.zip",
		"docs/tika/pkg/testZip_with_DataDescriptor.zip", "docs/tika/pkg/testZIP_corrupted_oom.zip",
		"docs/tika/pkg/testZipEncrypted.zip", "docs/tika/pkg/test-zip-of-zip.zip", "docs/tika/pkg/gbk.zip",
		"docs/tika/microsoft/testZIP_corrupted_oom.zip")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzExtract(t, data, MIMEZip) })
}

func FuzzTar(f *testing.F) {
	tarball := buildTar(f,
		tarFile{hdr: tar.Header{Name: "a.txt"}, body: "alpha"},
		tarFile{hdr: tar.Header{Name: strings.Repeat("long/", 30) + "name", Format: tar.FormatGNU}, body: "gnu"},
		tarFile{hdr: tar.Header{Name: "pax-é", Format: tar.FormatPAX}, body: "pax"},
		tarFile{hdr: tar.Header{Name: "ln", Typeflag: tar.TypeSymlink, Linkname: "/etc/shadow"}},
		tarFile{hdr: tar.Header{Name: "fifo", Typeflag: tar.TypeFifo}})
	f.Add(tarball)
	f.Add(compress(f, fGzip, tarball))
	f.Add(compress(f, fZstd, tarball))
	f.Add(compress(f, fXz, tarball))
	addCorpusSeeds(f, "hostile/archives/zipslip-zip-slip.tar", "docs/aleph-ingest-file/badtar.tar",
		"docs/tika/pkg/test-nested-tarball.tar", "docs/tika/pkg/TIKA-216.tgz", "docs/tika/pkg/bob.gz",
		"docs/tika/pkg/test-bz2.txt.bz2", "docs/tika/pkg/testARofText.ar")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzExtract(t, data, MIMETar) })
}
