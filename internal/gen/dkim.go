package gen

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"math/rand/v2"
	"strings"

	"github.com/newsroom/dossier/internal/dkim"
)

// Signing domains: the generator signs mail from these domains with keys
// derived from the seed (the same seed gives the same keys and bytes), and
// publishes the keys in the manifest. Mail from other domains stays
// unsigned.
var signers = []struct {
	domain, selector, keyType, canon string
}{
	{"en-marche.example", "gen2017", "rsa", "relaxed/relaxed"},
	{"campagne.example", "ed2017", "ed25519", "relaxed/relaxed"},
	{"ministere.example", "mx2016", "rsa", "simple/simple"},
}

// retiredSelector signs messages whose key the manifest does not publish:
// they must come out unverifiable.
const retiredSelector = "retired2015"

// What happens to a signed message, chosen per message.
const (
	signClean     = "verified"      // signed, untouched
	signTampered  = "failed"        // body changed after signing
	signLength    = "verified-weak" // l= and a footer appended after signing
	signForged    = "forged-from"   // an unsigned From: prepended (verified-weak)
	signNoKey     = "unverifiable"  // signed with a retired selector
	signUnsigned  = "unsigned"
	maxDKIMSample = 50
)

// DKIMFacts are the generator's signing facts: the published keys, and
// the expected verdict of every message by count, with a bounded sample
// of Message-IDs for each.
type DKIMFacts struct {
	Keys     []KeyRecord         `json:"keys"`
	Verdicts map[string]int      `json:"verdicts"` // verified, verified-weak, failed, unverifiable, unsigned
	Samples  map[string][]string `json:"samples"`  // verdict -> up to 50 Message-IDs
	// Forged counts the verified-weak messages that carry a prepended,
	// unsigned From: (the others have l= with an unsigned footer).
	Forged int `json:"forged_from"`
}

// KeyRecord is a published DKIM key.
type KeyRecord struct {
	Domain   string `json:"domain"`
	Selector string `json:"selector"`
	Record   string `json:"record"`
}

// WriteZone writes the manifest's DKIM keys as a zone file, for
// `dossier keys import`.
func WriteZone(w io.Writer, m *Manifest) error {
	if m.DKIM == nil {
		return nil
	}
	fmt.Fprintf(w, "; DKIM keys of the synthetic leak generated with seed %d\n", m.Seed)
	for _, k := range m.DKIM.Keys {
		rec := k.Record
		var parts []string
		for len(rec) > 200 {
			parts = append(parts, `"`+rec[:200]+`"`)
			rec = rec[200:]
		}
		parts = append(parts, `"`+rec+`"`)
		if _, err := fmt.Fprintf(w, "%s._domainkey.%s. IN TXT %s\n", k.Selector, k.Domain, strings.Join(parts, " ")); err != nil {
			return err
		}
	}
	return nil
}

type signKey struct {
	domain, selector, canon string
	key                     crypto.Signer
	record                  string
}

// buildKeys derives the signing keys from the seed.
func (g *generator) buildKeys() {
	if g.opts.Signed <= 0 {
		return
	}
	g.keys = map[string]*signKey{}
	for i, s := range signers {
		r := g.rng(saltKeys, uint64(i))
		var k crypto.Signer
		var pub []byte
		switch s.keyType {
		case "ed25519":
			seed := make([]byte, ed25519.SeedSize)
			fill(r, seed)
			priv := ed25519.NewKeyFromSeed(seed)
			k, pub = priv, priv.Public().(ed25519.PublicKey)
		default:
			priv := seededRSA(r, 2048)
			der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
			if err != nil {
				panic(err) // a valid key always marshals
			}
			k, pub = priv, der
		}
		g.keys[s.domain] = &signKey{domain: s.domain, selector: s.selector, canon: s.canon, key: k,
			record: "v=DKIM1; k=" + s.keyType + "; p=" + base64.StdEncoding.EncodeToString(pub)}
	}
}

func fill(r *rand.Rand, b []byte) {
	for i := range b {
		b[i] = byte(r.Uint32())
	}
}

// seededRSA makes an RSA key from r alone, so that a seed always gives the
// same key (crypto/rsa deliberately does not allow that).
func seededRSA(r *rand.Rand, bits int) *rsa.PrivateKey {
	prime := func() *big.Int {
		b := make([]byte, bits/16)
		for {
			fill(r, b)
			b[0] |= 0xc0 // top two bits: the product has exactly bits bits
			b[len(b)-1] |= 1
			if p := new(big.Int).SetBytes(b); p.ProbablyPrime(20) {
				return p
			}
		}
	}
	one := big.NewInt(1)
	for {
		p, q := prime(), prime()
		if p.Cmp(q) == 0 {
			continue
		}
		phi := new(big.Int).Mul(new(big.Int).Sub(p, one), new(big.Int).Sub(q, one))
		d := new(big.Int).ModInverse(big.NewInt(65537), phi)
		if d == nil {
			continue
		}
		k := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: new(big.Int).Mul(p, q), E: 65537}, D: d, Primes: []*big.Int{p, q}}
		k.Precompute()
		if k.Validate() == nil {
			return k
		}
	}
}

// sign signs message m (raw, LF line ends) when its sender's domain signs
// and the dice say so, applying the message's fate, and returns the final
// bytes (in out) and the expected verdict.
func (g *generator) sign(m *rendered, raw, out []byte) ([]byte, string) {
	if g.keys == nil {
		return raw, ""
	}
	at := strings.LastIndexByte(m.from, '@')
	sk := g.keys[m.from[at+1:]]
	r := g.rng(saltSign, uint64(m.idx))
	if sk == nil || r.Float64() >= g.opts.Signed {
		return raw, signUnsigned
	}
	fate := signClean
	// Planted facts (markers, shared attachment, duplicates) keep their
	// exact bytes and headers; only ordinary messages are tampered with.
	if m.role == (role{marker: -1}) {
		switch x := r.IntN(100); {
		case x < 8:
			fate = signTampered
		case x < 16:
			fate = signLength
		case x < 22:
			fate = signForged
		case x < 30:
			fate = signNoKey
		}
	}
	hc, bc, _ := strings.Cut(sk.canon, "/")
	opts := dkim.SignOptions{Domain: sk.domain, Selector: sk.selector, Key: sk.key, HeaderCanon: hc, BodyCanon: bc,
		Timestamp: m.date, BodyLength: fate == signLength}
	if fate == signNoKey {
		opts.Selector = retiredSelector
	}
	field, err := dkim.Sign(raw, opts)
	if err != nil {
		panic(fmt.Sprintf("gen: sign message %d: %v", m.idx, err)) // the generator's own messages always sign
	}
	out = out[:0]
	if fate == signForged {
		out = append(out, "From: \"Direction\" <direction@"+sk.domain+">\n"...)
	}
	out = append(out, field...)
	out = append(out, raw...)
	switch fate {
	case signTampered:
		out = append(out, "\n(Paragraphe ajouté après l'envoi.)\n"...)
	case signLength:
		out = append(out, "\n-- \nPied de page ajouté par un relais, hors signature.\n"...)
	}
	return out, fate
}
