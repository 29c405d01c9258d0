package gen

import (
	"bytes"
	"fmt"
	"html"
	"math/rand/v2"
	"mime"
	"strconv"
	"strings"
	"time"
)

// rendered is one message ready to write, with what the manifest needs.
type rendered struct {
	idx      int
	msgID    string
	box      int
	from     string
	date     time.Time
	toMdir   bool
	toMbox   bool
	mdirPath string // relative, slash-separated
	data     []byte // final bytes, for mbox only

	charset, encoding, kind string
	attachTypes             []string
	forwarded               int
	fromLine                bool
	role                    role
	dkim                    string // expected DKIM fate (see sign), "" when nothing is signed
}

// part is a MIME entity under construction: header lines and encoded body,
// both with "\n" line endings.
type part struct {
	header []byte
	body   []byte
}

func (p *part) add(name, value string) { p.header = appendHeader(p.header, name, value) }

func appendPart(dst []byte, p part) []byte {
	dst = append(dst, p.header...)
	dst = append(dst, '\n')
	return append(dst, p.body...)
}

func (g *generator) boundary(idx, level int) string {
	return fmt.Sprintf("----=_Part_%d_%012x", level, mix(g.seed^uint64(idx)<<8^uint64(level))>>16)
}

func multipartOf(sub, boundary string, parts []part) part {
	var p part
	p.add("Content-Type", "multipart/"+sub+"; boundary=\""+boundary+"\"")
	size := 64
	for _, c := range parts {
		size += len(c.header) + len(c.body) + len(boundary) + 8
	}
	p.body = make([]byte, 0, size)
	if sub == "mixed" {
		p.body = append(p.body, "This is a multi-part message in MIME format.\n\n"...)
	}
	for _, c := range parts {
		p.body = append(p.body, "--"...)
		p.body = append(p.body, boundary...)
		p.body = append(p.body, '\n')
		p.body = appendPart(p.body, c)
	}
	p.body = append(p.body, "--"...)
	p.body = append(p.body, boundary...)
	p.body = append(p.body, "--\n"...)
	return p
}

// textPart encodes text (UTF-8) as a text/<sub> part in charset cs with
// transfer encoding te; 8bit text that is pure ASCII is labelled 7bit.
func textPart(sub, text, cs, te string, ascii bool, extra ...string) (part, string) {
	conv := cs
	if ascii {
		conv = csASCII
	}
	raw, _ := appendCharset(nil, conv, text)
	if (te == te8bit || te == te7bit) && isASCII(raw) {
		te = te7bit
	} else if te == te7bit {
		te = te8bit
	}
	var p part
	ct := "text/" + sub + "; charset=" + cs
	if len(extra) > 0 {
		ct += "; " + strings.Join(extra, "; ")
	}
	p.add("Content-Type", ct)
	p.add("Content-Transfer-Encoding", te)
	p.body = appendEncoded(nil, raw, te)
	return p, te
}

func toHTML(text, mark string) string {
	var b strings.Builder
	b.WriteString("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html\"></head>\n<body>\n")
	for para := range strings.SplitSeq(strings.TrimRight(text, "\n"), "\n\n") {
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(html.EscapeString(para), "\n", "<br>\n"))
		b.WriteString("</p>\n")
	}
	b.WriteString("</body></html>\n")
	return strings.ReplaceAll(b.String(), markPlaceholder, mark)
}

func (g *generator) formatAddr(p int, cs string, b bool) string {
	pp := g.people[p]
	name := pp.name
	if isASCII(name) {
		if strings.ContainsAny(name, ".,:;\"()<>@[]\\") {
			name = strconv.Quote(name)
		}
	} else {
		name = encodeWord(cs, name, b)
	}
	return name + " <" + pp.addr + ">"
}

func (g *generator) addrList(ps []int, cs string, b bool) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = g.formatAddr(p, cs, b)
	}
	return strings.Join(s, ", ")
}

// bodyText writes the message's text: greeting, paragraphs, optional
// quote of the parent, closing and signature.
func (g *generator) bodyText(r *rand.Rand, c *core, par *core, spec *markerSpec) string {
	var b strings.Builder
	v := vocabs[c.lang]
	greet := pick(r, v.greetings)
	if first := g.people[c.to[0]].first; fits(c.charset, first) {
		fmt.Fprintf(&b, greet, first)
	} else {
		b.WriteString(map[string]string{"fr": "Bonjour à tous,", "en": "Hello all,", "ru": "Добрый день,"}[c.lang])
	}
	b.WriteString("\n\n")
	sender := g.people[c.from]
	if !fits(c.charset, sender.name) {
		local, _, _ := strings.Cut(sender.addr, "@")
		sender.first, sender.name, sender.title = local, local, ""
	}
	np := 1 + r.IntN(4)
	markAt := -1
	if spec != nil && spec.where != WhereSubject && spec.where != WhereTextAttach && spec.where != WhereForwarded {
		markAt = r.IntN(np + 1)
	}
	for k := 0; k <= np; k++ {
		if k == markAt {
			if spec.where == WhereFromLine {
				b.WriteString("From " + markPlaceholder + " and the other contractors, nothing yet.\n\n")
			} else {
				b.WriteString(markerSentence(c.lang) + "\n\n")
			}
		}
		if k < np {
			paragraphs(&b, r, c.lang, 1)
		}
	}
	if c.lang == "en" && spec == nil {
		switch r.IntN(60) {
		case 0, 1:
			b.WriteString("From what I hear, the accounts are fine.\n\n")
		case 2:
			b.WriteString(">From the minutes: the budget was approved.\n\n")
		}
	}
	b.WriteString(pick(r, v.closings))
	b.WriteByte('\n')
	b.WriteString(sender.first)
	b.WriteString("\n\n")
	if r.IntN(2) == 0 {
		b.WriteString("-- \n")
		b.WriteString(sender.name)
		if t := sender.title; t != "" {
			b.WriteString("\n")
			b.WriteString(t)
		}
		b.WriteString("\n\n")
	}
	if par != nil {
		switch c.lang {
		case "fr":
			d := par.date
			fmt.Fprintf(&b, "Le %d %s %d à %02d:%02d, %s a écrit :\n", d.Day(), frMonths[d.Month()-1], d.Year(), d.Hour(), d.Minute(), g.people[par.from].name)
		case "ru":
			fmt.Fprintf(&b, "%s, %s написал(а):\n", par.date.Format("02.01.2006 15:04"), g.people[par.from].name)
		default:
			fmt.Fprintf(&b, "On %s, %s wrote:\n", par.date.Format("Mon, Jan 2, 2006 at 3:04 PM"), g.people[par.from].name)
		}
		var q strings.Builder
		paragraphs(&q, r, c.lang, 1+r.IntN(2))
		b.Write(appendWrapped(nil, strings.TrimRight(q.String(), "\n"), 70, "> "))
	}
	return b.String()
}

// fits reports whether charset cs can hold s without loss.
func fits(cs, s string) bool {
	_, ok := appendCharset(nil, cs, s)
	return ok
}

// hasFromLine reports whether a line of msg after the first matches ^>*From .
func hasFromLine(msg []byte) bool {
	for {
		i := bytes.IndexByte(msg, '\n')
		if i < 0 {
			return false
		}
		msg = msg[i+1:]
		if isFromLine(msg) {
			return true
		}
	}
}

// wrap hard-wraps each paragraph line of text at 72 columns.
func wrap(text string) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	var b []byte
	for _, l := range lines {
		if strings.HasPrefix(l, ">") || len(l) <= 76 {
			b = append(b, l...)
			b = append(b, '\n')
			continue
		}
		b = appendWrapped(b, l, 72, "")
	}
	return string(b)
}

// render plans and encodes one message into buf (reset first), with "\n"
// line endings, and returns it with its description.
func (g *generator) render(c *core, cores []core, lo int, buf []byte) (*rendered, []byte) {
	r := g.rng(saltBody, uint64(c.idx))
	var spec *markerSpec
	if c.role.marker >= 0 {
		spec = &markerSpecs[c.role.marker]
	}
	var par *core
	if c.parent >= 0 {
		par = &cores[c.parent-lo]
	}
	out := &rendered{idx: c.idx, msgID: c.msgID, box: c.box, date: c.date, role: c.role,
		toMdir: c.toMdir, toMbox: c.toMbox, from: g.people[c.from].addr, charset: c.charset}
	useB := r.IntN(3) == 0

	// Shape and encoding of the body.
	kind := "plain"
	switch x := r.IntN(100); {
	case x < 20:
		kind = "alternative"
	case x < 28:
		kind = "html"
	}
	var te string
	switch c.charset {
	case csUTF8:
		te = pick(r, []string{te8bit, te8bit, teQP, teQP, teBase64})
	case csKOI8R:
		te = pick(r, []string{te8bit, te8bit, teBase64})
	case csASCII:
		te = te7bit
	default:
		te = pick(r, []string{te8bit, teQP})
	}
	ascii := c.charset == csASCII
	if spec != nil {
		switch spec.where {
		case WhereHTML:
			kind = "html"
		case WhereAlternative:
			kind = "alternative"
		case WhereSubject, WhereForwarded, WhereTextAttach:
		default:
			kind = "plain"
		}
		if spec.where != WhereTextAttach && spec.where != WhereForwarded {
			te = spec.encoding
			ascii = te == te7bit
		}
	}

	text := g.bodyText(r, c, par, spec)
	text = wrap(text)
	mark := ""
	if spec != nil {
		mark = spec.literal()
	}
	var body part
	switch kind {
	case "plain":
		body, te = textPart("plain", strings.ReplaceAll(text, markPlaceholder, mark), c.charset, te, ascii)
	case "html":
		body, te = textPart("html", toHTML(text, mark), c.charset, te, ascii)
	default:
		word := mark
		if spec != nil {
			word = spec.word
		}
		tp, te1 := textPart("plain", strings.ReplaceAll(text, markPlaceholder, word), c.charset, te, ascii)
		hp, _ := textPart("html", toHTML(text, mark), c.charset, te, ascii)
		te = te1
		body = multipartOf("alternative", g.boundary(c.idx, 2), []part{tp, hp})
	}
	out.kind, out.encoding = kind, te

	// Attachments.
	var atts []part
	if spec != nil && spec.where == WhereTextAttach {
		atts = append(atts, g.textAttachment(r, c, spec, out))
	}
	if spec != nil && spec.where == WhereForwarded {
		atts = append(atts, g.forwarded(r, c, spec))
		out.forwarded++
	}
	if c.role.shared {
		var p part
		p.add("Content-Type", mime.FormatMediaType(g.sharedType, map[string]string{"name": g.sharedName}))
		p.add("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": g.sharedName}))
		p.add("Content-Transfer-Encoding", teBase64)
		p.body = appendBase64(nil, g.sharedData)
		atts = append(atts, p)
		out.attachTypes = append(out.attachTypes, g.sharedType)
	}
	if spec == nil && r.Float64() < g.opts.AttachmentRate {
		for range 1 + r.IntN(2) + r.IntN(2) {
			switch x := r.IntN(100); {
			case x < 30:
				atts = append(atts, g.textAttachment(r, c, nil, out))
			case x < 60:
				atts = append(atts, g.binaryAttachment(r, "application/pdf", pick(r, pdfNames), fakePDF(r, 1<<10+r.IntN(12<<10)), out))
			case x < 92:
				atts = append(atts, g.binaryAttachment(r, "image/png", pick(r, pngNames), fakePNG(r, 512+r.IntN(6<<10)), out))
			default:
				atts = append(atts, g.forwarded(r, c, nil))
				out.forwarded++
			}
		}
	}
	if len(atts) > 0 {
		body = multipartOf("mixed", g.boundary(c.idx, 1), append([]part{body}, atts...))
	}

	// Top-level header.
	var h part
	from := g.people[c.from].addr
	fromHost := from[strings.IndexByte(from, '@')+1:]
	to := g.people[c.to[0]].addr
	h.add("Return-Path", "<"+from+">")
	h.header = fmt.Appendf(h.header, "Received: from mail.%s (mail.%s [192.0.2.%d])\n\tby mx.%s with ESMTPS id %08X\n\tfor <%s>; %s\n",
		fromHost, fromHost, 1+mix(uint64(c.from))%250, to[strings.IndexByte(to, '@')+1:], uint32(mix(g.seed^uint64(c.idx))),
		to, c.date.Add(time.Duration(2+r.IntN(30))*time.Second).Format(time.RFC1123Z))
	h.add("Message-ID", c.msgID)
	date := c.date.Format(time.RFC1123Z)
	if r.IntN(3) == 0 {
		date = c.date.Format("Mon, 2 Jan 2006 15:04:05 -0700 (MST)")
	}
	h.add("Date", date)
	h.add("From", g.formatAddr(c.from, c.charset, useB))
	h.add("To", g.addrList(c.to, c.charset, useB))
	if len(c.cc) > 0 {
		h.add("Cc", g.addrList(c.cc, c.charset, useB))
	}
	h.add("Subject", encodeWord(c.charset, c.subject, useB))
	if par != nil {
		h.add("In-Reply-To", par.msgID)
		h.add("References", strings.Join(c.refs, " "))
	}
	h.add("MIME-Version", "1.0")
	if m := pick(r, mailers); m != "" {
		if strings.HasPrefix(m, "Mozilla") || strings.HasPrefix(m, "Roundcube") {
			h.add("User-Agent", m)
		} else {
			h.add("X-Mailer", m)
		}
	}
	h.header = append(h.header, body.header...)

	buf = buf[:0]
	buf = appendPart(buf, part{header: h.header, body: body.body})
	out.fromLine = hasFromLine(buf)

	if c.toMdir {
		unix := c.date.Unix()
		name := fmt.Sprintf("%d.M%06dP%dQ%d.dossier", unix, mix(uint64(c.idx)^g.seed)%1000000, 1000+c.box*7, c.idx)
		dir := "cur"
		switch x := r.IntN(20); {
		case x == 0:
			dir = "new"
		case x < 4:
			name += ":2,RS"
		case x == 4:
			name += ":2,FS"
		default:
			name += ":2,S"
		}
		out.mdirPath = "maildir/" + g.boxes[c.box].name + "/" + dir + "/" + name
	}
	return out, buf
}

func (g *generator) textAttachment(r *rand.Rand, c *core, spec *markerSpec, out *rendered) part {
	csv := r.IntN(2) == 0
	if spec != nil {
		csv = spec.file == "csv"
	}
	lang := c.lang
	if lang == "ru" {
		lang = "fr"
	}
	var b strings.Builder
	var name, ct string
	if csv {
		name, ct = pick(r, csvNames), "text/csv"
		if lang == "fr" {
			b.WriteString("date;libellé;montant;compte\n")
		} else {
			b.WriteString("date,description,amount,account\n")
		}
		rows := 5 + r.IntN(30)
		markRow := -1
		if spec != nil {
			markRow = r.IntN(rows)
		}
		for k := range rows {
			d := c.date.AddDate(0, 0, -r.IntN(90))
			v := vocabs[lang]
			desc := pick(r, v.nouns) + " " + pick(r, v.complements)
			if k == markRow {
				desc += " " + spec.word
			}
			if lang == "fr" {
				fmt.Fprintf(&b, "%s;%s;%d,%02d;%d\n", d.Format("02/01/2006"), desc, r.IntN(50000), r.IntN(100), 401000+r.IntN(999))
			} else {
				fmt.Fprintf(&b, "%s,\"%s\",%d.%02d,%d\n", d.Format("2006-01-02"), desc, r.IntN(50000), r.IntN(100), 401000+r.IntN(999))
			}
		}
	} else {
		name, ct = pick(r, txtNames), "text/plain"
		var t strings.Builder
		paragraphs(&t, r, lang, 2+r.IntN(5))
		if spec != nil {
			t.WriteString(strings.ReplaceAll(markerSentence(lang), markPlaceholder, spec.word) + "\n")
		}
		b.WriteString(wrap(t.String()))
	}
	cs, te := csUTF8, pick(r, []string{te8bit, teQP, teBase64})
	if spec != nil {
		cs, te = spec.charset, spec.encoding
	} else if csv && r.IntN(3) == 0 {
		cs = csCP1252
	}
	p, _ := textPart(strings.TrimPrefix(ct, "text/"), b.String(), cs, te, false, strings.TrimPrefix(mime.FormatMediaType("x", map[string]string{"name": name}), "x; "))
	p.add("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	out.attachTypes = append(out.attachTypes, ct)
	return p
}

func (g *generator) binaryAttachment(r *rand.Rand, ct, name string, data []byte, out *rendered) part {
	var p part
	p.add("Content-Type", mime.FormatMediaType(ct, map[string]string{"name": name}))
	disp := "attachment"
	if ct == "image/png" && r.IntN(3) == 0 {
		disp = "inline"
	}
	p.add("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": name}))
	p.add("Content-Transfer-Encoding", teBase64)
	p.body = appendBase64(nil, data)
	out.attachTypes = append(out.attachTypes, ct)
	return p
}

// forwarded builds a message/rfc822 part holding a short earlier message.
func (g *generator) forwarded(r *rand.Rand, c *core, spec *markerSpec) part {
	fr := r
	lang := c.lang
	if lang == "ru" {
		lang = "fr"
	}
	from := pick(fr, g.byLang[lang])
	d := c.date.Add(-time.Duration(1+fr.IntN(72*60)) * time.Minute)
	var t strings.Builder
	fmt.Fprintf(&t, pick(fr, vocabs[lang].greetings)+"\n\n", g.people[c.from].first)
	paragraphs(&t, fr, lang, 1+fr.IntN(3))
	if spec != nil {
		t.WriteString(strings.ReplaceAll(markerSentence(lang), markPlaceholder, spec.word) + "\n\n")
	}
	t.WriteString(pick(fr, vocabs[lang].closings) + "\n" + g.people[from].first + "\n")
	te := pick(fr, []string{te8bit, teQP})
	if spec != nil {
		te = spec.encoding
	}
	inner, _ := textPart("plain", wrap(t.String()), csUTF8, te, false)
	var h part
	host := g.people[from].addr[strings.IndexByte(g.people[from].addr, '@')+1:]
	h.add("Message-ID", fmt.Sprintf("<fwd.%012x.%d@%s>", fr.Uint64()>>16, c.idx, host))
	h.add("Date", d.Format(time.RFC1123Z))
	h.add("From", g.formatAddr(from, csUTF8, false))
	h.add("To", g.formatAddr(c.from, csUTF8, false))
	subj := pick(fr, frSubjects)
	if lang == "en" {
		subj = pick(fr, enSubjects)
	}
	h.add("Subject", encodeWord(csUTF8, subj, false))
	h.add("MIME-Version", "1.0")
	h.header = append(h.header, inner.header...)
	msg := appendPart(nil, part{header: h.header, body: inner.body})

	var p part
	p.add("Content-Type", "message/rfc822")
	p.add("Content-Disposition", "attachment")
	if isASCII(msg) {
		p.add("Content-Transfer-Encoding", te7bit)
	} else {
		p.add("Content-Transfer-Encoding", te8bit)
	}
	p.body = msg
	return p
}
