package dkim

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SignOptions configure Sign.
type SignOptions struct {
	Domain   string        // d=
	Selector string        // s=
	Key      crypto.Signer // *rsa.PrivateKey or ed25519.PrivateKey
	// Hash is crypto.SHA256 (the default) or, for RSA only, crypto.SHA1.
	Hash crypto.Hash
	// HeaderCanon and BodyCanon are "simple" or "relaxed" (the default).
	HeaderCanon, BodyCanon string
	// Headers is h=, in order, and must include From. A name may repeat
	// (each instance is signed bottom-up) and may name more instances
	// than present (oversigning). Nil means every instance of the usual
	// fields present in the message: From, To, Cc, Subject, Date,
	// Message-ID, MIME-Version, Content-Type, Reply-To, In-Reply-To,
	// References.
	Headers []string
	// Identity is i=; empty leaves it out.
	Identity string
	// BodyLength adds l= with the length of the canonical body.
	BodyLength bool
	// Timestamp and Expires are t= and x=; zero leaves them out.
	Timestamp, Expires time.Time
}

var defaultSignedHeaders = []string{"From", "To", "Cc", "Subject", "Date", "Message-ID",
	"MIME-Version", "Content-Type", "Reply-To", "In-Reply-To", "References"}

// Sign signs raw (RFC 5322, LF or CRLF line ends) and returns the
// DKIM-Signature header field, ending with a line break in the style of
// raw (CRLF unless raw has only bare LFs). Prepend it to raw:
//
//	field, err := dkim.Sign(raw, opts)
//	signed := append(field, raw...)
//
// Sign exists for test fixtures and the corpus generator; it refuses
// nothing the verifier would report as weak (SHA-1, l=, short keys), but
// crypto/rsa refuses keys under 1024 bits unless GODEBUG=rsa1024min=0.
func Sign(raw []byte, o SignOptions) ([]byte, error) {
	alg, err := signAlgorithm(o.Key, o.Hash)
	if err != nil {
		return nil, fmt.Errorf("dkim sign: %w", err)
	}
	hc, bc := o.HeaderCanon, o.BodyCanon
	if hc == "" {
		hc = "relaxed"
	}
	if bc == "" {
		bc = "relaxed"
	}
	hr, ok1 := canonName(hc)
	br, ok2 := canonName(bc)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("dkim sign: canonicalization %s/%s", hc, bc)
	}
	if o.Domain == "" || o.Selector == "" {
		return nil, errors.New("dkim sign: domain and selector are required")
	}
	m := parseMessage(raw)
	if m.tooBig {
		return nil, errors.New("dkim sign: header section too large")
	}
	headers := o.Headers
	if headers == nil {
		for _, name := range defaultSignedHeaders {
			for range m.count(strings.ToLower(name)) {
				headers = append(headers, name)
			}
		}
	}
	if !containsFold(headers, "from") {
		return nil, errors.New("dkim sign: h= must include From")
	}

	bh := alg.hash.New()
	n := canonBody(bh, m.body, br, -1)

	nl := "\r\n"
	if !bytes.Contains(raw, []byte("\r\n")) && bytes.Contains(raw, []byte("\n")) {
		nl = "\n"
	}
	var f strings.Builder
	fmt.Fprintf(&f, "DKIM-Signature: v=1; a=%s; c=%s/%s; d=%s; s=%s;", alg.name, hc, bc, o.Domain, o.Selector)
	if !o.Timestamp.IsZero() {
		fmt.Fprintf(&f, " t=%d;", o.Timestamp.Unix())
	}
	if !o.Expires.IsZero() {
		fmt.Fprintf(&f, " x=%d;", o.Expires.Unix())
	}
	if o.Identity != "" {
		fmt.Fprintf(&f, " i=%s;", o.Identity)
	}
	if o.BodyLength {
		fmt.Fprintf(&f, " l=%s;", strconv.FormatInt(n, 10))
	}
	fmt.Fprintf(&f, "%s\th=%s;%s\tbh=%s;%s\tb=", nl, strings.Join(headers, ":"), nl,
		base64.StdEncoding.EncodeToString(bh.Sum(nil)), nl)
	unsigned := []byte(f.String())

	h := alg.hash.New()
	headerHash(h, m.selectFields(headers), unsigned, hr)
	var sig []byte
	if alg.keyType == "ed25519" {
		sig, err = o.Key.Sign(nil, h.Sum(nil), crypto.Hash(0))
	} else {
		sig, err = o.Key.Sign(rand.Reader, h.Sum(nil), alg.hash)
	}
	if err != nil {
		return nil, fmt.Errorf("dkim sign: %w", err)
	}
	b := base64.StdEncoding.EncodeToString(sig)
	for len(b) > 72 {
		f.WriteString(b[:72])
		f.WriteString(nl + "\t ")
		b = b[72:]
	}
	f.WriteString(b)
	f.WriteString(nl)
	return []byte(f.String()), nil
}

func signAlgorithm(k crypto.Signer, h crypto.Hash) (algorithm, error) {
	if h == 0 {
		h = crypto.SHA256
	}
	switch k.(type) {
	case *rsa.PrivateKey:
		switch h {
		case crypto.SHA256:
			return algorithms["rsa-sha256"], nil
		case crypto.SHA1:
			return algorithms["rsa-sha1"], nil
		}
		return algorithm{}, fmt.Errorf("unsupported hash %v", h)
	case ed25519.PrivateKey:
		if h != crypto.SHA256 {
			return algorithm{}, errors.New("ed25519 signs SHA-256 only")
		}
		return algorithms["ed25519-sha256"], nil
	}
	return algorithm{}, fmt.Errorf("unsupported key %T", k)
}

// PublicKeyRecord returns the key record to publish for pub
// (*rsa.PublicKey as SubjectPublicKeyInfo, or ed25519.PublicKey raw):
// "v=DKIM1; k=rsa; p=MIIB...".
func PublicKeyRecord(pub crypto.PublicKey) (string, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			return "", err
		}
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der), nil
	case ed25519.PublicKey:
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(k), nil
	}
	return "", fmt.Errorf("dkim: unsupported public key %T", pub)
}
