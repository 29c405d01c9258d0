// Package sqlite is the embedded metadata store: one SQLite database in WAL
// mode holding the ledger, extracted fields and text, and the FTS5 search
// index. Several processes may open it at once (one ingest, any number of
// readers).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/newsroom/dossier"
	"github.com/newsroom/dossier/internal/meta"
)

// ErrNewerFormat is returned when the database was written by a newer
// dossier.
var ErrNewerFormat = errors.New("archive database is from a newer dossier")

// ErrNotFound is returned when a document does not exist: meta.ErrNotFound.
var ErrNotFound = meta.ErrNotFound

// Store is the SQLite metadata store.
type Store struct {
	w *sql.DB // the one writer connection
	r *sql.DB // readers

	encOnce sync.Once
	enc     *zstd.Encoder
	dec     *zstd.Decoder
}

// Open opens or creates the database at path.
func Open(ctx context.Context, path string) (*Store, error) {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", "30000")
	q.Set("_synchronous", "NORMAL")
	q.Set("_txlock", "immediate")
	q.Set("_cache_size", "-32000")
	w, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	q.Set("_txlock", "deferred")
	q.Set("_query_only", "1")
	// Readers are many (ingest workers' lookups, searches); a smaller page
	// cache each keeps memory flat as the archive grows (pages come from
	// the OS cache when needed).
	q.Set("_cache_size", "-8000")
	r, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(4)
	s := &Store{w: w, r: r}
	if err := s.init(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) init(ctx context.Context) error {
	var v string
	err := s.w.QueryRowContext(ctx, `SELECT value FROM meta WHERE key='format'`).Scan(&v)
	switch {
	case err == nil:
		n, _ := strconv.Atoi(v)
		if n > FormatVersion {
			return fmt.Errorf("%w (format %d; this dossier reads up to %d)", ErrNewerFormat, n, FormatVersion)
		}
		if n < FormatVersion {
			return s.upgrade(ctx, n)
		}
		return nil
	case errors.Is(err, sql.ErrNoRows):
	default:
		var se sqlite3.Error
		if !errors.As(err, &se) || se.Code != sqlite3.ErrError {
			return fmt.Errorf("open database: %w", err)
		}
	}
	if !ftsAvailable(ctx, s.w) {
		return errors.New("this dossier binary was built without SQLite FTS5 (build with -tags sqlite_fts5)")
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	defer tx.Rollback()
	for _, ddl := range append(schemas[:len(schemas):len(schemas)], ftsSchema) {
		if _, err := tx.ExecContext(ctx, ddl); err != nil {
			return fmt.Errorf("create database: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO meta(key, value) VALUES ('format', ?), ('created', ?)`,
		strconv.Itoa(FormatVersion), time.Now().UTC().Format(time.RFC3339)); err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	return tx.Commit()
}

// upgrade brings a format `from` database to FormatVersion in one
// transaction.
func (s *Store) upgrade(ctx context.Context, from int) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("upgrade database: %w", err)
	}
	defer tx.Rollback()
	for v := from; v < FormatVersion; v++ {
		if _, err := tx.ExecContext(ctx, upgrades[v]); err != nil {
			return fmt.Errorf("upgrade database from format %d: %w", v, err)
		}
	}
	for _, ddl := range schemas {
		if _, err := tx.ExecContext(ctx, ddl); err != nil {
			return fmt.Errorf("upgrade database: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE meta SET value = ? WHERE key = 'format'`, strconv.Itoa(FormatVersion)); err != nil {
		return fmt.Errorf("upgrade database: %w", err)
	}
	return tx.Commit()
}

func ftsAvailable(ctx context.Context, db *sql.DB) bool {
	var ok int
	err := db.QueryRowContext(ctx, `SELECT sqlite_compileoption_used('ENABLE_FTS5')`).Scan(&ok)
	return err == nil && ok == 1
}

// Close closes the store.
func (s *Store) Close() error {
	err := s.w.Close()
	if err2 := s.r.Close(); err == nil {
		err = err2
	}
	return err
}

// Reader returns the read-only connection pool, for search engines that
// query the database directly.
func (s *Store) Reader() *sql.DB { return s.r }

func (s *Store) codec() {
	s.encOnce.Do(func() {
		s.enc, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
		s.dec, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(1<<30))
	})
}

const docColumns = `num, id, parent_id, path, sha256, size, collection, kind, mime, filename, status, reason,
duplicate_of, depth, message_id, thread_id, thread_root, subject, sender, sender_name, date, tz, has_attachments, meta, ingested_at, dkim, lang, author, editor, flags, ocr, encrypted`

type scanner interface{ Scan(...any) error }

func scanDoc(sc scanner) (*meta.Document, error) {
	var d meta.Document
	var parent, dup, mid, thread, troot, subject, sender, sname, metaJSON, verdict, lang, author, editor, flags sql.NullString
	var ocr, encrypted int
	var date, tz sql.NullInt64
	var kind, status string
	var hasAtt int
	var ingested int64
	err := sc.Scan(&d.Num, &d.ID, &parent, &d.Path, &d.SHA256, &d.Size, &d.Collection, &kind, &d.MIME,
		&d.Filename, &status, &d.Reason, &dup, &d.Depth, &mid, &thread, &troot, &subject, &sender, &sname,
		&date, &tz, &hasAtt, &metaJSON, &ingested, &verdict, &lang, &author, &editor, &flags, &ocr, &encrypted)
	if err != nil {
		return nil, err
	}
	d.ParentID, d.DuplicateOf = parent.String, dup.String
	d.MessageID, d.ThreadID, d.ThreadRoot, d.Subject = mid.String, thread.String, troot.String, subject.String
	d.Sender, d.SenderName = sender.String, sname.String
	d.Kind, d.Status = dossier.Kind(kind), dossier.Status(status)
	d.HasAttachments = hasAtt != 0
	d.DKIM = verdict.String
	d.Lang, d.Author, d.Editor = lang.String, author.String, editor.String
	d.Flags = strings.Fields(flags.String)
	d.OCR, d.Encrypted = ocr != 0, encrypted != 0
	if date.Valid {
		t := time.Unix(date.Int64, 0).In(time.FixedZone("", int(tz.Int64)))
		d.Date = &t
	}
	if metaJSON.Valid && metaJSON.String != "" {
		d.Meta = []byte(metaJSON.String)
	}
	d.IngestedAt = time.Unix(ingested, 0).UTC()
	return &d, nil
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Doc returns the document with the given id.
func (s *Store) Doc(ctx context.Context, id string) (*meta.Document, error) {
	return s.queryDoc(ctx, `SELECT `+docColumns+` FROM docs WHERE id = ?`, id)
}

// DocByNum returns the document with the given permanent number.
func (s *Store) DocByNum(ctx context.Context, num int64) (*meta.Document, error) {
	return s.queryDoc(ctx, `SELECT `+docColumns+` FROM docs WHERE num = ?`, num)
}

func (s *Store) queryDoc(ctx context.Context, q string, args ...any) (*meta.Document, error) {
	d, err := scanDoc(s.r.QueryRowContext(ctx, q, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return d, err
}

func (s *Store) queryDocs(ctx context.Context, q string, args ...any) ([]*meta.Document, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*meta.Document
	for rows.Next() {
		d, err := scanDoc(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DocsBySHA256 returns every document whose bytes hash to sha, in number
// order: every place the same content was found.
func (s *Store) DocsBySHA256(ctx context.Context, sha string) ([]*meta.Document, error) {
	return s.queryDocs(ctx, `SELECT `+docColumns+` FROM docs WHERE sha256 = ? ORDER BY num`, sha)
}

// Children returns a document's children in number order.
func (s *Store) Children(ctx context.Context, id string) ([]*meta.Document, error) {
	return s.queryDocs(ctx, `SELECT `+docColumns+` FROM docs WHERE parent_id = ? ORDER BY num`, id)
}

// Thread returns the messages of a thread in date order.
//
// The unary + keeps SQLite on the thread_id index: without statistics it
// preferred walking every indexed document by date (14 ms a page on
// Enron instead of 30 µs).
func (s *Store) Thread(ctx context.Context, thread string) ([]*meta.Document, error) {
	return s.queryDocs(ctx, `SELECT `+docColumns+` FROM docs WHERE thread_id = ? AND +kind = 'email' AND +status = 'indexed' ORDER BY date, num`, thread)
}

// DocsByNum returns the documents with the given numbers, in that order
// (missing numbers are left out).
func (s *Store) DocsByNum(ctx context.Context, nums []int64) ([]*meta.Document, error) {
	out := make([]*meta.Document, 0, len(nums))
	for _, n := range nums {
		d, err := s.DocByNum(ctx, n)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// Text returns a document's extracted text ("" if none).
func (s *Store) Text(ctx context.Context, num int64) (string, error) {
	var z []byte
	err := s.r.QueryRowContext(ctx, `SELECT z FROM texts WHERE num = ?`, num).Scan(&z)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	s.codec()
	b, err := s.dec.DecodeAll(z, nil)
	if err != nil {
		return "", fmt.Errorf("decompress text of document %d: %w", num, err)
	}
	return string(b), nil
}

// LedgerFilter selects ledger rows.
type LedgerFilter struct {
	Status     dossier.Status // "" for all
	Collection string
	Limit      int // 0: no limit
	Offset     int
}

// Ledger streams ledger rows in number order.
func (s *Store) Ledger(ctx context.Context, f LedgerFilter, fn func(*meta.Document) error) error {
	q := `SELECT ` + docColumns + ` FROM docs WHERE 1=1`
	var args []any
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, string(f.Status))
	}
	if f.Collection != "" {
		q += ` AND collection = ?`
		args = append(args, f.Collection)
	}
	q += ` ORDER BY num`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d OFFSET %d`, f.Limit, f.Offset)
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		d, err := scanDoc(rows)
		if err != nil {
			return err
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Stats summarises the archive.
type Stats struct {
	Documents   meta.Counts            `json:"documents"`
	ByKind      map[string]int64       `json:"by_type"`
	Collections map[string]meta.Counts `json:"collections"`
	Blobs       int64                  `json:"blobs"`
	BlobBytes   int64                  `json:"blob_bytes"`
	Emails      int64                  `json:"emails"`
	Threads     int64                  `json:"threads"`
	FirstDate   *time.Time             `json:"first_date,omitempty"`
	LastDate    *time.Time             `json:"last_date,omitempty"`
	Format      int                    `json:"format"`
	// DKIM counts verified messages by verdict; Keys is the number of
	// key observations in the key archive.
	DKIM map[string]int64 `json:"dkim"`
	Keys int64            `json:"dkim_keys"`
}

// Stats computes archive statistics.
func (s *Store) Stats(ctx context.Context) (*Stats, error) {
	st := &Stats{ByKind: map[string]int64{}, Collections: map[string]meta.Counts{}, Format: FormatVersion}
	rows, err := s.r.QueryContext(ctx, `SELECT collection, status, count(*) FROM docs GROUP BY collection, status`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var c, status string
		var n int64
		if err := rows.Scan(&c, &status, &n); err != nil {
			rows.Close()
			return nil, err
		}
		cc := st.Collections[c]
		cc.Add(dossier.Status(status), n)
		st.Collections[c] = cc
		st.Documents.Add(dossier.Status(status), n)
	}
	rows.Close()
	rows, err = s.r.QueryContext(ctx, `SELECT kind, count(*) FROM docs WHERE status = 'indexed' GROUP BY kind`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			rows.Close()
			return nil, err
		}
		st.ByKind[k] = n
	}
	rows.Close()
	if err := s.r.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(size),0) FROM blobs`).Scan(&st.Blobs, &st.BlobBytes); err != nil {
		return nil, err
	}
	var first, last sql.NullInt64
	if err := s.r.QueryRowContext(ctx, `SELECT count(*), count(DISTINCT thread_id), min(date), max(date) FROM docs WHERE kind = 'email' AND status = 'indexed'`).
		Scan(&st.Emails, &st.Threads, &first, &last); err != nil {
		return nil, err
	}
	if first.Valid {
		t := time.Unix(first.Int64, 0).UTC()
		st.FirstDate = &t
		t2 := time.Unix(last.Int64, 0).UTC()
		st.LastDate = &t2
	}
	if st.DKIM, err = s.AuthCounts(ctx); err != nil {
		return nil, err
	}
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM dkim_keys`).Scan(&st.Keys); err != nil {
		return nil, err
	}
	return st, nil
}

// Canonical returns the id of the first document stored with the blob sha,
// or "" if the blob is new.
func (s *Store) Canonical(ctx context.Context, sha string) (string, error) {
	var id string
	err := s.r.QueryRowContext(ctx, `SELECT canonical FROM blobs WHERE sha256 = ?`, sha).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// Exists reports whether a document with this id is recorded with a final
// status.
func (s *Store) Exists(ctx context.Context, id string) (bool, error) {
	var st string
	err := s.r.QueryRowContext(ctx, `SELECT status FROM docs WHERE id = ?`, id).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil && st != string(dossier.Pending), err
}

// Input returns what is recorded of an input file, or nil.
func (s *Store) Input(ctx context.Context, collection, path string) (*meta.Input, error) {
	in := meta.Input{Collection: collection, Path: path}
	var done int
	err := s.r.QueryRowContext(ctx, `SELECT size, mtime, doc_id, done FROM inputs WHERE collection = ? AND path = ?`,
		collection, path).Scan(&in.Size, &in.MTime, &in.DocID, &done)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	in.Done = done != 0
	return &in, err
}

// FailedInputs returns the input files of a collection ("" for all) whose
// own document or any descendant failed.
func (s *Store) FailedInputs(ctx context.Context, collection string) ([]meta.Input, error) {
	rows, err := s.r.QueryContext(ctx, `
WITH RECURSIVE failed(id, parent_id) AS (
  SELECT id, parent_id FROM docs WHERE status = 'failed'
  UNION SELECT d.id, d.parent_id FROM docs d JOIN failed f ON d.id = f.parent_id
)
SELECT i.collection, i.path, i.size, i.mtime, i.doc_id FROM inputs i JOIN failed f ON f.id = i.doc_id
WHERE ? = '' OR i.collection = ?`, collection, collection)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []meta.Input
	for rows.Next() {
		var in meta.Input
		if err := rows.Scan(&in.Collection, &in.Path, &in.Size, &in.MTime, &in.DocID); err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// Collections lists collection names with document counts.
func (s *Store) Collections(ctx context.Context) (map[string]int64, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT collection, count(*) FROM docs GROUP BY collection`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var c string
		var n int64
		if err := rows.Scan(&c, &n); err != nil {
			return nil, err
		}
		out[c] = n
	}
	return out, rows.Err()
}

// Status returns a document's ledger status, or "" if it is not recorded.
func (s *Store) Status(ctx context.Context, id string) (string, error) {
	var st string
	err := s.r.QueryRowContext(ctx, `SELECT status FROM docs WHERE id = ?`, id).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return st, err
}

// Documents calls fn for every document in number order.
func (s *Store) Documents(ctx context.Context, fn func(*meta.Document) error) error {
	return s.Ledger(ctx, LedgerFilter{}, fn)
}

// FixThreads joins threads that an ingest order split: a message whose
// thread derives from a root message id (the first of References, else
// In-Reply-To) takes the thread of that message when it is in the archive
// under another thread (its own References went further back). Children of
// messages follow their parent. It returns the number of rows changed.
func (s *Store) FixThreads(ctx context.Context) (int64, error) {
	var total int64
	for i := 0; i < 32; i++ {
		res, err := s.w.ExecContext(ctx, `UPDATE docs SET thread_id = (
  SELECT r.thread_id FROM docs r WHERE r.message_id = docs.thread_root AND r.kind = 'email' AND r.status = 'indexed'
  ORDER BY r.num LIMIT 1)
WHERE kind = 'email' AND status = 'indexed' AND thread_root IS NOT NULL AND EXISTS (
  SELECT 1 FROM docs r WHERE r.message_id = docs.thread_root AND r.kind = 'email' AND r.status = 'indexed'
  AND r.thread_id <> docs.thread_id)`)
		if err != nil {
			return total, fmt.Errorf("fix threads: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
		if n == 0 {
			break
		}
	}
	for i := 0; i < 32; i++ {
		res, err := s.w.ExecContext(ctx, `UPDATE docs SET thread_id = (SELECT p.thread_id FROM docs p WHERE p.id = docs.parent_id)
WHERE parent_id IS NOT NULL AND kind <> 'email' AND thread_id IS NOT NULL
AND thread_id <> (SELECT p.thread_id FROM docs p WHERE p.id = docs.parent_id)`)
		if err != nil {
			return total, fmt.Errorf("fix threads: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
		if n == 0 {
			break
		}
	}
	return total, nil
}
