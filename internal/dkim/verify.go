package dkim

import (
	"cmp"
	"context"
	"crypto"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Options configure Verify.
type Options struct {
	// Keys is where public keys are found. Nil means no key is known:
	// every signature gets permerror key-not-found.
	Keys Keys
	// AsOf is the time x= and t= are judged against; zero means now.
	// Archives pass the time the message was received or collected.
	AsOf time.Time
	// MaxSignatures bounds how many DKIM-Signature fields are verified,
	// topmost first; the others get permerror too-many-signatures.
	// Zero means DefaultMaxSignatures.
	MaxSignatures int
}

// DefaultMaxSignatures is the signature limit when Options.MaxSignatures
// is zero.
const DefaultMaxSignatures = 10

const (
	// futureSlack is how far past the as-of time t= may lie before it is
	// reported as a weakness: signers' clocks drift.
	futureSlack = 5 * time.Minute
	// maxSignedHeaders bounds h=; oversigning signers name about forty.
	maxSignedHeaders = 512
)

// visibleHeaders are the fields a reader sees; a signature that leaves one
// of them unsigned, or a message repeating one, is weak.
var visibleHeaders = []string{"From", "To", "Cc", "Subject", "Date"}

// Verify checks every DKIM-Signature and the ARC chain of the raw message
// (RFC 5322, LF or CRLF line ends) and returns what it found. Everything
// about the message, however malformed, is in the Report; the error is
// non-nil only when ctx is done.
func Verify(ctx context.Context, raw []byte, opts Options) (*Report, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v := &verifier{ctx: ctx, keys: opts.Keys, asOf: opts.AsOf, msg: parseMessage(raw)}
	if v.asOf.IsZero() {
		v.asOf = time.Now()
	}
	v.body.body = v.msg.body
	limit := opts.MaxSignatures
	if limit <= 0 {
		limit = DefaultMaxSignatures
	}
	rep := &Report{AsOf: v.asOf, FromDomain: fromDomain(v.msg), Signatures: []Signature{}}
	bodyRelaxed, firstSeen := false, false
	for i := range v.msg.fields {
		f := &v.msg.fields[i]
		if f.lname != "dkim-signature" {
			continue
		}
		var s Signature
		if len(rep.Signatures) >= limit {
			s = v.tooMany(f, limit)
		} else {
			var err error
			if s, err = v.verifyDKIM(f, rep.FromDomain); err != nil {
				return nil, err
			}
		}
		if !firstSeen {
			firstSeen = true
			bodyRelaxed = strings.HasSuffix(s.Canon, "/relaxed")
		}
		rep.Signatures = append(rep.Signatures, s)
	}
	if len(rep.Signatures) > 0 {
		// Unsigned mail (most of an old leak) needs no canonical body.
		rep.BodyBytes = v.body.get(bodyKey{relaxed: bodyRelaxed, hash: hashForLength, limit: -1}).len
	}
	arc, err := v.verifyARC()
	if err != nil {
		return nil, err
	}
	rep.ARC = arc
	rep.Verdict = verdict(rep.Signatures)
	return rep, nil
}

// verifier holds what the signatures of one message share.
type verifier struct {
	ctx  context.Context
	keys Keys
	asOf time.Time
	msg  *message
	body bodyHashes
}

// tooMany reports a signature beyond the limit, unverified.
func (v *verifier) tooMany(f *field, limit int) Signature {
	s := Signature{Result: PermError, Reason: ReasonTooMany, Weak: []string{},
		Detail: fmt.Sprintf("only the first %d signatures are verified", limit)}
	if t, err := parseTags(f.value()); err == nil {
		s.Domain, s.Selector = strings.ToLower(t["d"]), strings.ToLower(t["s"])
		s.Algorithm = strings.ToLower(t["a"])
	}
	return s
}

// dkimSig is a DKIM-Signature's parsed content.
type dkimSig struct {
	alg         algorithm
	hdrRelaxed  bool
	bodyRelaxed bool
	domain      string
	selector    string
	identDomain string // domain part of i=, lowercased; d= when i= is absent
	signed      []string
	b, bh       []byte
	limit       int64 // l=, or -1
	timestamp   *time.Time
}

// failure is a result other than pass with its reason.
type failure struct {
	result Result
	reason Reason
	detail string
}

func permErr(r Reason, format string, a ...any) *failure {
	return &failure{PermError, r, fmt.Sprintf(format, a...)}
}

// verifyDKIM verifies one DKIM-Signature field.
func (v *verifier) verifyDKIM(f *field, fromDom string) (Signature, error) {
	s := Signature{Weak: []string{}}
	if v.msg.tooBig {
		s.Result, s.Reason = PermError, ReasonMalformed
		s.Detail = fmt.Sprintf("header section exceeds %d fields or %d bytes; not verified", maxHeaderFields, maxHeaderBytes)
		return s, nil
	}
	sig, fl := parseDKIMSignature(f, &s, v.asOf)
	if fl != nil {
		s.Result, s.Reason, s.Detail = fl.result, fl.reason, fl.detail
		v.describe(&s, sig, fromDom, nil)
		return s, nil
	}
	out, err := v.check(&spec{
		domain: sig.domain, selector: sig.selector, alg: sig.alg,
		identDomain: sig.identDomain, b: sig.b,
		hdrRelaxed: sig.hdrRelaxed, selected: v.msg.selectFields(sig.signed), raw: f.raw,
		hasBody: true, bodyRelaxed: sig.bodyRelaxed, bh: sig.bh, limit: sig.limit,
	})
	if err != nil {
		return s, err
	}
	s.Result = out.result
	if out.fail != nil {
		s.Result, s.Reason, s.Detail = out.fail.result, out.fail.reason, out.fail.detail
	}
	if out.rec != nil {
		s.KeyType, s.KeyBits = out.rec.Type, out.rec.Bits
	}
	if s.Result == Pass {
		s.KeySource, s.KeyFingerprint = out.key.Source, out.rec.Fingerprint
	}
	v.describe(&s, sig, fromDom, out.rec)
	return s, nil
}

// parseDKIMSignature reads a DKIM-Signature (RFC 6376 3.5), filling the
// descriptive fields of s as far as it gets. It returns the parsed
// signature (possibly partial) and a failure when the signature cannot be
// verified as written.
func parseDKIMSignature(f *field, s *Signature, asOf time.Time) (*dkimSig, *failure) {
	sig := &dkimSig{limit: -1}
	t, err := parseTags(f.value())
	if err != nil {
		return nil, permErr(ReasonMalformed, "tag list: %v", err)
	}
	s.Domain, s.Selector = strings.ToLower(t["d"]), strings.ToLower(t["s"])
	sig.domain, sig.selector = s.Domain, s.Selector
	s.Algorithm = strings.ToLower(t["a"])
	s.Canon = "simple/simple"
	if c, ok := t["c"]; ok {
		s.Canon = strings.ToLower(c)
		if !strings.Contains(s.Canon, "/") {
			s.Canon += "/simple"
		}
	}
	if h, ok := t["h"]; ok {
		s.SignedHeaders = splitList(h)
		sig.signed = s.SignedHeaders
	}
	if i, ok := t["i"]; ok {
		s.Identity, _ = decodeQP(i)
	}
	// Numeric tags are read now, for the report; their errors count
	// only after the checks the package documentation lists first.
	var numErr *failure
	if l, ok := t["l"]; ok {
		if n, err := strconv.ParseInt(l, 10, 64); err == nil && n >= 0 && len(l) <= 18 {
			s.BodyLength, sig.limit = &n, n
		} else {
			numErr = permErr(ReasonMalformed, "invalid l=%.20q", l)
		}
	}
	for _, tag := range []struct {
		name string
		dst  **time.Time
	}{{"t", &s.Timestamp}, {"x", &s.Expires}} {
		if val, ok := t[tag.name]; ok {
			n, err := parseUnixTime(val)
			if err != nil {
				numErr = cmp.Or(numErr, permErr(ReasonMalformed, "%s=: %v", tag.name, err))
				continue
			}
			tm := time.Unix(n, 0).UTC()
			*tag.dst = &tm
		}
	}
	sig.timestamp = s.Timestamp
	if s.Expires != nil {
		s.Expired = s.Expires.Before(asOf)
	}

	ver, ok := t["v"]
	switch {
	case !ok:
		return sig, permErr(ReasonVersion, "no v= tag: a pre-RFC 4871 draft signature")
	case ver != "1":
		return sig, permErr(ReasonVersion, "v=%.20s, want 1", ver)
	}
	for _, name := range []string{"a", "b", "bh", "d", "h", "s"} {
		if _, ok := t[name]; !ok {
			return sig, permErr(ReasonMalformed, "no %s= tag", name)
		}
	}
	alg, ok := algorithms[s.Algorithm]
	if !ok {
		return sig, permErr(ReasonAlgorithm, "a=%.40s", t["a"])
	}
	sig.alg = alg
	if sig.b, err = decodeBase64(t["b"]); err != nil || len(sig.b) == 0 {
		return sig, permErr(ReasonMalformed, "b= is empty or not base64")
	}
	if sig.bh, err = decodeBase64(t["bh"]); err != nil || len(sig.bh) == 0 {
		return sig, permErr(ReasonMalformed, "bh= is empty or not base64")
	}
	hc, bc, _ := strings.Cut(s.Canon, "/")
	var okh, okb bool
	sig.hdrRelaxed, okh = canonName(hc)
	sig.bodyRelaxed, okb = canonName(bc)
	if !okh || !okb {
		return sig, permErr(ReasonCanonicalize, "c=%.40s", t["c"])
	}
	if !validDomain(sig.domain) {
		return sig, permErr(ReasonMalformed, "d=%.60q is not a domain name", t["d"])
	}
	if !validSelector(sig.selector) {
		return sig, permErr(ReasonMalformed, "s=%.60q is not a selector", t["s"])
	}
	if fl := checkSignedList(sig.signed); fl != nil {
		return sig, fl
	}
	if !containsFold(sig.signed, "from") {
		return sig, permErr(ReasonFromNotSigned, "h= does not include From")
	}
	sig.identDomain = sig.domain
	if i, ok := t["i"]; ok {
		id, err := decodeQP(i)
		at := strings.LastIndexByte(id, '@')
		if err != nil || at < 0 {
			return sig, permErr(ReasonMalformed, "invalid i=%.60q", i)
		}
		sig.identDomain = strings.ToLower(id[at+1:])
		if !isSubdomain(sig.identDomain, sig.domain) {
			return sig, permErr(ReasonIdentity, "i= domain %.60q is not d=%s or below it", sig.identDomain, sig.domain)
		}
	}
	if q, ok := t["q"]; ok && !containsFold(splitList(q), "dns/txt") {
		return sig, permErr(ReasonQueryMethod, "q=%.40s does not include dns/txt", q)
	}
	if numErr != nil {
		return sig, numErr
	}
	if s.Timestamp != nil && s.Expires != nil && s.Expires.Before(*s.Timestamp) {
		return sig, permErr(ReasonMalformed, "x= is before t=")
	}
	return sig, nil
}

// checkSignedList validates h=: a bounded count of names without white
// space. An empty name ("from::to") is tolerated, as the ARC test suite
// expects; it selects nothing.
func checkSignedList(names []string) *failure {
	if len(names) > maxSignedHeaders {
		return permErr(ReasonMalformed, "h= names %d fields, more than %d", len(names), maxSignedHeaders)
	}
	for _, n := range names {
		if strings.ContainsAny(n, " \t\r\n") {
			return permErr(ReasonMalformed, "h= has an invalid field name")
		}
	}
	return nil
}

// describe adds what is known about the signature whatever its result:
// weaknesses, unsigned and repeated visible headers, the unsigned body
// tail and alignment.
func (v *verifier) describe(s *Signature, sig *dkimSig, fromDom string, rec *KeyRecord) {
	s.Aligned = aligned(s.Domain, fromDom)
	if sig == nil {
		return
	}
	weak := func(w string) { s.Weak = append(s.Weak, w) }
	if sig.alg.name == "rsa-sha1" {
		weak(WeakSHA1)
	}
	if rec != nil && rec.Type == "rsa" && rec.Bits > 0 {
		switch {
		case rec.Bits < 1024:
			weak(WeakKeyUnder1024)
		case rec.Bits < 2048:
			weak(WeakKeyUnder2048)
		}
	}
	if rec != nil && rec.Testing {
		weak(WeakTestingKey)
	}
	if sig.limit >= 0 {
		n := v.body.get(bodyKey{relaxed: sig.bodyRelaxed, hash: hashForLength, limit: -1}).len
		if n > sig.limit {
			s.UnsignedBodyBytes = n - sig.limit
			weak(WeakBodyLength)
		}
	}
	if sig.signed != nil {
		for _, name := range visibleHeaders {
			ln := strings.ToLower(name)
			n := v.msg.count(ln)
			if n > countFold(sig.signed, ln) {
				s.UnsignedHeaders = append(s.UnsignedHeaders, name)
			}
			if n > 1 {
				s.RepeatedHeaders = append(s.RepeatedHeaders, name)
			}
		}
		if len(s.UnsignedHeaders) > 0 {
			weak(WeakUnsignedHeader)
		}
		if len(s.RepeatedHeaders) > 0 {
			weak(WeakRepeatedHeader)
		}
	}
	if s.Expired {
		weak(WeakExpired)
	}
	if sig.timestamp != nil && sig.timestamp.After(v.asOf.Add(futureSlack)) {
		weak(WeakFutureTimestamp)
	}
	if !s.Aligned {
		weak(WeakNotAligned)
	}
}

// verdict derives the message verdict from its signatures; see the
// package documentation for the order of the rules.
func verdict(sigs []Signature) Verdict {
	if len(sigs) == 0 {
		return Unsigned
	}
	passed, clean, failed := false, false, false
	for _, s := range sigs {
		switch {
		case s.Result == Pass:
			passed = true
			clean = clean || len(s.Weak) == 0
		case s.Result == Fail:
			failed = true
		case s.Result == PermError && !Uncheckable(s.Reason):
			failed = true
		}
	}
	switch {
	case clean:
		return Verified
	case passed:
		return VerifiedWeak
	case failed:
		return Failed
	}
	return Unverifiable
}

// Uncheckable reports whether a signature with this reason could not be
// checked at all (its key is missing, revoked, unusable or unsupported,
// or the signature uses a form this package does not verify), as opposed
// to a signature that was checked and is wrong or broken.
func Uncheckable(r Reason) bool {
	switch r {
	case ReasonKeyNotFound, ReasonKeyUnavailable, ReasonKeyRevoked, ReasonKeySyntax,
		ReasonKeyMismatch, ReasonVersion, ReasonAlgorithm, ReasonCanonicalize,
		ReasonQueryMethod, ReasonTooMany:
		return true
	}
	return false
}

func containsFold(list []string, s string) bool { return countFold(list, s) > 0 }

func countFold(list []string, s string) int {
	n := 0
	for _, e := range list {
		if strings.EqualFold(e, s) {
			n++
		}
	}
	return n
}

// isSubdomain reports whether sub is dom or below it (both lowercase).
func isSubdomain(sub, dom string) bool {
	sub, dom = strings.TrimSuffix(sub, "."), strings.TrimSuffix(dom, ".")
	return sub == dom || strings.HasSuffix(sub, "."+dom)
}

// validDomain accepts what can be a DNS name: dot-separated labels of
// 1 to 63 bytes, no white space or control bytes, no ';' or '/'. 8-bit
// labels (internationalised names written in UTF-8) are allowed; they
// simply will not be found unless a key source has them.
func validDomain(d string) bool {
	d = strings.TrimSuffix(d, ".")
	if d == "" || len(d) > 253 {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if c <= ' ' || c == 0x7f || strings.IndexByte(";/\\\"*@()<>,:", c) >= 0 {
				return false
			}
		}
	}
	return true
}

func validSelector(s string) bool { return validDomain(s) }

// hashForLength is the hash used when only a canonical length is wanted;
// the length does not depend on it, and SHA-256 lets the memo reuse what
// a signature already computed.
const hashForLength = crypto.SHA256
