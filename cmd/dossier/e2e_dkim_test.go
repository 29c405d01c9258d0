package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/newsroom/dossier/internal/gen"
	"github.com/newsroom/dossier/internal/testutil"
)

type verifyOut struct {
	File       string `json:"file"`
	Verdict    string `json:"verdict"`
	Signatures []struct {
		Domain, Selector, Result, Reason string
		Weak                             []string `json:"weak"`
		Expired                          bool     `json:"expired"`
		KeySource                        string   `json:"key_source"`
		KeyBits                          int      `json:"key_bits"`
		SignedHeaders                    []string `json:"signed_headers"`
	} `json:"signatures"`
}

// TestE2EAuthenticity drives the whole DKIM workflow on real signed mail:
// ingest before the keys are known (unverifiable), import the archived
// keys, re-verify without re-ingesting, filter and show verdicts, and check
// loose files with --keys and --as-of.
func TestE2EAuthenticity(t *testing.T) {
	corpus := testutil.Corpus(t, "dkim")
	zone := filepath.Join(corpus, "keys.zone")
	ar := filepath.Join(t.TempDir(), "archive")
	mustDossier(t, ar, "ingest", "--quiet", "--collection", "hunter", filepath.Join(corpus, "hunter-dkim"))
	mustDossier(t, ar, "ingest", "--quiet", "--collection", "mailauth", filepath.Join(corpus, "mail-auth"))

	coffee := `subject:coffee`
	if res := search(t, ar, coffee+" dkim:unverifiable"); res.Total == 0 {
		t.Fatalf("before keys: the Hunter Biden message should be unverifiable: %+v", res)
	}
	out := string(mustDossier(t, ar, "keys", "import", zone))
	if !strings.Contains(out, "new observations") {
		t.Errorf("keys import: %s", out)
	}
	var keys []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(string(mustDossier(t, ar, "keys", "list", "--json", "--domain", "gmail.com"))), "\n") {
		var k map[string]any
		decodeJSON(t, "keys list", []byte(line), &k)
		keys = append(keys, k)
	}
	if len(keys) < 2 || keys[0]["selector"] != "20120113" || keys[0]["source"] != "zone:keys.zone" ||
		keys[0]["key_bits"] != float64(2048) || keys[0]["first_seen"] != nil {
		t.Errorf("gmail.com keys: %v", keys)
	}
	// The same gmail.com key from the zk-email archive is a second
	// observation, never merged with the zone file's.
	zk := filepath.Join(t.TempDir(), "zk.json")
	rec, _ := keys[0]["record"].(string)
	js, _ := json.Marshal([]map[string]string{{"domain": "gmail.com", "selector": "20120113", "value": rec,
		"firstSeenAt": "2023-01-05T00:00:00.000Z", "lastSeenAt": "2024-06-01T00:00:00.000Z"}})
	if err := os.WriteFile(zk, js, 0o644); err != nil {
		t.Fatal(err)
	}
	mustDossier(t, ar, "keys", "import", zk)
	var sources []string
	for _, line := range strings.Split(strings.TrimSpace(string(mustDossier(t, ar, "keys", "list", "--json", "--domain", "gmail.com"))), "\n") {
		var k map[string]any
		decodeJSON(t, "keys list", []byte(line), &k)
		if k["selector"] == "20120113" {
			sources = append(sources, fmt.Sprint(k["source"], " ", k["first_seen"]))
		}
	}
	if strings.Join(sources, ",") != "zone:keys.zone <nil>,zk-email:zk.json 2023-01-05T00:00:00Z" {
		t.Errorf("observations of gmail.com 20120113: %v", sources)
	}
	out = string(mustDossier(t, ar, "verify", "--all"))
	if !strings.Contains(out, "verified") {
		t.Errorf("verify --all: %s", out)
	}
	// meeting-for-coffee.eml and truncated.eml (its unsigned headers
	// stripped) both verify.
	res := search(t, ar, coffee+" dkim:verified dkim.domain:gmail.com")
	if res.Total != 2 {
		t.Fatalf("after keys: %s verified: %+v", coffee, res)
	}
	show := string(mustDossier(t, ar, "show", res.Hits[0].ID))
	for _, want := range []string{"dkim         verified", "d=gmail.com s=20120113", "key from zone:keys.zone", "signed headers:"} {
		if !strings.Contains(show, want) {
			t.Errorf("show lacks %q:\n%s", want, show)
		}
	}
	// The ietf.org list message whose body the list rewrote: the list's
	// own signatures pass, the author's fails; ARC holds.
	var shown struct {
		Authenticity struct {
			Verdict string
			ARC     struct{ Result string }
		}
	}
	arc := search(t, ar, "collection:mailauth dkim.domain:stalw.art")
	if arc.Total == 0 {
		t.Fatalf("no message signed by stalw.art")
	}
	decodeJSON(t, "show", mustDossier(t, ar, "show", "--json", "--no-text", arc.Hits[0].ID), &shown)
	if shown.Authenticity.Verdict != "verified" && shown.Authenticity.Verdict != "verified-weak" {
		t.Errorf("arc-001 verdict %q", shown.Authenticity.Verdict)
	}

	// Loose files: the topicbox message passes as of its signing time (weak
	// only for its 1024-bit key), and later is a pass marked expired.
	topicbox := filepath.Join(corpus, "mail-auth", "dkim-005.eml")
	var v verifyOut
	decodeJSON(t, "verify", mustDossier(t, ar, "verify", "--json", "--as-of", "2022-11-07T17:54:24Z", topicbox), &v)
	if v.Verdict != "verified-weak" || len(v.Signatures) != 1 || v.Signatures[0].Result != "pass" || v.Signatures[0].Expired ||
		strings.Join(v.Signatures[0].Weak, ",") != "rsa-key-under-2048" {
		t.Errorf("topicbox as of signing: %+v", v)
	}
	decodeJSON(t, "verify", mustDossier(t, ar, "verify", "--json", topicbox), &v)
	if v.Verdict != "verified-weak" || v.Signatures[0].Result != "pass" || !v.Signatures[0].Expired ||
		!strings.Contains(strings.Join(v.Signatures[0].Weak, ","), "expired") {
		t.Errorf("topicbox today: %+v", v)
	}
	// Without an archive, keys come only from --keys; none means unverifiable.
	r := runDossier(t, "--archive", filepath.Join(t.TempDir(), "none"), "verify", "--json", filepath.Join(corpus, "hunter-dkim", "meeting-for-coffee.eml"))
	decodeJSON(t, "verify", r.stdout, &v)
	if r.code != 0 || v.Verdict != "unverifiable" || v.Signatures[0].Reason != "key-not-found" {
		t.Errorf("no keys: %s %+v", r, v)
	}
	r = runDossier(t, "--archive", filepath.Join(t.TempDir(), "none"), "verify", "--keys", zone, filepath.Join(corpus, "hunter-dkim", "meeting-for-coffee.eml"))
	if r.code != 0 || !strings.Contains(string(r.stdout), ": verified\n") {
		t.Errorf("--keys: %s", r)
	}
	if r := runDossier(t, "--archive", ar, "verify", "--as-of", "yesterday", topicbox); r.code == 0 || !strings.Contains(string(r.stderr), "--as-of") {
		t.Errorf("bad --as-of: %s", r)
	}
	if r := runDossier(t, "--archive", ar, "search", "dkim:pass"); r.code == 0 || !strings.Contains(string(r.stderr), "dkim: expects one of verified") {
		t.Errorf("dkim:pass: %s", r)
	}
}

// TestE2EKeysFetch fetches a key from a DNS server run by the test (the
// only network use for keys) and records it with the source "dns".
func TestE2EKeysFetch(t *testing.T) {
	const record = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go serveTXT(ctx, pc, "brisbane._domainkey.football.example.com.", record)
	ar := filepath.Join(t.TempDir(), "archive")
	out := string(mustDossier(t, ar, "keys", "fetch", "--resolver", pc.LocalAddr().String(), "football.example.com", "brisbane"))
	if !strings.Contains(out, "ed25519-256") {
		t.Errorf("fetch: %s", out)
	}
	var k struct {
		Source, Record string
		FirstSeen      string `json:"first_seen"`
	}
	decodeJSON(t, "keys list", mustDossier(t, ar, "keys", "list", "--json"), &k)
	if k.Source != "dns" || k.Record != record || k.FirstSeen == "" {
		t.Errorf("fetched key: %+v", k)
	}
	r := runDossier(t, "--archive", ar, "keys", "fetch", "--resolver", pc.LocalAddr().String(), "example.com", "missing")
	if r.code == 0 || !strings.Contains(string(r.stderr), "NXDOMAIN") {
		t.Errorf("missing key: %s", r)
	}
}

// serveTXT answers DNS queries on pc: name has one TXT record, split into
// 255-byte strings as DNS requires; any other name is NXDOMAIN.
func serveTXT(ctx context.Context, pc net.PacketConn, name, txt string) {
	buf := make([]byte, 1500)
	for ctx.Err() == nil {
		n, addr, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		var p dnsmessage.Parser
		h, err := p.Start(buf[:n])
		if err != nil {
			continue
		}
		q, err := p.Question()
		if err != nil {
			continue
		}
		resp := dnsmessage.Message{Header: dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true},
			Questions: []dnsmessage.Question{q}}
		switch {
		case !strings.EqualFold(q.Name.String(), name):
			resp.Header.RCode = dnsmessage.RCodeNameError
		case q.Type == dnsmessage.TypeTXT:
			var parts []string
			for s := txt; s != ""; {
				k := min(len(s), 255)
				parts = append(parts, s[:k])
				s = s[k:]
			}
			resp.Answers = []dnsmessage.Resource{{
				Header: dnsmessage.ResourceHeader{Name: q.Name, Type: dnsmessage.TypeTXT, Class: dnsmessage.ClassINET, TTL: 60},
				Body:   &dnsmessage.TXTResource{TXT: parts},
			}}
		}
		b, err := resp.Pack()
		if err != nil {
			continue
		}
		pc.WriteTo(b, addr)
	}
}

// TestE2ESignedLeak ingests a generated leak whose signing domains signed
// their mail (some of it altered afterwards) and checks every verdict count
// against the generator's manifest, then that re-verification at another
// time changes nothing for signatures without expiry.
func TestE2ESignedLeak(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "leak")
	mpath := filepath.Join(base, "manifest.json")
	mustDossier(t, filepath.Join(base, "unused"), "generate", "--messages", "300", "--seed", "11", "--signed", "0.7", "--manifest", mpath, dir)
	f, err := os.Open(mpath)
	if err != nil {
		t.Fatal(err)
	}
	man, err := gen.ReadManifest(f)
	f.Close()
	if err != nil || man.DKIM == nil {
		t.Fatalf("manifest: %v %+v", err, man)
	}
	ar := filepath.Join(base, "archive")
	mustDossier(t, ar, "keys", "import", dir+".keys.zone")
	ingestJSON(t, ar, dir)
	check := func(when string) {
		t.Helper()
		// Forwarded messages inside messages are emails too, and unsigned:
		// compare the signed verdicts exactly and unsigned as a floor.
		for v, n := range man.DKIM.Verdicts {
			got := search(t, ar, "dkim:"+v).Total
			if v == "unsigned" && got < n || v != "unsigned" && got != n {
				t.Errorf("%s: dkim:%s finds %d, manifest says %d", when, v, got, n)
			}
		}
		for _, id := range man.DKIM.Samples["failed"] {
			if res := search(t, ar, "dkim:failed mid:"+id); res.Total != 1 {
				t.Errorf("%s: %s is not failed", when, id)
			}
		}
	}
	check("at ingest")
	mustDossier(t, ar, "verify", "--all", "--as-of", "2030-01-01")
	check("re-verified as of 2030")
}
