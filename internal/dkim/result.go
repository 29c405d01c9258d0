package dkim

import "time"

// Result is one signature's outcome, in RFC 8601 words.
type Result string

const (
	Pass      Result = "pass"
	Fail      Result = "fail"      // the signature or body hash does not verify
	PermError Result = "permerror" // the signature cannot be checked: malformed, unsupported, no key, revoked
	TempError Result = "temperror" // a key lookup failed in a way that may succeed later
)

// Reason is a machine-readable reason for a result other than pass.
type Reason string

const (
	ReasonBodyHash        Reason = "body-hash-mismatch"
	ReasonSignature       Reason = "signature-mismatch"
	ReasonKeyNotFound     Reason = "key-not-found"   // no record archived for selector._domainkey.domain
	ReasonKeyUnavailable  Reason = "key-unavailable" // lookup failed temporarily (temperror)
	ReasonKeyRevoked      Reason = "key-revoked"     // p= is empty
	ReasonKeySyntax       Reason = "key-syntax"      // the key record or key data cannot be parsed
	ReasonKeyMismatch     Reason = "key-type-mismatch"
	ReasonHashNotAllowed  Reason = "hash-not-allowed" // the key's h= excludes the signature's hash
	ReasonMalformed       Reason = "malformed-tag"    // a required tag is missing or a tag is invalid
	ReasonVersion         Reason = "unsupported-version"
	ReasonAlgorithm       Reason = "unsupported-algorithm"
	ReasonCanonicalize    Reason = "unsupported-canonicalization"
	ReasonFromNotSigned   Reason = "from-not-signed"   // h= does not include From (RFC 6376 5.4)
	ReasonIdentity        Reason = "identity-mismatch" // i= is not d= or a subdomain of it
	ReasonFutureTimestamp Reason = "timestamp-in-future"
	ReasonTooMany         Reason = "too-many-signatures"
	ReasonServiceType     Reason = "key-service-type"         // the key's s= excludes email
	ReasonStrictSubdomain Reason = "key-no-subdomains"        // key t=s and i= is a subdomain of d=
	ReasonQueryMethod     Reason = "unsupported-query-method" // q= does not include dns/txt
	ReasonKeyTooShort     Reason = "key-too-short"            // ARC only: RSA key under 1024 bits
)

// Weakness codes on a signature. Weaknesses never change a pass into
// something else; they turn a message's verdict from verified into
// verified-weak and are shown to readers.
const (
	WeakSHA1            = "rsa-sha1"           // SHA-1 is broken for collisions
	WeakKeyUnder1024    = "rsa-key-under-1024" // factorable today: a pass proves little
	WeakKeyUnder2048    = "rsa-key-under-2048"
	WeakBodyLength      = "body-length-limit" // l= leaves UnsignedBodyBytes unsigned
	WeakTestingKey      = "key-testing"       // key record t=y
	WeakUnsignedHeader  = "unsigned-header"   // a visible header is not covered; see UnsignedHeaders
	WeakRepeatedHeader  = "repeated-header"   // a visible header occurs more than once; see RepeatedHeaders
	WeakExpired         = "expired"           // x= is before the as-of time (the signature still verifies)
	WeakNotAligned      = "not-aligned"       // d= is not the From domain's organisational domain
	WeakKeySourceTested = "key-unverified-source"
	// WeakFutureTimestamp: t= lies more than five minutes after the as-of
	// time. The signature still verifies; either the signer's clock or the
	// as-of time is wrong, so the date the message claims deserves doubt.
	WeakFutureTimestamp = "timestamp-in-future"
)

// Verdict is the message-level verdict for humans.
type Verdict string

const (
	Verified     Verdict = "verified"      // at least one aligned signature passes with no weakness
	VerifiedWeak Verdict = "verified-weak" // a signature passes, but with weaknesses or not aligned
	Failed       Verdict = "failed"        // signatures were checked and none passes
	Unverifiable Verdict = "unverifiable"  // no signature could be checked (no key, unsupported, temperror)
	Unsigned     Verdict = "unsigned"      // no DKIM-Signature header
)

// Signature is the verification of one DKIM-Signature header. Its JSON
// form is part of `dossier verify --json` and of the stored verdicts.
type Signature struct {
	Domain    string `json:"domain"`
	Selector  string `json:"selector"`
	Algorithm string `json:"algorithm"`        // a= as written, lowercased
	Canon     string `json:"canonicalization"` // c=, e.g. "relaxed/simple"
	Identity  string `json:"identity,omitempty"`
	KeyType   string `json:"key_type,omitempty"` // "rsa" or "ed25519"
	KeyBits   int    `json:"key_bits,omitempty"`

	Result Result `json:"result"`
	Reason Reason `json:"reason,omitempty"`
	Detail string `json:"detail,omitempty"` // human-readable evidence for the reason

	Weak            []string `json:"weak"`
	SignedHeaders   []string `json:"signed_headers"`             // h= as written, in order
	UnsignedHeaders []string `json:"unsigned_headers,omitempty"` // visible headers present but not covered
	RepeatedHeaders []string `json:"repeated_headers,omitempty"` // visible headers occurring more than once

	// BodyLength is l= when present. UnsignedBodyBytes is how many bytes
	// of the canonicalised body lie after it, not covered by the
	// signature (0 without l=).
	BodyLength        *int64 `json:"body_length"`
	UnsignedBodyBytes int64  `json:"unsigned_body_bytes"`

	Timestamp *time.Time `json:"timestamp"` // t=
	Expires   *time.Time `json:"expires"`   // x=
	Expired   bool       `json:"expired"`   // x= is before the as-of time

	// Aligned reports whether d= shares the From address's organisational
	// domain (public suffix list).
	Aligned bool `json:"aligned"`

	// KeySource and KeyFingerprint name the key observation that decided
	// the result (fingerprint: hex SHA-256 of the key's DER bytes).
	KeySource      string `json:"key_source,omitempty"`
	KeyFingerprint string `json:"key_fingerprint,omitempty"`
}

// ARC is the result of validating a message's ARC chain (RFC 8617).
type ARC struct {
	// Result is the chain validation status: "none" (no ARC headers),
	// "pass" or "fail".
	Result string `json:"result"`
	Reason string `json:"reason,omitempty"`
	// Instances is the number of ARC sets found.
	Instances int      `json:"instances"`
	Sets      []ARCSet `json:"sets,omitempty"`
}

// ARCSet is one ARC instance as verified.
type ARCSet struct {
	Instance int    `json:"instance"`
	Domain   string `json:"domain"`   // of the ARC-Seal
	Selector string `json:"selector"` // of the ARC-Seal
	CV       string `json:"cv"`       // cv= as written in the seal
	Seal     Result `json:"seal"`     // the ARC-Seal's own verification
	Message  Result `json:"message"`  // the ARC-Message-Signature's verification
	Reason   Reason `json:"reason,omitempty"`
}

// Report is the verification of one message.
type Report struct {
	Verdict    Verdict     `json:"verdict"`
	AsOf       time.Time   `json:"as_of,omitzero"`
	FromDomain string      `json:"from_domain,omitempty"`
	Signatures []Signature `json:"signatures"`
	ARC        *ARC        `json:"arc,omitempty"`
	// BodyBytes is the length of the canonicalised body under the first
	// signature's body canonicalisation, for showing which tail of the
	// body no signature covers; 0 for unsigned mail.
	BodyBytes int64 `json:"body_bytes"`
}
