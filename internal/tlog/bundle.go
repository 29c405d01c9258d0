package tlog

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// BundleHeader is the first line of a proof bundle: bundles are C2SP
// tlog-proof v1 documents (https://c2sp.org/tlog-proof) whose "extra" line
// carries the entry itself. See docs/formats/proof-bundle.md.
const BundleHeader = "c2sp.org/tlog-proof@v1"

const (
	// maxBundleText bounds a serialised bundle: a maximal entry in base64
	// (87,380 bytes), 64 proof lines and a maximal checkpoint.
	maxBundleText = 256 << 10
	// maxProofHashes is the longest possible inclusion proof (a 2^64 tree).
	maxProofHashes = 64
)

// Bundle is an offline-verifiable proof that Entry is at position Index of
// the log whose signed Checkpoint it carries.
type Bundle struct {
	Entry      []byte   // the entry, 1 to 65535 bytes
	Index      uint64   // its zero-based position in the log
	Proof      [][]byte // RFC 6962 inclusion proof, leaf's sibling first, 32 bytes each
	Checkpoint []byte   // signed checkpoint note, verbatim; its size is the tree size
}

// MarshalText encodes b as a c2sp.org/tlog-proof@v1 document.
func (b *Bundle) MarshalText() ([]byte, error) {
	if len(b.Entry) == 0 || len(b.Entry) > maxEntrySize {
		return nil, fmt.Errorf("tlog: marshal bundle: entry is %d bytes, want 1 to %d", len(b.Entry), maxEntrySize)
	}
	if len(b.Proof) > maxProofHashes {
		return nil, fmt.Errorf("tlog: marshal bundle: %d proof hashes, more than %d", len(b.Proof), maxProofHashes)
	}
	var buf bytes.Buffer
	buf.WriteString(BundleHeader + "\n")
	buf.WriteString("extra " + base64.StdEncoding.EncodeToString(b.Entry) + "\n")
	buf.WriteString("index " + strconv.FormatUint(b.Index, 10) + "\n")
	for i, h := range b.Proof {
		if len(h) != hashSize {
			return nil, fmt.Errorf("tlog: marshal bundle: proof hash %d is %d bytes, want %d", i, len(h), hashSize)
		}
		buf.WriteString(base64.StdEncoding.EncodeToString(h) + "\n")
	}
	buf.WriteString("\n")
	buf.Write(b.Checkpoint)
	return buf.Bytes(), nil
}

// ParseBundle decodes a bundle without verifying it (see [Verify]). It is
// strict: the input must be exactly what [Bundle.MarshalText] produces for
// the decoded values (canonical base64 and decimal, no extra lines or
// spaces), so no byte of an accepted bundle can change meaning-preservingly.
func ParseBundle(data []byte) (*Bundle, error) {
	b, err := parseBundle(data)
	if err != nil {
		return nil, fmt.Errorf("tlog: parse bundle: %w", err)
	}
	return b, nil
}

func parseBundle(data []byte) (*Bundle, error) {
	if len(data) > maxBundleText {
		return nil, fmt.Errorf("%d bytes, more than %d", len(data), maxBundleText)
	}
	s := string(data)
	line := func(what string) (string, error) {
		l, rest, ok := strings.Cut(s, "\n")
		if !ok {
			return "", fmt.Errorf("truncated before %s", what)
		}
		s = rest
		return l, nil
	}
	l, err := line("header")
	if err != nil {
		return nil, err
	}
	if l != BundleHeader {
		return nil, fmt.Errorf("first line is not %q", BundleHeader)
	}
	b := new(Bundle)
	if l, err = line("entry"); err != nil {
		return nil, err
	}
	e64, ok := strings.CutPrefix(l, "extra ")
	if !ok {
		return nil, errors.New(`missing "extra" line with the entry`)
	}
	if b.Entry, err = decodeCanonical(e64); err != nil {
		return nil, fmt.Errorf("entry: %w", err)
	}
	if len(b.Entry) == 0 || len(b.Entry) > maxEntrySize {
		return nil, fmt.Errorf("entry is %d bytes, want 1 to %d", len(b.Entry), maxEntrySize)
	}
	if l, err = line("index"); err != nil {
		return nil, err
	}
	idx, ok := strings.CutPrefix(l, "index ")
	if !ok {
		return nil, errors.New(`missing "index" line`)
	}
	if b.Index, err = parseDecimal(idx); err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	for {
		if l, err = line("checkpoint"); err != nil {
			return nil, err
		}
		if l == "" {
			break
		}
		if len(b.Proof) == maxProofHashes {
			return nil, fmt.Errorf("more than %d proof hashes", maxProofHashes)
		}
		h, err := decodeCanonical(l)
		if err != nil {
			return nil, fmt.Errorf("proof hash %d: %w", len(b.Proof), err)
		}
		if len(h) != hashSize {
			return nil, fmt.Errorf("proof hash %d: %d bytes, want %d", len(b.Proof), len(h), hashSize)
		}
		b.Proof = append(b.Proof, h)
	}
	if s == "" {
		return nil, errors.New("missing checkpoint")
	}
	b.Checkpoint = []byte(s)
	return b, nil
}

// decodeCanonical decodes standard padded base64, rejecting any encoding
// other than the one EncodeToString produces (stray CR/LF, non-zero padding
// bits).
func decodeCanonical(s string) ([]byte, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, err
	}
	if base64.StdEncoding.EncodeToString(b) != s {
		return nil, errors.New("non-canonical base64")
	}
	return b, nil
}

// parseDecimal parses a uint64 in ASCII decimal without sign or leading zeros.
func parseDecimal(s string) (uint64, error) {
	if s == "" || len(s) > 1 && s[0] == '0' || s[0] < '0' || s[0] > '9' {
		return 0, fmt.Errorf("%q is not a canonical decimal", s)
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a canonical decimal", s)
	}
	return n, nil
}

// Verified is the content of a bundle that passed [Verify].
type Verified struct {
	Entry      []byte      // the entry bytes
	Index      uint64      // the entry's position in the log
	Checkpoint *Checkpoint // the verified checkpoint it is included in
}

// Verify checks a serialised proof bundle offline against the log's verifier
// key: the bundle must parse strictly, its checkpoint must be signed by vkey
// with origin equal to the key name, the index must be below the checkpoint
// size, and the inclusion proof must lead from the entry's RFC 6962 leaf
// hash, SHA-256(0x00 || entry), to the checkpoint's root. Any altered byte
// makes it fail.
func Verify(bundle []byte, vkey string) (*Verified, error) {
	v, err := NewVerifier(vkey)
	if err != nil {
		return nil, err
	}
	b, err := ParseBundle(bundle)
	if err != nil {
		return nil, err
	}
	return verifyBundle(b, v)
}

// verifyBundle checks a parsed bundle against verifier v.
func verifyBundle(b *Bundle, v note.Verifier) (*Verified, error) {
	cp, err := parseCheckpoint(b.Checkpoint, v)
	if err != nil {
		return nil, fmt.Errorf("tlog: verify bundle: %w", err)
	}
	if b.Index >= cp.Size {
		return nil, fmt.Errorf("tlog: verify bundle: index %d is not below checkpoint size %d", b.Index, cp.Size)
	}
	leaf := rfc6962.DefaultHasher.HashLeaf(b.Entry)
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, b.Index, cp.Size, leaf, b.Proof, cp.Root); err != nil {
		var mismatch proof.RootMismatchError
		if errors.As(err, &mismatch) {
			return nil, fmt.Errorf("tlog: verify bundle: inclusion proof for entry %d does not lead to the root of checkpoint size %d", b.Index, cp.Size)
		}
		return nil, fmt.Errorf("tlog: verify bundle: inclusion proof for entry %d: %w", b.Index, err)
	}
	return &Verified{Entry: b.Entry, Index: b.Index, Checkpoint: cp}, nil
}
