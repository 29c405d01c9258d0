package office

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/newsroom/dossier/internal/extract"
)

// BenchmarkXLSX extracts a workbook of 100,000 rows of five cells.
func BenchmarkXLSX(b *testing.B) {
	var sheet strings.Builder
	sheet.WriteString(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	for i := 0; i < 100_000; i++ {
		fmt.Fprintf(&sheet, `<row r="%d"><c r="A%d" t="s"><v>%d</v></c><c r="B%d"><v>%d.25</v></c><c r="C%d" t="inlineStr"><is><t>ligne %d</t></is></c><c r="D%d" s="1"><v>43000</v></c><c r="E%d" t="b"><v>1</v></c></row>`, i+1, i+1, i%3, i+1, i, i+1, i, i+1, i+1)
	}
	sheet.WriteString(`</sheetData></worksheet>`)
	data := buildZip(b,
		"[Content_Types].xml", contentTypes,
		"_rels/.rels", strings.Replace(rootRels, "%MAIN%", "xl/workbook.xml", 1),
		"xl/workbook.xml", `<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels", `<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="s.xml"/><Relationship Id="rId2" Type="x/sharedStrings" Target="ss.xml"/><Relationship Id="rId3" Type="x/styles" Target="st.xml"/></Relationships>`,
		"xl/ss.xml", `<sst><si><t>un</t></si><si><t>deux</t></si><si><t>trois</t></si></sst>`,
		"xl/st.xml", `<styleSheet><cellXfs><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>`,
		"xl/s.xml", sheet.String())
	b.SetBytes(int64(sheet.Len()))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Extract(context.Background(), data, "", extract.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
