package office

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/extract/zipdoc"
)

// isODF reports whether a zip is an OpenDocument package.
func isODF(a *zipdoc.Archive) bool {
	if f := a.File("mimetype"); f != nil && f.UncompressedSize64 < 256 {
		if b, err := a.ReadFile("mimetype", 256); err == nil {
			m := string(bytes.TrimSpace(b))
			return strings.HasPrefix(m, "application/vnd.oasis.opendocument") || strings.HasPrefix(m, "application/vnd.sun.xml")
		}
	}
	return !a.Has("[Content_Types].xml") && a.Has("content.xml") && a.Has("META-INF/manifest.xml")
}

// odf is the state of an ODF extraction.
type odf struct {
	*result
	kind     string // text, spreadsheet, presentation, drawing, chart
	headers  zipdoc.Text
	footers  zipdoc.Text
	notes    zipdoc.Text // footnotes and endnotes
	comments []string
	pages    []string
	deleted  map[string]string // tracked deletions by change id
	keywords []string
	// pageBytes counts the text of the pages so far, against the budget.
	pageBytes int
	truncated bool
	// crypt holds the encryption data of the members the manifest
	// declares encrypted; keys the password that opens them; plain the
	// members already decrypted.
	crypt map[string]*odfCrypt
	keys  odfKeyring
	plain map[string][]byte
}

func extractODF(ctx context.Context, a *zipdoc.Archive, size int, opts extract.Options) (*extract.Result, error) {
	o := &odf{result: newResult(ctx, a, opts), deleted: map[string]string{}, plain: map[string][]byte{}}
	if b, err := a.ReadFile("mimetype", 256); err == nil {
		o.kind = kindOf(string(b))
	}
	o.crypt = o.readManifest()
	encrypted := func(name string) bool { return o.crypt[name] != nil }
	// The member whose decryption tells whether a password fits: content.xml,
	// or the whole package when it is encrypted as one member.
	verifier := "content.xml"
	if encrypted("encrypted-package") {
		verifier = "encrypted-package"
	}
	if c := o.crypt[verifier]; c != nil {
		o.res.Meta.Encrypted = true
		o.extra("encryption", c.describe())
		if len(opts.Passwords) > 0 {
			if res, done, err := o.decrypt(verifier, c); done {
				return res, err
			}
		}
	}
	if !encrypted("meta.xml") || o.keys.found {
		o.part("meta.xml")
	}
	if o.res.Meta.Encrypted && !o.keys.found {
		o.embedded()
		return o.res, fmt.Errorf("office: ODF package: %w", extract.ErrEncrypted)
	}
	if !encrypted("styles.xml") || o.keys.found {
		o.part("styles.xml")
	}
	if err := o.part("content.xml"); err != nil {
		if isCtxErr(err) {
			return nil, err
		}
		if !a.Has("content.xml") {
			return nil, fmt.Errorf("office: ODF package without content.xml: %w", extract.ErrUnsupported)
		}
	}
	o.assemble()
	o.embedded()
	return o.finish(), nil
}

// decrypt finds the password of an encrypted package from its verifier
// member. done is set when the extraction is over: a package encrypted
// whole was opened (or failed to be), or the context ended.
func (o *odf) decrypt(verifier string, c *odfCrypt) (res *extract.Result, done bool, err error) {
	if verifier == "encrypted-package" {
		inner, err := o.openWhole(c)
		switch {
		case inner != nil:
			// Opened; err may still say that the inner package has
			// members of its own that no password opens.
			inner.Meta.Encrypted = true
			inner.Meta.Decrypted = true
			if inner.Meta.Extra == nil {
				inner.Meta.Extra = map[string]string{}
			}
			inner.Meta.Extra["encryption"] = c.describe()
			inner.Problems = append(o.res.Problems, inner.Problems...)
			return inner, true, err
		case isCtxErr(err):
			return nil, true, err
		case !errors.Is(err, errWrongPassword):
			o.problem("decryption: %v", err)
		}
		o.keys.found = false // the members beside it stay flagged
		return nil, false, nil
	}
	plain, err := o.unlock(verifier, c)
	switch {
	case err == nil:
		o.plain[verifier] = plain
		o.res.Meta.Decrypted = true
	case isCtxErr(err):
		return nil, true, err
	case !errors.Is(err, errWrongPassword):
		o.problem("decryption: %v", err)
	}
	return nil, false, nil
}

func extractFlatODF(ctx context.Context, data []byte, opts extract.Options) (*extract.Result, error) {
	o := &odf{result: newResult(ctx, nil, opts), deleted: map[string]string{}}
	o.text.Max = int(zipdoc.Allowance(opts.Budget, len(data)))
	w := &odfWalker{o: o, r: zipdoc.NewReader(ctx, bytes.NewReader(data)), t: &o.text}
	if err := w.walk(0); err != nil && !zipdoc.IsEOF(err) {
		if isCtxErr(err) {
			return nil, err
		}
		o.problem("flat ODF: %v", err)
	}
	if o.kind == "" && o.text.Len() == 0 && o.res.Meta.Author == "" {
		return nil, fmt.Errorf("office: no ODF content found: %w", extract.ErrUnsupported)
	}
	o.assemble()
	return o.finish(), nil
}

// readManifest returns the encryption data of the members the manifest
// declares encrypted.
func (o *odf) readManifest() map[string]*odfCrypt {
	enc := map[string]*odfCrypt{}
	rc, err := o.a.Open("META-INF/manifest.xml")
	if err != nil {
		o.partErr("META-INF/manifest.xml", err)
		return enc
	}
	defer rc.Close()
	r := zipdoc.NewReader(o.ctx, rc)
	var cur string
	var entry xml.StartElement
	var c *odfCrypt
	for {
		tok, err := r.Next()
		if err != nil {
			if !zipdoc.IsEOF(err) {
				o.problem("META-INF/manifest.xml: %v", err)
			}
			return enc
		}
		if e, ok := tok.(xml.StartElement); ok {
			switch e.Name.Local {
			case "file-entry":
				cur = strings.TrimPrefix(zipdoc.Attr(e, "full-path"), "/")
				entry = e.Copy()
				c = nil
			case "encryption-data":
				c = nil
				if cur != "" && len(enc) < 100_000 {
					if _, seen := enc[cur]; !seen {
						c = newODFCrypt(entry, e)
						enc[cur] = c
					}
				}
			default:
				if c != nil {
					c.element(e)
				}
			}
		}
	}
}

// part walks one XML member of the package.
func (o *odf) part(name string) error {
	rc, err := o.open(name)
	if err != nil {
		o.partErr(name, err)
		return err
	}
	defer rc.Close()
	w := &odfWalker{o: o, r: zipdoc.NewReader(o.ctx, rc), t: &o.text}
	if err := w.walk(0); err != nil && !zipdoc.IsEOF(err) {
		if isCtxErr(err) {
			return err
		}
		o.problem("%s: %v", name, err)
	}
	return nil
}

// assemble builds the text: headers, body (or pages), notes, footers,
// comments.
func (o *odf) assemble() {
	m := &o.res.Meta
	if len(o.keywords) > 0 {
		m.Keywords = strings.Join(o.keywords, ", ")
	}
	if o.kind == "presentation" || o.kind == "drawing" {
		if o.truncated {
			o.problem("page text truncated (budget)")
		}
		if len(o.pages) > 0 {
			if len(o.comments) > 0 {
				o.pages[len(o.pages)-1] = appendComments(o.pages[len(o.pages)-1], o.comments)
			}
			o.res.Text, o.res.Pages = extract.JoinPages(o.pages)
			if o.kind == "presentation" {
				m.Slides = len(o.pages)
			}
			m.PageCount = len(o.pages)
		}
		return
	}
	var t zipdoc.Text
	t.Max = o.text.Max
	t.WriteString(o.headers.String())
	t.Sep(zipdoc.Para)
	t.WriteString(o.text.String())
	t.Sep(zipdoc.Para)
	t.WriteString(o.notes.String())
	t.Sep(zipdoc.Para)
	t.WriteString(o.footers.String())
	o.res.Text = appendComments(t.String(), o.comments)
}

func appendComments(s string, comments []string) string {
	if len(comments) == 0 {
		return s
	}
	var b strings.Builder
	b.WriteString(s)
	if s != "" {
		b.WriteString("\n\n")
	}
	b.WriteString("Comments")
	for _, c := range comments {
		b.WriteString("\n")
		b.WriteString(c)
	}
	return b.String()
}

// embedded adds pictures, binary objects and the thumbnail as children;
// encrypted ones are decrypted when the password is known.
func (o *odf) embedded() {
	for _, f := range o.a.Zip.File {
		name := f.Name
		if strings.HasSuffix(name, "/") || o.a.File(name) != f {
			continue
		}
		l := strings.ToLower(name)
		isObj := strings.HasPrefix(l, "object ") && !strings.Contains(l, "/") // an OLE object stored as one file
		if !(strings.HasPrefix(l, "pictures/") || strings.HasPrefix(l, "thumbnails/") || strings.HasPrefix(l, "media/") || isObj) {
			continue
		}
		if c := o.crypt[name]; c != nil {
			if o.keys.found {
				o.decryptedChild(name, c)
			} else {
				o.res.Children = append(o.res.Children, extract.Child{Path: "embedded:" + name, Name: pathBase(name), Skip: "encrypted"})
			}
			continue
		}
		o.embeddedChild(name, "")
	}
}

// odfWalker turns ODF XML (content, styles, meta, or a flat document)
// into text.
type odfWalker struct {
	o      *odf
	r      *zipdoc.Reader
	t      *zipdoc.Text // where text goes now
	paras  int          // open text:p / text:h
	cells  int          // open table cells
	tables int          // open tables
	inBody bool
}

func (w *odfWalker) walk(stop int) error {
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
			if w.paras > 0 {
				w.writeCollapsed(e)
			}
		}
	}
}

// writeCollapsed writes character data with white space collapsed, as
// ODF renders it (explicit spaces are text:s elements).
func (w *odfWalker) writeCollapsed(b []byte) {
	s := string(b)
	if strings.TrimSpace(s) == "" {
		if s != "" {
			w.t.Sep(zipdoc.Space)
		}
		return
	}
	lead := s[0] == ' ' || s[0] == '\n' || s[0] == '\t' || s[0] == '\r'
	c := s[len(s)-1]
	trail := c == ' ' || c == '\n' || c == '\t' || c == '\r'
	if lead {
		w.t.Sep(zipdoc.Space)
	}
	w.t.WriteString(strings.Join(strings.Fields(s), " "))
	if trail {
		w.t.Sep(zipdoc.Space)
	}
}

// into walks the element just started with the output redirected to t.
func (w *odfWalker) into(t *zipdoc.Text) error {
	saved, savedParas, savedCells := w.t, w.paras, w.cells
	w.t, w.paras, w.cells = t, 0, 0
	err := w.walk(w.r.Depth)
	w.t, w.paras, w.cells = saved, savedParas, savedCells
	return err
}

func (w *odfWalker) start(e xml.StartElement) error {
	o := w.o
	switch e.Name.Local {
	case "meta":
		if inNS(e.Name.Space, "office") {
			return w.meta()
		}
	case "document":
		if inNS(e.Name.Space, "office") && o.kind == "" {
			o.kind = kindOf(zipdoc.Attr(e, "mimetype"))
		}
	case "body":
		w.inBody = true
	case "text", "spreadsheet", "presentation", "drawing", "chart", "image":
		if inNS(e.Name.Space, "office") && w.inBody && o.kind == "" {
			o.kind = e.Name.Local
		}
	case "automatic-styles", "styles", "font-face-decls", "scripts", "settings", "forms",
		"sequence-decls", "variable-decls", "user-field-decls", "event-listeners",
		"page-thumbnail", "title", "desc", "change-info", "calculation-settings",
		"named-expressions", "database-ranges", "content-validations", "note-citation",
		"dde-connection-decls", "bibliography-configuration", "notes-configuration",
		"linenumbering-configuration", "label-ranges":
		if e.Name.Local == "title" && e.Name.Space != nsSVG {
			break
		}
		if e.Name.Local == "desc" && e.Name.Space != nsSVG {
			break
		}
		return w.r.Skip()
	case "master-styles":
		if o.kind != "text" && o.kind != "" {
			// Print headers of sheets and slides hold field
			// placeholders ("???", "00/00/0000"), not content.
			return w.r.Skip()
		}
		return w.masterStyles()
	case "p", "h":
		if inNS(e.Name.Space, "text") {
			w.paras++
		}
	case "s":
		if inNS(e.Name.Space, "text") && w.paras > 0 {
			n, err := strconv.Atoi(zipdoc.Attr(e, "c"))
			if err != nil || n < 1 {
				n = 1
			}
			w.t.WriteString(strings.Repeat(" ", min(n, 64)))
		}
	case "tab", "tab-stop":
		if inNS(e.Name.Space, "text") && w.paras > 0 {
			w.t.WriteString("\t")
		}
	case "line-break":
		w.t.Sep(zipdoc.Line)
	case "note-body":
		o.notes.Max = o.text.Max
		o.notes.Sep(zipdoc.Line)
		return w.into(&o.notes)
	case "annotation":
		return w.annotation()
	case "tracked-changes":
		return w.trackedChanges()
	case "change":
		if id := zipdoc.Attr(e, "change-id"); id != "" {
			if d, ok := o.deleted[id]; ok && d != "" {
				w.t.WriteString(delOpen + d + delClose)
			}
		}
	case "table":
		if inNS(e.Name.Space, "table") {
			if o.kind == "spreadsheet" && w.tables == 0 {
				name := zipdoc.Attr(e, "name")
				o.res.Meta.Sheets = append(o.res.Meta.Sheets, name)
				w.t.Sep(zipdoc.Para)
				w.t.WriteString(name)
				w.t.Sep(zipdoc.Para)
			}
			w.tables++
		}
	case "table-cell", "covered-table-cell":
		w.cells++
	case "page":
		if inNS(e.Name.Space, "drawing") && (o.kind == "presentation" || o.kind == "drawing") {
			var page zipdoc.Text
			if o.text.Max > 0 {
				if o.pageBytes >= o.text.Max {
					o.truncated = true
					return w.r.Skip()
				}
				page.Max = o.text.Max - o.pageBytes
			}
			if err := w.into(&page); err != nil {
				return err
			}
			s := page.String()
			o.pageBytes += len(s) + 1
			if page.Truncated() {
				o.truncated = true
			}
			if len(o.comments) > 0 {
				s = appendComments(s, o.comments)
				o.comments = nil
			}
			o.pages = append(o.pages, s)
			return nil
		}
	case "notes":
		if inNS(e.Name.Space, "presentation") {
			var notes zipdoc.Text
			notes.Max = o.text.Max
			if err := w.into(&notes); err != nil {
				return err
			}
			if s := strings.TrimSpace(notes.String()); s != "" {
				w.t.Sep(zipdoc.Para)
				w.t.WriteString("Notes:")
				w.t.Sep(zipdoc.Line)
				w.t.WriteString(s)
			}
			return nil
		}
	}
	return nil
}

func (w *odfWalker) end(e xml.EndElement) {
	switch e.Name.Local {
	case "p", "h":
		if inNS(e.Name.Space, "text") {
			w.paras = max(0, w.paras-1)
			if w.cells > 0 {
				w.t.Sep(zipdoc.Space)
			} else {
				w.t.Sep(zipdoc.Line)
			}
		}
	case "table-cell", "covered-table-cell":
		w.cells = max(0, w.cells-1)
		w.t.Sep(zipdoc.Tab)
	case "table-row":
		w.t.Sep(zipdoc.Line)
	case "table":
		if inNS(e.Name.Space, "table") {
			w.tables = max(0, w.tables-1)
			w.t.Sep(zipdoc.Line)
		}
	case "frame", "text-box", "list-item":
		w.t.Sep(zipdoc.Line)
	}
}

// annotation records an office:annotation (a comment) as
// "Author (date): text" and keeps it out of the running text.
func (w *odfWalker) annotation() error {
	var who, when string
	var body zipdoc.Text
	body.Max = 1 << 20
	saved, savedParas, savedCells := w.t, w.paras, w.cells
	w.t, w.paras, w.cells = &body, 0, 0
	defer func() { w.t, w.paras, w.cells = saved, savedParas, savedCells }()
	stop := w.r.Depth
	for w.r.Depth >= stop {
		tok, err := w.r.Next()
		if err != nil {
			return err
		}
		switch e := tok.(type) {
		case xml.StartElement:
			switch {
			case e.Name.Local == "creator" && e.Name.Space == nsDC:
				who, err = w.r.Text(4096)
			case e.Name.Local == "date" && e.Name.Space == nsDC:
				when, err = w.r.Text(256)
			default:
				err = w.start(e)
			}
			if err != nil {
				return err
			}
		case xml.EndElement:
			w.end(e)
		case xml.CharData:
			if w.paras > 0 {
				w.writeCollapsed(e)
			}
		}
	}
	w.o.res.Meta.HasComments = true
	if len(w.o.comments) < 100_000 {
		w.o.comments = append(w.o.comments, commentHead(who, when)+" "+zipdoc.CollapseSpace(body.String()))
	}
	return nil
}

// trackedChanges reads text:tracked-changes: the deleted text of each
// change region, written in place where text:change refers to it.
func (w *odfWalker) trackedChanges() error {
	stop := w.r.Depth
	var id string
	for w.r.Depth >= stop {
		tok, err := w.r.Next()
		if err != nil {
			return err
		}
		e, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch e.Name.Local {
		case "changed-region":
			id = zipdoc.Attr(e, "id")
			w.o.res.Meta.HasChanges = true
		case "change-info":
			if err := w.r.Skip(); err != nil {
				return err
			}
		case "deletion":
			var d zipdoc.Text
			d.Max = 1 << 20
			if err := w.into(&d); err != nil {
				return err
			}
			if id != "" && len(w.o.deleted) < 100_000 {
				w.o.deleted[id] = zipdoc.CollapseSpace(d.String())
			}
		}
	}
	return nil
}

// masterStyles reads the headers and footers of the master pages.
func (w *odfWalker) masterStyles() error {
	stop := w.r.Depth
	seen := map[string]bool{}
	for w.r.Depth >= stop {
		tok, err := w.r.Next()
		if err != nil {
			return err
		}
		e, ok := tok.(xml.StartElement)
		if !ok || !inNS(e.Name.Space, "style") {
			continue
		}
		var t *zipdoc.Text
		switch e.Name.Local {
		case "header", "header-left", "header-first":
			t = &w.o.headers
		case "footer", "footer-left", "footer-first":
			t = &w.o.footers
		default:
			continue
		}
		var one zipdoc.Text
		one.Max = 1 << 20
		if err := w.into(&one); err != nil {
			return err
		}
		// Master pages repeat the same header; keep each text once.
		if s := strings.TrimSpace(one.String()); s != "" && !seen[s] {
			seen[s] = true
			t.Max = w.o.text.Max
			t.Sep(zipdoc.Line)
			t.WriteString(s)
		}
	}
	return nil
}

// meta reads office:meta.
func (w *odfWalker) meta() error {
	m := &w.o.res.Meta
	stop := w.r.Depth
	for w.r.Depth >= stop {
		tok, err := w.r.Next()
		if err != nil {
			return err
		}
		e, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch e.Name.Local {
		case "document-statistic":
			if n, err := strconv.Atoi(zipdoc.Attr(e, "page-count")); err == nil && n > 0 {
				m.PageCount = n
			}
			w.o.extra("words", zipdoc.Attr(e, "word-count"))
			continue
		case "template":
			w.o.extra("template", zipdoc.Attr(e, "href"))
			continue
		case "user-defined":
			name := zipdoc.Attr(e, "name")
			v, err := w.r.Text(64 << 10)
			if err != nil {
				return err
			}
			if name != "" && (m.Extra == nil || len(m.Extra) < 1000) {
				w.o.extra("custom:"+name, v)
			}
			continue
		}
		v, err := w.r.Text(64 << 10)
		if err != nil {
			return err
		}
		v = strings.TrimSpace(v)
		switch e.Name.Local {
		case "initial-creator":
			m.Author = v
		case "creator":
			m.LastModifiedBy = v
		case "creation-date":
			m.Created = zipdoc.ParseDate(v)
		case "date":
			m.Modified = zipdoc.ParseDate(v)
		case "print-date":
			m.Printed = zipdoc.ParseDate(v)
		case "printed-by":
			w.o.extra("printed-by", v)
		case "editing-cycles":
			m.Revision = v
		case "editing-duration":
			w.o.extra("editing-duration", v)
		case "generator":
			m.Creator = v
		case "title":
			m.Title = v
		case "subject":
			m.Subject = v
		case "description":
			m.Comments = v
		case "keyword":
			if v != "" && len(w.o.keywords) < 1000 {
				w.o.keywords = append(w.o.keywords, v)
			}
		case "language":
			m.Language = v
		}
	}
	return nil
}

// ODF namespaces.
const (
	nsSVG = "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
	nsDC  = "http://purl.org/dc/elements/1.1/"
)

// inNS reports whether space is the ODF namespace of kind ("text",
// "table"...) or its OpenOffice.org 1.x (StarOffice XML) predecessor.
func inNS(space, kind string) bool {
	return space == "urn:oasis:names:tc:opendocument:xmlns:"+kind+":1.0" || space == "http://openoffice.org/2000/"+kind
}

// kindOf maps an ODF or StarOffice media type to the body kind.
func kindOf(mime string) string {
	m := strings.ToLower(mime)
	switch {
	case strings.Contains(m, "opendocument.text"), strings.Contains(m, "sun.xml.writer"):
		return "text"
	case strings.Contains(m, "opendocument.spreadsheet"), strings.Contains(m, "sun.xml.calc"):
		return "spreadsheet"
	case strings.Contains(m, "opendocument.presentation"), strings.Contains(m, "sun.xml.impress"):
		return "presentation"
	case strings.Contains(m, "opendocument.graphics"), strings.Contains(m, "sun.xml.draw"):
		return "drawing"
	case strings.Contains(m, "opendocument.chart"):
		return "chart"
	}
	return ""
}
