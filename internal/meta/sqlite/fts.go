package sqlite

import (
	"context"
	"database/sql"

	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/search/sqlfts"
)

const ftsSchema = sqlfts.Schema

// PrepareIndex analyses a document's searchable fields ahead of Commit, so
// the expensive part of indexing runs in the caller's parallel workers
// rather than inside the single writer's transaction. Safe for concurrent
// use.
func (s *Store) PrepareIndex(f *meta.IndexFields) {
	if f == nil || f.Prepared != nil {
		return
	}
	row := sqlfts.Analyze(toFields(f))
	f.Prepared = row
}

func toFields(f *meta.IndexFields) sqlfts.Fields {
	return sqlfts.Fields{Subject: f.Subject, Body: f.Body, Filename: f.Filename,
		From: f.From, To: f.To, Cc: f.Cc, Bcc: f.Bcc, Lang: f.Lang, Date: f.Date}
}

type ftsWriter struct {
	tx *sql.Tx
}

func newFTSWriter(ctx context.Context, tx *sql.Tx) (*ftsWriter, error) {
	return &ftsWriter{tx: tx}, nil
}

func (w *ftsWriter) Close() error { return nil }

func (w *ftsWriter) Insert(ctx context.Context, num int64, f *meta.IndexFields) error {
	row, ok := f.Prepared.(sqlfts.Row)
	if !ok {
		row = sqlfts.Analyze(toFields(f))
	}
	return sqlfts.PutRow(ctx, w.tx, num, row)
}

func (w *ftsWriter) Delete(ctx context.Context, num int64) error {
	return sqlfts.Delete(ctx, w.tx, num)
}
