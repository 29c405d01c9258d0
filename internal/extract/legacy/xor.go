package legacy

import (
	"context"
	"math/bits"
)

// XOR obfuscation, method 1 ([MS-OFFCRYPTO] 2.3.7.1 to 2.3.7.3), as
// Excel 97 and later write it for workbooks (FILEPASS type 0): a 16-bit
// key and verifier derived from the password's first 15 characters, and
// a 16-byte array XORed over the record data.

// xorInitialCode and xorMatrix are the constants of the key derivation.
// Each run of seven values of xorMatrix is a CRC-CCITT shift register
// sequence (x -> x<<1, XOR 0x1021 when the high bit falls out).
var xorInitialCode = [15]uint16{
	0xE1F0, 0x1D0F, 0xCC9C, 0x84C0, 0x110C, 0x0E10, 0xF1CE, 0x313E,
	0x1872, 0xE139, 0xD40F, 0x84F9, 0x280C, 0xA96A, 0x4EC3,
}

var xorMatrix = [105]uint16{
	0xAEFC, 0x4DD9, 0x9BB2, 0x2745, 0x4E8A, 0x9D14, 0x2A09,
	0x7B61, 0xF6C2, 0xFDA5, 0xEB6B, 0xC6F7, 0x9DCF, 0x2BBF,
	0x4563, 0x8AC6, 0x05AD, 0x0B5A, 0x16B4, 0x2D68, 0x5AD0,
	0x0375, 0x06EA, 0x0DD4, 0x1BA8, 0x3750, 0x6EA0, 0xDD40,
	0xD849, 0xA0B3, 0x5147, 0xA28E, 0x553D, 0xAA7A, 0x44D5,
	0x6F45, 0xDE8A, 0xAD35, 0x4A4B, 0x9496, 0x390D, 0x721A,
	0xEB23, 0xC667, 0x9CEF, 0x29FF, 0x53FE, 0xA7FC, 0x5FD9,
	0x47D3, 0x8FA6, 0x0F6D, 0x1EDA, 0x3DB4, 0x7B68, 0xF6D0,
	0xB861, 0x60E3, 0xC1C6, 0x93AD, 0x377B, 0x6EF6, 0xDDEC,
	0x45A0, 0x8B40, 0x06A1, 0x0D42, 0x1A84, 0x3508, 0x6A10,
	0xAA51, 0x4483, 0x8906, 0x022D, 0x045A, 0x08B4, 0x1168,
	0x76B4, 0xED68, 0xCAF1, 0x85C3, 0x1BA7, 0x374E, 0x6E9C,
	0x3730, 0x6E60, 0xDCC0, 0xA9A1, 0x4363, 0x86C6, 0x1DAD,
	0x3331, 0x6662, 0xCCC4, 0x89A9, 0x0373, 0x06E6, 0x0DCC,
	0x1021, 0x2042, 0x4084, 0x8108, 0x1231, 0x2462, 0x48C4,
}

// xorPad fills the obfuscation array after a password shorter than 15.
var xorPad = [15]byte{0xBB, 0xFF, 0xFF, 0xBA, 0xFF, 0xFF, 0xB9, 0x80, 0x00, 0xBE, 0x0F, 0x00, 0xBF, 0x0F, 0x00}

// xorRotation: record bytes are rotated left by this many bits, then
// XORed with the array.
const xorRotation = 5

// xorPassword is the password as method 1 reads it: one byte a
// character (the low byte, or the high one when the low is zero), at
// most 15.
func xorPassword(pw string) []byte {
	var b []byte
	for _, r := range pw {
		if len(b) == 15 {
			break
		}
		for _, u := range utf16Units(r) {
			if len(b) == 15 {
				break
			}
			c := byte(u)
			if c == 0 {
				c = byte(u >> 8)
			}
			b = append(b, c)
		}
	}
	return b
}

func utf16Units(r rune) []uint16 {
	if r >= 0x10000 {
		r -= 0x10000
		return []uint16{uint16(0xD800 + r>>10), uint16(0xDC00 + r&0x3FF)}
	}
	return []uint16{uint16(r)}
}

func xorKey(pw []byte) uint16 {
	if len(pw) == 0 {
		return 0
	}
	key := xorInitialCode[len(pw)-1]
	el := len(xorMatrix) - 1
	for i := len(pw) - 1; i >= 0; i-- {
		c := pw[i]
		for range 7 {
			if c&0x40 != 0 {
				key ^= xorMatrix[el]
			}
			c <<= 1
			el--
		}
	}
	return key
}

func xorVerifier(pw []byte) uint16 {
	var v uint16
	all := append([]byte{byte(len(pw))}, pw...)
	for i := len(all) - 1; i >= 0; i-- {
		hi := (v >> 14) & 1
		v = ((v << 1) & 0x7FFF) | hi
		v ^= uint16(all[i])
	}
	return v ^ 0xCE4B
}

// xorArray is the 16-byte obfuscation array of a password.
func xorArray(pw []byte, key uint16) [16]byte {
	var a [16]byte
	hi, lo := byte(key>>8), byte(key)
	ror := func(b, k byte) byte { return bits.RotateLeft8(b^k, -1) }
	i := len(pw)
	if i%2 == 1 {
		a[i] = ror(xorPad[0], hi)
		i--
		a[i] = ror(pw[len(pw)-1], lo)
	}
	for i > 0 {
		i--
		a[i] = ror(pw[i], hi)
		i--
		a[i] = ror(pw[i], lo)
	}
	i, pad := 15, 15-len(pw)
	for pad > 0 {
		a[i] = ror(xorPad[pad], hi)
		i--
		pad--
		a[i] = ror(xorPad[pad], lo)
		i--
		pad--
	}
	return a
}

// findXORArray returns the obfuscation array of the first password whose
// key and verifier are the ones stored.
func findXORArray(ctx context.Context, key, verifier uint16, passwords []string) ([16]byte, error) {
	for _, p := range passwords {
		if err := ctx.Err(); err != nil {
			return [16]byte{}, err
		}
		pw := xorPassword(p)
		if len(pw) == 0 || xorKey(pw) != key || xorVerifier(pw) != verifier {
			continue
		}
		return xorArray(pw, key), nil
	}
	return [16]byte{}, errWrongPassword
}
