package legacy

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/extract/sandbox"
)

// Format is a legacy document format, recognised from the bytes.
type Format string

const (
	DOC Format = "doc"
	XLS Format = "xls"
	PPT Format = "ppt"
	RTF Format = "rtf"
	// EncryptedOOXML is an encrypted DOCX, XLSX or PPTX: a compound file
	// holding EncryptionInfo and EncryptedPackage.
	EncryptedOOXML Format = "encrypted-ooxml"
)

// Sniff returns the format of data, or "" when it is none of these (a
// compound file of another kind: MSG, Visio, MSI...).
func Sniff(data []byte) Format {
	if isRTF(data) {
		return RTF
	}
	if isBIFF(data) {
		return XLS
	}
	f, err := openCFB(data)
	if err != nil {
		return ""
	}
	return sniffCFB(f)
}

func sniffCFB(f *cfbFile) Format {
	switch {
	case f.has("WordDocument"):
		return DOC
	case f.has("Workbook"), f.has("Book"):
		return XLS
	case f.has("PowerPoint Document"):
		return PPT
	case f.has("EncryptionInfo") && f.has("EncryptedPackage"):
		return EncryptedOOXML
	}
	return ""
}

// isBIFF reports whether data starts with the BOF record of a BIFF2 to
// BIFF8 workbook stream, outside a compound file.
func isBIFF(data []byte) bool {
	if len(data) < 8 {
		return false
	}
	typ, size := binary.LittleEndian.Uint16(data), binary.LittleEndian.Uint16(data[2:])
	switch typ {
	case 0x0009, 0x0209, 0x0409, 0x0809:
		return size >= 4 && size <= 20
	}
	return false
}

func isRTF(data []byte) bool {
	return bytes.HasPrefix(bytes.TrimLeft(data[:min(len(data), 64)], " \t\r\n\xef\xbb\xbf"), []byte(`{\rtf`))
}

// Extractor extracts DOC, XLS, PPT and RTF documents (see the package
// documentation). The zero value is ready to use.
type Extractor struct{}

// New returns an Extractor.
func New() *Extractor { return &Extractor{} }

var _ extract.Extractor = (*Extractor)(nil)

// Extract implements extract.Extractor. The format is sniffed from the
// bytes; mime is not trusted. A DOC or XLS encrypted with RC4 (Office 97
// and 2000) or RC4 CryptoAPI (Office XP and later), a PPT encrypted with
// RC4 CryptoAPI, or an XLS under XOR obfuscation, is opened with the
// first of Options.Passwords that fits (for XLS, then Excel's default
// password "VelvetSweatshop"): the tools read a decrypted copy, and
// Meta.Encrypted and Meta.Decrypted are set, Meta.Extra["encryption"]
// naming the scheme. Other encrypted documents (no password fits, an
// XOR-obfuscated DOC or BIFF5 workbook, an encrypted OOXML package) give
// their metadata (the property sets are not encrypted in DOC and XLS,
// nor in PPT unless PowerPoint was told to encrypt them too: the
// EncryptedSummary stream, not read) with Meta.Encrypted and
// extract.ErrEncrypted.
func (x *Extractor) Extract(ctx context.Context, data []byte, mime string, opts extract.Options) (*extract.Result, error) {
	j := &job{ctx: ctx, data: data, opts: opts, res: &extract.Result{}}
	if isRTF(data) {
		return j.rtf()
	}
	if isBIFF(data) {
		// A workbook stream on its own (Excel 2 to 4 wrote these).
		return j.xls()
	}
	f, err := openCFB(data)
	if err != nil {
		return nil, fmt.Errorf("legacy: %w: neither RTF nor a compound file", extract.ErrUnsupported)
	}
	j.cfb = f
	applyProperties(f, &j.res.Meta)
	switch sniffCFB(f) {
	case DOC:
		return j.doc()
	case XLS:
		return j.xls()
	case PPT:
		return j.ppt()
	case EncryptedOOXML:
		j.res.Meta.Encrypted = true
		return j.res, fmt.Errorf("legacy: encrypted Office Open XML document: %w", extract.ErrEncrypted)
	}
	return nil, fmt.Errorf("legacy: %w: compound file holding %s", extract.ErrUnsupported, f.names())
}

type job struct {
	ctx  context.Context
	data []byte
	opts extract.Options
	res  *extract.Result
	cfb  *cfbFile
}

// run writes the document into a fresh work directory as in.<ext> and
// runs tool on it.
func (j *job) run(tool, ext string, args ...string) (*sandbox.Output, error) {
	dir, err := os.MkdirTemp("", "dossier-legacy-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	name := "in." + ext
	if err := os.WriteFile(filepath.Join(dir, name), j.data, 0o600); err != nil {
		return nil, err
	}
	b := j.opts.Budget
	limit := b.MaxBytes
	if limit <= 0 || limit > 256<<20 {
		limit = 256 << 20
	}
	out, err := sandbox.Run(j.ctx, sandbox.Cmd{
		Tool: tool, Args: append(args, name), Dir: dir,
		Timeout: b.Timeout, MaxMemory: b.MaxMemory, MaxOutput: limit,
	})
	if errors.Is(err, sandbox.ErrOutputLimit) {
		j.res.Problems = append(j.res.Problems, fmt.Sprintf("%s: text truncated at %s (the extraction budget)", tool, sandbox.Size(limit)))
		err = nil
	}
	return out, err
}

func (j *job) encrypted(what string) (*extract.Result, error) {
	j.res.Meta.Encrypted = true
	j.res.Meta.Decrypted = false
	return j.res, fmt.Errorf("legacy: %s: %w", what, extract.ErrEncrypted)
}

// decrypt opens an encrypted document with the first of opts.Passwords
// that fits. On success the tools get the decrypted copy (j.data) and
// Meta says Encrypted and Decrypted; otherwise it returns nil, with a
// problem noted when passwords were given but the encryption could not be
// read or is not supported. Meta.Extra["encryption"] names the kind when
// known: "rc4", "rc4 cryptoapi" or "xor obfuscation".
func (j *job) decrypt(open func(passwords []string) (*decrypted, string, error)) *decrypted {
	m := &j.res.Meta
	m.Encrypted = true
	d, kind, err := open(j.opts.Passwords)
	if kind != "" {
		if m.Extra == nil {
			m.Extra = map[string]string{}
		}
		m.Extra["encryption"] = kind
	}
	if err != nil {
		if len(j.opts.Passwords) > 0 && !errors.Is(err, errWrongPassword) {
			j.res.Problems = append(j.res.Problems, "decryption: "+err.Error())
		}
		return nil
	}
	j.data = d.data
	m.Decrypted = true
	return d
}

func text(out *sandbox.Output) string {
	return strings.ToValidUTF8(string(out.Stdout), "\uFFFD")
}

func (j *job) doc() (*extract.Result, error) {
	if wd, _ := j.cfb.stream("WordDocument"); wordEncrypted(wd) {
		d := j.decrypt(func(passwords []string) (*decrypted, string, error) {
			return decryptDoc(j.ctx, j.cfb, passwords)
		})
		if d == nil {
			return j.encrypted("encrypted Word document")
		}
	}
	out, err := j.run("antiword", "doc", "-w", "0", "-m", "UTF-8.txt")
	if out != nil && bytes.Contains(out.Stderr, []byte("Encrypted documents")) {
		return j.encrypted("encrypted Word document")
	}
	if err == nil && strings.TrimSpace(text(out)) != "" {
		j.res.Text = text(out)
		return j.res, nil
	}
	// antiword refuses Word 2 and some damaged files; catdoc is more
	// lenient.
	first := err
	if first == nil {
		first = errors.New("antiword found no text")
	}
	out, err = j.run("catdoc", "doc", "-w", "-d", "utf-8")
	if out != nil && bytes.Contains(out.Stdout, []byte("[File is encrypted")) {
		return j.encrypted("encrypted Word document")
	}
	if err != nil {
		if errors.Is(err, extract.ErrToolMissing) && !errors.Is(first, extract.ErrToolMissing) {
			err = first
		}
		return nil, fmt.Errorf("legacy: doc: %w (antiword: %v)", err, first)
	}
	j.res.Text = text(out)
	if !errors.Is(first, extract.ErrToolMissing) && strings.TrimSpace(j.res.Text) != "" {
		j.res.Problems = append(j.res.Problems, fmt.Sprintf("antiword failed, text from catdoc: %v", first))
	}
	return j.res, nil
}

func (j *job) xls() (*extract.Result, error) {
	wb := j.data
	if j.cfb != nil {
		var ok bool
		if wb, ok = j.cfb.stream("Workbook"); !ok {
			wb, _ = j.cfb.stream("Book")
		}
	}
	sheets, enc := workbookGlobals(wb)
	book := wb
	if enc {
		d := j.decrypt(func(passwords []string) (*decrypted, string, error) {
			// Excel opens a workbook encrypted with its default password
			// without asking: try it after the user's.
			return decryptXLS(j.ctx, j.cfb, j.data, append(passwords[:len(passwords):len(passwords)], excelDefaultPassword))
		})
		if d == nil {
			return j.encrypted("encrypted or obfuscated workbook")
		}
		sheets, _ = workbookGlobals(d.workbook)
		book = d.workbook
	}
	m := &j.res.Meta
	var hidden []string
	worksheets := 0 // with a cell holding a value: xls2csv leaves out the others
	for _, s := range sheets {
		m.Sheets = append(m.Sheets, s.name)
		if s.hidden != 0 {
			h := s.name
			if s.hidden == 2 {
				h += " (very hidden)"
			}
			hidden = append(hidden, h)
		}
		if s.kind == 0 && sheetHasCells(book, s.pos) {
			worksheets++
		}
	}
	if len(hidden) > 0 {
		if m.Extra == nil {
			m.Extra = map[string]string{}
		}
		m.Extra["xls:hidden_sheets"] = strings.Join(hidden, ", ")
	}
	out, err := j.run("xls2csv", "xls", "-d", "utf-8", "-q", "1")
	if out != nil && bytes.Contains(out.Stderr, []byte("File is encrypted")) {
		return j.encrypted("encrypted workbook")
	}
	if err != nil {
		return nil, fmt.Errorf("legacy: xls: %w", err)
	}
	pages := splitPages(text(out))
	for i, p := range pages {
		pages[i] = csvToText(p)
	}
	if len(pages) > 0 && len(pages) != worksheets && worksheets > 0 {
		j.res.Problems = append(j.res.Problems, fmt.Sprintf("xls2csv gave %d sheets, the workbook has %d worksheets with cells", len(pages), worksheets))
	}
	j.res.Text, j.res.Pages = extract.JoinPages(pages)
	return j.res, nil
}

func (j *job) ppt() (*extract.Result, error) {
	if pptEncrypted(j.cfb) {
		d := j.decrypt(func(passwords []string) (*decrypted, string, error) {
			return decryptPPT(j.ctx, j.cfb, passwords)
		})
		if d == nil {
			return j.encrypted("encrypted presentation")
		}
	}
	out, err := j.run("catppt", "ppt", "-d", "utf-8")
	if err != nil {
		return nil, fmt.Errorf("legacy: ppt: %w", err)
	}
	pages := splitPages(text(out))
	j.res.Meta.Slides = len(pages)
	j.res.Text, j.res.Pages = extract.JoinPages(pages)
	return j.res, nil
}

func (j *job) rtf() (*extract.Result, error) {
	if info := ParseRTFInfo(j.data); info != nil {
		info.apply(&j.res.Meta)
	}
	text, truncated := RTFText(j.data)
	if truncated {
		j.res.Problems = append(j.res.Problems, fmt.Sprintf("text truncated at %s", sandbox.Size(maxRTFText)))
	}
	j.res.Text = text
	return j.res, nil
}

// splitPages splits tool output on form feeds, dropping the empty piece
// after a final one.
func splitPages(s string) []string {
	s = strings.TrimSuffix(s, "\f")
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return strings.Split(s, "\f")
}

// csvToText turns one sheet of xls2csv output into lines of
// tab-separated cells, without quotes and without trailing empty cells.
func csvToText(s string) string {
	r := csv.NewReader(strings.NewReader(s))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var b strings.Builder
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return s // not CSV after all: keep it as it is
		}
		for len(rec) > 0 && rec[len(rec)-1] == "" {
			rec = rec[:len(rec)-1]
		}
		b.WriteString(strings.Join(rec, "\t"))
		b.WriteByte('\n')
	}
	return b.String()
}
