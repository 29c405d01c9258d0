package legacy

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rc4"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"

	"github.com/newsroom/dossier/internal/extract/textdecode"
)

// RC4 encryption of the binary Office formats ([MS-OFFCRYPTO] 2.3.6
// "Office Binary Document RC4 Encryption", Office 97 and 2000, and
// 2.3.5 "Office Binary Document RC4 CryptoAPI Encryption", Office XP to
// 2003 and the default of later versions for .doc and .xls). Both encrypt
// each stream with RC4, re-keyed at every block of a fixed size (512
// bytes in Word, 1024 in Excel) with a key derived from the password and
// the block number, the keystream position within a block being the
// stream offset modulo the block size. RC4 keeps lengths, so a decrypted
// stream is written back over the encrypted one in a copy of the compound
// file and the tools read that copy.
//
// XOR obfuscation of workbooks (FILEPASS type 0, BIFF8) is undone too
// (xor.go); that of Word documents (fObfuscated) and of BIFF5 workbooks
// is not: such documents stay flagged encrypted.

var (
	errWrongPassword = errors.New("no password given fits")
	errNotRC4        = errors.New("not RC4 encryption")
)

// Encryption kinds, for Meta.Extra["encryption"].
const (
	kindRC4       = "rc4"
	kindCryptoAPI = "rc4 cryptoapi"
	kindXOR       = "xor obfuscation"
)

// rc4Info is a parsed RC4 or RC4 CryptoAPI encryption header with its
// password verifier.
type rc4Info struct {
	cryptoAPI bool
	keyBytes  int // CryptoAPI: key length in bytes (5 to 16)
	salt      [16]byte
	verifier  [16]byte
	hash      []byte // encrypted verifier hash: 16 bytes (RC4) or 20 (CryptoAPI)
}

func (r *rc4Info) kind() string {
	if r.cryptoAPI {
		return kindCryptoAPI
	}
	return kindRC4
}

// parseRC4Info reads an EncryptionVersionInfo and what follows it: the
// RC4 salt and verifier (version 1.1), or an RC4 CryptoAPI
// EncryptionHeader and EncryptionVerifier (versions 2.2, 3.2, 4.2).
func parseRC4Info(b []byte) (*rc4Info, error) {
	le := binary.LittleEndian
	if len(b) < 4 {
		return nil, errors.New("encryption header too short")
	}
	major, minor := le.Uint16(b), le.Uint16(b[2:])
	b = b[4:]
	switch {
	case major == 1 && minor == 1:
		if len(b) < 48 {
			return nil, errors.New("RC4 encryption header too short")
		}
		r := &rc4Info{hash: bytes.Clone(b[32:48])}
		copy(r.salt[:], b[:16])
		copy(r.verifier[:], b[16:32])
		return r, nil
	case (major == 2 || major == 3 || major == 4) && minor == 2:
		if len(b) < 8 {
			return nil, errors.New("CryptoAPI encryption header too short")
		}
		hsize := le.Uint32(b[4:])
		b = b[8:]
		if hsize < 32 || uint64(hsize) > uint64(len(b)) {
			return nil, fmt.Errorf("CryptoAPI encryption header declares %d bytes", hsize)
		}
		h := b[:hsize]
		algID, keyBits := le.Uint32(h[8:]), le.Uint32(h[16:])
		if algID != 0 && algID != 0x6801 { // CALG_RC4
			return nil, fmt.Errorf("CryptoAPI algorithm %#x: %w", algID, errNotRC4)
		}
		if keyBits == 0 {
			keyBits = 40
		}
		if keyBits < 40 || keyBits > 128 || keyBits%8 != 0 {
			return nil, fmt.Errorf("CryptoAPI key size of %d bits", keyBits)
		}
		v := b[hsize:]
		// SaltSize, Salt, EncryptedVerifier, VerifierHashSize, EncryptedVerifierHash.
		if len(v) < 4+16+16+4+20 {
			return nil, errors.New("CryptoAPI encryption verifier too short")
		}
		if n := le.Uint32(v); n != 16 {
			return nil, fmt.Errorf("CryptoAPI salt of %d bytes", n)
		}
		r := &rc4Info{cryptoAPI: true, keyBytes: int(keyBits / 8), hash: bytes.Clone(v[40:60])}
		copy(r.salt[:], v[4:20])
		copy(r.verifier[:], v[20:36])
		return r, nil
	}
	return nil, fmt.Errorf("encryption version %d.%d: %w", major, minor, errNotRC4)
}

// rc4Key derives the key of each block from a password.
type rc4Key struct {
	cryptoAPI bool
	base      []byte // CryptoAPI: H0 = SHA-1(salt, password); RC4: the 5-byte H1
	keyBytes  int
}

// key returns the password's key if it fits the verifier, else
// errWrongPassword.
func (r *rc4Info) key(password string) (*rc4Key, error) {
	pw := textdecode.UTF16LE(password)
	if len(pw) > 2*255 {
		pw = pw[:2*255] // Office passwords have at most 255 characters
	}
	var k *rc4Key
	if r.cryptoAPI {
		h := sha1.New()
		h.Write(r.salt[:])
		h.Write(pw)
		k = &rc4Key{cryptoAPI: true, base: h.Sum(nil), keyBytes: r.keyBytes}
	} else {
		h0 := md5.Sum(pw)
		buf := make([]byte, 0, 16*21)
		for range 16 {
			buf = append(buf, h0[:5]...)
			buf = append(buf, r.salt[:]...)
		}
		mid := md5.Sum(buf)
		k = &rc4Key{base: bytes.Clone(mid[:5])}
	}
	c := k.cipher(0)
	v := make([]byte, 16)
	c.XORKeyStream(v, r.verifier[:])
	hv := make([]byte, len(r.hash))
	c.XORKeyStream(hv, r.hash)
	var want []byte
	if r.cryptoAPI {
		s := sha1.Sum(v)
		want = s[:]
	} else {
		s := md5.Sum(v)
		want = s[:]
	}
	if subtle.ConstantTimeCompare(want, hv[:len(want)]) != 1 {
		return nil, errWrongPassword
	}
	return k, nil
}

// cipher returns a fresh RC4 cipher for block n.
func (k *rc4Key) cipher(n uint32) *rc4.Cipher {
	var blk [4]byte
	binary.LittleEndian.PutUint32(blk[:], n)
	var key []byte
	if k.cryptoAPI {
		h := sha1.New()
		h.Write(k.base)
		h.Write(blk[:])
		key = h.Sum(nil)[:k.keyBytes]
		if k.keyBytes == 5 {
			// 40-bit keys are padded with zeros to 128 bits.
			key = append(key, make([]byte, 11)...)
		}
	} else {
		h := md5.New()
		h.Write(k.base)
		h.Write(blk[:])
		key = h.Sum(nil)
	}
	c, err := rc4.NewCipher(key)
	if err != nil {
		panic(err) // key lengths are 5 to 20 bytes, always valid
	}
	return c
}

// decrypt returns a copy of stream decrypted with blocks of blockSize
// bytes, the keystream position being the stream offset.
func (k *rc4Key) decrypt(stream []byte, blockSize int) []byte {
	out := make([]byte, len(stream))
	for off, n := 0, uint32(0); off < len(stream); off, n = off+blockSize, n+1 {
		end := min(off+blockSize, len(stream))
		k.cipher(n).XORKeyStream(out[off:end], stream[off:end])
	}
	return out
}

// findKey tries the passwords in order.
func findKey(ctx context.Context, info *rc4Info, passwords []string) (*rc4Key, error) {
	for _, pw := range passwords {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		k, err := info.key(pw)
		if err == nil {
			return k, nil
		}
	}
	return nil, errWrongPassword
}

// decrypted is what a decryption gives: the compound file (or bare
// workbook stream) with plaintext streams, ready for the tools.
type decrypted struct {
	data     []byte
	workbook []byte // XLS: the decrypted workbook stream
	kind     string
}

// excelDefaultPassword is the password Excel encrypts with when a
// workbook is only protected against changes: Excel opens such files
// without asking.
const excelDefaultPassword = "VelvetSweatshop"

// FIB flags of Word documents.
const (
	fibEncrypted   = 0x0100
	fibWhichTblStm = 0x0200
	fibObfuscated  = 0x8000
	fibBaseSize    = 68
)

// decryptDoc decrypts an encrypted Word document held in the compound
// file f. It returns the kind of encryption found (even on failure, when
// known) and errWrongPassword when no password fits.
func decryptDoc(ctx context.Context, f *cfbFile, passwords []string) (*decrypted, string, error) {
	le := binary.LittleEndian
	wd, _ := f.stream("WordDocument")
	if len(wd) < fibBaseSize || le.Uint16(wd) != 0xA5EC {
		return nil, "", errors.New("no Word FIB")
	}
	flags := le.Uint16(wd[0x0A:])
	if flags&fibEncrypted == 0 {
		return nil, "", errors.New("Word document not encrypted")
	}
	if flags&fibObfuscated != 0 {
		return nil, kindXOR, fmt.Errorf("%s not supported", kindXOR)
	}
	table := "0Table"
	if flags&fibWhichTblStm != 0 {
		table = "1Table"
	}
	ts, ok := f.stream(table)
	if !ok {
		return nil, "", fmt.Errorf("no %s stream", table)
	}
	lKey := le.Uint32(wd[0x0E:])
	if uint64(lKey) > uint64(len(ts)) || lKey < 4 {
		return nil, "", fmt.Errorf("encryption header of %d bytes in a table stream of %d", lKey, len(ts))
	}
	info, err := parseRC4Info(ts[:lKey])
	if err != nil {
		return nil, "", err
	}
	key, err := findKey(ctx, info, passwords)
	if err != nil {
		return nil, info.kind(), err
	}
	const block = 512
	plainWD := key.decrypt(wd, block)
	copy(plainWD, wd[:fibBaseSize])
	// A plain document for the tools: not encrypted, no key.
	le.PutUint16(plainWD[0x0A:], flags&^fibEncrypted)
	le.PutUint32(plainWD[0x0E:], 0)
	// The encryption header at the start of the table stream is not
	// encrypted; nothing points into it, and it goes with the encryption.
	plainTS := key.decrypt(ts, block)
	clear(plainTS[:lKey])
	out := bytes.Clone(f.data)
	if err := f.overwrite(out, "WordDocument", plainWD); err != nil {
		return nil, info.kind(), err
	}
	if err := f.overwrite(out, table, plainTS); err != nil {
		return nil, info.kind(), err
	}
	if data, ok := f.stream("Data"); ok {
		if err := f.overwrite(out, "Data", key.decrypt(data, block)); err != nil {
			return nil, info.kind(), err
		}
	}
	return &decrypted{data: out, kind: info.kind()}, info.kind(), nil
}

// BIFF8 records never encrypted ([MS-XLS] 2.2.10); BoundSheet8 keeps its
// first four bytes (lbPlyPos) plain.
var plainRecords = map[uint16]bool{
	recBOF:      true,
	recFilePass: true,
	0x0194:      true, // UsrExcl
	0x0195:      true, // FileLock
	0x00E1:      true, // InterfaceHdr
	0x0196:      true, // RRDInfo
	0x0138:      true, // RRDHead
}

// recFilePassDone replaces the FILEPASS record of a decrypted workbook,
// its body zeroed: a record type that the specification does not define
// and xls2csv skips, which keeps every offset as it was.
const recFilePassDone = 0x0000

// decryptWorkbook decrypts a BIFF8 Workbook stream holding a FILEPASS
// record, returning the plaintext stream with FILEPASS neutralised.
func decryptWorkbook(ctx context.Context, wb []byte, passwords []string) ([]byte, string, error) {
	le := binary.LittleEndian
	fp := -1 // offset of the FILEPASS record
	for i, n := 0, 0; i+4 <= len(wb) && n < maxRecords; n++ {
		typ, size := le.Uint16(wb[i:]), int(le.Uint16(wb[i+2:]))
		if i+4+size > len(wb) {
			break
		}
		if typ == recFilePass {
			fp = i
			break
		}
		if typ == recEOF {
			break
		}
		i += 4 + size
	}
	if fp < 0 {
		return nil, "", errors.New("no FILEPASS record")
	}
	if len(wb) >= 6 && le.Uint16(wb) == recBOF && le.Uint16(wb[4:]) < 0x0600 {
		// BIFF5 and older know only XOR obfuscation.
		return nil, kindXOR, fmt.Errorf("%s not supported", kindXOR)
	}
	body := wb[fp+4 : fp+4+int(le.Uint16(wb[fp+2:]))]
	if len(body) < 2 {
		return nil, "", errors.New("FILEPASS record too short")
	}
	// decode decrypts out[start:end], part of a record of size bytes.
	var decode func(out []byte, start, end, size int)
	var kind string
	switch typ := le.Uint16(body); typ {
	case 0:
		kind = kindXOR
		if len(body) < 6 {
			return nil, kind, errors.New("FILEPASS record too short")
		}
		arr, err := findXORArray(ctx, le.Uint16(body[2:]), le.Uint16(body[4:]), passwords)
		if err != nil {
			return nil, kind, err
		}
		decode = func(out []byte, start, end, size int) {
			for p := start; p < end; p++ {
				out[p] = bits.RotateLeft8(out[p]^arr[(p+size)%16], -xorRotation)
			}
		}
	case 1:
		info, err := parseRC4Info(body[2:])
		if err != nil {
			return nil, "", err
		}
		kind = info.kind()
		key, err := findKey(ctx, info, passwords)
		if err != nil {
			return nil, kind, err
		}
		dec := key.decrypt(wb, 1024)
		decode = func(out []byte, start, end, _ int) { copy(out[start:end], dec[start:end]) }
	default:
		return nil, "", fmt.Errorf("FILEPASS encryption type %d", typ)
	}
	out := bytes.Clone(wb)
	// Record headers stay plain, so do the records listed; the keystream
	// runs on over them.
	for i := 0; i+4 <= len(out); {
		typ, size := le.Uint16(out[i:]), int(le.Uint16(out[i+2:]))
		start, end := i+4, min(i+4+size, len(out))
		switch {
		case plainRecords[typ]:
		case typ == recBoundSheet:
			if start+4 < end {
				decode(out, start+4, end, size)
			}
		default:
			decode(out, start, end, size)
		}
		i = end
	}
	le.PutUint16(out[fp:], recFilePassDone)
	clear(out[fp+4 : fp+4+len(body)])
	return out, kind, nil
}

// decryptXLS decrypts an encrypted workbook: in the compound file f, or,
// when f is nil, data as a bare workbook stream.
func decryptXLS(ctx context.Context, f *cfbFile, data []byte, passwords []string) (*decrypted, string, error) {
	if f == nil {
		wb, kind, err := decryptWorkbook(ctx, data, passwords)
		if err != nil {
			return nil, kind, err
		}
		return &decrypted{data: wb, workbook: wb, kind: kind}, kind, nil
	}
	name := "Workbook"
	wb, ok := f.stream(name)
	if !ok {
		name = "Book"
		if wb, ok = f.stream(name); !ok {
			return nil, "", errors.New("no workbook stream")
		}
	}
	plain, kind, err := decryptWorkbook(ctx, wb, passwords)
	if err != nil {
		return nil, kind, err
	}
	out := bytes.Clone(f.data)
	if err := f.overwrite(out, name, plain); err != nil {
		return nil, kind, err
	}
	return &decrypted{data: out, workbook: plain, kind: kind}, kind, nil
}
