package dkim

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// ParseZKEmailJSON reads the zk-email DKIM archive's API shape: a JSON
// array of records
//
//	{"domain": "example.com", "selector": "s1", "value": "v=DKIM1; k=rsa; p=...",
//	 "firstSeenAt": "2024-01-02T03:04:05.000Z", "lastSeenAt": "..."}
//
// Unknown fields are ignored; missing or unreadable dates give zero
// times; entries without a domain or selector are skipped. The array is
// decoded one element at a time, so large archives are not held twice.
// Every Key gets Source source.
func ParseZKEmailJSON(r io.Reader, source string) ([]Key, error) {
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("read zk-email archive %s: %w", source, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, fmt.Errorf("read zk-email archive %s: want a JSON array, got %v", source, tok)
	}
	var keys []Key
	for dec.More() {
		var e struct {
			Domain      string `json:"domain"`
			Selector    string `json:"selector"`
			Value       string `json:"value"`
			FirstSeenAt string `json:"firstSeenAt"`
			LastSeenAt  string `json:"lastSeenAt"`
		}
		if err := dec.Decode(&e); err != nil {
			return nil, fmt.Errorf("read zk-email archive %s entry %d: %w", source, len(keys)+1, err)
		}
		if e.Domain == "" || e.Selector == "" {
			continue
		}
		keys = append(keys, Key{
			Domain:    normName(e.Domain),
			Selector:  strings.ToLower(e.Selector),
			Record:    e.Value,
			Source:    source,
			FirstSeen: parseSeen(e.FirstSeenAt),
			LastSeen:  parseSeen(e.LastSeenAt),
		})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("read zk-email archive %s: %w", source, err)
	}
	return keys, nil
}

func parseSeen(s string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// MemKeys is an in-memory Keys: observations by name, and names whose
// lookup fails temporarily. The zero value is empty and ready; it is safe
// for concurrent use.
type MemKeys struct {
	mu   sync.RWMutex
	keys map[string][]Key
	temp map[string]bool
}

// NewMemKeys returns a MemKeys holding keys and failing lookups of the
// names in temp ("selector._domainkey.domain"), as ParseZone returns them.
func NewMemKeys(keys []Key, temp map[string]bool) *MemKeys {
	m := &MemKeys{}
	m.Add(keys...)
	for name := range temp {
		m.FailTemporarily(name)
	}
	return m
}

// Add records key observations.
func (m *MemKeys) Add(keys ...Key) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.keys == nil {
		m.keys = make(map[string][]Key)
	}
	for _, k := range keys {
		name := keyName(k.Domain, k.Selector)
		m.keys[name] = append(m.keys[name], k)
	}
}

// FailTemporarily makes lookups of name ("selector._domainkey.domain")
// fail with ErrTempKey, even if keys are known for it.
func (m *MemKeys) FailTemporarily(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.temp == nil {
		m.temp = make(map[string]bool)
	}
	m.temp[normName(name)] = true
}

// Lookup implements Keys.
func (m *MemKeys) Lookup(ctx context.Context, domain, selector string) ([]Key, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	name := keyName(domain, selector)
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.temp[name] {
		return nil, fmt.Errorf("lookup %s: %w", name, ErrTempKey)
	}
	return append([]Key(nil), m.keys[name]...), nil
}

func keyName(domain, selector string) string {
	return strings.ToLower(selector) + "._domainkey." + normName(domain)
}
