package dkim

import (
	"fmt"
	"strconv"
	"strings"
)

// maxARCInstances is RFC 8617 4.2.1's limit on ARC sets.
const maxARCInstances = 50

// arcSet is one ARC instance's three fields.
type arcSet struct {
	aar, ams, as *field
	amsTags      tags
	asTags       tags
}

// verifyARC validates the message's ARC chain (RFC 8617 5.2). ARC has
// no weakness list, so it is stricter than DKIM here: RSA keys under 1024
// bits fail (as the ValiMail test suite expects). A key that is not
// archived fails the chain too, the reason saying so. Only a done context
// is an error.
func (v *verifier) verifyARC() (*ARC, error) {
	res := &ARC{Result: "none"}
	sets, n, problem := v.collectARC()
	res.Instances = n
	if n == 0 && problem == "" {
		return res, nil
	}
	if v.msg.tooBig {
		problem = "header section too large"
	}
	fail := func(reason string) (*ARC, error) {
		res.Result, res.Reason = "fail", reason
		return res, nil
	}
	if problem != "" {
		return fail(problem)
	}
	res.Sets = make([]ARCSet, n)
	for i := 1; i <= n; i++ {
		s := sets[i]
		res.Sets[i-1] = ARCSet{Instance: i, Domain: strings.ToLower(s.asTags["d"]),
			Selector: strings.ToLower(s.asTags["s"]), CV: s.asTags["cv"]}
	}
	// 5.2 step 2: the newest seal already says the chain failed.
	if strings.EqualFold(sets[n].asTags["cv"], "fail") {
		return fail(fmt.Sprintf("ARC-Seal i=%d has cv=fail", n))
	}
	// Step 3: cv= of every seal.
	for i := 1; i <= n; i++ {
		cv := strings.ToLower(sets[i].asTags["cv"])
		want := "pass"
		if i == 1 {
			want = "none"
		}
		if cv != want {
			return fail(fmt.Sprintf("ARC-Seal i=%d has cv=%.10q, want %s", i, sets[i].asTags["cv"], want))
		}
	}
	// Step 4 (and the optional step 5 for older instances): every AMS is
	// verified and reported; only the newest decides.
	var amsFail string
	for i := n; i >= 1; i-- {
		r, fl, err := v.verifyAMS(sets[i])
		if err != nil {
			return nil, err
		}
		res.Sets[i-1].Message = r
		if fl != nil {
			res.Sets[i-1].Reason = fl.reason
			if i == n {
				amsFail = fmt.Sprintf("ARC-Message-Signature i=%d: %s: %s", n, fl.reason, fl.detail)
			}
		}
	}
	// Step 6: every seal, newest first.
	var sealFail string
	for i := n; i >= 1; i-- {
		r, fl, err := v.verifySeal(sets, i)
		if err != nil {
			return nil, err
		}
		res.Sets[i-1].Seal = r
		if fl != nil {
			res.Sets[i-1].Reason = fl.reason
			if sealFail == "" {
				sealFail = fmt.Sprintf("ARC-Seal i=%d: %s: %s", i, fl.reason, fl.detail)
			}
		}
	}
	if amsFail != "" {
		return fail(amsFail)
	}
	if sealFail != "" {
		return fail(sealFail)
	}
	res.Result = "pass"
	return res, nil
}

// collectARC groups the ARC fields by instance. It returns the sets
// (index 1..n), n, and a structural problem if any: an unreadable i=, a
// duplicate, a gap, more than 50 instances.
func (v *verifier) collectARC() (map[int]*arcSet, int, string) {
	sets := make(map[int]*arcSet)
	n, seen := 0, 0
	for k := range v.msg.fields {
		f := &v.msg.fields[k]
		var inst int
		var t tags
		switch f.lname {
		case "arc-authentication-results":
			i, ok := aarInstance(f.value())
			if !ok {
				return nil, seen + 1, "ARC-Authentication-Results without a valid i= prefix"
			}
			inst = i
		case "arc-message-signature", "arc-seal":
			var err error
			t, err = parseTags(f.value())
			if err != nil {
				return nil, seen + 1, fmt.Sprintf("%s: tag list: %v", f.name, err)
			}
			i, ok := arcInstance(t["i"])
			if !ok {
				return nil, seen + 1, fmt.Sprintf("%s with invalid i=%.10q", f.name, t["i"])
			}
			inst = i
		default:
			continue
		}
		seen++
		s := sets[inst]
		if s == nil {
			s = &arcSet{}
			sets[inst] = s
		}
		var slot **field
		switch f.lname {
		case "arc-authentication-results":
			slot = &s.aar
		case "arc-message-signature":
			slot, s.amsTags = &s.ams, t
		default:
			slot, s.asTags = &s.as, t
		}
		if *slot != nil {
			return nil, inst, fmt.Sprintf("two %s fields with i=%d", f.name, inst)
		}
		*slot = f
		n = max(n, inst)
	}
	if seen == 0 {
		return nil, 0, ""
	}
	for i := 1; i <= n; i++ {
		s := sets[i]
		switch {
		case s == nil:
			return nil, n, fmt.Sprintf("no ARC set with i=%d", i)
		case s.aar == nil:
			return nil, n, fmt.Sprintf("no ARC-Authentication-Results with i=%d", i)
		case s.ams == nil:
			return nil, n, fmt.Sprintf("no ARC-Message-Signature with i=%d", i)
		case s.as == nil:
			return nil, n, fmt.Sprintf("no ARC-Seal with i=%d", i)
		}
	}
	return sets, n, ""
}

// arcInstance reads an i= value: 1 to 50, decimal.
func arcInstance(s string) (int, bool) {
	if s == "" || len(s) > 2 || s[0] == '0' {
		return 0, false
	}
	i, err := strconv.Atoi(s)
	if err != nil || i < 1 || i > maxARCInstances {
		return 0, false
	}
	return i, true
}

// aarInstance reads the "i=N;" an ARC-Authentication-Results value must
// start with (RFC 8617 4.1.1).
func aarInstance(v string) (int, bool) {
	if !strings.HasPrefix(v, "i=") {
		return 0, false
	}
	num, _, ok := strings.Cut(v[2:], ";")
	if !ok {
		return 0, false
	}
	return arcInstance(trimFWS(num))
}

// verifyAMS verifies one ARC-Message-Signature: a DKIM signature without
// v=, with i= as the instance, no From requirement, and no ARC-Seal among
// the signed fields (RFC 8617 4.1.2).
func (v *verifier) verifyAMS(s *arcSet) (Result, *failure, error) {
	t := s.amsTags
	for _, name := range []string{"a", "b", "bh", "d", "h", "s"} {
		if _, ok := t[name]; !ok {
			return PermError, permErr(ReasonMalformed, "no %s= tag", name), nil
		}
	}
	alg, ok := algorithms[strings.ToLower(t["a"])]
	if !ok {
		return PermError, permErr(ReasonAlgorithm, "a=%.40s", t["a"]), nil
	}
	b, err := decodeBase64(t["b"])
	if err != nil || len(b) == 0 {
		return PermError, permErr(ReasonMalformed, "b= is empty or not base64"), nil
	}
	bh, err := decodeBase64(t["bh"])
	if err != nil || len(bh) == 0 {
		return PermError, permErr(ReasonMalformed, "bh= is empty or not base64"), nil
	}
	c := "simple/simple"
	if cv, ok := t["c"]; ok {
		c = strings.ToLower(cv)
		if !strings.Contains(c, "/") {
			c += "/simple"
		}
	}
	hc, bc, _ := strings.Cut(c, "/")
	hr, okh := canonName(hc)
	br, okb := canonName(bc)
	if !okh || !okb {
		return PermError, permErr(ReasonCanonicalize, "c=%.40s", t["c"]), nil
	}
	d, sel := strings.ToLower(t["d"]), strings.ToLower(t["s"])
	if !validDomain(d) || !validSelector(sel) {
		return PermError, permErr(ReasonMalformed, "invalid d= or s="), nil
	}
	var signed []string
	if h := trimFWS(t["h"]); h != "" {
		signed = splitList(h)
	}
	if fl := checkSignedList(signed); fl != nil {
		return PermError, fl, nil
	}
	if containsFold(signed, "arc-seal") {
		return PermError, permErr(ReasonMalformed, "h= includes ARC-Seal"), nil
	}
	if ts, ok := t["t"]; ok {
		if _, err := parseUnixTime(ts); err != nil {
			return PermError, permErr(ReasonMalformed, "t=: %v", err), nil
		}
	}
	limit := int64(-1)
	if l, ok := t["l"]; ok {
		n, err := strconv.ParseInt(l, 10, 64)
		if err != nil || n < 0 || len(l) > 18 {
			return PermError, permErr(ReasonMalformed, "invalid l=%.20q", l), nil
		}
		limit = n
	}
	out, err := v.check(&spec{
		domain: d, selector: sel, alg: alg, b: b,
		hdrRelaxed: hr, selected: v.msg.selectFields(signed), raw: s.ams.raw,
		hasBody: true, bodyRelaxed: br, bh: bh, limit: limit,
		minBits: 1024,
	})
	return out.result, out.fail, err
}

// verifySeal verifies ARC-Seal i over the ARC sets 1..i (RFC 8617 5.1.1):
// for each instance in increasing order its AAR, AMS and AS, relaxed
// header canonicalization, the seal being verified last with b= emptied.
func (v *verifier) verifySeal(sets map[int]*arcSet, i int) (Result, *failure, error) {
	t := sets[i].asTags
	for _, name := range []string{"a", "b", "cv", "d", "s"} {
		if _, ok := t[name]; !ok {
			return PermError, permErr(ReasonMalformed, "no %s= tag", name), nil
		}
	}
	if _, ok := t["h"]; ok {
		return PermError, permErr(ReasonMalformed, "h= is not allowed in an ARC-Seal"), nil
	}
	alg, ok := algorithms[strings.ToLower(t["a"])]
	if !ok {
		return PermError, permErr(ReasonAlgorithm, "a=%.40s", t["a"]), nil
	}
	b, err := decodeBase64(t["b"])
	if err != nil || len(b) == 0 {
		return PermError, permErr(ReasonMalformed, "b= is empty or not base64"), nil
	}
	d, sel := strings.ToLower(t["d"]), strings.ToLower(t["s"])
	if !validDomain(d) || !validSelector(sel) {
		return PermError, permErr(ReasonMalformed, "invalid d= or s="), nil
	}
	if ts, ok := t["t"]; ok {
		if _, err := parseUnixTime(ts); err != nil {
			return PermError, permErr(ReasonMalformed, "t=: %v", err), nil
		}
	}
	selected := make([]*field, 0, 3*i-1)
	for j := 1; j <= i; j++ {
		selected = append(selected, sets[j].aar, sets[j].ams)
		if j < i {
			selected = append(selected, sets[j].as)
		}
	}
	out, err := v.check(&spec{
		domain: d, selector: sel, alg: alg, b: b,
		hdrRelaxed: true, selected: selected, raw: sets[i].as.raw,
		minBits: 1024,
	})
	return out.result, out.fail, err
}
