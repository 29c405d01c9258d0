package office

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/extract/zipdoc"
)

// maxSmallPart bounds parts read whole into memory (relationships,
// properties, content types, workbook, presentation).
const maxSmallPart = 16 << 20

// rel is one OPC relationship.
type rel struct {
	ID, Type, Target string // Target resolved to a part name unless External
	External         bool
}

// typeIs reports whether the relationship type ends with suffix (the
// transitional and strict namespaces differ only before it).
func (l rel) typeIs(suffix string) bool { return strings.HasSuffix(l.Type, "/"+suffix) }

// ooxml is one OPC package being extracted.
type ooxml struct {
	*result
	ctDefault  map[string]string // extension -> content type
	ctOverride map[string]string // part name (no leading /) -> content type
	extraParts []string          // further parts to add as children (altChunk)
}

func extractOOXML(ctx context.Context, a *zipdoc.Archive, size int, opts extract.Options) (*extract.Result, error) {
	p := &ooxml{result: newResult(ctx, a, opts)}
	if !a.Has("[Content_Types].xml") {
		return nil, fmt.Errorf("office: zip without [Content_Types].xml or ODF mimetype: %w", extract.ErrUnsupported)
	}
	p.readContentTypes()
	root := p.rels("")
	var main string
	for _, l := range root {
		switch {
		case l.typeIs("officeDocument") && main == "":
			main = l.Target
		case l.typeIs("core-properties"):
			p.readCore(l.Target)
		case l.typeIs("extended-properties"):
			p.readApp(l.Target)
		case l.typeIs("custom-properties"):
			p.readCustom(l.Target)
		}
	}
	if main == "" {
		for _, guess := range []string{"word/document.xml", "xl/workbook.xml", "ppt/presentation.xml"} {
			if a.Has(guess) {
				main = guess
				p.problem("no officeDocument relationship; using %s", guess)
				break
			}
		}
	}
	if main == "" {
		return nil, fmt.Errorf("office: OPC package without a main document: %w", extract.ErrUnsupported)
	}
	ct := p.contentType(main)
	var err error
	switch {
	case strings.Contains(ct, "wordprocessingml") || strings.HasPrefix(main, "word/"):
		err = p.docx(main)
	case strings.Contains(ct, "sheet.binary") || strings.HasSuffix(main, ".bin"):
		err = p.xlsb(main)
	case strings.Contains(ct, "spreadsheetml") || strings.HasPrefix(main, "xl/"):
		err = p.xlsx(main)
	case strings.Contains(ct, "presentationml") || strings.HasPrefix(main, "ppt/"):
		err = p.pptx(main)
	default:
		p.problem("main part %s has unknown type %q: text not extracted", main, ct)
	}
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
		p.problem("%v", err)
	}
	p.embedded()
	return p.finish(), nil
}

// readContentTypes reads [Content_Types].xml.
func (p *ooxml) readContentTypes() {
	p.ctDefault, p.ctOverride = map[string]string{}, map[string]string{}
	rc, err := p.a.Open("[Content_Types].xml")
	if err != nil {
		p.partErr("[Content_Types].xml", err)
		return
	}
	defer rc.Close()
	r := zipdoc.NewReader(p.ctx, rc)
	for {
		tok, err := r.Next()
		if err != nil {
			if !zipdoc.IsEOF(err) {
				p.problem("[Content_Types].xml: %v", err)
			}
			return
		}
		if e, ok := tok.(xml.StartElement); ok {
			switch e.Name.Local {
			case "Default":
				p.ctDefault[strings.ToLower(zipdoc.Attr(e, "Extension"))] = zipdoc.Attr(e, "ContentType")
			case "Override":
				p.ctOverride[strings.ToLower(strings.TrimPrefix(zipdoc.Attr(e, "PartName"), "/"))] = zipdoc.Attr(e, "ContentType")
			}
		}
	}
}

// contentType returns the declared content type of a part.
func (p *ooxml) contentType(part string) string {
	if ct, ok := p.ctOverride[strings.ToLower(part)]; ok {
		return ct
	}
	ext := strings.TrimPrefix(strings.ToLower(path.Ext(part)), ".")
	return p.ctDefault[ext]
}

// relsName returns the relationships part of part ("" for the package).
func relsName(part string) string {
	if part == "" {
		return "_rels/.rels"
	}
	dir, file := path.Split(part)
	return dir + "_rels/" + file + ".rels"
}

// rels reads the relationships of part, resolving internal targets.
func (p *ooxml) rels(part string) []rel {
	name := relsName(part)
	rc, err := p.a.Open(name)
	if err != nil {
		p.partErr(name, err)
		return nil
	}
	defer rc.Close()
	var out []rel
	r := zipdoc.NewReader(p.ctx, rc)
	for len(out) < 100_000 {
		tok, err := r.Next()
		if err != nil {
			if !zipdoc.IsEOF(err) {
				p.problem("%s: %v", name, err)
			}
			break
		}
		e, ok := tok.(xml.StartElement)
		if !ok || e.Name.Local != "Relationship" {
			continue
		}
		l := rel{ID: zipdoc.Attr(e, "Id"), Type: zipdoc.Attr(e, "Type"), Target: zipdoc.Attr(e, "Target")}
		if strings.EqualFold(zipdoc.Attr(e, "TargetMode"), "External") {
			l.External = true
		} else {
			l.Target = zipdoc.ResolvePath(part, l.Target)
			if l.Target == "" {
				continue
			}
		}
		out = append(out, l)
	}
	return out
}

// relByID indexes relationships by id.
func relByID(ls []rel) map[string]rel {
	m := make(map[string]rel, len(ls))
	for _, l := range ls {
		m[l.ID] = l
	}
	return m
}

// readCore reads the core properties (docProps/core.xml).
func (p *ooxml) readCore(part string) {
	rc, err := p.a.Open(part)
	if err != nil {
		p.partErr(part, err)
		return
	}
	defer rc.Close()
	m := &p.res.Meta
	r := zipdoc.NewReader(p.ctx, rc)
	for {
		tok, err := r.Next()
		if err != nil {
			if !zipdoc.IsEOF(err) {
				p.problem("%s: %v", part, err)
			}
			return
		}
		e, ok := tok.(xml.StartElement)
		if !ok || r.Depth != 2 {
			continue
		}
		v, err := r.Text(64 << 10)
		if err != nil {
			p.problem("%s: %v", part, err)
			return
		}
		v = strings.TrimSpace(v)
		switch e.Name.Local {
		case "title":
			m.Title = v
		case "subject":
			m.Subject = v
		case "creator":
			m.Author = v
		case "lastModifiedBy":
			m.LastModifiedBy = v
		case "keywords":
			m.Keywords = v
		case "description":
			m.Comments = v
		case "revision":
			m.Revision = v
		case "created":
			m.Created = zipdoc.ParseDate(v)
			p.badDate("created", v, m.Created == nil)
		case "modified":
			m.Modified = zipdoc.ParseDate(v)
			p.badDate("modified", v, m.Modified == nil)
		case "lastPrinted":
			m.Printed = zipdoc.ParseDate(v)
			p.badDate("lastPrinted", v, m.Printed == nil)
		case "language":
			m.Language = v
		case "category":
			p.extra("category", v)
		case "contentStatus":
			p.extra("content-status", v)
		case "identifier":
			p.extra("identifier", v)
		case "version":
			p.extra("version", v)
		}
	}
}

func (p *ooxml) badDate(name, v string, bad bool) {
	if bad && !zipdoc.IsZeroDate(v) {
		p.problem("core property %s: unreadable date %q", name, v)
		p.extra("raw-"+strings.ToLower(name), v)
	}
}

// readApp reads the extended (application) properties.
func (p *ooxml) readApp(part string) {
	rc, err := p.a.Open(part)
	if err != nil {
		p.partErr(part, err)
		return
	}
	defer rc.Close()
	m := &p.res.Meta
	r := zipdoc.NewReader(p.ctx, rc)
	for {
		tok, err := r.Next()
		if err != nil {
			if !zipdoc.IsEOF(err) {
				p.problem("%s: %v", part, err)
			}
			return
		}
		e, ok := tok.(xml.StartElement)
		if !ok || r.Depth != 2 {
			continue
		}
		switch e.Name.Local {
		case "HeadingPairs", "TitlesOfParts", "HLinks", "DigSig":
			if err := r.Skip(); err != nil {
				return
			}
			continue
		}
		v, err := r.Text(64 << 10)
		if err != nil {
			p.problem("%s: %v", part, err)
			return
		}
		v = strings.TrimSpace(v)
		switch e.Name.Local {
		case "Application":
			m.Creator = v
		case "AppVersion":
			m.AppVersion = v
		case "Company":
			m.Company = v
		case "Pages":
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				m.PageCount = n
			}
		case "Manager":
			p.extra("manager", v)
		case "Template":
			p.extra("template", v)
		case "TotalTime":
			p.extra("total-editing-minutes", v)
		case "HyperlinkBase":
			p.extra("hyperlink-base", v)
		case "DocSecurity":
			if v != "0" {
				p.extra("doc-security", v)
			}
		case "Words":
			p.extra("words", v)
		}
	}
}

// readCustom reads the custom properties into Meta.Extra["custom:NAME"].
func (p *ooxml) readCustom(part string) {
	rc, err := p.a.Open(part)
	if err != nil {
		p.partErr(part, err)
		return
	}
	defer rc.Close()
	r := zipdoc.NewReader(p.ctx, rc)
	n := 0
	for {
		tok, err := r.Next()
		if err != nil {
			if !zipdoc.IsEOF(err) {
				p.problem("%s: %v", part, err)
			}
			return
		}
		e, ok := tok.(xml.StartElement)
		if !ok || e.Name.Local != "property" {
			continue
		}
		name := strings.TrimSpace(zipdoc.Attr(e, "name"))
		v, err := r.Text(64 << 10)
		if err != nil {
			p.problem("%s: %v", part, err)
			return
		}
		if name == "" {
			continue
		}
		if n++; n > 1000 {
			p.problem("%s: more than 1000 custom properties; the rest ignored", part)
			return
		}
		p.extra("custom:"+name, v)
	}
}

// embedded adds embedded objects, media and the thumbnail as children,
// in archive order.
func (p *ooxml) embedded() {
	extra := map[string]bool{}
	for _, name := range p.extraParts {
		if f := p.a.File(name); f != nil {
			extra[f.Name] = true
		}
	}
	for _, f := range p.a.Zip.File {
		name := f.Name
		if strings.HasSuffix(name, "/") || !(isEmbeddedPart(name) || extra[name]) {
			continue
		}
		if p.a.File(name) != f { // a duplicate name
			continue
		}
		p.embeddedChild(name, p.contentType(name))
	}
}

// isEmbeddedPart reports whether an OOXML part is an embedded file worth
// extracting as a child.
func isEmbeddedPart(name string) bool {
	l := strings.ToLower(name)
	return strings.Contains(l, "/embeddings/") || strings.Contains(l, "/media/") ||
		strings.HasPrefix(l, "docprops/thumbnail")
}
