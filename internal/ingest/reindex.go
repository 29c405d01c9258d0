package ingest

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/newsroom/dossier"
	"github.com/newsroom/dossier/internal/blob"
	"github.com/newsroom/dossier/internal/blobstore"
	"github.com/newsroom/dossier/internal/meta"
)

// DocSource lists recorded documents, for Reindex.
type DocSource interface {
	// Documents calls fn for every document in number order.
	Documents(ctx context.Context, fn func(*meta.Document) error) error
	// Doc returns a document by id.
	Doc(ctx context.Context, id string) (*meta.Document, error)
}

// Reindex re-extracts every indexed or failed document from its blob and
// rewrites its fields, text and index entry in place (same id, same number).
// Children are not rediscovered: they have rows of their own. It returns the
// number of documents rewritten.
func (ing *Ingester) Reindex(ctx context.Context, src DocSource) (int64, error) {
	r := &run{ing: ing, opts: Options{Limits: DefaultLimits}, reindex: true}
	var (
		batch meta.Batch
		n     int64
	)
	flush := func() error {
		if len(batch.Entries) == 0 {
			return nil
		}
		if _, err := ing.Store.Commit(ctx, &batch); err != nil {
			return err
		}
		n += int64(len(batch.Entries))
		batch = meta.Batch{}
		return nil
	}
	var todo []*meta.Document
	err := src.Documents(ctx, func(d *meta.Document) error {
		if (d.Status == dossier.Indexed || d.Status == dossier.Failed) && d.SHA256 != "" {
			todo = append(todo, d)
		}
		if len(todo) >= 500 {
			if err := r.reextractAll(ctx, src, todo, &batch); err != nil {
				return err
			}
			todo = todo[:0]
			return flush()
		}
		return nil
	})
	if err == nil {
		err = r.reextractAll(ctx, src, todo, &batch)
	}
	if err == nil {
		err = flush()
	}
	if err == nil {
		_, err = ing.Store.FixThreads(ctx)
	}
	if err != nil {
		return n, fmt.Errorf("reindex: %w", err)
	}
	return n, nil
}

func (r *run) reextractAll(ctx context.Context, src DocSource, docs []*meta.Document, b *meta.Batch) error {
	for _, d := range docs {
		e, err := r.reextract(ctx, src, d)
		if err != nil {
			return err
		}
		b.Entries = append(b.Entries, e)
	}
	return nil
}

func (r *run) reextract(ctx context.Context, src DocSource, d *meta.Document) (meta.Entry, error) {
	r.opts.Collection = d.Collection
	ref, err := blob.Parse(d.SHA256)
	if err != nil {
		return meta.Entry{}, err
	}
	data, err := blobstore.Get(ctx, r.ing.Blobs, ref)
	if err != nil {
		return meta.Entry{}, fmt.Errorf("document %s: %w", d.ID, err)
	}
	if d.Kind == dossier.KindMbox {
		e := meta.Entry{Doc: d, Index: &meta.IndexFields{Filename: d.Filename}, Replace: true}
		r.prepare(&e)
		return e, nil
	}
	it := item{parentID: d.ParentID, path: d.Path, data: data, depth: d.Depth, filename: d.Filename,
		inh: inherited{collection: d.Collection}}
	if d.Depth == 0 {
		it.parentID = dossier.RootParent(d.Collection)
	}
	if d.Kind == dossier.KindEmail {
		it.mime = "message/rfc822"
	} else if d.Kind == dossier.KindOther {
		it.mime = d.MIME
	}
	if d.ParentID != "" {
		if p, err := src.Doc(ctx, d.ParentID); err == nil && p.Kind == dossier.KindEmail {
			var em meta.EmailMeta
			json.Unmarshal(p.Meta, &em)
			it.inh = inherited{collection: d.Collection, date: p.Date, sender: p.Sender, senderName: p.SenderName,
				threadID: p.ThreadID, from: em.From, to: em.To, cc: em.Cc, bcc: em.Bcc}
			if d.Kind == dossier.KindEmail {
				it.inh = inherited{collection: d.Collection}
			}
		}
	}
	u := &unit{}
	if err := r.processItem(ctx, u, it); err != nil {
		return meta.Entry{}, err
	}
	e := u.entries[0]
	if e.Doc.ID != d.ID {
		return meta.Entry{}, fmt.Errorf("document %s: re-extraction gave id %s (path or bytes changed?)", d.ID, e.Doc.ID)
	}
	e.Doc.Num = d.Num
	e.Replace = true
	r.prepare(&e)
	return e, nil
}
