package pdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/extract/image"
	"github.com/newsroom/dossier/internal/extract/sandbox"
)

// Defaults for the zero values of [Extractor]'s fields.
const (
	DefaultMaxOCRPages   = 200
	DefaultMaxRevisions  = 20
	DefaultDPI           = 300
	DefaultMinDPI        = 100
	DefaultMaxPagePixels = 50_000_000
	maxText              = 256 << 20
	// sizedPages is how many pages' sizes the first pdfinfo run asks for;
	// later pages are asked for one by one when they need OCR.
	sizedPages = 5000
)

// Extractor extracts PDF documents with poppler's tools and tesseract,
// each run in the sandbox. The zero value is ready to use.
type Extractor struct {
	// MaxOCRPages bounds the pages of one document sent to OCR; the
	// others are listed in Problems.
	MaxOCRPages int
	// MaxRevisions bounds the earlier revisions whose text is extracted.
	MaxRevisions int
	// DPI is the resolution pages are rendered at for OCR. Pages that
	// would exceed MaxPagePixels are rendered at a lower resolution, down
	// to MinDPI; larger ones are not rendered.
	DPI           int
	MinDPI        int
	MaxPagePixels int64
	// NoOCR turns OCR off: pages without text stay empty.
	NoOCR bool
	// Native, when set, runs the built-in reader used when poppler is
	// missing (a worker, so that it parses the hostile bytes out of
	// process); nil runs [ExtractNative] here.
	Native extract.Extractor
}

// New returns an Extractor with the default limits.
func New() *Extractor { return &Extractor{} }

var _ extract.Extractor = (*Extractor)(nil)

// Extract implements extract.Extractor; see the package documentation.
func (x *Extractor) Extract(ctx context.Context, data []byte, mime string, opts extract.Options) (*extract.Result, error) {
	if !sandbox.Available("pdftotext") || !sandbox.Available("pdfinfo") {
		var res *extract.Result
		var err error
		if x.Native != nil {
			res, err = x.Native.Extract(ctx, data, mime, opts)
		} else {
			res, err = ExtractNative(data, opts)
		}
		if err != nil {
			return res, err
		}
		res.Problems = append([]string{"poppler (pdftotext, pdfinfo) is not installed: text from the approximate built-in reader, no OCR"}, res.Problems...)
		return res, nil
	}
	dir, err := os.MkdirTemp("", "dossier-pdf-")
	if err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "in.pdf"), data, 0o600); err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	j := &job{x: x, ctx: ctx, dir: dir, data: data, opts: opts, b: budget(opts), res: &extract.Result{}}
	return j.run()
}

// job is one document's extraction.
type job struct {
	x    *Extractor
	ctx  context.Context
	dir  string
	data []byte
	opts extract.Options
	b    extract.Budget
	res  *extract.Result
	pw   []string // password arguments that opened the document
	info Info
}

func budget(opts extract.Options) extract.Budget {
	b := opts.Budget
	d := extract.DefaultBudget
	if b.MaxBytes <= 0 {
		b.MaxBytes = d.MaxBytes
	}
	if b.MaxMembers <= 0 {
		b.MaxMembers = d.MaxMembers
	}
	if b.MaxRatio <= 0 {
		b.MaxRatio = d.MaxRatio
	}
	if b.Timeout <= 0 {
		b.Timeout = d.Timeout
	}
	if b.MaxMemory <= 0 {
		b.MaxMemory = d.MaxMemory
	}
	return b
}

func orDefault(v, d int) int {
	if v > 0 {
		return v
	}
	return d
}

// tool runs a poppler tool on file (in the work directory) with the
// document's password arguments.
func (j *job) tool(name string, maxOut int64, file string, args ...string) (*sandbox.Output, error) {
	a := append(append([]string{}, j.pw...), args...)
	a = append(a, file)
	if name == "pdftotext" {
		a = append(a, "-") // pdftoppm writes to stdout without an output root
	}
	return sandbox.Run(j.ctx, sandbox.Cmd{
		Tool: name, Args: a, Dir: j.dir,
		Timeout: j.b.Timeout, MaxMemory: j.b.MaxMemory, MaxOutput: maxOut,
	})
}

func (j *job) problem(format string, args ...any) {
	j.res.Problems = append(j.res.Problems, fmt.Sprintf(format, args...))
}

func (j *job) run() (*extract.Result, error) {
	m := &j.res.Meta
	m.PDFVersion = headerVersion(j.data)
	revs := Revisions(j.data)
	m.Revisions = len(revs)
	_, m.Linearized = linearizedLength(j.data)

	if err := j.open(); err != nil {
		if errors.Is(err, extract.ErrEncrypted) {
			m.Encrypted = true
			return j.res, fmt.Errorf("pdf: %w", err)
		}
		return nil, fmt.Errorf("pdf: %w", err)
	}
	j.meta()

	// pdfinfo read the document: from here on, failures are problems.
	textLayer, err := j.text("in.pdf")
	if err != nil {
		j.problem("text: %v", err)
	}
	if j.info.Pages == 0 {
		j.problem("no pages")
	}
	pages := append([]string(nil), textLayer...)
	for len(pages) < j.info.Pages {
		pages = append(pages, "")
	}
	if m.PageCount == 0 {
		m.PageCount = len(pages)
	}
	if !j.x.NoOCR {
		j.ocr(pages)
	}
	j.res.Text, j.res.Pages = extract.JoinPages(pages)
	if len(revs) > 1 {
		j.revisions(revs, strings.Join(textLayer, "\f"))
	}
	return j.res, nil
}

// open runs pdfinfo, trying the password list on an encrypted document.
func (j *job) open() error {
	args := []string{"-isodates", "-enc", "UTF-8", "-f", "1", "-l", strconv.Itoa(sizedPages)}
	out, err := j.tool("pdfinfo", 16<<20, "in.pdf", args...)
	if err != nil && out != nil && badPassword(out.Stderr) {
		err = extract.ErrEncrypted
		for _, pw := range j.opts.Passwords {
			if pw == "" {
				continue
			}
			j.pw = []string{"-opw", pw, "-upw", pw}
			out, err = j.tool("pdfinfo", 16<<20, "in.pdf", args...)
			if err == nil {
				j.res.Meta.Decrypted = true
				break
			}
			if out == nil || !badPassword(out.Stderr) {
				break
			}
			err = extract.ErrEncrypted
		}
		if err != nil {
			j.pw = nil
		}
	}
	if err != nil {
		return err
	}
	j.info = ParseInfo(out.Stdout)
	if j.info.CustomMetadata {
		// Custom information dictionary entries are listed by -custom
		// only, which lists nothing else.
		if out, err := j.tool("pdfinfo", 4<<20, "in.pdf", "-isodates", "-enc", "UTF-8", "-custom"); err == nil {
			for k, v := range ParseInfo(out.Stdout).Fields {
				if _, ok := j.info.Fields[k]; !ok {
					j.info.Fields[k] = v
				}
			}
		}
	}
	return nil
}

func badPassword(stderr []byte) bool {
	return bytes.Contains(stderr, []byte("Incorrect password"))
}

// standardFields are the information dictionary entries Metadata has
// fields for.
var standardFields = map[string]bool{"Title": true, "Subject": true, "Keywords": true, "Author": true,
	"Creator": true, "Producer": true, "CreationDate": true, "ModDate": true, "Trapped": true}

func (j *job) meta() {
	m, inf := &j.res.Meta, j.info
	f := inf.Fields
	m.Title, m.Subject, m.Keywords, m.Author = f["Title"], f["Subject"], f["Keywords"], f["Author"]
	m.Creator, m.Producer = f["Creator"], f["Producer"]
	if t, ok := ParseDate(f["CreationDate"]); ok {
		m.Created = &t
	}
	if t, ok := ParseDate(f["ModDate"]); ok {
		m.Modified = &t
	}
	m.PageCount = inf.Pages
	m.Encrypted = inf.Encrypted
	if inf.Version != "" {
		m.PDFVersion = inf.Version
	}
	m.Linearized = m.Linearized || inf.Optimized
	extra := map[string]string{}
	for k, v := range f {
		if !standardFields[k] && v != "" {
			extra["pdf:"+k] = v
		}
	}
	if inf.Encrypted && inf.EncryptionDetail != "" {
		extra["pdf_encryption"] = inf.EncryptionDetail
	}
	if inf.Form != "" && inf.Form != "none" {
		extra["pdf_form"] = inf.Form
	}
	if inf.JavaScript {
		extra["pdf_javascript"] = "yes"
	}
	if inf.MetadataStream {
		extra["pdf_xmp"] = "yes"
	}
	if len(extra) > 0 {
		m.Extra = extra
	}
}

// text runs pdftotext on file and splits its output into pages.
func (j *job) text(file string) ([]string, error) {
	limit := min(j.b.MaxBytes, maxText)
	out, err := j.tool("pdftotext", limit, file, "-enc", "UTF-8")
	if out == nil {
		return nil, err
	}
	if errors.Is(err, sandbox.ErrOutputLimit) {
		j.problem("text truncated at %s (the extraction budget)", sandbox.Size(limit))
		err = nil
	}
	s := strings.ToValidUTF8(string(out.Stdout), "\uFFFD")
	s = strings.TrimSuffix(s, "\f")
	if s == "" {
		return nil, err
	}
	return strings.Split(s, "\f"), err
}

// needsOCR reports whether a page's text layer is (nearly) empty: fewer
// than 20 letters and digits, so that a scanned page with a stamped page
// number still counts.
func needsOCR(s string) bool {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if n++; n >= 20 {
				return false
			}
		}
	}
	return true
}

func wordy(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n
}

// ocr renders and OCRs the pages without a text layer that hold an image,
// replacing their text when OCR found more.
func (j *job) ocr(pages []string) {
	var cands []int
	for i, p := range pages {
		if needsOCR(p) {
			cands = append(cands, i+1)
		}
	}
	if len(cands) == 0 {
		return
	}
	if !sandbox.Available("pdftoppm") || !sandbox.Available("tesseract") {
		j.problem("%d pages without a text layer not OCR'd: pdftoppm or tesseract is not installed", len(cands))
		return
	}
	if imgs, err := j.imagePages(); err == nil {
		kept := cands[:0]
		for _, n := range cands {
			if imgs[n] {
				kept = append(kept, n)
			}
		}
		cands = kept
	}
	limit := orDefault(j.x.MaxOCRPages, DefaultMaxOCRPages)
	if len(cands) > limit {
		j.problem("%d pages without a text layer: only the first %d OCR'd (pages %d to %d are not)", len(cands), limit, cands[limit], cands[len(cands)-1])
		cands = cands[:limit]
	}
	m := &j.res.Meta
	for _, n := range cands {
		if j.ctx.Err() != nil {
			j.problem("OCR stopped at page %d: %v", n, j.ctx.Err())
			return
		}
		text, err := j.ocrPage(n)
		if err != nil {
			j.problem("page %d: %v", n, err)
			if errors.Is(err, extract.ErrToolMissing) {
				return
			}
			continue
		}
		if wordy(text) > wordy(pages[n-1]) {
			pages[n-1] = text
			m.OCR = true
			m.OCRPages = append(m.OCRPages, n)
		}
	}
}

// imagePages returns the pages that show at least one image of some size
// (pdfimages -list), so that blank and vector-only pages are not OCR'd.
func (j *job) imagePages() (map[int]bool, error) {
	out, err := j.tool("pdfimages", 32<<20, "in.pdf", "-list")
	if err != nil {
		return nil, err
	}
	pages := map[int]bool{}
	for _, l := range strings.Split(string(out.Stdout), "\n") {
		f := strings.Fields(l)
		if len(f) < 5 {
			continue
		}
		p, err1 := strconv.Atoi(f[0])
		w, err2 := strconv.Atoi(f[3])
		h, err3 := strconv.Atoi(f[4])
		if err1 != nil || err2 != nil || err3 != nil {
			continue // the header lines
		}
		if f[2] != "smask" && w >= 100 && h >= 30 {
			pages[p] = true
		}
	}
	return pages, nil
}

// ocrPage renders page n at a resolution its size allows and OCRs it.
func (j *job) ocrPage(n int) (string, error) {
	size, ok := j.info.PageSize[n]
	if !ok {
		if out, err := j.tool("pdfinfo", 1<<20, "in.pdf", "-f", strconv.Itoa(n), "-l", strconv.Itoa(n)); err == nil {
			size, ok = ParseInfo(out.Stdout).PageSize[n]
		}
	}
	dpi := orDefault(j.x.DPI, DefaultDPI)
	args := []string{"-f", strconv.Itoa(n), "-l", strconv.Itoa(n), "-gray", "-png"}
	if ok && size[0] > 0 && size[1] > 0 {
		dpi = renderDPI(size, dpi, orDefault(j.x.MinDPI, DefaultMinDPI), j.maxPixels())
		if dpi == 0 {
			minDPI := float64(orDefault(j.x.MinDPI, DefaultMinDPI))
			return "", fmt.Errorf("%.0f×%.0f pt page too large to rasterise for OCR (%.0f×%.0f px even at %.0f dpi, over the %s-pixel limit)",
				size[0], size[1], size[0]/72*minDPI, size[1]/72*minDPI, minDPI, mega(j.maxPixels()))
		}
		args = append(args, "-r", strconv.Itoa(dpi))
	} else {
		// Size unknown: bound the longer side instead.
		args = append(args, "-scale-to", "4000")
		dpi = 0
	}
	out, err := j.tool("pdftoppm", 256<<20, "in.pdf", args...)
	if err != nil {
		return "", fmt.Errorf("render for OCR: %w", err)
	}
	txt, err := image.OCR(j.ctx, out.Stdout, image.OCROptions{Languages: j.opts.OCRLanguages, DPI: dpi, Budget: j.b})
	if err != nil {
		return "", fmt.Errorf("OCR: %w", err)
	}
	return strings.Join(txt, "\n"), nil
}

func (j *job) maxPixels() int64 {
	if j.x.MaxPagePixels > 0 {
		return j.x.MaxPagePixels
	}
	return DefaultMaxPagePixels
}

// renderDPI returns the resolution at which a page of size points fits
// in maxPixels, at most dpi; 0 when even minDPI does not fit.
func renderDPI(size [2]float64, dpi, minDPI int, maxPixels int64) int {
	px := func(d float64) float64 { return size[0] / 72 * d * size[1] / 72 * d }
	d := float64(dpi)
	if p := px(d); p > float64(maxPixels) {
		d = math.Floor(d * math.Sqrt(float64(maxPixels)/p))
	}
	if d < float64(minDPI) || px(d) > float64(maxPixels) {
		return 0
	}
	return int(d)
}

func mega(n int64) string {
	return strconv.FormatFloat(float64(n)/1e6, 'f', -1, 64) + "M"
}

// revisions extracts the text of each earlier revision as a child and
// records which revisions changed the text.
func (j *job) revisions(revs []Revision, final string) {
	m := &j.res.Meta
	if m.Extra == nil {
		m.Extra = map[string]string{}
	}
	var ends, signed []string
	for i, r := range revs {
		ends = append(ends, strconv.FormatInt(r.End, 10))
		if r.Signed {
			signed = append(signed, strconv.Itoa(i+1))
		}
	}
	m.Extra["pdf_revision_ends"] = strings.Join(ends, ",")
	if len(signed) > 0 {
		m.Extra["pdf_signed_revisions"] = strings.Join(signed, ",")
	}
	limit := orDefault(j.x.MaxRevisions, DefaultMaxRevisions)
	earlier := revs[:len(revs)-1]
	if len(earlier) > limit {
		j.problem("%d earlier revisions: the text of only the last %d extracted", len(earlier), limit)
	}
	first := max(0, len(earlier)-limit)
	spent := int64(len(j.res.Text))
	texts := make([]*string, len(revs))
	texts[len(revs)-1] = &final
	for i := first; i < len(earlier); i++ {
		r := earlier[i]
		c := extract.Child{
			Path: fmt.Sprintf("revision:%d", i+1),
			Name: fmt.Sprintf("revision %d of %d", i+1, len(revs)),
			MIME: "text/plain; charset=utf-8",
		}
		file := fmt.Sprintf("revision-%d.pdf", i+1)
		err := os.WriteFile(filepath.Join(j.dir, file), j.data[:r.End], 0o600)
		var pages []string
		if err == nil {
			pages, err = j.text(file)
			os.Remove(filepath.Join(j.dir, file))
		}
		text := strings.Join(pages, "\f")
		switch {
		case err != nil && text == "":
			c.Failed = fmt.Sprintf("revision %d (first %d bytes): %v", i+1, r.End, err)
		case spent+int64(len(text)) > j.b.MaxBytes:
			c.Skip = "over the extraction budget"
		default:
			c.Data = []byte(text)
			spent += int64(len(text))
			texts[i] = &text
		}
		j.res.Children = append(j.res.Children, c)
	}
	var changed []string
	for i := 1; i < len(revs); i++ {
		if texts[i-1] != nil && texts[i] != nil && normSpace(*texts[i-1]) != normSpace(*texts[i]) {
			changed = append(changed, strconv.Itoa(i+1))
		}
	}
	if len(changed) > 0 {
		m.Extra["pdf_revisions_changed_text"] = strings.Join(changed, ",")
	}
}

// normSpace collapses runs of white space (including form feeds and
// no-break spaces) to one space and trims the ends.
func normSpace(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '\u00a0' }), " ")
}
