package source

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxMessageBytes is the message size limit used when
// [Limits.MaxMessageBytes] is zero.
const DefaultMaxMessageBytes = 256 << 20

// MaxSeparatorLen is the longest "From " separator line, terminator
// included, that [MboxReader] recognises; a longer line is message data.
// It is also the window in which an mboxrd ">+From " quote must fit.
const MaxSeparatorLen = 1024

// Limits bounds the memory spent on one untrusted item.
type Limits struct {
	// MaxMessageBytes is the most bytes of one message held in memory;
	// the rest is counted but dropped and the message is marked
	// Truncated. Zero means [DefaultMaxMessageBytes].
	MaxMessageBytes int64
}

func (l Limits) maxMessage() int64 {
	if l.MaxMessageBytes <= 0 {
		return DefaultMaxMessageBytes
	}
	return l.MaxMessageBytes
}

// Message is one message of an mbox, as returned by [MboxReader.Next].
//
// The input is partitioned without gaps: for each message, in order,
// Framing bytes (byte order mark, the blank line before the separator, the
// separator line and its line ending), then Size+Unquoted bytes of data
// (Size once the Unquoted ">" bytes of mboxrd quoting are removed), then, for
// the last message only, Trailer bytes. Hence, over all messages, the sum of
// Framing+Size+Unquoted+Trailer is the input size, and
// DataOffset is the sum of everything before it plus its own Framing.
type Message struct {
	// Index is the 1-based position of the message in the mbox.
	Index int
	// Offset is the input offset of the separator line, or DataOffset if
	// the message has no separator.
	Offset int64
	// DataOffset is the input offset of the first byte of the message.
	DataOffset int64
	// Separator is the "From " line, without its line ending. It is nil for
	// bytes found before the first separator (an input that does not start
	// with "From " yields them as a message of its own).
	Separator []byte
	// Data holds the message bytes, quoting removed, otherwise as found
	// (line endings are not normalised). It holds at most
	// [Limits.MaxMessageBytes] bytes and is only valid until the next call
	// to Next; copy it to keep it.
	Data []byte
	// Size is the full size of the message after unquoting; it exceeds
	// len(Data) only when Truncated.
	Size int64
	// Truncated reports that Data holds only the first bytes of the message.
	Truncated bool
	// Framing is the number of input bytes before Data that belong to no
	// message (see the type documentation).
	Framing int64
	// Unquoted is the number of ">" bytes removed by mboxrd unescaping.
	Unquoted int64
	// Trailer is the number of input bytes after Data that belong to no
	// message: the empty line an mbox writer appends after the last
	// message, so that a message stored in an mbox and in a Maildir is the
	// same bytes.
	Trailer int64
}

// MboxReader splits an mbox into messages, streaming, with memory bounded by
// [Limits.MaxMessageBytes] plus a fixed read buffer. Content-Length headers
// are ignored: they are often wrong, and trusting them lets one message hide
// others.
//
// # Lines
//
// A line ends at LF, CRLF or a lone CR, whichever is found; mixed endings
// are accepted line by line. A UTF-8 byte order mark at the start of the
// input is framing.
//
// # Separators
//
// A line starting with "From " (shorter than [MaxSeparatorLen] with its
// line ending) is a
// separator when it is the first line of the input, or follows an empty
// line (mboxo and mboxrd writers guarantee both). To cope with writers that
// omit the blank line (Netscape, Mozilla), a "From " line that follows a
// non-empty line is also a separator if it has the shape of one: "From
// sender date", where date holds a month name, a time hh:mm[:ss] and a
// four-digit year ("From alice@example.com Thu Jan  1 00:00:00 2004"), or
// the Mozilla marker "From -" with an optional such date. Unquoted body
// lines such as "From Russia with love" therefore split a message only when
// they follow an empty line, as in MimeKit.
//
// The single empty line before a separator belongs to the separator, not to
// the message before it: an mbox writer appends it. Likewise the single
// empty line that ends the input is the last message's Trailer. Other empty
// lines stay in the message.
//
// # Quoting
//
// When Unescape is true (the default), a line matching ">+From " loses one
// ">" (mboxrd). Mboxo writers quote "From " as ">From " but leave ">From "
// alone, so for an mboxo file this turns an original ">From " into "From ":
// the two formats cannot be told apart from their content. Set Unescape to
// false to keep every byte of the message data.
type MboxReader struct {
	// Unescape removes one ">" from lines matching ">+From " (mboxrd).
	// NewMboxReader sets it; change it before the first call to Next.
	Unescape bool

	rd    io.Reader
	limit int64

	buf      []byte
	r, w     int   // unread data is buf[r:w]
	runStart int   // message bytes buf[runStart:r] not yet appended to data
	base     int64 // input offset of buf[0]
	eof      bool
	err      error
	done     bool
	started  bool // the byte order mark has been looked for
	lineHead bool // r is at the start of a line
	lf, cr   int  // cached positions of the next '\n' and '\r' at or after r; -1 when unknown

	pending    [2]byte // terminator of an empty line that may belong to the next separator
	pendingLen int

	index int
	cur   msgState
	data  []byte
}

type msgState struct {
	sep        []byte
	offset     int64
	dataOffset int64
	size       int64
	framing    int64
	unquoted   int64
	trailer    int64
}

const mboxBufSize = 128 << 10

// NewMboxReader returns a reader of the messages in r, with Unescape on.
func NewMboxReader(r io.Reader, lim Limits) *MboxReader {
	return newMboxReader(r, lim, mboxBufSize)
}

// newMboxReader uses a read buffer of bufSize bytes, which must exceed
// 2*MaxSeparatorLen.
func newMboxReader(r io.Reader, lim Limits, bufSize int) *MboxReader {
	return &MboxReader{
		Unescape: true,
		rd:       r,
		limit:    lim.maxMessage(),
		buf:      make([]byte, bufSize),
		lineHead: true,
		lf:       -1,
		cr:       -1,
	}
}

var fromSpace = []byte("From ")

// Next returns the next message. It returns io.EOF after the last one, and a
// wrapped read error if the underlying reader fails (and keeps returning
// it). An input that ends in the middle of a message yields that message
// as it is; an empty input yields no message.
func (m *MboxReader) Next() (Message, error) {
	if m.err != nil {
		return Message{}, m.err
	}
	if m.done {
		return Message{}, io.EOF
	}
	if !m.started {
		m.started = true
		if err := m.ensure(len(utf8BOM)); err != nil {
			return Message{}, err
		}
		if bytes.HasPrefix(m.buf[m.r:m.w], utf8BOM) {
			m.r += len(utf8BOM)
			m.runStart = m.r
			m.cur.framing += int64(len(utf8BOM))
		}
		m.cur.dataOffset = m.base + int64(m.r)
		m.cur.offset = m.cur.dataOffset
	}
	for {
		if m.lineHead {
			if m.w-m.r < MaxSeparatorLen && !m.eof {
				if err := m.ensure(MaxSeparatorLen); err != nil {
					return Message{}, err
				}
			}
			if m.r == m.w {
				return m.finish()
			}
			if msg, ok := m.lineStart(); ok {
				return msg, nil
			}
			continue
		}
		if m.r == m.w {
			if m.eof {
				return m.finish()
			}
			if err := m.ensure(1); err != nil {
				return Message{}, err
			}
			continue
		}
		e := m.findEOL()
		if e < 0 {
			m.r = m.w
			continue
		}
		if m.buf[e] == '\r' {
			if e+1 == m.w && !m.eof {
				// Is it CRLF or a lone CR? Read on to know.
				m.r = e
				if err := m.ensure(2); err != nil {
					return Message{}, err
				}
				continue
			}
			if e+1 < m.w && m.buf[e+1] == '\n' {
				e++
			}
		}
		m.r = e + 1
		m.lineHead = true
	}
}

// lineStart looks at the line starting at m.r, with MaxSeparatorLen bytes
// buffered or the end of input. It consumes an empty line, a separator or a
// quoting ">", or clears lineHead for an ordinary line. It returns a message
// when a separator ends one.
func (m *MboxReader) lineStart() (Message, bool) {
	b := m.buf[m.r:m.w]
	switch b[0] {
	case '\n', '\r':
		tl := 1
		if b[0] == '\r' && len(b) > 1 && b[1] == '\n' {
			tl = 2
		}
		m.flushRun()
		m.flushPending()
		copy(m.pending[:], b[:tl])
		m.pendingLen = tl
		m.r += tl
		m.runStart = m.r
		return Message{}, false
	case 'F':
		if bytes.HasPrefix(b, fromSpace) {
			if msg, ok, isSep := m.separator(b); isSep {
				return msg, ok
			}
		}
	case '>':
		if m.Unescape {
			w := b[:min(len(b), MaxSeparatorLen)]
			n := 1
			for n < len(w) && w[n] == '>' {
				n++
			}
			if bytes.HasPrefix(w[n:], fromSpace) {
				m.flushRun()
				m.flushPending()
				m.r++
				m.runStart = m.r
				m.cur.unquoted++
				m.lineHead = false
				return Message{}, false
			}
		}
	}
	m.flushPending()
	m.lineHead = false
	return Message{}, false
}

// separator handles a line b starting with "From ". isSep reports whether it
// was a separator (and consumed); ok whether a finished message is returned.
func (m *MboxReader) separator(b []byte) (msg Message, ok, isSep bool) {
	w := b[:min(len(b), MaxSeparatorLen)]
	e := bytes.IndexAny(w, "\r\n")
	tl := 0
	switch {
	case e >= 0:
		tl = 1
		if w[e] == '\r' && e+1 < len(b) && b[e+1] == '\n' {
			tl = 2
		}
		if e+tl >= MaxSeparatorLen {
			return Message{}, false, false
		}
	case m.eof && len(b) < MaxSeparatorLen:
		e = len(b)
	default:
		return Message{}, false, false
	}
	line := b[:e]
	atStart := m.index == 0 && m.cur.sep == nil && m.cur.size == 0 && m.cur.unquoted == 0
	if !(m.pendingLen > 0 || atStart || looksLikeSeparator(line)) {
		return Message{}, false, false
	}
	m.flushRun()
	sepOffset := m.base + int64(m.r)
	framing := int64(m.pendingLen + e + tl)
	m.pendingLen = 0
	if m.cur.sep != nil || m.cur.size > 0 || m.cur.unquoted > 0 {
		msg, ok = m.emit(), true
		m.cur = msgState{}
		m.data = m.data[:0] // msg.Data keeps its own slice header
	}
	m.cur.sep = bytes.Clone(line)
	m.cur.framing += framing
	m.cur.offset = sepOffset
	m.r += e + tl
	m.runStart = m.r
	m.cur.dataOffset = m.base + int64(m.r)
	return msg, ok, true
}

// looksLikeSeparator reports whether line (without terminator) has the
// shape of an mbox separator: "From sender date" or "From -" (see
// [MboxReader]).
func looksLikeSeparator(line []byte) bool {
	if !bytes.HasPrefix(line, fromSpace) {
		return false
	}
	f := bytes.Fields(line[len(fromSpace):])
	if len(f) == 0 {
		return false
	}
	if len(f) == 1 {
		return string(f[0]) == "-"
	}
	var month, clock, year bool
	for _, t := range f[1:min(len(f), 8)] {
		t = bytes.TrimRight(t, ",")
		switch {
		case len(t) == 3 && isMonth(t):
			month = true
		case isClock(t):
			clock = true
		case len(t) == 4 && isDigits(t):
			year = true
		}
	}
	return month && clock && year
}

var months = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

func isMonth(t []byte) bool {
	for _, mo := range months {
		if bytes.EqualFold(t, []byte(mo)) {
			return true
		}
	}
	return false
}

func isDigits(t []byte) bool {
	for _, c := range t {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(t) > 0
}

// isClock matches h:mm, hh:mm, and the same with :ss.
func isClock(t []byte) bool {
	parts := bytes.Split(t, []byte(":"))
	if len(parts) < 2 || len(parts) > 3 {
		return false
	}
	for i, p := range parts {
		if !isDigits(p) || len(p) > 2 || (i > 0 && len(p) != 2) {
			return false
		}
	}
	return true
}

func (m *MboxReader) emit() Message {
	m.index++
	c := &m.cur
	return Message{
		Index:      m.index,
		Offset:     c.offset,
		DataOffset: c.dataOffset,
		Separator:  c.sep,
		Data:       m.data,
		Size:       c.size,
		Truncated:  c.size > int64(len(m.data)),
		Framing:    c.framing,
		Unquoted:   c.unquoted,
		Trailer:    c.trailer,
	}
}

// finish ends the input. The one empty line an mbox writer appends after
// the last message is framing, as it is before every separator; further
// trailing empty lines stay in the last message.
func (m *MboxReader) finish() (Message, error) {
	m.flushRun()
	c := &m.cur
	if c.sep != nil && m.pendingLen > 0 {
		c.trailer += int64(m.pendingLen)
		m.pendingLen = 0
	}
	m.flushPending()
	m.done = true
	if c.sep == nil && c.size == 0 && c.framing == 0 && c.unquoted == 0 {
		return Message{}, io.EOF
	}
	return m.emit(), nil
}

// appendData adds p to the current message, keeping at most m.limit bytes.
func (m *MboxReader) appendData(p []byte) {
	m.cur.size += int64(len(p))
	room := m.limit - int64(len(m.data))
	if room <= 0 {
		return
	}
	if int64(len(p)) > room {
		p = p[:room]
	}
	if need := len(m.data) + len(p); need > cap(m.data) {
		c := max(2*cap(m.data), need, 4096)
		c = int(min(int64(c), m.limit))
		nd := make([]byte, len(m.data), c)
		copy(nd, m.data)
		m.data = nd
	}
	m.data = append(m.data, p...)
}

func (m *MboxReader) flushRun() {
	if m.r > m.runStart {
		m.appendData(m.buf[m.runStart:m.r])
	}
	m.runStart = m.r
}

func (m *MboxReader) flushPending() {
	if m.pendingLen > 0 {
		m.appendData(m.pending[:m.pendingLen])
		m.pendingLen = 0
	}
}

// findEOL returns the position of the first '\n' or '\r' in buf[r:w], or
// -1. Positions are cached so that a file without CR (or without LF) is
// scanned for it once per buffer, not once per line.
func (m *MboxReader) findEOL() int {
	if m.lf < m.r {
		if i := bytes.IndexByte(m.buf[m.r:m.w], '\n'); i >= 0 {
			m.lf = m.r + i
		} else {
			m.lf = m.w
		}
	}
	if m.cr < m.r {
		if i := bytes.IndexByte(m.buf[m.r:m.w], '\r'); i >= 0 {
			m.cr = m.r + i
		} else {
			m.cr = m.w
		}
	}
	e := min(m.lf, m.cr)
	if e >= m.w {
		return -1
	}
	return e
}

// ensure reads until n bytes are buffered after r or the input ends,
// moving pending message bytes out of the buffer first when it is full.
func (m *MboxReader) ensure(n int) error {
	empty := 0
	for m.w-m.r < n && !m.eof {
		if m.w == len(m.buf) {
			m.flushRun()
			copy(m.buf, m.buf[m.r:m.w])
			m.base += int64(m.r)
			m.w -= m.r
			m.r, m.runStart = 0, 0
		}
		nr, err := m.rd.Read(m.buf[m.w:])
		m.w += nr
		m.lf, m.cr = -1, -1
		switch {
		case errors.Is(err, io.EOF):
			m.eof = true
		case err != nil:
			m.err = fmt.Errorf("read mbox: %w", err)
			return m.err
		case nr == 0:
			if empty++; empty > 100 {
				m.err = fmt.Errorf("read mbox: %w", io.ErrNoProgress)
				return m.err
			}
		}
	}
	return nil
}
