// Package websqlite adapts the SQLite metadata store to the reading room's
// [web.Store], [web.PeopleStore] and, over a public projection,
// [web.PublicStore]: it converts the store's statistics and people
// reports to the web package's types, and reads the projection's own
// tables. It is the one place the web layer meets a concrete driver, for
// cmd/dossier and for tests.
package websqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/newsroom/dossier/internal/meta/sqlite"
	"github.com/newsroom/dossier/internal/web"
)

// Store is a *sqlite.Store seen as a web.Store and a web.PeopleStore.
type Store struct{ *sqlite.Store }

var (
	_ web.Store       = Store{}
	_ web.PeopleStore = Store{}
	_ web.PublicStore = Store{}
)

// New adapts st.
func New(st *sqlite.Store) Store { return Store{st} }

// Stats implements web.Store.
func (s Store) Stats(ctx context.Context) (*web.Stats, error) {
	st, err := s.Store.Stats(ctx)
	if err != nil {
		return nil, err
	}
	return &web.Stats{Documents: st.Documents, ByKind: st.ByKind, Collections: st.Collections, Blobs: st.Blobs,
		BlobBytes: st.BlobBytes, Emails: st.Emails, Threads: st.Threads, FirstDate: st.FirstDate, LastDate: st.LastDate,
		Format: st.Format, DKIM: st.DKIM, Keys: st.Keys}, nil
}

// MentionCounts implements web.PeopleStore.
func (s Store) MentionCounts(ctx context.Context, id int64) (*web.MentionCounts, error) {
	pc, err := s.Store.PersonCounts(ctx, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("person %d: %w", id, web.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return &web.MentionCounts{Documents: pc.Documents, Messages: pc.Messages, ByCollection: pc.ByCollection,
		Excluded: pc.Excluded}, nil
}

// PersonReport implements web.PeopleStore.
func (s Store) PersonReport(ctx context.Context, id int64, limit int) (*web.PersonReport, error) {
	tl, err := s.Store.PersonTimeline(ctx, id)
	if err != nil {
		return nil, err
	}
	with, err := s.Store.CoMentioned(ctx, id, limit)
	if err != nil {
		return nil, err
	}
	corr, err := s.Store.PersonCorrespondents(ctx, id, limit)
	if err != nil {
		return nil, err
	}
	rep := &web.PersonReport{}
	for _, m := range tl {
		rep.Timeline = append(rep.Timeline, web.MonthCount{Month: m.Month, Count: m.Count})
	}
	for _, n := range with {
		rep.MentionedWith = append(rep.MentionedWith, web.NameCount{Name: n.Name, Count: n.Count})
	}
	for _, c := range corr {
		rep.Correspondents = append(rep.Correspondents, web.Correspondent{Address: c.Address, Name: c.Name,
			Sent: c.Sent, Received: c.Receive, First: c.First, Last: c.Last})
	}
	return rep, nil
}

// missingTable reports an error from reading a projection whose own
// tables were never created (nothing published yet), or a private
// archive's database, which has none.
func missingTable(err error) bool {
	return err != nil && strings.Contains(err.Error(), "no such table: public_")
}

// PublicReleaseDocs implements web.PublicStore over a public projection:
// the release's publish entries, each marked withdrawn when the
// projection keeps a withdrawal notice of that publication.
func (s Store) PublicReleaseDocs(ctx context.Context, name string, offset, limit int) ([]web.ReleaseDoc, int, error) {
	db := s.Reader()
	var total int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM public_log WHERE release = ? AND type = 'publish'`, name).Scan(&total)
	if missingTable(err) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("documents of release %s: %w", name, err)
	}
	rows, err := db.QueryContext(ctx, `SELECT l.num, l.log_index, l.time, w.num IS NOT NULL FROM public_log l
LEFT JOIN public_withdrawn w ON w.num = l.num AND w.release = l.release
WHERE l.release = ? AND l.type = 'publish' ORDER BY l.num LIMIT ? OFFSET ?`, name, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("documents of release %s: %w", name, err)
	}
	defer rows.Close()
	var out []web.ReleaseDoc
	for rows.Next() {
		var d web.ReleaseDoc
		var idx, at int64
		if err := rows.Scan(&d.Num, &idx, &at, &d.Withdrawn); err != nil {
			return nil, 0, fmt.Errorf("documents of release %s: %w", name, err)
		}
		d.LogIndex, d.PublishedAt = uint64(idx), time.Unix(at, 0).UTC()
		out = append(out, d)
	}
	return out, total, rows.Err()
}

// PublicDocs implements web.PublicStore: the projection's documents, with
// the time each was published (which the projection keeps as its ingest
// time).
func (s Store) PublicDocs(ctx context.Context, offset, limit int) ([]web.PublishedDoc, int, error) {
	db := s.Reader()
	var total int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM docs`).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("published documents: %w", err)
	}
	rows, err := db.QueryContext(ctx, `SELECT num, ingested_at FROM docs ORDER BY num LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("published documents: %w", err)
	}
	defer rows.Close()
	var out []web.PublishedDoc
	for rows.Next() {
		var d web.PublishedDoc
		var at int64
		if err := rows.Scan(&d.Num, &at); err != nil {
			return nil, 0, fmt.Errorf("published documents: %w", err)
		}
		d.PublishedAt = time.Unix(at, 0).UTC()
		out = append(out, d)
	}
	return out, total, rows.Err()
}
