package gen

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// This file is an independent reader of the generator's output, written
// with the standard library only, so that the tests do not trust the code
// under test to describe its own output.

// stored is one message as found on disk.
type stored struct {
	path string // relative, slash-separated
	raw  []byte // bytes of the message (mboxrd quoting removed)
}

// readAll returns every message under dir: Maildir files, then mbox
// messages, each in sorted path order.
func readAll(t testing.TB, dir string) []stored {
	t.Helper()
	var out []stored
	var mboxes []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		switch {
		case strings.HasPrefix(rel, "maildir/"):
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out = append(out, stored{rel, b})
		case strings.HasPrefix(rel, "mbox/"):
			mboxes = append(mboxes, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, rel := range mboxes {
		b, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range splitMbox(t, rel, b) {
			out = append(out, stored{rel, m})
		}
	}
	return out
}

// splitMbox splits an mboxrd file: a "From " line starts a message, the
// empty line before it ends the previous one, and one '>' is removed from
// lines matching ^>+From .
func splitMbox(t testing.TB, name string, b []byte) [][]byte {
	t.Helper()
	var msgs [][]byte
	var cur []byte
	started := false
	flush := func() {
		if !started {
			return
		}
		// Drop the empty separator line ("\n" or "\r\n").
		switch {
		case bytes.HasSuffix(cur, []byte("\r\n\r\n")):
			cur = cur[:len(cur)-2]
		case bytes.HasSuffix(cur, []byte("\n\n")):
			cur = cur[:len(cur)-1]
		default:
			t.Errorf("%s: message %d not followed by an empty line", name, len(msgs)+1)
		}
		msgs = append(msgs, cur)
	}
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line = b[:i+1]
		}
		b = b[len(line):]
		switch {
		case bytes.HasPrefix(line, []byte("From ")):
			flush()
			cur, started = nil, true
		case !started:
			t.Fatalf("%s: data before the first From line", name)
		case isFromLine(line) && line[0] == '>':
			cur = append(cur, line[1:]...)
		default:
			cur = append(cur, line...)
		}
	}
	flush()
	return msgs
}

// textPiece is one decoded text/* part.
type textPiece struct {
	sub       string // plain, html, csv
	charset   string
	encoding  string
	filename  string
	text      string // decoded to UTF-8
	forwarded bool   // inside an attached message/rfc822
}

// parsed is one message taken apart.
type parsed struct {
	stored
	id, subject, inReplyTo, refs string
	kind, charset, encoding      string // of the body
	texts                        []textPiece
	attachTypes                  []string
	attachData                   [][]byte // decoded attachment bytes
	forwarded                    int
}

var decoders = map[string]*charmap.Charmap{
	csLatin1: charmap.ISO8859_1, csLatin9: charmap.ISO8859_15,
	csCP1252: charmap.Windows1252, csKOI8R: charmap.KOI8R,
}

func decodeCharset(cs string, b []byte) (string, error) {
	switch cs {
	case csUTF8:
		if !utf8.Valid(b) {
			return "", fmt.Errorf("invalid utf-8")
		}
		return string(b), nil
	case csASCII:
		if !isASCII(b) {
			return "", fmt.Errorf("8-bit byte in us-ascii")
		}
		return string(b), nil
	}
	cm, ok := decoders[cs]
	if !ok {
		return "", fmt.Errorf("unknown charset %q", cs)
	}
	s, err := cm.NewDecoder().Bytes(b)
	if err != nil {
		return "", err
	}
	if bytes.ContainsRune(s, utf8.RuneError) {
		return "", fmt.Errorf("undecodable byte in %s", cs)
	}
	return string(s), nil
}

func decodeTE(te string, b []byte) ([]byte, error) {
	switch strings.ToLower(te) {
	case "", te7bit, te8bit:
		return b, nil
	case teQP:
		return io.ReadAll(quotedprintable.NewReader(bytes.NewReader(b)))
	case teBase64:
		return io.ReadAll(base64.NewDecoder(base64.StdEncoding, &newlineSkipper{r: bytes.NewReader(b)}))
	}
	return nil, fmt.Errorf("unknown transfer encoding %q", te)
}

type newlineSkipper struct{ r io.Reader }

func (n *newlineSkipper) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	j := 0
	for _, c := range p[:k] {
		if c != '\r' && c != '\n' {
			p[j] = c
			j++
		}
	}
	return j, err
}

var wordDecoder = &mime.WordDecoder{CharsetReader: func(cs string, r io.Reader) (io.Reader, error) {
	cm, ok := decoders[strings.ToLower(cs)]
	if !ok {
		return nil, fmt.Errorf("unknown charset %q", cs)
	}
	return cm.NewDecoder().Reader(r), nil
}}

func parse(t testing.TB, s stored) *parsed {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(s.raw))
	if err != nil {
		t.Fatalf("%s: %v", s.path, err)
	}
	p := &parsed{stored: s}
	p.id = msg.Header.Get("Message-ID")
	p.inReplyTo = msg.Header.Get("In-Reply-To")
	p.refs = msg.Header.Get("References")
	if p.subject, err = wordDecoder.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Errorf("%s %s: subject: %v", s.path, p.id, err)
	}
	for _, h := range []string{"From", "To", "Cc"} {
		if v := msg.Header.Get(h); v != "" {
			if _, err := (&mail.AddressParser{WordDecoder: wordDecoder}).ParseList(v); err != nil {
				t.Errorf("%s %s: %s: %v", s.path, p.id, h, err)
			}
		}
	}
	if _, err := msg.Header.Date(); err != nil {
		t.Errorf("%s %s: date: %v", s.path, p.id, err)
	}
	body, err := io.ReadAll(msg.Body)
	if err != nil {
		t.Fatal(err)
	}
	p.walk(t, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), "", body, true, false)
	return p
}

// walk takes one entity apart; top says whether it is (part of) the body
// rather than an attachment.
func (p *parsed) walk(t testing.TB, ctype, te, disp string, body []byte, top, fwd bool) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		t.Errorf("%s %s: content-type %q: %v", p.path, p.id, ctype, err)
		return
	}
	_, dparams, _ := mime.ParseMediaType(disp)
	filename := dparams["filename"]
	switch {
	case strings.HasPrefix(mt, "multipart/"):
		if top && !fwd && p.kind == "" && mt == "multipart/alternative" {
			p.kind = "alternative"
		}
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for k := 0; ; k++ {
			part, err := mr.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Errorf("%s %s: multipart: %v", p.path, p.id, err)
				return
			}
			b, err := io.ReadAll(part)
			if err != nil {
				t.Errorf("%s %s: part: %v", p.path, p.id, err)
				return
			}
			sub := top && (mt == "multipart/alternative" || k == 0)
			p.walk(t, part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"),
				part.Header.Get("Content-Disposition"), b, sub, fwd)
		}
	case mt == "message/rfc822":
		if !fwd {
			p.forwarded++
		}
		inner, err := mail.ReadMessage(bytes.NewReader(body))
		if err != nil {
			t.Errorf("%s %s: forwarded: %v", p.path, p.id, err)
			return
		}
		ib, _ := io.ReadAll(inner.Body)
		p.walk(t, inner.Header.Get("Content-Type"), inner.Header.Get("Content-Transfer-Encoding"), "", ib, false, true)
	default:
		raw, err := decodeTE(te, body)
		if err != nil {
			t.Errorf("%s %s: %s: %v", p.path, p.id, te, err)
			return
		}
		if filename != "" && !fwd {
			p.attachTypes = append(p.attachTypes, mt)
			p.attachData = append(p.attachData, raw)
		}
		if !strings.HasPrefix(mt, "text/") {
			return
		}
		cs := strings.ToLower(params["charset"])
		text, err := decodeCharset(cs, raw)
		if err != nil {
			t.Errorf("%s %s: %s part: %v", p.path, p.id, mt, err)
			return
		}
		sub := strings.TrimPrefix(mt, "text/")
		p.texts = append(p.texts, textPiece{sub: sub, charset: cs, encoding: strings.ToLower(te),
			filename: filename, text: text, forwarded: fwd})
		if top && !fwd && filename == "" && p.charset == "" {
			p.charset = cs
			p.encoding = strings.ToLower(te)
			if p.kind == "" {
				p.kind = map[string]string{"plain": "plain", "html": "html"}[sub]
			}
		}
	}
}
