package tlog

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
)

// algEd25519 is the signed-note algorithm byte for Ed25519 keys.
const algEd25519 = 1

// GenerateKey returns a new Ed25519 signed-note key pair named origin: skey is
// the secret signer key ("PRIVATE+KEY+<origin>+..."), vkey the public
// verifier key ("<origin>+<hash>+<key>") to give to verifiers and monitors.
// The origin is the log's name and becomes the first line of every
// checkpoint; it must be a valid note key name (non-empty, no spaces or '+').
func GenerateKey(origin string) (skey, vkey string, err error) {
	if !validOrigin(origin) {
		return "", "", fmt.Errorf("tlog: generate key: invalid origin %q: want non-empty UTF-8 without spaces or '+'", origin)
	}
	skey, vkey, err = note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return "", "", fmt.Errorf("tlog: generate key %q: %w", origin, err)
	}
	return skey, vkey, nil
}

// validOrigin reports whether origin is a valid signed-note key name, as
// note.NewSigner and note.NewVerifier require.
func validOrigin(origin string) bool {
	return origin != "" && utf8.ValidString(origin) &&
		strings.IndexFunc(origin, unicode.IsSpace) < 0 && !strings.Contains(origin, "+")
}

// NewSigner parses a signer key from [GenerateKey]. Only Ed25519 keys are
// accepted.
func NewSigner(skey string) (note.Signer, error) {
	s, err := note.NewSigner(strings.TrimSpace(skey))
	if err != nil {
		return nil, fmt.Errorf("tlog: parse signer key: %w", err)
	}
	return s, nil
}

// NewVerifier parses a verifier key from [GenerateKey]. Only Ed25519 keys
// are accepted; the verifier's Name is the log origin.
func NewVerifier(vkey string) (note.Verifier, error) {
	vkey = strings.TrimSpace(vkey)
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("tlog: parse verifier key: %w", err)
	}
	// note.NewVerifier accepts only Ed25519 today; check anyway so that a
	// future algorithm is a deliberate decision here.
	_, rest, _ := strings.Cut(vkey, "+")
	_, k64, _ := strings.Cut(rest, "+")
	if k, err := base64.StdEncoding.DecodeString(k64); err != nil || len(k) == 0 || k[0] != algEd25519 {
		return nil, fmt.Errorf("tlog: parse verifier key: not an Ed25519 key")
	}
	return v, nil
}

// VerifierKey derives the verifier key that matches signer key skey.
func VerifierKey(skey string) (string, error) {
	skey = strings.TrimSpace(skey)
	s, err := NewSigner(skey)
	if err != nil {
		return "", err
	}
	// PRIVATE+KEY+<name>+<hash>+<base64(alg || seed)>, already validated.
	// (Base64 may itself contain '+', so split off exactly four fields.)
	k, err := base64.StdEncoding.DecodeString(strings.SplitN(skey, "+", 5)[4])
	if err != nil || len(k) != 1+ed25519.SeedSize || k[0] != algEd25519 {
		return "", fmt.Errorf("tlog: parse signer key: not an Ed25519 key")
	}
	pub := ed25519.NewKeyFromSeed(k[1:]).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(s.Name(), pub)
	if err != nil {
		return "", fmt.Errorf("tlog: derive verifier key: %w", err)
	}
	return vkey, nil
}
