package archive

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/testutil"
)

// Tests on the shared corpus (skipped locally without it, failing under
// CI=true): hostile archives, damaged and encrypted ones, and the sample
// archives of Apache Tika and OCCRP's ingest-file.

func corpusFile(t testing.TB, sub string) []byte {
	t.Helper()
	data, err := os.ReadFile(testutil.Corpus(t, sub))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func extractCorpus(t testing.TB, sub string, opts extract.Options) *extract.Result {
	t.Helper()
	data := corpusFile(t, sub)
	res, err := ExtractNamed(context.Background(), filepath.Base(sub), data, "", opts)
	if err != nil {
		t.Fatalf("%s: %v", sub, err)
	}
	checkInvariants(t, res, opts)
	return res
}

var testDocuments = []string{"testEXCEL.xls", "testHTML.html", "testOpenOffice2.odt", "testPDF.pdf",
	"testPPT.ppt", "testRTF.rtf", "testTXT.txt", "testWORD.doc", "testXML.xml"}
var testDocumentSizes = []int{13824, 167, 26448, 34824, 16384, 3410, 49, 19456, 766}

func TestCorpusTestDocuments(t *testing.T) {
	for _, tc := range []struct{ file, prefix, format string }{
		{"docs/aleph-ingest-file/test-documents.zip", "", "zip"},
		{"docs/aleph-ingest-file/test-documents.tar", "test-documents/", "tar"},
		{"docs/aleph-ingest-file/test-documents.rar", "test-documents/", "rar"},
		{"docs/tika/pkg/test-documents.7z", "test-documents/", "7z"},
		{"docs/tika/pkg/test-documents.tgz", "test-documents/", "tar+gzip"},
		{"docs/tika/pkg/test-documents.tbz2", "test-documents/", "tar+bzip2"},
	} {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			res := extractCorpus(t, tc.file, extract.Options{})
			if len(res.Children) != len(testDocuments) {
				t.Fatalf("children %q", childPaths(res))
			}
			for i, c := range res.Children {
				if c.Path != tc.prefix+testDocuments[i] || c.Name != testDocuments[i] || len(c.Data) != testDocumentSizes[i] || c.Modified == nil {
					t.Errorf("child %d: %q %q %d bytes", i, c.Path, c.Name, len(c.Data))
				}
			}
			if res.Meta.Extra["format"] != tc.format || len(res.Problems) > 0 {
				t.Errorf("format %q problems %q", res.Meta.Extra["format"], res.Problems)
			}
			if !bytes.HasPrefix(child(t, res, tc.prefix+"testPDF.pdf").Data, []byte("%PDF-")) {
				t.Error("testPDF.pdf is not a PDF")
			}
		})
	}
}

func TestCorpusZipBomb(t *testing.T) {
	data := corpusFile(t, "hostile/archives/overlap-zbsm.zip")
	for _, opts := range []extract.Options{
		{},
		{Budget: extract.Budget{MaxBytes: 64 << 20, MaxRatio: 1e6}},
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		res, err := Extract(context.Background(), data, "application/zip", opts)
		took := time.Since(start)
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, res, opts)
		// Not timed (CI machines are noisy; a hang is caught by go test
		// -timeout): what is expanded and allocated is checked instead.
		t.Logf("budget %+v: took %v", opts.Budget, took.Round(time.Millisecond))
		// 546 GB declared: nothing beyond the tiny b.txt is expanded, and
		// the allocations stay far below even the smaller budget.
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
			t.Errorf("allocated %d bytes", alloc)
		}
		if len(res.Children) != 251 || string(child(t, res, "b.txt").Data) == "" {
			t.Fatalf("children %d", len(res.Children))
		}
		for _, c := range res.Children[1:] {
			if !strings.HasPrefix(c.Skip, "over the expansion budget (declares 2.2 GB") {
				t.Fatalf("%q: skip %q failed %q", c.Path, c.Skip, c.Failed)
			}
		}
		if !hasProblem(res, "250 member(s) not extracted") || !hasProblem(res, "overlap others' data") {
			t.Errorf("problems %q", res.Problems)
		}
	}
}

func TestCorpusRecursiveZip(t *testing.T) {
	res := extractCorpus(t, "hostile/archives/recursive-Challenge9.zip", extract.Options{})
	if len(res.Children) != 9 {
		t.Fatalf("children %q", childPaths(res))
	}
	for _, c := range res.Children {
		if !strings.HasSuffix(c.Path, ".zip") || len(c.Data) != 95275 {
			t.Fatalf("%q: %d bytes, skip %q", c.Path, len(c.Data), c.Skip)
		}
		if mime, _ := Detect(c.Data); mime != MIMEZip {
			t.Errorf("%q is %q", c.Path, mime)
		}
	}
	// One level only: the next level is the caller's to extract.
	inner := extractOK(t, res.Children[0].Data, "", extract.Options{})
	if len(inner.Children) == 0 || !strings.HasSuffix(inner.Children[0].Path, ".zip") {
		t.Errorf("inner %q", childPaths(inner))
	}
}

func TestCorpusZipSlip(t *testing.T) {
	// Extract from an empty working directory: nothing may appear in it,
	// nor at the targets the names aim at.
	dir := t.TempDir()
	t.Chdir(dir)
	_, statErr := os.Lstat("/tmp/evil.txt")
	existed := statErr == nil
	for _, tc := range []struct{ file, evil string }{
		{"hostile/archives/zipslip-zip-slip.zip", strings.Repeat("../", 40) + "tmp/evil.txt"},
		{"hostile/archives/zipslip-zip-slip.tar", strings.Repeat("../", 40) + "tmp/evil.txt"},
		{"hostile/archives/zipslip-zip-slip-win.zip", strings.Repeat(`..\`, 40) + `Temp\evil.txt`},
		{"hostile/archives/zipslip-zip-slip-win.tar", strings.Repeat(`..\`, 40) + `Temp\evil.txt`},
	} {
		res := extractCorpus(t, tc.file, extract.Options{})
		if got := strings.Join(childPaths(res), "|"); got != "good.txt|"+tc.evil {
			t.Errorf("%s: children %q", tc.file, got)
		}
		if c := child(t, res, tc.evil); c.Name != "evil.txt" || len(c.Data) != 20 {
			t.Errorf("%s: evil member %q %d bytes", tc.file, c.Name, len(c.Data))
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files written to the working directory: %v", entries)
	}
	if _, err := os.Lstat("/tmp/evil.txt"); err == nil && !existed {
		t.Error("/tmp/evil.txt was written")
	}
}

func TestCorpusSymlinkEscapes(t *testing.T) {
	for _, tc := range []struct{ file, path string }{
		{"docs/aleph-ingest-file/badzip.zip", "secret.txt"},
		{"docs/aleph-ingest-file/badtar.tar", "./secret.txt"},
		{"docs/aleph-ingest-file/badrar.rar", "secret.txt"},
		{"docs/aleph-ingest-file/bad7zip.7z", "secret.txt"},
	} {
		res := extractCorpus(t, tc.file, extract.Options{})
		if len(res.Children) != 1 {
			t.Fatalf("%s: children %q", tc.file, childPaths(res))
		}
		c := res.Children[0]
		if c.Path != tc.path || c.Name != "secret.txt" || c.Data != nil ||
			c.Skip != "symlink to /ingestors/tests/fixtures/secret.txt, not followed" {
			t.Errorf("%s: %q %q skip %q", tc.file, c.Path, c.Name, c.Skip)
		}
	}
}

func TestCorpus7z(t *testing.T) {
	res := extractCorpus(t, "docs/aleph-ingest-file/500_pages.7z", extract.Options{})
	if c := child(t, res, "tests/fixtures/500 pages.pdf"); len(c.Data) != 302661 || !bytes.HasPrefix(c.Data, []byte("%PDF")) {
		t.Errorf("500 pages.pdf: %d bytes", len(c.Data))
	}

	_, err := Extract(context.Background(), corpusFile(t, "docs/aleph-ingest-file/500_pages.7z.001"), "", extract.Options{})
	if err == nil || !strings.Contains(err.Error(), "split archive (.7z.001)") {
		t.Errorf("500_pages.7z.001: %v", err)
	}

	// Content encrypted (names readable).
	for _, tc := range []struct{ file, password, member, text string }{
		{"docs/tika/pkg/test7Z_protected_passTika.7z", "Tika", "text.txt", "TEST DATA FOR TIKA."},
		{"docs/aleph-ingest-file/7z_password.7z", "password", "secret.txt", ""},
	} {
		res := extractCorpus(t, tc.file, extract.Options{})
		if c := child(t, res, tc.member); c.Skip != "encrypted, no password given" || !res.Meta.Encrypted {
			t.Errorf("%s without password: %+v %+v", tc.file, c, res.Meta)
		}
		res = extractCorpus(t, tc.file, extract.Options{Passwords: []string{"tika"}})
		if c := child(t, res, tc.member); c.Skip != "encrypted, no password given fits" || res.Meta.Decrypted {
			t.Errorf("%s wrong password: %+v %+v", tc.file, c, res.Meta)
		}
		res = extractCorpus(t, tc.file, extract.Options{Passwords: []string{"tika", tc.password}})
		if c := child(t, res, tc.member); c.Data == nil || !strings.HasPrefix(string(c.Data), tc.text) || !res.Meta.Decrypted || !res.Meta.Encrypted {
			t.Errorf("%s: %+v %+v", tc.file, c, res.Meta)
		}
	}

	// Headers encrypted: nothing can be listed without the password.
	data := corpusFile(t, "docs/tika/pkg/full_encrypted.7z")
	res, err = Extract(context.Background(), data, "", extract.Options{Passwords: []string{"Tika"}})
	if !errors.Is(err, extract.ErrEncrypted) || res == nil || !res.Meta.Encrypted {
		t.Errorf("full_encrypted.7z: %v %+v", err, res)
	}
	res = extractCorpus(t, "docs/tika/pkg/full_encrypted.7z", extract.Options{Passwords: []string{"Tika", "password"}})
	if c := child(t, res, "test.txt"); string(c.Data) != "test" || !res.Meta.Decrypted {
		t.Errorf("full_encrypted.7z with password: %+v", c)
	}
}

func TestCorpusRar(t *testing.T) {
	data := corpusFile(t, "docs/tika/pkg/test-documents-enc.rar")
	for _, pw := range [][]string{nil, {"tika", "password"}} {
		res, err := Extract(context.Background(), data, "application/vnd.rar", extract.Options{Passwords: pw})
		if !errors.Is(err, extract.ErrEncrypted) || res == nil || !res.Meta.Encrypted || res.Meta.Extra["format"] != "rar" {
			t.Errorf("test-documents-enc.rar %q: %v %+v", pw, err, res)
		}
	}
}

func TestCorpusDamaged(t *testing.T) {
	res := extractCorpus(t, "docs/tika/microsoft/testZIP_corrupted_oom.zip", extract.Options{})
	if c := child(t, res, "hello.txt"); !strings.HasPrefix(c.Failed, "truncated") {
		t.Errorf("testZIP_corrupted_oom.zip: %+v", c)
	}

	res = extractCorpus(t, "docs/tika/pkg/testZip_with_DataDescriptor.zip", extract.Options{})
	if got := strings.Join(childPaths(res), ","); got != "en0,en1,en2,en3,en4" {
		t.Errorf("children %s", got)
	}
	for _, c := range res.Children {
		if len(c.Data) != 4 {
			t.Errorf("%q: %+v", c.Path, c)
		}
	}

	res = extractCorpus(t, "docs/tika/pkg/test-documents-spanned.zip", extract.Options{})
	if !hasProblem(res, "split (spanned) archive") || child(t, res, "testEXCEL.xls").Failed != "in another part of the split archive, not given" ||
		len(child(t, res, "testXML.xml").Data) != 766 {
		t.Errorf("spanned: %q", res.Problems)
	}

	// A .Z declaring 30-bit codes fails with the reason.
	_, err := Extract(context.Background(), corpusFile(t, "docs/tika/pkg/testZ_oom.Z"), "", extract.Options{})
	if err == nil || !strings.Contains(err.Error(), "30-bit codes") {
		t.Errorf("testZ_oom.Z: %v", err)
	}
}

func TestCorpusTika(t *testing.T) {
	for _, tc := range []struct{ file, children string }{
		{"docs/tika/pkg/test-nested-tarball.tar", "folderContainingTgz/inner/nested.tgz"},
		{"docs/tika/pkg/TIKA-216.tgz", "blah.tgz,blah1.tgz,blah2.tgz,blah3.tgz,blah4.tgz,blah5.tgz,blah6.tgz,blah7.tgz,blah8.tgz"},
		{"docs/tika/pkg/bob.gz", "bob"},
		{"docs/tika/pkg/multiple.gz", "multiple"},
		{"docs/tika/pkg/quine.gz", "quine"},
		{"docs/tika/pkg/test-bz2.txt.bz2", "test-bz2.txt"},
		{"docs/tika/pkg/testZSTD.zst", "testZSTD"},
		{"docs/tika/pkg/testLZ4-framed.lz4", "testLZ4-framed"},
		{"docs/tika/pkg/testARofText.ar", "testTXT.txt"},
		{"docs/tika/pkg/testARofSND.ar", "testAU.au"},
		{"docs/tika/pkg/droste.zip", "droste.jpg,droste.zip"},
		{"docs/tika/pkg/test-zip-of-zip.zip", "html-within-zip.zip"},
		{"docs/tika/pkg/testEmbedded.zip", "test1.txt,test2.txt"},
		{"docs/tika/pkg/testZip_with_DataDescriptor2.zip", "mimetype,source.xml,code.bin,META-INF/manifest.xml"},
		{"docs/tika/pkg/testZipEncrypted.zip", "unencrypted.txt,encrypted.txt"},
	} {
		res := extractCorpus(t, tc.file, extract.Options{})
		if got := strings.Join(childPaths(res), ","); got != tc.children {
			t.Errorf("%s: children %s, want %s", tc.file, got, tc.children)
		}
		for _, c := range res.Children {
			if c.Failed != "" || (c.Skip != "" && !strings.HasPrefix(c.Skip, "encrypted")) {
				t.Errorf("%s: %q skip %q failed %q", tc.file, c.Path, c.Skip, c.Failed)
			}
		}
	}
	res := extractCorpus(t, "docs/tika/pkg/bob.gz", extract.Options{})
	if string(res.Children[0].Data) != "hello world" || res.Meta.Extra["gzip_name"] != "alice.txt" {
		t.Errorf("bob.gz: %q %v", res.Children[0].Data, res.Meta.Extra)
	}
	res = extractCorpus(t, "docs/tika/pkg/testZipEncrypted.zip", extract.Options{})
	if !res.Meta.Encrypted || child(t, res, "encrypted.txt").Skip != "encrypted, no password given" {
		t.Errorf("testZipEncrypted.zip: %+v", res.Meta)
	}
	// GBK names without the UTF-8 flag keep their bytes in Path.
	res = extractCorpus(t, "docs/tika/pkg/gbk.zip", extract.Options{})
	if len(res.Children) != 1 || !strings.HasPrefix(res.Children[0].Path, "\xc9\xf3\xbc\xc6") {
		t.Errorf("gbk.zip: %q", childPaths(res))
	}
}

// TestCorpusMailZipCrypto opens the ZipCrypto attachment of a real message
// (Tika's testRFC822_encrypted_zip, password "test").
func TestCorpusMailZipCrypto(t *testing.T) {
	msg, err := mail.ReadMessage(bytes.NewReader(corpusFile(t, "docs/tika/mail/testRFC822_encrypted_zip")))
	if err != nil {
		t.Fatal(err)
	}
	_, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var zipData []byte
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		if p.FileName() == "test.zip" {
			raw, _ := io.ReadAll(p)
			zipData, _ = decodeBase64(raw)
		}
	}
	if zipData == nil {
		t.Fatal("no test.zip attachment")
	}
	res := extractOK(t, zipData, "application/zip", extract.Options{Passwords: []string{"nope", "test"}})
	if c := child(t, res, "text.txt"); len(c.Data) != 78 || !res.Meta.Decrypted {
		t.Errorf("text.txt: %q %+v", c.Data, res.Meta)
	}
}

func decodeBase64(raw []byte) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(raw)), ""))
}
