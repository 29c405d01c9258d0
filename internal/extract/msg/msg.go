// Package msg extracts Outlook messages: .msg files (MAPI properties in a
// Compound File Binary container, [MS-OXMSG]) and TNEF streams
// (winmail.dat, application/ms-tnef, [MS-OXTNEF]).
//
// # What a message yields
//
// [Parse] returns the envelope as an [Email] (the fields of an email
// document: From, To, Cc, Bcc, Subject, Date, Message-ID, In-Reply-To,
// References, the transport headers as received) and an
// [extract.Result] whose Text is the body: PR_BODY when present, else
// PR_HTML rendered as text, else the compressed RTF body (PR_RTF_COMPRESSED,
// decompressed by [DecompressRTF]) de-encapsulated to HTML or stripped to
// text. [Extract], the [extract.Extractor], also writes the envelope into
// Meta.Extra under these keys:
//
//	"from", "to", "cc", "bcc"   addresses as "Name <addr>", comma-separated
//	"sender"                    the sender, when it differs from "from" (sent on behalf)
//	"subject"                   the subject
//	"date"                      RFC 3339: client submit time, else delivery time, else the Date header
//	"message-id", "in-reply-to", "references"  ids without angle brackets, space-separated
//	"message-class"             IPM.Note, IPM.Appointment, IPM.Contact...
//
// and sets Meta.Title to the subject, Meta.Author to "from", Meta.Created
// and Meta.Modified to the creation and last-modification times.
//
// # Attachments
//
// Every attachment is a child "attachment:N" (N from 1, in storage order)
// named by its long file name. An attached message (msg in msg) is
// written out as a .msg file of its own (a new compound file holding the
// attachment's storage and the parent's named-property map) with MIME
// type application/vnd.ms-outlook, so that it is extracted as a child
// document in turn; an attached OLE object is written out as a compound
// file; attachments by reference are recorded with Skip.
//
// # Limits
//
// Stream reads are charged to zipdoc.Allowance(budget, len(data)) and
// never exceed the file's size (a looping sector chain cannot inflate
// them); children respect Budget.MaxMembers. mscfb panics are recovered
// and reported as errors.
package msg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/extract/email"
	"github.com/newsroom/dossier/internal/extract/textdecode"
	"github.com/newsroom/dossier/internal/extract/zipdoc"
)

var cfbMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// MIME is the media type given to attached messages.
const MIME = "application/vnd.ms-outlook"

// Extractor extracts .msg files; see [Extract].
var Extractor extract.Extractor = extract.Func(Extract)

// Email is the envelope of a message.
type Email struct {
	MessageClass string
	From         []email.Address // the author (PR_SENT_REPRESENTING_*, else PR_SENDER_*)
	Sender       []email.Address // who sent it, when not the author (on behalf of)
	To, Cc, Bcc  []email.Address
	Subject      string
	Date         *time.Time // when sent (or received, for messages never sent)
	MessageID    string
	InReplyTo    []string
	References   []string
	Headers      string // PR_TRANSPORT_MESSAGE_HEADERS: the header section as received; "" for unsent mail
}

// Message is what [Parse] returns.
type Message struct {
	Email  Email
	Result *extract.Result
}

// Extract extracts a .msg file and records its envelope in Meta.Extra (see
// the package documentation for the keys).
func Extract(ctx context.Context, data []byte, mime string, opts extract.Options) (*extract.Result, error) {
	m, err := Parse(ctx, data, opts)
	if err != nil {
		return nil, err
	}
	m.Email.fill(&m.Result.Meta)
	return m.Result, nil
}

// Parse extracts a .msg file.
func Parse(ctx context.Context, data []byte, opts extract.Options) (*Message, error) {
	if !bytes.HasPrefix(data, cfbMagic) {
		return nil, fmt.Errorf("msg: not a compound file: %w", extract.ErrUnsupported)
	}
	left := zipdoc.Allowance(opts.Budget, len(data))
	root, err := readCFB(data, &left)
	if root == nil {
		return nil, fmt.Errorf("msg: %w", err)
	}
	if root.child("__properties_version1.0") == nil && root.child("__substg1.0_0037001F") == nil && root.child("__substg1.0_0037001E") == nil {
		if err != nil {
			return nil, fmt.Errorf("msg: %w", err)
		}
		return nil, fmt.Errorf("msg: compound file without message properties: %w", extract.ErrUnsupported)
	}
	p := &parser{ctx: ctx, opts: opts, left: left, res: &extract.Result{}, root: root}
	if err != nil {
		p.problem("%v", err)
	}
	m := p.message(root, 32)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return m, nil
}

type parser struct {
	ctx  context.Context
	opts extract.Options
	left int64
	res  *extract.Result
	root *node
}

func (p *parser) problem(format string, args ...any) {
	if len(p.res.Problems) < 100 {
		p.res.Problems = append(p.res.Problems, fmt.Sprintf(format, args...))
	}
}

// maxBody bounds a body's text.
const maxBody = 64 << 20

func (p *parser) message(dir *node, headerLen int) *Message {
	pr := newProps(dir, headerLen)
	// 8-bit strings are in the message's code page, which Outlook may
	// leave out: then the locale's ANSI code page, then the internet one.
	icp, _ := pr.int32(prInternetCPID)
	if cp, ok := pr.int32(prMessageCodepage); ok {
		pr.codepage = codepageLabel(cp)
	} else if lcid, ok := pr.int32(prMessageLocaleID); ok && lcidCodepage(lcid) != 0 {
		pr.codepage = codepageLabel(lcidCodepage(lcid))
	} else {
		pr.codepage = codepageLabel(icp)
	}
	pr.htmlCodepage = codepageLabel(icp)
	m := &Message{Result: p.res}
	e := &m.Email
	e.MessageClass = pr.str(prMessageClass)
	e.Subject = pr.str(prSubject)
	e.Headers = pr.str(prTransportHeaders)
	var hdr *email.Message
	if strings.TrimSpace(e.Headers) != "" {
		h, err := email.Parse([]byte(strings.TrimRight(e.Headers, "\r\n")+"\r\n\r\n"), email.Limits{MaxParts: 1, MaxTextBytes: 1})
		if err == nil {
			hdr = h
		}
	}
	// Author and sender.
	rep := mapiAddress(pr, prSentRepName, prSentRepEmail, prSentRepAddrType, prSentRepSMTPAddress)
	snd := mapiAddress(pr, prSenderName, prSenderEmail, prSenderAddrType, prSenderSMTPAddress)
	switch {
	case rep != (email.Address{}):
		e.From = []email.Address{rep}
		if snd != (email.Address{}) && !strings.EqualFold(snd.Addr, rep.Addr) {
			e.Sender = []email.Address{snd}
		}
	case snd != (email.Address{}):
		e.From = []email.Address{snd}
	case hdr != nil:
		e.From = hdr.From
	}
	if hdr != nil && len(e.From) == 1 && !strings.Contains(e.From[0].Addr, "@") && len(hdr.From) == 1 && strings.Contains(hdr.From[0].Addr, "@") {
		// An Exchange-internal (X.500) address: the headers have the SMTP one.
		e.From[0].Addr = hdr.From[0].Addr
	}
	// Recipients.
	for _, r := range storages(dir, "__recip_version1.0_#") {
		rp := newProps(r, 8)
		rp.codepage = pr.codepage
		a := mapiAddress(rp, prDisplayName, prEmailAddress, prAddrType, prSMTPAddress)
		if a.Name == "" {
			a.Name = rp.str(prRecipDisplayName)
		}
		typ, _ := rp.int32(prRecipientType)
		switch typ & 0xF {
		case 2:
			e.Cc = append(e.Cc, a)
		case 3:
			e.Bcc = append(e.Bcc, a)
		default:
			e.To = append(e.To, a)
		}
	}
	if hdr != nil {
		if len(e.To) == 0 && len(e.Cc) == 0 {
			e.To, e.Cc = hdr.To, hdr.Cc
		}
		if e.Subject == "" {
			e.Subject = hdr.Subject
		}
	}
	// Date and ids.
	e.Date = pr.time(prClientSubmitTime)
	if e.Date == nil && hdr != nil && !hdr.Date.IsZero() {
		d := hdr.Date
		e.Date = &d
	}
	if e.Date == nil {
		e.Date = pr.time(prDeliveryTime)
	}
	e.MessageID = strings.Trim(strings.TrimSpace(pr.str(prInternetMessageID)), "<>")
	if e.MessageID == "" && hdr != nil {
		e.MessageID = hdr.MessageID
	}
	e.InReplyTo = msgIDs(pr.str(prInReplyTo))
	e.References = msgIDs(pr.str(prReferences))
	if hdr != nil {
		if len(e.InReplyTo) == 0 {
			e.InReplyTo = hdr.InReplyTo
		}
		if len(e.References) == 0 {
			e.References = hdr.References
		}
	}
	m.Result.Meta.Created = pr.time(prCreationTime)
	m.Result.Meta.Modified = pr.time(prLastModTime)
	p.body(pr)
	p.attachments(dir)
	return m
}

// mapiAddress reads a name/address property group, preferring the SMTP
// address to an Exchange (X.500) one.
func mapiAddress(pr *props, name, addr, addrType, smtp uint16) email.Address {
	a := email.Address{Name: strings.TrimSpace(pr.str(name))}
	s := strings.TrimSpace(pr.str(smtp))
	raw := strings.TrimSpace(pr.str(addr))
	switch {
	case s != "":
		a.Addr = s
	case raw != "":
		a.Addr = raw
	}
	if a.Name == a.Addr && a.Addr != "" && !strings.Contains(a.Addr, "@") {
		a.Addr = ""
	}
	return a
}

func msgIDs(s string) []string {
	var out []string
	for _, f := range strings.Fields(s) {
		if f = strings.Trim(f, "<>,"); f != "" && len(out) < 1000 {
			out = append(out, f)
		}
	}
	return out
}

// storages returns the child storages whose names start with prefix,
// sorted by name.
func storages(dir *node, prefix string) []*node {
	var out []*node
	for _, c := range dir.order {
		if c.storage && strings.HasPrefix(strings.ToUpper(c.name), strings.ToUpper(prefix)) {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToUpper(out[i].name) < strings.ToUpper(out[j].name) })
	return out
}

// body chooses the message text: plain, else HTML, else RTF.
func (p *parser) body(pr *props) {
	if plain := pr.str(prBody); strings.TrimSpace(plain) != "" {
		p.res.Text = normalizeNewlines(cut(plain, maxBody))
		return
	}
	if b, t, ok := pr.stream(prHTML, ptBinary, ptUnicode, ptString8); ok && len(b) > 0 {
		var html string
		if t == ptBinary {
			d := textdecode.ToUTF8(b, pr.htmlCodepage, true)
			html = d.Text
		} else {
			html = pr.decodeString(b, t)
		}
		if s := textdecode.HTMLToText(cut(html, maxBody)); strings.TrimSpace(s) != "" {
			p.res.Text = s
			return
		}
	}
	if b := pr.bin(prRTFCompressed); len(b) > 0 {
		raw, err := DecompressRTF(b, maxBody)
		if err != nil {
			p.problem("RTF body: %v", err)
		}
		if len(raw) > 0 {
			s, html := rtfText(raw, maxBody)
			if html {
				s = textdecode.HTMLToText(s)
			}
			p.res.Text = normalizeNewlines(strings.TrimSpace(s))
		}
	}
}

func normalizeNewlines(s string) string {
	return strings.ReplaceAll(s, "\r\n", "\n")
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// attachments adds the attachments of the message in dir as children.
func (p *parser) attachments(dir *node) {
	maxMembers := zipdoc.Resolve(p.opts.Budget).MaxMembers
	for i, a := range storages(dir, "__attach_version1.0_#") {
		if err := p.ctx.Err(); err != nil {
			return
		}
		path := fmt.Sprintf("attachment:%d", i+1)
		if len(p.res.Children) >= maxMembers {
			p.problem("%s and later: over the member budget (%d)", path, maxMembers)
			return
		}
		ap := newProps(a, 8)
		c := extract.Child{Path: path}
		c.Name = firstNonEmpty(ap.str(prAttachLongFilename), ap.str(prAttachFilename), ap.str(prDisplayName))
		c.MIME = strings.ToLower(strings.TrimSpace(ap.str(prAttachMimeTag)))
		c.Modified = ap.time(prLastModTime)
		method, _ := ap.int32(prAttachMethod)
		obj := a.child(fmt.Sprintf("__substg1.0_%04X%04X", prAttachDataBin, ptObject))
		switch {
		case obj != nil && obj.storage:
			isMsg := method == 5 || obj.child("__properties_version1.0") != nil && obj.child("__substg1.0_001A001F") != nil || obj.child("__substg1.0_001A001E") != nil
			data, err := p.repackage(obj, isMsg)
			switch {
			case errors.Is(err, extract.ErrBudget):
				c.Skip = "over the expansion budget"
			case err != nil:
				c.Failed = err.Error()
			default:
				c.Data = data
			}
			if isMsg {
				c.MIME = MIME
				if c.Name == "" {
					c.Name = "message"
				}
				if !strings.HasSuffix(strings.ToLower(c.Name), ".msg") {
					c.Name += ".msg"
				}
			}
		case method >= 2 && method <= 4:
			c.Skip = "attachment by reference to " + firstNonEmpty(ap.str(prAttachLongPathname), ap.str(prAttachPathname), "an external file") + ", not included"
		default:
			c.Data = ap.bin(prAttachDataBin)
			if c.Data == nil {
				c.Data = []byte{}
			}
		}
		if c.Name == "" {
			c.Name = fmt.Sprintf("attachment-%d%s", i+1, ap.str(prAttachExtension))
		}
		p.res.Children = append(p.res.Children, c)
	}
}

// repackage writes an attachment's object storage as a compound file of
// its own. An embedded message's properties header is widened from 24 to
// the 32 bytes of a top-level message, and the parent's named-property
// map is copied in, so that the result is an ordinary .msg file.
func (p *parser) repackage(obj *node, isMsg bool) ([]byte, error) {
	root := &node{name: "Root Entry", storage: true, clsid: obj.clsid}
	for _, c := range obj.order {
		if isMsg && !c.storage && strings.EqualFold(c.name, "__properties_version1.0") && len(c.data) >= 24 {
			b := make([]byte, 0, len(c.data)+8)
			b = append(b, c.data[:24]...)
			b = append(b, make([]byte, 8)...)
			b = append(b, c.data[24:]...)
			root.add(&node{name: c.name, data: b})
			continue
		}
		root.add(c)
	}
	if isMsg && root.child("__nameid_version1.0") == nil {
		if n := p.root.child("__nameid_version1.0"); n != nil {
			root.add(n)
		}
	}
	if size := treeSize(root); size > p.left {
		return nil, extract.ErrBudget
	}
	b, err := writeCFB(root)
	if err != nil {
		return nil, err
	}
	p.left -= int64(len(b))
	return b, nil
}

func treeSize(n *node) int64 {
	s := int64(len(n.data)) + 128
	for _, c := range n.order {
		s += treeSize(c)
	}
	return s
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// fill records the envelope in m.
func (e *Email) fill(m *extract.Metadata) {
	if m.Extra == nil {
		m.Extra = map[string]string{}
	}
	set := func(k, v string) {
		if v != "" {
			m.Extra[k] = v
		}
	}
	set("from", addrList(e.From))
	set("sender", addrList(e.Sender))
	set("to", addrList(e.To))
	set("cc", addrList(e.Cc))
	set("bcc", addrList(e.Bcc))
	set("subject", e.Subject)
	if e.Date != nil {
		set("date", e.Date.Format(time.RFC3339))
	}
	set("message-id", e.MessageID)
	set("in-reply-to", strings.Join(e.InReplyTo, " "))
	set("references", strings.Join(e.References, " "))
	set("message-class", e.MessageClass)
	m.Title = e.Subject
	m.Author = addrList(e.From)
}

func addrList(as []email.Address) string {
	var parts []string
	for _, a := range as {
		if s := a.String(); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}
