package textdecode

import (
	"encoding/binary"
	"unicode/utf16"
)

// UTF16LE encodes s as UTF-16 little-endian, as Office's password hashes
// take passwords.
func UTF16LE(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return b
}
