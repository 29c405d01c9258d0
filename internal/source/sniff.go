package source

import (
	"bytes"
	"strings"

	"github.com/gabriel-vasile/mimetype"
)

// Kind is the coarse class of an item, used to route it to an extractor.
// The MIME type returned beside it by [Sniff] is the precise answer.
type Kind string

// The kinds [Sniff] returns.
const (
	KindMbox    Kind = "mbox"    // a mailbox of messages separated by "From " lines
	KindEmail   Kind = "email"   // one RFC 822 message
	KindText    Kind = "text"    // plain text and text-based formats (CSV, JSON, XML, ...)
	KindHTML    Kind = "html"    // HTML or XHTML
	KindPDF     Kind = "pdf"     // PDF
	KindImage   Kind = "image"   // any image/* type
	KindOffice  Kind = "office"  // word processing, spreadsheets, presentations (OOXML, ODF, OLE, RTF)
	KindArchive Kind = "archive" // containers of files: zip, tar, 7z, rar, compressed streams
	KindOther   Kind = "other"   // anything else, including empty input
)

// MIME types [Sniff] returns for the kinds it recognises itself.
const (
	MIMEMbox  = "application/mbox"
	MIMEEmail = "message/rfc822"
	// MIMEPST is an Outlook personal folders file (PST or OST), which
	// mimetype does not know.
	MIMEPST = "application/vnd.ms-outlook-pst"
	// MIMEEmpty is returned for empty input (with [KindOther]), as file(1)
	// does, so that an empty file is not mistaken for an unknown binary.
	MIMEEmpty = "inode/x-empty"
)

// SniffLen is how many leading bytes [Sniff] wants: the whole item when it
// is shorter (mimetype itself looks at the first 3,072 bytes; the rest lets
// Sniff tell a single message with an envelope line from an mbox).
const SniffLen = 64 << 10

// Sniff classifies an item by its first bytes and returns its kind and its
// MIME media type without parameters. Pass the first [SniffLen] bytes of the
// item, or all of it when it is shorter: a head shorter than SniffLen is
// taken to be the whole item.
//
// The rules, in order:
//   - empty input: [KindOther], [MIMEEmpty];
//   - mbox: the first line, after an optional UTF-8 byte order mark, starts
//     with "From " and is either a full separator ("From sender date", see
//     [MboxReader]) or is followed by a mail header line. If the head is the
//     whole item and [MboxReader] finds a single message in it, the item is
//     one message saved with its envelope line: [KindEmail] (its first line
//     is then "From ...", not a header; an [MboxReader] strips it). A
//     longer item stays an mbox, which is safe: the splitter yields one
//     message from a one-message mbox, whereas reading an mbox as one email
//     would hide all but its first message;
//   - email: the input starts with a block of RFC 822 header fields
//     ("Name: value", folded continuation lines allowed, with CRLF, LF or
//     CR-only line endings) in which at least one name is a common mail
//     header (Received, From, Date, Message-ID, Return-Path, Delivered-To,
//     Subject, To, MIME-Version, X-..., ...);
//   - otherwise the MIME type detected by mimetype and its coarse kind.
func Sniff(head []byte) (Kind, string) {
	whole := len(head) < SniffLen
	if !whole {
		head = head[:SniffLen]
	}
	if len(head) == 0 {
		return KindOther, MIMEEmpty
	}
	if looksLikeMbox(head) {
		if whole && countMessages(head) == 1 {
			return KindEmail, MIMEEmail
		}
		return KindMbox, MIMEMbox
	}
	if looksLikeEmail(head) {
		return KindEmail, MIMEEmail
	}
	if bytes.HasPrefix(head, []byte("!BDN")) {
		return KindOther, MIMEPST
	}
	if bytes.HasPrefix(head, []byte{0xD7, 0xCD, 0xC6, 0x9A}) {
		return KindImage, "image/x-wmf" // a placeable Windows metafile
	}
	if len(head) >= 44 && bytes.HasPrefix(head, []byte{1, 0, 0, 0}) && string(head[40:44]) == " EMF" {
		return KindImage, "image/x-emf" // an enhanced metafile
	}
	m := mimetype.Detect(head)
	mt := m.String()
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = strings.TrimSpace(mt[:i])
	}
	return kindOf(m, mt), mt
}

// countMessages splits b as an mbox, holding no message data.
func countMessages(b []byte) int {
	m := newMboxReader(bytes.NewReader(b), Limits{MaxMessageBytes: 1}, len(b)+2*MaxSeparatorLen+1)
	n := 0
	for {
		if _, err := m.Next(); err != nil {
			return n
		}
		n++
	}
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// splitHeadLines splits head into lines on LF, CRLF or a lone CR, without
// the terminators. The last line is dropped when it has no terminator and
// is not the only line: it may have been cut by the end of the head.
func splitHeadLines(head []byte, max int) [][]byte {
	var lines [][]byte
	for len(head) > 0 && len(lines) < max {
		i := bytes.IndexAny(head, "\r\n")
		if i < 0 {
			if len(lines) == 0 {
				lines = append(lines, head)
			}
			break
		}
		lines = append(lines, head[:i])
		if head[i] == '\r' && i+1 < len(head) && head[i+1] == '\n' {
			i++
		}
		head = head[i+1:]
	}
	return lines
}

func looksLikeMbox(head []byte) bool {
	head = bytes.TrimPrefix(head, utf8BOM)
	if !bytes.HasPrefix(head, fromSpace) {
		return false
	}
	lines := splitHeadLines(head, 2)
	if len(lines) == 0 {
		return false
	}
	if looksLikeSeparator(lines[0]) {
		return true
	}
	sender, _, _ := bytes.Cut(lines[0][len(fromSpace):], []byte(" "))
	if len(sender) == 0 || len(lines) < 2 {
		return false
	}
	_, ok := headerName(lines[1])
	return ok
}

// headerName returns the field name of an RFC 822 header line, allowing
// the obsolete white space before the colon.
func headerName(line []byte) (string, bool) {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return "", false
	}
	name := bytes.TrimRight(line[:i], " \t")
	if len(name) == 0 {
		return "", false
	}
	for _, c := range name {
		if c <= ' ' || c >= 0x7F {
			return "", false
		}
	}
	return string(name), true
}

var mailHeaders = map[string]bool{
	"received": true, "from": true, "date": true, "message-id": true,
	"return-path": true, "delivered-to": true, "mime-version": true,
	"subject": true, "to": true, "cc": true, "bcc": true, "reply-to": true,
	"sender": true, "in-reply-to": true, "references": true,
	"content-type": true, "content-transfer-encoding": true,
	"dkim-signature": true, "arc-seal": true, "authentication-results": true,
	"received-spf": true, "envelope-to": true, "x-original-to": true,
	"resent-from": true, "resent-date": true, "user-agent": true,
	"list-id": true, "precedence": true, "thread-index": true,
	"thread-topic": true, "importance": true,
}

func looksLikeEmail(head []byte) bool {
	head = bytes.TrimPrefix(head, utf8BOM)
	lines := splitHeadLines(head, 200)
	known, fields := false, 0
	for i, line := range lines {
		if len(line) == 0 {
			// End of the header block.
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if i == 0 {
				return false
			}
			continue // folded continuation
		}
		name, ok := headerName(line)
		if !ok {
			return false
		}
		fields++
		l := strings.ToLower(name)
		if mailHeaders[l] || strings.HasPrefix(l, "x-") {
			known = true
		}
	}
	return fields > 0 && known
}

var officePrefixes = []string{
	"application/vnd.openxmlformats-officedocument.",
	"application/vnd.oasis.opendocument.",
	"application/vnd.ms-excel",
	"application/vnd.ms-powerpoint",
	"application/vnd.ms-word",
	"application/msword",
	"application/vnd.sun.xml.",
	"application/vnd.wordperfect",
	"application/vnd.ms-visio",
	"application/vnd.ms-publisher",
	"application/vnd.lotus-1-2-3",
	"application/x-ole-storage",
	"text/rtf",
	"application/rtf",
}

var archiveTypes = map[string]bool{
	"application/zip":                   true,
	"application/x-7z-compressed":       true,
	"application/x-rar-compressed":      true,
	"application/vnd.rar":               true,
	"application/x-tar":                 true,
	"application/gzip":                  true,
	"application/x-bzip2":               true,
	"application/x-xz":                  true,
	"application/zstd":                  true,
	"application/x-lzip":                true,
	"application/zlib":                  true,
	"application/x-cpio":                true,
	"application/x-archive":             true,
	"application/x-xar":                 true,
	"application/vnd.ms-cab-compressed": true,
	"application/java-archive":          true,
}

func kindOf(m *mimetype.MIME, mt string) Kind {
	switch {
	case mt == "text/html" || mt == "application/xhtml+xml":
		return KindHTML
	case mt == "application/pdf":
		return KindPDF
	case strings.HasPrefix(mt, "image/"):
		return KindImage
	case mt == "message/rfc822":
		return KindEmail
	}
	for _, p := range officePrefixes {
		if strings.HasPrefix(mt, p) {
			return KindOffice
		}
	}
	if archiveTypes[mt] {
		return KindArchive
	}
	for p := m; p != nil; p = p.Parent() {
		if strings.HasPrefix(p.String(), "text/") {
			return KindText
		}
	}
	return KindOther
}
