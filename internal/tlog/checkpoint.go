package tlog

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	flog "github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
)

// maxCheckpointSize bounds a checkpoint note: three short lines plus up to
// 100 signatures (note.Open's own limit) fit well below it.
const maxCheckpointSize = 64 << 10

// Checkpoint is a verified C2SP tlog-checkpoint: the log's signed statement
// that its first Size entries hash to Root.
type Checkpoint struct {
	Origin string // log name, equal to the verifier key name
	Size   uint64 // number of entries committed to
	Root   []byte // RFC 6962 Merkle tree hash, 32 bytes
	Raw    []byte // the signed note, verbatim
}

// ParseCheckpoint verifies raw, a signed checkpoint note, against verifier
// v: the note must carry a valid signature by v, its origin line must equal
// v.Name(), its root must be 32 bytes, and every signature line must use
// canonical base64 (so that no byte of the note can change unnoticed).
// Signatures by other keys (witness cosignatures) are allowed and ignored.
func ParseCheckpoint(raw []byte, v note.Verifier) (*Checkpoint, error) {
	cp, err := parseCheckpoint(raw, v)
	if err != nil {
		return nil, fmt.Errorf("tlog: %w", err)
	}
	return cp, nil
}

// parseCheckpoint is ParseCheckpoint with errors prefixed "checkpoint: ".
func parseCheckpoint(raw []byte, v note.Verifier) (*Checkpoint, error) {
	if len(raw) > maxCheckpointSize {
		return nil, fmt.Errorf("checkpoint: %d bytes, more than %d", len(raw), maxCheckpointSize)
	}
	n, err := note.Open(raw, note.VerifierList(v))
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", explainNoteError(err, v))
	}
	var cp flog.Checkpoint
	if _, err := cp.Unmarshal([]byte(n.Text)); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	if cp.Origin != v.Name() {
		return nil, fmt.Errorf("checkpoint: origin %q does not match key name %q", cp.Origin, v.Name())
	}
	if len(cp.Hash) != sha256.Size {
		return nil, fmt.Errorf("checkpoint: root hash is %d bytes, want %d", len(cp.Hash), sha256.Size)
	}
	if err := checkSignatureLines(raw); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	return &Checkpoint{Origin: cp.Origin, Size: cp.Size, Root: cp.Hash, Raw: bytes.Clone(raw)}, nil
}

// explainNoteError turns note's terse errors into ones a reader can act on.
func explainNoteError(err error, v note.Verifier) error {
	var unverified *note.UnverifiedNoteError
	var invalid *note.InvalidSignatureError
	switch {
	case errors.As(err, &unverified):
		return fmt.Errorf("no signature by key %s+%08x: %w", v.Name(), v.KeyHash(), err)
	case errors.As(err, &invalid):
		return fmt.Errorf("bad signature by key %s+%08x: %w", v.Name(), v.KeyHash(), err)
	}
	return err
}

// checkSignatureLines rejects signature lines whose base64 is not canonical.
// note.Open decodes leniently, so without this check the unused low bits of
// a signature's last base64 character could be flipped without effect.
func checkSignatureLines(raw []byte) error {
	i := bytes.LastIndex(raw, []byte("\n\n"))
	if i < 0 {
		return errors.New("malformed note")
	}
	for _, line := range strings.Split(strings.TrimSuffix(string(raw[i+2:]), "\n"), "\n") {
		b64 := line[strings.LastIndexByte(line, ' ')+1:]
		sig, err := base64.StdEncoding.Strict().DecodeString(b64)
		if err != nil || base64.StdEncoding.EncodeToString(sig) != b64 {
			return errors.New("signature is not canonical base64")
		}
	}
	return nil
}
