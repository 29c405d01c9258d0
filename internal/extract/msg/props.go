package msg

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/newsroom/dossier/internal/extract/textdecode"
)

// MAPI property types.
const (
	ptInt16   = 0x0002
	ptInt32   = 0x0003
	ptBoolean = 0x000B
	ptObject  = 0x000D
	ptInt64   = 0x0014
	ptString8 = 0x001E
	ptUnicode = 0x001F
	ptSysTime = 0x0040
	ptBinary  = 0x0102
)

// MAPI property ids used here.
const (
	prMessageClass       = 0x001A
	prSubject            = 0x0037
	prClientSubmitTime   = 0x0039
	prSentRepName        = 0x0042
	prSentRepEmail       = 0x0065
	prSentRepAddrType    = 0x0064
	prTransportHeaders   = 0x007D
	prSenderName         = 0x0C1A
	prSenderAddrType     = 0x0C1E
	prSenderEmail        = 0x0C1F
	prRecipientType      = 0x0C15
	prDisplayBcc         = 0x0E02
	prDisplayCc          = 0x0E03
	prDisplayTo          = 0x0E04
	prDeliveryTime       = 0x0E06
	prBody               = 0x1000
	prRTFCompressed      = 0x1009
	prHTML               = 0x1013
	prInternetMessageID  = 0x1035
	prReferences         = 0x1039
	prInReplyTo          = 0x1042
	prDisplayName        = 0x3001
	prAddrType           = 0x3002
	prEmailAddress       = 0x3003
	prCreationTime       = 0x3007
	prLastModTime        = 0x3008
	prAttachDataBin      = 0x3701
	prAttachExtension    = 0x3703
	prAttachFilename     = 0x3704
	prAttachMethod       = 0x3705
	prAttachLongFilename = 0x3707
	prAttachPathname     = 0x3708
	prAttachLongPathname = 0x370D
	prAttachMimeTag      = 0x370E
	prAttachContentID    = 0x3712
	prSMTPAddress        = 0x39FE
	prInternetCPID       = 0x3FDE
	prMessageCodepage    = 0x3FFD
	prMessageLocaleID    = 0x3FF1
	prSenderSMTPAddress  = 0x5D01
	prSentRepSMTPAddress = 0x5D02
	prRecipDisplayName   = 0x5FF6
	prAttachHidden       = 0x7FFE
)

// props is the property set of a message, recipient or attachment: the
// fixed-size values from the properties stream and the variable-size
// ones from their substorage streams.
type props struct {
	fixed    map[uint16][8]byte // by property id
	types    map[uint16]uint16  // type of each id in the properties stream
	dir      *node              // the storage holding __substg1.0_ streams
	codepage string             // label for PT_STRING8 values
	// htmlCodepage is the internet code page (PR_INTERNET_CPID), that of
	// a binary PR_HTML body.
	htmlCodepage string
}

// newProps reads the properties stream of storage dir, whose header is
// headerLen bytes long (32 for a message, 24 for an embedded message, 8
// for recipients and attachments).
func newProps(dir *node, headerLen int) *props {
	p := &props{fixed: map[uint16][8]byte{}, types: map[uint16]uint16{}, dir: dir}
	s := dir.child("__properties_version1.0")
	if s == nil || len(s.data) < headerLen {
		return p
	}
	b := s.data[headerLen:]
	for len(b) >= 16 {
		tag := binary.LittleEndian.Uint32(b)
		typ, id := uint16(tag), uint16(tag>>16)
		var v [8]byte
		copy(v[:], b[8:16])
		p.fixed[id] = v
		p.types[id] = typ
		b = b[16:]
	}
	return p
}

// stream returns the substorage stream of a property, trying the given
// types in order.
func (p *props) stream(id uint16, types ...uint16) ([]byte, uint16, bool) {
	for _, t := range types {
		if s := p.dir.child(fmt.Sprintf("__substg1.0_%04X%04X", id, t)); s != nil && !s.storage {
			return s.data, t, true
		}
	}
	return nil, 0, false
}

// str returns a string property (Unicode or 8-bit), "" if absent.
func (p *props) str(id uint16) string {
	b, t, ok := p.stream(id, ptUnicode, ptString8)
	if !ok {
		return ""
	}
	return p.decodeString(b, t)
}

func (p *props) decodeString(b []byte, t uint16) string {
	if t == ptUnicode {
		return trimNul(utf16String(b))
	}
	r := textdecode.ToUTF8(trimNulBytes(b), p.codepage, false)
	return r.Text
}

// bin returns a binary property.
func (p *props) bin(id uint16) []byte {
	b, _, _ := p.stream(id, ptBinary)
	return b
}

// int32 returns a 32-bit integer property.
func (p *props) int32(id uint16) (int32, bool) {
	v, ok := p.fixed[id]
	if !ok {
		return 0, false
	}
	switch p.types[id] {
	case ptInt32, ptInt16, ptBoolean:
		return int32(binary.LittleEndian.Uint32(v[:])), true
	}
	return 0, false
}

// time returns a PT_SYSTIME property.
func (p *props) time(id uint16) *time.Time {
	v, ok := p.fixed[id]
	if !ok || p.types[id] != ptSysTime {
		return nil
	}
	return filetime(binary.LittleEndian.Uint64(v[:]))
}

// filetime converts a Windows FILETIME (100 ns since 1601) to UTC; nil
// for zero, 1601 and out-of-range values.
func filetime(ft uint64) *time.Time {
	const epochDiff = 116444736000000000 // 1601 to 1970 in 100 ns
	const max = 2650467743999999999      // 9999-12-31
	if ft == 0 || ft > max {
		return nil
	}
	d := int64(ft) - epochDiff
	t := time.Unix(d/1e7, (d%1e7)*100).UTC()
	if t.Year() <= 1601 {
		return nil
	}
	return &t
}

// codepageLabel maps a Windows code page number to a charset label.
func codepageLabel(cp int32) string {
	switch cp {
	case 0:
		return ""
	case 65001:
		return "utf-8"
	case 20127:
		return "us-ascii"
	case 932:
		return "shift_jis"
	case 936:
		return "gbk"
	case 949:
		return "euc-kr"
	case 950:
		return "big5"
	case 20866:
		return "koi8-r"
	case 21866:
		return "koi8-u"
	case 28591:
		return "iso-8859-1"
	case 50220, 50221, 50222:
		return "iso-2022-jp"
	case 51932:
		return "euc-jp"
	case 1200:
		return "utf-16le"
	}
	if cp >= 28592 && cp <= 28605 {
		return "iso-8859-" + strconv.Itoa(int(cp-28590))
	}
	if cp >= 1250 && cp <= 1258 || cp == 874 {
		return "windows-" + strconv.Itoa(int(cp))
	}
	return "cp" + strconv.Itoa(int(cp))
}

// lcidCodepage returns the ANSI code page of a Windows locale id, 0 when
// it is Western (1252) or unknown.
func lcidCodepage(lcid int32) int32 {
	switch lcid & 0x3FF {
	case 0x11:
		return 932
	case 0x04:
		if lcid == 0x0404 || lcid == 0x0C04 || lcid == 0x1404 {
			return 950
		}
		return 936
	case 0x12:
		return 949
	case 0x19, 0x22, 0x23, 0x02, 0x2F, 0x3F, 0x40, 0x44, 0x50:
		return 1251
	case 0x1A:
		if lcid == 0x0C1A || lcid == 0x1C1A {
			return 1251
		}
		return 1250
	case 0x05, 0x15, 0x0E, 0x1B, 0x24, 0x18, 0x1C:
		return 1250
	case 0x08:
		return 1253
	case 0x1F, 0x2C, 0x43:
		return 1254
	case 0x0D:
		return 1255
	case 0x01, 0x29, 0x20:
		return 1256
	case 0x25, 0x26, 0x27:
		return 1257
	case 0x2A:
		return 1258
	case 0x1E:
		return 874
	}
	return 0
}

func utf16String(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

func trimNul(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

func trimNulBytes(b []byte) []byte {
	for i, c := range b {
		if c == 0 {
			return b[:i]
		}
	}
	return b
}
