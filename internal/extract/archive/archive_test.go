package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"

	"github.com/newsroom/dossier/internal/extract"
)

func TestZipNames(t *testing.T) {
	data := buildZip(t, "Fuite n°3 — ne pas diffuser",
		zipFile{name: "dossier/"},
		zipFile{name: "dossier/été/résumé.txt", body: "résumé"},
		zipFile{name: "日本語.txt", body: "nihongo"},
		zipFile{name: "a\r\nb.txt", body: "crlf"},
		zipFile{name: "facture\u202etxt.exe", body: "rtl"},
		zipFile{name: "dup.txt", body: "one"},
		zipFile{name: "dup.txt", body: "two"},
		zipFile{name: "dup.txt#2", body: "verbatim"},
		zipFile{name: "dup.txt", body: "three"},
		zipFile{name: "empty.txt"},
		zipFile{name: "../../../../tmp/evil.txt", body: "slip"},
		zipFile{name: `..\..\Temp\evil.txt`, body: "slip win"},
		zipFile{name: "/etc/passwd", body: "absolute"},
	)
	res := extractOK(t, data, "application/zip", extract.Options{})
	want := []struct{ path, name, body string }{
		{"dossier/été/résumé.txt", "résumé.txt", "résumé"},
		{"日本語.txt", "日本語.txt", "nihongo"},
		{"a\r\nb.txt", `a\r\nb.txt`, "crlf"},
		{"facture\u202etxt.exe", `facture\u202etxt.exe`, "rtl"},
		{"dup.txt", "dup.txt", "one"},
		{"dup.txt#2", "dup.txt", "two"},
		{"dup.txt#2#2", "dup.txt#2", "verbatim"},
		{"dup.txt#3", "dup.txt", "three"},
		{"empty.txt", "empty.txt", ""},
		{"../../../../tmp/evil.txt", "evil.txt", "slip"},
		{`..\..\Temp\evil.txt`, "evil.txt", "slip win"},
		{"/etc/passwd", "passwd", "absolute"},
	}
	if len(res.Children) != len(want) {
		t.Fatalf("children %q, want %d (no directory)", childPaths(res), len(want))
	}
	for i, w := range want {
		c := res.Children[i]
		if c.Path != w.path || c.Name != w.name || string(c.Data) != w.body || c.Skip != "" || c.Failed != "" {
			t.Errorf("child %d = %q %q %q skip=%q failed=%q; want %q %q %q", i, c.Path, c.Name, c.Data, c.Skip, c.Failed, w.path, w.name, w.body)
		}
		if c.Modified == nil || c.Modified.Year() != 2017 {
			t.Errorf("%q: modified %v", c.Path, c.Modified)
		}
	}
	if res.Meta.Comments != "Fuite n°3 — ne pas diffuser" {
		t.Errorf("comment %q", res.Meta.Comments)
	}
	if res.Meta.Extra["format"] != "zip" || len(res.Problems) != 0 {
		t.Errorf("format %q, problems %q", res.Meta.Extra["format"], res.Problems)
	}
}

func TestDisplayName(t *testing.T) {
	for in, want := range map[string]string{
		"a/b/c.txt":            "c.txt",
		`C:\Users\x\doc.docx`:  "doc.docx",
		"dir/":                 "dir",
		"/":                    "/",
		"bell\a.txt":           `bell\a.txt`,
		"nul\x00.txt":          `nul\x00.txt`,
		"esc\x1b[31m.txt":      `esc\x1b[31m.txt`,
		"c1\u0085.txt":         `c1\u0085.txt`,
		"\u2066iso\u2069.txt":  `\u2066iso\u2069.txt`,
		"mark\u200f.txt":       `mark\u200f.txt`,
		"line\u2028sep":        `line\u2028sep`,
		"latin1-\xe9t\xe9.txt": `latin1-\xe9t\xe9.txt`,
		"ok é 日本":              "ok é 日本",
	} {
		if got := DisplayName(in); got != want {
			t.Errorf("DisplayName(%q) = %q, want %q", in, got, want)
		}
	}
	// ZIP names that are not UTF-8 are IBM 437 for display.
	if got := zipDisplayName("r\x82sum\x82.txt"); got != "résumé.txt" {
		t.Errorf("zipDisplayName(cp437) = %q", got)
	}
}

func TestZipLegacyNameKeepsBytes(t *testing.T) {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	fw, _ := w.CreateHeader(&zip.FileHeader{Name: "r\x82sum\x82.txt", NonUTF8: true, Method: zip.Store})
	io.WriteString(fw, "cv")
	w.Close()
	res := extractOK(t, buf.Bytes(), "", extract.Options{})
	c := res.Children[0]
	if c.Path != "r\x82sum\x82.txt" || c.Name != "résumé.txt" || string(c.Data) != "cv" {
		t.Errorf("got %q %q %q", c.Path, c.Name, c.Data)
	}
}

func TestZipSpecialMembers(t *testing.T) {
	data := buildZip(t, "",
		zipFile{name: "link", body: "/etc/passwd", mode: uint32(0o120777)},
		zipFile{name: "evil-link", body: "../\x1b[2J\u202e", mode: uint32(0o120777)},
		zipFile{name: "fifo", mode: uint32(0o010644)},
		zipFile{name: "plain", body: "x", mode: uint32(0o100644)},
	)
	res := extractOK(t, data, "", extract.Options{})
	if got := child(t, res, "link").Skip; got != "symlink to /etc/passwd, not followed" {
		t.Errorf("link: %q", got)
	}
	if got := child(t, res, "evil-link").Skip; got != `symlink to ../\x1b[2J\u202e, not followed` {
		t.Errorf("evil-link: %q", got)
	}
	if got := child(t, res, "fifo").Skip; !strings.Contains(got, "special file") {
		t.Errorf("fifo: %q", got)
	}
	if c := child(t, res, "plain"); string(c.Data) != "x" {
		t.Errorf("plain: %+v", c)
	}
}

func TestZip64(t *testing.T) {
	data := buildZip64("grand-livre.csv", "compte;montant\n512;1000000\n")
	res := extractOK(t, data, "application/zip", extract.Options{})
	c := child(t, res, "grand-livre.csv")
	if string(c.Data) != "compte;montant\n512;1000000\n" || c.Failed != "" {
		t.Errorf("zip64 member: %+v", c)
	}

	// A member declaring 5 GiB (written with ZIP64 fields by archive/zip)
	// is over the budget by its declaration: nothing is allocated for it.
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	fw, err := w.CreateRaw(&zip.FileHeader{Name: "huge.bin", Method: zip.Deflate,
		CompressedSize64: 2, UncompressedSize64: 5 << 30, CRC32: 0})
	if err != nil {
		t.Fatal(err)
	}
	fw.Write([]byte{3, 0})
	fw, _ = w.Create("small.txt")
	io.WriteString(fw, "petit")
	w.Close()
	res = extractOK(t, buf.Bytes(), "", extract.Options{})
	if got := child(t, res, "huge.bin").Skip; !strings.HasPrefix(got, "over the expansion budget (declares 5 GiB") {
		t.Errorf("huge: %q", got)
	}
	if got := child(t, res, "small.txt"); string(got.Data) != "petit" {
		t.Errorf("small after huge: %+v", got)
	}
	if !hasProblem(res, "1 member(s) not extracted: over the expansion budget") {
		t.Errorf("problems %q", res.Problems)
	}
}

func TestZipCorrupt(t *testing.T) {
	data := buildZip(t, "", zipFile{name: "a.txt", body: "intact", stored: true},
		zipFile{name: "b.txt", body: "flipped", stored: true},
		zipFile{name: "c.txt", body: strings.Repeat("deflated ", 100)})
	i := bytes.Index(data, []byte("flipped"))
	data[i] = 'F'
	res := extractOK(t, data, "", extract.Options{})
	if c := child(t, res, "a.txt"); string(c.Data) != "intact" {
		t.Errorf("a: %+v", c)
	}
	if c := child(t, res, "b.txt"); c.Failed != "bad CRC" {
		t.Errorf("b: %+v", c)
	}
	if c := child(t, res, "c.txt"); len(c.Data) != 900 {
		t.Errorf("c: %+v", c)
	}

	// Without its central directory (a truncated download) the members
	// are read from their local headers; the one cut short fails.
	whole := buildZip(t, "", zipFile{name: "one.txt", body: "first member"},
		zipFile{name: "two.txt", body: strings.Repeat("second member ", 200)})
	cut := whole[:bytes.Index(whole, []byte("two.txt"))+40]
	res = extractOK(t, cut, "application/zip", extract.Options{})
	if !hasProblem(res, "central directory unreadable") {
		t.Errorf("problems %q", res.Problems)
	}
	if c := child(t, res, "one.txt"); string(c.Data) != "first member" {
		t.Errorf("one: %+v", c)
	}
	if c := child(t, res, "two.txt"); c.Failed == "" || c.Data != nil {
		t.Errorf("two: %+v", c)
	}

	// A member longer than it declares fails without being read further.
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	body := []byte(strings.Repeat("A", 4096))
	fw, _ := w.CreateRaw(&zip.FileHeader{Name: "liar.txt", Method: zip.Store,
		CompressedSize64: uint64(len(body)), UncompressedSize64: uint64(len(body)), CRC32: crc32.ChecksumIEEE(body)})
	fw.Write(body)
	w.Close()
	liar := buf.Bytes()
	// Patch the central directory's uncompressed size down to 10.
	cd := bytes.Index(liar, []byte("PK\x01\x02"))
	liar[cd+24], liar[cd+25] = 10, 0
	res = extractOK(t, liar, "", extract.Options{})
	if c := child(t, res, "liar.txt"); !strings.Contains(c.Failed, "declares 10 bytes") {
		t.Errorf("liar: %+v", c)
	}

	if _, err := Extract(context.Background(), []byte("PK\x03\x04 nothing else"), "application/zip", extract.Options{}); err == nil {
		t.Error("no error for an unreadable zip")
	}
}

// Encrypted ZIPs made by 7-Zip 26.02 (password "Sesame"): AES-256 with
// deflate (AE-2), AES-128 stored, and traditional ZipCrypto.
var (
	zipAES256 = `UEsDBDMAAQBjACgadl0AAAAAXgAAAHQEAAAIAAsAbG9uZy50eHQBmQcAAgBBRQMIALxU0Lf237JR
Wcs0mE2RfhrlzKtWRxUl5ZEEd1sjOsLdgsmO4JioNU6rnxuqHcXy/hq+0vE2TcDxXVmaQRcSSFuc
v0sO3gyjwYJi2lXjZp6vnBBE0gAVg6giUrkq9Z9QSwMEMwABAGMAKBp2XQAAAAA4AAAAHAAAAAgA
CwBub3RlLnR4dAGZBwACAEFFAwAApM7MPrhVRx50EXVz0dPpfqFHiJ3qieVe+LNmyTXFcvv0LSWO
fXioVq684MpYG4clf//6ASryjJRQSwECPwMzAAEAYwAoGnZdAAAAAF4AAAB0BAAACAAvAAAAAAAA
ACCApIEAAAAAbG9uZy50eHQKACAAAAAAAAEAGABB99n4L3rdAQAAAAAAAAAAAAAAAAAAAAABmQcA
AgBBRQMIAFBLAQI/AzMAAQBjACgadl0AAAAAOAAAABwAAAAIAC8AAAAAAAAAIICkgY8AAABub3Rl
LnR4dAoAIAAAAAAAAQAYAEH32fgvet0BAAAAAAAAAAAAAAAAAAAAAAGZBwACAEFFAwAAUEsFBgAA
AAACAAIAygAAAPgAAAAAAA==`
	zipAES128 = `UEsDBDMAAQBjACgadl0AAAAAMAAAABwAAAAIAAsAbm90ZS50eHQBmQcAAgBBRQEAALnrxTbcGQKd
aF3FoIsvr5M/p395oBUjDJABusFP6s3UNi+hsWub58i/tje46RieC1BLAQI/AzMAAQBjACgadl0A
AAAAMAAAABwAAAAIAC8AAAAAAAAAIICkgQAAAABub3RlLnR4dAoAIAAAAAAAAQAYAEH32fgvet0B
AAAAAAAAAAAAAAAAAAAAAAGZBwACAEFFAQAAUEsFBgAAAAABAAEAZQAAAGEAAAAAAA==`
	zipZipCrypto = `UEsDBBQAAQAIACgadl3cvJGCTgAAAHQEAAAIAAAAbG9uZy50eHQGPieIiCTKwYTWHgCKvxA9rYxm
8tU0tDpCFcaV7joBkM4XMwkPbYh8hn8wpUir3tbF9RhzovbtgJimpHNHWhEn8/3ImsehC/+NlSMv
tABQSwMEFAABAAAAKBp2XesQDL8oAAAAHAAAAAgAAABub3RlLnR4dHL5Mw/qszVGtVCnA43RBNab
qj23V6++bF+z3Wx1WvF9wzYU6SEf0rhQSwECPwMUAAEACAAoGnZd3LyRgk4AAAB0BAAACAAkAAAA
AAAAACCApIEAAAAAbG9uZy50eHQKACAAAAAAAAEAGABB99n4L3rdAQAAAAAAAAAAAAAAAAAAAABQ
SwECPwMUAAEAAAAoGnZd6xAMvygAAAAcAAAACAAkAAAAAAAAACCApIF0AAAAbm90ZS50eHQKACAA
AAAAAAEAGABB99n4L3rdAQAAAAAAAAAAAAAAAAAAAABQSwUGAAAAAAIAAgC0AAAAwgAAAAAA`
)

func TestZipEncrypted(t *testing.T) {
	note := "Le dossier secret: page 12.\n"
	long := strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", 20)
	for name, b64 := range map[string]string{"aes256": zipAES256, "aes128": zipAES128, "zipcrypto": zipZipCrypto} {
		t.Run(name, func(t *testing.T) {
			data, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(b64, "\n", ""))
			if err != nil {
				t.Fatal(err)
			}
			res := extractOK(t, data, "", extract.Options{})
			for _, c := range res.Children {
				if c.Skip != "encrypted, no password given" || c.Data != nil {
					t.Errorf("no password: %q skip %q", c.Path, c.Skip)
				}
			}
			if !res.Meta.Encrypted || res.Meta.Decrypted {
				t.Errorf("no password: meta %+v", res.Meta)
			}
			res = extractOK(t, data, "", extract.Options{Passwords: []string{"sesame", "Sésame"}})
			for _, c := range res.Children {
				if c.Skip != "encrypted, no password given fits" {
					t.Errorf("wrong passwords: %q skip %q failed %q", c.Path, c.Skip, c.Failed)
				}
			}
			res = extractOK(t, data, "", extract.Options{Passwords: []string{"wrong", "Sesame"}})
			if !res.Meta.Encrypted || !res.Meta.Decrypted {
				t.Errorf("meta %+v", res.Meta)
			}
			if c := child(t, res, "note.txt"); string(c.Data) != note {
				t.Errorf("note.txt: %q skip %q failed %q", c.Data, c.Skip, c.Failed)
			}
			if name != "aes128" {
				if c := child(t, res, "long.txt"); string(c.Data) != long {
					t.Errorf("long.txt: %d bytes, skip %q failed %q", len(c.Data), c.Skip, c.Failed)
				}
			}
		})
	}
}

func TestTarKinds(t *testing.T) {
	long := strings.Repeat("très-long-répertoire/", 8) + "fichier.txt"
	data := buildTar(t,
		tarFile{hdr: tar.Header{Name: "docs/", Typeflag: tar.TypeDir}},
		tarFile{hdr: tar.Header{Name: "docs/a.txt"}, body: "alpha"},
		tarFile{hdr: tar.Header{Name: long, Format: tar.FormatGNU}, body: "gnu long name"},
		tarFile{hdr: tar.Header{Name: "pax/" + long, Format: tar.FormatPAX}, body: "pax long name"},
		tarFile{hdr: tar.Header{Name: "ln-s", Typeflag: tar.TypeSymlink, Linkname: "/etc/shadow"}},
		tarFile{hdr: tar.Header{Name: "ln", Typeflag: tar.TypeLink, Linkname: "docs/a.txt"}},
		tarFile{hdr: tar.Header{Name: "dev/sda", Typeflag: tar.TypeBlock, Devmajor: 8}},
		tarFile{hdr: tar.Header{Name: "dev/null", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3}},
		tarFile{hdr: tar.Header{Name: "fifo", Typeflag: tar.TypeFifo}},
		tarFile{hdr: tar.Header{Name: "../../etc/cron.d/x"}, body: "slip"},
		tarFile{hdr: tar.Header{Name: "docs/a.txt"}, body: "again"},
	)
	res := extractOK(t, data, "application/x-tar", extract.Options{})
	want := []struct{ path, data, skip string }{
		{"docs/a.txt", "alpha", ""},
		{long, "gnu long name", ""},
		{"pax/" + long, "pax long name", ""},
		{"ln-s", "", "symlink to /etc/shadow, not followed"},
		{"ln", "", "hard link to docs/a.txt, not followed"},
		{"dev/sda", "", "block device 8,0, not extracted"},
		{"dev/null", "", "character device 1,3, not extracted"},
		{"fifo", "", "named pipe (fifo), not extracted"},
		{"../../etc/cron.d/x", "slip", ""},
		{"docs/a.txt#2", "again", ""},
	}
	if len(res.Children) != len(want) {
		t.Fatalf("children %q", childPaths(res))
	}
	for i, w := range want {
		c := res.Children[i]
		if c.Path != w.path || string(c.Data) != w.data || c.Skip != w.skip {
			t.Errorf("child %d: %q %q skip %q; want %q %q %q", i, c.Path, c.Data, c.Skip, w.path, w.data, w.skip)
		}
	}
	if n := child(t, res, long).Name; n != "fichier.txt" {
		t.Errorf("name %q", n)
	}

	// Truncated in the middle of a member.
	whole := buildTar(t, tarFile{hdr: tar.Header{Name: "a"}, body: "aaaa"},
		tarFile{hdr: tar.Header{Name: "b"}, body: strings.Repeat("b", 3000)})
	res = extractOK(t, whole[:512*3+100], "", extract.Options{})
	if c := child(t, res, "a"); string(c.Data) != "aaaa" {
		t.Errorf("a: %+v", c)
	}
	if c := child(t, res, "b"); c.Failed != "truncated" {
		t.Errorf("b: %+v", c)
	}
}

// compress returns data compressed in format f.
func compress(t testing.TB, f format, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	var err error
	switch f {
	case fGzip:
		w = gzip.NewWriter(&buf)
	case fXz:
		w, err = xz.NewWriter(&buf)
	case fZstd:
		w, err = zstd.NewWriter(&buf)
	case fLz4:
		w = lz4.NewWriter(&buf)
	default:
		t.Fatalf("cannot write %s", f)
	}
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCompressedTar(t *testing.T) {
	tarball := buildTar(t, tarFile{hdr: tar.Header{Name: "x/un.txt"}, body: "un"},
		tarFile{hdr: tar.Header{Name: "x/deux.txt"}, body: "deux"})
	for _, f := range []format{fGzip, fXz, fZstd, fLz4} {
		data := compress(t, f, tarball)
		res, err := ExtractNamed(context.Background(), "x.tar."+f.String(), data, "", extract.Options{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if got := strings.Join(childPaths(res), ","); got != "x/un.txt,x/deux.txt" {
			t.Errorf("%s: children %s", f, got)
		}
		if res.Meta.Extra["format"] != "tar+"+f.String() {
			t.Errorf("%s: format %q", f, res.Meta.Extra["format"])
		}
		if mime, ok := Detect(data); !ok || mime != formatMIME[f] {
			t.Errorf("%s: Detect = %q", f, mime)
		}
	}
}

func TestSingleStream(t *testing.T) {
	text := []byte(strings.Repeat("Compte rendu de la réunion du 3 mars.\n", 50))
	for _, f := range []format{fGzip, fXz, fZstd, fLz4} {
		data := compress(t, f, text)
		res, err := ExtractNamed(context.Background(), "/leak/compte-rendu.txt."+f.String(), data, "", extract.Options{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(res.Children) != 1 {
			t.Fatalf("%s: children %q", f, childPaths(res))
		}
		c := res.Children[0]
		if c.Path != "compte-rendu.txt" || !bytes.Equal(c.Data, text) {
			t.Errorf("%s: %q %d bytes", f, c.Path, len(c.Data))
		}
	}

	// Unnamed: the gzip header's name, else "content"; the comment is kept.
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Name, zw.Comment = "notes.txt", "exporté le 3 mars"
	zw.Write(text)
	zw.Close()
	res := extractOK(t, buf.Bytes(), "application/gzip", extract.Options{})
	if c := res.Children[0]; c.Path != "notes.txt" || res.Meta.Comments != "exporté le 3 mars" || res.Meta.Extra["gzip_name"] != "notes.txt" {
		t.Errorf("gzip header: %q %+v", c.Path, res.Meta)
	}
	res = extractOK(t, compress(t, fXz, text), "", extract.Options{})
	if c := res.Children[0]; c.Path != "content" {
		t.Errorf("unnamed xz member %q", c.Path)
	}

	// A bad CRC in the gzip trailer fails the member, not the container.
	bad := compress(t, fGzip, text)
	bad[len(bad)-8] ^= 0xff
	res = extractOK(t, bad, "", extract.Options{})
	if c := res.Children[0]; c.Failed != "bad CRC" || c.Data != nil {
		t.Errorf("bad crc: %+v", c)
	}
	// Truncated.
	res = extractOK(t, bad[:len(bad)/2], "", extract.Options{})
	if c := res.Children[0]; c.Failed != "truncated" {
		t.Errorf("truncated: %+v", c)
	}
}

func TestStreamMemberName(t *testing.T) {
	for in, want := range map[string]string{
		"report.pdf.gz": "report.pdf", "a.TGZ": "a.tar", "x.tar.zst": "x.tar", "dir/y.bz2": "y",
		`C:\leak\z.txt.xz`: "z.txt", "plain": "plain", ".gz": ".gz", "": "",
	} {
		if got := streamMemberName(in); got != want {
			t.Errorf("streamMemberName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBudgets(t *testing.T) {
	var files []zipFile
	for i := range 10 {
		files = append(files, zipFile{name: "f" + string(rune('0'+i)), body: strings.Repeat("x", 1000)})
	}
	data := buildZip(t, "", files...)

	res := extractOK(t, data, "", extract.Options{Budget: extract.Budget{MaxMembers: 4}})
	if len(res.Children) != 4 || !hasProblem(res, "more than 4 members") {
		t.Errorf("members: %q %q", childPaths(res), res.Problems)
	}

	res = extractOK(t, data, "", extract.Options{Budget: extract.Budget{MaxBytes: 3500}})
	extracted, skipped := 0, 0
	for _, c := range res.Children {
		switch {
		case c.Data != nil:
			extracted++
		case strings.HasPrefix(c.Skip, "over the expansion budget"):
			skipped++
		}
	}
	if extracted != 3 || skipped != 7 || !hasProblem(res, "7 member(s) not extracted") {
		t.Errorf("bytes: %d extracted, %d skipped, %q", extracted, skipped, res.Problems)
	}

	// The ratio: 20 kB of zeros in a ~100-byte gzip is allowed (every
	// container may expand to 1 MiB); 4 MiB is not.
	small := compress(t, fGzip, make([]byte, 20_000))
	if res := extractOK(t, small, "", extract.Options{}); len(res.Children[0].Data) != 20_000 {
		t.Errorf("small gzip: %+v", res.Children[0])
	}
	big := compress(t, fGzip, make([]byte, 4<<20))
	res = extractOK(t, big, "", extract.Options{})
	if c := res.Children[0]; !strings.HasPrefix(c.Skip, "over the expansion budget") || !hasProblem(res, "decompressed past the expansion budget") {
		t.Errorf("gzip past ratio: %+v %q", c, res.Problems)
	}
}

func TestDetect(t *testing.T) {
	tarball := buildTar(t, tarFile{hdr: tar.Header{Name: "a"}, body: "a"})
	v7 := bytes.Clone(tarball)
	copy(v7[257:265], make([]byte, 8)) // no ustar magic: checksum must add up
	sum := 0
	for i, b := range v7[:512] {
		if i >= 148 && i < 156 {
			b = ' '
		}
		sum += int(b)
	}
	copy(v7[148:156], fmt.Sprintf("%06o\x00 ", sum))
	for _, tc := range []struct {
		head []byte
		mime string
	}{
		{buildZip(t, "", zipFile{name: "a", body: "a"}), MIMEZip},
		{tarball, MIMETar},
		{v7, MIMETar},
		{[]byte("\x1f\x8b\x08\x00"), MIMEGzip},
		{[]byte("BZh91AY&SY...."), MIMEBzip2},
		{[]byte("\xfd7zXZ\x00\x00"), MIMEXz},
		{[]byte("\x28\xb5\x2f\xfd\x00"), MIMEZstd},
		{[]byte("\x04\x22\x4d\x18"), MIMELz4},
		{[]byte("7z\xbc\xaf\x27\x1c\x00\x04"), MIME7z},
		{[]byte("Rar!\x1a\x07\x00"), MIMERar},
		{[]byte("Rar!\x1a\x07\x01\x00"), MIMERar},
		{[]byte("!<arch>\n"), MIMEAr},
		{[]byte("\x1f\x9d\x90"), MIMECompress},
		{[]byte("MSCF\x00\x00\x00\x00"), MIMECab},
		{[]byte("%PDF-1.7"), ""},
		{[]byte("BZh9 not bzip2"), ""},
		{make([]byte, 1024), ""},
	} {
		got, ok := Detect(tc.head)
		if got != tc.mime || ok != (tc.mime != "") {
			t.Errorf("Detect(%q) = %q %v, want %q", tc.head[:min(len(tc.head), 8)], got, ok, tc.mime)
		}
		if tc.mime != "" && !Handles(tc.mime+"; charset=binary") {
			t.Errorf("Handles(%q) = false", tc.mime)
		}
	}
	if Handles("application/pdf") {
		t.Error("Handles(pdf)")
	}
	if _, err := Extract(context.Background(), []byte("%PDF-1.7"), "application/pdf", extract.Options{}); !errors.Is(err, extract.ErrUnsupported) {
		t.Errorf("pdf: %v", err)
	}
	if res, err := Extract(context.Background(), []byte("\x1f\x9d\x90abc"), "", extract.Options{}); err != nil || len(res.Children) != 1 {
		t.Errorf(".Z: %v", err)
	}
}

func TestAr(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("!<arch>\n")
	member := func(name, body string) {
		h := []byte(strings.Repeat(" ", 60))
		copy(h, name)
		copy(h[16:], "1262968202")
		copy(h[40:], "100644")
		copy(h[48:], strconv.Itoa(len(body)))
		copy(h[58:], "`\n")
		b.Write(h)
		b.WriteString(body)
		if len(body)%2 == 1 {
			b.WriteByte('\n')
		}
	}
	long := "un-nom-de-membre-bien-trop-long.txt"
	member("/", "symbols")
	member("//", long+"/\n")
	member("court.txt/", "court")
	member("/0", "long")
	member("#1/11", "bsd-nom.txtbsd")
	res := extractOK(t, b.Bytes(), "", extract.Options{})
	if got := strings.Join(childPaths(res), ","); got != "court.txt,"+long+",bsd-nom.txt" {
		t.Fatalf("children %s", got)
	}
	if string(res.Children[2].Data) != "bsd" || res.Children[0].Modified == nil {
		t.Errorf("%+v", res.Children)
	}
}

func TestContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	data := buildZip(t, "", zipFile{name: "a", body: "a"})
	if _, err := Extract(ctx, data, "", extract.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("err %v", err)
	}
}

func TestZipMethods(t *testing.T) {
	text := []byte(strings.Repeat("Virement de 1 000 000 € vers Chypre. ", 40))
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	raw := func(name string, method uint16, flags uint16, data []byte) {
		fw, err := w.CreateRaw(&zip.FileHeader{Name: name, Method: method, Flags: flags, CRC32: crc32.ChecksumIEEE(text),
			CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(len(text))})
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	raw("m93", 93, 0, compress(t, fZstd, text))
	raw("m95", 95, 0, compress(t, fXz, text))
	// LZMA (14): version, properties size, properties, raw stream with an
	// end marker.
	var lz bytes.Buffer
	lw, err := lzma.WriterConfig{EOSMarker: true}.NewWriter(&lz)
	if err != nil {
		t.Fatal(err)
	}
	lw.Write(text)
	lw.Close()
	lzmaRaw := append([]byte{9, 20, 5, 0}, lz.Bytes()[:5]...)
	raw("m14", 14, 2, append(lzmaRaw, lz.Bytes()[13:]...))
	fw, _ := w.CreateRaw(&zip.FileHeader{Name: "m9", Method: 9, CompressedSize64: 1, UncompressedSize64: 1})
	fw.Write([]byte{0})
	w.Close()
	res := extractOK(t, buf.Bytes(), "", extract.Options{})
	for _, p := range []string{"m93", "m95", "m14"} {
		if c := child(t, res, p); !bytes.Equal(c.Data, text) {
			t.Errorf("%s: %d bytes, failed %q", p, len(c.Data), c.Failed)
		}
	}
	if c := child(t, res, "m9"); c.Failed != "unsupported compression method 9 (deflate64)" {
		t.Errorf("deflate64: %+v", c)
	}
}
