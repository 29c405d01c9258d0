package dkim

import (
	"context"
	"errors"
	"time"
)

// Key is one observation of a published DKIM key record: what was seen
// at selector._domainkey.domain, from one source. Observations from
// different sources are never merged.
type Key struct {
	Domain   string `json:"domain"`   // lowercase, no trailing dot
	Selector string `json:"selector"` // as published (selectors are case-insensitive in DNS; stored lowercase)
	Record   string `json:"record"`   // the TXT record as published, strings concatenated
	// Source names where the observation comes from: "zone:keys.zone",
	// "zk-email:archive.json", "dns", "file:keys.zone" (one-off --keys).
	Source    string    `json:"source"`
	FirstSeen time.Time `json:"first_seen,omitzero"` // zero when the source does not say
	LastSeen  time.Time `json:"last_seen,omitzero"`

	// The parsed key, filled in by whoever stores the observation (see
	// ParseKeyRecord); Problem says why the record does not parse.
	Type        string `json:"key_type,omitempty"`
	Bits        int    `json:"key_bits,omitempty"`
	Fingerprint string `json:"fingerprint,omitempty"`
	Problem     string `json:"problem,omitempty"`
}

// ErrTempKey marks a key lookup that failed temporarily (a DNS timeout or
// SERVFAIL recorded in a zone file): the signature gets temperror.
var ErrTempKey = errors.New("key lookup failed temporarily")

// Keys is where a verifier finds public keys. Verification never touches
// the network: implementations read the archive's key store or files.
type Keys interface {
	// Lookup returns every observation of selector._domainkey.domain
	// (domain and selector lowercase), or none when nothing is known. An
	// error wrapping ErrTempKey means the lookup failed temporarily.
	Lookup(ctx context.Context, domain, selector string) ([]Key, error)
}
