package dkim

import (
	"bytes"
	"errors"
	"fmt"
)

// spec is what verifying one signature (DKIM-Signature, ARC-Message-
// Signature or ARC-Seal) needs, independent of the header it came from.
type spec struct {
	domain, selector string
	alg              algorithm
	identDomain      string // DKIM only: the i= domain, checked against key t=s
	b                []byte
	hdrRelaxed       bool
	selected         []*field // the signed fields in order; nil entries are null headers
	raw              []byte   // the signature field itself, b= still in it

	hasBody     bool // false for ARC-Seal
	bodyRelaxed bool
	bh          []byte
	limit       int64

	minBits int // RSA keys below this are refused (ARC only)
}

// outcome is the verification of one signature against its key
// observations.
type outcome struct {
	result Result
	fail   *failure   // nil on pass
	rec    *KeyRecord // the record that decided, or the first one parsed
	key    Key
}

// check verifies sp against every key observation for its selector: the
// first observation that verifies decides; when none does, the first
// observation's failure is reported. Only a done context is an error.
func (v *verifier) check(sp *spec) (outcome, error) {
	var obs []Key
	if v.keys != nil {
		if err := v.ctx.Err(); err != nil {
			return outcome{}, err
		}
		var err error
		obs, err = v.keys.Lookup(v.ctx, sp.domain, sp.selector)
		if err != nil {
			if cerr := v.ctx.Err(); cerr != nil {
				return outcome{}, cerr
			}
			return outcome{result: TempError, fail: &failure{TempError, ReasonKeyUnavailable,
				fmt.Sprintf("%s._domainkey.%s: %v", sp.selector, sp.domain, err)}}, nil
		}
	}
	if len(obs) == 0 {
		return outcome{result: PermError, fail: permErr(ReasonKeyNotFound,
			"no key archived for %s._domainkey.%s", sp.selector, sp.domain)}, nil
	}

	// The digests do not depend on the key: compute them once.
	var bodyOK bool
	if sp.hasBody {
		br := v.body.get(bodyKey{relaxed: sp.bodyRelaxed, hash: sp.alg.hash, limit: sp.limit})
		bodyOK = bytes.Equal(br.sum, sp.bh)
	}
	h := sp.alg.hash.New()
	headerHash(h, sp.selected, sp.raw, sp.hdrRelaxed)
	digest := h.Sum(nil)

	var first outcome
	for i, k := range obs {
		o := v.tryKey(sp, k, bodyOK, digest)
		if o.fail == nil {
			return o, nil
		}
		if i == 0 {
			first = o
		}
	}
	return first, nil
}

// tryKey verifies sp with one key observation.
func (v *verifier) tryKey(sp *spec, k Key, bodyOK bool, digest []byte) outcome {
	o := outcome{key: k}
	fail := func(r Result, reason Reason, format string, a ...any) outcome {
		o.result, o.fail = r, &failure{r, reason, fmt.Sprintf(format, a...)}
		if k.Source != "" {
			o.fail.detail += " (key from " + k.Source + ")"
		}
		return o
	}
	rec, err := parsedKey(k.Record)
	if err != nil {
		if errors.Is(err, ErrKeyUnsupported) {
			return fail(PermError, ReasonAlgorithm, "%v", err)
		}
		return fail(PermError, ReasonKeySyntax, "%v", err)
	}
	o.rec = rec
	switch {
	case rec.Revoked:
		return fail(PermError, ReasonKeyRevoked, "key record has an empty p=")
	case rec.Type != sp.alg.keyType:
		return fail(PermError, ReasonKeyMismatch, "a=%s but the key is k=%s", sp.alg.name, rec.Type)
	case !rec.allowsHash(sp.alg.hashTag):
		return fail(PermError, ReasonHashNotAllowed, "key h= does not allow %s", sp.alg.hashTag)
	case !rec.allowsEmail():
		return fail(PermError, ReasonServiceType, "key s= does not include email")
	case rec.Strict && sp.identDomain != "" && sp.identDomain != sp.domain:
		return fail(PermError, ReasonStrictSubdomain, "key t=s forbids i= domain %s below d=%s", sp.identDomain, sp.domain)
	case rec.Type == "rsa" && rec.Bits < sp.minBits:
		return fail(PermError, ReasonKeyTooShort, "%d-bit RSA key, %d required", rec.Bits, sp.minBits)
	case sp.hasBody && !bodyOK:
		return fail(Fail, ReasonBodyHash, "bh= does not match the body")
	}
	if err := verifySignature(rec.PublicKey, sp.alg.hash, digest, sp.b); err != nil {
		return fail(Fail, ReasonSignature, "%v", err)
	}
	o.result = Pass
	return o
}
