package office

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/testutil"
)

var fuzzOpts = extract.Options{Budget: extract.Budget{MaxBytes: 4 << 20, MaxMembers: 50}}

func corpusSeeds(f *testing.F, max int64, patterns ...string) {
	for _, pat := range patterns {
		files, _ := filepath.Glob(filepath.Join(testutil.CorpusDir(), pat))
		for _, p := range files {
			if st, err := os.Stat(p); err == nil && st.Size() <= max {
				if b, err := os.ReadFile(p); err == nil {
					f.Add(b)
				}
			}
		}
	}
}

// FuzzOOXML runs Extract on mutated packages (zip, CFB and flat XML).
func FuzzOOXML(f *testing.F) {
	f.Add(docx(f, `<w:p><w:r><w:t>x</w:t></w:r></w:p>`))
	corpusSeeds(f, 12<<10, "docs/tika/microsoft/*.docx", "docs/tika/microsoft/*.xlsx", "docs/tika/microsoft/*.pptx", "docs/tika/miscoffice/*.od?", "docs/tika/miscoffice/*.fod?")
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Extract(context.Background(), data, "", fuzzOpts)
		if err == nil && len(res.Text) > 4<<20 {
			t.Fatalf("%d bytes of text over the budget", len(res.Text))
		}
	})
}

// FuzzParts puts mutated XML in each part the walkers read, so that the
// fuzzer works on XML rather than on compressed bytes.
func FuzzParts(f *testing.F) {
	f.Add(`<w:p><w:r><w:t>x</w:t></w:r></w:p>`, byte(0))
	f.Add(`<sheetData><row><c t="s"><v>0</v></c><c s="1"><v>43000.5</v></c></row></sheetData>`, byte(1))
	f.Add(`<p:sld><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>x</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>`, byte(2))
	f.Add(`<office:body><office:text><text:p>a<text:s text:c="3"/>b</text:p></office:text></office:body>`, byte(3))
	f.Fuzz(func(t *testing.T, xml string, kind byte) {
		var data []byte
		switch kind % 4 {
		case 0:
			data = docx(t, xml, "word/comments.xml", xml)
		case 1:
			data = buildZip(t,
				"[Content_Types].xml", contentTypes,
				"_rels/.rels", strings.Replace(rootRels, "%MAIN%", "xl/workbook.xml", 1),
				"docProps/core.xml", xml,
				"xl/workbook.xml", `<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>`,
				"xl/_rels/workbook.xml.rels", `<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="s.xml"/><Relationship Id="rId2" Type="x/sharedStrings" Target="ss.xml"/><Relationship Id="rId3" Type="x/styles" Target="st.xml"/></Relationships>`,
				"xl/s.xml", xml, "xl/ss.xml", xml, "xl/st.xml", xml)
		case 2:
			data = buildZip(t,
				"[Content_Types].xml", contentTypes,
				"_rels/.rels", strings.Replace(rootRels, "%MAIN%", "ppt/presentation.xml", 1),
				"ppt/presentation.xml", `<p:presentation xmlns:p="p" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><p:sldIdLst><p:sldId r:id="rId1"/></p:sldIdLst></p:presentation>`,
				"ppt/_rels/presentation.xml.rels", `<Relationships><Relationship Id="rId1" Type="x/slide" Target="slides/s1.xml"/></Relationships>`,
				"ppt/slides/s1.xml", xml,
				"ppt/slides/_rels/s1.xml.rels", `<Relationships><Relationship Id="rId1" Type="x/notesSlide" Target="n.xml"/><Relationship Id="rId2" Type="x/comments" Target="c.xml"/><Relationship Id="rId3" Type="x/chart" Target="ch.xml"/></Relationships>`,
				"ppt/slides/n.xml", xml, "ppt/slides/c.xml", xml, "ppt/slides/ch.xml", xml)
		case 3:
			ns := `xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"`
			data = buildZip(t, "mimetype", "application/vnd.oasis.opendocument.text",
				"content.xml", `<office:document-content `+ns+`>`+xml+`</office:document-content>`,
				"meta.xml", xml, "styles.xml", xml, "META-INF/manifest.xml", xml)
		}
		Extract(context.Background(), data, "", fuzzOpts)
	})
}
