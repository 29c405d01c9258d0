// Package websqlite adapts the SQLite metadata store to the reading room's
// [web.Store]: it converts the store's statistics to [web.Stats]. It is
// the one place the web layer meets a concrete driver, for cmd/dossier and
// for tests.
package websqlite

import (
	"context"

	"github.com/newsroom/dossier/internal/meta/sqlite"
	"github.com/newsroom/dossier/internal/web"
)

// Store is a *sqlite.Store seen as a web.Store.
type Store struct{ *sqlite.Store }

var _ web.Store = Store{}

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
