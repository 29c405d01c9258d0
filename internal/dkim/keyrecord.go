package dkim

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// KeyRecord is a parsed DKIM key record (RFC 6376 3.6.1, RFC 8463).
type KeyRecord struct {
	Type string // k=: "rsa" (the default) or "ed25519"
	Bits int    // RSA modulus size, 256 for Ed25519; 0 when revoked
	// PublicKey is *rsa.PublicKey or ed25519.PublicKey; nil when revoked.
	PublicKey crypto.PublicKey
	// Fingerprint is the hex SHA-256 of the key's bytes: the
	// SubjectPublicKeyInfo DER for RSA (whichever form the record used,
	// so the same key always has the same fingerprint), the raw 32 bytes
	// for Ed25519. Empty when revoked.
	Fingerprint string
	Revoked     bool     // p= is empty
	Testing     bool     // t=y: the domain is testing DKIM
	Strict      bool     // t=s: i= must not be a subdomain of d=
	Hashes      []string // h=: acceptable hash algorithms, lowercased; nil means any
	Services    []string // s=: service types, lowercased; nil means "*"
	Notes       string   // n=, as written
}

// ErrKeySyntax is wrapped by ParseKeyRecord errors for records that are
// not valid DKIM1 key records (RFC 6376 3.6.1 says to discard them).
var ErrKeySyntax = errors.New("dkim: key record syntax")

// ErrKeyUnsupported is wrapped by ParseKeyRecord errors for records of a
// key type (k=) this package does not know.
var ErrKeyUnsupported = errors.New("dkim: key record unsupported")

// keyCache holds parsed key records by their text: an archive's mail is
// signed by few keys, and parsing DER for every message costs as much as
// the hashing. Records are immutable text, so sharing the parse is safe
// (KeyRecord is never modified after parsing).
var keyCache struct {
	sync.Mutex
	m map[string]keyParse
}

type keyParse struct {
	rec *KeyRecord
	err error
}

const keyCacheMax = 4096

// parsedKey is ParseKeyRecord through keyCache.
func parsedKey(txt string) (*KeyRecord, error) {
	keyCache.Lock()
	p, ok := keyCache.m[txt]
	keyCache.Unlock()
	if ok {
		return p.rec, p.err
	}
	rec, err := ParseKeyRecord(txt)
	keyCache.Lock()
	if keyCache.m == nil || len(keyCache.m) >= keyCacheMax {
		keyCache.m = make(map[string]keyParse)
	}
	keyCache.m[txt] = keyParse{rec, err}
	keyCache.Unlock()
	return rec, err
}

// ParseKeyRecord parses a key record as published in DNS, strings
// already concatenated. RSA keys may be SubjectPublicKeyInfo or bare
// PKCS#1 RSAPublicKey DER; Ed25519 keys are the raw 32 bytes (RFC 8463).
// Weak keys are not refused: a 512-bit RSA key parses and verifies, and
// the verifier reports it as a weakness. An empty p= gives a record with
// Revoked set and no error.
func ParseKeyRecord(txt string) (*KeyRecord, error) {
	t, err := parseTags(txt)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeySyntax, err)
	}
	if v, ok := t["v"]; ok && v != "DKIM1" {
		return nil, fmt.Errorf("%w: v=%.20s, want DKIM1", ErrKeySyntax, v)
	}
	r := &KeyRecord{Type: "rsa", Notes: t["n"]}
	if k, ok := t["k"]; ok {
		r.Type = strings.ToLower(k)
	}
	if h, ok := t["h"]; ok {
		r.Hashes = lowerList(h)
	}
	if s, ok := t["s"]; ok {
		r.Services = lowerList(s)
	}
	if fl, ok := t["t"]; ok {
		for _, f := range lowerList(fl) {
			switch f {
			case "y":
				r.Testing = true
			case "s":
				r.Strict = true
			}
		}
	}
	p, ok := t["p"]
	if !ok {
		return nil, fmt.Errorf("%w: no p= tag", ErrKeySyntax)
	}
	p = stripFWS(p)
	if p == "" {
		r.Revoked = true
		return r, nil
	}
	der, err := decodeBase64(p)
	if err != nil {
		return nil, fmt.Errorf("%w: p= is not base64", ErrKeySyntax)
	}
	switch r.Type {
	case "rsa":
		pub, err := parseRSAKey(der)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrKeySyntax, err)
		}
		spki, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrKeySyntax, err)
		}
		r.PublicKey, r.Bits, r.Fingerprint = pub, pub.N.BitLen(), fingerprint(spki)
	case "ed25519":
		if len(der) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%w: ed25519 key is %d bytes, want %d", ErrKeySyntax, len(der), ed25519.PublicKeySize)
		}
		r.PublicKey, r.Bits, r.Fingerprint = ed25519.PublicKey(der), 256, fingerprint(der)
	default:
		return nil, fmt.Errorf("%w: k=%.20s", ErrKeyUnsupported, r.Type)
	}
	return r, nil
}

// parseRSAKey reads SubjectPublicKeyInfo DER or, failing that, a bare
// PKCS#1 RSAPublicKey.
func parseRSAKey(der []byte) (*rsa.PublicKey, error) {
	if k, err := x509.ParsePKIXPublicKey(der); err == nil {
		pub, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("k=rsa but p= holds a %T", k)
		}
		return pub, nil
	}
	pub, err := x509.ParsePKCS1PublicKey(der)
	if err != nil {
		return nil, errors.New("p= is neither SubjectPublicKeyInfo nor PKCS#1 RSA")
	}
	return pub, nil
}

func fingerprint(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func lowerList(s string) []string {
	var out []string
	for _, e := range splitList(s) {
		if e != "" {
			out = append(out, strings.ToLower(e))
		}
	}
	return out
}

// allowsHash reports whether the record's h= admits hash ("sha1",
// "sha256").
func (r *KeyRecord) allowsHash(hash string) bool {
	if r.Hashes == nil {
		return true
	}
	for _, h := range r.Hashes {
		if h == hash {
			return true
		}
	}
	return false
}

// allowsEmail reports whether the record's s= admits email.
func (r *KeyRecord) allowsEmail() bool {
	if r.Services == nil {
		return true
	}
	for _, s := range r.Services {
		if s == "*" || s == "email" {
			return true
		}
	}
	return false
}
