package email

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/newsroom/dossier/internal/extract/textdecode"
)

// node is one entity of the MIME tree.
type node struct {
	path      string
	mt        string            // media type, lowercased
	params    map[string]string // Content-Type parameters (raw values)
	disp      string
	filename  string
	cid       string
	desc      string
	data      []byte // transfer-decoded content of a leaf
	children  []*node
	multipart bool
	body      bool // chosen as body text
	alt       bool // an unchosen alternative rendering of the body
}

// entity builds the node for an entity whose header is h and body body.
// raw is the whole entity (header and body), kept for multiparts too deep to
// descend into.
func (p *parser) entity(h *headerBlock, body []byte, path string, depth int, defType string) *node {
	p.nodes++
	n := &node{path: path}
	ct, hasCT := h.get("content-type")
	if hasCT {
		n.mt, n.params = parseParams(string(ct))
	}
	if n.mt == "" || !strings.Contains(n.mt, "/") {
		if hasCT && len(ct) > 0 {
			p.problem("part %s: bad Content-Type %q; using %s", label(path), truncate(p.dec.decode(ct), 80), defType)
		}
		n.mt = defType
	}
	if h.noHeader && path != "" {
		p.problem("part %s: no header", path)
	}
	cte := ""
	if v, ok := h.get("content-transfer-encoding"); ok {
		cte = strings.ToLower(strings.TrimSpace(stripComments(string(v))))
	}
	if strings.HasPrefix(n.mt, "multipart/") {
		if depth >= p.lim.MaxDepth {
			// Keep the subtree as an embedded message (its Content-Type
			// and body) for the caller to parse as a child.
			p.problem("part %s: multipart nesting deeper than %d; kept as one message/rfc822 part", label(path), p.lim.MaxDepth)
			n.mt = "message/rfc822"
			wrapped := make([]byte, 0, len(ct)+len(body)+20)
			wrapped = append(wrapped, "Content-Type: "...)
			wrapped = append(wrapped, ct...)
			wrapped = append(wrapped, "\r\n\r\n"...)
			wrapped = append(wrapped, body...)
			n.params = nil
			return p.leaf(n, &headerBlock{}, wrapped, path, "")
		}
		if cte != "" && cte != "7bit" && cte != "8bit" && cte != "binary" {
			// Not allowed, but some mailers encode the whole multipart.
			if d, _, ok := decodeTransfer(body, cte); ok {
				p.problem("part %s: multipart with transfer encoding %s", label(path), cte)
				body = d
			}
		}
		boundary := n.params["boundary"]
		if boundary == "" {
			boundary = guessBoundary(body)
			if boundary != "" {
				p.problem("part %s: multipart without boundary; guessed %q", label(path), boundary)
			}
		}
		var chunks [][]byte
		closed := false
		if boundary != "" {
			chunks, closed = splitMultipart(body, boundary)
		}
		if len(chunks) == 0 {
			p.problem("part %s: multipart without parts; treated as text", label(path))
			n.mt = "text/plain"
			return p.leaf(n, h, body, path, cte)
		}
		if !closed {
			p.problem("part %s: missing closing boundary", label(path))
		}
		n.multipart = true
		childType := "text/plain"
		if n.mt == "multipart/digest" {
			childType = "message/rfc822"
		}
		for i, c := range chunks {
			if p.nodes >= p.lim.MaxParts {
				if !p.capped {
					p.capped = true
					p.problem("more than %d MIME parts; the rest were not extracted", p.lim.MaxParts)
				}
				break
			}
			cp := strconv.Itoa(i + 1)
			if path != "" {
				cp = path + "." + cp
			}
			ch, cbody := splitHeader(c, p.lim.MaxHeaderBytes, false)
			for _, pr := range ch.problems {
				p.problem("part %s: %s", cp, pr)
			}
			n.children = append(n.children, p.entity(&ch, cbody, cp, depth+1, childType))
		}
		return n
	}
	return p.leaf(n, h, body, path, cte)
}

func label(path string) string {
	if path == "" {
		return "(root)"
	}
	return path
}

// leaf fills in a non-multipart node.
func (p *parser) leaf(n *node, h *headerBlock, body []byte, path, cte string) *node {
	if n.path == "" {
		n.path = "1"
	}
	d := p.dec
	d.problems = &p.msg.Problems
	if cs := n.params["charset"]; cs != "" {
		if _, name := textdecode.Lookup(cs); name != "" {
			d.fallback = name
		}
	}
	if v, ok := h.get("content-disposition"); ok {
		disp, dp := parseParams(string(v))
		switch disp {
		case "inline", "attachment", "":
			n.disp = disp
		default:
			n.disp = "attachment" // RFC 2183: unknown dispositions are attachments
		}
		n.filename = dp["filename"]
	}
	if n.filename == "" {
		n.filename = n.params["name"]
	}
	if n.filename != "" {
		n.filename = strings.TrimSpace(d.decode([]byte(n.filename)))
	}
	if v, ok := h.get("content-id"); ok {
		n.cid = strings.Trim(strings.TrimSpace(d.raw(v)), "<>")
	}
	if v, ok := h.get("content-description"); ok {
		n.desc = collapseSpace(d.decode(v))
	}
	data, uuName, ok := decodeTransfer(body, cte)
	if !ok {
		p.problem("part %s: unknown transfer encoding %q; content kept as sent", n.path, truncate(d.raw([]byte(cte)), 40))
	}
	if uuName != "" && n.filename == "" {
		n.filename = d.raw([]byte(uuName))
	}
	n.data = data
	return n
}

// splitMultipart returns the body parts of a multipart body and whether the
// closing delimiter was found. Delimiter lines must start a line and may be
// followed only by white space (and "--" for the close), so boundaries that
// are prefixes of each other do not confuse it. The line break before a
// delimiter belongs to the delimiter.
func splitMultipart(b []byte, boundary string) (parts [][]byte, closed bool) {
	delim := []byte("--" + boundary)
	start := -1 // start of the current part's content
	pos := 0
	for pos < len(b) {
		i := bytes.Index(b[pos:], delim)
		if i < 0 {
			break
		}
		at := pos + i
		pos = at + 1
		if at > 0 && b[at-1] != '\n' {
			continue
		}
		rest := b[at+len(delim):]
		isClose := bytes.HasPrefix(rest, []byte("--"))
		if isClose {
			rest = rest[2:]
		}
		k := 0
		for k < len(rest) && (rest[k] == ' ' || rest[k] == '\t' || rest[k] == '\r') {
			k++
		}
		if k < len(rest) && rest[k] != '\n' {
			continue // "--boundaryX": a longer boundary, or text
		}
		if start >= 0 {
			end := at
			if end > start && b[end-1] == '\n' {
				end--
				if end > start && b[end-1] == '\r' {
					end--
				}
			}
			parts = append(parts, b[start:max(end, start)])
		}
		if isClose {
			return parts, true
		}
		next := at + len(delim) + k
		if next < len(b) {
			next++ // the '\n'
		}
		start = next
		pos = next
	}
	if start >= 0 {
		parts = append(parts, b[min(start, len(b)):])
	}
	return parts, false
}

// guessBoundary finds a plausible boundary in a multipart body that has no
// boundary parameter: the first line "--X" whose X appears again as a
// delimiter.
func guessBoundary(b []byte) string {
	pos := 0
	for lines := 0; pos < len(b) && lines < 200; lines++ {
		end, next := lineAt(b, pos)
		line := bytes.TrimRight(b[pos:end], " \t")
		if len(line) > 3 && bytes.HasPrefix(line, []byte("--")) && bytes.IndexAny(line, " \t") < 0 {
			cand := string(line[2:])
			if parts, _ := splitMultipart(b, cand); len(parts) > 0 {
				return cand
			}
		}
		pos = next
	}
	return ""
}
