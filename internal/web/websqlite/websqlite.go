// Package websqlite adapts the SQLite metadata store to the reading room's
// [web.Store]: it maps the store's not-found error to [web.ErrNotFound]
// and its statistics to [web.Stats]. It is the one place the web layer
// meets a concrete driver, for cmd/dossier and for tests.
package websqlite

import (
	"context"
	"errors"
	"fmt"

	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/meta/sqlite"
	"github.com/newsroom/dossier/internal/web"
)

// Store is a *sqlite.Store seen as a web.Store.
type Store struct{ *sqlite.Store }

var _ web.Store = Store{}

// New adapts st.
func New(st *sqlite.Store) Store { return Store{st} }

func notFound(err error) error {
	if errors.Is(err, sqlite.ErrNotFound) {
		return fmt.Errorf("%w: %w", web.ErrNotFound, err)
	}
	return err
}

// Doc implements web.Store.
func (s Store) Doc(ctx context.Context, id string) (*meta.Document, error) {
	d, err := s.Store.Doc(ctx, id)
	return d, notFound(err)
}

// DocByNum implements web.Store.
func (s Store) DocByNum(ctx context.Context, num int64) (*meta.Document, error) {
	d, err := s.Store.DocByNum(ctx, num)
	return d, notFound(err)
}

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
