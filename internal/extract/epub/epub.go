// Package epub extracts the text and metadata of EPUB books (2 and 3):
// the content documents in spine order, converted from XHTML with
// textdecode.HTMLToText, and the package metadata (title, creators, date,
// language, publisher, identifier, description, subjects).
//
// Members are read through package zipdoc, so the book's expansion is
// bounded by its budget. Books whose content documents are encrypted
// (DRM: META-INF/encryption.xml lists them with an algorithm other than
// font obfuscation) return what metadata there is with Meta.Encrypted set
// and an error wrapping [extract.ErrEncrypted].
package epub

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/extract/textdecode"
	"github.com/newsroom/dossier/internal/extract/zipdoc"
)

// Extractor extracts EPUB books; see [Extract].
var Extractor extract.Extractor = extract.Func(Extract)

// maxDocument bounds one content document read into memory.
const maxDocument = 64 << 20

type item struct{ href, mime string }

// Extract extracts an EPUB book. Each spine document's text is separated
// from the next by a blank line; documents of the spine that are not
// XHTML or HTML (images) are skipped. Cover images and other images are
// not returned as children.
func Extract(ctx context.Context, data []byte, mime string, opts extract.Options) (*extract.Result, error) {
	if !zipdoc.IsZip(data) {
		return nil, fmt.Errorf("epub: not a zip file: %w", extract.ErrUnsupported)
	}
	a, err := zipdoc.Open(data, opts.Budget)
	if err != nil {
		return nil, fmt.Errorf("epub: %w", err)
	}
	res := &extract.Result{}
	problem := func(format string, args ...any) {
		if len(res.Problems) < 100 {
			res.Problems = append(res.Problems, fmt.Sprintf(format, args...))
		}
	}
	opf := rootFile(ctx, a)
	if opf == "" {
		return nil, fmt.Errorf("epub: no package document (META-INF/container.xml, *.opf): %w", extract.ErrUnsupported)
	}
	manifest, spine, err := readPackage(ctx, a, opf, &res.Meta)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
		problem("%s: %v", opf, err)
	}
	encrypted := encryptedMembers(ctx, a)
	var t zipdoc.Text
	t.Max = int(min(a.Left(), int64(int(^uint(0)>>1))))
	docs := 0
	for _, id := range spine {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		it, ok := manifest[id]
		if !ok {
			problem("spine item %q not in the manifest", id)
			continue
		}
		m := strings.ToLower(it.mime)
		if !(strings.Contains(m, "html") || m == "" && isHTMLName(it.href)) {
			continue
		}
		if encrypted[it.href] {
			res.Meta.Encrypted = true
			continue
		}
		b, err := a.ReadFile(it.href, maxDocument)
		if err != nil {
			problem("%s: %v", it.href, err)
			if errors.Is(err, extract.ErrBudget) {
				break
			}
			continue
		}
		docs++
		d := textdecode.ToUTF8(b, "", true)
		t.Sep(zipdoc.Para)
		t.WriteString(textdecode.HTMLToText(d.Text))
		if t.Truncated() {
			problem("text truncated at %d bytes (budget)", t.Len())
			break
		}
	}
	res.Text = t.String()
	if res.Meta.Encrypted && docs == 0 {
		return res, fmt.Errorf("epub: content encrypted (DRM): %w", extract.ErrEncrypted)
	}
	return res, nil
}

func isHTMLName(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".xhtml", ".html", ".htm", ".xml":
		return true
	}
	return false
}

// rootFile returns the package document named by META-INF/container.xml,
// or the first .opf member.
func rootFile(ctx context.Context, a *zipdoc.Archive) string {
	if rc, err := a.Open("META-INF/container.xml"); err == nil {
		defer rc.Close()
		r := zipdoc.NewReader(ctx, rc)
		for {
			tok, err := r.Next()
			if err != nil {
				break
			}
			if e, ok := tok.(xml.StartElement); ok && e.Name.Local == "rootfile" {
				if p := zipdoc.ResolvePath("", zipdoc.Attr(e, "full-path")); p != "" && a.Has(p) {
					return p
				}
			}
		}
	}
	for _, f := range a.Zip.File {
		if strings.HasSuffix(strings.ToLower(f.Name), ".opf") {
			return f.Name
		}
	}
	return ""
}

// readPackage reads the OPF: metadata into m, the manifest (id to member
// name and type) and the spine (ids in reading order).
func readPackage(ctx context.Context, a *zipdoc.Archive, opf string, m *extract.Metadata) (map[string]item, []string, error) {
	rc, err := a.Open(opf)
	if err != nil {
		return nil, nil, err
	}
	defer rc.Close()
	manifest := map[string]item{}
	var spine, creators, subjects []string
	r := zipdoc.NewReader(ctx, rc)
	inMeta := false
	extra := func(k, v string) {
		if v == "" {
			return
		}
		if m.Extra == nil {
			m.Extra = map[string]string{}
		}
		if _, ok := m.Extra[k]; !ok {
			m.Extra[k] = v
		}
	}
	for {
		tok, err := r.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = nil
			}
			m.Author = strings.Join(creators, "; ")
			m.Keywords = strings.Join(subjects, ", ")
			return manifest, spine, err
		}
		switch e := tok.(type) {
		case xml.EndElement:
			if e.Name.Local == "metadata" {
				inMeta = false
			}
		case xml.StartElement:
			switch e.Name.Local {
			case "metadata":
				inMeta = true
				continue
			case "item":
				if len(manifest) < 100_000 {
					href, _ := url.PathUnescape(zipdoc.Attr(e, "href"))
					if href == "" {
						href = zipdoc.Attr(e, "href")
					}
					manifest[zipdoc.Attr(e, "id")] = item{href: zipdoc.ResolvePath(opf, href), mime: zipdoc.Attr(e, "media-type")}
				}
				continue
			case "itemref":
				if len(spine) < 100_000 && zipdoc.Attr(e, "linear") != "no-never" {
					spine = append(spine, zipdoc.Attr(e, "idref"))
				}
				continue
			}
			if !inMeta {
				continue
			}
			if e.Name.Local == "meta" {
				// EPUB 2 <meta name content>; EPUB 3 <meta property>text</meta>.
				if name := zipdoc.Attr(e, "name"); name != "" {
					extra("meta:"+name, zipdoc.Attr(e, "content"))
					continue
				}
				prop := zipdoc.Attr(e, "property")
				v, err := r.Text(4096)
				if err != nil {
					return manifest, spine, err
				}
				if prop == "dcterms:modified" {
					m.Modified = zipdoc.ParseDate(v)
				} else if prop != "" {
					extra("meta:"+prop, strings.TrimSpace(v))
				}
				continue
			}
			v, err := r.Text(64 << 10)
			if err != nil {
				return manifest, spine, err
			}
			v = zipdoc.CollapseSpace(v)
			switch e.Name.Local {
			case "title":
				if m.Title == "" {
					m.Title = v
				}
			case "creator":
				if v != "" && len(creators) < 100 {
					creators = append(creators, v)
				}
			case "contributor":
				extra("contributor", v)
			case "date":
				ev := zipdoc.Attr(e, "event")
				d := zipdoc.ParseDate(v)
				switch {
				case ev == "modification":
					m.Modified = d
				case m.Created == nil:
					m.Created = d
				}
			case "language":
				if m.Language == "" {
					m.Language = v
				}
			case "publisher":
				m.Company = v
			case "description":
				m.Comments = v
			case "subject":
				if v != "" && len(subjects) < 100 {
					subjects = append(subjects, v)
				}
			case "identifier":
				extra("identifier", v)
			case "rights":
				extra("rights", v)
			}
		}
	}
}

// Font obfuscation algorithms: encrypted fonts are not DRM.
var fontObfuscation = map[string]bool{
	"http://www.idpf.org/2008/embedding":  true,
	"http://ns.adobe.com/pdf/enc#RC":      true,
	"http://www.idpf.org/2008/embedding/": true,
	"http://ns.adobe.com/pdf/enc#RC/":     true,
}

// encryptedMembers lists the members META-INF/encryption.xml declares
// encrypted with something other than font obfuscation.
func encryptedMembers(ctx context.Context, a *zipdoc.Archive) map[string]bool {
	out := map[string]bool{}
	rc, err := a.Open("META-INF/encryption.xml")
	if err != nil {
		return out
	}
	defer rc.Close()
	r := zipdoc.NewReader(ctx, rc)
	var alg string
	for len(out) < 100_000 {
		tok, err := r.Next()
		if err != nil {
			return out
		}
		if e, ok := tok.(xml.StartElement); ok {
			switch e.Name.Local {
			case "EncryptedData":
				alg = ""
			case "EncryptionMethod":
				alg = zipdoc.Attr(e, "Algorithm")
			case "CipherReference":
				if !fontObfuscation[alg] {
					uri, _ := url.PathUnescape(zipdoc.Attr(e, "URI"))
					out[zipdoc.ResolvePath("", uri)] = true
				}
			}
		}
	}
	return out
}
