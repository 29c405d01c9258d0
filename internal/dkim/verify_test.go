package dkim

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSignVerifyMatrix(t *testing.T) {
	f := newFixture(t)
	for _, alg := range []struct {
		name, sel string
		hash      crypto.Hash
		weak      []string
	}{
		{"rsa-sha256", "rsa2048", crypto.SHA256, nil},
		{"rsa-sha1", "rsa2048", crypto.SHA1, []string{WeakSHA1}},
		{"ed25519-sha256", "ed", crypto.SHA256, nil},
	} {
		for _, hc := range []string{"simple", "relaxed"} {
			for _, bc := range []string{"simple", "relaxed"} {
				for _, lf := range []bool{false, true} {
					name := fmt.Sprintf("%s/%s-%s/lf=%v", alg.name, hc, bc, lf)
					t.Run(name, func(t *testing.T) {
						raw := baseMsg()
						if lf {
							raw = toLF(raw)
						}
						signed := f.sign(t, raw, SignOptions{Selector: alg.sel, Hash: alg.hash, HeaderCanon: hc, BodyCanon: bc})
						rep := f.verify(t, signed, fixtureNow)
						s := rep.Signatures[0]
						if s.Result != Pass {
							t.Fatalf("%s %s: %s", s.Result, s.Reason, s.Detail)
						}
						if s.Algorithm != alg.name || s.Canon != hc+"/"+bc || s.Domain != fixtureDomain {
							t.Errorf("described as %s %s %s", s.Algorithm, s.Canon, s.Domain)
						}
						if !slices.Equal(s.Weak, alg.weak) && !(len(s.Weak) == 0 && alg.weak == nil) {
							t.Errorf("weak %v, want %v", s.Weak, alg.weak)
						}
						want := Verified
						if alg.weak != nil {
							want = VerifiedWeak
						}
						if rep.Verdict != want {
							t.Errorf("verdict %s, want %s", rep.Verdict, want)
						}
						if !s.Aligned || rep.FromDomain != "example.com" {
							t.Errorf("aligned=%v from=%q", s.Aligned, rep.FromDomain)
						}
					})
				}
			}
		}
	}
}

// TestLineEndings: the same message with LF or CRLF line ends, signed in
// either form, verifies to the same report.
func TestLineEndings(t *testing.T) {
	f := newFixture(t)
	for _, c := range []string{"simple/simple", "relaxed/relaxed"} {
		hc, bc, _ := strings.Cut(c, "/")
		signed := f.sign(t, baseMsg(), SignOptions{HeaderCanon: hc, BodyCanon: bc})
		a := f.verify(t, signed, fixtureNow)
		b := f.verify(t, toLF(signed), fixtureNow)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: CRLF %+v\nLF %+v", c, a.Signatures, b.Signatures)
		}
		if a.Verdict != Verified {
			t.Errorf("%s: verdict %s", c, a.Verdict)
		}
		signedLF := f.sign(t, toLF(baseMsg()), SignOptions{HeaderCanon: hc, BodyCanon: bc})
		if bytes.Contains(signedLF, []byte("\r")) {
			t.Errorf("%s: signing an LF message added CR", c)
		}
		if r := f.verify(t, []byte(strings.ReplaceAll(string(signedLF), "\n", "\r\n")), fixtureNow); r.Verdict != Verified {
			t.Errorf("%s: LF-signed message as CRLF: %s", c, r.Verdict)
		}
	}
}

func TestMultipleSignatures(t *testing.T) {
	f := newFixture(t)
	signed := f.sign(t, baseMsg(), SignOptions{Selector: "rsa2048"})
	signed = f.sign(t, signed, SignOptions{Selector: "ed", HeaderCanon: "simple"})
	signed = f.sign(t, signed, SignOptions{Selector: "rsa1024", Domain: "example.net"})
	rep := f.verify(t, signed, fixtureNow)
	var got []string
	for _, s := range rep.Signatures {
		got = append(got, s.Selector+"="+sigOutcome(s))
	}
	// The top signature is example.net's, whose key is not published.
	want := []string{"rsa1024=permerror/key-not-found", "ed=pass", "rsa2048=pass"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if rep.Verdict != Verified {
		t.Errorf("verdict %s", rep.Verdict)
	}
}

func TestBodyLength(t *testing.T) {
	f := newFixture(t)
	for _, bc := range []string{"simple", "relaxed"} {
		signed := f.sign(t, baseMsg(), SignOptions{BodyLength: true, BodyCanon: bc})
		rep := f.verify(t, signed, fixtureNow)
		s := rep.Signatures[0]
		if s.Result != Pass || s.BodyLength == nil || *s.BodyLength != rep.BodyBytes || s.UnsignedBodyBytes != 0 || len(s.Weak) != 0 {
			t.Errorf("%s, unmodified: %s l=%v unsigned=%d weak=%v body=%d", bc, s.Result, s.BodyLength, s.UnsignedBodyBytes, s.Weak, rep.BodyBytes)
		}
		tail := "\r\nP.S. The real figures are at http://evil.example/\r\n"
		rep = f.verify(t, append(signed, tail...), fixtureNow)
		s = rep.Signatures[0]
		if s.Result != Pass {
			t.Fatalf("%s, appended: %s %s", bc, s.Result, s.Detail)
		}
		if s.UnsignedBodyBytes != int64(len(tail)) || !slices.Equal(s.Weak, []string{WeakBodyLength}) || rep.Verdict != VerifiedWeak {
			t.Errorf("%s, appended: unsigned=%d weak=%v verdict=%s, want %d bytes, body-length-limit, verified-weak",
				bc, s.UnsignedBodyBytes, s.Weak, rep.Verdict, len(tail))
		}
		if rep.BodyBytes != *s.BodyLength+int64(len(tail)) {
			t.Errorf("BodyBytes %d, want %d", rep.BodyBytes, *s.BodyLength+int64(len(tail)))
		}
	}
}

func TestExpiryAndFuture(t *testing.T) {
	f := newFixture(t)
	signTime := time.Date(2023, 1, 2, 10, 0, 0, 0, time.UTC)
	signed := f.sign(t, baseMsg(), SignOptions{Timestamp: signTime, Expires: signTime.Add(24 * time.Hour)})

	rep := f.verify(t, signed, signTime.Add(time.Hour))
	if s := rep.Signatures[0]; s.Result != Pass || s.Expired || rep.Verdict != Verified {
		t.Errorf("before x=: %s expired=%v verdict=%s", s.Result, s.Expired, rep.Verdict)
	}
	rep = f.verify(t, signed, signTime.Add(48*time.Hour))
	s := rep.Signatures[0]
	if s.Result != Pass || !s.Expired || !slices.Equal(s.Weak, []string{WeakExpired}) || rep.Verdict != VerifiedWeak {
		t.Errorf("after x=: %s expired=%v weak=%v verdict=%s", s.Result, s.Expired, s.Weak, rep.Verdict)
	}
	if s.Expires == nil || !s.Expires.Equal(signTime.Add(24*time.Hour)) || s.Timestamp == nil || !s.Timestamp.Equal(signTime) {
		t.Errorf("t=%v x=%v", s.Timestamp, s.Expires)
	}
	// t= a minute ahead is clock drift; an hour ahead is a weakness.
	if rep := f.verify(t, signed, signTime.Add(-time.Minute)); len(rep.Signatures[0].Weak) != 0 {
		t.Errorf("t= a minute ahead: weak %v", rep.Signatures[0].Weak)
	}
	rep = f.verify(t, signed, signTime.Add(-time.Hour))
	if s := rep.Signatures[0]; s.Result != Pass || !slices.Equal(s.Weak, []string{WeakFutureTimestamp}) {
		t.Errorf("t= an hour ahead: %s weak %v", s.Result, s.Weak)
	}
	// x= before t= is malformed.
	bad := f.sign(t, baseMsg(), SignOptions{Timestamp: signTime, Expires: signTime.Add(-time.Hour)})
	if s := f.verify(t, bad, fixtureNow).Signatures[0]; s.Result != PermError || s.Reason != ReasonMalformed {
		t.Errorf("x= before t=: %s %s", s.Result, s.Reason)
	}
}

func TestKeyProblems(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		sel     string // selector written in the signature
		signer  string // key actually used
		hash    crypto.Hash
		result  Result
		reason  Reason
		verdict Verdict
		weak    []string
		bits    int
	}{
		{"revoked", "rsa2048", 0, PermError, ReasonKeyRevoked, Unverifiable, nil, 0},
		{"wrong", "rsa2048", 0, Fail, ReasonSignature, Failed, nil, 2048},
		{"nosuch", "rsa2048", 0, PermError, ReasonKeyNotFound, Unverifiable, nil, 0},
		{"temp", "rsa2048", 0, TempError, ReasonKeyUnavailable, Unverifiable, nil, 0},
		{"sha1only", "rsa2048", 0, PermError, ReasonHashNotAllowed, Failed, nil, 2048},
		{"sha1only", "rsa2048", crypto.SHA1, Pass, "", VerifiedWeak, []string{WeakSHA1}, 2048},
		{"ed", "rsa2048", 0, PermError, ReasonKeyMismatch, Unverifiable, nil, 256},
		{"rsa1024", "rsa1024", 0, Pass, "", VerifiedWeak, []string{WeakKeyUnder2048}, 1024},
		{"rsa512", "rsa512", 0, Pass, "", VerifiedWeak, []string{WeakKeyUnder1024}, 512},
		{"rsa512", "rsa512", crypto.SHA1, Pass, "", VerifiedWeak, []string{WeakSHA1, WeakKeyUnder1024}, 512},
		{"testing", "rsa2048", 0, Pass, "", VerifiedWeak, []string{WeakTestingKey}, 2048},
	} {
		t.Run(c.sel+"/"+c.signer+"/"+c.hash.String(), func(t *testing.T) {
			field, err := Sign(baseMsg(), SignOptions{Domain: fixtureDomain, Selector: c.sel, Key: f.signer(c.signer), Hash: c.hash})
			if err != nil {
				t.Fatal(err)
			}
			rep := f.verify(t, append(field, baseMsg()...), fixtureNow)
			s := rep.Signatures[0]
			if s.Result != c.result || s.Reason != c.reason || rep.Verdict != c.verdict {
				t.Errorf("got %s %s (%s) verdict %s, want %s %s verdict %s", s.Result, s.Reason, s.Detail, rep.Verdict, c.result, c.reason, c.verdict)
			}
			if c.result == Pass && !slices.Equal(s.Weak, c.weak) {
				t.Errorf("weak %v, want %v", s.Weak, c.weak)
			}
			if s.KeyBits != c.bits {
				t.Errorf("KeyBits %d, want %d", s.KeyBits, c.bits)
			}
			if (s.Result == Pass) != (s.KeyFingerprint != "") {
				t.Errorf("fingerprint %q with result %s", s.KeyFingerprint, s.Result)
			}
		})
	}
}

// TestKeyObservations: every observation is tried; the first that
// verifies decides; if none does, the first one's failure is reported.
func TestKeyObservations(t *testing.T) {
	k := testKeys(t)
	good, _ := PublicKeyRecord(&k.rsa2048.PublicKey)
	other, _ := PublicKeyRecord(&k.rsa2048b.PublicKey)
	signed := append(mustSign(t, baseMsg(), SignOptions{Domain: "example.com", Selector: "s", Key: k.rsa2048}), baseMsg()...)
	verify := func(recs ...Key) Signature {
		mem := &MemKeys{}
		mem.Add(recs...)
		rep, err := Verify(context.Background(), signed, Options{Keys: mem, AsOf: fixtureNow})
		if err != nil {
			t.Fatal(err)
		}
		return rep.Signatures[0]
	}
	obs := func(src, rec string) Key { return Key{Domain: "example.com", Selector: "s", Record: rec, Source: src} }

	s := verify(obs("dns-2019", "v=DKIM1; p="), obs("zk-email", other), obs("zone", good))
	if s.Result != Pass || s.KeySource != "zone" {
		t.Errorf("got %s from %q, want pass from zone", s.Result, s.KeySource)
	}
	rec, _ := ParseKeyRecord(good)
	if s.KeyFingerprint != rec.Fingerprint {
		t.Errorf("fingerprint %s, want %s", s.KeyFingerprint, rec.Fingerprint)
	}
	s = verify(obs("dns-2019", "v=DKIM1; p="), obs("zk-email", other))
	if s.Result != PermError || s.Reason != ReasonKeyRevoked || !strings.Contains(s.Detail, "dns-2019") {
		t.Errorf("got %s %s %q, want the first observation's key-revoked", s.Result, s.Reason, s.Detail)
	}
}

func mustSign(t testing.TB, raw []byte, o SignOptions) []byte {
	t.Helper()
	field, err := Sign(raw, o)
	if err != nil {
		t.Fatal(err)
	}
	return field
}

// TestPrependedFrom: a From added above a signed one must never read as
// a clean pass; oversigning From makes the signature fail instead.
func TestPrependedFrom(t *testing.T) {
	f := newFixture(t)
	evil := "From: Alice Example <alice@evil.example>\r\n"

	signed := f.sign(t, baseMsg(), SignOptions{})
	rep := f.verify(t, append([]byte(evil), signed...), fixtureNow)
	s := rep.Signatures[0]
	if s.Result != Pass {
		t.Fatalf("%s %s", s.Result, s.Detail)
	}
	if rep.Verdict != VerifiedWeak {
		t.Errorf("verdict %s, want verified-weak", rep.Verdict)
	}
	if !slices.Contains(s.UnsignedHeaders, "From") || !slices.Contains(s.RepeatedHeaders, "From") ||
		!slices.Contains(s.Weak, WeakUnsignedHeader) || !slices.Contains(s.Weak, WeakRepeatedHeader) {
		t.Errorf("unsigned %v repeated %v weak %v", s.UnsignedHeaders, s.RepeatedHeaders, s.Weak)
	}
	if rep.FromDomain != "evil.example" || s.Aligned {
		t.Errorf("FromDomain %q aligned %v: the reader sees the top From", rep.FromDomain, s.Aligned)
	}

	// Oversigned: h= names From twice, so the signer vouched that there
	// is exactly one.
	headers := []string{"From", "From", "To", "Cc", "Subject", "Date", "Message-ID"}
	signed = f.sign(t, baseMsg(), SignOptions{Headers: headers})
	if rep := f.verify(t, signed, fixtureNow); rep.Verdict != Verified {
		t.Errorf("oversigned, untouched: %s %+v", rep.Verdict, rep.Signatures[0])
	}
	rep = f.verify(t, append([]byte(evil), signed...), fixtureNow)
	if s := rep.Signatures[0]; s.Result != Fail || s.Reason != ReasonSignature || rep.Verdict != Failed {
		t.Errorf("oversigned, From prepended: %s %s verdict %s, want fail signature-mismatch", s.Result, s.Reason, rep.Verdict)
	}
	// A second Subject appended below the signed one is not covered
	// either: h= selects bottom-up, so the signed Subject is now the new
	// one and the signature fails.
	m := bytes.Replace(f.sign(t, baseMsg(), SignOptions{}), []byte("\r\nMIME-Version: 1.0"), []byte("\r\nSubject: new\r\nMIME-Version: 1.0"), 1)
	if s := f.verify(t, m, fixtureNow).Signatures[0]; s.Result != Fail {
		t.Errorf("appended Subject: %s, want fail", s.Result)
	}
}

func TestUnsignedVisibleHeaders(t *testing.T) {
	f := newFixture(t)
	signed := f.sign(t, baseMsg(), SignOptions{Headers: []string{"From", "Subject", "Date"}})
	s := f.verify(t, signed, fixtureNow).Signatures[0]
	if s.Result != Pass || !slices.Equal(s.UnsignedHeaders, []string{"To", "Cc"}) || !slices.Equal(s.Weak, []string{WeakUnsignedHeader}) {
		t.Errorf("%s unsigned %v weak %v", s.Result, s.UnsignedHeaders, s.Weak)
	}
}

func TestAlignment(t *testing.T) {
	for _, c := range []struct {
		d, from string
		want    bool
	}{
		{"example.com", "example.com", true},
		{"mail.example.com", "example.com", true},
		{"example.com", "news.example.com", true},
		{"Example.COM", "example.com", true},
		{"example.net", "example.com", false},
		{"example.co.uk", "other.co.uk", false},
		{"a.example.co.uk", "b.example.co.uk", true},
		{"co.uk", "co.uk", true},
		{"", "example.com", false},
		{"example.com", "", false},
	} {
		if got := aligned(c.d, c.from); got != c.want {
			t.Errorf("aligned(%q, %q) = %v", c.d, c.from, got)
		}
	}
	f := newFixture(t)
	field, _ := Sign(baseMsg(), SignOptions{Domain: "example.net", Selector: "rsa2048", Key: f.keys.rsa2048})
	f.mem.Add(Key{Domain: "example.net", Selector: "rsa2048", Record: f.records["rsa2048._domainkey.example.com"], Source: "test"})
	s := f.verify(t, append(field, baseMsg()...), fixtureNow).Signatures[0]
	if s.Result != Pass || s.Aligned || !slices.Equal(s.Weak, []string{WeakNotAligned}) {
		t.Errorf("d=example.net for From example.com: %s aligned=%v weak=%v", s.Result, s.Aligned, s.Weak)
	}
}

func TestFromDomain(t *testing.T) {
	for in, want := range map[string]string{
		"From: a@Example.COM":                          "example.com",
		"From: \"x@evil.example\" <real@good.example>": "good.example",
		"From: =?x-unknown?q?caf=E9?= <a@b.example>":   "b.example",
		"From: bob@b.example, carol@c.example":         "b.example",
		"From: broken <<a@b.example>":                  "b.example",
		"From: nobody":                                 "",
		"To: a@b.example":                              "",
	} {
		if got := fromDomain(parseMessage([]byte(in + "\r\n\r\nbody\r\n"))); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

func TestSignatureSyntax(t *testing.T) {
	f := newFixture(t)
	base := string(f.sign(t, baseMsg(), SignOptions{}))
	for _, c := range []struct {
		name, old, new string
		result         Result
		reason         Reason
	}{
		{"duplicate tag", "v=1;", "v=1; v=1;", PermError, ReasonMalformed},
		{"empty tag-spec", "v=1;", "v=1;;", PermError, ReasonMalformed},
		{"bad tag name", "v=1;", "v=1; 9x=1;", PermError, ReasonMalformed},
		{"no v", "v=1; ", "", PermError, ReasonVersion},
		{"v=2", "v=1;", "v=2;", PermError, ReasonVersion},
		{"unknown a", "a=rsa-sha256", "a=rsa-md5", PermError, ReasonAlgorithm},
		{"unknown c", "c=relaxed/relaxed", "c=relaxed/fancy", PermError, ReasonCanonicalize},
		{"q", "v=1;", "v=1; q=http/well-known;", PermError, ReasonQueryMethod},
		{"q ok", "v=1;", "v=1; q=dns/txt;", Fail, ReasonSignature},
		{"i outside d", "v=1;", "v=1; i=alice@example.org;", PermError, ReasonIdentity},
		{"i below d", "v=1;", "v=1; i=alice@mail.example.com;", Fail, ReasonSignature},
		{"no From in h", "h=From:", "h=", PermError, ReasonFromNotSigned},
		{"no bh", "bh=", "xh=", PermError, ReasonMalformed},
		{"bad l", "v=1;", "v=1; l=-1;", PermError, ReasonMalformed},
		{"bad t", "v=1;", "v=1; t=soon;", PermError, ReasonMalformed},
		{"13-digit t", "v=1;", "v=1; t=1234567890123;", PermError, ReasonMalformed},
		{"bad d", "d=example.com", "d=exa mple.com", PermError, ReasonMalformed},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(base, c.old) {
				t.Fatalf("fixture lacks %q", c.old)
			}
			rep := f.verify(t, []byte(strings.Replace(base, c.old, c.new, 1)), fixtureNow)
			s := rep.Signatures[0]
			if s.Result != c.result || s.Reason != c.reason {
				t.Errorf("got %s %s (%s), want %s %s", s.Result, s.Reason, s.Detail, c.result, c.reason)
			}
		})
	}
}

// TestRelaxedTolerance: what relaxed canonicalization forgives and simple
// does not.
func TestRelaxedTolerance(t *testing.T) {
	f := newFixture(t)
	mutations := []struct {
		name       string
		mutate     func(string) string
		relaxedOK  bool // with relaxed/relaxed
		simpleOK   bool // with simple/simple
		headerOnly bool // relaxed header/simple body would also pass
	}{
		{"refold subject", func(s string) string {
			return strings.Replace(s, "Subject: Quarterly  figures,\r\n\tas promised", "Subject:   Quarterly figures,   as\r\n  promised  ", 1)
		}, true, false, true},
		{"header name case", func(s string) string { return strings.Replace(s, "\r\nTo:", "\r\nTO:", 1) }, true, false, true},
		{"body inner space", func(s string) string { return strings.Replace(s, "costs   7", "costs 7", 1) }, true, false, false},
		{"body trailing space", func(s string) string { return strings.Replace(s, "Alice\r\n", "Alice \t\r\n", 1) }, true, false, false},
		{"trailing blank lines", func(s string) string { return s + "\r\n\r\n" }, true, true, true},
		{"body word changed", func(s string) string { return strings.Replace(s, "revenue 12", "revenue 13", 1) }, false, false, false},
		{"header value changed", func(s string) string { return strings.Replace(s, "Bob <bob@", "Rob <bob@", 1) }, false, false, false},
		{"unsigned header added", func(s string) string { return strings.Replace(s, "\r\nMIME", "\r\nX-Spam: no\r\nMIME", 1) }, true, true, true},
	}
	for _, c := range []string{"relaxed/relaxed", "simple/simple"} {
		hc, bc, _ := strings.Cut(c, "/")
		signed := string(f.sign(t, baseMsg(), SignOptions{HeaderCanon: hc, BodyCanon: bc}))
		for _, m := range mutations {
			want := m.simpleOK
			if hc == "relaxed" {
				want = m.relaxedOK
			}
			got := f.verify(t, []byte(m.mutate(signed)), fixtureNow).Signatures[0]
			if (got.Result == Pass) != want {
				t.Errorf("%s, %s: %s %s, want pass=%v", c, m.name, got.Result, got.Reason, want)
			}
		}
	}
}

func TestUnsignedAndEmpty(t *testing.T) {
	for _, raw := range []string{"", "\r\n", "no header\r\n", "Subject: x\r\n", "From: a@b.example\r\n\r\nbody"} {
		rep, err := Verify(context.Background(), []byte(raw), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Verdict != Unsigned || len(rep.Signatures) != 0 || rep.ARC.Result != "none" {
			t.Errorf("%q: %+v", raw, rep)
		}
	}
}

func TestNoKeysAndCancel(t *testing.T) {
	f := newFixture(t)
	signed := f.sign(t, baseMsg(), SignOptions{})
	rep, err := Verify(context.Background(), signed, Options{})
	if err != nil || rep.Signatures[0].Reason != ReasonKeyNotFound {
		t.Errorf("nil Keys: %v %+v", err, rep)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Verify(ctx, signed, Options{Keys: f.mem}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	// A Keys that notices cancellation mid-way.
	ctx, cancel = context.WithCancel(context.Background())
	keys := keysFunc(func(ctx context.Context, d, s string) ([]Key, error) {
		cancel()
		return nil, ctx.Err()
	})
	if _, err := Verify(ctx, signed, Options{Keys: keys}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled during lookup: %v", err)
	}
	// Any other lookup error is a temperror.
	keys = keysFunc(func(context.Context, string, string) ([]Key, error) { return nil, errors.New("disk on fire") })
	rep, _ = Verify(context.Background(), signed, Options{Keys: keys})
	if s := rep.Signatures[0]; s.Result != TempError || s.Reason != ReasonKeyUnavailable {
		t.Errorf("lookup error: %s %s", s.Result, s.Reason)
	}
}

type keysFunc func(ctx context.Context, domain, selector string) ([]Key, error)

func (f keysFunc) Lookup(ctx context.Context, domain, selector string) ([]Key, error) {
	return f(ctx, domain, selector)
}

func TestMaxSignatures(t *testing.T) {
	f := newFixture(t)
	signed := baseMsg()
	for range 12 {
		signed = f.sign(t, signed, SignOptions{Selector: "ed"})
	}
	rep := f.verify(t, signed, fixtureNow)
	for i, s := range rep.Signatures {
		want := Pass
		if i >= DefaultMaxSignatures {
			want = PermError
		}
		if s.Result != want {
			t.Errorf("signature %d: %s %s", i, s.Result, s.Reason)
		}
	}
	if len(rep.Signatures) != 12 || rep.Signatures[11].Reason != ReasonTooMany || rep.Signatures[11].Domain != fixtureDomain {
		t.Errorf("%d signatures, last %+v", len(rep.Signatures), rep.Signatures[11])
	}
}

// TestHeaderLimits: a header section over the limits is reported, not
// verified, and costs no more than a scan.
func TestHeaderLimits(t *testing.T) {
	f := newFixture(t)
	signed := f.sign(t, baseMsg(), SignOptions{})
	many := bytes.Repeat([]byte("X-Filler: 1\r\n"), maxHeaderFields)
	rep := f.verify(t, append(signed[:len(signed):len(signed)], many...), fixtureNow)
	_ = rep
	raw := append(bytes.Clone(signed[:bytes.Index(signed, []byte("\r\n\r\n"))+2]), many...)
	raw = append(raw, "\r\nbody\r\n"...)
	rep = f.verify(t, raw, fixtureNow)
	if s := rep.Signatures[0]; s.Result != PermError || s.Reason != ReasonMalformed {
		t.Errorf("too many fields: %s %s", s.Result, s.Reason)
	}
	huge := append(bytes.Clone(signed[:bytes.Index(signed, []byte("\r\n\r\n"))+2]), "X-Big: "...)
	huge = append(huge, bytes.Repeat([]byte("a"), maxHeaderBytes)...)
	huge = append(huge, "\r\n\r\nbody\r\n"...)
	rep = f.verify(t, huge, fixtureNow)
	if s := rep.Signatures[0]; s.Result != PermError || s.Reason != ReasonMalformed {
		t.Errorf("huge header: %s %s", s.Result, s.Reason)
	}
}

// TestCanonicalizationRFCExample is RFC 6376 3.4.5's example.
func TestCanonicalizationRFCExample(t *testing.T) {
	raw := "A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n C \r\nD \t E\r\n\r\n\r\n"
	m := parseMessage([]byte(raw))
	var relaxed, simple []byte
	for _, f := range m.fields {
		relaxed = append(canonHeader(relaxed, f.raw, true), "\r\n"...)
		simple = append(canonHeader(simple, f.raw, false), "\r\n"...)
	}
	if got, want := string(relaxed), "a:X\r\nb:Y Z\r\n"; got != want {
		t.Errorf("relaxed header %q, want %q", got, want)
	}
	if got, want := string(simple), "A: X\r\nB : Y\t\r\n\tZ  \r\n"; got != want {
		t.Errorf("simple header %q, want %q", got, want)
	}
	for _, c := range []struct {
		body    string
		relaxed bool
		want    string
	}{
		{" C \r\nD \t E\r\n\r\n\r\n", true, " C\r\nD E\r\n"},
		{" C \r\nD \t E\r\n\r\n\r\n", false, " C \r\nD \t E\r\n"},
		{"", false, "\r\n"},
		{"", true, ""},
		{"\r\n\r\n", false, "\r\n"},
		{"\r\n \t\r\n", true, ""},
		{"x", false, "x\r\n"},
		{"a\nb\n", false, "a\r\nb\r\n"},
		{"a\rb\r\n", false, "a\rb\r\n"},
	} {
		var buf bytes.Buffer
		n := canonBody(&buf, []byte(c.body), c.relaxed, -1)
		if buf.String() != c.want || n != int64(len(c.want)) {
			t.Errorf("canonBody(%q, relaxed=%v) = %q (%d), want %q", c.body, c.relaxed, buf.String(), n, c.want)
		}
		buf.Reset()
		if n := canonBody(&buf, []byte(c.body), c.relaxed, 2); n != int64(len(c.want)) || buf.String() != c.want[:min(2, len(c.want))] {
			t.Errorf("canonBody(%q, limit 2) = %q (%d)", c.body, buf.String(), n)
		}
	}
}

func TestRemoveB(t *testing.T) {
	for in, want := range map[string]string{
		"DKIM-Signature: v=1; b=abc; bh=x":            "DKIM-Signature: v=1; b=; bh=x",
		"DKIM-Signature: v=1; bh=x; b=ab\r\n\tc \r\n": "DKIM-Signature: v=1; bh=x; b=",
		"DKIM-Signature: b = abc ;d=x":                "DKIM-Signature: b =;d=x",
		"ARC-Seal: i=1; a=x; bh=y":                    "ARC-Seal: i=1; a=x; bh=y",
	} {
		if got := string(removeB([]byte(in))); got != want {
			t.Errorf("removeB(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseTags(t *testing.T) {
	good := map[string]tags{
		"":                            {},
		"a=1":                         {"a": "1"},
		" a = 1 ; b=2;":               {"a": "1", "b": "2"},
		"a=1;\r\n\tb = x y\r\n z ;":   {"a": "1", "b": "x y\r\n z"},
		"v=DKIM1; p=":                 {"v": "DKIM1", "p": ""},
		"Ab_9=1":                      {"Ab_9": "1"},
		"n=send%20comments; x1 = ex ": {"n": "send%20comments", "x1": "ex"},
	}
	for in, want := range good {
		got, err := parseTags(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("parseTags(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"a=1;;b=2", ";", "a", "a=1; a=2", "9a=1", "=1", "a b=1", "t; p=x"} {
		if got, err := parseTags(in); err == nil {
			t.Errorf("parseTags(%q) = %v, want an error", in, got)
		}
	}
	if _, err := parseTags(strings.Repeat("a=1;", 1) + strings.Repeat("x", 0)); err != nil {
		t.Error(err)
	}
	var many strings.Builder
	for i := range maxTags + 1 {
		fmt.Fprintf(&many, "t%d=1;", i)
	}
	if _, err := parseTags(many.String()); err == nil {
		t.Errorf("%d tags accepted", maxTags+1)
	}
}

func TestDecodeQP(t *testing.T) {
	for in, want := range map[string]string{
		"jlong@messiah=2Eedu": "jlong@messiah.edu",
		"jlong=40messiah.edu": "jlong@messiah.edu",
		"a@b.example":         "a@b.example",
		"a@b .exa\r\n mple":   "a@b.example",
	} {
		if got, err := decodeQP(in); err != nil || got != want {
			t.Errorf("decodeQP(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"a=4", "a=zz@b", "a="} {
		if _, err := decodeQP(in); err == nil {
			t.Errorf("decodeQP(%q) accepted", in)
		}
	}
}

func TestFoldedHeadersAndMbox(t *testing.T) {
	f := newFixture(t)
	signed := f.sign(t, baseMsg(), SignOptions{HeaderCanon: "simple", BodyCanon: "simple"})
	// An mbox separator line above the message is not a header.
	mbox := append([]byte("From alice@example.com Mon Jan  2 10:00:02 2023\r\n"), signed...)
	if rep := f.verify(t, mbox, fixtureNow); rep.Verdict != Verified {
		t.Errorf("mbox: %s %+v", rep.Verdict, rep.Signatures)
	}
	// "From :" (obsolete syntax, space before the colon) is a header.
	m := parseMessage([]byte("From : a@b.example\r\nTo: c@d.example\r\n\r\nx"))
	if len(m.fields) != 2 || m.fields[0].lname != "from" {
		t.Errorf("obs-From: %+v", m.fields)
	}
}
