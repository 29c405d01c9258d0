package gen

import (
	"bytes"
	"context"
	"maps"
	"net/mail"
	"path/filepath"
	"testing"

	"github.com/newsroom/dossier/internal/dkim"
)

// TestSignedVerdicts verifies every generated message with the verifier
// against the keys the manifest publishes (read back through WriteZone and
// dkim.ParseZone), and checks each verdict against the manifest: counts by
// verdict and every sampled Message-ID.
func TestSignedVerdicts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "leak")
	m, err := Generate(context.Background(), dir, Options{Seed: 7, Messages: 400, Signed: 0.6})
	if err != nil {
		t.Fatal(err)
	}
	if m.DKIM == nil || len(m.DKIM.Keys) != len(signers) {
		t.Fatalf("manifest DKIM facts: %+v", m.DKIM)
	}
	var zone bytes.Buffer
	if err := WriteZone(&zone, m); err != nil {
		t.Fatal(err)
	}
	keys, _, err := dkim.ParseZone(&zone, "zone:gen")
	if err != nil || len(keys) != len(signers) {
		t.Fatalf("zone read back: %d keys, %v\n%s", len(keys), err, zone.String())
	}
	src := dkim.NewMemKeys(keys, nil)
	got := map[string]int{}
	byID := map[string]string{}
	seen := map[string]bool{}
	for _, s := range readAll(t, dir) {
		msg, err := mail.ReadMessage(bytes.NewReader(s.raw))
		if err != nil {
			t.Fatalf("%s: %v", s.path, err)
		}
		id := msg.Header.Get("Message-Id")
		if seen[id] { // a duplicate: the same bytes in a Maildir and an mbox
			continue
		}
		seen[id] = true
		rep, err := dkim.Verify(context.Background(), s.raw, dkim.Options{Keys: src})
		if err != nil {
			t.Fatal(err)
		}
		got[string(rep.Verdict)]++
		byID[id] = string(rep.Verdict)
	}
	for v, n := range m.DKIM.Verdicts {
		if got[v] != n {
			t.Errorf("verdict %s: %d messages, manifest says %d (all: %v vs %v)", v, got[v], n, got, m.DKIM.Verdicts)
		}
	}
	for v, ids := range m.DKIM.Samples {
		for _, id := range ids {
			if byID[id] != v {
				t.Errorf("message %s: verdict %q, manifest says %q", id, byID[id], v)
			}
		}
	}
	for _, v := range []string{"verified", "verified-weak", "failed", "unverifiable", "unsigned"} {
		if m.DKIM.Verdicts[v] == 0 {
			t.Errorf("no %s message in 400 (the test needs every verdict)", v)
		}
	}
	if m.DKIM.Forged == 0 {
		t.Errorf("no message with a prepended From")
	}
}

// Signed output, keys included, depends only on the options.
func TestSignedDeterministic(t *testing.T) {
	opts := Options{Seed: 3, Messages: 60, Signed: 1}
	var trees [2]map[string]string
	var zones [2]bytes.Buffer
	for i := range trees {
		dir := filepath.Join(t.TempDir(), "leak")
		m, err := Generate(context.Background(), dir, opts)
		if err != nil {
			t.Fatal(err)
		}
		trees[i] = tree(t, dir)
		WriteZone(&zones[i], m)
	}
	if !maps.Equal(trees[0], trees[1]) || zones[0].String() != zones[1].String() {
		t.Errorf("two runs with the same seed differ")
	}
}
