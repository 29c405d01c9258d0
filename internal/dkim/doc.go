// Package dkim verifies DKIM signatures (RFC 6376, RFC 8463) and ARC
// chains (RFC 8617) of archived mail. It never touches the network: keys
// come from a [Keys] the caller injects, built from zone files
// ([ParseZone]), the zk-email key archive ([ParseZKEmailJSON]) or the
// archive's own key store.
//
// # Why our own verifier
//
// Mail verifiers answer "should I accept this message now?": they refuse
// expired signatures, SHA-1 and keys under 1024 bits, and judge x= by
// today's clock. An archive asks "was this message signed by that domain,
// and how much does the signature prove?". So [Verify] separates the
// cryptographic result (pass, fail, permerror, temperror) from what
// weakens it: an expired signature that verifies is a pass marked
// expired, a 512-bit key or rsa-sha1 still verifies and is listed in
// [Signature.Weak]. Time is the caller's as-of time ([Options.AsOf]),
// typically when the message was received, not the wall clock.
//
// # What a signature's result means
//
// Each DKIM-Signature is checked in this order; the first problem
// decides: tag syntax (malformed-tag), v=1 (unsupported-version), the
// required tags a, b, bh, d, h, s, a known a= (unsupported-algorithm),
// readable b= and bh=, c= (unsupported-canonicalization), d= and s=
// shaped like domain names, From in h= (from-not-signed), i= at
// or below d= (identity-mismatch), q= including dns/txt
// (unsupported-query-method), l=, t= and x= readable and x= not before
// t= (malformed-tag); then the key: lookup
// (key-not-found, temperror key-unavailable), record syntax, revocation
// (empty p=), k= against a=, the key's h= and s=, t=s; then the body hash
// (fail body-hash-mismatch) and the signature (fail signature-mismatch).
// A selector may have several key observations from different sources:
// each is tried, the first that verifies decides and is named in
// KeySource and KeyFingerprint; if none does, the first one's failure is
// reported.
//
// # Weaknesses
//
// A passing signature is weak when any of these hold: rsa-sha1; an RSA
// key under 1024 or under 2048 bits; l= leaving part of the canonical
// body unsigned (UnsignedBodyBytes; an l= covering the whole body is not
// a weakness, and an l= beyond the body simply covers all of it); a key
// with t=y; a visible field (From, To, Cc, Subject, Date) present more
// often than h= signs it, which includes a From prepended above a signed
// one; a visible field occurring more than once; x= before the as-of
// time; t= more than five minutes after the as-of time (a signer's clock
// or the as-of time is wrong: doubt, not failure, since the cryptography
// holds); d= not sharing the organisational domain (public suffix list)
// of the first From address, the one readers see.
//
// # Verdict
//
// The message verdict is decided by the first rule that applies:
//
//  1. no DKIM-Signature field: [Unsigned];
//  2. a signature passes with no weakness: [Verified];
//  3. a signature passes (all passing ones are weak): [VerifiedWeak];
//  4. a signature failed (fail, or a permerror that is not
//     [Uncheckable]: malformed, from-not-signed, identity-mismatch, key
//     policy violations): [Failed];
//  5. otherwise every signature was uncheckable (no key archived, key
//     lookup failed, key revoked or unreadable, unsupported version,
//     algorithm, canonicalization or query method, too many signatures):
//     [Unverifiable].
//
// A failing signature next to a clean pass does not lower the verdict:
// mailing lists break signatures routinely, and one intact signature
// proves what it covers. Report.BodyBytes and UnsignedBodyBytes let a
// reader see what that is.
//
// # ARC
//
// Report.ARC validates the chain as RFC 8617 5.2: structure (instances
// 1..N with one ARC-Seal, ARC-Message-Signature and
// ARC-Authentication-Results each, N <= 50), cv= (none at i=1, pass
// above, fail at the top fails the chain), the newest AMS and every seal.
// Older AMSes are verified and reported in Sets but do not decide. ARC has
// no weakness list, so it refuses RSA keys under 1024 bits, and a seal or
// newest AMS whose key is not archived fails the chain (ARC.Reason names
// key-not-found). The ValiMail ARC test suite passes.
//
// # Limits
//
// At most [DefaultMaxSignatures] signatures are verified unless
// [Options.MaxSignatures] says otherwise; tag lists hold at most 64 tags,
// h= at most 512 names; a header section beyond 1000 fields or 1 MiB is
// not verified (its signatures get permerror malformed-tag). The body is
// canonicalised as a stream into the hash, once per distinct
// canonicalization, hash and l=, so memory stays within the message
// itself and work is linear in its size.
//
// # Non-goals
//
// No DNS, and no DMARC or SPF evaluation. No DomainKeys (RFC 4870): a
// message carrying only DomainKey-Signature fields is unsigned. No pre-RFC
// 4871 draft signatures (no v=, v=0.5): they get permerror
// unsupported-version. The g= key tag, removed by RFC 6376, is ignored.
// docs/dkim-divergences.md lists where results differ from dkimpy, go-msgauth and
// Mail::DKIM, and why.
package dkim
