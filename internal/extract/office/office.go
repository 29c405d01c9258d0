package office

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/extract/zipdoc"
)

// Extractor extracts OOXML and ODF documents; see [Extract].
var Extractor extract.Extractor = extract.Func(Extract)

// cfbMagic starts every Compound File Binary (OLE2) file.
var cfbMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// Extract extracts an OOXML (DOCX, XLSX, PPTX and their macro-enabled and
// template variants), ODF (ODT, ODS, ODP, ODG) or flat ODF (FODT, FODS,
// FODP) document. The format is recognised from the bytes; mime is only a
// hint. A password-protected OOXML file (a CFB container holding an
// EncryptedPackage) or an ODF file whose manifest declares encryption
// returns a Result with Meta.Encrypted set, and an error wrapping
// [extract.ErrEncrypted], unless one of opts.Passwords opens it.
func Extract(ctx context.Context, data []byte, mime string, opts extract.Options) (*extract.Result, error) {
	switch {
	case bytes.HasPrefix(data, cfbMagic):
		return extractCFB(ctx, data, opts)
	case zipdoc.IsZip(data):
		a, err := zipdoc.Open(data, opts.Budget)
		if err != nil {
			return nil, fmt.Errorf("office: %w", err)
		}
		if isODF(a) {
			return extractODF(ctx, a, len(data), opts)
		}
		return extractOOXML(ctx, a, len(data), opts)
	case looksFlatODF(data):
		return extractFlatODF(ctx, data, opts)
	}
	return nil, fmt.Errorf("office: not a zip, CFB or flat ODF document: %w", extract.ErrUnsupported)
}

// looksFlatODF reports whether data is an XML document whose root is
// office:document (a flat ODF file).
func looksFlatODF(data []byte) bool {
	head := data[:min(len(data), 4096)]
	return bytes.Contains(head, []byte("urn:oasis:names:tc:opendocument:xmlns:office:1.0")) &&
		bytes.Contains(head, []byte("document"))
}

// result is the state shared by the OOXML and ODF walkers.
type result struct {
	ctx  context.Context
	a    *zipdoc.Archive
	res  *extract.Result
	text zipdoc.Text
	opts extract.Options
	// members caps the children.
	members int
}

func newResult(ctx context.Context, a *zipdoc.Archive, opts extract.Options) *result {
	r := &result{ctx: ctx, a: a, res: &extract.Result{}, opts: opts}
	if a != nil {
		r.text.Max = int(min(a.Left(), int64(maxInt)))
		for _, d := range a.Duplicates() {
			r.problem("member %s stored more than once; the first copy was read", d)
		}
	}
	r.members = zipdoc.Resolve(opts.Budget).MaxMembers
	return r
}

const maxInt = int(^uint(0) >> 1)

func (r *result) problem(format string, args ...any) {
	if len(r.res.Problems) < 200 {
		r.res.Problems = append(r.res.Problems, fmt.Sprintf(format, args...))
	} else if len(r.res.Problems) == 200 {
		r.res.Problems = append(r.res.Problems, "further problems not recorded")
	}
}

// extra records a format-specific property.
func (r *result) extra(key, value string) {
	value = strings.TrimSpace(value)
	if value == "" {
		return
	}
	if r.res.Meta.Extra == nil {
		r.res.Meta.Extra = map[string]string{}
	}
	if len(value) > 4096 {
		value = value[:4096]
	}
	r.res.Meta.Extra[key] = value
}

// partErr records a problem reading a part unless it is only missing.
func (r *result) partErr(part string, err error) {
	if err == nil || errors.Is(err, zipdoc.ErrMissing) {
		return
	}
	r.problem("%s: %v", part, err)
}

// finish sets the text and reports truncation.
func (r *result) finish() *extract.Result {
	if r.text.Truncated() {
		r.problem("text truncated at %d bytes (budget)", r.text.Len())
	}
	if r.res.Text == "" {
		r.res.Text = r.text.String()
	}
	return r.res
}

// memberChild adds zip member name as a child with the given path,
// reading it within the budget.
func (r *result) memberChild(path, name, mime string) {
	if len(r.res.Children) >= r.members {
		r.problem("child %s: over the member budget (%d), not extracted", path, r.members)
		return
	}
	c := extract.Child{Path: path, Name: pathBase(name), MIME: mime}
	f := r.a.File(name)
	if f != nil && !f.Modified.IsZero() && f.Modified.Year() > 1980 {
		t := f.Modified
		c.Modified = &t
	}
	data, err := r.a.ReadFile(name, 0)
	switch {
	case errors.Is(err, extract.ErrBudget):
		c.Skip = "over the expansion budget"
	case err != nil:
		c.Failed = err.Error()
	default:
		c.Data = data
	}
	r.res.Children = append(r.res.Children, c)
}

func pathBase(name string) string {
	if i := strings.LastIndexAny(name, "/\\"); i >= 0 {
		return name[i+1:]
	}
	return name
}
