// Package sqlfts is dossier's full-text search engine on SQLite FTS5. It
// stores pre-analysed tokens (package analysis) in a contentless FTS5 table
// beside the docs table, and compiles parsed queries (package query) to
// SQL.
//
// The index is derived data: it can be rebuilt from the documents by
// calling [Put] for each one.
//
// The driver must be built with FTS5: go build -tags sqlite_fts5.
package sqlfts

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/newsroom/dossier/internal/search/analysis"
)

// SchemaVersion is the version of [Schema]. Changelog:
//
//	1: first version.
//	2: dates column (year, month and day tokens of docs.date).
const SchemaVersion = 2

// Schema creates the full-text table and the indexes on docs that search
// filters and facets use. It expects the docs table to exist and is safe to
// run more than once.
//
// The fts table is contentless (it stores only the index, not the text),
// its rowid is docs.num, and contentless_delete=1 lets rows be replaced and
// deleted. Its columns hold space-separated tokens produced by package
// analysis:
//
//	subject, body       stemmed forms (French or English stemmer)
//	xsubject, xbody     exact forms (lower case, accents kept)
//	from_names ...      From, To, Cc, Bcc names and addresses, folded
//	filename            file name, folded
//	dates               the document's date (UTC) as tokens y2017 m201703
//	                    d20170315, so a date range ANDed with text is part of
//	                    the FTS5 query instead of a filter on every match
//
// The 'ascii' tokenizer splits only on ASCII spaces and punctuation, which
// the analysed tokens never contain, so FTS5 does not re-tokenise them.
const Schema = `
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
	subject, body, xsubject, xbody,
	from_names, to_names, cc_names, bcc_names, filename, dates,
	content='', contentless_delete=1, tokenize='ascii'
);
CREATE INDEX IF NOT EXISTS docs_status_date ON docs(status, date);
CREATE INDEX IF NOT EXISTS docs_sender ON docs(sender);
CREATE INDEX IF NOT EXISTS docs_collection ON docs(collection);
CREATE INDEX IF NOT EXISTS docs_kind ON docs(kind);
CREATE INDEX IF NOT EXISTS docs_mime ON docs(mime);
CREATE INDEX IF NOT EXISTS docs_thread_id ON docs(thread_id);
CREATE INDEX IF NOT EXISTS docs_message_id ON docs(message_id);
`

// Fields is the searchable text of one document.
type Fields struct {
	Subject  string
	Body     string
	Filename string
	// From, To, Cc and Bcc hold one address each, as "Name <addr>" or any
	// other string; names and addresses are both searchable.
	From, To, Cc, Bcc []string
	// Lang is the language of Subject and Body, "fr" or "en", or "" to
	// detect it from them.
	Lang string
	// Date is the document's date (docs.date), nil if unknown.
	Date *time.Time
}

// Row is the analysed form of [Fields], ready to store. Analysing is the
// expensive part of indexing; it needs no database and can run in
// parallel workers, leaving only [PutRow] inside the transaction.
type Row struct {
	subject, body, xsubject, xbody string
	from, to, cc, bcc, filename    string
	dates                          string
}

// Analyze analyses f. It is safe for concurrent use.
func Analyze(f Fields) Row {
	lang := f.Lang
	if lang != analysis.French && lang != analysis.English {
		text := f.Body
		if strings.TrimSpace(text) == "" {
			text = f.Subject
		}
		lang = analysis.Detect(text)
	}
	var r Row
	r.subject, r.xsubject = analysis.Index(f.Subject, lang)
	r.body, r.xbody = analysis.Index(f.Body, lang)
	names := func(list []string) string {
		parts := make([]string, 0, len(list))
		for _, s := range list {
			if n := analysis.Names(s); n != "" {
				parts = append(parts, n)
			}
		}
		return strings.Join(parts, " ")
	}
	r.from, r.to, r.cc, r.bcc = names(f.From), names(f.To), names(f.Cc), names(f.Bcc)
	r.filename = analysis.Names(f.Filename)
	if f.Date != nil {
		u := f.Date.UTC()
		r.dates = u.Format("y2006 m200601 d20060102")
	}
	return r
}

// Put indexes f as document num (docs.num), replacing any earlier entry.
//
// The fts table must hold exactly the documents whose status is 'indexed':
// Put only those, and Delete a document whose status changes. Queries made
// only of text are answered from fts alone, without looking at docs.
func Put(ctx context.Context, tx *sql.Tx, num int64, f Fields) error {
	return PutRow(ctx, tx, num, Analyze(f))
}

// PutRow stores an analysed row as document num, replacing any earlier
// entry.
func PutRow(ctx context.Context, tx *sql.Tx, num int64, r Row) error {
	_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO fts(rowid, subject, body, xsubject, xbody,
		from_names, to_names, cc_names, bcc_names, filename, dates) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
		num, r.subject, r.body, r.xsubject, r.xbody, r.from, r.to, r.cc, r.bcc, r.filename, r.dates)
	if err != nil {
		return fmt.Errorf("search: index document %d: %w", num, err)
	}
	return nil
}

// Delete removes document num from the index. Deleting a document that is
// not indexed is not an error.
func Delete(ctx context.Context, tx *sql.Tx, num int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM fts WHERE rowid = ?`, num); err != nil {
		return fmt.Errorf("search: delete document %d: %w", num, err)
	}
	return nil
}
