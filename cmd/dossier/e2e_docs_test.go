package main

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/testutil"
)

// frenchDOCX writes a DOCX whose text is French and whose last editor
// has a Cyrillic name: the MacronLeaks pattern the editor-script rule
// exists for.
func frenchDOCX(t *testing.T, path, editor string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>`},
		{"docProps/core.xml", `<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>Alain Tourret</dc:creator><cp:lastModifiedBy>` + editor + `</cp:lastModifiedBy><dcterms:created xsi:type="dcterms:W3CDTF">2017-03-01T09:00:00Z</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">2017-04-27T16:05:00Z</dcterms:modified></cp:coreProperties>`},
		{"word/document.xml", `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` +
			`<w:p><w:r><w:t>Le trésorier de la campagne a transmis les comptes du mois de mars. Les dépenses de la réunion publique de Lyon sont détaillées dans le tableau joint, avec les factures des prestataires et les notes de frais des bénévoles.</w:t></w:r></w:p>` +
			`<w:p><w:r><w:t>Nous devons vérifier avant la fin de la semaine que les montants correspondent aux virements reçus par le mandataire financier.</w:t></w:r></w:p></w:body></w:document>`},
	} {
		w, err := zw.Create(f[0])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(f[1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestE2EDocuments ingests documents of many formats, nested in an
// archive, and checks text, metadata, anomalies and the ledger.
func TestE2EDocuments(t *testing.T) {
	textract := testutil.Corpus(t, "docs/textract")
	in := t.TempDir()
	frenchDOCX(t, filepath.Join(in, "comptes.docx"), "Рошка Георгий Петрович")
	frenchDOCX(t, filepath.Join(in, "comptes-relu.docx"), "Émilie Dupont")
	// The same documents again inside a zip inside a tar.gz would need
	// a tar writer; a zip of a zip is enough to show recursion.
	var inner, outer bytes.Buffer
	zw := zip.NewWriter(&inner)
	b, _ := os.ReadFile(filepath.Join(in, "comptes.docx"))
	w, _ := zw.Create("dossiers/comptes-copie.docx")
	w.Write(b)
	zw.Close()
	zw = zip.NewWriter(&outer)
	w, _ = zw.Create("archive-interne.zip")
	w.Write(inner.Bytes())
	zw.Close()
	os.WriteFile(filepath.Join(in, "envoi.zip"), outer.Bytes(), 0o644)

	ar := filepath.Join(t.TempDir(), "archive")
	mustDossier(t, ar, "ingest", "--quiet", "--collection", "docs", in)
	mustDossier(t, ar, "ingest", "--quiet", "--collection", "textract", textract)

	res := search(t, ar, "flag:editor-script")
	if res.Total != 1 || res.Hits[0].Filename != "comptes.docx" {
		t.Fatalf("flag:editor-script: %+v", res)
	}
	// The copy inside the zip inside the zip is the same bytes: a
	// duplicate, found under its archive path.
	show := string(mustDossier(t, ar, "show", res.Hits[0].ID))
	for _, want := range []string{"modified by  Рошка Георгий Петрович", "anomaly      needs review: editor-script",
		"is written in Cyrillic script; the document is in French", "archive-interne.zip", "dossiers/comptes-copie.docx"} {
		if !strings.Contains(show, want) {
			t.Errorf("show lacks %q:\n%s", want, show)
		}
	}
	if res := search(t, ar, `author:tourret lang:fr tresorier`); res.Total != 2 {
		t.Errorf("author:tourret lang:fr tresorier: %d hits", res.Total)
	}
	// "the quick brown fox jumps over the lazy dog" is in a document of
	// every format textract tests; count the formats dossier reads.
	fox := search(t, ar, `collection:textract quick brown fox jumps over the lazy dog`)
	exts := map[string]bool{}
	for _, h := range fox.Hits {
		exts[strings.ToLower(filepath.Ext(h.Path))] = true
	}
	for _, ext := range []string{".docx", ".xlsx", ".pptx", ".odt", ".ods", ".epub", ".csv", ".json", ".html", ".txt", ".msg", ".eml"} {
		if !exts[ext] {
			t.Errorf("no %s document found by the phrase (found: %v)", ext, exts)
		}
	}
	var meta []struct {
		Value     string `json:"value"`
		Documents int    `json:"documents"`
	}
	decodeJSON(t, "metadata", mustDossier(t, ar, "metadata", "--field", "last_modified_by", "--collection", "docs", "--json"), &meta)
	if len(meta) != 2 || meta[1].Value != "Рошка Георгий Петрович" || meta[1].Documents != 1 {
		t.Errorf("metadata last_modified_by: %+v", meta)
	}
}

// TestE2EHostileFiles ingests the hostile corpus: everything lands in the
// ledger with a reason, and nothing is written outside the archive.
func TestE2EHostileFiles(t *testing.T) {
	hostile := testutil.Corpus(t, "hostile")
	os.Remove("/tmp/evil.txt")
	ar := filepath.Join(t.TempDir(), "archive")
	r := runDossier(t, "--archive", ar, "ingest", "--json", "--collection", "hostile", hostile)
	if r.code != 0 && r.code != 1 {
		t.Fatalf("ingest: %s", r)
	}
	// Memory stays under the ingest's limit: the largest process of the
	// run (dossier or a tool it ran) keeps below the per-child limit.
	t.Logf("peak RSS of the ingest and its tools: %d MiB", r.maxRSS>>20)
	if r.maxRSS <= 0 || r.maxRSS >= extract.DefaultBudget.MaxMemory {
		t.Errorf("peak RSS %d MiB, the limit is %d MiB", r.maxRSS>>20, extract.DefaultBudget.MaxMemory>>20)
	}
	if _, err := os.Stat("/tmp/evil.txt"); err == nil {
		t.Fatalf("a zip-slip member was written to /tmp/evil.txt")
	}
	for _, row := range ledger(t, ar) {
		if row.Status != "indexed" && row.Status != "duplicate" && row.Reason == "" {
			t.Errorf("%s %s without a reason", row.Path, row.Status)
		}
	}
	res := search(t, ar, `filename:evil.txt`)
	if res.Total == 0 {
		t.Errorf("the zip-slip member is not recorded as a document")
	}
}

// TestE2EPDFRevisions: a PDF whose text changed in an incremental update
// is flagged, with each earlier revision's text searchable; a linearised
// PDF of one revision is not.
func TestE2EPDFRevisions(t *testing.T) {
	docs := testutil.Corpus(t, "docs")
	testutil.Tool(t, "pdftotext")
	in := t.TempDir()
	for _, f := range []string{"tika/pdf/testPDF_incrementalUpdates.pdf", "pdf-sample-files/009-pdflatex-geotopo/GeoTopo-komprimiert.pdf"} {
		b, err := os.ReadFile(filepath.Join(docs, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(in, filepath.Base(f)), b, 0o644)
	}
	ar := filepath.Join(t.TempDir(), "archive")
	mustDossier(t, ar, "ingest", "--quiet", "--ocr-lang", "none", in)
	res := search(t, ar, "flag:incremental-update")
	if res.Total != 1 || res.Hits[0].Filename != "testPDF_incrementalUpdates.pdf" {
		t.Fatalf("flag:incremental-update: %+v", res)
	}
	show := string(mustDossier(t, ar, "show", "--no-text", res.Hits[0].ID))
	for _, want := range []string{"revisions    3", "anomaly      needs review: incremental-update", "revision:1", "revision:2"} {
		if !strings.Contains(show, want) {
			t.Errorf("show lacks %q:\n%s", want, show)
		}
	}
	if res := search(t, ar, "filename:GeoTopo-komprimiert.pdf has:flag"); res.Total != 0 {
		t.Errorf("the linearised single-revision PDF is flagged")
	}
}
