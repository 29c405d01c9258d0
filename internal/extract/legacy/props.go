package legacy

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/extract/textdecode"
)

// Property sets ([MS-OLEPS]) hold a legacy Office file's metadata:
// "\x05SummaryInformation" (title, author, last author, dates, revision,
// application) and "\x05DocumentSummaryInformation" (company, manager).

var (
	fmtidSummary    = [16]byte{0xE0, 0x85, 0x9F, 0xF2, 0xF9, 0x4F, 0x68, 0x10, 0xAB, 0x91, 0x08, 0x00, 0x2B, 0x27, 0xB3, 0xD9}
	fmtidDocSummary = [16]byte{0x02, 0xD5, 0xCD, 0xD5, 0x9C, 0x2E, 0x1B, 0x10, 0x93, 0x97, 0x08, 0x00, 0x2B, 0x2C, 0xF9, 0xAE}
)

const maxProps = 1000

// propValue is a decoded property: text, integer or time.
type propValue struct {
	s string
	n int64
	t time.Time
}

// parsePropertySet returns the first section of a property set stream
// whose format id is fmtid, by property id.
func parsePropertySet(b []byte, fmtid [16]byte) map[uint32]propValue {
	le := binary.LittleEndian
	if len(b) < 48 || le.Uint16(b) != 0xFFFE {
		return nil
	}
	nsec := int(le.Uint32(b[24:]))
	for i := 0; i < nsec && i < 16 && 28+20*i+20 <= len(b); i++ {
		var id [16]byte
		copy(id[:], b[28+20*i:])
		if id != fmtid {
			continue
		}
		off := uint64(le.Uint32(b[28+20*i+16:]))
		if off+8 > uint64(len(b)) {
			return nil
		}
		return parseSection(b[off:])
	}
	return nil
}

func parseSection(sec []byte) map[uint32]propValue {
	le := binary.LittleEndian
	size := uint64(le.Uint32(sec))
	if size < uint64(len(sec)) {
		sec = sec[:size]
	}
	if len(sec) < 8 {
		return nil
	}
	n := min(int(le.Uint32(sec[4:])), maxProps)
	type loc struct{ id, off uint32 }
	var locs []loc
	for i := 0; i < n && 8+8*i+8 <= len(sec); i++ {
		locs = append(locs, loc{le.Uint32(sec[8+8*i:]), le.Uint32(sec[12+8*i:])})
	}
	codepage := 1252
	for _, l := range locs {
		if l.id == 1 && uint64(l.off)+6 <= uint64(len(sec)) && le.Uint32(sec[l.off:]) == 2 {
			codepage = int(le.Uint16(sec[l.off+4:]))
		}
	}
	props := map[uint32]propValue{}
	for _, l := range locs {
		if l.id < 2 || uint64(l.off)+4 > uint64(len(sec)) {
			continue
		}
		v := sec[l.off:]
		typ := le.Uint32(v)
		v = v[4:]
		switch typ {
		case 2: // VT_I2
			if len(v) >= 2 {
				props[l.id] = propValue{n: int64(int16(le.Uint16(v)))}
			}
		case 3, 0x13: // VT_I4, VT_UI4
			if len(v) >= 4 {
				x := int64(le.Uint32(v))
				if typ == 3 {
					x = int64(int32(le.Uint32(v)))
				}
				props[l.id] = propValue{n: x}
			}
		case 0x1E: // VT_LPSTR, in the section's code page
			if len(v) >= 4 {
				c := uint64(le.Uint32(v))
				if c <= uint64(len(v)-4) {
					props[l.id] = propValue{s: decodeCodepage(v[4:4+c], codepage)}
				}
			}
		case 0x1F: // VT_LPWSTR
			if len(v) >= 4 {
				c := uint64(le.Uint32(v)) * 2
				if c <= uint64(len(v)-4) {
					props[l.id] = propValue{s: decodeUTF16(v[4 : 4+c])}
				}
			}
		case 0x40: // VT_FILETIME
			if len(v) >= 8 {
				ft := le.Uint64(v)
				props[l.id] = propValue{n: int64(ft), t: filetime(ft)}
			}
		}
	}
	return props
}

func decodeCodepage(b []byte, cp int) string {
	if i := indexNUL(b); i >= 0 {
		b = b[:i]
	}
	return strings.TrimSpace(decodeRaw(b, cp))
}

// decodeRaw converts bytes in Windows code page cp to UTF-8.
func decodeRaw(b []byte, cp int) string {
	label := "windows-" + strconv.Itoa(cp)
	switch cp {
	case 65001:
		label = "utf-8"
	case 1200:
		return decodeUTF16(b)
	case 10000:
		label = "macintosh"
	case 20127:
		label = "us-ascii"
	case 28591:
		label = "iso-8859-1"
	case 932:
		label = "shift_jis"
	case 936:
		label = "gbk"
	case 949:
		label = "euc-kr"
	case 950:
		label = "big5"
	case 437:
		label = "ibm437"
	case 850:
		label = "ibm850"
	}
	return textdecode.ToUTF8(b, label, false).Text
}

func indexNUL(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return -1
}

func decodeUTF16(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return strings.TrimSpace(strings.ToValidUTF8(string(utf16.Decode(u)), "\uFFFD"))
}

// filetime converts a FILETIME (100 ns ticks since 1601) to UTC; zero and
// absurd values give the zero time.
func filetime(ft uint64) time.Time {
	const unixEpoch = 116444736000000000
	if ft <= unixEpoch-300*365*24*3600*10_000_000 || ft > unixEpoch+500*365*24*3600*10_000_000 {
		return time.Time{}
	}
	d := int64(ft) - unixEpoch
	return time.Unix(d/10_000_000, (d%10_000_000)*100).UTC()
}

// applyProperties fills m from the summary property sets of f.
func applyProperties(f *cfbFile, m *extract.Metadata) {
	extra := map[string]string{}
	if b, ok := f.stream("\x05SummaryInformation"); ok {
		p := parsePropertySet(b, fmtidSummary)
		str := func(id uint32) string { return p[id].s }
		m.Title, m.Subject, m.Author, m.Keywords, m.Comments = str(2), str(3), str(4), str(5), str(6)
		m.LastModifiedBy, m.Revision, m.Creator = str(8), str(9), str(18)
		if t := p[11].t; !t.IsZero() {
			m.Printed = &t
		}
		if t := p[12].t; !t.IsZero() {
			m.Created = &t
		}
		if t := p[13].t; !t.IsZero() {
			m.Modified = &t
		}
		if n := p[14].n; n > 0 && n < 1_000_000 {
			m.PageCount = int(n)
		}
		if v := str(7); v != "" {
			extra["ole:Template"] = v
		}
		if v, ok := p[10]; ok && v.n > 0 && v.n < 1<<62 {
			// Total editing time, a FILETIME used as a duration.
			extra["ole:EditTime"] = (time.Duration(v.n/10_000_000) * time.Second).String()
		}
		if v, ok := p[19]; ok && v.n&1 != 0 {
			extra["ole:Security"] = "password protected"
		}
	}
	if b, ok := f.stream("\x05DocumentSummaryInformation"); ok {
		p := parsePropertySet(b, fmtidDocSummary)
		m.Company = p[15].s
		if v := p[14].s; v != "" {
			extra["ole:Manager"] = v
		}
	}
	for k, v := range extra {
		if m.Extra == nil {
			m.Extra = map[string]string{}
		}
		m.Extra[k] = v
	}
}

// describe is for test messages.
func (p propValue) String() string {
	if !p.t.IsZero() {
		return p.t.String()
	}
	if p.s != "" {
		return p.s
	}
	return fmt.Sprint(p.n)
}
