package publish

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/newsroom/dossier/internal/meta"
)

// Errors callers branch on. Stores return them wrapped.
var (
	ErrNoRelease        = errors.New("no such release")
	ErrReleaseExists    = errors.New("a release with this name exists")
	ErrEmptyRelease     = errors.New("release of nothing")
	ErrAlreadyPublished = errors.New("release already published")
	ErrPastTime         = errors.New("publication time is in the past")
	ErrNotPublished     = errors.New("document is not published")
)

// State is where a release stands.
type State string

// Release states, in order. A release is publishing from the moment its
// log entries are recorded as pending until every one has its log index.
const (
	Draft      State = "draft"
	Scheduled  State = "scheduled"
	Publishing State = "publishing"
	Published  State = "published"
)

// Role says why a document is in a release.
type Role string

// Roles.
const (
	RoleSelected   Role = "selected"   // matched the query or listed by id
	RoleAttachment Role = "attachment" // a descendant of a selected document (--with-attachments)
	RoleParent     Role = "parent"     // an ancestor of a selected document (--with-parents)
)

// Release is a named set of documents made public together.
type Release struct {
	Name        string         `json:"name"`
	Created     time.Time      `json:"created"`
	Query       string         `json:"query,omitempty"` // how the documents were selected, for the record
	Options     ReleaseOptions `json:"options"`
	State       State          `json:"state"`
	PublishAt   *time.Time     `json:"publish_at,omitempty"`   // scheduled time
	PublishedAt *time.Time     `json:"published_at,omitempty"` // when its entries were made
	// ProjectedAt is when the public projection last received the
	// release; nil while it has not.
	ProjectedAt *time.Time `json:"projected_at,omitempty"`
	Documents   int        `json:"documents"` // release_docs rows
}

// ReleaseOptions records how a release was made.
type ReleaseOptions struct {
	WithAttachments bool   `json:"with_attachments,omitempty"`
	WithParents     bool   `json:"with_parents,omitempty"`
	IDs             int    `json:"ids,omitempty"` // documents listed by number or id
	Source          string `json:"source,omitempty"`
}

// ReleaseDoc is one document of a release.
type ReleaseDoc struct {
	Release string `json:"release"`
	Num     int64  `json:"number"`
	Role    Role   `json:"role"`
	// Redaction, when set, is published instead of the original.
	Redaction *Redaction `json:"redaction,omitempty"`
	// Salt is the secret of the original's commitment (32 random bytes),
	// set with the redaction. It never leaves the private archive.
	Salt []byte `json:"-"`
}

// Redaction is a derivative published in place of an original: a blob the
// caller has stored, with its extracted text.
type Redaction struct {
	SHA256   string `json:"sha256"`
	Size     int64  `json:"size"`
	MIME     string `json:"mime,omitempty"`     // "" keeps the original's
	Filename string `json:"filename,omitempty"` // "" keeps the original's
	Text     string `json:"-"`
	// Pages are where the derivative's pages start in Text (byte offsets).
	Pages []int `json:"pages,omitempty"`
	// KeepDKIM publishes the original message's DKIM verdict with each
	// signature's domain, selector and result. Off by default: the
	// signing domain may be what the redaction hides.
	KeepDKIM bool `json:"keep_dkim,omitempty"`
}

// Publication is one document published in one release: its log entry,
// its index in the log (nil while pending: recorded before the append, not
// yet confirmed), and its withdrawal if any.
type Publication struct {
	Release     string    `json:"release"`
	Num         int64     `json:"number"`
	PublishedAt time.Time `json:"published_at"`
	Entry       []byte    `json:"-"`
	LogIndex    *uint64   `json:"log_index,omitempty"`
	// RedactedSHA256 is the derivative published instead of the
	// original, "" for an original.
	RedactedSHA256 string `json:"redacted_sha256,omitempty"`

	WithdrawnAt      *time.Time `json:"withdrawn_at,omitempty"`
	WithdrawReason   string     `json:"withdraw_reason,omitempty"`
	WithdrawEntry    []byte     `json:"-"`
	WithdrawLogIndex *uint64    `json:"withdraw_log_index,omitempty"`
	// WithdrawProjected is set once the projection no longer holds the
	// document.
	WithdrawProjected bool `json:"-"`
}

// Live reports whether p is public now (or being made public).
func (p *Publication) Live() bool { return p.WithdrawnAt == nil }

// PublicationFilter selects publications; zero fields select all.
type PublicationFilter struct {
	Release string
	Num     int64
	Live    bool // only those not withdrawn
	Pending bool // only those without a log index
	// PendingWithdrawal: withdrawn, but the withdraw entry has no log
	// index yet or the projection has not caught up.
	PendingWithdrawal bool
	// Brief leaves the entries' bytes out (Entry, WithdrawEntry nil).
	Brief bool
}

// PublicRelease is a release as the public sees it (the feed).
type PublicRelease struct {
	Name        string    `json:"name"`
	PublishedAt time.Time `json:"published_at"`
	Documents   int       `json:"documents"`
}

// Withdrawal is the public notice of a withdrawn document.
type Withdrawal struct {
	Num         int64     `json:"number"`
	Release     string    `json:"release"`
	PublishedAt time.Time `json:"published_at"`
	WithdrawnAt time.Time `json:"withdrawn_at"`
	Reason      string    `json:"reason"`
	LogIndex    uint64    `json:"log_index"`
	Entry       []byte    `json:"-"`
}

// LogRecord is a log entry of a published document as the projection
// keeps it, for proofs.
type LogRecord struct {
	Num      int64     `json:"number"`
	Release  string    `json:"release"`
	Type     string    `json:"type"` // TypePublish or TypeWithdraw
	Time     time.Time `json:"time"`
	LogIndex uint64    `json:"log_index"`
	Entry    []byte    `json:"entry"`
}

// PublicDoc is one document to write to the projection: the entry to
// commit (its Doc already stripped of private fields, Num set) and, for a
// new publication, its log record (nil when only refreshing the row).
type PublicDoc struct {
	Entry meta.Entry
	Log   *LogRecord
}

// ValidName checks a release name: 1 to 100 ASCII letters, digits, '.',
// '_' or '-', starting with a letter or digit (names appear in URLs and
// feeds).
func ValidName(name string) error {
	if name == "" || len(name) > 100 {
		return fmt.Errorf("release name must have 1 to 100 characters: %q", name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if i > 0 {
			ok = ok || c == '.' || c == '_' || c == '-'
		}
		if !ok {
			return fmt.Errorf("release name %q: use letters, digits, '.', '_' and '-', starting with a letter or digit", name)
		}
	}
	return nil
}

func hexSHA256(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// PublicWrite is one transaction on the public projection: optionally
// emptied first, then documents written (replacing any row with the same
// number), withdrawn documents removed with their notice kept, and
// releases recorded for the feed.
type PublicWrite struct {
	Reset     bool
	Docs      iter.Seq2[*PublicDoc, error]
	Withdrawn []Withdrawal
	Releases  []PublicRelease
}
