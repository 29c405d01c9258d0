package ingest

import (
	"encoding/json"
	"strings"

	"github.com/newsroom/dossier"
	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/people"
)

// People is the people analysis run on every document at ingest and by
// ApplyWatch: watched names (a compiled watchlist) and pattern entities
// (email addresses, phone numbers, IBANs, URLs, domains), in the subject,
// the extracted text, the file name and, for a message, its address
// headers.
type People struct {
	// Matcher is the compiled watchlist; nil when nothing is watched.
	Matcher *people.Matcher
	// IDs are the store's watch ids of the matcher's entities, by index.
	IDs []int64
	// Region is the default region of phone numbers ("FR").
	Region string
}

// fields of a document that people analysis reads, in the order mentions
// are recorded.
type field struct{ name, text string }

// Analyze returns what d (with its extracted text) mentions. With
// namesOnly, only watched names are looked for.
func (p *People) Analyze(d *meta.Document, text string, namesOnly bool) *meta.Mentions {
	m := &meta.Mentions{}
	fields := []field{{"subject", d.Subject}, {"body", text}, {"filename", d.Filename}}
	var headers []field
	if d.Kind == dossier.KindEmail && len(d.Meta) > 0 {
		var em meta.EmailMeta
		if json.Unmarshal(d.Meta, &em) == nil {
			for _, h := range []struct {
				role string
				list []string
			}{{"from", em.From}, {"to", em.To}, {"cc", em.Cc}, {"bcc", em.Bcc}, {"reply_to", em.ReplyTo}} {
				for _, v := range h.list {
					headers = append(headers, field{h.role, v})
					if namesOnly || h.role == "reply_to" {
						continue
					}
					name, addr := splitAddress(v)
					if addr != "" {
						m.Addresses = append(m.Addresses, meta.Address{Role: h.role, Address: addr, Name: name})
					}
				}
			}
		}
	}
	if p.Matcher != nil {
		m.Names = p.names(fields, headers)
	}
	if !namesOnly {
		m.Entities = p.entities(fields, m.Addresses)
	}
	return m
}

// names matches the watchlist in the text fields and the address headers,
// one row per (entity, field, alias).
func (p *People) names(fields, headers []field) []meta.NameMention {
	var out []meta.NameMention
	type key struct {
		entity int64
		field  string
		alias  string
	}
	at := map[key]int{}
	row := func(f string, m people.Mention) *meta.NameMention {
		if m.Entity < 0 || m.Entity >= len(p.IDs) {
			return nil
		}
		k := key{p.IDs[m.Entity], f, m.Alias}
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, meta.NameMention{Entity: k.entity, Field: f, Alias: m.Alias})
		}
		return &out[i]
	}
	found := func(f string, m people.Mention) {
		if nm := row(f, m); nm != nil {
			nm.Count++
			if len(nm.Spans) < 20 {
				nm.Spans = append(nm.Spans, [2]int{m.Start, m.End})
			}
		}
	}
	for _, f := range fields {
		if f.text == "" {
			continue
		}
		res := p.Matcher.Match(f.text)
		for _, m := range res.Mentions {
			found(f.name, m)
		}
		for _, x := range res.Excluded {
			if nm := row(f.name, x.Mention); nm != nil {
				nm.Excluded++
			}
		}
	}
	if len(headers) > 0 {
		values := make([]string, len(headers))
		for i, h := range headers {
			values[i] = h.text
		}
		for _, am := range p.Matcher.FindAddresses(values) {
			found(headers[am.Value].name, am.Mention)
		}
	}
	return out
}

// entities finds pattern entities in the text fields and counts header
// addresses (and their domains) as email entities.
func (p *People) entities(fields []field, addrs []meta.Address) []meta.EntityCount {
	type key struct{ kind, value string }
	counts := map[key]int{}
	var order []key
	add := func(kind, value string) {
		k := key{kind, value}
		if counts[k] == 0 {
			order = append(order, k)
		}
		counts[k]++
	}
	opts := people.EntityOptions{Region: p.Region}
	for _, f := range fields {
		if f.text == "" || f.name == "filename" {
			continue
		}
		for _, e := range people.Entities(f.text, opts) {
			add(e.Kind, e.Value)
		}
	}
	for _, a := range addrs {
		add("email", a.Address)
		if _, dom, ok := strings.Cut(a.Address, "@"); ok && dom != "" {
			add("domain", dom)
		}
	}
	out := make([]meta.EntityCount, len(order))
	for i, k := range order {
		out[i] = meta.EntityCount{Kind: k.kind, Value: k.value, Count: counts[k]}
	}
	return out
}

// splitAddress splits a header value as stored ("Name <addr>", a bare
// address or a bare name) into its name and lowercase address; the address
// is "" when there is none.
func splitAddress(v string) (name, addr string) {
	v = strings.TrimSpace(v)
	if strings.HasSuffix(v, ">") {
		if i := strings.LastIndexByte(v, '<'); i >= 0 {
			name, addr = strings.TrimSpace(v[:i]), v[i+1:len(v)-1]
		}
	} else if !strings.ContainsAny(v, " \t") {
		addr = v
	} else {
		name = v
	}
	addr = strings.ToLower(strings.TrimSpace(addr))
	if !strings.Contains(addr, "@") {
		if name == "" {
			name = addr
		}
		addr = ""
	}
	return name, addr
}
