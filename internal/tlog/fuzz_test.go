package tlog

import (
	"bytes"
	"testing"
)

// FuzzVerify feeds arbitrary bytes to Verify, seeded with real bundles.
// Parsing must never panic, and any input ParseBundle accepts must be the
// exact encoding of what it decoded (no malleability).
func FuzzVerify(f *testing.F) {
	f.Add(realBundle(f, 1, 0))
	f.Add(realBundle(f, 300, 257))
	f.Add([]byte("c2sp.org/tlog-proof@v1\nextra AA==\nindex 0\n\n"))
	f.Add([]byte("c2sp.org/tlog-proof@v1\nindex 0\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, verr := Verify(data, testVKey)
		b, perr := ParseBundle(data)
		if perr != nil {
			if verr == nil {
				t.Fatalf("Verify accepted what ParseBundle rejects: %v", perr)
			}
			return
		}
		again, err := b.MarshalText()
		if err != nil {
			t.Fatalf("MarshalText of a parsed bundle: %v", err)
		}
		if !bytes.Equal(again, data) {
			t.Fatalf("non-canonical bundle accepted:\n%q\nre-encodes as\n%q", data, again)
		}
		if verr == nil && (v.Index != b.Index || !bytes.Equal(v.Entry, b.Entry)) {
			t.Fatalf("Verify returned index %d entry %q, bundle says %d %q", v.Index, v.Entry, b.Index, b.Entry)
		}
	})
}
