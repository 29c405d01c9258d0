package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/newsroom/dossier/internal/dkim"
	"github.com/newsroom/dossier/internal/meta"
)

// PutKeys records key observations. An observation already recorded from
// the same source (same domain, selector and record) has its first and
// last seen dates widened; it returns how many observations were new.
func (s *Store) PutKeys(ctx context.Context, keys []dkim.Key) (added int, err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store keys: %w", err)
	}
	defer tx.Rollback()
	now := time.Now().Unix()
	for _, k := range keys {
		domain, sel := strings.ToLower(k.Domain), strings.ToLower(k.Selector)
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM dkim_keys WHERE domain = ? AND selector = ? AND source = ? AND record = ?`,
			domain, sel, k.Source, k.Record).Scan(&id)
		switch {
		case err == nil:
			_, err = tx.ExecContext(ctx, `UPDATE dkim_keys SET
  first_seen = CASE WHEN ?1 IS NOT NULL AND (first_seen IS NULL OR ?1 < first_seen) THEN ?1 ELSE first_seen END,
  last_seen = CASE WHEN ?2 IS NOT NULL AND (last_seen IS NULL OR ?2 > last_seen) THEN ?2 ELSE last_seen END
WHERE id = ?3`, unixOrNull(k.FirstSeen), unixOrNull(k.LastSeen), id)
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, `INSERT INTO dkim_keys (domain, selector, record, source, key_type, key_bits,
fingerprint, problem, first_seen, last_seen, imported_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
				domain, sel, k.Record, k.Source, k.Type, k.Bits, k.Fingerprint, k.Problem,
				unixOrNull(k.FirstSeen), unixOrNull(k.LastSeen), now)
			added++
		}
		if err != nil {
			return 0, fmt.Errorf("store key %s._domainkey.%s: %w", k.Selector, k.Domain, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store keys: %w", err)
	}
	return added, nil
}

func unixOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

const keyColumns = `domain, selector, record, source, key_type, key_bits, fingerprint, problem, first_seen, last_seen`

func scanKey(sc scanner) (dkim.Key, error) {
	var k dkim.Key
	var first, last sql.NullInt64
	err := sc.Scan(&k.Domain, &k.Selector, &k.Record, &k.Source, &k.Type, &k.Bits, &k.Fingerprint, &k.Problem, &first, &last)
	if first.Valid {
		k.FirstSeen = time.Unix(first.Int64, 0).UTC()
	}
	if last.Valid {
		k.LastSeen = time.Unix(last.Int64, 0).UTC()
	}
	return k, err
}

// Lookup returns every archived observation of selector._domainkey.domain;
// the store is a dkim.Keys.
func (s *Store) Lookup(ctx context.Context, domain, selector string) ([]dkim.Key, error) {
	return s.keys(ctx, `SELECT `+keyColumns+` FROM dkim_keys WHERE domain = ? AND selector = ? ORDER BY id`,
		strings.ToLower(domain), strings.ToLower(selector))
}

// Keys returns every key observation, by domain and selector.
func (s *Store) Keys(ctx context.Context) ([]dkim.Key, error) {
	return s.keys(ctx, `SELECT `+keyColumns+` FROM dkim_keys ORDER BY domain, selector, id`)
}

func (s *Store) keys(ctx context.Context, q string, args ...any) ([]dkim.Key, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read keys: %w", err)
	}
	defer rows.Close()
	var out []dkim.Key
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, fmt.Errorf("read keys: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// PutAuth records (or replaces) authenticity reports.
func (s *Store) PutAuth(ctx context.Context, reports []meta.Auth) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store verdicts: %w", err)
	}
	defer tx.Rollback()
	for _, a := range reports {
		if _, err := tx.ExecContext(ctx, `UPDATE docs SET dkim = ? WHERE num = ?`, string(a.Report.Verdict), a.Num); err != nil {
			return fmt.Errorf("store verdict of #%d: %w", a.Num, err)
		}
		if err := putAuth(ctx, tx, a.Num, a.Report, true); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store verdicts: %w", err)
	}
	return nil
}

// trivial reports whether r says nothing beyond "unsigned": most of an
// old leak. Its verdict in docs.dkim is the whole record (see Auth).
func trivial(r *dkim.Report) bool {
	return r.Verdict == dkim.Unsigned && len(r.Signatures) == 0 && (r.ARC == nil || r.ARC.Result == "none")
}

// putAuth records document num's report (docs.dkim is set by the caller).
// replace says earlier rows may exist.
func putAuth(ctx context.Context, tx *sql.Tx, num int64, r *dkim.Report, replace bool) error {
	if replace {
		if _, err := tx.ExecContext(ctx, `DELETE FROM dkim_domains WHERE num = ?`, num); err != nil {
			return fmt.Errorf("store verdict of #%d: %w", num, err)
		}
	}
	if trivial(r) {
		if replace {
			if _, err := tx.ExecContext(ctx, `DELETE FROM dkim WHERE num = ?`, num); err != nil {
				return fmt.Errorf("store verdict of #%d: %w", num, err)
			}
		}
		return nil
	}
	js, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("store verdict of #%d: %w", num, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO dkim (num, verdict, as_of, report) VALUES (?,?,?,?)`,
		num, string(r.Verdict), r.AsOf.Unix(), js); err != nil {
		return fmt.Errorf("store verdict of #%d: %w", num, err)
	}
	for _, sig := range r.Signatures {
		if sig.Domain == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO dkim_domains (domain, num) VALUES (?,?)`,
			strings.ToLower(sig.Domain), num); err != nil {
			return fmt.Errorf("store verdict of #%d: %w", num, err)
		}
	}
	return nil
}

// Auth returns the authenticity report of document num, or nil when it
// has none (not an email, or not verified yet). An unsigned message
// without ARC headers has only its verdict stored; its report is
// rebuilt from it, without the as-of time.
func (s *Store) Auth(ctx context.Context, num int64) (*dkim.Report, error) {
	var js, verdict sql.NullString
	err := s.r.QueryRowContext(ctx, `SELECT d.dkim, k.report FROM docs d LEFT JOIN dkim k ON k.num = d.num WHERE d.num = ?`, num).Scan(&verdict, &js)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !js.Valid && verdict.String != string(dkim.Unsigned) {
		return nil, nil
	}
	if err == nil && !js.Valid {
		return &dkim.Report{Verdict: dkim.Unsigned, Signatures: []dkim.Signature{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read verdict of #%d: %w", num, err)
	}
	var r dkim.Report
	if err := json.Unmarshal([]byte(js.String), &r); err != nil {
		return nil, fmt.Errorf("read verdict of #%d: %w", num, err)
	}
	return &r, nil
}

// AuthCounts returns how many messages have each verdict.
func (s *Store) AuthCounts(ctx context.Context) (map[string]int64, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT dkim, count(*) FROM docs WHERE dkim IS NOT NULL GROUP BY dkim`)
	if err != nil {
		return nil, fmt.Errorf("count verdicts: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var v string
		var n int64
		if err := rows.Scan(&v, &n); err != nil {
			return nil, fmt.Errorf("count verdicts: %w", err)
		}
		out[v] = n
	}
	return out, rows.Err()
}
