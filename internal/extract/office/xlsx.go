package office

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/newsroom/dossier/internal/extract/zipdoc"
)

func isCtxErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// sheet is one entry of a workbook's sheet list.
type sheet struct {
	name, state, part string
}

// numFmt classifies a number format for display.
type numFmt uint8

const (
	fmtGeneral numFmt = iota
	fmtDate
	fmtTime
	fmtDateTime
	fmtPercent
	fmtText
)

// workbook is the state of an XLSX extraction.
type workbook struct {
	*ooxml
	strings  []string
	xfs      []numFmt // by cell style index
	date1904 bool
}

// maxSharedStrings bounds the shared string table.
const maxSharedStrings = 4_000_000

// xlsx extracts a SpreadsheetML workbook: every sheet, in workbook order,
// under its name as a heading line ("Name (hidden)" for hidden sheets),
// rows on lines and cells separated by tabs, then cell comments under a
// "Comments" heading.
func (p *ooxml) xlsx(main string) error {
	wb := &workbook{ooxml: p}
	rels := relByID(p.rels(main))
	sheets, err := wb.readWorkbook(main, rels)
	if err != nil {
		return err
	}
	for _, l := range rels {
		switch {
		case l.External:
		case l.typeIs("sharedStrings"):
			wb.readSharedStrings(l.Target)
		case l.typeIs("styles"):
			wb.readStyles(l.Target)
		}
	}
	return wb.writeSheets(sheets, wb.readSheet, func(c sheetComments) error {
		wb.readComments(c)
		return nil
	})
}

// writeSheets writes each sheet, in workbook order, under its name as a
// heading line ("Name (hidden)" for hidden sheets), its cells (readSheet),
// its drawings and charts, then every sheet's cell comments under a
// "Comments" heading (readComments). XLSX and XLSB share it: only the
// cells and comments parts differ.
func (wb *workbook) writeSheets(sheets []sheet, readSheet func(part string) error, readComments func(sheetComments) error) error {
	p := wb.ooxml
	var comments []sheetComments
	for _, s := range sheets {
		p.res.Meta.Sheets = append(p.res.Meta.Sheets, s.name)
		p.text.Sep(zipdoc.Para)
		head := s.name
		if s.state == "hidden" || s.state == "veryHidden" {
			head += " (hidden)"
		}
		p.text.WriteString(head)
		p.text.Sep(zipdoc.Para)
		if s.part == "" {
			continue
		}
		if err := readSheet(s.part); err != nil {
			return err
		}
		for _, l := range p.rels(s.part) {
			switch {
			case l.External:
			case l.typeIs("drawing"):
				p.text.Sep(zipdoc.Line)
				p.drawingPart(l.Target, nil)
				p.graphics(p.rels(l.Target))
			case l.typeIs("comments"):
				comments = append(comments, sheetComments{s.name, l.Target})
			}
		}
	}
	for _, c := range comments {
		if err := readComments(c); err != nil {
			return err
		}
	}
	return nil
}

type sheetComments struct{ sheet, part string }

// readWorkbook lists the sheets of a workbook and reads its properties.
func (wb *workbook) readWorkbook(part string, rels map[string]rel) ([]sheet, error) {
	rc, err := wb.a.Open(part)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", part, err)
	}
	defer rc.Close()
	var out []sheet
	r := zipdoc.NewReader(wb.ctx, rc)
	for {
		tok, err := r.Next()
		if err != nil {
			if !zipdoc.IsEOF(err) {
				if isCtxErr(err) {
					return nil, err
				}
				wb.problem("%s: %v", part, err)
			}
			return out, nil
		}
		e, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch e.Name.Local {
		case "workbookPr":
			v := zipdoc.Attr(e, "date1904")
			wb.date1904 = v == "1" || v == "true"
		case "sheet":
			if len(out) >= 65536 {
				continue
			}
			s := sheet{name: zipdoc.Attr(e, "name"), state: zipdoc.Attr(e, "state")}
			if l, ok := rels[zipdoc.Attr(e, "id")]; ok && !l.External {
				s.part = l.Target
			}
			out = append(out, s)
		}
	}
}

// readSharedStrings reads the shared string table: the text of each si
// (phonetic runs left out).
func (wb *workbook) readSharedStrings(part string) {
	rc, err := wb.a.Open(part)
	if err != nil {
		wb.partErr(part, err)
		return
	}
	defer rc.Close()
	r := zipdoc.NewReader(wb.ctx, rc)
	var cur strings.Builder
	inT, inSI := 0, false
	for {
		tok, err := r.Next()
		if err != nil {
			if !zipdoc.IsEOF(err) {
				wb.problem("%s: %v", part, err)
			}
			return
		}
		switch e := tok.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case "si":
				inSI = true
				cur.Reset()
			case "t":
				inT++
			case "rPh", "phoneticPr", "rPr":
				if err := r.Skip(); err != nil {
					return
				}
			}
		case xml.EndElement:
			switch e.Name.Local {
			case "t":
				inT = max(0, inT-1)
			case "si":
				if len(wb.strings) >= maxSharedStrings {
					wb.problem("%s: more than %d shared strings; the rest ignored", part, maxSharedStrings)
					return
				}
				wb.strings = append(wb.strings, cur.String())
				inSI = false
			}
		case xml.CharData:
			if inT > 0 && inSI {
				cur.Write(e)
			}
		}
	}
}

// builtinFmt classifies the built-in number formats.
func builtinFmt(id int) numFmt {
	switch {
	case id >= 14 && id <= 17, id >= 27 && id <= 31, id >= 34 && id <= 36, id >= 50 && id <= 58:
		return fmtDate
	case id >= 18 && id <= 21, id >= 45 && id <= 47, id == 32, id == 33:
		return fmtTime
	case id == 22:
		return fmtDateTime
	case id == 9 || id == 10:
		return fmtPercent
	case id == 49:
		return fmtText
	}
	return fmtGeneral
}

// classifyFormat classifies a custom number format code.
func classifyFormat(code string) numFmt {
	// Drop quoted literals, escaped characters and [colour]/[locale] parts.
	var b strings.Builder
	inQuote := false
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == '\\' || c == '_' || c == '*':
			i++
		case c == '[':
			j := strings.IndexByte(code[i:], ']')
			if j < 0 {
				i = len(code)
				continue
			}
			inner := strings.ToLower(code[i+1 : i+j])
			if inner == "h" || inner == "hh" || inner == "m" || inner == "mm" || inner == "s" || inner == "ss" {
				b.WriteByte('h') // elapsed time
			}
			i += j
		default:
			b.WriteByte(c | 0x20)
		}
	}
	s := b.String()
	if i := strings.IndexByte(s, ';'); i >= 0 {
		s = s[:i]
	}
	date := strings.ContainsAny(s, "yd") || (strings.Contains(s, "m") && !strings.ContainsAny(s, "hs"))
	clock := strings.ContainsAny(s, "hs")
	switch {
	case s == "@":
		return fmtText
	case date && clock:
		return fmtDateTime
	case date:
		return fmtDate
	case clock:
		return fmtTime
	case strings.Contains(s, "%"):
		return fmtPercent
	}
	return fmtGeneral
}

// readStyles reads the number format of each cell style.
func (wb *workbook) readStyles(part string) {
	rc, err := wb.a.Open(part)
	if err != nil {
		wb.partErr(part, err)
		return
	}
	defer rc.Close()
	r := zipdoc.NewReader(wb.ctx, rc)
	custom := map[int]numFmt{}
	inXfs := false
	for {
		tok, err := r.Next()
		if err != nil {
			if !zipdoc.IsEOF(err) {
				wb.problem("%s: %v", part, err)
			}
			return
		}
		switch e := tok.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case "numFmt":
				if id, err := strconv.Atoi(zipdoc.Attr(e, "numFmtId")); err == nil {
					custom[id] = classifyFormat(zipdoc.Attr(e, "formatCode"))
				}
			case "cellXfs":
				inXfs = true
			case "xf":
				if !inXfs || len(wb.xfs) >= 1<<20 {
					continue
				}
				id, _ := strconv.Atoi(zipdoc.Attr(e, "numFmtId"))
				f, ok := custom[id]
				if !ok {
					f = builtinFmt(id)
				}
				wb.xfs = append(wb.xfs, f)
			}
		case xml.EndElement:
			if e.Name.Local == "cellXfs" {
				inXfs = false
			}
		}
	}
}

// readSheet writes the cells of one worksheet.
func (wb *workbook) readSheet(part string) error {
	rc, err := wb.a.Open(part)
	if err != nil {
		wb.partErr(part, err)
		return nil
	}
	defer rc.Close()
	r := zipdoc.NewReader(wb.ctx, rc)
	r.Raw = true // the hot path: local names only
	t := &wb.text
	var (
		typ, style string
		v, is      strings.Builder
		inV, inIS  int
		inCell     bool
	)
	for {
		tok, err := r.Next()
		if err != nil {
			if !zipdoc.IsEOF(err) {
				if isCtxErr(err) {
					return err
				}
				wb.problem("%s: %v", part, err)
			}
			return nil
		}
		switch e := tok.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case "c":
				inCell = true
				typ, style = zipdoc.Attr(e, "t"), zipdoc.Attr(e, "s")
				v.Reset()
				is.Reset()
			case "v":
				inV++
			case "is":
				inIS++
			case "f", "rPh", "extLst", "headerFooter", "conditionalFormatting", "dataValidations":
				if err := r.Skip(); err != nil {
					return nil
				}
			}
		case xml.EndElement:
			switch e.Name.Local {
			case "v":
				inV = max(0, inV-1)
			case "is":
				inIS = max(0, inIS-1)
			case "c":
				if inCell {
					if s := wb.cellText(typ, style, v.String(), is.String()); s != "" {
						t.WriteString(s)
						t.Sep(zipdoc.Tab)
					}
				}
				inCell = false
			case "row":
				t.Sep(zipdoc.Line)
			}
		case xml.CharData:
			switch {
			case !inCell:
			case inV > 0 && v.Len() < 1<<20:
				v.Write(e)
			case inIS > 0 && is.Len() < 32<<20:
				is.Write(e)
			}
		}
		if t.Truncated() {
			return nil
		}
	}
}

// cellText returns a cell's value as displayed, where that is cheap:
// shared and inline strings, booleans, errors, dates and times in ISO
// form, percentages, and numbers without binary-float noise.
func (wb *workbook) cellText(typ, style, v, is string) string {
	switch typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || i < 0 || i >= len(wb.strings) {
			return ""
		}
		return wb.strings[i]
	case "inlineStr":
		return is
	case "str", "e":
		return v
	case "b":
		switch strings.TrimSpace(v) {
		case "1", "true":
			return "TRUE"
		case "0", "false":
			return "FALSE"
		}
		return v
	case "d": // ISO 8601 date cell
		return strings.TrimSpace(v)
	}
	v = strings.TrimSpace(v)
	if v == "" {
		return is
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return v
	}
	var nf numFmt
	if i, err := strconv.Atoi(style); err == nil && i >= 0 && i < len(wb.xfs) {
		nf = wb.xfs[i]
	}
	switch nf {
	case fmtDate, fmtDateTime, fmtTime:
		if s, ok := excelDate(f, wb.date1904, nf); ok {
			return s
		}
	case fmtPercent:
		return formatNumber(f*100) + "%"
	}
	return formatNumber(f)
}

// formatNumber prints f with at most 15 significant digits, as Excel
// does, so that 0.1+0.2 shows as 0.3.
func formatNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	s := strconv.FormatFloat(f, 'g', 15, 64)
	if g, err := strconv.ParseFloat(s, 64); err == nil {
		if math.Abs(g) >= 1e-5 && math.Abs(g) < 1e15 {
			return strconv.FormatFloat(g, 'f', -1, 64)
		}
		return strconv.FormatFloat(g, 'g', -1, 64)
	}
	return s
}

// excelDate converts an Excel serial date.
func excelDate(f float64, date1904 bool, nf numFmt) (string, bool) {
	if f < 0 || f > 2958465 { // 9999-12-31
		return "", false
	}
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	if date1904 {
		base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	} else if f < 61 {
		// Excel's fictitious 1900-02-29: serials before it are a day off.
		base = base.AddDate(0, 0, 1)
	}
	days := math.Floor(f)
	secs := math.Round((f - days) * 86400)
	t := base.AddDate(0, 0, int(days)).Add(time.Duration(secs) * time.Second)
	switch {
	case nf == fmtTime && f < 1:
		return t.Format("15:04:05"), true
	case nf == fmtDate || (nf != fmtTime && secs == 0):
		return t.Format("2006-01-02"), true
	}
	return t.Format("2006-01-02 15:04:05"), true
}

// readComments writes the legacy cell comments of a sheet.
func (wb *workbook) readComments(c sheetComments) {
	rc, err := wb.a.Open(c.part)
	if err != nil {
		wb.partErr(c.part, err)
		return
	}
	defer rc.Close()
	r := zipdoc.NewReader(wb.ctx, rc)
	var authors []string
	t := &wb.text
	for {
		tok, err := r.Next()
		if err != nil {
			if !zipdoc.IsEOF(err) {
				wb.problem("%s: %v", c.part, err)
			}
			return
		}
		e, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch e.Name.Local {
		case "author":
			a, err := r.Text(4096)
			if err != nil {
				return
			}
			if len(authors) < 1<<16 {
				authors = append(authors, a)
			}
		case "comment":
			var who string
			if i, err := strconv.Atoi(zipdoc.Attr(e, "authorId")); err == nil && i >= 0 && i < len(authors) {
				who = authors[i]
			}
			text, err := commentText(r)
			if err != nil {
				return
			}
			if !wb.res.Meta.HasComments {
				wb.res.Meta.HasComments = true
				t.Sep(zipdoc.Para)
				t.WriteString("Comments")
			}
			t.Sep(zipdoc.Line)
			t.WriteString(commentHead(c.sheet+"!"+zipdoc.Attr(e, "ref")+" "+who, ""))
			t.Sep(zipdoc.Space)
			t.WriteString(text)
		}
	}
}

// commentText returns the text (t elements, phonetic runs left out) of
// the element just started.
func commentText(r *zipdoc.Reader) (string, error) {
	var b strings.Builder
	stop := r.Depth
	inT := 0
	for r.Depth >= stop {
		tok, err := r.Next()
		if err != nil {
			return b.String(), err
		}
		switch e := tok.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case "t":
				inT++
			case "rPh", "rPr":
				if err := r.Skip(); err != nil {
					return b.String(), err
				}
			}
		case xml.EndElement:
			if e.Name.Local == "t" {
				inT = max(0, inT-1)
			}
		case xml.CharData:
			if inT > 0 && b.Len() < 1<<20 {
				b.Write(e)
			}
		}
	}
	return strings.TrimSpace(b.String()), nil
}
