package pdf

import (
	"bytes"
	"fmt"
	"strings"
)

// pdfWriter builds small PDFs by hand for the tests: an original file and
// incremental updates appended to it, with correct cross-reference
// offsets.
type pdfWriter struct {
	buf     bytes.Buffer
	offsets map[int]int // object number -> offset, of the section being written
	lastX   int         // offset of the last cross-reference section
	size    int         // trailer /Size
}

func (w *pdfWriter) obj(n int, body string) {
	w.offsets[n] = w.buf.Len()
	fmt.Fprintf(&w.buf, "%d 0 obj\n%s\nendobj\n", n, body)
}

func streamObj(s string) string {
	return fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(s), s)
}

func pageContent(lines ...string) string {
	var b strings.Builder
	b.WriteString("BT /F1 18 Tf 72 760 Td 22 TL\n")
	for _, l := range lines {
		fmt.Fprintf(&b, "(%s) '\n", l)
	}
	b.WriteString("ET")
	return b.String()
}

// newPDF returns a one-page PDF showing lines, with an information
// dictionary.
func newPDF(info string, lines ...string) *pdfWriter {
	w := &pdfWriter{offsets: map[int]int{}, size: 7}
	w.buf.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	w.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	w.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	w.obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>")
	w.obj(4, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	w.obj(5, streamObj(pageContent(lines...)))
	w.obj(6, info)
	w.xref(false)
	return w
}

// update appends an incremental update replacing the given objects.
func (w *pdfWriter) update(objs map[int]string) *pdfWriter {
	w.offsets = map[int]int{}
	for n := 1; n < 100; n++ {
		if body, ok := objs[n]; ok {
			w.obj(n, body)
			w.size = max(w.size, n+1)
		}
	}
	w.xref(true)
	return w
}

func (w *pdfWriter) xref(prev bool) {
	x := w.buf.Len()
	w.buf.WriteString("xref\n0 1\n0000000000 65535 f \n")
	for n := 1; n < 100; n++ {
		if off, ok := w.offsets[n]; ok {
			fmt.Fprintf(&w.buf, "%d 1\n%010d 00000 n \n", n, off)
		}
	}
	fmt.Fprintf(&w.buf, "trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R", w.size)
	if prev {
		fmt.Fprintf(&w.buf, " /Prev %d", w.lastX)
	}
	fmt.Fprintf(&w.buf, " >>\nstartxref\n%d\n%%%%EOF\n", x)
	w.lastX = x
}

func (w *pdfWriter) bytes() []byte { return bytes.Clone(w.buf.Bytes()) }

const fixtureInfo = "<< /Title (Budget 2017) /Author (Jean Dupont) /Creator (Writer) /Producer (LibreOffice 5.2) " +
	"/CreationDate (D:20170301093000+01'00') /ModDate (D:20170301093000+01'00') >>"

// editedPDF is a budget whose figure was changed by an incremental
// update, with a later modification date.
func editedPDF() []byte {
	w := newPDF(fixtureInfo, "Budget de la campagne", "Total des dons : 1 200 000 euros")
	return w.update(map[int]string{
		5: streamObj(pageContent("Budget de la campagne", "Total des dons : 9 800 000 euros")),
		6: strings.Replace(fixtureInfo, "/ModDate (D:20170301093000+01'00')", "/ModDate (D:20170505221500+02'00')", 1),
	}).bytes()
}

// signedPDF is a document to which an update added only a signature.
func signedPDF() []byte {
	w := newPDF(fixtureInfo, "Contrat de prestation", "Montant : 15 000 euros")
	return w.update(map[int]string{
		7: "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /ByteRange [0 100 200 300] /Contents <00> >>",
	}).bytes()
}
