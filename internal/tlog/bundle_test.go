package tlog

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"strings"
	"testing"
)

// realBundle returns the serialised bundle of entry index in a fresh log of
// n entries.
func realBundle(t testing.TB, n int, index uint64) []byte {
	t.Helper()
	l, _ := openLog(t)
	mustAppend(t, l, makeEntries("bundle", n))
	b, err := l.Prove(context.Background(), index)
	if err != nil {
		t.Fatal(err)
	}
	text, err := b.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	return text
}

func TestBundleRoundTrip(t *testing.T) {
	text := realBundle(t, 20, 13)
	b, err := ParseBundle(text)
	if err != nil {
		t.Fatal(err)
	}
	again, err := b.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, text) {
		t.Fatalf("round trip changed the bundle:\n%s\n---\n%s", text, again)
	}
	if !bytes.HasPrefix(text, []byte("c2sp.org/tlog-proof@v1\nextra ")) {
		t.Fatalf("bundle does not start with the tlog-proof header:\n%s", text)
	}
	// A single-entry log has an empty inclusion proof.
	one := realBundle(t, 1, 0)
	if _, err := Verify(one, testVKey); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(one), "index 0\n\n") {
		t.Fatalf("single-entry bundle should have no proof lines:\n%s", one)
	}
}

// TestVerifyTamper flips every bit of a real bundle, one at a time: each
// change must make Verify fail.
func TestVerifyTamper(t *testing.T) {
	text := realBundle(t, 300, 257)
	if _, err := Verify(text, testVKey); err != nil {
		t.Fatal(err)
	}
	for i := range text {
		for bit := range 8 {
			bad := bytes.Clone(text)
			bad[i] ^= 1 << bit
			if v, err := Verify(bad, testVKey); err == nil {
				t.Fatalf("flipping bit %d of byte %d (%q in line %q) still verifies: entry %q index %d",
					bit, i, text[i], lineAt(text, i), v.Entry, v.Index)
			}
		}
	}
	// Truncations and extensions fail too.
	for i := range len(text) {
		if _, err := Verify(text[:i], testVKey); err == nil {
			t.Fatalf("bundle truncated to %d bytes verifies", i)
		}
	}
	if _, err := Verify(append(bytes.Clone(text), '\n'), testVKey); err == nil {
		t.Fatal("bundle with an extra newline verifies")
	}
}

func lineAt(text []byte, i int) string {
	start := bytes.LastIndexByte(text[:i], '\n') + 1
	end := bytes.IndexByte(text[i:], '\n')
	if end < 0 {
		return string(text[start:])
	}
	return string(text[start : i+end])
}

// TestVerifyTamperFields changes each part of a bundle meaningfully and
// checks the error names what failed.
func TestVerifyTamperFields(t *testing.T) {
	text := realBundle(t, 300, 257)
	b, err := ParseBundle(text)
	if err != nil {
		t.Fatal(err)
	}
	remarshal := func(f func(b *Bundle)) []byte {
		c := *b
		c.Entry = bytes.Clone(b.Entry)
		c.Proof = make([][]byte, len(b.Proof))
		for i := range b.Proof {
			c.Proof[i] = bytes.Clone(b.Proof[i])
		}
		c.Checkpoint = bytes.Clone(b.Checkpoint)
		f(&c)
		out, err := c.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	_, otherV, _ := GenerateKey(testOrigin)
	_, otherName, _ := GenerateKey("other.example/log")
	cpLines := strings.Split(string(b.Checkpoint), "\n")
	for _, tc := range []struct {
		name, want string
		bundle     []byte
		vkey       string
	}{
		{"entry byte", "inclusion proof", remarshal(func(b *Bundle) { b.Entry[0] ^= 1 }), testVKey},
		{"entry appended", "inclusion proof", remarshal(func(b *Bundle) { b.Entry = append(b.Entry, ' ') }), testVKey},
		{"index+1", "inclusion proof", remarshal(func(b *Bundle) { b.Index++ }), testVKey},
		{"index-1", "inclusion proof", remarshal(func(b *Bundle) { b.Index-- }), testVKey},
		{"index beyond size", "not below checkpoint size", remarshal(func(b *Bundle) { b.Index = 300 }), testVKey},
		{"proof hash", "inclusion proof", remarshal(func(b *Bundle) { b.Proof[2][31] ^= 0x80 }), testVKey},
		{"proof hash dropped", "wrong proof size", remarshal(func(b *Bundle) { b.Proof = b.Proof[1:] }), testVKey},
		{"proof hashes swapped", "inclusion proof", remarshal(func(b *Bundle) { b.Proof[0], b.Proof[1] = b.Proof[1], b.Proof[0] }), testVKey},
		{"checkpoint size", "signature", remarshal(func(b *Bundle) {
			b.Checkpoint = []byte(strings.Replace(string(b.Checkpoint), "\n300\n", "\n301\n", 1))
		}), testVKey},
		{"checkpoint signature", "signature", remarshal(func(b *Bundle) {
			l := []byte(cpLines[len(cpLines)-2])
			l[len(l)-10] ^= 1
			b.Checkpoint = []byte(strings.Join(append(append([]string{}, cpLines[:len(cpLines)-2]...), string(l), ""), "\n"))
		}), testVKey},
		{"another key, same origin", "no signature by key", text, otherV},
		{"another origin", "no signature by key", text, otherName},
		{"not a bundle", "first line", []byte("hello\n"), testVKey},
		{"leading-zero index", "canonical decimal", []byte(strings.Replace(string(text), "index 257\n", "index 0257\n", 1)), testVKey},
		{"CR in proof line", "base64", []byte(strings.Replace(string(text), "=\n", "=\r\n", 1)), testVKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Verify(tc.bundle, tc.vkey)
			if err == nil {
				t.Fatal("tampered bundle verifies")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "tlog: ") {
				t.Errorf("error %q lacks the tlog: prefix", err)
			}
		})
	}
}

// TestVerifyWitnessCosignature checks that signatures by other keys, such
// as witness cosignatures, do not disturb verification.
func TestVerifyWitnessCosignature(t *testing.T) {
	text := realBundle(t, 5, 3)
	wskey, _, _ := GenerateKey("witness.example")
	ws, _ := NewSigner(wskey)
	sig, _ := ws.Sign([]byte("anything"))
	line := fmt.Sprintf("— witness.example %s\n", base64.StdEncoding.EncodeToString(append([]byte{0, 1, 2, 3}, sig...)))
	cosigned := append(bytes.Clone(text), line...)
	if _, err := Verify(cosigned, testVKey); err != nil {
		t.Fatalf("bundle with an extra witness line: %v", err)
	}
}

// TestVerifyCost: verifying a bundle is a small offline computation, one
// signature and an inclusion proof of at most log2(n) hashes. Checked by
// the proof's length and the allocations per Verify (about 100 today),
// not by the clock, which is noisy on shared CI machines and 10-15x slower
// under -race; BenchmarkVerify measures the time (about 0.1 ms).
func TestVerifyCost(t *testing.T) {
	text := realBundle(t, 1000, 777)
	b, err := ParseBundle(text)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Proof) > 10 { // ⌈log2 1000⌉
		t.Errorf("inclusion proof of %d hashes in a log of 1000", len(b.Proof))
	}
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := Verify(text, testVKey); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("Verify: %.0f allocations per bundle of %d bytes", allocs, len(text))
	if allocs > 400 {
		t.Errorf("Verify makes %.0f allocations per bundle", allocs)
	}
}

func BenchmarkVerify(b *testing.B) {
	text := realBundle(b, 1000, 777)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(text, testVKey); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDocExample checks that the example in docs/formats/proof-bundle.md
// verifies with the key printed there.
func TestDocExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/formats/proof-bundle.md")
	if err != nil {
		t.Skip("format documentation not found:", err)
	}
	blocks := strings.Split(string(doc), "```\n")
	if len(blocks) < 5 {
		t.Fatal("doc: expected a bundle block and a key block")
	}
	bundle, vkey := blocks[1], strings.TrimSpace(blocks[3])
	v, err := Verify([]byte(bundle), vkey)
	if err != nil {
		t.Fatalf("doc example: %v", err)
	}
	if string(v.Entry) != "example entry 5" || v.Index != 5 || v.Checkpoint.Size != 6 {
		t.Fatalf("doc example: entry %q index %d size %d", v.Entry, v.Index, v.Checkpoint.Size)
	}
}
