package email

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/newsroom/dossier/internal/extract/textdecode"
)

// collect chooses the body text of the tree rooted at root and turns every
// other leaf into a Part.
func (p *parser) collect(root *node) {
	if root == nil {
		return
	}
	body := chooseBody(root, true)
	for _, n := range body {
		n.body = true
	}
	var texts []string
	cut := false
	var leaves []*node
	walkLeaves(root, func(n *node) { leaves = append(leaves, n) })
	for _, n := range leaves {
		if n.body {
			cut = cut || len(n.data) > p.lim.MaxTextBytes
			t, uus := p.bodyText(n)
			if t != "" {
				texts = append(texts, t)
			}
			p.msg.Parts = append(p.msg.Parts, uus...)
			continue
		}
		p.msg.Parts = append(p.msg.Parts, Part{
			Path:        n.path,
			Filename:    n.filename,
			ContentType: validName(n.mt),
			Charset:     validName(strings.ToLower(strings.Trim(n.params["charset"], " \t\"'"))),
			Disposition: n.disp,
			ContentID:   n.cid,
			Description: n.desc,
			Alternative: n.alt,
			Data:        n.data,
		})
	}
	// The text comes from HTML when no chosen leaf is plain text.
	p.msg.TextFromHTML = len(body) > 0
	for _, n := range body {
		if n.mt != "text/html" {
			p.msg.TextFromHTML = false
		}
	}
	text := strings.Join(texts, "\n\n")
	if len(text) > p.lim.MaxTextBytes || cut {
		p.problem("body text longer than %d bytes; truncated", p.lim.MaxTextBytes)
		text = cutUTF8(text, p.lim.MaxTextBytes)
	}
	p.msg.Text = text
}

func walkLeaves(n *node, f func(*node)) {
	if !n.multipart {
		f(n)
		return
	}
	for _, c := range n.children {
		walkLeaves(c, f)
	}
}

// isBodyText reports whether leaf n can be body text.
func isBodyText(n *node, root bool) bool {
	if n.multipart || n.disp == "attachment" {
		return false
	}
	if n.mt != "text/plain" && n.mt != "text/html" && n.mt != "text/enriched" && n.mt != "text/richtext" {
		return false
	}
	// A named text part is a file unless it is the whole message.
	return root || n.filename == "" || n.disp == "inline"
}

// chooseBody returns the leaves that make up the body text of the subtree
// n, marking unchosen alternatives.
func chooseBody(n *node, root bool) []*node {
	if !n.multipart {
		if isBodyText(n, root) {
			return []*node{n}
		}
		return nil
	}
	switch n.mt {
	case "multipart/alternative":
		var best []*node
		bestPlain := false
		for _, c := range n.children {
			cand := chooseBody(c, false)
			if len(cand) == 0 {
				continue
			}
			plain := cand[0].mt == "text/plain"
			if best == nil || plain && !bestPlain {
				best, bestPlain = cand, plain
			}
		}
		for _, c := range n.children {
			markAlt(c, best)
		}
		return best
	case "multipart/related":
		start := n.params["start"]
		for _, c := range n.children {
			if start != "" && "<"+c.cid+">" != start && c.cid != strings.Trim(start, "<>") {
				continue
			}
			return chooseBody(c, false)
		}
		if len(n.children) > 0 {
			return chooseBody(n.children[0], false)
		}
		return nil
	case "multipart/signed":
		if len(n.children) > 0 {
			return chooseBody(n.children[0], false)
		}
		return nil
	case "multipart/encrypted":
		return nil
	}
	// mixed, report, digest and unknown subtypes: the first child that
	// yields a body, then any further inline unnamed text/plain leaves.
	var body []*node
	for _, c := range n.children {
		if body == nil {
			body = chooseBody(c, false)
			continue
		}
		if !c.multipart && c.mt == "text/plain" && c.filename == "" && c.disp != "attachment" {
			body = append(body, c)
		}
	}
	return body
}

// markAlt marks the text leaves of an alternative subtree that were not
// chosen.
func markAlt(n *node, chosen []*node) {
	walkLeaves(n, func(l *node) {
		for _, c := range chosen {
			if c == l {
				return
			}
		}
		if strings.HasPrefix(l.mt, "text/") && l.filename == "" {
			l.alt = true
		}
	})
}

// bodyText decodes a body leaf to text and pulls out uuencoded files.
func (p *parser) bodyText(n *node) (string, []Part) {
	data := n.data
	var uus []Part
	if n.mt == "text/plain" && (bytes.HasPrefix(data, []byte("begin ")) || bytes.Contains(data, []byte("\nbegin "))) {
		data, uus = extractUU(data, n.path)
	}
	if len(data) > p.lim.MaxTextBytes {
		// Decoded text is at least as long as its input in every charset
		// we handle except UTF-16, so cutting here bounds the work.
		data = data[:p.lim.MaxTextBytes]
	}
	r := textdecode.Decode(data, n.mt, n.params["charset"])
	if r.Problem != "" {
		p.problem("part %s: %s", n.path, r.Problem)
	}
	t := r.Text
	if strings.IndexByte(t, '\r') >= 0 {
		t = strings.ReplaceAll(t, "\r\n", "\n")
		t = strings.ReplaceAll(t, "\r", "\n")
	}
	if n.mt == "text/plain" && strings.EqualFold(n.params["format"], "flowed") {
		t = unflow(t, strings.EqualFold(n.params["delsp"], "yes"))
	}
	return strings.Trim(t, "\n"), uus
}

// extractUU removes uuencoded blocks from a text body and returns them as
// parts named "<path>.uu1", "<path>.uu2"...
func extractUU(data []byte, path string) ([]byte, []Part) {
	var out []byte
	var parts []Part
	pos, last := 0, 0
	for pos < len(data) {
		end, next := lineAt(data, pos)
		if isUUBegin(data[pos:end]) {
			d, name, after := uuBlock(data, pos)
			out = append(out, data[last:pos]...)
			parts = append(parts, Part{
				Path:        path + ".uu" + strconv.Itoa(len(parts)+1),
				Filename:    validName(name),
				ContentType: "application/octet-stream",
				Disposition: "attachment",
				Data:        d,
			})
			last, pos = after, after
			continue
		}
		pos = next
	}
	if parts == nil {
		return data, nil
	}
	out = append(out, data[last:]...)
	return out, parts
}

// unflow joins the soft line breaks of format=flowed text (RFC 3676).
func unflow(t string, delsp bool) string {
	if !strings.Contains(t, " \n") {
		return t
	}
	lines := strings.Split(t, "\n")
	var b strings.Builder
	b.Grow(len(t))
	for i, l := range lines {
		soft := strings.HasSuffix(l, " ") && l != "-- " && i+1 < len(lines)
		if soft && delsp {
			l = l[:len(l)-1]
		}
		b.WriteString(l)
		if !soft && i+1 < len(lines) {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// cutUTF8 returns at most n bytes of s, cut at a character boundary.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
