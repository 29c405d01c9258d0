package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/newsroom/dossier/internal/meta"
)

// maxSpans is how many occurrence spans a mention row keeps.
const maxSpans = 20

// PutWatch adds watched entities, or replaces those with the same folded
// name (keeping their id). It fills in the ids and returns how many were
// added and how many replaced.
func (s *Store) PutWatch(ctx context.Context, entries []meta.WatchEntry) (added, replaced int, err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("watch: %w", err)
	}
	defer tx.Rollback()
	now := time.Now().Unix()
	for i := range entries {
		e := &entries[i]
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM watch WHERE folded = ?`, e.Folded).Scan(&id)
		switch {
		case err == nil:
			if _, err := tx.ExecContext(ctx, `UPDATE watch SET name=?, kind=?, keys=?, entity=? WHERE id=?`,
				e.Name, e.Kind, keysColumn(e.Keys), string(e.Entity), id); err != nil {
				return 0, 0, fmt.Errorf("watch: %w", err)
			}
			replaced++
		case errors.Is(err, sql.ErrNoRows):
			res, err := tx.ExecContext(ctx, `INSERT INTO watch (name, folded, kind, keys, entity, added) VALUES (?,?,?,?,?,?)`,
				e.Name, e.Folded, e.Kind, keysColumn(e.Keys), string(e.Entity), now)
			if err != nil {
				return 0, 0, fmt.Errorf("watch: %w", err)
			}
			id, _ = res.LastInsertId()
			added++
		default:
			return 0, 0, fmt.Errorf("watch: %w", err)
		}
		e.ID = id
	}
	return added, replaced, tx.Commit()
}

// keysColumn is the folded name and aliases as " | a | b | ", so that
// instr(keys, '| a |') finds one exactly.
func keysColumn(keys []string) string {
	return "| " + strings.Join(keys, " | ") + " |"
}

// Watch returns every watched entity in id order.
func (s *Store) Watch(ctx context.Context) ([]meta.WatchEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, name, folded, kind, keys, entity, added FROM watch ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	defer rows.Close()
	var out []meta.WatchEntry
	for rows.Next() {
		var (
			e         meta.WatchEntry
			keys, ent string
			addedUnix int64
		)
		if err := rows.Scan(&e.ID, &e.Name, &e.Folded, &e.Kind, &keys, &ent, &addedUnix); err != nil {
			return nil, fmt.Errorf("watch: %w", err)
		}
		for _, k := range strings.Split(strings.Trim(keys, "| "), " | ") {
			if k != "" {
				e.Keys = append(e.Keys, k)
			}
		}
		e.Entity = json.RawMessage(ent)
		e.Added = time.Unix(addedUnix, 0).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// RemoveWatch removes a watched entity (by folded name) and what matching
// recorded for it. It reports whether there was one.
func (s *Store) RemoveWatch(ctx context.Context, folded string) (bool, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("watch: %w", err)
	}
	defer tx.Rollback()
	var id int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM watch WHERE folded = ?`, folded).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("watch: %w", err)
	}
	tag := " " + strconv.FormatInt(id, 10) + " "
	for _, q := range []string{
		`DELETE FROM watch WHERE id = ?`,
		`DELETE FROM mentions WHERE entity = ?`,
	} {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return false, fmt.Errorf("watch: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE docs SET persons = nullif(replace(persons, ?, ' '), ' ') WHERE instr(persons, ?) > 0`,
		tag, tag); err != nil {
		return false, fmt.Errorf("watch: %w", err)
	}
	return true, tx.Commit()
}

// PutMentions replaces what people analysis recorded for documents, in one
// transaction. With namesOnly, only watched-entity mentions are replaced
// (entities and addresses are kept): what "watch apply" does after a
// watchlist change.
func (s *Store) PutMentions(ctx context.Context, docs []meta.DocMentions, namesOnly bool) error {
	return s.putMentions(ctx, docs, namesOnly, false)
}

// AddMentions records documents' watched-name mentions after
// ClearMentions: nothing is recorded for them yet, so there is nothing to
// replace (what makes "watch apply" cheap).
func (s *Store) AddMentions(ctx context.Context, docs []meta.DocMentions) error {
	return s.putMentions(ctx, docs, true, true)
}

func (s *Store) putMentions(ctx context.Context, docs []meta.DocMentions, namesOnly, fresh bool) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("mentions: %w", err)
	}
	defer tx.Rollback()
	w, err := newMentionWriter(ctx, tx)
	if err != nil {
		return err
	}
	defer w.close()
	w.fresh = fresh
	for _, d := range docs {
		if err := w.put(ctx, d.Num, d.Mentions, namesOnly); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("mentions: %w", err)
	}
	return nil
}

// ClearMentions removes every watched-entity mention (before "watch
// apply" rewrites them all).
func (s *Store) ClearMentions(ctx context.Context) error {
	_, err := s.w.ExecContext(ctx, `BEGIN; DELETE FROM mentions; UPDATE docs SET persons = NULL WHERE persons IS NOT NULL;
INSERT OR REPLACE INTO meta (key, value) VALUES ('mentions_incomplete', '1'); COMMIT;`)
	if err != nil {
		s.w.ExecContext(ctx, `ROLLBACK`)
		return fmt.Errorf("mentions: %w", err)
	}
	return nil
}

// FinishMentions marks the mentions complete again after ClearMentions
// and every AddMentions.
func (s *Store) FinishMentions(ctx context.Context) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM meta WHERE key = 'mentions_incomplete'`); err != nil {
		return fmt.Errorf("mentions: %w", err)
	}
	return nil
}

// MentionsIncomplete reports whether a "watch apply" started and did not
// finish: counts are then too low until it is run again.
func (s *Store) MentionsIncomplete(ctx context.Context) (bool, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM meta WHERE key = 'mentions_incomplete'`).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("mentions: %w", err)
	}
	return n > 0, nil
}

type mentionWriter struct {
	names, ents, addrs *sql.Stmt
	tx                 *sql.Tx
	// fresh: the documents have no mentions recorded (after
	// ClearMentions), so there is nothing to delete or reset.
	fresh bool
}

func newMentionWriter(ctx context.Context, tx *sql.Tx) (*mentionWriter, error) {
	w := &mentionWriter{tx: tx}
	var err error
	if w.names, err = tx.PrepareContext(ctx, `INSERT INTO mentions (entity, num, field, alias, count, excluded, spans) VALUES (?,?,?,?,?,?,?)
ON CONFLICT DO UPDATE SET count = count + excluded.count, excluded = mentions.excluded + excluded.excluded`); err != nil {
		return nil, fmt.Errorf("mentions: %w", err)
	}
	if w.ents, err = tx.PrepareContext(ctx, `INSERT INTO entities (kind, value, num, count) VALUES (?,?,?,?)
ON CONFLICT DO UPDATE SET count = count + excluded.count`); err != nil {
		return nil, fmt.Errorf("mentions: %w", err)
	}
	if w.addrs, err = tx.PrepareContext(ctx, `INSERT OR IGNORE INTO addresses (num, role, address, name) VALUES (?,?,?,?)`); err != nil {
		return nil, fmt.Errorf("mentions: %w", err)
	}
	return w, nil
}

func (w *mentionWriter) close() {
	for _, st := range []*sql.Stmt{w.names, w.ents, w.addrs} {
		if st != nil {
			st.Close()
		}
	}
}

func (w *mentionWriter) put(ctx context.Context, num int64, m *meta.Mentions, namesOnly bool) error {
	var dels []string
	if !w.fresh {
		dels = append(dels, `DELETE FROM mentions WHERE num = ?`)
	}
	if !namesOnly {
		dels = append(dels, `DELETE FROM entities WHERE num = ?`, `DELETE FROM addresses WHERE num = ?`)
	}
	for _, q := range dels {
		if _, err := w.tx.ExecContext(ctx, q, num); err != nil {
			return fmt.Errorf("mentions: %w", err)
		}
	}
	var persons []int64
	for _, n := range m.Names {
		var spans []string
		for i, sp := range n.Spans {
			if i == maxSpans {
				break
			}
			spans = append(spans, strconv.Itoa(sp[0])+"-"+strconv.Itoa(sp[1]))
		}
		if _, err := w.names.ExecContext(ctx, n.Entity, num, n.Field, n.Alias, n.Count, n.Excluded, strings.Join(spans, ",")); err != nil {
			return fmt.Errorf("mentions: %w", err)
		}
		if n.Count > 0 && !slices.Contains(persons, n.Entity) {
			persons = append(persons, n.Entity)
		}
	}
	var col any
	if len(persons) > 0 {
		slices.Sort(persons)
		var b strings.Builder
		b.WriteByte(' ')
		for _, p := range persons {
			b.WriteString(strconv.FormatInt(p, 10))
			b.WriteByte(' ')
		}
		col = b.String()
	}
	if col != nil || !w.fresh {
		if _, err := w.tx.ExecContext(ctx, `UPDATE docs SET persons = ? WHERE num = ?`, col, num); err != nil {
			return fmt.Errorf("mentions: %w", err)
		}
	}
	if namesOnly {
		return nil
	}
	for _, e := range m.Entities {
		if _, err := w.ents.ExecContext(ctx, e.Kind, e.Value, num, e.Count); err != nil {
			return fmt.Errorf("mentions: %w", err)
		}
	}
	for _, a := range m.Addresses {
		if _, err := w.addrs.ExecContext(ctx, num, a.Role, a.Address, a.Name); err != nil {
			return fmt.Errorf("mentions: %w", err)
		}
	}
	return nil
}

// DocMentions returns the recorded mentions of watched entities in a
// document, for explaining a count.
func (s *Store) DocMentions(ctx context.Context, num int64) ([]meta.NameMention, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT entity, field, alias, count, excluded, spans FROM mentions WHERE num = ?
ORDER BY entity, field, alias`, num)
	if err != nil {
		return nil, fmt.Errorf("mentions: %w", err)
	}
	defer rows.Close()
	var out []meta.NameMention
	for rows.Next() {
		var (
			m     meta.NameMention
			spans string
		)
		if err := rows.Scan(&m.Entity, &m.Field, &m.Alias, &m.Count, &m.Excluded, &spans); err != nil {
			return nil, fmt.Errorf("mentions: %w", err)
		}
		for _, sp := range strings.Split(spans, ",") {
			a, b, ok := strings.Cut(sp, "-")
			if !ok {
				continue
			}
			i, _ := strconv.Atoi(a)
			j, _ := strconv.Atoi(b)
			m.Spans = append(m.Spans, [2]int{i, j})
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// RejectSuggestion records a name suggestion the user rejected.
func (s *Store) RejectSuggestion(ctx context.Context, folded, name string) error {
	_, err := s.w.ExecContext(ctx, `INSERT OR REPLACE INTO watch_rejected (folded, name, rejected) VALUES (?,?,?)`,
		folded, name, time.Now().Unix())
	if err != nil {
		return fmt.Errorf("watch: %w", err)
	}
	return nil
}

// RejectedSuggestions returns the folded names of rejected suggestions.
func (s *Store) RejectedSuggestions(ctx context.Context) (map[string]bool, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT folded FROM watch_rejected`)
	if err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var f string
		if err := rows.Scan(&f); err != nil {
			return nil, fmt.Errorf("watch: %w", err)
		}
		out[f] = true
	}
	return out, rows.Err()
}
