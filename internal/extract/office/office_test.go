package office

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/testutil"
)

// buildZip returns a zip of name/content pairs, in order.
func buildZip(t testing.TB, files ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for i := 0; i+1 < len(files); i += 2 {
		f, err := w.Create(files[i])
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(files[i+1]))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const (
	contentTypes = `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>`
	rootRels     = `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="%MAIN%"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/></Relationships>`
	w = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"`
)

func core(creator, lastModifiedBy string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
		`<dc:creator>` + creator + `</dc:creator><cp:lastModifiedBy>` + lastModifiedBy + `</cp:lastModifiedBy><cp:revision>7</cp:revision>` +
		`<dcterms:created xsi:type="dcterms:W3CDTF">2017-03-01T09:00:00Z</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">2017-04-27T16:05:00Z</dcterms:modified></cp:coreProperties>`
}

const app = `<?xml version="1.0"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Microsoft Excel</Application><AppVersion>15.0300</AppVersion><Company>En Marche</Company></Properties>`

// TestCyrillicLastModifiedBy is the forensics fixture: a French XLSX last
// modified by a Cyrillic-named user (the MacronLeaks pattern) must yield
// the name exactly.
func TestCyrillicLastModifiedBy(t *testing.T) {
	data := buildZip(t,
		"[Content_Types].xml", contentTypes,
		"_rels/.rels", strings.Replace(rootRels, "%MAIN%", "xl/workbook.xml", 1),
		"docProps/core.xml", core("Alain Dupont", "Рошка Георгий Петрович"),
		"docProps/app.xml", app,
		"xl/workbook.xml", `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Dépenses" sheetId="1" r:id="rId1"/><sheet name="Caché" sheetId="2" state="hidden" r:id="rId2"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet2.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`,
		"xl/sharedStrings.xml", `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>Frais de déplacement</t></si><si><r><t>Total </t></r><r><t>général</t></r><rPh><t>ignored</t></rPh></si></sst>`,
		"xl/styles.xml", `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="10"/></cellXfs></styleSheet>`,
		"xl/worksheets/sheet1.xml", `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" s="1"><v>42856</v></c><c r="C1"><v>0.30000000000000004</v></c></row>
<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2"><f>SUM(B1)</f><v>1234.5</v></c><c r="C2" s="2"><v>0.125</v></c><c r="D2" t="b"><v>1</v></c><c r="E2" t="inlineStr"><is><t>note</t></is></c></row>
</sheetData></worksheet>`,
		"xl/worksheets/sheet2.xml", `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="str"><v>secret</v></c></row></sheetData></worksheet>`,
	)
	res, err := Extract(context.Background(), data, "", extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Meta
	if m.LastModifiedBy != "Рошка Георгий Петрович" || m.Author != "Alain Dupont" || m.Company != "En Marche" || m.Creator != "Microsoft Excel" || m.AppVersion != "15.0300" || m.Revision != "7" {
		t.Errorf("meta %+v", m)
	}
	if m.Created == nil || !m.Created.Equal(time.Date(2017, 3, 1, 9, 0, 0, 0, time.UTC)) || m.Modified == nil || m.Modified.Month() != 4 {
		t.Errorf("dates %v %v", m.Created, m.Modified)
	}
	want := "Dépenses\n\nFrais de déplacement\t2017-05-01\t0.3\nTotal général\t1234.5\t12.5%\tTRUE\tnote\n\nCaché (hidden)\n\nsecret"
	if res.Text != want {
		t.Errorf("text\n got %q\nwant %q", res.Text, want)
	}
	if strings.Join(m.Sheets, "|") != "Dépenses|Caché" {
		t.Errorf("sheets %q", m.Sheets)
	}
}

const docRels = `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments" Target="comments.xml"/>
<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes" Target="footnotes.xml"/>
<Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="http://example.org" TargetMode="External"/></Relationships>`

func docx(t testing.TB, body string, extra ...string) []byte {
	files := []string{
		"[Content_Types].xml", contentTypes,
		"_rels/.rels", strings.Replace(rootRels, "%MAIN%", "word/document.xml", 1),
		"docProps/core.xml", core("Alice", "Bob"),
		"word/_rels/document.xml.rels", docRels,
		"word/document.xml", `<?xml version="1.0"?><w:document ` + w + ` xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><w:body>` + body + `</w:body></w:document>`,
		"word/header1.xml", `<w:hdr ` + w + `><w:p><w:r><w:t>Confidentiel</w:t></w:r></w:p></w:hdr>`,
		"word/footer1.xml", `<w:ftr ` + w + `><w:p><w:r><w:t>Page</w:t></w:r></w:p></w:ftr>`,
		"word/footnotes.xml", `<w:footnotes ` + w + `><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote><w:footnote w:id="1"><w:p><w:r><w:t>Source : rapport interne.</w:t></w:r></w:p></w:footnote></w:footnotes>`,
		"word/comments.xml", `<w:comments ` + w + `><w:comment w:id="0" w:author="Claire" w:date="2017-04-20T10:00:00Z"><w:p><w:r><w:t>À vérifier</w:t></w:r></w:p></w:comment></w:comments>`,
	}
	return buildZip(t, append(files, extra...)...)
}

// TestDOCX checks reading order (header, body, footnotes, footer,
// comments), tables, tracked changes, alternate content and field codes.
func TestDOCX(t *testing.T) {
	body := `<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr><w:r><w:t xml:space="preserve">Le ministre </w:t></w:r>` +
		`<w:del w:id="1" w:author="Bob"><w:r><w:delText xml:space="preserve">savait </w:delText></w:r></w:del>` +
		`<w:ins w:id="2" w:author="Bob"><w:r><w:t xml:space="preserve">ignorait </w:t></w:r></w:ins><w:r><w:t>tout.</w:t><w:tab/><w:t>Fin</w:t></w:r>` +
		`<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>PAGE</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>3</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>` +
		`<w:tbl><w:tblPr/><w:tr><w:tc><w:p><w:r><w:t>A1</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>B1</w:t></w:r></w:p><w:p><w:r><w:t>suite</w:t></w:r></w:p></w:tc></w:tr><w:tr><w:tc><w:p/></w:tc><w:tc><w:p><w:r><w:t>B2</w:t></w:r></w:p></w:tc></w:tr></w:tbl>` +
		`<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent><w:p><w:r><w:t>Encadré</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>Encadré</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>`
	res, err := Extract(context.Background(), docx(t, body), "", extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "Confidentiel\n\nLe ministre [-savait -]ignorait tout.\tFin3\nA1\tB1 suite\nB2\nEncadré\n\nSource : rapport interne.\n\nPage\n\nComments\nClaire (2017-04-20T10:00:00Z): À vérifier"
	if res.Text != want {
		t.Errorf("text\n got %q\nwant %q", res.Text, want)
	}
	if !res.Meta.HasChanges || !res.Meta.HasComments || res.Meta.LastModifiedBy != "Bob" {
		t.Errorf("meta %+v", res.Meta)
	}
}

// TestEmbedded checks that media, embeddings and the thumbnail become
// children, an OLE 1.0 package is unwrapped, and names are kept.
func TestEmbedded(t *testing.T) {
	dir := testutil.Corpus(t, "docs/tika/microsoft")
	res, err := extractFile(t, filepath.Join(dir, "testWORD_EMFAndAttachments.docx"), extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range res.Children {
		names = append(names, c.Path+"="+c.Name)
		if !strings.HasPrefix(c.Path, "embedded:") || c.Data == nil {
			t.Errorf("child %+v", c)
		}
	}
	got := strings.Join(names, " ")
	if !strings.Contains(got, "embedded:word/embeddings/oleObject1.bin=TestText.txt") || !strings.Contains(got, "embedded:word/media/image1.emf=image1.emf") {
		t.Errorf("children %s", got)
	}
}

// TestEncrypted: password-protected OOXML (a CFB container) and ODF are
// flagged and return ErrEncrypted.
func TestEncrypted(t *testing.T) {
	var files []string
	for _, pat := range []string{"docs/tika/*/*_protected_passtika.*", "docs/tika/microsoft/protect.xlsx", "docs/tika/miscoffice/testODTEncrypted.odt", "docs/encrypted-office/inputs/*.docx", "docs/encrypted-office/inputs/*.xlsx"} {
		m, _ := filepath.Glob(filepath.Join(testutil.CorpusDir(), pat))
		files = append(files, m...)
	}
	if len(files) == 0 {
		testutil.Missing(t, "no encrypted corpus files")
	}
	n := 0
	for _, f := range files {
		switch filepath.Ext(f) {
		case ".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp":
		default:
			continue
		}
		n++
		res, err := extractFile(t, f, extract.Options{})
		if !errors.Is(err, extract.ErrEncrypted) || res == nil || !res.Meta.Encrypted {
			t.Errorf("%s: err %v, res %+v", filepath.Base(f), err, res)
		}
	}
	t.Logf("%d encrypted files flagged", n)
}

// TestCorpus runs every OOXML and ODF file of the corpus: no error except
// for the known broken ones, some text from most.
func TestCorpus(t *testing.T) {
	var files []string
	for _, pat := range []string{"docs/tika/*/*", "docs/docx-python-docx/*/*.docx", "docs/textract/*/*", "docs/xls-xlrd/*", "docs/aleph-ingest-file/*", "docs/encrypted-office/outputs/*"} {
		m, _ := filepath.Glob(filepath.Join(testutil.CorpusDir(), pat))
		files = append(files, m...)
	}
	if len(files) == 0 {
		testutil.Missing(t, "corpus absent")
	}
	exts := map[string]bool{".docx": true, ".docm": true, ".dotx": true, ".xlsx": true, ".xlsm": true, ".pptx": true, ".pptm": true, ".ppsx": true, ".odt": true, ".ods": true, ".odp": true, ".odg": true, ".fodt": true, ".fods": true, ".fodp": true, ".sxw": true}
	broken := map[string]bool{"testWORD_truncated.docx": true, "testODTnotaZipFile.odt": true}
	ok, withText := 0, 0
	for _, f := range files {
		if !exts[strings.ToLower(filepath.Ext(f))] {
			continue
		}
		res, err := extractFile(t, f, extract.Options{})
		base := filepath.Base(f)
		switch {
		case errors.Is(err, extract.ErrEncrypted):
			continue
		case err != nil && broken[base]:
			continue
		case err != nil:
			t.Errorf("%s: %v", base, err)
			continue
		}
		ok++
		if strings.TrimSpace(res.Text) != "" {
			withText++
		}
	}
	// Documents without text are python-docx's blank fixtures, images,
	// embedded objects only, and slide-master-only text (not extracted).
	t.Logf("%d documents extracted, %d with text", ok, withText)
	if withText*100 < ok*85 {
		t.Errorf("only %d of %d with text", withText, ok)
	}
}

// TestHostileParts puts entity bombs and deep nesting in a DOCX: nothing
// expands, and extraction costs little memory. (Not timed: CI machines are
// noisy. A hang is caught by go test -timeout.)
func TestHostileParts(t *testing.T) {
	dir := testutil.Corpus(t, "hostile/xml")
	for _, name := range []string{"xmlbomb.xml", "xmlbomb2.xml", "quadratic.xml", "external.xml", "cyclic.xml", "dtd.xml"} {
		bomb, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		data := buildZip(t,
			"[Content_Types].xml", contentTypes,
			"_rels/.rels", strings.Replace(rootRels, "%MAIN%", "word/document.xml", 1),
			"docProps/core.xml", string(bomb),
			"word/document.xml", string(bomb))
		var res *extract.Result
		alloc := testutil.Allocated(func() { res, err = Extract(context.Background(), data, "", extract.Options{}) })
		t.Logf("%s: %d bytes of text, allocated %d bytes", name, len(res.Text), alloc)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		// An expanded entity would be megabytes to gigabytes; parsing
		// the two parts as written takes about 6x the bomb's size.
		if limit := uint64(4<<20 + 32*len(bomb)); len(res.Text) > len(bomb) || alloc > limit {
			t.Errorf("%s: %d bytes of text, allocated %d bytes (limit %d)", name, len(res.Text), alloc, limit)
		}
	}
	deep := `<w:document ` + w + `><w:body>` + strings.Repeat("<w:sdt><w:sdtContent>", 5000) + `<w:p><w:r><w:t>x</w:t></w:r></w:p></w:body></w:document>`
	res, err := Extract(context.Background(), docx(t, "")[:0:0], "", extract.Options{})
	_ = res
	_ = err
	data := buildZip(t, "[Content_Types].xml", contentTypes, "_rels/.rels", strings.Replace(rootRels, "%MAIN%", "word/document.xml", 1), "word/document.xml", deep)
	res, err = Extract(context.Background(), data, "", extract.Options{})
	if err != nil || len(res.Problems) == 0 {
		t.Errorf("deep nesting: %v %q", err, res.Problems)
	}
}

// TestBudget: a part whose declared size is over the budget is not
// decompressed, a zip bomb costs at most the allowance, and the text is
// cut at the budget.
func TestBudget(t *testing.T) {
	big := strings.Repeat(`<w:p><w:r><w:t>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</w:t></w:r></w:p>`, 200_000) // 14 MB, compresses ~1000x
	data := docx(t, big)
	if len(data) > 200<<10 {
		t.Fatalf("fixture %d bytes", len(data))
	}
	opts := extract.Options{Budget: extract.Budget{MaxBytes: 4 << 20}}
	res, err := Extract(context.Background(), data, "", opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Text) > 4<<20 || !hasProblem(res, "budget") {
		t.Errorf("%d bytes of text, problems %q", len(res.Text), res.Problems)
	}
	// The hostile overlapping zip bomb is not an office document and is
	// refused without expanding anything.
	if p := filepath.Join(testutil.CorpusDir(), "hostile/archives/overlap-zbsm.zip"); fileExists(p) {
		bomb, _ := os.ReadFile(p)
		var err error
		alloc := testutil.Allocated(func() { _, err = Extract(context.Background(), bomb, "", extract.Options{}) })
		if !errors.Is(err, extract.ErrUnsupported) || alloc > 8<<20 {
			t.Errorf("zip bomb (%d bytes): %v, allocated %d bytes", len(bomb), err, alloc)
		}
	}
}

func hasProblem(res *extract.Result, word string) bool {
	for _, p := range res.Problems {
		if strings.Contains(p, word) {
			return true
		}
	}
	return false
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// TestODF checks an ODT with meta, a tracked deletion, an annotation and
// a footnote, and a flat ODS.
func TestODF(t *testing.T) {
	ns := `xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"`
	content := `<office:document-content ` + ns + `><office:body><office:text>` +
		`<text:tracked-changes><text:changed-region text:id="ct1"><text:deletion><office:change-info><dc:creator>Bob</dc:creator></office:change-info><text:p>dix</text:p></text:deletion></text:changed-region></text:tracked-changes>` +
		`<text:h>Titre</text:h><text:p>Il y a <text:change text:change-id="ct1"/>vingt<text:s text:c="2"/>cas.<office:annotation><dc:creator>Claire</dc:creator><dc:date>2020-01-02T03:04:05</dc:date><text:p>Source ?</text:p></office:annotation><text:note><text:note-citation>1</text:note-citation><text:note-body><text:p>Note de bas de page.</text:p></text:note-body></text:note></text:p>` +
		`<table:table table:name="T"><table:table-row><table:table-cell><text:p>a</text:p></table:table-cell><table:table-cell table:number-columns-repeated="3"><text:p>b</text:p></table:table-cell></table:table-row></table:table>` +
		`</office:text></office:body></office:document-content>`
	meta := `<office:document-meta ` + ns + `><office:meta><meta:initial-creator>Alice</meta:initial-creator><dc:creator>Рошка Георгий</dc:creator><meta:creation-date>2017-03-01T09:00:00</meta:creation-date><dc:date>2017-04-27T16:05:00.5</dc:date><meta:editing-cycles>12</meta:editing-cycles><meta:generator>LibreOffice/5.2</meta:generator><meta:keyword>a</meta:keyword><meta:keyword>b</meta:keyword><meta:user-defined meta:name="Client">ACME</meta:user-defined></office:meta></office:document-meta>`
	data := buildZip(t, "mimetype", "application/vnd.oasis.opendocument.text", "content.xml", content, "meta.xml", meta,
		"META-INF/manifest.xml", `<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="content.xml"/></manifest:manifest>`)
	res, err := Extract(context.Background(), data, "", extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "Titre\nIl y a [-dix-]vingt  cas.\na\tb\n\nNote de bas de page.\n\nComments\nClaire (2020-01-02T03:04:05): Source ?"
	if res.Text != want {
		t.Errorf("text\n got %q\nwant %q", res.Text, want)
	}
	m := res.Meta
	if m.Author != "Alice" || m.LastModifiedBy != "Рошка Георгий" || m.Revision != "12" || m.Creator != "LibreOffice/5.2" || m.Keywords != "a, b" ||
		m.Extra["custom:Client"] != "ACME" || !m.HasChanges || !m.HasComments || m.Created == nil || m.Modified == nil {
		t.Errorf("meta %+v", m)
	}
	flat := `<?xml version="1.0"?><office:document ` + ns + ` office:mimetype="application/vnd.oasis.opendocument.spreadsheet"><office:body><office:spreadsheet><table:table table:name="Feuille1"><table:table-row><table:table-cell><text:p>x</text:p></table:table-cell><table:table-cell><text:p>1</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document>`
	res, err = Extract(context.Background(), []byte(flat), "", extract.Options{})
	if err != nil || res.Text != "Feuille1\n\nx\t1" || len(res.Meta.Sheets) != 1 {
		t.Errorf("flat ODS: %v %q %+v", err, res.Text, res.Meta.Sheets)
	}
}

func TestNotOffice(t *testing.T) {
	for _, in := range [][]byte{nil, []byte("hello"), buildZip(t, "a.txt", "x"), cfbMagic} {
		if _, err := Extract(context.Background(), in, "", extract.Options{}); err == nil {
			t.Errorf("%.20q: no error", in)
		}
	}
}

// TestDecrypt opens the encrypted OOXML files of the corpus with their
// passwords and compares them with msoffcrypto-tool's decrypted
// references.
func TestDecrypt(t *testing.T) {
	dir := testutil.Corpus(t, "docs/encrypted-office")
	tsv, err := os.ReadFile(filepath.Join(dir, "passwords.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(tsv), "\n")[1:] {
		f := strings.Split(line, "\t")
		if len(f) != 3 || !(strings.HasSuffix(f[0], ".docx") || strings.HasSuffix(f[0], ".xlsx")) {
			continue
		}
		n++
		opts := extract.Options{Passwords: []string{"wrong", f[1]}}
		res, err := extractFile(t, filepath.Join(dir, f[0]), opts)
		if err != nil {
			t.Errorf("%s: %v", f[0], err)
			continue
		}
		ref, err := extractFile(t, filepath.Join(dir, f[2]), extract.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Meta.Encrypted || !res.Meta.Decrypted || res.Text != ref.Text || res.Meta.Author != ref.Meta.Author {
			t.Errorf("%s: %q %+v, reference %q", f[0], res.Text, res.Meta, ref.Text)
		}
		// A wrong password leaves it encrypted.
		if _, err := extractFile(t, filepath.Join(dir, f[0]), extract.Options{Passwords: []string{"nope"}}); !errors.Is(err, extract.ErrEncrypted) {
			t.Errorf("%s with a wrong password: %v", f[0], err)
		}
	}
	tika, _ := filepath.Glob(filepath.Join(testutil.CorpusDir(), "docs/tika/*/*_protected_passtika*.[dxp][opl][cts]x"))
	for _, f := range tika {
		n++
		res, err := extractFile(t, f, extract.Options{Passwords: []string{"tika"}})
		if err != nil || !res.Meta.Decrypted || strings.TrimSpace(res.Text) == "" {
			t.Errorf("%s: %v %+v", filepath.Base(f), err, res)
		}
	}
	t.Logf("%d encrypted packages opened", n)
}
