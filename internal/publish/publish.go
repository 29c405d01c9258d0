// Package publish makes chosen documents of a private archive public:
// releases (named sets of documents), their publication at a time, the
// canonical log entries appended to the transparency log, withdrawals,
// and the public projection, a separate database holding only what is
// published.
//
// # Order of writes
//
// Publishing a release, under an exclusive lock on [Publisher.LockFile]:
//
//  1. build each document's log entry ([Entry], canonical bytes);
//  2. record them as pending publications and the release as publishing
//     (one transaction of the private store);
//  3. append them to the log ([Log]), in batches, recording each batch's
//     log indexes;
//  4. mark the release published;
//  5. write the projection (one transaction), then record that it was.
//
// A process that dies anywhere leaves a state the next [Publisher.Publish]
// of the release or [Publisher.PublishDue] finishes. Dying between 3's
// append and its recording means the rerun appends the very same bytes
// again: a log that deduplicates identical entries returns the first
// index; otherwise the log holds the entry twice, and the archive records
// the later index. Either way each document has one publication, and
// verifiers treat identical entries as one. Withdrawals follow the same
// order.
//
// # Privacy
//
// The projection holds only published documents, stripped of what is not
// derived from their own published bytes: the parent link and path when
// the parent is private, fields an attachment inherits from a private
// parent email (sender, date, thread, addresses), ingest reasons, anomaly
// flags, GPS, maildir flags, ingest time. A redacted document shows only
// its derivative; its id is the one its derivative's bytes would have at
// the same place, and the log entry carries only a salted commitment to
// the original.
package publish

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"iter"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/newsroom/dossier"
	"github.com/newsroom/dossier/internal/dkim"
	"github.com/newsroom/dossier/internal/meta"
)

// Store is the private archive as publishing needs it: its documents, and
// releases with their publications. The SQLite store implements it.
type Store interface {
	DocByNum(ctx context.Context, num int64) (*meta.Document, error)
	Doc(ctx context.Context, id string) (*meta.Document, error)
	Text(ctx context.Context, num int64) (string, error)
	Auth(ctx context.Context, num int64) (*dkim.Report, error)
	// SearchNumbers returns every indexed document matching a query.
	SearchNumbers(ctx context.Context, query string) ([]int64, error)
	// Descendants returns the documents below nums (depth levels, 0 for
	// all), Ancestors those above them, stopping below a mailbox file.
	Descendants(ctx context.Context, nums []int64, depth int) ([]*meta.Document, error)
	Ancestors(ctx context.Context, nums []int64) ([]*meta.Document, error)

	// CreateRelease records a release and its documents atomically; it
	// fails with ErrReleaseExists or ErrEmptyRelease.
	CreateRelease(ctx context.Context, r Release, docs []ReleaseDoc) error
	Release(ctx context.Context, name string) (*Release, error) // ErrNoRelease
	Releases(ctx context.Context) ([]Release, error)
	ReleaseDocs(ctx context.Context, name string) ([]ReleaseDoc, error)
	ReleaseDoc(ctx context.Context, name string, num int64) (*ReleaseDoc, error)
	// SetRedaction and ScheduleRelease fail with ErrAlreadyPublished on a
	// release that is not draft or scheduled.
	SetRedaction(ctx context.Context, name string, num int64, r Redaction, salt []byte) error
	ScheduleRelease(ctx context.Context, name string, at time.Time) error
	DueReleases(ctx context.Context, now time.Time) ([]string, error)
	UnfinishedReleases(ctx context.Context) ([]string, error)

	// BeginPublication moves a draft or scheduled release to publishing
	// and records pending publications, atomically.
	BeginPublication(ctx context.Context, name string, at time.Time, pubs []Publication) error
	ConfirmPublications(ctx context.Context, name string, nums []int64, idx []uint64) error
	FinishPublication(ctx context.Context, name string) error
	SetProjected(ctx context.Context, name string, at time.Time) error
	Publications(ctx context.Context, f PublicationFilter) ([]Publication, error)
	BeginWithdrawal(ctx context.Context, release string, num int64, at time.Time, reason string, entry []byte) error
	ConfirmWithdrawal(ctx context.Context, release string, num int64, idx uint64) error
	SetWithdrawProjected(ctx context.Context, release string, num int64) error
}

// Projection is the public database: a store of the same kind as the
// archive's holding only published documents under their permanent
// numbers.
type Projection interface {
	// PrepareIndex analyses searchable fields ahead of the write; safe
	// for concurrent use.
	PrepareIndex(f *meta.IndexFields)
	// WritePublic applies w in one transaction.
	WritePublic(ctx context.Context, w PublicWrite) error
}

// Log is the transparency log. Append adds entries in order and returns
// the index of each; it returns only once they are durably sequenced.
// Appending bytes identical to an earlier entry may return the earlier
// index or a new one.
type Log interface {
	Append(ctx context.Context, entries [][]byte) ([]uint64, error)
}

// Publisher publishes releases. Its methods that change anything hold an
// exclusive lock on LockFile for their whole run, so two processes (or
// two Publishers) never publish the same thing twice.
type Publisher struct {
	Store      Store
	Log        Log
	Projection Projection
	// Now is the clock; time.Now if nil.
	Now func() time.Time
	// LockFile is the lock shared by everything that publishes in one
	// archive, e.g. <archive>/publish.lock. Required.
	LockFile string
	// Workers bounds the goroutines building entries and projection
	// rows; GOMAXPROCS if 0.
	Workers int
}

// appendBatch is how many entries go to the log in one Append.
const appendBatch = 10000

// lateness is how far in the past a publication time may be and still
// mean "now".
const lateness = time.Minute

func (p *Publisher) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Publisher) workers() int {
	if p.Workers > 0 {
		return p.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// CreateOptions selects the documents of a new release: those matching
// Query, or those listed in IDs (numbers or 32-hex ids), with their
// attachments (all descendants) and parents (all ancestors up to a
// mailbox file) if asked.
type CreateOptions struct {
	Name            string
	Query           string
	IDs             []string
	WithAttachments bool
	WithParents     bool
	// Source names where IDs came from (a file name), for the record.
	Source string
}

// CreateResult is a new release with what it holds.
type CreateResult struct {
	Release     *Release `json:"release"`
	Selected    int      `json:"selected"`
	Attachments int      `json:"attachments"`
	Parents     int      `json:"parents"`
	// Enclosed are documents not in the release whose bytes are inside a
	// document that is (an attachment of a published email, a member of
	// a published archive): publishing the release makes their bytes
	// public too. Callers should say so.
	Enclosed []int64 `json:"enclosed,omitempty"`
}

// Create makes a draft release. An unknown number or id is an error
// naming it, and nothing is created; so is a release of nothing or a name
// already used.
func (p *Publisher) Create(ctx context.Context, o CreateOptions) (*CreateResult, error) {
	if err := ValidName(o.Name); err != nil {
		return nil, err
	}
	if (o.Query == "") == (len(o.IDs) == 0) {
		if o.Query == "" {
			return nil, fmt.Errorf("create release %s: %w: give a query or document ids", o.Name, ErrEmptyRelease)
		}
		return nil, fmt.Errorf("create release %s: give a query or document ids, not both", o.Name)
	}
	if _, err := p.Store.Release(ctx, o.Name); err == nil {
		return nil, fmt.Errorf("create release %s: %w", o.Name, ErrReleaseExists)
	} else if !errors.Is(err, ErrNoRelease) {
		return nil, err
	}
	var selected []*meta.Document
	if o.Query != "" {
		nums, err := p.Store.SearchNumbers(ctx, o.Query)
		if err != nil {
			return nil, fmt.Errorf("create release %s: %w", o.Name, err)
		}
		for _, n := range nums {
			d, err := p.Store.DocByNum(ctx, n)
			if err != nil {
				return nil, fmt.Errorf("create release %s: document %d: %w", o.Name, n, err)
			}
			selected = append(selected, d)
		}
	} else {
		var err error
		if selected, err = p.resolve(ctx, o.IDs); err != nil {
			return nil, fmt.Errorf("create release %s: %w", o.Name, err)
		}
	}
	res := &CreateResult{}
	in := map[int64]bool{}
	var docs []ReleaseDoc
	var nums []int64
	add := func(d *meta.Document, role Role) {
		if in[d.Num] {
			return
		}
		in[d.Num] = true
		docs = append(docs, ReleaseDoc{Release: o.Name, Num: d.Num, Role: role})
		nums = append(nums, d.Num)
		switch role {
		case RoleSelected:
			res.Selected++
		case RoleAttachment:
			res.Attachments++
		case RoleParent:
			res.Parents++
		}
	}
	for _, d := range selected {
		if err := publishable(d); err != nil {
			return nil, fmt.Errorf("create release %s: %w", o.Name, err)
		}
		add(d, RoleSelected)
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("create release %s: %w: no document matches", o.Name, ErrEmptyRelease)
	}
	chosen := append([]int64(nil), nums...)
	if o.WithAttachments {
		below, err := p.Store.Descendants(ctx, chosen, 0)
		if err != nil {
			return nil, fmt.Errorf("create release %s: %w", o.Name, err)
		}
		for _, d := range below {
			if publishable(d) == nil {
				add(d, RoleAttachment)
			}
		}
	}
	if o.WithParents {
		above, err := p.Store.Ancestors(ctx, chosen)
		if err != nil {
			return nil, fmt.Errorf("create release %s: %w", o.Name, err)
		}
		for _, d := range above {
			if publishable(d) == nil {
				add(d, RoleParent)
			}
		}
	}
	enclosed, err := p.Store.Descendants(ctx, nums, 0)
	if err != nil {
		return nil, fmt.Errorf("create release %s: %w", o.Name, err)
	}
	for _, d := range enclosed {
		if !in[d.Num] && d.SHA256 != "" {
			res.Enclosed = append(res.Enclosed, d.Num)
		}
	}
	r := Release{Name: o.Name, Created: p.now(), Query: o.Query, State: Draft,
		Options: ReleaseOptions{WithAttachments: o.WithAttachments, WithParents: o.WithParents, IDs: len(o.IDs), Source: o.Source}}
	if err := p.Store.CreateRelease(ctx, r, docs); err != nil {
		return nil, err
	}
	if res.Release, err = p.Store.Release(ctx, o.Name); err != nil {
		return nil, err
	}
	return res, nil
}

// resolve finds documents by number or id; unknown ones are named in the
// error (wrapping meta.ErrNotFound).
func (p *Publisher) resolve(ctx context.Context, ids []string) ([]*meta.Document, error) {
	var out []*meta.Document
	var unknown []string
	for _, raw := range ids {
		s := strings.TrimSpace(raw)
		if s == "" {
			continue
		}
		var d *meta.Document
		var err error
		if n, ok := parseNum(s); ok {
			d, err = p.Store.DocByNum(ctx, n)
		} else if id := strings.ToLower(s); isHex(id, dossier.IDLen) {
			d, err = p.Store.Doc(ctx, id)
		} else {
			return nil, fmt.Errorf("%q is neither a document number nor a document id", s)
		}
		if errors.Is(err, meta.ErrNotFound) {
			unknown = append(unknown, s)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("document %s: %w", s, err)
		}
		out = append(out, d)
	}
	if len(unknown) > 0 {
		list := strings.Join(unknown[:min(len(unknown), 10)], ", ")
		if len(unknown) > 10 {
			list += fmt.Sprintf(" and %d more", len(unknown)-10)
		}
		return nil, fmt.Errorf("%w: %s", meta.ErrNotFound, list)
	}
	return out, nil
}

// ReadIDs reads a file of document numbers or ids for
// [CreateOptions.IDs]: the first word of each line; blank lines and lines
// starting with '#' and a non-digit (comments) are skipped.
func ReadIDs(r io.Reader) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if w := f[0]; w[0] == '#' && (len(w) == 1 || w[1] < '0' || w[1] > '9') {
			continue
		}
		out = append(out, f[0])
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read document ids: %w", err)
	}
	return out, nil
}

func parseNum(s string) (int64, bool) {
	s = strings.TrimPrefix(s, "#")
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, n > 0
}

// publishable says why a document cannot be published, or nil.
func publishable(d *meta.Document) error {
	switch {
	case d.Status == dossier.Pending:
		return fmt.Errorf("document %d is still being ingested", d.Num)
	case d.SHA256 == "":
		return fmt.Errorf("document %d has no stored bytes to publish (%s: %s)", d.Num, d.Status, d.Reason)
	}
	return nil
}

// Redact makes document num of a draft or scheduled release be published
// as the derivative r (a blob the caller has stored) instead of its
// original. A document inside another one of the release, or inside a
// published one, cannot be redacted: the container's bytes hold the
// original.
func (p *Publisher) Redact(ctx context.Context, name string, num int64, r Redaction) error {
	if !isHex(r.SHA256, 64) || r.Size < 0 {
		return fmt.Errorf("redact document %d: bad derivative (sha256 %q, size %d)", num, r.SHA256, r.Size)
	}
	rd, err := p.Store.ReleaseDoc(ctx, name, num)
	if err != nil {
		return fmt.Errorf("redact: %w", err)
	}
	d, err := p.Store.DocByNum(ctx, num)
	if err != nil {
		return fmt.Errorf("redact document %d: %w", num, err)
	}
	if r.SHA256 == d.SHA256 {
		return fmt.Errorf("redact document %d: the derivative has the original's bytes", num)
	}
	docs, err := p.Store.ReleaseDocs(ctx, name)
	if err != nil {
		return err
	}
	in := map[int64]bool{}
	for _, x := range docs {
		in[x.Num] = true
	}
	live, err := p.live(ctx)
	if err != nil {
		return err
	}
	if err := p.checkContainers(ctx, d, in, live); err != nil {
		return fmt.Errorf("redact: %w", err)
	}
	salt := rd.Salt
	if len(salt) != 32 {
		salt = make([]byte, 32)
		if _, err := rand.Read(salt); err != nil {
			return fmt.Errorf("redact document %d: %w", num, err)
		}
	}
	return p.Store.SetRedaction(ctx, name, num, r, salt)
}

// checkContainers fails if a document that holds d's bytes (any ancestor)
// is in the set in or published.
func (p *Publisher) checkContainers(ctx context.Context, d *meta.Document, in map[int64]bool, live map[int64]*Publication) error {
	cur := d
	for depth := 0; cur.ParentID != "" && depth < 64; depth++ {
		parent, err := p.Store.Doc(ctx, cur.ParentID)
		if errors.Is(err, meta.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if in[parent.Num] {
			return fmt.Errorf("document %d is redacted but document %d, which contains it, is in the same release", d.Num, parent.Num)
		}
		if l := live[parent.Num]; l != nil && l.RedactedSHA256 == "" {
			return fmt.Errorf("document %d is redacted but document %d, which contains it, is public (release %s)", d.Num, parent.Num, l.Release)
		}
		cur = parent
	}
	return nil
}

// live returns the live publications by document number.
func (p *Publisher) live(ctx context.Context) (map[int64]*Publication, error) {
	pubs, err := p.Store.Publications(ctx, PublicationFilter{Live: true, Brief: true})
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*Publication, len(pubs))
	for i := range pubs {
		out[pubs[i].Num] = &pubs[i]
	}
	return out, nil
}

// Result is what Publish or PublishDue did to a release.
type Result struct {
	Release     string     `json:"release"`
	State       State      `json:"state"`
	PublishAt   *time.Time `json:"publish_at,omitempty"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
	// Documents is how many documents the release published (log
	// entries), Appended how many entries this call appended.
	Documents int `json:"documents"`
	Appended  int `json:"appended"`
	// AlreadyPublic are documents of the release that another release
	// had made public; they are not published again.
	AlreadyPublic []int64 `json:"already_public,omitempty"`
	// Resumed is set when the call finished an interrupted publication.
	Resumed bool `json:"resumed,omitempty"`
}

// Publish publishes a release now, or schedules it: at zero or not after
// now (up to a minute before, for clocks and typing) means now; a later
// time schedules the release for [Publisher.PublishDue]; an earlier one
// is an error wrapping ErrPastTime. Publishing a release already
// published is an error wrapping ErrAlreadyPublished; one left half done
// by a crash is finished.
func (p *Publisher) Publish(ctx context.Context, name string, at time.Time) (*Result, error) {
	now := p.now()
	if !at.IsZero() && at.After(now) {
		at = at.UTC().Truncate(time.Second)
		if err := p.Store.ScheduleRelease(ctx, name, at); err != nil {
			return nil, err
		}
		return &Result{Release: name, State: Scheduled, PublishAt: &at}, nil
	}
	if !at.IsZero() && at.Before(now.Add(-lateness)) {
		return nil, fmt.Errorf("publish %s at %s: %w (it is %s)", name, at.UTC().Format(time.RFC3339), ErrPastTime,
			now.UTC().Format(time.RFC3339))
	}
	unlock, err := p.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return p.publishLocked(ctx, name, p.now())
}

// PublishDue finishes publications and withdrawals a crash interrupted,
// then publishes every scheduled release whose time has come. A ticker in
// the public server and commands that open the archive call it.
func (p *Publisher) PublishDue(ctx context.Context) ([]*Result, error) {
	unlock, err := p.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	now := p.now()
	var out []*Result
	names, err := p.Store.UnfinishedReleases(ctx)
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		r, err := p.publishLocked(ctx, name, now)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	pend, err := p.Store.Publications(ctx, PublicationFilter{PendingWithdrawal: true})
	if err != nil {
		return out, err
	}
	for i := range pend {
		if err := p.finishWithdrawal(ctx, &pend[i]); err != nil {
			return out, err
		}
	}
	due, err := p.Store.DueReleases(ctx, now)
	if err != nil {
		return out, err
	}
	for _, name := range due {
		r, err := p.publishLocked(ctx, name, now)
		if errors.Is(err, ErrAlreadyPublished) {
			continue
		}
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// publishLocked publishes or finishes publishing a release; the caller
// holds the lock.
func (p *Publisher) publishLocked(ctx context.Context, name string, now time.Time) (*Result, error) {
	rel, err := p.Store.Release(ctx, name)
	if err != nil {
		return nil, err
	}
	switch rel.State {
	case Published:
		if rel.ProjectedAt != nil {
			return nil, fmt.Errorf("publish %s: %w at %s", name, ErrAlreadyPublished, rel.PublishedAt.Format(time.RFC3339))
		}
		return p.finish(ctx, name, nil, true)
	case Publishing:
		return p.finish(ctx, name, nil, true)
	}
	docs, err := p.Store.ReleaseDocs(ctx, name)
	if err != nil {
		return nil, err
	}
	live, err := p.live(ctx)
	if err != nil {
		return nil, err
	}
	in := make(map[int64]bool, len(docs))
	for _, d := range docs {
		in[d.Num] = true
	}
	var todo []ReleaseDoc
	var already []int64
	for _, d := range docs {
		if live[d.Num] != nil {
			already = append(already, d.Num)
			continue
		}
		todo = append(todo, d)
	}
	if err := p.checkRedactions(ctx, todo, in, live); err != nil {
		return nil, fmt.Errorf("publish %s: %w", name, err)
	}
	t := now.UTC().Truncate(time.Second)
	pubs := make([]Publication, len(todo))
	err = p.parallel(ctx, len(todo), func(ctx context.Context, i int) error {
		var err error
		pubs[i], err = p.buildEntry(ctx, todo[i], t)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("publish %s: %w", name, err)
	}
	if err := p.Store.BeginPublication(ctx, name, t, pubs); err != nil {
		return nil, err
	}
	return p.finish(ctx, name, already, false)
}

// checkRedactions refuses to publish a redacted document together with
// (or after) a document containing it, and a document containing a
// published redacted one: the container's bytes hold the original.
func (p *Publisher) checkRedactions(ctx context.Context, todo []ReleaseDoc, in map[int64]bool, live map[int64]*Publication) error {
	nums := make([]int64, 0, len(todo))
	for _, rd := range todo {
		nums = append(nums, rd.Num)
		if rd.Redaction == nil {
			continue
		}
		d, err := p.Store.DocByNum(ctx, rd.Num)
		if err != nil {
			return err
		}
		if err := p.checkContainers(ctx, d, in, live); err != nil {
			return err
		}
	}
	below, err := p.Store.Descendants(ctx, nums, 0)
	if err != nil {
		return err
	}
	for _, d := range below {
		if l := live[d.Num]; l != nil && l.RedactedSHA256 != "" {
			return fmt.Errorf("document %d was published redacted (release %s) and this release contains its original", d.Num, l.Release)
		}
	}
	return nil
}

// buildEntry makes the log entry of one document.
func (p *Publisher) buildEntry(ctx context.Context, rd ReleaseDoc, t time.Time) (Publication, error) {
	d, err := p.Store.DocByNum(ctx, rd.Num)
	if err != nil {
		return Publication{}, fmt.Errorf("document %d: %w", rd.Num, err)
	}
	if err := publishable(d); err != nil {
		return Publication{}, err
	}
	e := Entry{Version: EntryVersion, Type: TypePublish, Number: d.Num, Release: rd.Release, Time: t}
	withDKIM := true
	if red := rd.Redaction; red != nil {
		e.ID = publicID(d, red.SHA256)
		e.Files = []File{{Role: FileRedacted, SHA256: red.SHA256, Size: red.Size}}
		if len(rd.Salt) != 32 {
			return Publication{}, fmt.Errorf("document %d: redaction without its salt", d.Num)
		}
		if e.Commitment, err = Commit(rd.Salt, d.SHA256); err != nil {
			return Publication{}, err
		}
		withDKIM = red.KeepDKIM
	} else {
		e.ID = d.ID
		e.Files = []File{{Role: FileOriginal, SHA256: d.SHA256, Size: d.Size}}
	}
	if withDKIM && d.Kind == dossier.KindEmail {
		rep, err := p.Store.Auth(ctx, d.Num)
		if err != nil {
			return Publication{}, err
		}
		e.DKIM = DKIMSummary(rep)
	}
	b, err := Marshal(&e)
	if err != nil {
		return Publication{}, err
	}
	return Publication{Release: rd.Release, Num: d.Num, PublishedAt: t, Entry: b, RedactedSHA256: redactedSHA(rd.Redaction)}, nil
}

func redactedSHA(r *Redaction) string {
	if r == nil {
		return ""
	}
	return r.SHA256
}

// publicID is a document's id in public: its own, or for a redacted
// document the id its derivative would have at the same place (the
// original's id would let anyone holding a candidate original confirm it).
func publicID(d *meta.Document, redactedSHA string) string {
	if redactedSHA == "" {
		return d.ID
	}
	parent := d.ParentID
	if parent == "" {
		parent = dossier.RootParent(d.Collection)
	}
	return dossier.DocID(parent, d.Path, redactedSHA)
}

// finish appends a publishing release's pending entries, marks it
// published and writes the projection.
func (p *Publisher) finish(ctx context.Context, name string, already []int64, resumed bool) (*Result, error) {
	pending, err := p.Store.Publications(ctx, PublicationFilter{Release: name, Pending: true})
	if err != nil {
		return nil, err
	}
	appended := 0
	for start := 0; start < len(pending); start += appendBatch {
		batch := pending[start:min(start+appendBatch, len(pending))]
		entries := make([][]byte, len(batch))
		nums := make([]int64, len(batch))
		for i, pub := range batch {
			entries[i], nums[i] = pub.Entry, pub.Num
		}
		idx, err := p.Log.Append(ctx, entries)
		if err != nil {
			return nil, fmt.Errorf("publish %s: append to the log: %w", name, err)
		}
		if len(idx) != len(entries) {
			return nil, fmt.Errorf("publish %s: the log returned %d indexes for %d entries", name, len(idx), len(entries))
		}
		if err := p.Store.ConfirmPublications(ctx, name, nums, idx); err != nil {
			return nil, err
		}
		appended += len(batch)
	}
	if err := p.Store.FinishPublication(ctx, name); err != nil {
		return nil, err
	}
	if err := p.projectRelease(ctx, name); err != nil {
		return nil, err
	}
	rel, err := p.Store.Release(ctx, name)
	if err != nil {
		return nil, err
	}
	all, err := p.Store.Publications(ctx, PublicationFilter{Release: name})
	if err != nil {
		return nil, err
	}
	return &Result{Release: name, State: rel.State, PublishAt: rel.PublishAt, PublishedAt: rel.PublishedAt,
		Documents: len(all), Appended: appended, AlreadyPublic: already, Resumed: resumed}, nil
}

// Withdraw takes a published document down: a withdraw entry in the log,
// the publication marked withdrawn, the document out of the projection
// and a public notice in its place. A withdrawal a crash interrupted is
// finished.
func (p *Publisher) Withdraw(ctx context.Context, num int64, reason string) (*Publication, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, fmt.Errorf("withdraw %d: give a reason (it is public)", num)
	}
	unlock, err := p.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	pend, err := p.Store.Publications(ctx, PublicationFilter{Num: num, PendingWithdrawal: true})
	if err != nil {
		return nil, err
	}
	if len(pend) > 0 {
		return &pend[0], p.finishWithdrawal(ctx, &pend[0])
	}
	live, err := p.Store.Publications(ctx, PublicationFilter{Num: num, Live: true})
	if err != nil {
		return nil, err
	}
	if len(live) == 0 {
		return nil, fmt.Errorf("withdraw %d: %w", num, ErrNotPublished)
	}
	pub := live[0]
	if pub.LogIndex == nil {
		return nil, fmt.Errorf("withdraw %d: release %s is still being published; publish it first", num, pub.Release)
	}
	d, err := p.Store.DocByNum(ctx, num)
	if err != nil {
		return nil, fmt.Errorf("withdraw %d: %w", num, err)
	}
	t := p.now().UTC().Truncate(time.Second)
	e := Entry{Version: EntryVersion, Type: TypeWithdraw, Number: num, ID: publicID(d, pub.RedactedSHA256),
		Release: pub.Release, Time: t, Reason: reason}
	b, err := Marshal(&e)
	if err != nil {
		return nil, fmt.Errorf("withdraw %d: %w", num, err)
	}
	if err := p.Store.BeginWithdrawal(ctx, pub.Release, num, t, reason, b); err != nil {
		return nil, err
	}
	pub.WithdrawnAt, pub.WithdrawReason, pub.WithdrawEntry = &t, reason, b
	if err := p.finishWithdrawal(ctx, &pub); err != nil {
		return nil, err
	}
	return &pub, nil
}

// finishWithdrawal appends a recorded withdrawal's entry if it has no
// index yet and updates the projection.
func (p *Publisher) finishWithdrawal(ctx context.Context, pub *Publication) error {
	if pub.WithdrawLogIndex == nil {
		idx, err := p.Log.Append(ctx, [][]byte{pub.WithdrawEntry})
		if err != nil {
			return fmt.Errorf("withdraw %d: append to the log: %w", pub.Num, err)
		}
		if len(idx) != 1 {
			return fmt.Errorf("withdraw %d: the log returned %d indexes for 1 entry", pub.Num, len(idx))
		}
		if err := p.Store.ConfirmWithdrawal(ctx, pub.Release, pub.Num, idx[0]); err != nil {
			return err
		}
		pub.WithdrawLogIndex = &idx[0]
	}
	live, err := p.live(ctx)
	if err != nil {
		return err
	}
	// Its attachments that stay public lose their link to it.
	items, err := p.liveChildren(ctx, []int64{pub.Num}, "", live)
	if err != nil {
		return err
	}
	w := Withdrawal{Num: pub.Num, Release: pub.Release, PublishedAt: pub.PublishedAt, WithdrawnAt: *pub.WithdrawnAt,
		Reason: pub.WithdrawReason, LogIndex: *pub.WithdrawLogIndex, Entry: pub.WithdrawEntry}
	if err := p.Projection.WritePublic(ctx, PublicWrite{Docs: p.publicDocs(ctx, items, live), Withdrawn: []Withdrawal{w}}); err != nil {
		return err
	}
	return p.Store.SetWithdrawProjected(ctx, pub.Release, pub.Num)
}

// List returns every release, oldest first.
func (p *Publisher) List(ctx context.Context) ([]Release, error) { return p.Store.Releases(ctx) }

// ReleaseView is a release with its documents.
type ReleaseView struct {
	Release
	Docs []DocView `json:"docs"`
}

// DocView is one document of a release as shown to the newsroom.
type DocView struct {
	ReleaseDoc
	ID    string       `json:"id"`
	Kind  dossier.Kind `json:"type"`
	Title string       `json:"title"` // subject, else file name
	// Publication is its publication in this release, nil before.
	Publication *Publication `json:"publication,omitempty"`
}

// Show returns a release with its documents and their publications.
func (p *Publisher) Show(ctx context.Context, name string) (*ReleaseView, error) {
	rel, err := p.Store.Release(ctx, name)
	if err != nil {
		return nil, err
	}
	docs, err := p.Store.ReleaseDocs(ctx, name)
	if err != nil {
		return nil, err
	}
	pubs, err := p.Store.Publications(ctx, PublicationFilter{Release: name})
	if err != nil {
		return nil, err
	}
	byNum := make(map[int64]*Publication, len(pubs))
	for i := range pubs {
		byNum[pubs[i].Num] = &pubs[i]
	}
	v := &ReleaseView{Release: *rel, Docs: make([]DocView, 0, len(docs))}
	for _, rd := range docs {
		dv := DocView{ReleaseDoc: rd, Publication: byNum[rd.Num]}
		if d, err := p.Store.DocByNum(ctx, rd.Num); err == nil {
			dv.ID, dv.Kind, dv.Title = d.ID, d.Kind, d.Subject
			if dv.Title == "" {
				dv.Title = d.Filename
			}
		} else if !errors.Is(err, meta.ErrNotFound) {
			return nil, err
		}
		v.Docs = append(v.Docs, dv)
	}
	return v, nil
}

// parallel runs fn(i) for i in [0, n) on p.workers() goroutines and
// returns the first error.
func (p *Publisher) parallel(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for range min(p.workers(), max(n, 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(ctx, i); err != nil {
					once.Do(func() { first = err; cancel(err) })
				}
			}
		}()
	}
feed:
	for i := 0; i < n; i++ {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// produce returns an iterator over fn(i) for i in [0, n), computed on
// p.workers() goroutines, in no particular order; it stops at the first
// error, which it yields.
func (p *Publisher) produce(ctx context.Context, n int, fn func(ctx context.Context, i int) (*PublicDoc, error)) iter.Seq2[*PublicDoc, error] {
	return func(yield func(*PublicDoc, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		type result struct {
			pd  *PublicDoc
			err error
		}
		next := make(chan int)
		out := make(chan result, 64)
		var wg sync.WaitGroup
		for range min(p.workers(), max(n, 1)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					pd, err := fn(ctx, i)
					select {
					case out <- result{pd, err}:
					case <-ctx.Done():
						return
					}
				}
			}()
		}
		go func() {
			defer close(next)
			for i := 0; i < n; i++ {
				select {
				case next <- i:
				case <-ctx.Done():
					return
				}
			}
		}()
		go func() { wg.Wait(); close(out) }()
		for r := range out {
			if !yield(r.pd, r.err) || r.err != nil {
				return
			}
		}
	}
}
