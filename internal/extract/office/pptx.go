package office

import (
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/extract/zipdoc"
)

// notesSkip lists the placeholders of a notes page that repeat the slide
// rather than hold notes.
var notesSkip = map[string]bool{"sldNum": true, "sldImg": true, "dt": true, "hdr": true, "ftr": true}

// pptx extracts a PresentationML presentation: each slide is a page
// holding the slide's text, then its notes under "Notes:", then its
// comments under "Comments:".
func (p *ooxml) pptx(main string) error {
	rels := relByID(p.rels(main))
	var slides []string
	authors := map[string]string{}
	for _, l := range rels {
		if !l.External && l.typeIs("commentAuthors") {
			authors = p.commentAuthors(l.Target)
		}
	}
	rc, err := p.a.Open(main)
	if err != nil {
		return fmt.Errorf("%s: %w", main, err)
	}
	r := zipdoc.NewReader(p.ctx, rc)
	for {
		tok, err := r.Next()
		if err != nil {
			if !zipdoc.IsEOF(err) {
				if isCtxErr(err) {
					rc.Close()
					return err
				}
				p.problem("%s: %v", main, err)
			}
			break
		}
		if e, ok := tok.(xml.StartElement); ok && e.Name.Local == "sldId" && len(slides) < 100_000 {
			if l, ok := rels[zipdoc.AttrNS(e, relNS, "id")]; ok && !l.External {
				slides = append(slides, l.Target)
			} else if l, ok := rels[zipdoc.Attr(e, "id")]; ok && !l.External {
				slides = append(slides, l.Target)
			}
		}
	}
	rc.Close()
	pages := make([]string, 0, len(slides))
	budget, used := p.text.Max, 0
	for _, s := range slides {
		if err := p.ctx.Err(); err != nil {
			return err
		}
		if budget > 0 && used >= budget {
			p.problem("slides after %d not extracted (text budget)", len(pages))
			break
		}
		p.text.Reset()
		if budget > 0 {
			p.text.Max = budget - used
		}
		p.drawingPart(s, nil)
		var notes, comments []string
		srels := p.rels(s)
		p.graphics(srels)
		for _, l := range srels {
			switch {
			case l.External:
			case l.typeIs("notesSlide"):
				notes = append(notes, l.Target)
			case l.typeIs("comments"):
				comments = append(comments, l.Target)
			}
		}
		for _, n := range notes {
			mark := p.text.Len()
			p.text.Sep(zipdoc.Para)
			p.text.WriteString("Notes:")
			before := p.text.Len()
			p.text.Sep(zipdoc.Line)
			p.drawingPart(n, notesSkip)
			if p.text.Len() == before {
				// No notes text: drop the heading.
				s := p.text.String()[:mark]
				p.text.Reset()
				p.text.WriteString(s)
			}
		}
		for _, c := range comments {
			p.slideComments(c, authors)
		}
		pages = append(pages, p.text.String())
		used += p.text.Len() + 1
		if p.text.Truncated() {
			p.problem("slide text truncated (budget)")
			break
		}
	}
	p.res.Meta.Slides = len(slides)
	if len(slides) > 0 {
		p.res.Meta.PageCount = len(slides)
	}
	p.res.Text, p.res.Pages = extract.JoinPages(pages)
	p.text.Reset()
	return nil
}

const relNS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

// drawingPart writes the text of a DrawingML part (a slide, a notes page,
// a spreadsheet drawing): paragraphs on lines, table cells separated by
// tabs. Shapes that are placeholders of a type in skip are left out.
func (p *ooxml) drawingPart(part string, skip map[string]bool) {
	rc, err := p.a.Open(part)
	if err != nil {
		p.partErr(part, err)
		return
	}
	defer rc.Close()
	r := zipdoc.NewReader(p.ctx, rc)
	t := &p.text
	inT := 0
	spDepth := 0    // depth of the innermost open p:sp
	skipSp := false // the open shape is a skipped placeholder
	for {
		tok, err := r.Next()
		if err != nil {
			if !zipdoc.IsEOF(err) {
				p.problem("%s: %v", part, err)
			}
			t.Sep(zipdoc.Line)
			return
		}
		switch e := tok.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case "t":
				inT++
			case "br":
				t.Sep(zipdoc.Line)
			case "sp":
				spDepth, skipSp = r.Depth, false
			case "ph":
				if skip != nil && skip[zipdoc.Attr(e, "type")] && spDepth > 0 {
					skipSp = true
				}
			case "Fallback", "rPr", "pPr", "bodyPr", "lstStyle", "spPr", "style", "endParaRPr", "extLst", "tblPr", "tcPr":
				if err := r.Skip(); err != nil {
					return
				}
			}
		case xml.EndElement:
			switch e.Name.Local {
			case "t":
				inT = max(0, inT-1)
			case "p", "tr", "tbl":
				t.Sep(zipdoc.Line)
			case "tc":
				t.Sep(zipdoc.Tab)
			case "sp":
				if r.Depth < spDepth {
					spDepth, skipSp = 0, false
				}
			}
		case xml.CharData:
			if inT > 0 && !skipSp {
				t.WriteString(string(e))
			}
		}
	}
}

// graphics writes the text of the charts and SmartArt diagrams a part
// refers to: titles, labels, the series and category names of the
// chart's data cache, the diagram's node texts.
func (p *ooxml) graphics(rels []rel) {
	for _, l := range rels {
		switch {
		case l.External:
		case l.typeIs("diagramData"):
			p.text.Sep(zipdoc.Line)
			p.drawingPart(l.Target, nil)
		case l.typeIs("chart"):
			p.text.Sep(zipdoc.Line)
			p.chartPart(l.Target)
		}
	}
}

// chartPart writes a chart's rich text (titles) and cached strings
// (series and category names).
func (p *ooxml) chartPart(part string) {
	rc, err := p.a.Open(part)
	if err != nil {
		p.partErr(part, err)
		return
	}
	defer rc.Close()
	r := zipdoc.NewReader(p.ctx, rc)
	t := &p.text
	inT, inStr, inV := 0, 0, 0
	for {
		tok, err := r.Next()
		if err != nil {
			if !zipdoc.IsEOF(err) {
				p.problem("%s: %v", part, err)
			}
			t.Sep(zipdoc.Line)
			return
		}
		switch e := tok.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case "t":
				inT++
			case "strCache":
				inStr++
			case "v":
				inV++
			case "externalData", "spPr", "txPr", "extLst":
				if err := r.Skip(); err != nil {
					return
				}
			}
		case xml.EndElement:
			switch e.Name.Local {
			case "t":
				inT = max(0, inT-1)
			case "strCache":
				inStr = max(0, inStr-1)
			case "v":
				inV = max(0, inV-1)
				if inStr > 0 {
					t.Sep(zipdoc.Line)
				}
			case "p", "title":
				t.Sep(zipdoc.Line)
			}
		case xml.CharData:
			if inT > 0 || inStr > 0 && inV > 0 {
				t.WriteString(string(e))
			}
		}
	}
}

// commentAuthors reads ppt/commentAuthors.xml: author id to name.
func (p *ooxml) commentAuthors(part string) map[string]string {
	m := map[string]string{}
	rc, err := p.a.Open(part)
	if err != nil {
		p.partErr(part, err)
		return m
	}
	defer rc.Close()
	r := zipdoc.NewReader(p.ctx, rc)
	for len(m) < 1<<16 {
		tok, err := r.Next()
		if err != nil {
			break
		}
		if e, ok := tok.(xml.StartElement); ok && (e.Name.Local == "cmAuthor" || e.Name.Local == "author") {
			m[zipdoc.Attr(e, "id")] = zipdoc.Attr(e, "name")
		}
	}
	return m
}

// slideComments writes a slide's comments (legacy p:cm with p:text, and
// modern comments with a text body).
func (p *ooxml) slideComments(part string, authors map[string]string) {
	rc, err := p.a.Open(part)
	if err != nil {
		p.partErr(part, err)
		return
	}
	defer rc.Close()
	r := zipdoc.NewReader(p.ctx, rc)
	t := &p.text
	first := true
	for {
		tok, err := r.Next()
		if err != nil {
			if !zipdoc.IsEOF(err) {
				p.problem("%s: %v", part, err)
			}
			return
		}
		e, ok := tok.(xml.StartElement)
		if !ok || (e.Name.Local != "cm" && e.Name.Local != "reply") {
			continue
		}
		who := authors[zipdoc.Attr(e, "authorId")]
		when := zipdoc.Attr(e, "dt")
		if when == "" {
			when = zipdoc.Attr(e, "created")
		}
		var b strings.Builder
		stop, inText := r.Depth, 0
		for r.Depth >= stop {
			tok, err := r.Next()
			if err != nil {
				return
			}
			switch e := tok.(type) {
			case xml.StartElement:
				// Replies nested in a modern comment join its text.
				if e.Name.Local == "text" || e.Name.Local == "t" {
					inText++
				}
			case xml.EndElement:
				switch e.Name.Local {
				case "text", "t":
					inText = max(0, inText-1)
				case "p":
					b.WriteByte(' ')
				}
			case xml.CharData:
				if inText > 0 && b.Len() < 1<<20 {
					b.Write(e)
				}
			}
		}
		if first {
			first = false
			t.Sep(zipdoc.Para)
			t.WriteString("Comments:")
		}
		p.res.Meta.HasComments = true
		t.Sep(zipdoc.Line)
		t.WriteString(commentHead(who, when))
		t.Sep(zipdoc.Space)
		t.WriteString(zipdoc.CollapseSpace(b.String()))
	}
}
