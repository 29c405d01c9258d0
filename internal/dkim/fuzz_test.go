package dkim

import (
	"bytes"
	"context"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsroom/dossier/internal/testutil"
)

// fuzzSeeds are signed fixtures and hand-made malformed messages.
func fuzzSeeds(f *fixture, t testing.TB) [][]byte {
	signed := f.sign(t, baseMsg(), SignOptions{})
	seeds := [][]byte{
		signed,
		f.sign(t, baseMsg(), SignOptions{Selector: "ed", HeaderCanon: "simple", BodyCanon: "simple", BodyLength: true}),
		f.sign(t, toLF(baseMsg()), SignOptions{Selector: "rsa512", Headers: []string{"From", "From", "Subject"}}),
		append([]byte("From: x@evil.example\r\n"), signed...),
		[]byte("DKIM-Signature: v=1; a=rsa-sha256; b=;; bh==; d=; h=::; s=\r\n\r\n"),
		[]byte("DKIM-Signature: v=1; v=1; 9=; =x; a\r\nFrom: a@b\r\n\r\n"),
		[]byte("DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed; d=example.com; s=ed; h=from; bh=AAAA; b=AAAA; l=99999999999999999999; t=; x=1\r\n\r\n"),
		[]byte("ARC-Seal: i=1; cv=none; a=rsa-sha256; d=example.com; s=rsa2048; b=AAAA\r\n" +
			"ARC-Message-Signature: i=1; a=rsa-sha256; d=example.com; s=rsa2048; h=from; bh=AAAA; b=AAAA\r\n" +
			"ARC-Authentication-Results: i=1; x\r\nFrom: a@b\r\n\r\nbody"),
		[]byte("ARC-Seal: i=51\r\nARC-Seal: i=0\r\nARC-Authentication-Results: i=1\r\n\r\n"),
		[]byte("X: " + strings.Repeat("\r\n ", 100) + "\r\nDKIM-Signature:" + strings.Repeat(" a=b;", 70) + "\r\n\r\n"),
		[]byte("From \r\n"),
		{},
	}
	return seeds
}

func FuzzVerify(f *testing.F) {
	fx := newFixture(f)
	for _, s := range fuzzSeeds(fx, f) {
		f.Add(s)
	}
	dir := filepath.Join(testutil.CorpusDir(), "dkim")
	if _, err := os.Stat(filepath.Join(dir, "keys.zone")); err == nil {
		zf, err := os.Open(filepath.Join(dir, "keys.zone"))
		if err == nil {
			keys, temp, err := ParseZone(zf, "zone:keys.zone")
			zf.Close()
			if err == nil {
				fx.mem.Add(keys...)
				for n := range temp {
					fx.mem.FailTemporarily(n)
				}
			}
		}
		for _, row := range readVerdicts(f, dir) {
			if b, err := os.ReadFile(filepath.Join(dir, row.file)); err == nil && len(b) < 32<<10 {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		rep, err := Verify(context.Background(), raw, Options{Keys: fx.mem, AsOf: fixtureNow, MaxSignatures: 3})
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		checkReport(t, raw, rep)
	})
}

// checkReport checks invariants that hold for any input.
func checkReport(t *testing.T, raw []byte, rep *Report) {
	t.Helper()
	if rep.Verdict != verdict(rep.Signatures) {
		t.Fatalf("verdict %s does not follow from the signatures", rep.Verdict)
	}
	if rep.ARC == nil || (rep.ARC.Result != "none" && rep.ARC.Result != "pass" && rep.ARC.Result != "fail") {
		t.Fatalf("ARC %+v", rep.ARC)
	}
	if rep.BodyBytes < 0 || rep.BodyBytes > 2*int64(len(raw))+2 {
		t.Fatalf("BodyBytes %d for %d input bytes", rep.BodyBytes, len(raw))
	}
	for _, s := range rep.Signatures {
		if s.Weak == nil {
			t.Fatal("nil Weak")
		}
		switch s.Result {
		case Pass:
			if s.Reason != "" || s.KeyFingerprint == "" || s.KeySource == "" {
				t.Fatalf("pass with reason %q, fingerprint %q", s.Reason, s.KeyFingerprint)
			}
		case Fail, PermError, TempError:
			if s.Reason == "" {
				t.Fatalf("%s without a reason", s.Result)
			}
		default:
			t.Fatalf("result %q", s.Result)
		}
		if s.UnsignedBodyBytes < 0 {
			t.Fatalf("UnsignedBodyBytes %d", s.UnsignedBodyBytes)
		}
	}
}

// TestHostileInput: large or pathological messages are reported, not
// crashed on, with the limits of the package documentation, and cost
// memory linear in their size. (No wall-clock bound: CI machines are
// shared and -race is 10-15x slower. A hang is caught by go test -timeout.)
func TestHostileInput(t *testing.T) {
	f := newFixture(t)
	signed := f.sign(t, baseMsg(), SignOptions{})
	hdr := func(s string) []byte { return append([]byte(s+"\r\n"), signed...) }
	malformed := string(PermError) + "/" + string(ReasonMalformed)
	cases := map[string]struct {
		raw []byte
		// want counts the signatures' results as "result/reason".
		want map[string]int
		arc  string
	}{
		// The body was changed after signing: hashed whole, it fails.
		"8 MiB body line": {append(bytes.Clone(signed), bytes.Repeat([]byte("x \t"), 8<<20/3)...),
			map[string]int{string(Fail) + "/" + string(ReasonBodyHash): 1}, "none"},
		// Trailing empty lines are not part of the canonical body.
		"1M empty body lines": {append(bytes.Clone(signed), bytes.Repeat([]byte("\r\n"), 1<<20)...),
			map[string]int{string(Pass) + "/": 1}, "none"},
		// h= beyond 512 names, and more than 64 tags: malformed, and the
		// good signature below still verifies.
		"huge tag value": {hdr("DKIM-Signature: v=1; h=" + strings.Repeat("from:", 100000) + "from"),
			map[string]int{malformed: 1, string(Pass) + "/": 1}, "none"},
		"many tags": {hdr("DKIM-Signature: " + strings.Repeat("a=b; ", 100000)),
			map[string]int{malformed: 1, string(Pass) + "/": 1}, "none"},
		// Over 1000 header fields: only the first 1000 are kept, none is
		// verified, and beyond the first 10 they are not even looked at.
		"many signatures": {bytes.Repeat([]byte("DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa2048; h=from; bh=AAAA; b=AAAA\r\n"), 5000),
			map[string]int{malformed: DefaultMaxSignatures, string(PermError) + "/" + string(ReasonTooMany): maxHeaderFields - DefaultMaxSignatures}, "none"},
		"many ARC sets": {bytes.Repeat([]byte("ARC-Seal: i=7; cv=pass\r\nARC-Message-Signature: i=7\r\n"), 5000),
			map[string]int{}, "fail"},
		"deep folding": {hdr("Subject: x" + strings.Repeat("\r\n y", 200000)),
			map[string]int{string(Pass) + "/": 1}, "none"},
		"no blank line": {bytes.Repeat([]byte("X-A: b\r\n"), 200000),
			map[string]int{}, "none"},
	}
	for name, c := range cases {
		var rep *Report
		var err error
		start := time.Now()
		alloc := testutil.Allocated(func() { rep, err = Verify(context.Background(), c.raw, Options{Keys: f.mem, AsOf: fixtureNow}) })
		t.Logf("%s: %d bytes, allocated %d bytes in %v", name, len(c.raw), alloc, time.Since(start).Round(time.Millisecond))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkReport(t, c.raw, rep)
		got := map[string]int{}
		for _, s := range rep.Signatures {
			got[string(s.Result)+"/"+string(s.Reason)]++
		}
		if !maps.Equal(got, c.want) {
			t.Errorf("%s: signatures %v, want %v", name, got, c.want)
		}
		if rep.ARC.Result != c.arc {
			t.Errorf("%s: ARC %s (%s), want %s", name, rep.ARC.Result, rep.ARC.Reason, c.arc)
		}
		// Memory stays within a small multiple of the message (about 4x
		// at most today); a quadratic step would need gigabytes here.
		if limit := uint64(16*len(c.raw) + 8<<20); alloc > limit {
			t.Errorf("%s: allocated %d bytes for a %d-byte message (limit %d)", name, alloc, len(c.raw), limit)
		}
	}
}

func BenchmarkVerifyCorpus(b *testing.B) {
	dir := testutil.Corpus(b, "dkim")
	keys := corpusKeys(b, dir)
	var msgs [][]byte
	var size int64
	for _, row := range readVerdicts(b, dir) {
		raw, err := os.ReadFile(filepath.Join(dir, row.file))
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, raw)
		size += int64(len(raw))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, raw := range msgs {
			if _, err := Verify(context.Background(), raw, Options{Keys: keys, AsOf: corpusAsOf}); err != nil {
				b.Fatal(err)
			}
		}
		n += len(msgs)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "msgs/s")
}
