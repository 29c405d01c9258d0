package msg

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/extract/email"
	"github.com/newsroom/dossier/internal/extract/textdecode"
	"github.com/newsroom/dossier/internal/extract/zipdoc"
)

// TNEFMIME is the media type of TNEF streams (winmail.dat).
const TNEFMIME = "application/ms-tnef"

// TNEFExtractor extracts TNEF streams; see [ExtractTNEF].
var TNEFExtractor extract.Extractor = extract.Func(ExtractTNEF)

const tnefSignature = 0x223E9F78

// TNEF attributes ([MS-OXTNEF] 2.1.3).
const (
	attFrom             = 0x00008000
	attSubject          = 0x00018004
	attDateSent         = 0x00038005
	attMessageID        = 0x00018009
	attBody             = 0x0002800C
	attAttachData       = 0x0006800F
	attAttachTitle      = 0x00018010
	attAttachModifyDate = 0x00038013
	attAttachRenddata   = 0x00069002
	attMAPIProps        = 0x00069003
	attAttachment       = 0x00069005
	attOemCodepage      = 0x00069007
	attMessageClass     = 0x00078008
)

// ErrTNEF is wrapped by errors for input that is not TNEF.
var ErrTNEF = errors.New("msg: not a TNEF stream")

// maxTNEFDepth bounds TNEF streams nested in attached messages.
const maxTNEFDepth = 8

// ExtractTNEF extracts a TNEF stream (winmail.dat): the message body as
// Text (attBody or PR_BODY, else PR_HTML as text, else the compressed RTF
// body), subject, sender, date and message id into Meta as [Extract]
// does, and each attachment as a child "attachment:N" named by its long
// file name (PR_ATTACH_LONG_FILENAME, else attAttachTitle). An attached
// message, itself TNEF-encoded, is a child with MIME application/ms-tnef.
// A stream that stops making sense (garbage at the end, a bad length)
// keeps what was read before, with a problem.
func ExtractTNEF(ctx context.Context, data []byte, mime string, opts extract.Options) (*extract.Result, error) {
	if len(data) < 6 || binary.LittleEndian.Uint32(data) != tnefSignature {
		return nil, fmt.Errorf("%w: bad signature", ErrTNEF)
	}
	t := &tnef{ctx: ctx, res: &extract.Result{}, codepage: "windows-1252", maxMembers: zipdoc.Resolve(opts.Budget).MaxMembers, left: zipdoc.Allowance(opts.Budget, len(data))}
	t.parse(data[6:])
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t.finish()
	return t.res, nil
}

type tnefAttachment struct {
	title string
	props *tnefProps
	data  []byte
	mod   *time.Time
}

type tnef struct {
	ctx        context.Context
	res        *extract.Result
	codepage   string
	subject    string
	from       string
	date       *time.Time
	messageID  string
	body       string
	msgProps   *tnefProps
	atts       []*tnefAttachment
	maxMembers int
	left       int64
}

func (t *tnef) problem(format string, args ...any) {
	if len(t.res.Problems) < 100 {
		t.res.Problems = append(t.res.Problems, fmt.Sprintf(format, args...))
	}
}

func (t *tnef) parse(b []byte) {
	var cur *tnefAttachment
	for n := 0; len(b) > 0; n++ {
		if n%256 == 0 && t.ctx.Err() != nil {
			return
		}
		if len(b) < 11 {
			t.problem("%d bytes of trailing garbage", len(b))
			return
		}
		level := b[0]
		id := binary.LittleEndian.Uint32(b[1:])
		size := binary.LittleEndian.Uint32(b[5:])
		if level != 1 && level != 2 || uint64(size)+11 > uint64(len(b)) {
			t.problem("attribute %#x: bad level or length; %d bytes left unread", id, len(b))
			return
		}
		v := b[9 : 9+size]
		b = b[11+size:] // the checksum is not checked: a wrong one costs nothing
		switch id {
		case attOemCodepage:
			if len(v) >= 4 {
				if l := codepageLabel(int32(binary.LittleEndian.Uint32(v))); l != "" {
					t.codepage = l
				}
			}
		case attSubject:
			t.subject = t.str(v)
		case attFrom:
			t.from = tnefTriple(v, t)
		case attDateSent:
			t.date = tnefDate(v)
		case attMessageID:
			t.messageID = t.str(v)
		case attBody:
			t.body = t.str(v)
		case attMAPIProps:
			t.msgProps = t.props(v)
		case attAttachRenddata:
			if len(t.atts) >= t.maxMembers {
				t.problem("attachments over the member budget (%d)", t.maxMembers)
				cur = &tnefAttachment{}
				continue
			}
			cur = &tnefAttachment{}
			t.atts = append(t.atts, cur)
		case attAttachTitle, attAttachData, attAttachment, attAttachModifyDate:
			if cur == nil {
				// Some writers omit the rendering attribute for the first
				// attachment.
				cur = &tnefAttachment{}
				t.atts = append(t.atts, cur)
			}
			switch id {
			case attAttachTitle:
				cur.title = t.str(v)
			case attAttachData:
				cur.data = v
			case attAttachment:
				cur.props = t.props(v)
			case attAttachModifyDate:
				cur.mod = tnefDate(v)
			}
		}
	}
}

func (t *tnef) str(v []byte) string {
	return strings.TrimSpace(textdecode.ToUTF8(trimNulBytes(v), t.codepage, false).Text)
}

// tnefTriple decodes attFrom: a TRP structure with display name and
// address.
func tnefTriple(v []byte, t *tnef) string {
	if len(v) < 8 {
		return ""
	}
	nameLen, addrLen := int(binary.LittleEndian.Uint16(v[4:])), int(binary.LittleEndian.Uint16(v[6:]))
	rest := v[8:]
	if nameLen+addrLen > len(rest) {
		return ""
	}
	name, addr := t.str(rest[:nameLen]), t.str(rest[nameLen:nameLen+addrLen])
	if i := strings.IndexByte(addr, ':'); i >= 0 && i < 8 {
		addr = addr[i+1:] // "SMTP:x@y"
	}
	return email.Address{Name: name, Addr: addr}.String()
}

// tnefDate decodes a DTR structure.
func tnefDate(v []byte) *time.Time {
	if len(v) < 12 {
		return nil
	}
	f := func(i int) int { return int(binary.LittleEndian.Uint16(v[2*i:])) }
	if f(0) < 1602 || f(1) < 1 || f(1) > 12 {
		return nil
	}
	d := time.Date(f(0), time.Month(f(1)), f(2), f(3), f(4), f(5), 0, time.UTC)
	return &d
}

// tnefProps holds MAPI properties decoded from a TNEF property list.
type tnefProps struct {
	vals  map[uint16][]byte // first value of each property, by id
	types map[uint16]uint16
}

func (p *tnefProps) get(id uint16) ([]byte, uint16, bool) {
	if p == nil {
		return nil, 0, false
	}
	v, ok := p.vals[id]
	return v, p.types[id], ok
}

// str returns a string property.
func (p *tnefProps) str(id uint16, codepage string) string {
	v, typ, ok := p.get(id)
	if !ok {
		return ""
	}
	switch typ {
	case ptUnicode:
		return strings.TrimSpace(trimNul(utf16String(v)))
	case ptString8:
		return strings.TrimSpace(textdecode.ToUTF8(trimNulBytes(v), codepage, false).Text)
	}
	return ""
}

// props decodes a MAPI property list ([MS-OXTNEF] 2.1.3.5).
func (t *tnef) props(b []byte) *tnefProps {
	p := &tnefProps{vals: map[uint16][]byte{}, types: map[uint16]uint16{}}
	r := &reader{b: b}
	count := r.u32()
	for i := uint32(0); i < count && r.ok(); i++ {
		typ, id := r.u16(), r.u16()
		if id >= 0x8000 { // named property: GUID, kind, id or name
			r.skip(16)
			if kind := r.u32(); kind == 1 {
				r.skip(pad4(int(r.u32())))
			} else {
				r.skip(4)
			}
		}
		base := typ &^ 0x1000
		n := uint32(1)
		if typ&0x1000 != 0 {
			n = r.u32()
		}
		if base == 0x0001 { // PT_NULL: no value
			continue
		}
		switch base {
		case ptString8, ptUnicode, ptBinary, ptObject:
			if typ&0x1000 == 0 {
				n = r.u32() // variable-length values carry a count even when single
			}
		}
		// Every value takes at least four bytes: a count beyond that is a lie.
		if uint64(n) > uint64(len(r.b)/4) {
			t.problem("MAPI property %#04x: %d values in %d bytes; the rest of the list skipped", id, n, len(r.b))
			return p
		}
		for j := uint32(0); j < n && r.ok(); j++ {
			var v []byte
			switch base {
			case ptString8, ptUnicode, ptBinary, ptObject:
				size := r.u32()
				v = r.bytes(int(size))
				r.skip(pad4(int(size)) - int(size))
			case 0x0002, 0x0003, 0x0004, 0x000A, 0x000B: // int16, int32, float, error, bool
				v = r.bytes(4)
			case 0x0005, 0x0006, 0x0007, 0x0014, 0x0040: // double, currency, apptime, int64, systime
				v = r.bytes(8)
			case 0x0048: // CLSID
				v = r.bytes(16)
			default:
				t.problem("MAPI property %#04x: unknown type %#04x; the rest of the list skipped", id, typ)
				return p
			}
			if j == 0 && r.ok() {
				if _, dup := p.vals[id]; !dup && len(p.vals) < 10000 {
					p.vals[id], p.types[id] = v, base
				}
			}
		}
	}
	if !r.ok() {
		t.problem("MAPI property list truncated")
	}
	return p
}

func pad4(n int) int { return (n + 3) &^ 3 }

// reader reads little-endian values, going sticky-bad past the end.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) ok() bool { return !r.bad }

func (r *reader) bytes(n int) []byte {
	if r.bad || n < 0 || n > len(r.b) {
		r.bad = true
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) skip(n int) { r.bytes(n) }

func (r *reader) u16() uint16 {
	if v := r.bytes(2); v != nil {
		return binary.LittleEndian.Uint16(v)
	}
	return 0
}

func (r *reader) u32() uint32 {
	if v := r.bytes(4); v != nil {
		return binary.LittleEndian.Uint32(v)
	}
	return 0
}

// iidIMessage starts the value of an attached message (PR_ATTACH_DATA_OBJ).
var iidIMessage = []byte{0x07, 0x03, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}

// finish builds the result.
func (t *tnef) finish() {
	res := t.res
	mp := t.msgProps
	subject := firstNonEmpty(mp.str(prSubject, t.codepage), t.subject)
	body := t.body
	if strings.TrimSpace(body) == "" {
		body = mp.str(prBody, t.codepage)
	}
	if strings.TrimSpace(body) == "" {
		if v, typ, ok := mp.get(prHTML); ok {
			html := string(v)
			if typ == ptUnicode {
				html = utf16String(v)
			} else {
				html = textdecode.ToUTF8(v, "", true).Text
			}
			body = textdecode.HTMLToText(html)
		}
	}
	if strings.TrimSpace(body) == "" {
		if v, _, ok := mp.get(prRTFCompressed); ok {
			raw, err := DecompressRTF(v, maxBody)
			if err != nil {
				t.problem("RTF body: %v", err)
			}
			s, html := rtfText(raw, maxBody)
			if html {
				s = textdecode.HTMLToText(s)
			}
			body = strings.TrimSpace(s)
		}
	}
	res.Text = normalizeNewlines(body)
	from := t.from
	if name, addr := mp.str(prSenderName, t.codepage), firstNonEmpty(mp.str(prSenderSMTPAddress, t.codepage), mp.str(prSenderEmail, t.codepage)); name != "" || addr != "" {
		from = email.Address{Name: name, Addr: addr}.String()
	}
	e := Email{Subject: subject, Date: t.date, MessageID: strings.Trim(firstNonEmpty(mp.str(prInternetMessageID, t.codepage), t.messageID), "<>")}
	if v, _, ok := mp.get(prClientSubmitTime); ok && len(v) == 8 {
		if d := filetime(binary.LittleEndian.Uint64(v)); d != nil {
			e.Date = d
		}
	}
	e.MessageClass = mp.str(prMessageClass, t.codepage)
	e.fill(&res.Meta)
	if from != "" {
		res.Meta.Extra["from"] = from
		res.Meta.Author = from
	}
	for i, a := range t.atts {
		c := extract.Child{Path: fmt.Sprintf("attachment:%d", i+1), Modified: a.mod}
		c.Name = firstNonEmpty(a.props.str(prAttachLongFilename, t.codepage), a.title, a.props.str(prDisplayName, t.codepage))
		c.MIME = strings.ToLower(a.props.str(prAttachMimeTag, t.codepage))
		c.Data = a.data
		if v, typ, ok := a.props.get(prAttachDataBin); ok && typ == ptObject && bytes.HasPrefix(v, iidIMessage) {
			c.Data = v[len(iidIMessage):]
			c.MIME = TNEFMIME
		} else if c.Data == nil && ok {
			c.Data = v
		}
		if c.Name == "" {
			c.Name = "Untitled Attachment"
		}
		if c.Data == nil {
			c.Data = []byte{}
		}
		res.Children = append(res.Children, c)
	}
}
