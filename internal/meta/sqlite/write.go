package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/search/analysis"
)

// Commit records a batch in one transaction. It returns, for each entry,
// whether it was written (false: a document with that id was already
// recorded by an earlier, interrupted run, and nothing changed). Numbers of
// newly written documents are filled in, unless the entry's document
// already has one (Num != 0): then that number is kept, which is how a
// copy of an archive (the public projection) keeps permanent numbers.
func (s *Store) Commit(ctx context.Context, b *meta.Batch) ([]bool, error) {
	s.codec()
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, `INSERT INTO docs (id, parent_id, path, sha256, size, collection, kind, mime,
filename, status, reason, duplicate_of, depth, message_id, thread_id, thread_root, subject, sender, sender_name, date, tz,
has_attachments, meta, ingested_at, dkim, lang, author, editor, people, flags, ocr, encrypted)
VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
ON CONFLICT(id) DO NOTHING`)
	if err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	defer ins.Close()
	insNum, err := tx.PrepareContext(ctx, `INSERT INTO docs (id, parent_id, path, sha256, size, collection, kind, mime,
filename, status, reason, duplicate_of, depth, message_id, thread_id, thread_root, subject, sender, sender_name, date, tz,
has_attachments, meta, ingested_at, dkim, lang, author, editor, people, flags, ocr, encrypted, num)
VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
ON CONFLICT DO NOTHING`)
	if err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	defer insNum.Close()
	blobIns, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO blobs (sha256, size, canonical) VALUES (?,?,?)`)
	if err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	defer blobIns.Close()
	textIns, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO texts (num, z) VALUES (?,?)`)
	if err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	defer textIns.Close()
	var mw *mentionWriter
	defer func() {
		if mw != nil {
			mw.close()
		}
	}()
	fts, err := newFTSWriter(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	defer fts.Close()

	now := time.Now().Unix()
	written := make([]bool, len(b.Entries))
	for i, e := range b.Entries {
		d := e.Doc
		if e.Auth != nil {
			d.DKIM = string(e.Auth.Verdict)
		}
		args := docArgs(d, now)
		if e.Replace {
			var num int64
			err := tx.QueryRowContext(ctx, `SELECT num FROM docs WHERE id = ?`, d.ID).Scan(&num)
			if err == nil {
				d.Num = num
				if _, err := tx.ExecContext(ctx, `UPDATE docs SET parent_id=?, path=?, sha256=?, size=?, collection=?, kind=?,
mime=?, filename=?, status=?, reason=?, duplicate_of=?, depth=?, message_id=?, thread_id=?, thread_root=?, subject=?, sender=?,
sender_name=?, date=?, tz=?, has_attachments=?, meta=?, ingested_at=?, dkim=coalesce(?, dkim), lang=?, author=?, editor=?,
people=?, flags=?, ocr=?, encrypted=? WHERE num = ?`, append(args[1:], num)...); err != nil {
					return nil, fmt.Errorf("commit: update %s: %w", d.ID, err)
				}
				if err := fts.Delete(ctx, num); err != nil {
					return nil, fmt.Errorf("commit: %w", err)
				}
				if _, err := tx.ExecContext(ctx, `DELETE FROM texts WHERE num = ?`, num); err != nil {
					return nil, fmt.Errorf("commit: %w", err)
				}
			} else if err != sql.ErrNoRows {
				return nil, fmt.Errorf("commit: %w", err)
			} else {
				e.Replace = false
			}
		}
		if !e.Replace {
			stmt, fixed := ins, d.Num != 0
			if fixed {
				stmt, args = insNum, append(args, d.Num)
			}
			res, err := stmt.ExecContext(ctx, args...)
			if err != nil {
				return nil, fmt.Errorf("commit: insert %s: %w", d.ID, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			if !fixed {
				d.Num, _ = res.LastInsertId()
			}
		}
		written[i] = true
		if d.SHA256 != "" {
			if _, err := blobIns.ExecContext(ctx, d.SHA256, d.Size, d.ID); err != nil {
				return nil, fmt.Errorf("commit: %w", err)
			}
		}
		if e.Index != nil {
			if err := fts.Insert(ctx, d.Num, e.Index); err != nil {
				return nil, fmt.Errorf("commit: index %s: %w", d.ID, err)
			}
		}
		if e.Auth != nil {
			if err := putAuth(ctx, tx, d.Num, e.Auth, e.Replace); err != nil {
				return nil, err
			}
		}
		if e.Mentions != nil {
			if mw == nil {
				if mw, err = newMentionWriter(ctx, tx); err != nil {
					return nil, err
				}
			}
			if err := mw.put(ctx, d.Num, e.Mentions, false); err != nil {
				return nil, err
			}
		}
		if e.Text != "" {
			if _, err := textIns.ExecContext(ctx, d.Num, s.enc.EncodeAll([]byte(e.Text), nil)); err != nil {
				return nil, fmt.Errorf("commit: %w", err)
			}
		}
	}
	for _, id := range b.Superseded {
		if _, err := tx.ExecContext(ctx, `DELETE FROM docs WHERE id = ? AND status = 'failed' AND sha256 = ''`, id); err != nil {
			return nil, fmt.Errorf("commit: %w", err)
		}
	}
	for _, in := range b.Inputs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO inputs (collection, path, size, mtime, doc_id, done) VALUES (?,?,?,?,?,?)
ON CONFLICT(collection, path) DO UPDATE SET size=excluded.size, mtime=excluded.mtime, doc_id=excluded.doc_id, done=excluded.done`,
			in.Collection, in.Path, in.Size, in.MTime, in.DocID, in.Done); err != nil {
			return nil, fmt.Errorf("commit: record input %s: %w", in.Path, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return written, nil
}

func docArgs(d *meta.Document, now int64) []any {
	var date, tz any
	if d.Date != nil {
		date = d.Date.Unix()
		_, off := d.Date.Zone()
		tz = off
	}
	var metaJSON any
	if len(d.Meta) > 0 {
		metaJSON = string(d.Meta)
	}
	hasAtt := 0
	if d.HasAttachments {
		hasAtt = 1
	}
	if d.IngestedAt.IsZero() {
		d.IngestedAt = time.Unix(now, 0).UTC()
	}
	return []any{d.ID, nullStr(d.ParentID), d.Path, d.SHA256, d.Size, d.Collection, string(d.Kind), d.MIME,
		d.Filename, string(d.Status), d.Reason, nullStr(d.DuplicateOf), d.Depth, nullStr(d.MessageID),
		nullStr(d.ThreadID), nullStr(d.ThreadRoot), nullStr(d.Subject), d.Sender, nullStr(d.SenderName), date, tz, hasAtt, metaJSON,
		d.IngestedAt.Unix(), nullStr(d.DKIM), nullStr(d.Lang), nullStr(d.Author), nullStr(d.Editor),
		nullStr(analysis.FoldWords(d.Author + " " + d.Editor)), flagsColumn(d.Flags), d.OCR, d.Encrypted}
}

// flagsColumn stores anomaly rules space-separated with a space at each
// end, so that flag: matches a whole rule with instr(flags, ' rule ').
func flagsColumn(flags []string) any {
	if len(flags) == 0 {
		return nil
	}
	return " " + strings.Join(flags, " ") + " "
}

// RunStart records the start of an ingest run and returns its id.
func (s *Store) RunStart(ctx context.Context, args []string) (int64, error) {
	a, _ := json.Marshal(args)
	res, err := s.w.ExecContext(ctx, `INSERT INTO runs (started, args) VALUES (?, ?)`, time.Now().Unix(), string(a))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// RunFinish records the summary of a run.
func (s *Store) RunFinish(ctx context.Context, id int64, summary any) error {
	b, _ := json.Marshal(summary)
	_, err := s.w.ExecContext(ctx, `UPDATE runs SET finished = ?, summary = ? WHERE id = ?`, time.Now().Unix(), string(b), id)
	return err
}
