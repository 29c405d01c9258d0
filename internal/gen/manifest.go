package gen

import (
	"encoding/json"
	"fmt"
	"io"
)

// ManifestVersion is the version of the manifest JSON shape.
//
// Changelog:
//   - 1: first version.
const ManifestVersion = 1

// MaxRecordedThreads bounds how many threads a [Manifest] lists in full;
// the thread counters cover every thread.
const MaxRecordedThreads = 200

// Manifest describes what [Generate] wrote: totals that can be checked
// against the files on disk, and the bounded set of facts (planted markers,
// duplicated messages, the shared attachment, some threads) that exact-hit
// tests look for. Paths are relative to the output directory and use
// forward slashes. Maps are keyed by lowercase charset label or encoding.
type Manifest struct {
	Version int    `json:"version"`
	Seed    int64  `json:"seed"`
	Format  string `json:"format"`

	// Messages counts distinct messages (distinct Message-IDs, forwarded
	// message/rfc822 parts excluded). MaildirMessages + MboxMessages equals
	// Messages + len(Duplicates).
	Messages        int `json:"messages"`
	MaildirMessages int `json:"maildir_messages"`
	MboxMessages    int `json:"mbox_messages"`

	// Mailboxes lists one entry per custodian, in order.
	Mailboxes []Mailbox `json:"mailboxes"`

	// Attachments counts attached files (parts with a filename), forwarded
	// messages excluded; AttachmentTypes splits them by content type.
	Attachments     int            `json:"attachments"`
	AttachmentTypes map[string]int `json:"attachment_types"`
	// Forwarded counts attached message/rfc822 parts.
	Forwarded int `json:"forwarded"`

	// Charsets counts messages by the charset of their body text (all text
	// parts of a message body share one charset); Encodings counts them by
	// the body's Content-Transfer-Encoding; Kinds by body shape: "plain",
	// "alternative" (text and HTML) or "html" (HTML only).
	Charsets  map[string]int `json:"charsets"`
	Encodings map[string]int `json:"encodings"`
	Kinds     map[string]int `json:"kinds"`

	// FromLines counts messages with at least one body line starting with
	// "From " or ">From " (quoted once more in mbox files, mboxrd style).
	FromLines int `json:"from_lines"`

	// ThreadCount counts threads of two messages or more, Replies the
	// messages that answer another, MaxDepth the longest reply chain.
	// Threads lists the first MaxRecordedThreads threads in full.
	ThreadCount int      `json:"thread_count"`
	Replies     int      `json:"replies"`
	MaxDepth    int      `json:"max_depth"`
	Threads     []Thread `json:"threads"`

	Markers    []Marker          `json:"markers"`
	Duplicates []Duplicate       `json:"duplicates"`
	Shared     *SharedAttachment `json:"shared_attachment,omitempty"`
	// DKIM is present when messages were signed (Options.Signed).
	DKIM *DKIMFacts `json:"dkim,omitempty"`
}

// Mailbox describes one custodian's folder.
type Mailbox struct {
	Name    string `json:"name"`    // folder name: maildir/<Name>/, mbox/<Name>.mbox
	Address string `json:"address"` // custodian's address
	// LineEnding is "lf" or "crlf"; it applies to every message of the
	// mailbox, and to the mbox file's separator lines.
	LineEnding string `json:"line_ending"`
	Maildir    int    `json:"maildir"` // messages in maildir/<Name>/{cur,new}
	Mbox       int    `json:"mbox"`    // messages in mbox/<Name>.mbox
}

// Thread is one recorded conversation.
type Thread struct {
	Root    string         `json:"root"` // Message-ID of the first message
	Subject string         `json:"subject"`
	Depth   int            `json:"depth"` // longest reply chain (root alone is 0)
	Members []ThreadMember `json:"members"`
}

// ThreadMember is one message of a thread, root included.
type ThreadMember struct {
	MessageID string `json:"message_id"`
	InReplyTo string `json:"in_reply_to,omitempty"`
}

// Marker is a rare word planted in known messages. Word is the form written
// in the message (before any charset or transfer encoding); Query is the
// term a search should use to find it, through Match: "exact" (the same
// form), "folded" (case and accents folded) or "stemmed" (another
// inflection of the same stem). Where says which part holds it.
type Marker struct {
	Word     string `json:"word"`
	Query    string `json:"query"`
	Match    string `json:"match"`
	Where    string `json:"where"`
	Charset  string `json:"charset"`
	Encoding string `json:"encoding"`
	Hits     []Hit  `json:"hits"`
}

// Where values of a [Marker].
const (
	WhereSubject     = "subject"         // the Subject header (encoded word if not ASCII)
	WhereBody        = "body"            // the text/plain body
	WhereAlternative = "alternative"     // both parts of a multipart/alternative body
	WhereHTML        = "html"            // an HTML-only body
	WhereTextAttach  = "text-attachment" // a .txt or .csv attachment
	WhereForwarded   = "forwarded"       // the body of an attached message/rfc822
	WhereFromLine    = "from-line"       // a body line starting with "From " (mboxrd-quoted in mbox)
)

// Hit is one message holding a marker. Path is the Maildir file or the mbox
// file that holds the message.
type Hit struct {
	MessageID string `json:"message_id"`
	Path      string `json:"path"`
}

// Duplicate is a message written byte for byte to both a Maildir and an
// mbox file.
type Duplicate struct {
	MessageID string `json:"message_id"`
	Maildir   string `json:"maildir"`
	Mbox      string `json:"mbox"`
}

// SharedAttachment is one attachment attached, byte-identical, to several
// messages.
type SharedAttachment struct {
	Filename    string   `json:"filename"`
	ContentType string   `json:"content_type"`
	SHA256      string   `json:"sha256"` // hex of the decoded bytes
	Size        int      `json:"size"`
	Messages    []string `json:"messages"` // Message-IDs
}

// ThreadRoot returns the root Message-ID of the recorded thread holding
// messageID, and false when messageID is in no recorded thread.
func (m *Manifest) ThreadRoot(messageID string) (string, bool) {
	for _, t := range m.Threads {
		for _, mm := range t.Members {
			if mm.MessageID == messageID {
				return t.Root, true
			}
		}
	}
	return "", false
}

// Marker returns the planted marker whose Word is word.
func (m *Manifest) Marker(word string) (Marker, bool) {
	for _, mk := range m.Markers {
		if mk.Word == word {
			return mk, true
		}
	}
	return Marker{}, false
}

// WriteManifest writes m to w as indented JSON. The output is deterministic:
// the same manifest always gives the same bytes.
func WriteManifest(w io.Writer, m *Manifest) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return fmt.Errorf("gen: write manifest: %w", err)
	}
	return nil
}

// ReadManifest decodes a manifest written by [WriteManifest].
func ReadManifest(r io.Reader) (*Manifest, error) {
	var m Manifest
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		return nil, fmt.Errorf("gen: read manifest: %w", err)
	}
	if m.Version != ManifestVersion {
		return nil, fmt.Errorf("gen: read manifest: unsupported version %d", m.Version)
	}
	return &m, nil
}
