// Package meta defines the metadata records dossier keeps about documents:
// the ledger rows, email fields, counts. Stores (SQLite now, PostgreSQL in
// server mode) keep these records; everything in them is derived from the
// blobs and the ingest ledger.
package meta

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/newsroom/dossier"
	"github.com/newsroom/dossier/internal/dkim"
	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/forensics"
)

// ErrNotFound is returned (possibly wrapped) by stores for a document that
// does not exist.
var ErrNotFound = errors.New("no such document")

// Document is one ledger row: a file, message, attachment or embedded
// message, with what was extracted from it.
type Document struct {
	Num         int64          `json:"number"` // permanent number, assigned at first ingest, never reused
	ID          string         `json:"id"`
	ParentID    string         `json:"parent_id,omitempty"`
	Path        string         `json:"path"` // path within the parent (or the source path for top-level files)
	SHA256      string         `json:"sha256"`
	Size        int64          `json:"size"`
	Collection  string         `json:"collection"`
	Kind        dossier.Kind   `json:"type"`
	MIME        string         `json:"mime"`
	Filename    string         `json:"filename,omitempty"`
	Status      dossier.Status `json:"status"`
	Reason      string         `json:"reason,omitempty"`
	DuplicateOf string         `json:"duplicate_of,omitempty"`
	Depth       int            `json:"depth"`

	MessageID      string     `json:"message_id,omitempty"`
	ThreadID       string     `json:"thread,omitempty"`
	ThreadRoot     string     `json:"thread_root,omitempty"` // message id the thread derives from, if not its own
	Subject        string     `json:"subject,omitempty"`
	Sender         string     `json:"from,omitempty"` // address, lowercase
	SenderName     string     `json:"from_name,omitempty"`
	Date           *time.Time `json:"date,omitempty"`
	HasAttachments bool       `json:"has_attachments,omitempty"`
	// DKIM is an email's authenticity verdict (see package dkim), "" when
	// not verified.
	DKIM string `json:"dkim,omitempty"`

	// What a document says about itself (see DocMeta for the rest):
	// detected language ("fr", "en", "other"), author and last editor,
	// anomaly rules raised (see package forensics), whether some text is
	// OCR and whether it is encrypted.
	Lang      string   `json:"lang,omitempty"`
	Author    string   `json:"author,omitempty"`
	Editor    string   `json:"last_modified_by,omitempty"`
	Flags     []string `json:"flags,omitempty"`
	OCR       bool     `json:"ocr,omitempty"`
	Encrypted bool     `json:"encrypted,omitempty"`

	// Meta holds kind-specific details (for email: every address header,
	// the raw date, references, parse problems) as JSON.
	Meta       json.RawMessage `json:"meta,omitempty"`
	IngestedAt time.Time       `json:"ingested_at"`
}

// EmailMeta is the Meta of an email document.
type EmailMeta struct {
	From       []string `json:"from,omitempty"`
	Sender     []string `json:"sender,omitempty"`
	To         []string `json:"to,omitempty"`
	Cc         []string `json:"cc,omitempty"`
	Bcc        []string `json:"bcc,omitempty"`
	ReplyTo    []string `json:"reply_to,omitempty"`
	DateRaw    string   `json:"date_raw,omitempty"`
	InReplyTo  []string `json:"in_reply_to,omitempty"`
	References []string `json:"references,omitempty"`
	Problems   []string `json:"problems,omitempty"`
	TextFrom   string   `json:"text_from,omitempty"` // "plain" or "html"
	Mailbox    string   `json:"maildir_flags,omitempty"`
}

// DocMeta is the Meta of a document other than an email: its metadata,
// where its pages start in its text, and its anomaly flags with their
// evidence.
type DocMeta struct {
	Document extract.Metadata `json:"document"`
	Pages    []int            `json:"pages,omitempty"`
	Flags    []forensics.Flag `json:"flags,omitempty"`
	Problems []string         `json:"problems,omitempty"`
}

// Counts tallies documents by ledger status.
type Counts struct {
	Indexed   int64 `json:"indexed"`
	Duplicate int64 `json:"duplicate"`
	Failed    int64 `json:"failed"`
	Skipped   int64 `json:"skipped"`
	Pending   int64 `json:"pending,omitempty"`
}

// Total is the sum of every status.
func (c Counts) Total() int64 { return c.Indexed + c.Duplicate + c.Failed + c.Skipped + c.Pending }

// Add counts one document of status s.
func (c *Counts) Add(s dossier.Status, n int64) {
	switch s {
	case dossier.Indexed:
		c.Indexed += n
	case dossier.Duplicate:
		c.Duplicate += n
	case dossier.Failed:
		c.Failed += n
	case dossier.Skipped:
		c.Skipped += n
	default:
		c.Pending += n
	}
}

// Entry is one document to record, with what goes into the search index.
type Entry struct {
	Doc *Document
	// Index is the document's searchable fields; nil for documents that
	// are not searched (duplicates, failures, skipped items).
	Index *IndexFields
	// Text is the extracted text kept for snippets and display.
	Text string
	// Auth is the authenticity report of an email; nil for other
	// documents.
	Auth *dkim.Report
	// Replace rewrites an existing row with the same id (retrying a failed
	// item, reindexing), keeping its permanent number.
	Replace bool
	// Mentions, when not nil, replaces what people analysis recorded for
	// the document.
	Mentions *Mentions
}

// Batch is a set of changes committed atomically.
type Batch struct {
	Entries []Entry
	Inputs  []Input
	// Superseded are ids of failed documents that recorded an input file
	// which could not be read at all (no blob); a retry that read the
	// file records its real document instead, and these rows go.
	Superseded []string
}

// Len returns the number of entries.
func (b *Batch) Len() int { return len(b.Entries) }

// IndexFields are a document's searchable fields, as given to the search
// index.
type IndexFields struct {
	Subject, Body, Filename string
	From, To, Cc, Bcc       []string   // "Name <addr>" or bare addresses
	Lang                    string     // "fr", "en" or "" to detect from Body
	Date                    *time.Time // the document's date, for date ranges in the index
	// Prepared is the store's analysed form of these fields, filled in
	// ahead of commit by a store that supports it; nil otherwise.
	Prepared any
}

// Auth is a message's authenticity report, by document number.
type Auth struct {
	Num    int64
	Report *dkim.Report
}

// Input is an input file as last seen by an ingest.
type Input struct {
	Collection, Path string
	Size, MTime      int64
	DocID            string
	Done             bool // every item found in it is recorded
}

// SearchRequest is a search over the archive.
type SearchRequest struct {
	Query  string
	Limit  int
	Offset int
	Sort   string // "relevance" (default) or "date"
	Facets bool
}

// SearchResult is one page of results.
type SearchResult struct {
	Total int `json:"total"`
	// Ranked, when present, is how many of the most recently ingested
	// matches relevance ranking considered (a very common query in a large
	// archive); Total is exact either way.
	Ranked int `json:"ranked,omitempty"`
	// Sort is the order applied: "relevance", or "date" (asked for, or a
	// query with no text to rank by).
	Sort   string                  `json:"sort"`
	Hits   []Hit                   `json:"hits"`
	Facets map[string][]FacetCount `json:"facets"`
}

// Hit is one matching document. A hit on an attachment carries the
// attachment's own id and sha256 and its parent's id.
type Hit struct {
	ID         string     `json:"id"`
	Number     int64      `json:"number"`
	SHA256     string     `json:"sha256"`
	Type       string     `json:"type"`
	MIME       string     `json:"mime"`
	Collection string     `json:"collection"`
	Path       string     `json:"path"`
	ParentID   string     `json:"parent_id,omitempty"`
	Filename   string     `json:"filename,omitempty"`
	MessageID  string     `json:"message_id"`
	Subject    string     `json:"subject"`
	From       string     `json:"from"`
	Date       *time.Time `json:"date"`
	Score      float64    `json:"score"`
	Snippet    string     `json:"snippet"`
	// Highlights are byte ranges of Snippet that matched the query.
	Highlights [][2]int `json:"highlights,omitempty"`
	// Page is the 1-based page the snippet comes from, for paged
	// documents (PDF, slides).
	Page int `json:"page,omitempty"`
}

// FacetCount is one value of a facet with the number of matching
// documents.
type FacetCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Mentions is what people analysis found in one document: watched people
// and organisations, pattern entities and, for a message, the addresses in
// its headers. Entry.Mentions replaces whatever was recorded before for
// the document.
type Mentions struct {
	Names     []NameMention `json:"names,omitempty"`
	Entities  []EntityCount `json:"entities,omitempty"`
	Addresses []Address     `json:"addresses,omitempty"`
}

// DocMentions is one document's people analysis, for a store's
// PutMentions.
type DocMentions struct {
	Num      int64
	Mentions *Mentions
}

// NameMention is how often one alias of a watched entity occurs in one
// field of a document. Excluded counts occurrences dropped because they
// fall inside one of the entity's exclusions (not counted as mentions, kept
// so counts can be explained). Spans are the first occurrences' byte
// ranges in the field.
type NameMention struct {
	Entity   int64    `json:"entity"` // watch id
	Field    string   `json:"field"`  // subject, body, filename, from, to, cc, bcc, reply_to
	Alias    string   `json:"alias"`
	Count    int      `json:"count"`
	Excluded int      `json:"excluded,omitempty"`
	Spans    [][2]int `json:"spans,omitempty"`
}

// EntityCount is a pattern entity (kind email, phone, iban, url, domain)
// with its normalised value and number of occurrences in a document.
type EntityCount struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Address is one address in a message header.
type Address struct {
	Role    string `json:"role"` // from, to, cc, bcc
	Address string `json:"address"`
	Name    string `json:"name,omitempty"`
}

// WatchEntry is a watched person or organisation as the store keeps it:
// a stable id and the watchlist entry as JSON (package people's Entity).
type WatchEntry struct {
	ID     int64           `json:"id"`
	Name   string          `json:"name"`
	Kind   string          `json:"kind"`
	Keys   []string        `json:"-"` // folded name and aliases, for person:
	Entity json.RawMessage `json:"entity"`
	Added  time.Time       `json:"added"`
	Folded string          `json:"-"`
}
