// Package blob names bytes by their SHA-256 and reads them back verified.
package blob

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
)

// Ref identifies a blob: the SHA-256 of its bytes.
type Ref [sha256.Size]byte

// Of returns the ref of b.
func Of(b []byte) Ref { return sha256.Sum256(b) }

// String returns the ref as 64 lowercase hex digits.
func (r Ref) String() string { return hex.EncodeToString(r[:]) }

// IsZero reports whether r is the zero ref (no blob).
func (r Ref) IsZero() bool { return r == Ref{} }

// Parse parses 64 hex digits (either case).
func Parse(s string) (Ref, error) {
	var r Ref
	if len(s) != 2*len(r) {
		return r, fmt.Errorf("blob: parse ref %q: want %d hex digits", s, 2*len(r))
	}
	if _, err := hex.Decode(r[:], []byte(s)); err != nil {
		return r, fmt.Errorf("blob: parse ref %q: %w", s, err)
	}
	return r, nil
}

// ErrCorrupt is returned when stored bytes do not hash to their ref.
var ErrCorrupt = errors.New("blob corrupt: content does not match its sha256")

// Hasher hashes what passes through it; Sum returns the ref so far.
type Hasher struct{ h hash.Hash }

// NewHasher returns a hasher.
func NewHasher() *Hasher { return &Hasher{h: sha256.New()} }

// Write hashes p.
func (h *Hasher) Write(p []byte) (int, error) { return h.h.Write(p) }

// Ref returns the ref of everything written so far.
func (h *Hasher) Ref() Ref {
	var r Ref
	h.h.Sum(r[:0])
	return r
}

// VerifyReader reads r and, at its end, returns [ErrCorrupt] instead of
// io.EOF when the bytes read do not hash to want. Callers that must never
// act on wrong bytes should buffer until EOF (see [ReadAllVerified]).
func VerifyReader(r io.Reader, want Ref) io.Reader {
	return &verifyReader{r: r, want: want, h: sha256.New()}
}

type verifyReader struct {
	r    io.Reader
	want Ref
	h    hash.Hash
}

func (v *verifyReader) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	if err == io.EOF {
		var got Ref
		v.h.Sum(got[:0])
		if got != v.want {
			return n, fmt.Errorf("%w (want %s, got %s)", ErrCorrupt, v.want, got)
		}
	}
	return n, err
}

// ReadAllVerified reads r to the end and returns its bytes only if they hash
// to want.
func ReadAllVerified(r io.Reader, want Ref) ([]byte, error) {
	return io.ReadAll(VerifyReader(r, want))
}
