package office

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"strconv"

	"github.com/newsroom/dossier/internal/extract/textdecode"
	"github.com/newsroom/dossier/internal/extract/zipdoc"
)

// ECMA-376 document encryption ([MS-OFFCRYPTO] 2.3.4): the agile scheme
// (Office 2010 and later: AES with SHA-1 to SHA-512 and a spin count) and
// the standard one (Office 2007: AES-128 with SHA-1, 50,000 rounds).
// Extensible encryption and RC4 are not supported.

// decryptPackage decrypts an EncryptedPackage stream with the first
// password that fits, returning errWrongPassword when none does.
func decryptPackage(ctx context.Context, info, pkg []byte, passwords []string) ([]byte, error) {
	if len(info) < 8 || len(pkg) < 8 {
		return nil, errors.New("encryption streams too short")
	}
	var try func(pw string) ([]byte, error)
	switch encryptionKind(info) {
	case "agile":
		a, err := parseAgile(info[8:])
		if err != nil {
			return nil, err
		}
		try = func(pw string) ([]byte, error) { return a.decrypt(pw, pkg) }
	case "standard":
		s, err := parseStandard(info)
		if err != nil {
			return nil, err
		}
		try = func(pw string) ([]byte, error) { return s.decrypt(pw, pkg) }
	default:
		return nil, fmt.Errorf("%s encryption not supported", encryptionKind(info))
	}
	for _, pw := range passwords {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out, err := try(pw)
		if errors.Is(err, errWrongPassword) {
			continue
		}
		return out, err
	}
	return nil, errWrongPassword
}

// packageSize reads the plaintext size that starts an EncryptedPackage.
func packageSize(pkg []byte) (int, error) {
	n := binary.LittleEndian.Uint64(pkg)
	if n > uint64(len(pkg)) {
		return 0, fmt.Errorf("encrypted package declares %d bytes in %d", n, len(pkg))
	}
	return int(n), nil
}

// agile holds the parameters of agile encryption.
type agile struct {
	keySalt                           []byte // keyData saltValue
	keyHash                           func() hash.Hash
	keyBlock                          int
	keyBits                           int
	pwSalt                            []byte
	pwHash                            func() hash.Hash
	pwKeyBits                         int
	spin                              int
	encVerifierInput, encVerifierHash []byte
	encKeyValue                       []byte
}

func hashByName(name string) func() hash.Hash {
	switch name {
	case "SHA1", "SHA-1":
		return sha1.New
	case "SHA256":
		return sha256.New
	case "SHA384":
		return sha512.New384
	case "SHA512":
		return sha512.New
	}
	return nil
}

func parseAgile(x []byte) (*agile, error) {
	a := &agile{}
	r := zipdoc.NewReader(nil, bytes.NewReader(x))
	b64 := func(s string) []byte { b, _ := base64.StdEncoding.DecodeString(s); return b }
	for {
		tok, err := r.Next()
		if err != nil {
			break
		}
		e, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch e.Name.Local {
		case "keyData":
			a.keySalt = b64(zipdoc.Attr(e, "saltValue"))
			a.keyHash = hashByName(zipdoc.Attr(e, "hashAlgorithm"))
			a.keyBlock, _ = strconv.Atoi(zipdoc.Attr(e, "blockSize"))
			a.keyBits, _ = strconv.Atoi(zipdoc.Attr(e, "keyBits"))
			if zipdoc.Attr(e, "cipherAlgorithm") != "AES" || zipdoc.Attr(e, "cipherChaining") != "ChainingModeCBC" {
				return nil, fmt.Errorf("agile encryption with %s/%s not supported", zipdoc.Attr(e, "cipherAlgorithm"), zipdoc.Attr(e, "cipherChaining"))
			}
		case "encryptedKey":
			if a.pwHash != nil {
				continue // a second password key encryptor
			}
			a.pwSalt = b64(zipdoc.Attr(e, "saltValue"))
			a.pwHash = hashByName(zipdoc.Attr(e, "hashAlgorithm"))
			a.pwKeyBits, _ = strconv.Atoi(zipdoc.Attr(e, "keyBits"))
			a.spin, _ = strconv.Atoi(zipdoc.Attr(e, "spinCount"))
			a.encVerifierInput = b64(zipdoc.Attr(e, "encryptedVerifierHashInput"))
			a.encVerifierHash = b64(zipdoc.Attr(e, "encryptedVerifierHashValue"))
			a.encKeyValue = b64(zipdoc.Attr(e, "encryptedKeyValue"))
		}
	}
	switch {
	case a.keyHash == nil || a.pwHash == nil:
		return nil, errors.New("agile encryption: missing or unsupported hash algorithm")
	case a.spin < 0 || a.spin > 10_000_000:
		return nil, fmt.Errorf("agile encryption: spin count %d", a.spin)
	case a.keyBits%64 != 0 || a.keyBits < 128 || a.keyBits > 256 || a.pwKeyBits%64 != 0 || a.pwKeyBits < 128 || a.pwKeyBits > 256:
		return nil, errors.New("agile encryption: bad key size")
	case a.keyBlock != aes.BlockSize || len(a.pwSalt) < aes.BlockSize || len(a.keySalt) < aes.BlockSize:
		return nil, errors.New("agile encryption: bad block or salt size")
	}
	return a, nil
}

var (
	blockVerifierInput = []byte{0xfe, 0xa7, 0xd2, 0x76, 0x3b, 0x4b, 0x9e, 0x79}
	blockVerifierHash  = []byte{0xd7, 0xaa, 0x0f, 0x6d, 0x30, 0x61, 0x34, 0x4e}
	blockKeyValue      = []byte{0x14, 0x6e, 0x0b, 0xe7, 0xab, 0xac, 0xd0, 0xd6}
)

func sum(h func() hash.Hash, parts ...[]byte) []byte {
	d := h()
	for _, p := range parts {
		d.Write(p)
	}
	return d.Sum(nil)
}

// fit truncates b to n bytes or pads it with 0x36.
func fit(b []byte, n int) []byte {
	if len(b) >= n {
		return b[:n]
	}
	out := append([]byte(nil), b...)
	for len(out) < n {
		out = append(out, 0x36)
	}
	return out
}

func cbcDecrypt(key, iv, data []byte) ([]byte, error) {
	c, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	if len(data)%aes.BlockSize != 0 || len(data) == 0 {
		return nil, errors.New("ciphertext not a whole number of blocks")
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(c, iv[:aes.BlockSize]).CryptBlocks(out, data)
	return out, nil
}

func (a *agile) decrypt(pw string, pkg []byte) ([]byte, error) {
	h := sum(a.pwHash, a.pwSalt, textdecode.UTF16LE(pw))
	var it [4]byte
	for i := 0; i < a.spin; i++ {
		binary.LittleEndian.PutUint32(it[:], uint32(i))
		h = sum(a.pwHash, it[:], h)
	}
	key := func(block []byte) []byte { return fit(sum(a.pwHash, h, block), a.pwKeyBits/8) }
	input, err := cbcDecrypt(key(blockVerifierInput), a.pwSalt, a.encVerifierInput)
	if err != nil {
		return nil, err
	}
	hv, err := cbcDecrypt(key(blockVerifierHash), a.pwSalt, a.encVerifierHash)
	if err != nil {
		return nil, err
	}
	want := sum(a.pwHash, input[:min(len(input), len(a.pwSalt))])
	if len(hv) < len(want) || !bytes.Equal(hv[:len(want)], want) {
		return nil, errWrongPassword
	}
	kv, err := cbcDecrypt(key(blockKeyValue), a.pwSalt, a.encKeyValue)
	if err != nil {
		return nil, err
	}
	if len(kv) < a.keyBits/8 {
		return nil, errors.New("agile encryption: short key")
	}
	secret := kv[:a.keyBits/8]
	size, err := packageSize(pkg)
	if err != nil {
		return nil, err
	}
	data := pkg[8:]
	out := make([]byte, 0, len(data))
	for seg := 0; len(data) > 0; seg++ {
		n := min(4096, len(data))
		chunk := data[:n]
		data = data[n:]
		if rem := len(chunk) % aes.BlockSize; rem != 0 {
			chunk = chunk[:len(chunk)-rem]
		}
		if len(chunk) == 0 {
			break
		}
		binary.LittleEndian.PutUint32(it[:], uint32(seg))
		iv := fit(sum(a.keyHash, a.keySalt, it[:]), a.keyBlock)
		plain, err := cbcDecrypt(secret, iv, chunk)
		if err != nil {
			return nil, err
		}
		out = append(out, plain...)
	}
	if len(out) < size {
		return nil, errors.New("agile encryption: package shorter than declared")
	}
	return out[:size], nil
}

// standard holds the parameters of standard encryption.
type standard struct {
	keyBits                            int
	salt, encVerifier, encVerifierHash []byte
}

func parseStandard(info []byte) (*standard, error) {
	if len(info) < 12 {
		return nil, errors.New("standard encryption: short header")
	}
	hsize := int(binary.LittleEndian.Uint32(info[8:]))
	if hsize < 32 || 12+hsize+4+16+16+4+32 > len(info) {
		return nil, errors.New("standard encryption: bad header size")
	}
	hdr := info[12 : 12+hsize]
	algID := binary.LittleEndian.Uint32(hdr[8:])
	keyBits := int(binary.LittleEndian.Uint32(hdr[16:]))
	switch algID {
	case 0x660E, 0x660F, 0x6610: // AES-128, -192, -256
	default:
		return nil, fmt.Errorf("standard encryption: algorithm %#x not supported", algID)
	}
	if keyBits != 128 && keyBits != 192 && keyBits != 256 {
		return nil, fmt.Errorf("standard encryption: %d-bit key", keyBits)
	}
	v := info[12+hsize:]
	saltSize := int(binary.LittleEndian.Uint32(v))
	if saltSize != 16 {
		return nil, fmt.Errorf("standard encryption: %d-byte salt", saltSize)
	}
	return &standard{keyBits: keyBits, salt: v[4:20], encVerifier: v[20:36], encVerifierHash: v[40:72]}, nil
}

func ecbDecrypt(key, data []byte) ([]byte, error) {
	c, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(data)-len(data)%aes.BlockSize)
	for i := 0; i < len(out); i += aes.BlockSize {
		c.Decrypt(out[i:i+aes.BlockSize], data[i:i+aes.BlockSize])
	}
	return out, nil
}

func (s *standard) decrypt(pw string, pkg []byte) ([]byte, error) {
	h := sum(sha1.New, s.salt, textdecode.UTF16LE(pw))
	var it [4]byte
	for i := 0; i < 50000; i++ {
		binary.LittleEndian.PutUint32(it[:], uint32(i))
		h = sum(sha1.New, it[:], h)
	}
	h = sum(sha1.New, h, []byte{0, 0, 0, 0})
	var b1, b2 [64]byte
	for i := range b1 {
		b1[i], b2[i] = 0x36, 0x5c
	}
	for i, c := range h {
		b1[i] ^= c
		b2[i] ^= c
	}
	key := append(sum(sha1.New, b1[:]), sum(sha1.New, b2[:])...)[:s.keyBits/8]
	verifier, err := ecbDecrypt(key, s.encVerifier)
	if err != nil {
		return nil, err
	}
	vh, err := ecbDecrypt(key, s.encVerifierHash)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(sum(sha1.New, verifier), vh[:sha1.Size]) {
		return nil, errWrongPassword
	}
	size, err := packageSize(pkg)
	if err != nil {
		return nil, err
	}
	out, err := ecbDecrypt(key, pkg[8:])
	if err != nil {
		return nil, err
	}
	if len(out) < size {
		return nil, errors.New("standard encryption: package shorter than declared")
	}
	return out[:size], nil
}
