// Package extract defines what every format extractor returns: text (page
// by page where pages exist), metadata, child documents and problems. The
// extractors live in subpackages (email, office, pdf, archive, ...); the
// ingest pipeline routes each item to one by its sniffed type and records
// the result. Extractors treat their input as hostile: they bound size,
// depth, time and memory, and report what they could not do in Problems
// rather than failing the whole item when part of it is readable.
package extract

import (
	"context"
	"errors"
	"time"
)

// Result is what an extractor found in one document.
type Result struct {
	// Text is the document's text. For paged documents (PDF, slides) it
	// is the pages' texts joined by form feeds ("\f"), and Pages holds
	// the byte offset in Text where each page starts (Pages[0] == 0).
	Text  string
	Pages []int
	// Meta is the document's metadata.
	Meta Metadata
	// Children are the documents inside this one: archive members,
	// embedded files, attachments, messages of a mailbox file.
	Children []Child
	// Problems are things that went wrong without failing the whole
	// document ("page 3: OCR timed out", "member foo.txt: bad CRC").
	Problems []string
	// Revisions are the texts of a document's earlier saved states,
	// oldest first (a PDF's incremental updates), for comparing with
	// Text.
	Revisions []string
}

// Metadata is what a document says about itself. Every field is optional.
// Dates are as recorded in the document (their zone kept when known).
type Metadata struct {
	Title          string     `json:"title,omitempty"`
	Subject        string     `json:"subject,omitempty"`
	Author         string     `json:"author,omitempty"`           // creator / dc:creator / Author
	LastModifiedBy string     `json:"last_modified_by,omitempty"` // OOXML lastModifiedBy, ODF dc:creator of the last edit
	Company        string     `json:"company,omitempty"`
	Keywords       string     `json:"keywords,omitempty"`
	Comments       string     `json:"comments,omitempty"` // the description / comments property
	Creator        string     `json:"creator,omitempty"`  // the creating application (PDF Creator, OOXML Application)
	Producer       string     `json:"producer,omitempty"` // PDF Producer
	AppVersion     string     `json:"app_version,omitempty"`
	Revision       string     `json:"revision,omitempty"` // OOXML cp:revision, ODF editing-cycles
	Created        *time.Time `json:"created,omitempty"`
	Modified       *time.Time `json:"modified,omitempty"`
	Printed        *time.Time `json:"printed,omitempty"`
	PageCount      int        `json:"page_count,omitempty"`
	Language       string     `json:"language,omitempty"` // as declared by the document (dc:language)
	Encrypted      bool       `json:"encrypted,omitempty"`
	// Decrypted is set when an encrypted document was opened with a
	// password from the password list.
	Decrypted   bool     `json:"decrypted,omitempty"`
	PDFVersion  string   `json:"pdf_version,omitempty"`
	Linearized  bool     `json:"linearized,omitempty"`
	Revisions   int      `json:"revisions,omitempty"` // PDF: incremental updates + 1
	OCR         bool     `json:"ocr,omitempty"`       // some text came from OCR
	OCRPages    []int    `json:"ocr_pages,omitempty"` // 1-based pages whose text is OCR
	Sheets      []string `json:"sheets,omitempty"`
	Slides      int      `json:"slides,omitempty"`
	HasComments bool     `json:"has_comments,omitempty"`
	HasChanges  bool     `json:"has_tracked_changes,omitempty"`
	// Image and camera metadata (EXIF). GPS is sensitive: shown to the
	// workspace only and flagged.
	Camera   string     `json:"camera,omitempty"` // make and model
	Software string     `json:"software,omitempty"`
	TakenAt  *time.Time `json:"taken_at,omitempty"`
	GPS      *GPS       `json:"gps,omitempty"`
	Width    int        `json:"width,omitempty"`
	Height   int        `json:"height,omitempty"`
	// Extra holds format-specific properties worth showing (custom
	// document properties, PDF XMP fields), by name.
	Extra map[string]string `json:"extra,omitempty"`
}

// GPS is a position recorded in a file.
type GPS struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
	Alt float64 `json:"alt,omitempty"`
}

// Child is one document inside another.
type Child struct {
	// Path names the child within its parent, for the ledger and ids:
	// an archive member's name as stored (never used as a file system
	// path), "attachment:2", "page:3/image:1", "message:12". It must be
	// stable: the same parent bytes always give the same paths.
	Path string
	// Name is the child's file name for display and the filename:
	// field, if it has one.
	Name string
	// MIME is the declared type, if the container declares one.
	MIME string
	// Data is the child's bytes. Nil with Skip set for members that are
	// listed but not extracted.
	Data []byte
	// Skip, when set, records the child without its bytes and says why
	// ("symlink to /etc/passwd, not followed", "encrypted, no password
	// fits", "over the expansion budget").
	Skip string
	// Failed, when set, records the child as failed with this reason
	// (a member whose data is corrupt).
	Failed string
	// Modified is the member's modification time when the container
	// records one.
	Modified *time.Time
}

// Options are given to every extractor.
type Options struct {
	// Passwords are tried, in order, on encrypted documents and archives.
	Passwords []string
	// OCRLanguages is tesseract's -l argument, e.g. "fra+eng".
	OCRLanguages string
	// MaxBytes bounds the bytes an extractor may produce (text plus
	// children) from one document; 0 means DefaultBudget.MaxBytes.
	Budget Budget
}

// Budget bounds what one container may expand to.
type Budget struct {
	MaxBytes   int64   // total bytes of children and text
	MaxMembers int     // children
	MaxRatio   float64 // expanded bytes / container bytes
	Timeout    time.Duration
	MaxMemory  int64 // address space of a child process, bytes
}

// DefaultBudget is used when Options leave the budget zero.
var DefaultBudget = Budget{
	MaxBytes:   2 << 30,
	MaxMembers: 100_000,
	MaxRatio:   200,
	Timeout:    2 * time.Minute,
	MaxMemory:  2 << 30,
}

// Errors extractors return (wrapped) so that the ledger can say why.
var (
	// ErrEncrypted: the document is encrypted and no password fits. The
	// document is still recorded (metadata Encrypted), not failed.
	ErrEncrypted = errors.New("encrypted, and no password given fits")
	// ErrBudget: expanding the document would exceed its budget.
	ErrBudget = errors.New("over the extraction budget")
	// ErrToolMissing: the external tool the format needs is not installed.
	ErrToolMissing = errors.New("extraction tool not installed")
	// ErrUnsupported: the extractor does not handle this variant.
	ErrUnsupported = errors.New("unsupported format variant")
)

// Extractor extracts one format. Extract must not keep data after it
// returns, must honour ctx, and returns an error only when nothing at all
// could be read (the item is then recorded as failed with the error as
// its reason; ErrEncrypted keeps it indexed with what metadata is known).
type Extractor interface {
	Extract(ctx context.Context, data []byte, mime string, opts Options) (*Result, error)
}

// Func adapts a function to Extractor.
type Func func(ctx context.Context, data []byte, mime string, opts Options) (*Result, error)

// Extract calls f.
func (f Func) Extract(ctx context.Context, data []byte, mime string, opts Options) (*Result, error) {
	return f(ctx, data, mime, opts)
}

// JoinPages builds a Result's Text and Pages from page texts.
func JoinPages(pages []string) (string, []int) {
	n := 0
	for _, p := range pages {
		n += len(p) + 1
	}
	b := make([]byte, 0, n)
	offs := make([]int, 0, len(pages))
	for i, p := range pages {
		if i > 0 {
			b = append(b, '\f')
		}
		offs = append(offs, len(b))
		b = append(b, p...)
	}
	return string(b), offs
}

// PageOf returns the 1-based page holding byte offset off of a text with
// page offsets pages, or 0 when the text has no pages.
func PageOf(pages []int, off int) int {
	if len(pages) == 0 {
		return 0
	}
	lo, hi := 0, len(pages)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if pages[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo + 1
}

// Named is implemented by extractors that use the document's file name
// (a compressed stream names its one member after the container:
// report.pdf.gz holds report.pdf). The pipeline calls ExtractNamed when
// it can.
type Named interface {
	ExtractNamed(ctx context.Context, name string, data []byte, mime string, opts Options) (*Result, error)
}

// NamedFunc adapts a function to Extractor and Named.
type NamedFunc func(ctx context.Context, name string, data []byte, mime string, opts Options) (*Result, error)

// Extract calls f without a name.
func (f NamedFunc) Extract(ctx context.Context, data []byte, mime string, opts Options) (*Result, error) {
	return f(ctx, "", data, mime, opts)
}

// ExtractNamed calls f.
func (f NamedFunc) ExtractNamed(ctx context.Context, name string, data []byte, mime string, opts Options) (*Result, error) {
	return f(ctx, name, data, mime, opts)
}
