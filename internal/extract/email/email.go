package email

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/newsroom/dossier/internal/extract/textdecode"
)

// Message is what Parse extracts from one RFC 5322 / MIME message. Every
// string is valid UTF-8.
type Message struct {
	From, Sender, To, Cc, Bcc, ReplyTo []Address

	Date    time.Time // in the zone written in the header; zero if absent or unreadable
	DateRaw string    // the Date header as found (decoded to UTF-8)

	Subject    string   // RFC 2047 decoded
	MessageID  string   // without angle brackets
	InReplyTo  []string // message ids without angle brackets
	References []string // message ids without angle brackets, oldest first

	// Text is the body as UTF-8 with LF line ends: the text/plain part(s)
	// chosen as the body, or the HTML body converted to text when there is
	// no plain one (TextFromHTML is then set). Truncated to
	// Limits.MaxTextBytes.
	Text         string
	TextFromHTML bool

	// Headers holds every top-level header field in order, decoded for
	// display. The header section is bounded by Limits.MaxHeaderBytes.
	Headers []Header

	// Parts are the leaves of the MIME tree that are not the body, in tree
	// order: attachments, inline images, signatures, delivery reports,
	// alternative renderings of the body, and embedded messages (one Part
	// each, not descended into).
	Parts []Part

	// Problems lists non-fatal defects found while parsing, for the ledger.
	Problems []string
}

// Part is one leaf of the MIME tree that is not the chosen body text.
type Part struct {
	// Path is the part's position in the MIME tree, IMAP style: "1", "2.1".
	// Stable for the same input bytes.
	Path string

	Filename    string // decoded (RFC 2231 / RFC 2047 / 8-bit), as given; "" if none
	ContentType string // lowercased media type without parameters, e.g. "application/pdf"
	Charset     string // the charset parameter as declared, lowercased; "" if none
	Disposition string // "attachment", "inline" or ""
	ContentID   string // without angle brackets
	Description string // Content-Description, decoded

	// Alternative is set for a text rendering of the body that was not
	// chosen (usually the HTML twin of a text/plain body). Callers that
	// only want attachments may skip these.
	Alternative bool

	// Data is the content with its transfer encoding removed (base64,
	// quoted-printable, uuencode) and nothing else changed: no charset
	// conversion, line ends as sent. For message/rfc822 it is the embedded
	// message, to be parsed as a child document.
	Data []byte
}

// Limits bound the work Parse does on hostile input. A zero field takes the
// value from DefaultLimits.
type Limits struct {
	MaxParts       int // MIME entities (leaves and multiparts) examined
	MaxDepth       int // multipart nesting; deeper multiparts become one opaque Part
	MaxHeaderBytes int // size of a header section that is parsed
	MaxTextBytes   int // size of Message.Text
}

// DefaultLimits are generous for real mail and safe for hostile input.
var DefaultLimits = Limits{
	MaxParts:       1000,
	MaxDepth:       32,
	MaxHeaderBytes: 1 << 20,
	MaxTextBytes:   32 << 20,
}

func (l Limits) withDefaults() Limits {
	if l.MaxParts <= 0 {
		l.MaxParts = DefaultLimits.MaxParts
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultLimits.MaxDepth
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultLimits.MaxHeaderBytes
	}
	if l.MaxTextBytes <= 0 {
		l.MaxTextBytes = DefaultLimits.MaxTextBytes
	}
	return l
}

// maxProblems bounds Message.Problems.
const maxProblems = 100

// ErrEmpty is returned for empty input.
var ErrEmpty = errors.New("email: empty message")

// Parse extracts fields, body text and parts from a raw message. It never
// panics and is tolerant: a malformed message yields what could be
// recovered plus Problems. Input without any header is returned as a
// Message whose Text is the input decoded as text, with a Problem. Parse
// does not keep references to raw except through Part.Data, which may alias
// it.
func Parse(raw []byte, lim Limits) (m *Message, err error) {
	if len(raw) == 0 {
		return nil, ErrEmpty
	}
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("email: parser panic: %v", r)
		}
	}()
	p := &parser{lim: lim.withDefaults(), msg: &Message{}}
	p.parse(raw)
	return p.msg, nil
}

// DecodeText converts the bytes of a text part or text file to UTF-8. Its
// contentType is a media type such as "text/html" (HTML is converted to
// plain text) and charset the declared label, possibly "". The returned text
// is always usable; err is non-nil (wrapping ErrCharset) when the label was
// unknown or contradicted by the bytes and a fallback was used.
func DecodeText(data []byte, contentType, charset string) (string, error) {
	r := textdecode.Decode(data, contentType, charset)
	if r.Problem != "" {
		return r.Text, fmt.Errorf("%w: %s", ErrCharset, r.Problem)
	}
	return r.Text, nil
}

// ErrCharset reports that text was decoded with a fallback charset.
var ErrCharset = errors.New("email: charset fallback")

type parser struct {
	lim    Limits
	msg    *Message
	nodes  int // entities examined
	dec    wordDecoder
	capped bool
}

func (p *parser) problem(format string, args ...any) {
	if len(p.msg.Problems) >= maxProblems {
		return
	}
	s := format
	if len(args) > 0 {
		s = fmt.Sprintf(format, args...)
	}
	p.msg.Problems = append(p.msg.Problems, strings.ToValidUTF8(s, "\uFFFD"))
}

func (p *parser) parse(raw []byte) {
	raw = fixLineEnds(raw, p)
	h, body := splitHeader(raw, p.lim.MaxHeaderBytes, true)
	for _, pr := range h.problems {
		p.problem("%s", pr)
	}
	p.dec = wordDecoder{problems: &p.msg.Problems}
	if h.noHeader {
		p.problem("no header found; the whole input is treated as text")
		if looksBinary(raw) {
			p.problem("input looks binary")
		}
	}
	// Unencoded 8-bit header text is read in the message's declared
	// charset when there is one.
	if ct, ok := h.get("content-type"); ok {
		_, params := parseParams(string(ct))
		if cs := params["charset"]; cs != "" {
			if _, name := textdecode.Lookup(cs); name != "" {
				p.dec.fallback = name
			}
		}
	}
	p.headers(&h)
	root := p.entity(&h, body, "", 0, "text/plain")
	p.collect(root)
}

// fixLineEnds converts a message that uses lone CR line ends (classic Mac)
// to LF so the rest of the parser sees lines. Input with any LF is left
// alone.
func fixLineEnds(raw []byte, p *parser) []byte {
	head := raw[:min(len(raw), 64<<10)]
	if bytes.IndexByte(head, '\n') >= 0 || bytes.IndexByte(head, '\r') < 0 {
		return raw
	}
	if bytes.IndexByte(raw, '\n') >= 0 {
		return raw
	}
	p.problem("lines end with CR only; converted to LF")
	return bytes.ReplaceAll(raw, []byte{'\r'}, []byte{'\n'})
}

// looksBinary reports whether b starts with many control bytes.
func looksBinary(b []byte) bool {
	b = b[:min(len(b), 1024)]
	ctl := 0
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' {
			ctl++
		}
	}
	return ctl*10 > len(b)
}

// headers fills the envelope fields and Headers.
func (p *parser) headers(h *headerBlock) {
	m := p.msg
	seen := map[string]bool{}
	m.Headers = make([]Header, 0, len(h.fields))
	for _, f := range h.fields {
		name := strings.ToLower(f.name)
		value := p.dec.decode(f.value)
		m.Headers = append(m.Headers, Header{Name: validName(f.name), Value: value})
		first := !seen[name]
		seen[name] = true
		if !first {
			switch name {
			case "from", "to", "cc", "bcc", "reply-to", "sender", "subject", "date", "message-id", "in-reply-to", "references":
				if name == "to" || name == "cc" || name == "bcc" {
					break // repeated recipient headers are merged below
				}
				p.problem("duplicate %s header; the first is used", f.name)
				continue
			default:
				continue
			}
		}
		switch name {
		case "from":
			m.From = p.addresses(f)
		case "sender":
			m.Sender = p.addresses(f)
		case "to":
			m.To = append(m.To, p.addresses(f)...)
		case "cc":
			m.Cc = append(m.Cc, p.addresses(f)...)
		case "bcc":
			m.Bcc = append(m.Bcc, p.addresses(f)...)
		case "reply-to":
			m.ReplyTo = p.addresses(f)
		case "subject":
			m.Subject = collapseSpace(value)
		case "date":
			m.DateRaw = value
			if t, ok := parseDate(value); ok {
				if y := t.Year(); y < 100 {
					// A two-digit year written with four digits ("18 Oct
					// 0001", common in converted archives such as Enron's):
					// read it as RFC 5322 reads two-digit years, and say so.
					century := 2000
					if y >= 50 {
						century = 1900
					}
					t = t.AddDate(century, 0, 0)
					p.problem("Date header year %04d read as %d", y, t.Year())
				}
				m.Date = t
				if y := t.Year(); y < 1970 || y > 2100 {
					p.problem("implausible year %d in Date header", y)
				}
			} else {
				p.problem("unreadable Date header %q", truncate(value, 100))
			}
		case "message-id":
			if ids := msgIDs(value); len(ids) > 0 {
				m.MessageID = ids[0]
			}
		case "in-reply-to":
			m.InReplyTo = msgIDs(value)
		case "references":
			m.References = msgIDs(value)
		}
	}
}

func (p *parser) addresses(f field) []Address {
	list, bad := parseAddresses(f.value, &p.dec)
	if bad {
		p.problem("malformed %s header; addresses salvaged", validName(f.name))
	}
	return list
}

func validName(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
