package dkim

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	_ "crypto/sha1" // registers crypto.SHA1 for rsa-sha1
	_ "crypto/sha256"
	"errors"
	"math/big"
)

// algorithm is a supported a= value.
type algorithm struct {
	name    string // "rsa-sha256"
	keyType string // "rsa" or "ed25519"
	hash    crypto.Hash
	hashTag string // as in a key record's h=: "sha1", "sha256"
}

var algorithms = map[string]algorithm{
	"rsa-sha256":     {"rsa-sha256", "rsa", crypto.SHA256, "sha256"},
	"rsa-sha1":       {"rsa-sha1", "rsa", crypto.SHA1, "sha1"},
	"ed25519-sha256": {"ed25519-sha256", "ed25519", crypto.SHA256, "sha256"},
}

var errBadSignature = errors.New("signature does not verify")

// verifySignature checks sig over digest (the hash of the canonical
// header data) with pub. For Ed25519 the signed message is the digest
// itself (RFC 8463 3).
func verifySignature(pub crypto.PublicKey, h crypto.Hash, digest, sig []byte) error {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		if !ed25519.Verify(k, digest, sig) {
			return errBadSignature
		}
		return nil
	case *rsa.PublicKey:
		if k.N.BitLen() >= 1024 {
			if rsa.VerifyPKCS1v15(k, h, digest, sig) != nil {
				return errBadSignature
			}
			return nil
		}
		return verifySmallRSA(k, h, digest, sig)
	}
	return errors.New("unsupported key type")
}

// PKCS #1 v1.5 DigestInfo prefixes (RFC 8017 9.2 note 1).
var digestInfo = map[crypto.Hash][]byte{
	crypto.SHA1:   {0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14},
	crypto.SHA256: {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20},
}

// verifySmallRSA is RSASSA-PKCS1-v1_5 verification (RFC 8017 8.2.2) for
// keys under 1024 bits, which crypto/rsa refuses since Go 1.24. Old mail
// is signed with such keys and an archive must still say whether the
// signature matches; the weakness is reported separately. Verification
// handles public data only, so math/big's variable time is harmless.
func verifySmallRSA(pub *rsa.PublicKey, h crypto.Hash, digest, sig []byte) error {
	prefix, ok := digestInfo[h]
	if !ok || len(digest) != h.Size() || pub.E < 2 {
		return errBadSignature
	}
	k := (pub.N.BitLen() + 7) / 8
	if len(sig) != k {
		return errBadSignature
	}
	s := new(big.Int).SetBytes(sig)
	if s.Cmp(pub.N) >= 0 {
		return errBadSignature
	}
	m := new(big.Int).Exp(s, big.NewInt(int64(pub.E)), pub.N)
	em := m.FillBytes(make([]byte, k))
	tLen := len(prefix) + len(digest)
	if k < tLen+11 {
		return errBadSignature
	}
	want := make([]byte, k)
	want[1] = 0x01
	for i := 2; i < k-tLen-1; i++ {
		want[i] = 0xff
	}
	copy(want[k-tLen:], prefix)
	copy(want[k-len(digest):], digest)
	if !bytes.Equal(em, want) {
		return errBadSignature
	}
	return nil
}
