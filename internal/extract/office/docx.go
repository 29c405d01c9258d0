package office

import (
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/newsroom/dossier/internal/extract/zipdoc"
)

// Deleted text of tracked changes is kept in place between these marks
// (wdiff's notation: punctuation, so that it adds no indexed words).
const (
	delOpen  = "[-"
	delClose = "-]"
)

// docx extracts a WordprocessingML document: headers, body, footnotes,
// endnotes, footers, then comments under a "Comments" heading.
func (p *ooxml) docx(main string) error {
	rels := p.rels(main)
	var headers, footers, notes []string
	var comments string
	seen := map[string]bool{}
	for _, l := range rels {
		if l.External || seen[l.Target] {
			continue
		}
		switch {
		case l.typeIs("header"):
			headers = append(headers, l.Target)
		case l.typeIs("footer"):
			footers = append(footers, l.Target)
		case l.typeIs("footnotes"), l.typeIs("endnotes"):
			notes = append(notes, l.Target)
		case l.typeIs("comments"):
			comments = l.Target
		case l.typeIs("aFChunk"), l.typeIs("subDocument"):
			// Imported HTML, RTF, MHT or DOCX content: a child.
			p.extraParts = append(p.extraParts, l.Target)
		default:
			continue
		}
		seen[l.Target] = true
	}
	for _, h := range headers {
		p.wordPart(h, false)
		p.text.Sep(zipdoc.Para)
	}
	if err := p.wordPart(main, false); err != nil {
		return err
	}
	p.graphics(rels)
	for _, n := range notes {
		p.text.Sep(zipdoc.Para)
		p.wordPart(n, false)
	}
	for _, f := range footers {
		p.text.Sep(zipdoc.Para)
		p.wordPart(f, false)
	}
	if comments != "" {
		p.wordPart(comments, true)
	}
	return nil
}

// wordWalker turns WordprocessingML into text.
type wordWalker struct {
	t        *zipdoc.Text
	r        *zipdoc.Reader
	inText   int // inside w:t, w:delText, m:t, a:t
	cells    int // open table cells
	del      int // inside w:del or w:moveFrom
	delOpen  bool
	changes  bool
	comments int
}

// wordPart extracts one part (document, header, footer, notes, comments).
// Errors are recorded as problems; the error is returned only for the
// main document so that a document with no readable body says so.
func (p *ooxml) wordPart(part string, isComments bool) error {
	rc, err := p.a.Open(part)
	if err != nil {
		p.partErr(part, err)
		return fmt.Errorf("%s: %w", part, err)
	}
	defer rc.Close()
	w := &wordWalker{t: &p.text, r: zipdoc.NewReader(p.ctx, rc)}
	if isComments {
		err = w.walkComments()
	} else {
		err = w.walk(0)
	}
	w.closeDel()
	if w.changes {
		p.res.Meta.HasChanges = true
	}
	if w.comments > 0 {
		p.res.Meta.HasComments = true
	}
	if err != nil && !zipdoc.IsEOF(err) {
		if isCtxErr(err) {
			return err
		}
		p.problem("%s: %v", part, err)
	}
	return nil
}

// walk processes tokens until the element open at depth stop closes (0:
// the end of the part).
func (w *wordWalker) walk(stop int) error {
	for {
		tok, err := w.r.Next()
		if err != nil {
			return err
		}
		switch e := tok.(type) {
		case xml.StartElement:
			if err := w.start(e); err != nil {
				return err
			}
		case xml.EndElement:
			w.end(e)
			if w.r.Depth < stop {
				return nil
			}
		case xml.CharData:
			if w.inText > 0 {
				if w.del > 0 && !w.delOpen {
					w.t.WriteString(delOpen)
					w.delOpen = true
				}
				w.t.WriteString(string(e))
			}
		}
	}
}

func (w *wordWalker) start(e xml.StartElement) error {
	switch e.Name.Local {
	case "t", "delText":
		w.inText++
	case "instrText", "delInstrText", "rPr", "pPr", "sectPr", "tblPr", "tcPr", "trPr",
		"tblGrid", "numPr", "tabs", "sdtPr", "Fallback", "footnotePr", "endnotePr",
		"docPartPr", "binData", "style", "fldData", "ffData":
		// properties and field instructions hold no text of the document
		// (Fallback repeats the Choice of an mc:AlternateContent).
		return w.r.Skip()
	case "footnote", "endnote":
		switch zipdoc.Attr(e, "type") {
		case "separator", "continuationSeparator", "continuationNotice":
			return w.r.Skip()
		}
	case "tab", "ptab":
		w.t.Sep(zipdoc.Tab)
	case "br", "cr":
		w.t.Sep(zipdoc.Line)
	case "noBreakHyphen":
		w.t.WriteString("-")
	case "tc":
		w.cells++
	case "del", "moveFrom":
		w.changes = true
		w.del++
	case "ins", "moveTo":
		w.changes = true
	}
	return nil
}

func (w *wordWalker) end(e xml.EndElement) {
	switch e.Name.Local {
	case "t", "delText":
		w.inText = max(0, w.inText-1)
	case "p":
		w.closeDel()
		if w.cells > 0 {
			w.t.Sep(zipdoc.Space)
		} else {
			w.t.Sep(zipdoc.Line)
		}
	case "tc":
		w.closeDel()
		w.cells = max(0, w.cells-1)
		w.t.Sep(zipdoc.Tab)
	case "tr", "tbl", "txbxContent":
		w.closeDel()
		w.t.Sep(zipdoc.Line)
	case "del", "moveFrom":
		w.del = max(0, w.del-1)
		if w.del == 0 {
			w.closeDel()
		}
	}
}

func (w *wordWalker) closeDel() {
	if w.delOpen {
		w.t.WriteString(delClose)
		w.delOpen = false
	}
}

// walkComments extracts word/comments.xml: a "Comments" heading, then
// each comment as "Author (date): text".
func (w *wordWalker) walkComments() error {
	for {
		tok, err := w.r.Next()
		if err != nil {
			return err
		}
		e, ok := tok.(xml.StartElement)
		if !ok || e.Name.Local != "comment" {
			continue
		}
		if w.comments == 0 {
			w.t.Sep(zipdoc.Para)
			w.t.WriteString("Comments")
		}
		w.comments++
		w.t.Sep(zipdoc.Line)
		w.t.WriteString(commentHead(zipdoc.Attr(e, "author"), zipdoc.Attr(e, "date")))
		w.t.Sep(zipdoc.Space)
		if err := w.walk(w.r.Depth); err != nil {
			return err
		}
		w.closeDel()
	}
}

// commentHead formats who wrote a comment and when.
func commentHead(author, date string) string {
	author = zipdoc.CollapseSpace(author)
	date = strings.TrimSpace(date)
	switch {
	case author != "" && date != "":
		return author + " (" + date + "):"
	case author != "":
		return author + ":"
	case date != "":
		return "(" + date + "):"
	}
	return "-"
}
