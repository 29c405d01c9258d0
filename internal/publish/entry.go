package publish

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/newsroom/dossier/internal/dkim"
)

// EntryVersion is the version of the log entry format written by
// [Marshal] (docs/formats/log-entry.md). Changelog:
//
//	1: first version: publish, withdraw and manifest entries.
const EntryVersion = 1

// MaxEntrySize bounds a marshalled log entry.
const MaxEntrySize = 64 << 10

// Entry types.
const (
	TypePublish  = "publish"
	TypeWithdraw = "withdraw"
	// TypeManifest records the manifest of a bulk download of published
	// files (dossier export-site): number 0, no id, the release exported
	// ("" for every release), one file of role FileManifest.
	TypeManifest = "manifest"
)

// File roles in a publish entry.
const (
	FileOriginal = "original" // the document's own bytes
	FileRedacted = "redacted" // a redacted derivative published instead of the original
	FileManifest = "manifest" // the SHA-256 manifest of a bulk download
)

// ErrNotCanonical is returned (wrapped) by [Parse] for bytes that decode
// but are not the canonical form of what they hold.
var ErrNotCanonical = errors.New("log entry is not in canonical form")

// Entry is one record of the transparency log: a document made public
// (TypePublish) or withdrawn (TypeWithdraw). Its canonical bytes
// ([Marshal]) are what the log holds; docs/formats/log-entry.md specifies
// them.
type Entry struct {
	Version int    `json:"v"`    // EntryVersion; 0 is taken as EntryVersion by Marshal
	Type    string `json:"type"` // TypePublish or TypeWithdraw
	Number  int64  `json:"number"`
	ID      string `json:"id"` // the public id: 32 lowercase hex digits
	Release string `json:"release"`
	// Time is when the document was published or withdrawn, to the
	// second, in UTC.
	Time time.Time `json:"time"`

	// Files are the published bytes (publish entries only).
	Files []File `json:"files,omitempty"`
	// Commitment is, for a document published as a redacted derivative,
	// the hex SHA-256 of "dossier-commit-v1\x00" || salt || the raw
	// SHA-256 of the original (see [Commit]); never the original's hash.
	Commitment string `json:"commitment,omitempty"`
	// DKIM summarises the stored authenticity report of a message.
	DKIM *DKIM `json:"dkim,omitempty"`

	// Reason says why a document was withdrawn (withdraw entries only).
	Reason string `json:"reason,omitempty"`
}

// File is one published file.
type File struct {
	Role   string `json:"role"`   // FileOriginal or FileRedacted
	SHA256 string `json:"sha256"` // lowercase hex
	Size   int64  `json:"size"`
}

// DKIM is the verdict of a message with each signature's domain, selector
// and result.
type DKIM struct {
	Verdict    string      `json:"verdict"`
	Signatures []Signature `json:"signatures"`
}

// Signature is one DKIM signature's outcome.
type Signature struct {
	Domain   string `json:"domain"`
	Selector string `json:"selector"`
	Result   string `json:"result"`
}

// DKIMSummary reduces a stored report to what a log entry says; nil for
// nil.
func DKIMSummary(r *dkim.Report) *DKIM {
	if r == nil {
		return nil
	}
	out := &DKIM{Verdict: string(r.Verdict), Signatures: make([]Signature, 0, len(r.Signatures))}
	for _, s := range r.Signatures {
		out.Signatures = append(out.Signatures, Signature{Domain: s.Domain, Selector: s.Selector, Result: string(s.Result)})
	}
	return out
}

// Commit returns the hex commitment to an original whose hex SHA-256 is
// sha, under a secret salt: SHA-256("dossier-commit-v1\x00" || salt ||
// raw sha). Revealing the salt later proves which original a redacted
// document came from; without it the commitment says nothing about it.
func Commit(salt []byte, sha string) (string, error) {
	raw, err := hex.DecodeString(sha)
	if err != nil || len(raw) != 32 {
		return "", fmt.Errorf("commit: bad sha256 %q", sha)
	}
	return hexSHA256([]byte("dossier-commit-v1\x00"), salt, raw), nil
}

// Marshal returns e's canonical bytes: one line of JSON with the fields
// in a fixed order, no insignificant white space, strings escaped only
// where JSON requires it, the time as RFC 3339 UTC seconds. It fails on
// an invalid entry or one longer than MaxEntrySize.
func Marshal(e *Entry) ([]byte, error) {
	if err := e.validate(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, 256)
	b = append(b, `{"v":`...)
	b = strconv.AppendInt(b, EntryVersion, 10)
	b = append(b, `,"type":`...)
	b = appendString(b, e.Type)
	b = append(b, `,"number":`...)
	b = strconv.AppendInt(b, e.Number, 10)
	b = append(b, `,"id":`...)
	b = appendString(b, e.ID)
	b = append(b, `,"release":`...)
	b = appendString(b, e.Release)
	b = append(b, `,"time":`...)
	b = appendString(b, e.Time.UTC().Truncate(time.Second).Format(time.RFC3339))
	if e.Type == TypePublish || e.Type == TypeManifest {
		b = append(b, `,"files":[`...)
		for i, f := range e.Files {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"role":`...)
			b = appendString(b, f.Role)
			b = append(b, `,"sha256":`...)
			b = appendString(b, f.SHA256)
			b = append(b, `,"size":`...)
			b = strconv.AppendInt(b, f.Size, 10)
			b = append(b, '}')
		}
		b = append(b, ']')
		if e.Commitment != "" {
			b = append(b, `,"commitment":`...)
			b = appendString(b, e.Commitment)
		}
		if e.DKIM != nil {
			b = append(b, `,"dkim":{"verdict":`...)
			b = appendString(b, e.DKIM.Verdict)
			b = append(b, `,"signatures":[`...)
			for i, s := range e.DKIM.Signatures {
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, `{"domain":`...)
				b = appendString(b, s.Domain)
				b = append(b, `,"selector":`...)
				b = appendString(b, s.Selector)
				b = append(b, `,"result":`...)
				b = appendString(b, s.Result)
				b = append(b, '}')
			}
			b = append(b, "]}"...)
		}
	} else {
		b = append(b, `,"reason":`...)
		b = appendString(b, e.Reason)
	}
	b = append(b, '}')
	if len(b) > MaxEntrySize {
		return nil, fmt.Errorf("log entry of document %d: %d bytes, more than %d", e.Number, len(b), MaxEntrySize)
	}
	return b, nil
}

// Parse decodes a log entry and checks that b is exactly its canonical
// form (errors wrap ErrNotCanonical otherwise). It accepts only version
// EntryVersion.
func Parse(b []byte) (*Entry, error) {
	if len(b) > MaxEntrySize {
		return nil, fmt.Errorf("parse log entry: %d bytes, more than %d", len(b), MaxEntrySize)
	}
	var v struct {
		V *int `json:"v"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("parse log entry: %w", err)
	}
	if v.V == nil || *v.V != EntryVersion {
		if v.V == nil {
			return nil, errors.New("parse log entry: no version")
		}
		return nil, fmt.Errorf("parse log entry: unsupported version %d (this dossier reads %d)", *v.V, EntryVersion)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var e Entry
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("parse log entry: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("parse log entry: %w: trailing data", ErrNotCanonical)
	}
	e.Time = e.Time.UTC()
	again, err := Marshal(&e)
	if err != nil {
		return nil, fmt.Errorf("parse log entry: %w", err)
	}
	if !bytes.Equal(again, b) {
		return nil, fmt.Errorf("parse log entry: %w", ErrNotCanonical)
	}
	return &e, nil
}

func (e *Entry) validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("log entry of document %d: "+format, append([]any{e.Number}, a...)...)
	}
	if e.Version != 0 && e.Version != EntryVersion {
		return bad("unsupported version %d", e.Version)
	}
	if e.Type == TypeManifest {
		if e.Number != 0 || e.ID != "" {
			return bad("a manifest entry names no document")
		}
		if e.Release != "" {
			if err := ValidName(e.Release); err != nil {
				return bad("%v", err)
			}
		}
	} else {
		if e.Number <= 0 {
			return bad("no document number")
		}
		if !isHex(e.ID, 32) {
			return bad("bad id %q", e.ID)
		}
		if err := ValidName(e.Release); err != nil {
			return bad("%v", err)
		}
	}
	if e.Time.IsZero() || e.Time.UTC().Year() > 9999 || e.Time.UTC().Year() < 1970 {
		return bad("bad time %v", e.Time)
	}
	switch e.Type {
	case TypePublish:
		if len(e.Files) == 0 {
			return bad("no files")
		}
		redacted := false
		for _, f := range e.Files {
			switch f.Role {
			case FileOriginal:
			case FileRedacted:
				redacted = true
			default:
				return bad("unknown file role %q", f.Role)
			}
			if !isHex(f.SHA256, 64) {
				return bad("bad sha256 %q", f.SHA256)
			}
			if f.Size < 0 {
				return bad("negative size")
			}
		}
		if redacted != (e.Commitment != "") {
			return bad("a redacted file goes with a commitment to its original, and only then")
		}
		if redacted {
			for _, f := range e.Files {
				if f.Role == FileOriginal {
					return bad("an original and a redacted derivative in one entry")
				}
			}
		}
		if e.Commitment != "" && !isHex(e.Commitment, 64) {
			return bad("bad commitment %q", e.Commitment)
		}
		if e.DKIM != nil {
			if e.DKIM.Verdict == "" {
				return bad("dkim without a verdict")
			}
			for _, s := range e.DKIM.Signatures {
				if !utf8.ValidString(s.Domain) || !utf8.ValidString(s.Selector) || !utf8.ValidString(s.Result) {
					return bad("dkim signature is not UTF-8")
				}
			}
			if !utf8.ValidString(e.DKIM.Verdict) {
				return bad("dkim verdict is not UTF-8")
			}
		}
		if e.Reason != "" {
			return bad("a reason in a publish entry")
		}
	case TypeManifest:
		if len(e.Files) != 1 || e.Files[0].Role != FileManifest || !isHex(e.Files[0].SHA256, 64) || e.Files[0].Size < 0 {
			return bad("a manifest entry has exactly one file, of role manifest")
		}
		if e.Commitment != "" || e.DKIM != nil || e.Reason != "" {
			return bad("commitment, dkim or reason in a manifest entry")
		}
	case TypeWithdraw:
		if len(e.Files) > 0 || e.Commitment != "" || e.DKIM != nil {
			return bad("files, commitment or dkim in a withdraw entry")
		}
		if e.Reason == "" {
			return bad("withdrawal without a reason")
		}
		if !utf8.ValidString(e.Reason) {
			return bad("reason is not UTF-8")
		}
	default:
		return bad("unknown type %q", e.Type)
	}
	return nil
}

// appendString appends s as a JSON string, escaping only '"', '\\' and
// control characters (\n, \r, \t by name, others as \u00xx); s must be
// valid UTF-8 (checked by validate).
func appendString(b []byte, s string) []byte {
	const hexdigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			b = append(b, '\\', '"')
		case c == '\\':
			b = append(b, '\\', '\\')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexdigits[c>>4], hexdigits[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
