//go:debug rsa1024min=0

package dkim

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"sync"
	"testing"
	"time"
)

// The go:debug line above lets crypto/rsa generate and sign with the
// 512-bit test key; verification of short keys does not depend on it.

// testKeySet holds fresh keys, generated once per test binary.
type testKeySet struct {
	rsa2048, rsa2048b, rsa1024, rsa512 *rsa.PrivateKey
	ed                                 ed25519.PrivateKey
}

var (
	keysOnce sync.Once
	keySet   testKeySet
)

func testKeys(t testing.TB) *testKeySet {
	t.Helper()
	keysOnce.Do(func() {
		gen := func(bits int) *rsa.PrivateKey {
			k, err := rsa.GenerateKey(rand.Reader, bits)
			if err != nil {
				panic(err)
			}
			return k
		}
		keySet.rsa2048, keySet.rsa2048b = gen(2048), gen(2048)
		keySet.rsa1024, keySet.rsa512 = gen(1024), gen(512)
		_, keySet.ed, _ = ed25519.GenerateKey(rand.Reader)
	})
	return &keySet
}

// fixtureDomain is where the fixture keys are published.
const fixtureDomain = "example.com"

// fixture signs messages with fresh keys published in a MemKeys under
// example.com: selectors rsa2048, rsa1024, rsa512, ed, revoked (p=
// empty), wrong (rsa2048b's record, for a message signed with rsa2048),
// sha1only (rsa2048 with h=sha1), temp (lookup fails temporarily).
type fixture struct {
	keys *testKeySet
	mem  *MemKeys
	// records is what each selector publishes, for the differential
	// oracles.
	records map[string]string
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	k := testKeys(t)
	f := &fixture{keys: k, mem: &MemKeys{}, records: make(map[string]string)}
	publish := func(sel string, pub any, extra string) {
		rec, err := PublicKeyRecord(pub)
		if err != nil {
			t.Fatal(err)
		}
		f.publish(sel, rec+extra)
	}
	publish("rsa2048", &k.rsa2048.PublicKey, "")
	publish("rsa1024", &k.rsa1024.PublicKey, "")
	publish("rsa512", &k.rsa512.PublicKey, "")
	publish("ed", k.ed.Public(), "")
	publish("wrong", &k.rsa2048b.PublicKey, "")
	publish("sha1only", &k.rsa2048.PublicKey, "; h=sha1")
	publish("testing", &k.rsa2048.PublicKey, "; t=y")
	f.publish("revoked", "v=DKIM1; k=rsa; p=")
	f.mem.FailTemporarily("temp._domainkey." + fixtureDomain)
	return f
}

func (f *fixture) publish(sel, rec string) {
	f.records[sel+"._domainkey."+fixtureDomain] = rec
	f.mem.Add(Key{Domain: fixtureDomain, Selector: sel, Record: rec, Source: "test"})
}

// signer returns the private key for a selector.
func (f *fixture) signer(sel string) crypto.Signer {
	switch sel {
	case "rsa1024":
		return f.keys.rsa1024
	case "rsa512":
		return f.keys.rsa512
	case "ed":
		return f.keys.ed
	}
	return f.keys.rsa2048
}

// sign prepends a DKIM-Signature to raw. o.Selector defaults to rsa2048,
// o.Domain to example.com, o.Key to the selector's key.
func (f *fixture) sign(t testing.TB, raw []byte, o SignOptions) []byte {
	t.Helper()
	if o.Selector == "" {
		o.Selector = "rsa2048"
	}
	if o.Domain == "" {
		o.Domain = fixtureDomain
	}
	if o.Key == nil {
		o.Key = f.signer(o.Selector)
	}
	field, err := Sign(raw, o)
	if err != nil {
		t.Fatal(err)
	}
	return append(field, raw...)
}

func (f *fixture) verify(t testing.TB, raw []byte, asOf time.Time) *Report {
	t.Helper()
	rep, err := Verify(context.Background(), raw, Options{Keys: f.mem, AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// fixtureNow is the as-of time of fixture verifications.
var fixtureNow = time.Date(2023, 1, 2, 12, 0, 0, 0, time.UTC)

// crlfMsg joins lines with CRLF, ending with one.
func crlfMsg(lines ...string) []byte { return []byte(strings.Join(lines, "\r\n") + "\r\n") }

// baseMsg is a plain message from example.com with the five visible
// headers, a folded Subject and body white space that relaxed
// canonicalization changes.
func baseMsg() []byte {
	return crlfMsg(
		"Received: from mail.example.com by mx.example.org; Mon, 2 Jan 2023 10:00:01 +0000",
		"From: Alice Example <alice@example.com>",
		"To: Bob <bob@example.org>",
		"Cc: carol@example.net",
		"Subject: Quarterly  figures,",
		"\tas promised",
		"Date: Mon, 2 Jan 2023 10:00:00 +0000",
		"Message-ID: <q1@example.com>",
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=utf-8",
		"",
		"Hello Bob,  ",
		"here are the\t figures:",
		"",
		"  revenue 12",
		"  costs   7",
		"",
		"Alice",
	)
}

// toLF turns CRLF into LF.
func toLF(b []byte) []byte { return []byte(strings.ReplaceAll(string(b), "\r\n", "\n")) }
