// Package websqlite adapts the SQLite metadata store to the reading room's
// [web.Store] and [web.PeopleStore]: it converts the store's statistics
// and people reports to the web package's types. It is the one place the
// web layer meets a concrete driver, for cmd/dossier and for tests.
package websqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/newsroom/dossier/internal/meta/sqlite"
	"github.com/newsroom/dossier/internal/web"
)

// Store is a *sqlite.Store seen as a web.Store and a web.PeopleStore.
type Store struct{ *sqlite.Store }

var (
	_ web.Store       = Store{}
	_ web.PeopleStore = Store{}
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
