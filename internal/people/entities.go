package people

import (
	"bytes"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// Kinds of [Found] values.
const (
	FoundEmail  = "email"
	FoundPhone  = "phone"
	FoundIBAN   = "iban"
	FoundURL    = "url"
	FoundDomain = "domain"
)

// Found is a pattern entity found in a text.
type Found struct {
	Kind  string // FoundEmail, FoundPhone, FoundIBAN, FoundURL or FoundDomain
	Value string // normalised: see [Entities]
	// Start and End are byte offsets into the text, End exclusive.
	Start, End int
}

// EntityOptions tune [Entities]. The zero value finds every kind with
// phone numbers read in [DefaultRegion].
type EntityOptions struct {
	// Region is the ISO 3166 region of phone numbers written without an
	// international prefix; empty means DefaultRegion.
	Region string
	// Kinds restricts the kinds found; empty means all.
	Kinds []string
}

// kindSet is a bit set of Found kinds.
type kindSet uint8

const (
	kEmail kindSet = 1 << iota
	kPhone
	kIBAN
	kURL
	kDomain
)

func (o *EntityOptions) kinds() kindSet {
	if len(o.Kinds) == 0 {
		return kEmail | kPhone | kIBAN | kURL | kDomain
	}
	var k kindSet
	for _, s := range o.Kinds {
		switch s {
		case FoundEmail:
			k |= kEmail
		case FoundPhone:
			k |= kPhone
		case FoundIBAN:
			k |= kIBAN
		case FoundURL:
			k |= kURL
		case FoundDomain:
			k |= kDomain
		}
	}
	return k
}

// Entities finds e-mail addresses, phone numbers, IBANs, URLs and domain
// names in text, sorted by Start then End then Kind. It never fails; its
// work is linear in len(text).
//
// The text is searched in this order, and what one step finds is hidden
// from the next ones, so the digits of an IBAN never become a phone
// number nor those of a URL:
//
//   - iban: two letters, two check digits and 11 to 30 letters or digits,
//     written compact or in groups of four separated by single spaces; the
//     length must be the country's (FR, MC, IT 27; DE, GB, IE 22; ES, SE
//     24; BE 16; CH 21; LU, AT 20; NL, DK, FI 18; and a few more), or
//     between 15 and 34 for other countries, and the ISO 7064 mod-97
//     checksum must hold. Value: compact, upper case.
//   - url: from http://, https:// or www. at a word start up to white
//     space or one of < > " ' ` and trailing . , ; : ! ? and unbalanced
//     closing brackets. Value: as found. Its host is also a domain.
//   - email: local@domain with a dotted domain whose last label has two
//     letters or more. Value: lower case. Its domain is also a domain.
//   - domain: hosts of URLs and e-mail addresses, and bare names such as
//     lemonde.fr whose last label is in a built-in list of common generic
//     and country top-level domains, written in lower case. Value: lower
//     case, without a leading "www.".
//   - phone: runs of 8 to 17 digits, with an optional leading +, single
//     separators (space, no-break space, '.', '-') and parentheses, not
//     touching a letter, a digit or '/'; the run, or failing that its
//     longest prefix ending on a group, must be a valid number for
//     libphonenumber in the region. Value: E.164. Dates (12/03/2017,
//     12.03.2017), years ("2017 2018 2019") and long digit runs are not
//     valid numbers and are left out.
func Entities(text string, opts EntityOptions) []Found {
	kinds := opts.kinds()
	if kinds == 0 || text == "" {
		return nil
	}
	region := strings.ToUpper(opts.Region)
	if region == "" {
		region = DefaultRegion
	}
	buf := []byte(text) // masked as kinds are found; offsets unchanged
	var out []Found
	mask := func(start, end int) {
		for i := start; i < end; i++ {
			buf[i] = ' '
		}
	}
	if kinds&(kIBAN|kPhone) != 0 {
		scanIBANs(buf, func(start, end int, value string) {
			if kinds&kIBAN != 0 {
				out = append(out, Found{FoundIBAN, value, start, end})
			}
			mask(start, end)
		})
	}
	var spans [][2]int
	if kinds&(kURL|kDomain|kPhone|kEmail) != 0 {
		scanURLs(buf, func(start, end, hs, he int) {
			if kinds&kURL != 0 {
				out = append(out, Found{FoundURL, text[start:end], start, end})
			}
			if kinds&kDomain != 0 && he > hs {
				out = append(out, domainFound(text, hs, he))
			}
			spans = append(spans, [2]int{start, end})
		})
		for _, s := range spans {
			mask(s[0], s[1])
		}
		spans = spans[:0]
		scanEmails(buf, func(start, at, end int) {
			if kinds&kEmail != 0 {
				out = append(out, Found{FoundEmail, strings.ToLower(text[start:end]), start, end})
			}
			if kinds&kDomain != 0 {
				out = append(out, domainFound(text, at+1, end))
			}
			spans = append(spans, [2]int{start, end})
		})
		for _, s := range spans {
			mask(s[0], s[1])
		}
	}
	if kinds&kDomain != 0 {
		scanDomains(buf, func(start, end int) {
			out = append(out, domainFound(text, start, end))
		})
	}
	if kinds&kPhone != 0 {
		scanPhones(buf, region, func(start, end int, e164 string) {
			out = append(out, Found{FoundPhone, e164, start, end})
		})
	}
	slices.SortFunc(out, func(a, b Found) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		if a.End != b.End {
			return a.End - b.End
		}
		return strings.Compare(a.Kind, b.Kind)
	})
	return out
}

func domainFound(text string, start, end int) Found {
	if end-start > 4 && strings.EqualFold(text[start:start+4], "www.") {
		start += 4
	}
	return Found{FoundDomain, strings.ToLower(text[start:end]), start, end}
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// wordBefore reports whether a letter or digit (of any script) ends b[:i].
func wordBefore(b []byte, i int) bool {
	if i <= 0 {
		return false
	}
	if c := b[i-1]; c < utf8.RuneSelf {
		return isAlnum(c)
	}
	r, _ := utf8.DecodeLastRune(b[:i])
	return unicode.IsLetter(r) || unicode.IsNumber(r)
}

// wordAt reports whether a letter or digit (of any script) starts b[i:].
func wordAt(b []byte, i int) bool {
	if i >= len(b) {
		return false
	}
	if c := b[i]; c < utf8.RuneSelf {
		return isAlnum(c)
	}
	r, _ := utf8.DecodeRune(b[i:])
	return unicode.IsLetter(r) || unicode.IsNumber(r)
}

// ibanLengths are the IBAN lengths of the countries checked strictly.
var ibanLengths = map[string]int{
	"AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24,
	"DE": 22, "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22,
	"GI": 23, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27,
	"LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18,
	"NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24,
	"SM": 27, "VA": 22,
}

// scanIBANs calls fn for each valid IBAN of b.
func scanIBANs(b []byte, fn func(start, end int, value string)) {
	var compact [34]byte
	var ends [34]int // ends[n-1]: byte end when the IBAN has n characters and may stop there
	for i := 0; i+4 < len(b); i++ {
		if !isLetter(b[i]) || !isLetter(b[i+1]) || !isDigit(b[i+2]) || !isDigit(b[i+3]) || wordBefore(b, i) {
			continue
		}
		n := 0
		j := i
		for n < len(compact) && j < len(b) {
			c := b[j]
			if isAlnum(c) {
				if c >= 'a' && c <= 'z' {
					c -= 'a' - 'A'
				}
				compact[n] = c
				n++
				j++
				ends[n-1] = -1
				if !wordAt(b, j) {
					ends[n-1] = j
				}
				continue
			}
			// A single space between groups of four.
			if c == ' ' && n%4 == 0 && j+1 < len(b) && isAlnum(b[j+1]) {
				ends[n-1] = j
				j++
				continue
			}
			break
		}
		want, known := ibanLengths[string(compact[:2])]
		found := 0
		for m := n; m >= 15; m-- {
			if ends[m-1] < 0 || (known && m != want) {
				continue
			}
			if ibanValid(compact[:m]) {
				found = m
				break
			}
		}
		if found > 0 {
			end := ends[found-1]
			fn(i, end, string(compact[:found]))
			i = end - 1
		}
	}
}

// ibanValid checks the ISO 7064 mod-97 checksum of a compact upper-case
// IBAN.
func ibanValid(s []byte) bool {
	if len(s) < 5 || !isLetter(s[0]) || !isLetter(s[1]) || !isDigit(s[2]) || !isDigit(s[3]) {
		return false
	}
	r := 0
	add := func(c byte) {
		switch {
		case isDigit(c):
			r = (r*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			r = (r*100 + int(c-'A'+10)) % 97
		}
	}
	for _, c := range s[4:] {
		add(c)
	}
	for _, c := range s[:4] {
		add(c)
	}
	return r == 1
}

// urlStop reports bytes that end a URL.
func urlStop(c byte) bool {
	return c <= ' ' || c == '<' || c == '>' || c == '"' || c == '\'' || c == '`' || c == 0x7f
}

// maxURL bounds the length of a URL, and so the work per URL.
const maxURL = 4096

// scanURLs calls fn with each URL of b and its host.
func scanURLs(b []byte, fn func(start, end, hostStart, hostEnd int)) {
	for i := 0; i < len(b); i++ {
		c := b[i] | 0x20
		if c != 'h' && c != 'w' {
			continue
		}
		var host int
		switch {
		case hasPrefixFold(b[i:], "https://"):
			host = i + 8
		case hasPrefixFold(b[i:], "http://"):
			host = i + 7
		case hasPrefixFold(b[i:], "www.") && i+4 < len(b) && isAlnum(b[i+4]):
			host = i
		default:
			continue
		}
		if wordBefore(b, i) || (i > 0 && strings.IndexByte("@.-_/:", b[i-1]) >= 0) {
			continue
		}
		// The host first, so that a false start costs little.
		he := host
		for he < len(b) && he-host < 320 && !urlStop(b[he]) && strings.IndexByte("/?#:", b[he]) < 0 {
			he++
		}
		// userinfo@host
		if at := lastIndexByte(b[host:he], '@'); at >= 0 {
			host += at + 1
		}
		for he > host && !isAlnum(b[he-1]) {
			he--
		}
		if he == host || !validHost(b[host:he]) {
			continue
		}
		end := he
		for end < len(b) && end-i < maxURL && !urlStop(b[end]) {
			end++
		}
		end = max(trimURL(b, host, end), he)
		fn(i, end, host, he)
		i = end - 1
	}
}

func lastIndexByte(b []byte, c byte) int {
	return bytes.LastIndexByte(b, c)
}

// trimURL drops trailing punctuation and unbalanced closing brackets, in
// time linear in end-start.
func trimURL(b []byte, start, end int) int {
	var open, closed [3]int
	const brackets = "()[]{}"
	for _, x := range b[start:end] {
		if k := strings.IndexByte(brackets, x); k >= 0 {
			if k%2 == 0 {
				open[k/2]++
			} else {
				closed[k/2]++
			}
		}
	}
	for end > start {
		c := b[end-1]
		switch c {
		case '.', ',', ';', ':', '!', '?', '*':
			end--
			continue
		case ')', ']', '}':
			k := strings.IndexByte(brackets, c) / 2
			if closed[k] > open[k] {
				closed[k]--
				end--
				continue
			}
		}
		// Non-ASCII punctuation such as » or ’.
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeLastRune(b[start:end])
			if !unicode.IsLetter(r) && !unicode.IsNumber(r) {
				end -= size
				continue
			}
		}
		return end
	}
	return end
}

func hasPrefixFold(b []byte, prefix string) bool {
	if len(b) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if b[i]|0x20 != prefix[i]|0x20 {
			return false
		}
	}
	return true
}

// validHost reports whether h is a dotted host name with a non-numeric
// last label, or a dotted IPv4 address.
func validHost(h []byte) bool {
	if len(h) > 253 {
		return false
	}
	labels := 0
	last := 0
	for i := 0; i <= len(h); i++ {
		if i < len(h) && h[i] != '.' {
			c := h[i]
			if !isAlnum(c) && c != '-' && c != '_' {
				return false
			}
			continue
		}
		l := h[last:i]
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		labels++
		last = i + 1
	}
	return labels >= 2 || string(h) == "localhost"
}

// isLocalChar reports bytes allowed in the local part of an address.
func isLocalChar(c byte) bool {
	return isAlnum(c) || strings.IndexByte(".!#$%&'*+/=?^_`{|}~-", c) >= 0
}

// scanEmails calls fn with each address of b: start, index of '@', end.
func scanEmails[T ~string | ~[]byte](b T, fn func(start, at, end int)) {
	from := 0
	for from < len(b) {
		k := indexByte(b[from:], '@')
		if k < 0 {
			return
		}
		at := from + k
		from = at + 1
		// Local part, at most 64 bytes.
		start := at
		for start > 0 && at-start < 65 && isLocalChar(b[start-1]) {
			start--
		}
		if at-start > 64 || (start > 0 && isLocalChar(b[start-1])) {
			continue
		}
		for start < at && (b[start] == '.' || b[start] == '\'' || b[start] == '`') {
			start++
		}
		if start == at || b[at-1] == '.' {
			continue
		}
		// Domain.
		end := at + 1
		for end < len(b) && end-at <= 254 && (isAlnum(b[end]) || b[end] == '.' || b[end] == '-') {
			end++
		}
		for end > at+1 && (b[end-1] == '.' || b[end-1] == '-') {
			end--
		}
		if !validDomain(b[at+1 : end]) {
			continue
		}
		if end < len(b) && b[end] >= utf8.RuneSelf {
			var tmp [utf8.UTFMax]byte
			n := copy(tmp[:], b[end:min(end+utf8.UTFMax, len(b))])
			if r, _ := utf8.DecodeRune(tmp[:n]); unicode.IsLetter(r) || unicode.IsNumber(r) {
				continue
			}
		}
		fn(start, at, end)
		from = end
	}
}

func indexByte[T ~string | ~[]byte](b T, c byte) int {
	switch v := any(b).(type) {
	case string:
		return strings.IndexByte(v, c)
	case []byte:
		return slicesIndexByte(v, c)
	}
	for i := 0; i < len(b); i++ {
		if b[i] == c {
			return i
		}
	}
	return -1
}

func slicesIndexByte(b []byte, c byte) int { return bytes.IndexByte(b, c) }

// validDomain reports whether d is a dotted domain name whose last label
// has two letters or more.
func validDomain[T ~string | ~[]byte](d T) bool {
	if len(d) < 4 || len(d) > 253 {
		return false
	}
	last := 0
	labels := 0
	for i := 0; i <= len(d); i++ {
		if i < len(d) && d[i] != '.' {
			continue
		}
		l := d[last:i]
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		labels++
		last = i + 1
	}
	tld := d[strings.LastIndexByte(string(d), '.')+1:]
	if labels < 2 || len(tld) < 2 {
		return false
	}
	for i := 0; i < len(tld); i++ {
		if !isLetter(tld[i]) {
			return false
		}
	}
	return true
}

// tlds are the top-level domains of bare domain names: common generic
// ones and country codes that are not also common file extensions.
var tlds = func() map[string]bool {
	m := map[string]bool{}
	for t := range strings.FieldsSeq(`
		com org net edu gov mil int info biz name pro mobi asia eu
		io co app dev xyz online site tech news media blog shop store cloud
		tv fm ly me
		fr de uk gb es it be ch lu nl mc at pt ie dk se no fi pl cz sk hu ro
		bg gr hr si ee lv lt ru ua tr il ae sa qa ma dz tn sn ci cm cd ml ne
		bf ga mg re nc pf gp mq yt pm wf us ca mx br ar cl pe ve cn hk tw jp
		kr in pk sg my th vn id ph au nz za ng ke eg lb ir kz gg je im gi cy
		mt li ad sm va is al ba
	`) {
		m[t] = true
	}
	return m
}()

// scanDomains calls fn with each bare domain name of b.
func scanDomains(b []byte, fn func(start, end int)) {
	i := 0
	for i < len(b) {
		if !isAlnum(b[i]) {
			i++
			continue
		}
		start := i
		dots := 0
		for i < len(b) && (isAlnum(b[i]) || b[i] == '.' || b[i] == '-') {
			if b[i] == '.' {
				dots++
			}
			i++
		}
		if dots == 0 || i-start > 253 {
			continue
		}
		end := i
		for end > start && (b[end-1] == '.' || b[end-1] == '-') {
			end--
		}
		if wordBefore(b, start) || wordAt(b, i) {
			continue
		}
		if start > 0 && strings.IndexByte("@_/\\:.-", b[start-1]) >= 0 {
			continue
		}
		if i < len(b) && strings.IndexByte("@_", b[i]) >= 0 {
			continue
		}
		d := b[start:end]
		dot := lastIndexByte(d, '.')
		if dot < 0 || !tlds[string(d[dot+1:])] || !validDomain(d) {
			continue
		}
		// The label before the top-level domain has two characters or
		// more, which leaves out initials and abbreviations ("M.de").
		sld := d[:dot]
		if k := lastIndexByte(sld, '.'); k >= 0 {
			sld = sld[k+1:]
		}
		if len(sld) < 2 {
			continue
		}
		fn(start, end)
	}
}

// phoneSep reports the width of a phone number separator at b[i], or 0.
func phoneSep(b []byte, i int) int {
	switch c := b[i]; c {
	case ' ', '.', '-':
		return 1
	case 0xC2: // U+00A0 no-break space
		if i+1 < len(b) && b[i+1] == 0xA0 {
			return 2
		}
	case 0xE2: // U+202F narrow no-break space, U+2009 thin space
		if i+2 < len(b) && b[i+1] == 0x80 && (b[i+2] == 0xAF || b[i+2] == 0x89) {
			return 3
		}
	}
	return 0
}

// scanPhones calls fn with each valid phone number of b.
func scanPhones(b []byte, region string, fn func(start, end int, e164 string)) {
	var digits [20]byte
	var groupEnds [20]int // byte ends of digit groups
	var groupDigits [20]int
	i := 0
	for i < len(b) {
		c := b[i]
		if !isDigit(c) && c != '+' && c != '(' {
			i++
			continue
		}
		start := i
		// Boundary before: not a word, not part of a date, path, decimal
		// or identifier.
		if wordBefore(b, i) || (i > 0 && strings.IndexByte("/_@#&=%+,.-", b[i-1]) >= 0 && i > 1 && isDigit(b[i-2])) ||
			(i > 0 && strings.IndexByte("/_@#&=%", b[i-1]) >= 0) {
			for i < len(b) && (isAlnum(b[i]) || b[i] == '/' || b[i] == '.' || b[i] == '-' || b[i] == '+') {
				i++
			}
			if i == start {
				i++
			}
			continue
		}
		nd, ng := 0, 0
		j := i
		if b[j] == '+' {
			j++
			if j >= len(b) || !isDigit(b[j]) {
				i = j
				continue
			}
		}
		prevSep := true // at the start, as after a separator
		ok := true
		for j < len(b) {
			c := b[j]
			switch {
			case isDigit(c):
				if nd == len(digits) {
					ok = false
				} else {
					digits[nd] = c
					nd++
				}
				j++
				if j >= len(b) || !isDigit(b[j]) {
					if ng < len(groupEnds) {
						groupEnds[ng], groupDigits[ng] = j, nd
						ng++
					}
				}
				prevSep = false
				continue
			case c == '(':
				// "+33 (0)1 …": the trunk prefix in brackets is not dialled.
				if b[start] == '+' && ng == 1 && j+2 < len(b) && b[j+1] == '0' && b[j+2] == ')' {
					j += 3
					if j < len(b) && phoneSep(b, j) > 0 {
						j += phoneSep(b, j)
					}
					prevSep = true
					continue
				}
				if j+1 < len(b) && isDigit(b[j+1]) && (prevSep || j == start) {
					j++
					prevSep = true
					continue
				}
			case c == ')':
				if !prevSep && j > start {
					j++
					if j < len(b) && phoneSep(b, j) > 0 {
						j += phoneSep(b, j)
					}
					prevSep = true
					continue
				}
			default:
				if w := phoneSep(b, j); w > 0 && !prevSep && j+w < len(b) && (isDigit(b[j+w]) || b[j+w] == '(') {
					j += w
					prevSep = true
					continue
				}
			}
			break
		}
		i = j
		if j < len(b) && (wordAt(b, j) || b[j] == '/' || (b[j] == '.' || b[j] == ',' || b[j] == '-') && j+1 < len(b) && isDigit(b[j+1])) {
			ok = false
		}
		if !ok || nd < 8 || ng == 0 {
			// Skip the rest of a run that is not a phone number.
			for i < len(b) && (isAlnum(b[i]) || b[i] == '/') {
				i++
			}
			if i == start {
				i++
			}
			continue
		}
		// The whole run, then shorter runs ending on a group.
		for g := ng - 1; g >= 0; g-- {
			n := groupDigits[g]
			if n < 8 || n > 17 {
				continue
			}
			num := string(digits[:n])
			if b[start] == '+' {
				num = "+" + num
			}
			if e164, ok := parsePhone(num, region); ok {
				fn(start, groupEnds[g], e164)
				i = groupEnds[g]
				break
			}
		}
	}
}

// parsePhone validates a number written with digits and an optional
// leading '+'. libphonenumber takes tens of microseconds per number, and
// the numbers of a collection repeat (signatures), so results are cached.
func parsePhone(num, region string) (string, bool) {
	key := region + "|" + num
	phoneCache.Lock()
	r, hit := phoneCache.m[key]
	phoneCache.Unlock()
	if hit {
		return r.e164, r.ok
	}
	p, err := phonenumbers.Parse(num, region)
	if err == nil && phonenumbers.IsValidNumber(p) {
		r = phoneResult{phonenumbers.Format(p, phonenumbers.E164), true}
	}
	phoneCache.Lock()
	if len(phoneCache.m) >= phoneCacheSize {
		clear(phoneCache.m)
	}
	phoneCache.m[key] = r
	phoneCache.Unlock()
	return r.e164, r.ok
}

type phoneResult struct {
	e164 string
	ok   bool
}

const phoneCacheSize = 1 << 16

var phoneCache = struct {
	sync.Mutex
	m map[string]phoneResult
}{m: map[string]phoneResult{}}
