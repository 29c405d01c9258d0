package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/newsroom/dossier"
	"github.com/newsroom/dossier/internal/blob"
	"github.com/newsroom/dossier/internal/blobstore"
	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/source"
)

// unit is a set of entries committed atomically: an input file with all
// its descendants, or one message of an mbox with its descendants.
type unit struct {
	entries []meta.Entry
	input   *meta.Input // recorded with the unit; Done marks the input complete
	claimed []claim     // released once committed
	bytes   int64       // input bytes accounted for when committed
	// expanded counts the bytes extracted from containers in this unit,
	// against the whole tree's budget (a recursive bomb is many small
	// containers, each within its own budget).
	expanded int64
	last     bool // the input's last unit
	top      bool // counts toward the input summary
	// supersede is the id of a failed, unread record of the same input
	// that this unit replaces (see meta.Batch.Superseded).
	supersede string
}

// inherited is what a child document takes from its ancestors.
type inherited struct {
	collection string
	date       *time.Time
	sender     string
	senderName string
	threadID   string
	from       []string
	to, cc     []string
	bcc        []string
}

// item is a document about to be processed.
type item struct {
	parentID string
	path     string
	data     []byte
	depth    int
	filename string
	mime     string // declared type (from MIME headers), "" if none
	alt      bool   // an alternative rendering of its parent's body
	charset  string // declared charset, "" if none
	inh      inherited
	flags    string
	// ancestors are the SHA-256s of the item's containers: an archive
	// that contains itself (droste.zip, quine.gz) stops there.
	ancestors []string
}

func (r *run) emit(ctx context.Context, u *unit) error {
	for i := range u.entries {
		r.prepare(&u.entries[i])
	}
	select {
	case r.units <- u:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// prepare completes an entry's index fields from its document and has the
// store analyse them, in the calling worker.
func (r *run) prepare(e *meta.Entry) {
	if e.Index == nil {
		return
	}
	e.Index.Date = e.Doc.Date
	r.ing.Store.PrepareIndex(e.Index)
	if r.ing.People != nil {
		e.Mentions = r.ing.People.Analyze(e.Doc, e.Text, false)
	}
}

// processInput handles one input file. It returns an error only when the run
// itself must stop (the blob store or database failing); problems with the
// file are recorded in the ledger.
func (r *run) processInput(ctx context.Context, j job) error {
	st := r.ing.Store
	in := &meta.Input{Collection: r.opts.Collection, Path: j.rel, Size: j.size, MTime: j.mtime, Done: true}
	root := dossier.RootParent(r.opts.Collection)
	top := item{parentID: root, path: j.rel, depth: 0, filename: baseName(j.rel), flags: j.flags,
		inh: inherited{collection: r.opts.Collection}}

	if j.skip != "" || j.failed != "" {
		d := r.newDoc(top, "", 0)
		d.Kind, d.MIME = dossier.KindOther, "application/octet-stream"
		d.Status, d.Reason = dossier.Skipped, j.skip
		if j.failed != "" {
			d.Status, d.Reason = dossier.Failed, j.failed
		}
		in.DocID = d.ID
		return r.emit(ctx, &unit{entries: []meta.Entry{{Doc: d, Replace: r.opts.RetryFailed}}, input: in, bytes: j.size, last: true, top: true})
	}

	prev, err := st.Input(ctx, r.opts.Collection, j.rel)
	if err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	if !r.opts.RetryFailed {
		if prev != nil && prev.Done && prev.Size == j.size && prev.MTime == j.mtime {
			r.mu.Lock()
			r.sum.Unchanged++
			r.mu.Unlock()
			r.inputsDone.Add(1)
			r.bytesDone.Add(j.size)
			return nil
		}
	}

	f, err := r.ing.openFile(j.abs)
	if err != nil {
		return r.failInput(ctx, top, in, j.size, fmt.Sprintf("open: %v", err))
	}
	defer f.Close()
	head := make([]byte, source.SniffLen)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return r.failInput(ctx, top, in, j.size, fmt.Sprintf("read: %v", err))
	}
	head = head[:n]
	kind, _ := source.Sniff(head)

	if kind == source.KindMbox || j.size > r.opts.Limits.MaxItemBytes {
		return r.processLarge(ctx, j, top, in, kind == source.KindMbox)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return r.failInput(ctx, top, in, j.size, fmt.Sprintf("read: %v", err))
	}
	data, err := io.ReadAll(io.LimitReader(f, r.opts.Limits.MaxItemBytes+1))
	if err != nil {
		return r.failInput(ctx, top, in, j.size, fmt.Sprintf("read: %v", err))
	}
	top.data = data
	u := &unit{input: in, bytes: j.size, last: true, top: true}
	if prev != nil && prev.DocID != dossier.DocID(root, j.rel, blob.Of(data).String()) {
		u.supersede = prev.DocID
	}
	if err := r.processItem(ctx, u, top); err != nil {
		return err
	}
	if len(u.entries) > 0 {
		in.DocID = u.entries[0].Doc.ID
	} else {
		in.DocID = dossier.DocID(root, j.rel, blob.Of(data).String())
	}
	return r.emit(ctx, u)
}

// failInput records an input file that could not be read.
func (r *run) failInput(ctx context.Context, top item, in *meta.Input, size int64, reason string) error {
	d := r.newDoc(top, "", 0)
	d.Kind, d.MIME = dossier.KindOther, "application/octet-stream"
	d.Status, d.Reason = dossier.Failed, reason
	in.DocID = d.ID
	return r.emit(ctx, &unit{entries: []meta.Entry{{Doc: d, Replace: r.opts.RetryFailed}}, input: in, bytes: size, last: true, top: true})
}

// processLarge stores a file without reading it into memory and, for an
// mbox, streams its messages as children.
func (r *run) processLarge(ctx context.Context, j job, top item, in *meta.Input, mbox bool) error {
	ref, size, err := blobstore.PutFile(ctx, r.ing.Blobs, j.abs)
	if err != nil {
		if errors.Is(err, blob.ErrCorrupt) {
			return r.failInput(ctx, top, in, j.size, "file changed while it was read")
		}
		var pe *os.PathError
		if errors.As(err, &pe) {
			return r.failInput(ctx, top, in, j.size, fmt.Sprintf("read: %v", err))
		}
		return fmt.Errorf("ingest %s: %w", j.rel, err)
	}
	d := r.newDoc(top, ref.String(), size)
	in.DocID = d.ID
	u := &unit{input: in, top: true}
	if !mbox {
		d.Kind, d.MIME = dossier.KindOther, "application/octet-stream"
		d.Status = dossier.Skipped
		d.Reason = fmt.Sprintf("too large to extract (%d bytes; limit %d)", size, r.opts.Limits.MaxItemBytes)
		u.entries = append(u.entries, meta.Entry{Doc: d, Replace: r.opts.RetryFailed})
		u.bytes, u.last = j.size, true
		return r.emit(ctx, u)
	}
	d.Kind, d.MIME = dossier.KindMbox, "application/mbox"
	_, replace, err := r.recorded(ctx, d.ID)
	if err != nil {
		return err
	}
	if ok, err := r.claimOrDuplicate(ctx, u, d); err != nil {
		return err
	} else if !ok {
		u.entries = append(u.entries, meta.Entry{Doc: d})
		u.bytes, u.last = j.size, true
		return r.emit(ctx, u)
	}
	d.Status = dossier.Indexed
	u.entries = append(u.entries, meta.Entry{Doc: d, Index: &meta.IndexFields{Filename: top.filename}, Replace: replace})
	u.input = &meta.Input{Collection: in.Collection, Path: in.Path, Size: in.Size, MTime: in.MTime, DocID: d.ID}
	if err := r.emit(ctx, u); err != nil {
		return err
	}

	f, err := os.Open(j.abs)
	if err != nil {
		return fmt.Errorf("ingest %s: %w", j.rel, err)
	}
	defer f.Close()
	mr := source.NewMboxReader(f, source.Limits{MaxMessageBytes: r.opts.Limits.MaxItemBytes})
	var done int64
	for {
		m, err := mr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			// The rest of the file cannot be split: record it and stop.
			fu := &unit{}
			fd := r.newDoc(item{parentID: d.ID, path: fmt.Sprintf("message:%d", m.Index), depth: 1, inh: top.inh}, "", 0)
			fd.Kind, fd.MIME, fd.Status = dossier.KindOther, "application/octet-stream", dossier.Failed
			fd.Reason = fmt.Sprintf("mbox split stopped at byte %d: %v", m.Offset, err)
			fu.entries = append(fu.entries, meta.Entry{Doc: fd})
			if err := r.emit(ctx, fu); err != nil {
				return err
			}
			break
		}
		it := item{parentID: d.ID, path: fmt.Sprintf("message:%d", m.Index), data: m.Data, depth: 1,
			mime: "message/rfc822", inh: inherited{collection: r.opts.Collection}}
		mu := &unit{bytes: m.Framing + m.Size + m.Unquoted + m.Trailer}
		done += mu.bytes
		if m.Truncated {
			mu.entries = append(mu.entries, r.truncated(it, m.Size))
		} else if err := r.processItem(ctx, mu, it); err != nil {
			return err
		}
		if err := r.emit(ctx, mu); err != nil {
			return err
		}
	}
	end := &unit{input: in, last: true, bytes: j.size - done}
	return r.emit(ctx, end)
}

func (r *run) truncated(it item, full int64) meta.Entry {
	ref := blob.Of(it.data)
	d := r.newDoc(it, ref.String(), int64(len(it.data)))
	d.Kind, d.MIME, d.Status = dossier.KindEmail, "message/rfc822", dossier.Skipped
	d.Reason = fmt.Sprintf("message too large to extract (%d bytes; limit %d); the whole mbox is kept", full, r.opts.Limits.MaxItemBytes)
	d.SHA256, d.Size = "", full
	return meta.Entry{Doc: d}
}

// newDoc starts a document for an item whose bytes hash to sha.
func (r *run) newDoc(it item, sha string, size int64) *meta.Document {
	d := &meta.Document{
		ID:         dossier.DocID(it.parentID, it.path, sha),
		Path:       it.path,
		SHA256:     sha,
		Size:       size,
		Collection: r.opts.Collection,
		Filename:   it.filename,
		Depth:      it.depth,
		Status:     dossier.Pending,
	}
	if it.depth > 0 {
		d.ParentID = it.parentID
	}
	return d
}

// recorded looks a document up before it is processed. An ordinary run
// skips a document already recorded (its descendants were recorded in the
// same transaction). A retry processes everything under a failed input
// again, but rewrites only the documents that failed.
func (r *run) recorded(ctx context.Context, id string) (skip, replace bool, err error) {
	status, err := r.ing.Store.Status(ctx, id)
	if err != nil {
		return false, false, fmt.Errorf("ingest: %w", err)
	}
	if status == "" || status == string(dossier.Pending) {
		return false, false, nil
	}
	if !r.opts.RetryFailed {
		return true, false, nil
	}
	return false, status == string(dossier.Failed), nil
}

// claimOrDuplicate decides whether d is the canonical document of its blob.
// It returns false, having marked d a duplicate, when an earlier document
// has the same bytes.
func (r *run) claimOrDuplicate(ctx context.Context, u *unit, d *meta.Document) (bool, error) {
	if other, ok := r.claims.claim(d.SHA256, d.ID); !ok {
		d.Status, d.DuplicateOf = dossier.Duplicate, other
		return false, nil
	}
	u.claimed = append(u.claimed, claim{d.SHA256, d.ID})
	canon, err := r.ing.Store.Canonical(ctx, d.SHA256)
	if err != nil {
		return false, fmt.Errorf("ingest: %w", err)
	}
	if canon != "" && canon != d.ID {
		d.Status, d.DuplicateOf = dossier.Duplicate, canon
		return false, nil
	}
	return true, nil
}

// processItem stores an item's bytes, decides its status, extracts it and
// recurses into its children, appending entries to u (parents first).
func (r *run) processItem(ctx context.Context, u *unit, it item) (err error) {
	ref := blob.Of(it.data)
	sha := ref.String()
	d := r.newDoc(it, sha, int64(len(it.data)))
	skip, replace, err := false, r.reindex, error(nil)
	if !r.reindex {
		skip, replace, err = r.recorded(ctx, d.ID)
	}
	if err != nil || skip {
		return err
	}
	if r.reindex {
		// the blob is stored already
	} else if _, err := blobstore.Receive(ctx, r.ing.Blobs, ref, bytesReader(it.data)); err != nil {
		return fmt.Errorf("ingest %s: store: %w", it.path, err)
	}
	entryAt := len(u.entries)
	u.entries = append(u.entries, meta.Entry{Doc: d, Replace: replace})

	kind, mime := source.Sniff(it.data[:min(len(it.data), source.SniffLen)])
	if mime == "application/zip" || mime == "application/java-archive" {
		// An EPUB, OpenDocument or OOXML package whose marker entry is
		// not first.
		if k, m, ok := source.RefineZip(it.data); ok {
			kind, mime = k, m
		}
	}
	d.Kind, d.MIME = dossier.Kind(kind), mime
	if it.mime == "message/rfc822" && kind != source.KindMbox {
		d.Kind, d.MIME = dossier.KindEmail, "message/rfc822"
	}
	if it.mime != "" && d.Kind == dossier.KindOther && it.mime != "application/octet-stream" {
		d.MIME = it.mime
	}
	inheritInto(d, it.inh)

	if !r.reindex {
		if ok, err := r.claimOrDuplicate(ctx, u, d); err != nil || !ok {
			return err
		}
	}
	if it.alt {
		d.Status = dossier.Skipped
		d.Reason = "alternative rendering of the message body (the message's text comes from the plain part)"
		return nil
	}
	if slices.Contains(it.ancestors, sha) {
		d.Status = dossier.Skipped
		d.Reason = "same bytes as a document it is inside (a self-containing archive); not extracted again"
		return nil
	}
	if it.depth > r.opts.Limits.MaxDepth {
		d.Status = dossier.Skipped
		d.Reason = fmt.Sprintf("nested deeper than %d levels", r.opts.Limits.MaxDepth)
		return nil
	}

	defer func() {
		if p := recover(); p != nil {
			u.entries = u.entries[:entryAt+1]
			e := &u.entries[entryAt]
			e.Index, e.Text = nil, ""
			e.Doc.Status = dossier.Failed
			e.Doc.Reason = fmt.Sprintf("extractor crashed: %v", p)
			r.opts.Logger.Error("extractor panic", "path", it.path, "panic", p, "stack", string(debug.Stack()))
			err = nil
		}
	}()

	if d.Kind != dossier.KindEmail && r.opts.Extractors != nil {
		if ex := r.opts.Extractors.For(d.Kind, d.MIME); ex != nil {
			return r.extractDocument(ctx, u, entryAt, it, ex)
		}
	}
	switch d.Kind {
	case dossier.KindEmail:
		return r.extractEmail(ctx, u, entryAt, it)
	case dossier.KindText, dossier.KindHTML:
		text, problem := decodeText(it.data, d.MIME, it.charset)
		e := &u.entries[entryAt]
		e.Text = text
		e.Index = r.indexFields(it, text)
		d.Lang = detectLang(text)
		if d.Lang == "fr" || d.Lang == "en" {
			e.Index.Lang = d.Lang
		}
		d.Status = dossier.Indexed
		if problem != "" {
			d.Reason = problem
		}
	case dossier.KindMbox:
		d.Status = dossier.Skipped
		d.Reason = "mbox nested inside another document is stored but not split"
	default:
		e := &u.entries[entryAt]
		e.Index = r.indexFields(it, "")
		d.Status = dossier.Indexed
		d.Reason = "stored and listed; no text extractor for " + d.MIME + " yet"
	}
	return nil
}

func (r *run) indexFields(it item, text string) *meta.IndexFields {
	return &meta.IndexFields{Body: text, Filename: it.filename, From: it.inh.from, To: it.inh.to, Cc: it.inh.cc, Bcc: it.inh.bcc}
}

func inheritInto(d *meta.Document, inh inherited) {
	d.Date = inh.date
	d.Sender, d.SenderName = inh.sender, inh.senderName
	d.ThreadID = inh.threadID
}

// threadID names a thread by its root message id: the first of References,
// else In-Reply-To, else the message's own id.
func threadID(root string) string {
	h := sha256.Sum256([]byte(strings.ToLower(root)))
	return hex.EncodeToString(h[:8])
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

func marshal(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}
