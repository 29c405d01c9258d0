package archive

import (
	"crypto/aes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"hash/crc32"
)

// ZIP encryption: the traditional PKWARE stream cipher ("ZipCrypto") and
// WinZip's AES (AE-1, AE-2), as described in PKWARE's APPNOTE 6.2 and
// WinZip's "AES Encryption Information" note. PKWARE's strong encryption
// (flag bit 6) is not supported.

// zipCrypto is the traditional PKWARE cipher's state.
type zipCrypto struct{ k0, k1, k2 uint32 }

func newZipCrypto(password string) *zipCrypto {
	z := &zipCrypto{0x12345678, 0x23456789, 0x34567890}
	for i := 0; i < len(password); i++ {
		z.update(password[i])
	}
	return z
}

func crcByte(crc uint32, b byte) uint32 {
	return crc32.IEEETable[byte(crc)^b] ^ crc>>8
}

func (z *zipCrypto) update(b byte) {
	z.k0 = crcByte(z.k0, b)
	z.k1 = (z.k1+z.k0&0xff)*134775813 + 1
	z.k2 = crcByte(z.k2, byte(z.k1>>24))
}

func (z *zipCrypto) decrypt(buf []byte) {
	for i, c := range buf {
		t := uint32(z.k2 | 2)
		p := c ^ byte((t*(t^1))>>8)
		z.update(p)
		buf[i] = p
	}
}

// zipCryptoOpen decrypts raw (the 12-byte encryption header and the
// encrypted data) with password. The header's last byte must equal check
// (the CRC's high byte) or, for a member written with a data descriptor,
// checkAlt (the high byte of its MS-DOS time); this rejects 255 wrong
// passwords in 256, the CRC the rest. It returns nil when the password
// does not fit.
func zipCryptoOpen(raw []byte, password string, check, checkAlt byte) []byte {
	if len(raw) < 12 {
		return nil
	}
	z := newZipCrypto(password)
	var hdr [12]byte
	copy(hdr[:], raw)
	z.decrypt(hdr[:])
	if hdr[11] != check && hdr[11] != checkAlt {
		return nil
	}
	out := make([]byte, len(raw)-12)
	copy(out, raw[12:])
	z.decrypt(out)
	return out
}

// aesExtra is WinZip's AES extra field (0x9901).
type aesExtra struct {
	version  uint16 // 1: AE-1 (CRC kept), 2: AE-2 (CRC zero, HMAC only)
	strength byte   // 1, 2, 3: AES-128, -192, -256
	method   uint16 // the real compression method
}

// parseAESExtra finds the AES extra field in a ZIP extra block.
func parseAESExtra(extra []byte) (aesExtra, bool) {
	for len(extra) >= 4 {
		id := binary.LittleEndian.Uint16(extra)
		n := int(binary.LittleEndian.Uint16(extra[2:]))
		if 4+n > len(extra) {
			break
		}
		if body := extra[4 : 4+n]; id == 0x9901 && n >= 7 {
			return aesExtra{
				version:  binary.LittleEndian.Uint16(body),
				strength: body[4],
				method:   binary.LittleEndian.Uint16(body[5:]),
			}, true
		}
		extra = extra[4+n:]
	}
	return aesExtra{}, false
}

// aesResult is the outcome of one password on a WinZip AES member.
type aesResult int

const (
	aesWrongPassword aesResult = iota
	aesCorrupt                 // the password verifier matched, the authentication code did not
	aesOK
)

// aesOpen decrypts raw (salt, password verifier, encrypted data,
// authentication code) with password.
func aesOpen(raw []byte, password string, strength byte) ([]byte, aesResult) {
	if strength < 1 || strength > 3 {
		return nil, aesCorrupt
	}
	keyLen := 8 + 8*int(strength)  // 16, 24, 32
	saltLen := 4 + 4*int(strength) // 8, 12, 16
	if len(raw) < saltLen+2+10 {
		return nil, aesCorrupt
	}
	salt, verifier := raw[:saltLen], raw[saltLen:saltLen+2]
	body, mac := raw[saltLen+2:len(raw)-10], raw[len(raw)-10:]
	dk, err := pbkdf2.Key(sha1.New, password, salt, 1000, 2*keyLen+2)
	if err != nil {
		return nil, aesWrongPassword
	}
	if subtle.ConstantTimeCompare(dk[2*keyLen:], verifier) != 1 {
		return nil, aesWrongPassword
	}
	h := hmac.New(sha1.New, dk[keyLen:2*keyLen])
	h.Write(body)
	if !hmac.Equal(h.Sum(nil)[:10], mac) {
		return nil, aesCorrupt
	}
	block, err := aes.NewCipher(dk[:keyLen])
	if err != nil {
		return nil, aesCorrupt
	}
	// Counter mode with a little-endian counter starting at 1.
	out := make([]byte, len(body))
	var ctr, ks [aes.BlockSize]byte
	for i := 0; i < len(body); i += aes.BlockSize {
		for j := range ctr {
			ctr[j]++
			if ctr[j] != 0 {
				break
			}
		}
		block.Encrypt(ks[:], ctr[:])
		subtle.XORBytes(out[i:], body[i:], ks[:])
	}
	return out, aesOK
}
