package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"path"
	"strings"
	"time"

	"github.com/newsroom/dossier"
	"github.com/newsroom/dossier/internal/dkim"
	"github.com/newsroom/dossier/internal/meta"
)

// projItem is one document to write to the projection.
type projItem struct {
	pub     *Publication
	red     *Redaction
	refresh bool // the row exists: rewrite it, no new log record
}

// projectRelease writes a published release's documents to the
// projection, refreshing documents published earlier whose parent it
// publishes, and the release itself, in one transaction.
func (p *Publisher) projectRelease(ctx context.Context, name string) error {
	rel, err := p.Store.Release(ctx, name)
	if err != nil {
		return err
	}
	all, err := p.Store.Publications(ctx, PublicationFilter{Release: name})
	if err != nil {
		return err
	}
	live, err := p.live(ctx)
	if err != nil {
		return err
	}
	docs, err := p.Store.ReleaseDocs(ctx, name)
	if err != nil {
		return err
	}
	reds := map[int64]*Redaction{}
	for _, d := range docs {
		if d.Redaction != nil {
			reds[d.Num] = d.Redaction
		}
	}
	var items []projItem
	var nums []int64
	for i := range all {
		pub := &all[i]
		if !pub.Live() {
			continue
		}
		items = append(items, projItem{pub: pub, red: reds[pub.Num]})
		nums = append(nums, pub.Num)
	}
	kids, err := p.liveChildren(ctx, nums, name, live)
	if err != nil {
		return err
	}
	items = append(items, kids...)
	w := PublicWrite{Docs: p.publicDocs(ctx, items, live)}
	if rel.PublishedAt != nil {
		w.Releases = []PublicRelease{{Name: name, PublishedAt: *rel.PublishedAt, Documents: len(all)}}
	}
	if err := p.Projection.WritePublic(ctx, w); err != nil {
		return fmt.Errorf("publish %s: %w", name, err)
	}
	return p.Store.SetProjected(ctx, name, p.now())
}

// liveChildren returns, as refresh items, the published children of
// nums that are not in release except (their row depends on whether their
// parent is public).
func (p *Publisher) liveChildren(ctx context.Context, nums []int64, except string, live map[int64]*Publication) ([]projItem, error) {
	if len(nums) == 0 {
		return nil, nil
	}
	kids, err := p.Store.Descendants(ctx, nums, 1)
	if err != nil {
		return nil, err
	}
	var out []projItem
	for _, k := range kids {
		pub := live[k.Num]
		if pub == nil || pub.Release == except || pub.LogIndex == nil {
			continue
		}
		it := projItem{pub: pub, refresh: true}
		if pub.RedactedSHA256 != "" {
			rd, err := p.Store.ReleaseDoc(ctx, pub.Release, pub.Num)
			if err != nil {
				return nil, err
			}
			it.red = rd.Redaction
		}
		out = append(out, it)
	}
	return out, nil
}

// RebuildProjection rebuilds the public projection from scratch from the
// publications recorded in the archive, in one transaction: every live,
// confirmed publication, every withdrawal notice and every published
// release.
func (p *Publisher) RebuildProjection(ctx context.Context) error {
	unlock, err := p.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	all, err := p.Store.Publications(ctx, PublicationFilter{})
	if err != nil {
		return err
	}
	live := map[int64]*Publication{}
	counts := map[string]int{}
	var withdrawn []Withdrawal
	for i := range all {
		pub := &all[i]
		counts[pub.Release]++
		switch {
		case pub.Live() && pub.LogIndex != nil:
			live[pub.Num] = pub
		case !pub.Live() && pub.WithdrawLogIndex != nil:
			withdrawn = append(withdrawn, Withdrawal{Num: pub.Num, Release: pub.Release, PublishedAt: pub.PublishedAt,
				WithdrawnAt: *pub.WithdrawnAt, Reason: pub.WithdrawReason, LogIndex: *pub.WithdrawLogIndex, Entry: pub.WithdrawEntry})
		}
	}
	rels, err := p.Store.Releases(ctx)
	if err != nil {
		return err
	}
	var releases []PublicRelease
	reds := map[int64]*Redaction{}
	for _, r := range rels {
		if r.State != Published || r.PublishedAt == nil {
			continue
		}
		releases = append(releases, PublicRelease{Name: r.Name, PublishedAt: *r.PublishedAt, Documents: counts[r.Name]})
		docs, err := p.Store.ReleaseDocs(ctx, r.Name)
		if err != nil {
			return err
		}
		for _, d := range docs {
			if l := live[d.Num]; l != nil && l.Release == r.Name && d.Redaction != nil {
				reds[d.Num] = d.Redaction
			}
		}
	}
	items := make([]projItem, 0, len(live))
	for i := range all {
		pub := &all[i]
		if live[pub.Num] == pub {
			items = append(items, projItem{pub: pub, red: reds[pub.Num]})
		}
	}
	if err := p.Projection.WritePublic(ctx, PublicWrite{Reset: true, Docs: p.publicDocs(ctx, items, live),
		Withdrawn: withdrawn, Releases: releases}); err != nil {
		return fmt.Errorf("rebuild projection: %w", err)
	}
	now := p.now()
	for _, r := range releases {
		if err := p.Store.SetProjected(ctx, r.Name, now); err != nil {
			return err
		}
	}
	return nil
}

// publicDocs builds the projection rows of items in parallel.
func (p *Publisher) publicDocs(ctx context.Context, items []projItem, live map[int64]*Publication) iter.Seq2[*PublicDoc, error] {
	return p.produce(ctx, len(items), func(ctx context.Context, i int) (*PublicDoc, error) {
		return p.publicDoc(ctx, items[i], live)
	})
}

// publicDoc reads what one document's projection row needs from the
// archive and builds it.
func (p *Publisher) publicDoc(ctx context.Context, it projItem, live map[int64]*Publication) (*PublicDoc, error) {
	pub := it.pub
	d, err := p.Store.DocByNum(ctx, pub.Num)
	if err != nil {
		return nil, fmt.Errorf("document %d: %w", pub.Num, err)
	}
	c := docContext{red: it.red, publishedAt: pub.PublishedAt, publicID: publicID(d, redactedSHA(it.red))}
	if it.red != nil {
		c.text = it.red.Text
	} else if c.text, err = p.Store.Text(ctx, d.Num); err != nil {
		return nil, fmt.Errorf("document %d: %w", d.Num, err)
	}
	if d.Kind == dossier.KindEmail && (it.red == nil || it.red.KeepDKIM) {
		if c.auth, err = p.Store.Auth(ctx, d.Num); err != nil {
			return nil, err
		}
	}
	if d.ParentID != "" {
		parent, err := p.Store.Doc(ctx, d.ParentID)
		if err != nil && !errors.Is(err, meta.ErrNotFound) {
			return nil, err
		}
		if parent != nil {
			c.parent = parent
			if l := live[parent.Num]; l != nil {
				c.parentPublicID = publicID(parent, l.RedactedSHA256)
				c.parentVisible = l.RedactedSHA256 == ""
			}
		}
	}
	if d.DuplicateOf != "" {
		canon, err := p.Store.Doc(ctx, d.DuplicateOf)
		if err != nil && !errors.Is(err, meta.ErrNotFound) {
			return nil, err
		}
		if canon != nil {
			if l := live[canon.Num]; l != nil && l.RedactedSHA256 == "" {
				c.canonicalPublicID = canon.ID
			}
		}
	}
	e := publicDocument(d, c)
	if e.Index != nil {
		p.Projection.PrepareIndex(e.Index)
	}
	pd := &PublicDoc{Entry: e}
	if !it.refresh && pub.LogIndex != nil {
		pd.Log = &LogRecord{Num: pub.Num, Release: pub.Release, Type: TypePublish, Time: pub.PublishedAt,
			LogIndex: *pub.LogIndex, Entry: pub.Entry}
	}
	return pd, nil
}

// docContext is what decides a document's public row besides its own.
type docContext struct {
	text        string
	auth        *dkim.Report
	red         *Redaction
	publicID    string
	publishedAt time.Time
	// parent is the private parent (nil for a top-level document);
	// parentPublicID its public id if it is published, else "";
	// parentVisible whether it is published as its original, so that
	// what the document inherits from it may show.
	parent            *meta.Document
	parentPublicID    string
	parentVisible     bool
	canonicalPublicID string // the document it duplicates, if published
}

// publicDocument builds a document's projection row from its private row:
// everything shown derives from the published bytes, or from a published
// parent.
func publicDocument(d *meta.Document, c docContext) meta.Entry {
	pd := *d
	pd.ID = c.publicID
	pd.ParentID = c.parentPublicID
	pd.DuplicateOf = c.canonicalPublicID
	pd.Reason = ""
	pd.Flags = nil
	pd.DKIM = ""
	pd.IngestedAt = c.publishedAt
	text := c.text
	if red := c.red; red != nil {
		pd.SHA256, pd.Size = red.SHA256, red.Size
		if red.MIME != "" && red.MIME != d.MIME {
			pd.MIME, pd.Kind = red.MIME, kindOf(red.MIME)
		}
		if red.Filename != "" {
			pd.Filename = red.Filename
		}
		pd.Status = dossier.Indexed
		pd.DuplicateOf = ""
		pd.MessageID, pd.ThreadID, pd.ThreadRoot, pd.Subject, pd.Sender, pd.SenderName = "", "", "", "", "", ""
		pd.Date, pd.HasAttachments = nil, false
		pd.Lang, pd.Author, pd.Editor, pd.OCR, pd.Encrypted = "", "", "", false, false
		pd.Meta = nil
		if len(red.Pages) > 0 {
			pd.Meta, _ = json.Marshal(meta.DocMeta{Pages: red.Pages})
		}
		if pd.ParentID == "" {
			pd.Path = publicName(&pd)
		}
		e := meta.Entry{Doc: &pd, Text: text, Index: &meta.IndexFields{Body: text, Filename: pd.Filename}}
		if red.KeepDKIM && c.auth != nil {
			sum := &dkim.Report{Verdict: c.auth.Verdict, AsOf: c.auth.AsOf, Signatures: []dkim.Signature{}}
			for _, s := range c.auth.Signatures {
				sum.Signatures = append(sum.Signatures, dkim.Signature{Domain: s.Domain, Selector: s.Selector, Result: s.Result})
			}
			e.Auth = sum
		}
		return e
	}
	if pd.ParentID == "" {
		pd.Path = publicName(&pd)
	}
	var dm *meta.DocMeta
	var em *meta.EmailMeta
	if len(d.Meta) > 0 {
		if d.Kind == dossier.KindEmail {
			em = &meta.EmailMeta{}
			if json.Unmarshal(d.Meta, em) != nil {
				em = nil
			}
		} else {
			dm = &meta.DocMeta{}
			if json.Unmarshal(d.Meta, dm) != nil {
				dm = nil
			}
		}
	}
	if par := c.parent; d.Kind != dossier.KindEmail && par != nil && !c.parentVisible {
		// What an attachment inherits from its email is the email's,
		// and the email is private.
		if pd.Sender == par.Sender {
			pd.Sender, pd.SenderName = "", ""
		}
		if pd.ThreadID == par.ThreadID {
			pd.ThreadID = ""
		}
		if sameTime(pd.Date, par.Date) {
			pd.Date = ownDate(dm)
		}
	}
	pd.Meta = nil
	switch {
	case em != nil:
		em.Mailbox = "" // maildir flags come from the source's file names
		pd.Meta, _ = json.Marshal(em)
	case dm != nil:
		dm.Flags, dm.Problems = nil, nil
		dm.Document.GPS = nil
		pd.Meta, _ = json.Marshal(dm)
	}
	e := meta.Entry{Doc: &pd, Text: text, Auth: c.auth}
	if pd.Status == dossier.Indexed {
		idx := &meta.IndexFields{Subject: pd.Subject, Body: text, Filename: pd.Filename, Date: pd.Date}
		if em != nil {
			idx.From, idx.To, idx.Cc, idx.Bcc = em.From, em.To, em.Cc, em.Bcc
		} else {
			if pd.Lang == "fr" || pd.Lang == "en" {
				idx.Lang = pd.Lang
			}
			if par := c.parent; c.parentVisible && par.Kind == dossier.KindEmail {
				var pm meta.EmailMeta
				if json.Unmarshal(par.Meta, &pm) == nil {
					idx.From, idx.To, idx.Cc, idx.Bcc = pm.From, pm.To, pm.Cc, pm.Bcc
				}
			}
			if dm != nil && dm.Document.Extra["message-class"] != "" {
				x := dm.Document.Extra
				idx.Subject = x["subject"]
				idx.From, idx.To, idx.Cc, idx.Bcc = one(x["from"]), one(x["to"]), one(x["cc"]), one(x["bcc"])
			}
		}
		e.Index = idx
	}
	return e
}

func one(s string) []string {
	if s = strings.TrimSpace(s); s != "" {
		return []string{s}
	}
	return nil
}

// publicName is the path shown for a document whose parent is private:
// its file name, never the path it had in the leak.
func publicName(d *meta.Document) string {
	if d.Filename != "" {
		return path.Base(strings.ReplaceAll(d.Filename, "\\", "/"))
	}
	return path.Base(strings.ReplaceAll(d.Path, "\\", "/"))
}

func sameTime(a, b *time.Time) bool {
	return a != nil && b != nil && a.Equal(*b)
}

// ownDate is a document's date from its own metadata.
func ownDate(dm *meta.DocMeta) *time.Time {
	if dm == nil {
		return nil
	}
	for _, t := range []*time.Time{dm.Document.Created, dm.Document.Modified, dm.Document.TakenAt} {
		if t != nil {
			return t
		}
	}
	return nil
}

// kindOf is the kind of a derivative of another type than its original.
func kindOf(mime string) dossier.Kind {
	mime, _, _ = strings.Cut(mime, ";")
	switch {
	case mime == "message/rfc822":
		return dossier.KindEmail
	case mime == "application/pdf":
		return dossier.KindPDF
	case mime == "text/html":
		return dossier.KindHTML
	case strings.HasPrefix(mime, "text/"):
		return dossier.KindText
	case strings.HasPrefix(mime, "image/"):
		return dossier.KindImage
	}
	return dossier.KindOther
}
