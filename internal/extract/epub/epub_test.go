package epub

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/testutil"
)

var linkTarget = regexp.MustCompile(` <[^\s<>]+>`)

func normalize(s string) string { return strings.Join(strings.Fields(s), " ") }

func extractFile(t *testing.T, path string) (*extract.Result, error) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return Extract(context.Background(), data, "application/epub+zip", extract.Options{})
}

// TestTextract compares with textract's expected text after white-space
// normalisation.
func TestTextract(t *testing.T) {
	dir := testutil.Corpus(t, "docs/textract/epub")
	res, err := extractFile(t, filepath.Join(dir, "raw_text.epub"))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(filepath.Join(dir, "raw_text.txt"))
	// textdecode.HTMLToText keeps link targets after link texts
	// ("ipsum <http://slipsum.com>"); textract does not.
	got := linkTarget.ReplaceAllString(res.Text, "")
	if g, w := normalize(got), normalize(string(want)); g != w {
		i := 0
		for i < len(g) && i < len(w) && g[i] == w[i] {
			i++
		}
		t.Errorf("differs at %d:\n got %q\nwant %q", i, g[max(0, i-40):min(len(g), i+60)], w[max(0, i-40):min(len(w), i+60)])
	}
	if res.Meta.Title != "Testing Epub" || res.Meta.Author != "Florian Strzelecki" || res.Meta.Language != "en" {
		t.Errorf("meta %+v", res.Meta)
	}
	res, err = extractFile(t, filepath.Join(dir, "standardized_text.epub"))
	if err != nil || !strings.Contains(strings.ToLower(normalize(res.Text)), "the quick brown fox jumps over the lazy dog") {
		t.Errorf("standardized: %v %q", err, res.Text)
	}
}

func TestTika(t *testing.T) {
	dir := testutil.Corpus(t, "docs/tika")
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.epub"))
	for _, f := range files {
		res, err := extractFile(t, f)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		if res.Text == "" || res.Meta.Title == "" {
			t.Errorf("%s: empty: %+v", filepath.Base(f), res)
		}
		t.Logf("%s: %q by %q, %d bytes, %q", filepath.Base(f), res.Meta.Title, res.Meta.Author, len(res.Text), res.Problems)
	}
}

// build returns an EPUB made of name/content pairs.
func build(t testing.TB, files ...string) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for i := 0; i+1 < len(files); i += 2 {
		f, err := w.Create(files[i])
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(files[i+1]))
	}
	w.Close()
	return b.Bytes()
}

const opf = `<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title>Le livre</dc:title><dc:creator>Anne</dc:creator><dc:creator>Bruno</dc:creator><dc:date>2019-03-01</dc:date><dc:language>fr</dc:language>
<meta property="dcterms:modified">2020-01-02T03:04:05Z</meta></metadata>
<manifest><item id="b" href="Text/b%20deux.xhtml" media-type="application/xhtml+xml"/><item id="a" href="Text/a.xhtml" media-type="application/xhtml+xml"/><item id="img" href="i.png" media-type="image/png"/></manifest>
<spine><itemref idref="a"/><itemref idref="img"/><itemref idref="b"/><itemref idref="missing"/></spine></package>`

func TestSpineOrder(t *testing.T) {
	data := build(t,
		"mimetype", "application/epub+zip",
		"META-INF/container.xml", `<container><rootfiles><rootfile full-path="OPS/book.opf"/></rootfiles></container>`,
		"OPS/book.opf", opf,
		"OPS/Text/a.xhtml", `<html><body><p>Premier chapitre.</p></body></html>`,
		"OPS/Text/b deux.xhtml", `<html><body><p>Second chapitre.</p></body></html>`,
	)
	res, err := Extract(context.Background(), data, "", extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "Premier chapitre.\n\nSecond chapitre." {
		t.Errorf("text %q", res.Text)
	}
	m := res.Meta
	if m.Title != "Le livre" || m.Author != "Anne; Bruno" || m.Language != "fr" || m.Created == nil || m.Created.Year() != 2019 || m.Modified == nil || m.Modified.Year() != 2020 {
		t.Errorf("meta %+v", m)
	}
	if len(res.Problems) != 1 {
		t.Errorf("problems %q", res.Problems)
	}
}

func TestDRM(t *testing.T) {
	data := build(t,
		"META-INF/container.xml", `<container><rootfiles><rootfile full-path="book.opf"/></rootfiles></container>`,
		"META-INF/encryption.xml", `<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData><enc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/><enc:CipherData><enc:CipherReference URI="Text/a.xhtml"/></enc:CipherData></enc:EncryptedData></encryption>`,
		"book.opf", strings.ReplaceAll(opf, `<itemref idref="b"/>`, ""),
		"Text/a.xhtml", "\x8a\x91garbage",
	)
	res, err := Extract(context.Background(), data, "", extract.Options{})
	if !errors.Is(err, extract.ErrEncrypted) || res == nil || !res.Meta.Encrypted || res.Meta.Title != "Le livre" {
		t.Errorf("err %v res %+v", err, res)
	}
}
