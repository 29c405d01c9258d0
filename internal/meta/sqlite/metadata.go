package sqlite

import (
	"context"
	"fmt"
)

// MetadataFields are the fields MetadataValues can cluster, with the SQL
// expression reading each from a document row.
var MetadataFields = map[string]string{
	"author":           "author",
	"last_modified_by": "editor",
	"lang":             "lang",
	"creator":          "json_extract(meta, '$.document.creator')",
	"producer":         "json_extract(meta, '$.document.producer')",
	"company":          "json_extract(meta, '$.document.company')",
	"camera":           "json_extract(meta, '$.document.camera')",
}

// MetadataValue is one value of a metadata field with how many documents
// carry it and the first few of them (by number).
type MetadataValue struct {
	Value     string  `json:"value"`
	Documents int64   `json:"documents"`
	Examples  []int64 `json:"examples"`
}

// MetadataValues clusters the indexed documents of a collection ("" for
// all) by the value of field, most frequent first.
func (s *Store) MetadataValues(ctx context.Context, field, collection string) ([]MetadataValue, error) {
	expr, ok := MetadataFields[field]
	if !ok {
		return nil, fmt.Errorf("unknown metadata field %q", field)
	}
	q := `SELECT v, count(*), group_concat(num) FROM (SELECT ` + expr + ` AS v, num FROM docs
WHERE status = 'indexed' AND (? = '' OR collection = ?) AND kind <> 'email' ORDER BY num)
WHERE v IS NOT NULL AND v <> '' GROUP BY v ORDER BY count(*) DESC, v`
	rows, err := s.r.QueryContext(ctx, q, collection, collection)
	if err != nil {
		return nil, fmt.Errorf("metadata %s: %w", field, err)
	}
	defer rows.Close()
	var out []MetadataValue
	for rows.Next() {
		var v MetadataValue
		var nums string
		if err := rows.Scan(&v.Value, &v.Documents, &nums); err != nil {
			return nil, fmt.Errorf("metadata %s: %w", field, err)
		}
		var n int64
		for i := 0; i < len(nums) && len(v.Examples) < 5; i++ {
			c := nums[i]
			if c == ',' {
				v.Examples = append(v.Examples, n)
				n = 0
				continue
			}
			n = n*10 + int64(c-'0')
		}
		if len(v.Examples) < 5 && nums != "" {
			v.Examples = append(v.Examples, n)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
