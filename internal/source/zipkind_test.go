package source

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/newsroom/dossier/internal/testutil"
)

type zipMember struct {
	name, body string
	store      bool
}

func buildPackage(t testing.TB, members ...zipMember) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, m := range members {
		h := &zip.FileHeader{Name: m.name, Method: zip.Deflate}
		if m.store {
			h.Method = zip.Store
		}
		w, err := zw.CreateHeader(h) // archive/zip writes data descriptors
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(m.body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestRefineZip(t *testing.T) {
	for _, tc := range []struct {
		name    string
		data    []byte
		kind    Kind
		mime    string
		matched bool
	}{
		{"epub, mimetype last and deflated", buildPackage(t, zipMember{name: "META-INF/container.xml", body: "<container/>"},
			zipMember{name: "OPS/a.html", body: "<p>x</p>"}, zipMember{name: "mimetype", body: "application/epub+zip"}),
			KindOther, "application/epub+zip", true},
		{"odt, mimetype stored after content", buildPackage(t, zipMember{name: "content.xml", body: "<office:document-content/>"},
			zipMember{name: "mimetype", body: "application/vnd.oasis.opendocument.text", store: true}),
			KindOffice, "application/vnd.oasis.opendocument.text", true},
		{"docx, content types last", buildPackage(t, zipMember{name: "word/document.xml", body: "<w:document/>"},
			zipMember{name: "[Content_Types].xml", body: "<Types/>"}),
			KindOffice, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", true},
		{"plain zip", buildPackage(t, zipMember{name: "a.txt", body: "alpha"}, zipMember{name: "mimetype", body: "text/plain"}), KindOther, "", false},
		{"mimetype says ODF without content.xml", buildPackage(t, zipMember{name: "mimetype", body: "application/vnd.oasis.opendocument.text"}), KindOther, "", false},
		{"mimetype with control bytes", buildPackage(t, zipMember{name: "mimetype", body: "application/epub+zip\x00"}), KindOther, "", false},
		{"empty", nil, KindOther, "", false},
		{"end record only", []byte("PK\x05\x06\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00"), KindOther, "", false},
	} {
		kind, mime, ok := RefineZip(tc.data)
		if kind != tc.kind || mime != tc.mime || ok != tc.matched {
			t.Errorf("%s: %v %q %v, want %v %q %v", tc.name, kind, mime, ok, tc.kind, tc.mime, tc.matched)
		}
		// Every cut of the file is refused or recognised, never a panic.
		for i := 0; i < len(tc.data); i += 7 {
			RefineZip(tc.data[:i])
		}
	}
}

// TestRefineZipCorpus: Tika's EPUBs whose mimetype entry is not first
// (one deflated, one behind a data descriptor) are EPUBs, not jars.
func TestRefineZipCorpus(t *testing.T) {
	dir := testutil.Corpus(t, "docs/tika/miscoffice")
	for _, f := range []string{"testEPUB.epub", "testEPUB_xml_ext.epub", "testEPUB_multi-metadata-vals.epub"} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		_, sniffed := Sniff(data[:min(len(data), SniffLen)])
		if _, mime, ok := RefineZip(data); !ok || mime != "application/epub+zip" {
			t.Errorf("%s (sniffed %s): %q %v", f, sniffed, mime, ok)
		}
	}
}

func FuzzRefineZip(f *testing.F) {
	f.Add(buildPackage(f, zipMember{name: "mimetype", body: "application/epub+zip"}, zipMember{name: "META-INF/container.xml", body: "<c/>"}))
	f.Add(buildPackage(f, zipMember{name: "word/document.xml", body: "<d/>"}, zipMember{name: "[Content_Types].xml", body: "<T/>"}))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, mime, ok := RefineZip(data); ok != (mime != "") {
			t.Fatalf("%q %v", mime, ok)
		}
	})
}
