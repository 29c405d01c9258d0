package dkim

import (
	"net/mail"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// fromDomain returns the domain of the first address in the first (top)
// From field, the one a mail reader displays; "" when there is none.
func fromDomain(m *message) string {
	f, ok := m.first("from")
	if !ok {
		return ""
	}
	v := f.value()
	addr := ""
	if list, err := mail.ParseAddressList(v); err == nil && len(list) > 0 {
		addr = list[0].Address
	} else {
		addr = looseAddress(v)
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return ""
	}
	d := strings.ToLower(strings.TrimSuffix(addr[at+1:], "."))
	if !validDomain(d) {
		return ""
	}
	return d
}

// looseAddress finds an address in a From value net/mail refuses
// (unknown charsets in encoded words, 8-bit names, stray syntax): the
// first <...> holding an '@', else the first word holding one.
func looseAddress(v string) string {
	for rest := v; ; {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '>')
		if j < 0 {
			break
		}
		if a := rest[i+1 : i+j]; strings.Contains(a, "@") {
			return strings.TrimSpace(a)
		}
		rest = rest[i+j:]
	}
	for _, w := range strings.FieldsFunc(v, func(r rune) bool {
		return r == ' ' || r == '\t' || r == ',' || r == '"' || r == '(' || r == ')' || r == '<' || r == '>'
	}) {
		if strings.Contains(w, "@") {
			return w
		}
	}
	return ""
}

// aligned reports whether domains d and from share an organisational
// domain (public suffix list + one label), as DMARC relaxed alignment.
func aligned(d, from string) bool {
	d, from = strings.TrimSuffix(strings.ToLower(d), "."), strings.TrimSuffix(from, ".")
	if d == "" || from == "" {
		return false
	}
	if d == from {
		return true
	}
	od, err := publicsuffix.EffectiveTLDPlusOne(d)
	if err != nil {
		return false
	}
	of, err := publicsuffix.EffectiveTLDPlusOne(from)
	return err == nil && od == of
}
