package dkim

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/newsroom/dossier/internal/testutil"
)

func TestParseZone(t *testing.T) {
	zone := `; keys
$ORIGIN example.com.
s1._domainkey      IN  TXT "v=DKIM1; k=rsa; " "p=AB\"C\059D"   ; comment
s2._domainkey.other.example. 3600 IN TXT ( "v=DKIM1; "
    "p=XYZ" )  ; over two lines
                   TXT "second record at s2"
@ TXT "not a key"
www A 192.0.2.1
S3._DomainKey.Example.NET. TXT unquoted;comment
;   t._domainkey.slow.example  => ~~Query timed out~~
;   t._domainkey.broken.example.  => ~~SERVFAIL~~
;   gone._domainkey.example  => NXDOMAIN
`
	keys, temp, err := ParseZone(strings.NewReader(zone), "zone:test")
	if err != nil {
		t.Fatal(err)
	}
	want := []Key{
		{Domain: "example.com", Selector: "s1", Record: `v=DKIM1; k=rsa; p=AB"C;D`, Source: "zone:test"},
		{Domain: "other.example", Selector: "s2", Record: "v=DKIM1; p=XYZ", Source: "zone:test"},
		{Domain: "other.example", Selector: "s2", Record: "second record at s2", Source: "zone:test"},
		{Domain: "example.net", Selector: "s3", Record: "unquoted", Source: "zone:test"},
	}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("keys:\n%+v\nwant\n%+v", keys, want)
	}
	wantTemp := map[string]bool{"t._domainkey.slow.example": true, "t._domainkey.broken.example": true}
	if !reflect.DeepEqual(temp, wantTemp) {
		t.Errorf("temp %v, want %v", temp, wantTemp)
	}
	for _, bad := range []string{
		`a._domainkey.x. TXT "unterminated`,
		`a._domainkey.x. TXT ( "open"`,
		`a._domainkey.x. TXT ) "close"`,
		`a._domainkey.x. TXT "\25"`,
		`a._domainkey.x. TXT "\300"`,
		`$INCLUDE other.zone`,
	} {
		if _, _, err := ParseZone(strings.NewReader(bad), "zone:bad"); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestCorpusZone(t *testing.T) {
	dir := testutil.Corpus(t, "dkim")
	f, err := os.Open(filepath.Join(dir, "keys.zone"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	keys, temp, err := ParseZone(f, "zone:keys.zone")
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 38 {
		t.Errorf("%d records, want 38", len(keys))
	}
	wantTemp := map[string]bool{
		"test3._domainkey.blackhole.messiah.edu":  true,
		"test3._domainkey.blackhole2.messiah.edu": true,
	}
	if !reflect.DeepEqual(temp, wantTemp) {
		t.Errorf("temp %v", temp)
	}
	// Split strings are concatenated: gmail's 2048-bit key parses whole.
	mem := NewMemKeys(keys, temp)
	got, err := mem.Lookup(context.Background(), "gmail.com", "20120113")
	if err != nil || len(got) != 1 {
		t.Fatalf("lookup: %v %v", got, err)
	}
	rec, err := ParseKeyRecord(got[0].Record)
	if err != nil || rec.Bits != 2048 {
		t.Errorf("gmail 20120113: %v %+v", err, rec)
	}
	if _, err := mem.Lookup(context.Background(), "blackhole.messiah.edu", "test3"); !errors.Is(err, ErrTempKey) {
		t.Errorf("timeout name: %v", err)
	}
	if got, err := mem.Lookup(context.Background(), "messiah.edu", "nonexistent"); err != nil || len(got) != 0 {
		t.Errorf("NXDOMAIN name: %v %v", got, err)
	}
}

func TestParseZKEmailJSON(t *testing.T) {
	in := `[
	  {"domain": "Example.COM.", "selector": "S1", "value": "v=DKIM1; k=rsa; p=AAA",
	   "firstSeenAt": "2024-01-02T03:04:05.678Z", "lastSeenAt": "2024-06-01T00:00:00Z", "id": 7},
	  {"domain": "example.org", "selector": "s2", "value": "v=DKIM1; p="},
	  {"domain": "example.net", "selector": "s3", "value": "p=B", "firstSeenAt": "yesterday", "lastSeenAt": null},
	  {"selector": "orphan", "value": "p=C"}
	]`
	keys, err := ParseZKEmailJSON(strings.NewReader(in), "zk-email:test.json")
	if err != nil {
		t.Fatal(err)
	}
	want := []Key{
		{Domain: "example.com", Selector: "s1", Record: "v=DKIM1; k=rsa; p=AAA", Source: "zk-email:test.json",
			FirstSeen: time.Date(2024, 1, 2, 3, 4, 5, 678e6, time.UTC), LastSeen: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)},
		{Domain: "example.org", Selector: "s2", Record: "v=DKIM1; p=", Source: "zk-email:test.json"},
		{Domain: "example.net", Selector: "s3", Record: "p=B", Source: "zk-email:test.json"},
	}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("got\n%+v\nwant\n%+v", keys, want)
	}
	for _, bad := range []string{`{"domain": "x"}`, `[{"domain": 5}]`, `[{"domain": "x"`, ``} {
		if _, err := ParseZKEmailJSON(strings.NewReader(bad), "zk-email:bad"); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestMemKeys(t *testing.T) {
	m := &MemKeys{}
	ctx := context.Background()
	if got, err := m.Lookup(ctx, "example.com", "s"); err != nil || got != nil {
		t.Errorf("empty: %v %v", got, err)
	}
	m.Add(Key{Domain: "Example.com.", Selector: "S", Record: "a"}, Key{Domain: "example.com", Selector: "s", Record: "b"})
	got, err := m.Lookup(ctx, "example.com", "s")
	if err != nil || len(got) != 2 || got[0].Record != "a" || got[1].Record != "b" {
		t.Errorf("two observations: %v %v", got, err)
	}
	got[0].Record = "changed"
	if again, _ := m.Lookup(ctx, "example.com", "s"); again[0].Record != "a" {
		t.Error("Lookup returned the internal slice")
	}
	m.FailTemporarily("s._domainkey.example.com.")
	if _, err := m.Lookup(ctx, "example.com", "s"); !errors.Is(err, ErrTempKey) {
		t.Errorf("temp: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := m.Lookup(cctx, "example.com", "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestParseKeyRecord(t *testing.T) {
	k := testKeys(t)
	spki, _ := x509.MarshalPKIXPublicKey(&k.rsa1024.PublicKey)
	pkcs1 := x509.MarshalPKCS1PublicKey(&k.rsa1024.PublicKey)
	a, err := ParseKeyRecord("v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(spki))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseKeyRecord("p=" + base64.StdEncoding.EncodeToString(pkcs1))
	if err != nil {
		t.Fatal(err)
	}
	if a.Fingerprint != b.Fingerprint || a.Bits != 1024 || b.Type != "rsa" || !a.PublicKey.(*rsa.PublicKey).Equal(b.PublicKey) {
		t.Errorf("SPKI %+v and PKCS#1 %+v differ", a, b)
	}
	if a.Fingerprint != fingerprint(spki) {
		t.Error("fingerprint is not the SHA-256 of the SPKI DER")
	}
	// Folded base64, flags, lists.
	folded := base64.StdEncoding.EncodeToString(spki)
	folded = folded[:40] + " \t" + folded[40:]
	r, err := ParseKeyRecord("v=DKIM1; t = y:s:x ; h=SHA1 : sha256; s=email:*; n=hi; p=" + folded)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Testing || !r.Strict || !reflect.DeepEqual(r.Hashes, []string{"sha1", "sha256"}) ||
		!reflect.DeepEqual(r.Services, []string{"email", "*"}) || r.Notes != "hi" || r.Bits != 1024 {
		t.Errorf("flags: %+v", r)
	}
	if !r.allowsHash("sha256") || !r.allowsEmail() {
		t.Error("allows")
	}
	ed, err := ParseKeyRecord("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
	if err != nil || ed.Type != "ed25519" || ed.Bits != 256 || len(ed.Fingerprint) != 64 {
		t.Errorf("ed25519: %v %+v", err, ed)
	}
	rev, err := ParseKeyRecord("v=DKIM1; k=rsa; p= ")
	if err != nil || !rev.Revoked || rev.PublicKey != nil {
		t.Errorf("revoked: %v %+v", err, rev)
	}
	for in, want := range map[string]error{
		"v=DKIM2; p=AAAA":           ErrKeySyntax,
		"k=foo; p=AAAA":             ErrKeyUnsupported,
		"k=rsa":                     ErrKeySyntax,
		"":                          ErrKeySyntax,
		"k=rsa; t; p=AAAA":          ErrKeySyntax,
		"p=!!!":                     ErrKeySyntax,
		"p=AAAA":                    ErrKeySyntax,
		"k=ed25519; p=AAAA":         ErrKeySyntax,
		"p=AAAA; p=AAAA":            ErrKeySyntax,
		"k=ed25519; p=" + b64(spki): ErrKeySyntax,
	} {
		if _, err := ParseKeyRecord(in); !errors.Is(err, want) {
			t.Errorf("ParseKeyRecord(%.40q): %v, want %v", in, err, want)
		}
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
