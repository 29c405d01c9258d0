package ingest

import (
	"context"
	"fmt"
	"strings"

	"github.com/newsroom/dossier"
	"github.com/newsroom/dossier/internal/dkim"
	"github.com/newsroom/dossier/internal/extract/email"
	"github.com/newsroom/dossier/internal/extract/textdecode"
	"github.com/newsroom/dossier/internal/meta"
)

// extractEmail fills in the email document at u.entries[at] and processes
// its attachments and embedded messages as children.
func (r *run) extractEmail(ctx context.Context, u *unit, at int, it item) error {
	lim := email.DefaultLimits
	lim.MaxParts = r.opts.Limits.MaxParts
	m, err := email.Parse(it.data, lim)
	e := &u.entries[at]
	d := e.Doc
	if err != nil {
		d.Status, d.Reason = dossier.Failed, fmt.Sprintf("parse email: %v", err)
		return nil
	}
	d.Status = dossier.Indexed
	d.MessageID, d.Subject = m.MessageID, m.Subject
	if len(m.From) > 0 {
		d.Sender, d.SenderName = strings.ToLower(m.From[0].Addr), m.From[0].Name
	}
	if !m.Date.IsZero() {
		t := m.Date
		d.Date = &t
	}
	root := d.MessageID
	switch {
	case len(m.References) > 0:
		root = m.References[0]
	case len(m.InReplyTo) > 0:
		root = m.InReplyTo[0]
	}
	if root != d.MessageID {
		d.ThreadRoot = root
	}
	if root == "" {
		root = "doc:" + d.ID
	}
	d.ThreadID = threadID(root)
	em := meta.EmailMeta{
		From: addrs(m.From), Sender: addrs(m.Sender), To: addrs(m.To), Cc: addrs(m.Cc), Bcc: addrs(m.Bcc),
		ReplyTo: addrs(m.ReplyTo), DateRaw: m.DateRaw, InReplyTo: m.InReplyTo, References: m.References,
		Problems: m.Problems, TextFrom: "plain", Mailbox: it.flags,
	}
	if m.TextFromHTML {
		em.TextFrom = "html"
	}
	if len(m.Problems) > 0 {
		d.Reason = "parsed with problems: " + strings.Join(m.Problems, "; ")
		if len(d.Reason) > 500 {
			d.Reason = d.Reason[:500] + "…"
		}
	}
	d.Meta = marshal(em)
	if r.opts.Keys != nil {
		rep, err := dkim.Verify(ctx, it.data, dkim.Options{Keys: r.opts.Keys, AsOf: r.opts.AsOf})
		if err != nil {
			return err // only a cancelled context
		}
		e.Auth = rep
	}
	e.Text = m.Text
	d.Lang = detectLang(m.Text)
	e.Index = &meta.IndexFields{Subject: m.Subject, Body: m.Text, Filename: it.filename,
		From: em.From, To: em.To, Cc: em.Cc, Bcc: em.Bcc}

	inh := inherited{collection: it.inh.collection, date: d.Date, sender: d.Sender, senderName: d.SenderName,
		threadID: d.ThreadID, from: em.From, to: em.To, cc: em.Cc, bcc: em.Bcc}
	if r.reindex {
		for _, p := range m.Parts {
			d.HasAttachments = d.HasAttachments || !p.Alternative
		}
		return nil
	}
	for _, p := range m.Parts {
		if err := ctx.Err(); err != nil {
			return context.Cause(ctx)
		}
		if !p.Alternative {
			d.HasAttachments = true
		}
		child := item{parentID: d.ID, path: "part:" + p.Path, data: p.Data, depth: it.depth + 1,
			filename: p.Filename, mime: p.ContentType, charset: p.Charset, alt: p.Alternative, inh: inh}
		if p.ContentType == "message/rfc822" {
			child.inh = inherited{collection: it.inh.collection}
		}
		if err := r.processItem(ctx, u, child); err != nil {
			return err
		}
	}
	return nil
}

func addrs(as []email.Address) []string {
	if len(as) == 0 {
		return nil
	}
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.String()
	}
	return out
}

// decodeText turns a text or HTML document into UTF-8 text.
func decodeText(data []byte, mime, charset string) (string, string) {
	res := textdecode.Decode(data, mime, charset)
	return res.Text, res.Problem
}
