// Package zipdoc holds what the extractors of zip-packaged documents
// (OOXML, ODF, EPUB) and of XML share: a zip reader that charges every
// member it decompresses to the document's budget, a hardened XML decoder,
// a bounded text builder and a lenient date parser.
//
// # Budget
//
// [Open] turns an [extract.Budget] into a byte allowance for the document
// (see [Allowance]). [Archive.Open] checks a member's declared uncompressed
// size against what is left of it before decompressing anything, reads
// through a limited reader anyway (a lying header cannot make it read more)
// and charges the bytes actually read. Overlapping-entry bombs therefore
// cost at most the allowance.
//
// # XML
//
// [NewDecoder] returns an encoding/xml decoder, which never expands
// entities declared in a DTD and never fetches anything: a billion-laughs
// document yields its literal "&lol9;" references, not gigabytes. The
// decoder is non-strict, so unknown entities and sloppy markup do not stop
// extraction, and labels other than UTF-8 are decoded through textdecode.
// Walkers built on it bound their nesting depth with [MaxDepth].
package zipdoc

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strings"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/extract/textdecode"
	"golang.org/x/text/encoding/unicode"
)

// MaxDepth is the deepest XML element nesting the walkers follow.
const MaxDepth = 512

// MinAllowance is the smallest expansion allowance given to a document,
// whatever its size and the budget's ratio: a 3 KB DOCX may expand to 1 MiB.
const MinAllowance = 1 << 20

// Allowance returns how many bytes a document of n bytes may expand to
// under b (zero fields of b take [extract.DefaultBudget]'s values): the
// smaller of MaxBytes and MaxRatio×n, but never less than MinAllowance
// unless MaxBytes itself is smaller.
func Allowance(b extract.Budget, n int) int64 {
	b = Resolve(b)
	allow := b.MaxBytes
	if b.MaxRatio > 0 {
		r := b.MaxRatio * float64(n)
		if r < float64(MinAllowance) {
			r = MinAllowance
		}
		if r < float64(allow) {
			allow = int64(r)
		}
	}
	return allow
}

// Resolve fills the zero fields of b from [extract.DefaultBudget].
func Resolve(b extract.Budget) extract.Budget {
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

// IsZip reports whether data starts like a zip file.
func IsZip(data []byte) bool {
	return bytes.HasPrefix(data, []byte("PK\x03\x04")) || bytes.HasPrefix(data, []byte("PK\x05\x06"))
}

// Archive is a zip file opened for reading within a budget. It is not safe
// for concurrent use.
type Archive struct {
	Zip   *zip.Reader
	left  int64
	byKey map[string]*zip.File // exact name, then lower-cased name
	dups  []string
}

// Open opens data as a zip archive whose members may expand to
// Allowance(b, len(data)) bytes in total.
func Open(data []byte, b extract.Budget) (*Archive, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("open zip: %w", err)
	}
	a := &Archive{Zip: zr, left: Allowance(b, len(data)), byKey: make(map[string]*zip.File, 2*len(zr.File))}
	for _, f := range zr.File {
		if _, ok := a.byKey[f.Name]; ok {
			a.dups = append(a.dups, f.Name)
			continue
		}
		a.byKey[f.Name] = f
		if l := strings.ToLower(f.Name); l != f.Name {
			if _, ok := a.byKey[l]; !ok {
				a.byKey[l] = f
			}
		}
	}
	return a, nil
}

// Duplicates lists member names stored more than once; the first is used.
func (a *Archive) Duplicates() []string { return a.dups }

// Left returns the bytes left in the allowance.
func (a *Archive) Left() int64 { return a.left }

// Charge takes n bytes from the allowance (for output the caller builds
// from members, such as children it copies), failing with
// [extract.ErrBudget] when they are not there.
func (a *Archive) Charge(n int64) error {
	if n > a.left {
		return fmt.Errorf("%w: %d bytes wanted, %d left", extract.ErrBudget, n, a.left)
	}
	a.left -= n
	return nil
}

// File returns the member called name (a leading "/" is ignored; if no
// member has exactly that name, part names being case-insensitive in OOXML,
// one differing only in case), or nil.
func (a *Archive) File(name string) *zip.File {
	name = strings.TrimPrefix(name, "/")
	if f, ok := a.byKey[name]; ok {
		return f
	}
	if f, ok := a.byKey[strings.ToLower(name)]; ok {
		return f
	}
	return nil
}

// Has reports whether the archive has a member called name.
func (a *Archive) Has(name string) bool { return a.File(name) != nil }

// ErrMissing is returned for a member that is not in the archive.
var ErrMissing = errors.New("member not found")

// Open opens member name for reading. The member's declared size is
// checked against the allowance before anything is decompressed; the
// bytes read are charged as they are read, and reading stops with
// [extract.ErrBudget] if the allowance runs out.
func (a *Archive) Open(name string) (io.ReadCloser, error) {
	f := a.File(name)
	if f == nil {
		return nil, fmt.Errorf("%s: %w", name, ErrMissing)
	}
	return a.OpenFile(f)
}

// OpenFile is Open for a member already looked up.
func (a *Archive) OpenFile(f *zip.File) (io.ReadCloser, error) {
	if f.UncompressedSize64 > math.MaxInt64 || int64(f.UncompressedSize64) > a.left {
		return nil, fmt.Errorf("member %s declares %d bytes, %d left: %w", f.Name, f.UncompressedSize64, a.left, extract.ErrBudget)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("open member %s: %w", f.Name, err)
	}
	return &charged{rc: rc, a: a, max: int64(f.UncompressedSize64), name: f.Name}, nil
}

// ReadFile reads the whole member name, within the allowance and at most
// max bytes (0: no extra limit).
func (a *Archive) ReadFile(name string, max int64) ([]byte, error) {
	f := a.File(name)
	if f == nil {
		return nil, fmt.Errorf("%s: %w", name, ErrMissing)
	}
	if max > 0 && f.UncompressedSize64 > uint64(max) {
		return nil, fmt.Errorf("member %s declares %d bytes, over the %d limit: %w", f.Name, f.UncompressedSize64, max, extract.ErrBudget)
	}
	rc, err := a.OpenFile(f)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b := make([]byte, 0, min(f.UncompressedSize64, 64<<20))
	buf := bytes.NewBuffer(b)
	if _, err := buf.ReadFrom(rc); err != nil {
		return buf.Bytes(), fmt.Errorf("read member %s: %w", f.Name, err)
	}
	return buf.Bytes(), nil
}

// charged reads a member, never more than its declared size, charging
// the archive's allowance for every byte.
type charged struct {
	rc   io.ReadCloser
	a    *Archive
	max  int64 // declared size still to come
	name string
}

func (c *charged) Read(p []byte) (int, error) {
	if c.max <= 0 {
		// archive/zip reports a member longer than declared as ErrFormat;
		// reading one more byte lets it do so rather than us truncating.
		var one [1]byte
		n, err := c.rc.Read(one[:])
		if n > 0 {
			return 0, fmt.Errorf("member %s: longer than declared: %w", c.name, zip.ErrFormat)
		}
		return 0, err
	}
	if int64(len(p)) > c.max {
		p = p[:c.max]
	}
	if int64(len(p)) > c.a.left {
		if c.a.left <= 0 {
			return 0, fmt.Errorf("member %s: %w", c.name, extract.ErrBudget)
		}
		p = p[:c.a.left]
	}
	n, err := c.rc.Read(p)
	c.max -= int64(n)
	c.a.left -= int64(n)
	return n, err
}

func (c *charged) Close() error { return c.rc.Close() }

// ResolvePath resolves a relationship or manifest target relative to the part
// or file base that refers to it ("word/document.xml" + "media/a.png" is
// "word/media/a.png"; "/xl/x.xml" is absolute). It returns "" for targets
// that leave the package ("../../x" past the root, URLs).
func ResolvePath(base, target string) string {
	if target == "" || strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
		return ""
	}
	target = strings.ReplaceAll(target, "\\", "/")
	if i := strings.IndexAny(target, "#?"); i >= 0 {
		target = target[:i]
	}
	var p string
	if strings.HasPrefix(target, "/") {
		p = target
	} else {
		p = path.Join("/", path.Dir("/"+base), target)
	}
	// path.Join cleans "..": a path that tried to climb above the root
	// stays at the root, which is harmless for zip member lookup.
	p = strings.TrimPrefix(path.Clean(p), "/")
	if p == "." {
		return ""
	}
	return p
}

// NewDecoder returns a hardened, non-strict XML decoder reading r: no
// entity beyond the five predefined ones and character references is ever
// expanded, DTDs are skipped, and non-UTF-8 documents are decoded through
// textdecode.
func NewDecoder(r io.Reader) *xml.Decoder {
	br := bufio.NewReader(r)
	if head, _ := br.Peek(4); len(head) >= 2 {
		switch {
		case head[0] == 0xFF && head[1] == 0xFE, len(head) == 4 && head[0] == '<' && head[1] == 0 && head[2] == '?' && head[3] == 0:
			r = unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder().Reader(br)
		case head[0] == 0xFE && head[1] == 0xFF, len(head) == 4 && head[0] == 0 && head[1] == '<' && head[2] == 0 && head[3] == '?':
			r = unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewDecoder().Reader(br)
		default:
			r = br
		}
	} else {
		r = br
	}
	d := xml.NewDecoder(r)
	d.Strict = false
	d.Entity = nil
	d.CharsetReader = charsetReader
	return d
}

func charsetReader(label string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "utf-16", "utf-16le", "utf-16be", "ucs-2", "unicode":
		// NewDecoder has transcoded a UTF-16 document already.
		return input, nil
	}
	e, _ := textdecode.Lookup(label)
	if e == nil {
		return nil, fmt.Errorf("xml: unsupported charset %q", label)
	}
	return e.NewDecoder().Reader(input), nil
}
