package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// PersonCount is how many documents and messages mention a watched
// entity.
type PersonCount struct {
	ID        int64  `json:"-"`
	Name      string `json:"name"`
	Documents int64  `json:"documents"`
	// Messages counts emails that mention the entity in their headers,
	// subject or body, or have an attachment (at any depth) that does.
	Messages     int64            `json:"messages"`
	ByCollection map[string]int64 `json:"by_collection"`
	// Excluded counts occurrences dropped by the entity's exclusions.
	Excluded int64 `json:"excluded_occurrences"`
}

// mentioningDocs selects the indexed documents that mention entity ?1.
const mentioningDocs = `SELECT DISTINCT m.num FROM mentions m JOIN docs d ON d.num = m.num
WHERE m.entity = ?1 AND m.count > 0 AND d.status = 'indexed'`

// PersonCounts counts, for each watched entity, the documents and
// messages that mention it, by collection. Only indexed documents count
// (a duplicate is the same bytes as a counted document).
func (s *Store) PersonCounts(ctx context.Context, id int64) (*PersonCount, error) {
	pc := &PersonCount{ID: id, ByCollection: map[string]int64{}}
	if err := s.r.QueryRowContext(ctx, `SELECT name FROM watch WHERE id = ?`, id).Scan(&pc.Name); err != nil {
		return nil, fmt.Errorf("person %d: %w", id, err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT d.collection, count(*) FROM docs d WHERE d.num IN (`+mentioningDocs+`) GROUP BY 1`, id)
	if err != nil {
		return nil, fmt.Errorf("person counts: %w", err)
	}
	for rows.Next() {
		var c string
		var n int64
		if err := rows.Scan(&c, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("person counts: %w", err)
		}
		pc.ByCollection[c] = n
		pc.Documents += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("person counts: %w", err)
	}
	err = s.r.QueryRowContext(ctx, `WITH RECURSIVE up(id, parent, kind) AS (
  SELECT d.id, d.parent_id, d.kind FROM docs d WHERE d.num IN (`+mentioningDocs+`)
  UNION SELECT p.id, p.parent_id, p.kind FROM docs p JOIN up ON p.id = up.parent
)
SELECT count(DISTINCT id) FROM up WHERE kind = 'email'`, id).Scan(&pc.Messages)
	if err != nil {
		return nil, fmt.Errorf("person counts: %w", err)
	}
	if err := s.r.QueryRowContext(ctx, `SELECT coalesce(sum(excluded), 0) FROM mentions WHERE entity = ?`, id).Scan(&pc.Excluded); err != nil {
		return nil, fmt.Errorf("person counts: %w", err)
	}
	return pc, nil
}

// MonthCount is a number of documents in one month (YYYY-MM), or undated
// ("").
type MonthCount struct {
	Month string `json:"month"`
	Count int64  `json:"count"`
}

// NameCount is a name with a count.
type NameCount struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

// Correspondent is an address that exchanged messages with someone.
type Correspondent struct {
	Address string     `json:"address"`
	Name    string     `json:"name,omitempty"`
	Sent    int64      `json:"sent"`     // messages from them (to the person)
	Receive int64      `json:"received"` // messages to them (from the person)
	First   *time.Time `json:"first,omitempty"`
	Last    *time.Time `json:"last,omitempty"`
}

// PersonTimeline counts the documents mentioning entity id by month of
// their date.
func (s *Store) PersonTimeline(ctx context.Context, id int64) ([]MonthCount, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT coalesce(strftime('%Y-%m', d.date, 'unixepoch'), ''), count(*)
FROM docs d WHERE d.num IN (`+mentioningDocs+`) GROUP BY 1 ORDER BY 1`, id)
	if err != nil {
		return nil, fmt.Errorf("person timeline: %w", err)
	}
	defer rows.Close()
	var out []MonthCount
	for rows.Next() {
		var m MonthCount
		if err := rows.Scan(&m.Month, &m.Count); err != nil {
			return nil, fmt.Errorf("person timeline: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// CoMentioned returns the other watched entities most often mentioned in
// the same documents as entity id.
func (s *Store) CoMentioned(ctx context.Context, id int64, limit int) ([]NameCount, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT w.name, count(DISTINCT m2.num) AS n
FROM mentions m2 JOIN watch w ON w.id = m2.entity
WHERE m2.num IN (`+mentioningDocs+`) AND m2.entity <> ?1 AND m2.count > 0
GROUP BY m2.entity ORDER BY n DESC, w.name LIMIT ?2`, id, limit)
	if err != nil {
		return nil, fmt.Errorf("co-mentioned: %w", err)
	}
	defer rows.Close()
	var out []NameCount
	for rows.Next() {
		var nc NameCount
		if err := rows.Scan(&nc.Name, &nc.Count); err != nil {
			return nil, fmt.Errorf("co-mentioned: %w", err)
		}
		out = append(out, nc)
	}
	return out, rows.Err()
}

// PersonCorrespondents returns who exchanged messages with entity id: in
// messages whose From names the entity (by name or address), the To and
// Cc addresses; in messages whose To or Cc names it, the From address.
// The entity's own addresses (its watchlist addresses, and the From of
// messages it sent) are left out.
func (s *Store) PersonCorrespondents(ctx context.Context, id int64, limit int) ([]Correspondent, error) {
	rows, err := s.r.QueryContext(ctx, `WITH
sent AS (SELECT DISTINCT num FROM mentions WHERE entity = ?1 AND field = 'from' AND count > 0),
recv AS (SELECT DISTINCT num FROM mentions WHERE entity = ?1 AND field IN ('to', 'cc', 'bcc') AND count > 0),
own AS (SELECT a.address FROM addresses a JOIN sent ON sent.num = a.num WHERE a.role = 'from'
        UNION SELECT lower(alias) FROM mentions WHERE entity = ?1 AND instr(alias, '@') > 0),
pairs AS (
  SELECT a.address, a.name, a.num, 0 AS dir FROM addresses a JOIN sent ON sent.num = a.num WHERE a.role IN ('to', 'cc', 'bcc')
  UNION ALL
  SELECT a.address, a.name, a.num, 1 AS dir FROM addresses a JOIN recv ON recv.num = a.num WHERE a.role = 'from'
)
SELECT p.address, max(p.name), sum(p.dir = 1), sum(p.dir = 0), min(d.date), max(d.date)
FROM pairs p JOIN docs d ON d.num = p.num
WHERE p.address NOT IN (SELECT address FROM own) AND d.status = 'indexed'
GROUP BY p.address ORDER BY count(*) DESC, p.address LIMIT ?2`, id, limit)
	if err != nil {
		return nil, fmt.Errorf("correspondents: %w", err)
	}
	defer rows.Close()
	return scanCorrespondents(rows)
}

func scanCorrespondents(rows *sql.Rows) ([]Correspondent, error) {
	var out []Correspondent
	for rows.Next() {
		var (
			c           Correspondent
			first, last sql.NullInt64
		)
		if err := rows.Scan(&c.Address, &c.Name, &c.Sent, &c.Receive, &first, &last); err != nil {
			return nil, fmt.Errorf("correspondents: %w", err)
		}
		if first.Valid {
			t := time.Unix(first.Int64, 0).UTC()
			c.First = &t
		}
		if last.Valid {
			t := time.Unix(last.Int64, 0).UTC()
			c.Last = &t
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Pair is how often one address wrote to another.
type Pair struct {
	From     string     `json:"from"`
	To       string     `json:"to"`
	Messages int64      `json:"messages"`
	First    *time.Time `json:"first,omitempty"`
	Last     *time.Time `json:"last,omitempty"`
}

// Correspondence returns who wrote to whom (From to each To and Cc
// address of indexed messages), most messages first; addresses, if given,
// keep only pairs where one side is among them.
func (s *Store) Correspondence(ctx context.Context, addresses []string, limit int) ([]Pair, error) {
	where, args := "", []any{}
	if len(addresses) > 0 {
		ph := strings.TrimSuffix(strings.Repeat("?,", len(addresses)), ",")
		where = " AND (f.address IN (" + ph + ") OR t.address IN (" + ph + "))"
		for range 2 {
			for _, a := range addresses {
				args = append(args, strings.ToLower(a))
			}
		}
	}
	args = append(args, limit)
	rows, err := s.r.QueryContext(ctx, `SELECT f.address, t.address, count(DISTINCT f.num), min(d.date), max(d.date)
FROM addresses f JOIN addresses t ON t.num = f.num AND t.role IN ('to', 'cc') AND t.address <> f.address
JOIN docs d ON d.num = f.num
WHERE f.role = 'from' AND d.status = 'indexed'`+where+`
GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("correspondence: %w", err)
	}
	defer rows.Close()
	var out []Pair
	for rows.Next() {
		var (
			p           Pair
			first, last sql.NullInt64
		)
		if err := rows.Scan(&p.From, &p.To, &p.Messages, &first, &last); err != nil {
			return nil, fmt.Errorf("correspondence: %w", err)
		}
		if first.Valid {
			t := time.Unix(first.Int64, 0).UTC()
			p.First = &t
		}
		if last.Valid {
			t := time.Unix(last.Int64, 0).UTC()
			p.Last = &t
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// MentioningNums returns the numbers of the indexed documents that mention
// entity id, in number order.
func (s *Store) MentioningNums(ctx context.Context, id int64) ([]int64, error) {
	rows, err := s.r.QueryContext(ctx, mentioningDocs+` ORDER BY m.num`, id)
	if err != nil {
		return nil, fmt.Errorf("mentions: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("mentions: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
