package dkim

import (
	"bytes"
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	msgauth "github.com/emersion/go-msgauth/dkim"

	"github.com/newsroom/dossier/internal/testutil"
)

// The differential test signs generated messages with the fixture keys,
// mutates them, and checks that dossier, go-msgauth v0.7.0 and dkimpy
// (Debian python3-dkim) agree on pass versus not pass for every
// signature, except for the documented policy divergences below (see
// docs/dkim-divergences.md, "Policy divergences").

// Divergence keys, each naming a row of docs/dkim-divergences.md.
const (
	divSHA1     = "rsa-sha1"           // go-msgauth refuses SHA-1
	divShortKey = "rsa-key-under-1024" // both refuse keys under 1024 bits
	divBodyLen  = "l="                 // go-msgauth refuses l=
	divExpired  = "expired x="         // both refuse expired signatures
	divFromDup  = "prepended From"     // dkimpy signs one extra From (Debian bug 644046), so a prepended From fails
	divFuture   = "t= in the future"   // dkimpy refuses t= more than 10 hours ahead
)

// diffVariant is one way of signing.
type diffVariant struct {
	name     string
	opts     SignOptions
	expired  bool
	diverges map[string][]string // oracle -> divergence keys when dossier passes
}

// diffMutation is one change to a signed message.
type diffMutation struct {
	name    string
	mutate  func([]byte) []byte
	fromDup bool // adds a From above the signed one
}

func diffMessages() map[string][]byte {
	multipart := crlfMsg(
		"From: =?utf-8?q?Ren=C3=A9e?= <renee@example.com>",
		"To: list@example.org",
		"Subject: =?utf-8?b?UmFwcG9ydCBmaW5hbA==?=",
		"Date: Tue, 3 Jan 2023 09:30:00 +0100",
		"Message-ID: <m2@example.com>",
		"MIME-Version: 1.0",
		"Content-Type: multipart/mixed; boundary=\"b1\"",
		"",
		"--b1",
		"Content-Type: text/plain; charset=utf-8",
		"Content-Transfer-Encoding: 8bit",
		"",
		"Voilà le rapport.   Trois pages.\t",
		"",
		"--b1",
		"Content-Type: application/pdf; name=r.pdf",
		"Content-Transfer-Encoding: base64",
		"",
		"JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K",
		"--b1--",
	)
	return map[string][]byte{
		"plain":     baseMsg(),
		"plain-lf":  toLF(baseMsg()),
		"multipart": multipart,
		"empty-body": crlfMsg(
			"From: alice@example.com",
			"To: bob@example.org",
			"Subject: (no body)",
			"Date: Mon, 2 Jan 2023 10:00:00 +0000",
			"",
		),
		"raw-utf8": crlfMsg(
			"From: Zoë <zoe@example.com>",
			"To: Bob <bob@example.org>",
			"Subject: Grüße aus Köln  ",
			"Date: Mon, 2 Jan 2023 10:00:00 +0000",
			"",
			"Ünïcödé body  with   spaces",
			"",
			"",
		),
	}
}

func diffVariants(now time.Time) []diffVariant {
	ts := now.Add(-time.Hour)
	var vs []diffVariant
	for _, c := range []string{"simple/simple", "simple/relaxed", "relaxed/simple", "relaxed/relaxed"} {
		hc, bc, _ := strings.Cut(c, "/")
		vs = append(vs,
			diffVariant{name: "rsa2048/" + c, opts: SignOptions{Selector: "rsa2048", HeaderCanon: hc, BodyCanon: bc, Timestamp: ts}},
			diffVariant{name: "ed25519/" + c, opts: SignOptions{Selector: "ed", HeaderCanon: hc, BodyCanon: bc, Timestamp: ts}},
		)
	}
	return append(vs,
		diffVariant{name: "rsa1024", opts: SignOptions{Selector: "rsa1024", Timestamp: ts}},
		diffVariant{name: "rsa-sha1", opts: SignOptions{Selector: "rsa2048", Hash: crypto.SHA1, Timestamp: ts},
			diverges: map[string][]string{"go-msgauth": {divSHA1}}},
		diffVariant{name: "rsa512", opts: SignOptions{Selector: "rsa512", Timestamp: ts},
			diverges: map[string][]string{"go-msgauth": {divShortKey}, "dkimpy": {divShortKey}}},
		diffVariant{name: "l=", opts: SignOptions{Selector: "rsa2048", BodyLength: true, Timestamp: ts},
			diverges: map[string][]string{"go-msgauth": {divBodyLen}}},
		diffVariant{name: "expired", opts: SignOptions{Selector: "rsa2048", Timestamp: now.Add(-72 * time.Hour), Expires: now.Add(-48 * time.Hour)},
			diverges: map[string][]string{"go-msgauth": {divExpired}, "dkimpy": {divExpired}}},
		diffVariant{name: "future t=", opts: SignOptions{Selector: "rsa2048", Timestamp: now.Add(24 * time.Hour)},
			diverges: map[string][]string{"dkimpy": {divFuture}}},
		diffVariant{name: "oversigned", opts: SignOptions{Selector: "rsa2048", Timestamp: ts,
			Headers: []string{"From", "From", "To", "To", "Subject", "Subject", "Date", "Date", "Cc"}}},
		diffVariant{name: "identity", opts: SignOptions{Selector: "ed", Identity: "alice@mail.example.com", Timestamp: ts}},
	)
}

func diffMutations() []diffMutation {
	replace := func(old, new string) func([]byte) []byte {
		return func(b []byte) []byte {
			// Only touch the message below the DKIM-Signature fields.
			start := bytes.Index(b, []byte("\nFrom:"))
			if start < 0 {
				return b
			}
			return append(bytes.Clone(b[:start]), bytes.Replace(b[start:], []byte(old), []byte(new), 1)...)
		}
	}
	body := func(f func([]byte) []byte) func([]byte) []byte {
		return func(b []byte) []byte {
			sep := []byte("\r\n\r\n")
			i := bytes.Index(b, sep)
			if i < 0 {
				sep = []byte("\n\n")
				i = bytes.Index(b, sep)
			}
			if i < 0 {
				return b
			}
			i += len(sep)
			return append(bytes.Clone(b[:i]), f(bytes.Clone(b[i:]))...)
		}
	}
	nl := func(b []byte) string {
		if bytes.Contains(b, []byte("\r\n")) {
			return "\r\n"
		}
		return "\n"
	}
	return []diffMutation{
		{name: "none", mutate: func(b []byte) []byte { return b }},
		{name: "flip body byte", mutate: body(func(b []byte) []byte {
			for i, c := range b {
				if c >= 'a' && c <= 'z' {
					b[i] = c ^ 0x20
					break
				}
			}
			return b
		})},
		{name: "alter To", mutate: replace("@example.org", "@example.net")},
		{name: "add header", mutate: func(b []byte) []byte { return append([]byte("X-Added: yes"+nl(b)), b...) }},
		{name: "prepend From", fromDup: true, mutate: func(b []byte) []byte {
			return append([]byte("From: Mallory <mallory@example.com>"+nl(b)), b...)
		}},
		{name: "header case and space", mutate: func(b []byte) []byte {
			b = replace("\nTo: ", "\nTO:    ")(b)
			return replace("\nDate: ", "\ndate:\t")(b)
		}},
		{name: "body space", mutate: body(func(b []byte) []byte {
			b = bytes.Replace(b, []byte(" "), []byte("  \t"), 1)
			return bytes.Replace(b, []byte(nl(b)), []byte(" "+nl(b)), 1)
		})},
		{name: "trailing blank lines", mutate: func(b []byte) []byte { return append(b, nl(b)+nl(b)+nl(b)...) }},
		{name: "append text", mutate: func(b []byte) []byte { return append(b, "-- "+nl(b)+"appended"+nl(b)...) }},
	}
}

type diffCase struct {
	name     string
	msg      []byte
	variant  *diffVariant
	mutation *diffMutation
}

func TestDifferential(t *testing.T) {
	if testing.Short() {
		t.Skip("differential test in -short mode")
	}
	python := dkimpyPython(t)
	f := newFixture(t)
	now := time.Now()
	variants, mutations := diffVariants(now), diffMutations()
	msgs := diffMessages()
	names := make([]string, 0, len(msgs))
	for n := range msgs {
		names = append(names, n)
	}
	sort.Strings(names)

	var cases []diffCase
	for _, mn := range names {
		for vi := range variants {
			v := &variants[vi]
			signed := f.sign(t, msgs[mn], v.opts)
			if v.name == "rsa2048/relaxed/relaxed" {
				// A second signature, so multi-signature messages are
				// compared too.
				signed = f.sign(t, signed, SignOptions{Selector: "ed", Timestamp: now.Add(-time.Hour)})
			}
			for mi := range mutations {
				m := &mutations[mi]
				cases = append(cases, diffCase{mn + "/" + v.name + "/" + m.name, m.mutate(bytes.Clone(signed)), v, m})
			}
		}
	}

	lookup := func(name string) ([]string, error) {
		if r, ok := f.records[strings.TrimSuffix(strings.ToLower(name), ".")]; ok {
			return []string{r}, nil
		}
		return nil, fmt.Errorf("no such record: %s", name)
	}
	py := runDkimpy(t, python, f.records, cases)

	counts := map[string]int{}
	for i, c := range cases {
		rep, err := Verify(context.Background(), c.msg, Options{Keys: f.mem, AsOf: now})
		if err != nil {
			t.Fatal(err)
		}
		gm, gerr := msgauth.VerifyWithOptions(bytes.NewReader(c.msg), &msgauth.VerifyOptions{LookupTXT: lookup})
		if gerr != nil {
			t.Errorf("%s: go-msgauth: %v", c.name, gerr)
			continue
		}
		if len(gm) != len(rep.Signatures) || len(py[i]) != len(rep.Signatures) {
			t.Errorf("%s: signature counts: dossier %d, go-msgauth %d, dkimpy %d", c.name, len(rep.Signatures), len(gm), len(py[i]))
			continue
		}
		for k, s := range rep.Signatures {
			ours := s.Result == Pass
			oracles := map[string]struct {
				pass   bool
				detail string
			}{
				"go-msgauth": {gm[k].Err == nil, fmt.Sprint(gm[k].Err)},
				"dkimpy":     {py[i][k] == "pass", py[i][k]},
			}
			// The variant's signature is the bottom one; a second
			// signature above it is always a plain ed25519 one.
			var variant map[string][]string
			if k == len(rep.Signatures)-1 {
				variant = c.variant.diverges
			}
			for name, o := range oracles {
				why := variant[name]
				if name == "dkimpy" && c.mutation.fromDup {
					why = append(why[:len(why):len(why)], divFromDup)
				}
				expect := ours && len(why) > 0
				if (o.pass != ours) != expect {
					t.Errorf("%s sig %d: dossier %s %s (%s), %s pass=%v (%s); documented divergences %q",
						c.name, k, s.Result, s.Reason, s.Detail, name, o.pass, o.detail, why)
				}
				if o.pass != ours {
					counts[name]++
				}
			}
			if ours {
				counts["pass"]++
			} else {
				counts["not pass"]++
			}
		}
	}
	t.Logf("%d cases; dossier pass %d, not pass %d; documented divergences: go-msgauth %d, dkimpy %d",
		len(cases), counts["pass"], counts["not pass"], counts["go-msgauth"], counts["dkimpy"])
}

// dkimpyPython finds a python3 that can import dkim (Debian's
// python3-dkim installs it for /usr/bin/python3, which a pyenv python3
// earlier in PATH does not see).
func dkimpyPython(t *testing.T) string {
	t.Helper()
	cands := []string{testutil.Tool(t, "python3"), "/usr/bin/python3"}
	for _, p := range cands {
		if exec.Command(p, "-c", "import dkim, nacl").Run() == nil {
			return p
		}
	}
	testutil.Missing(t, "the python3 module dkim (Debian python3-dkim) is not installed")
	return ""
}

const dkimpyScript = `
import base64, json, logging, sys
import dkim
logging.disable(logging.CRITICAL)
req = json.load(sys.stdin)
keys = {k.lower().rstrip("."): v for k, v in req["keys"].items()}
def dnsfunc(name, timeout=5):
    n = name.decode() if isinstance(name, bytes) else name
    r = keys.get(n.lower().rstrip("."))
    return r.encode() if r is not None else None
out = []
for m in req["messages"]:
    msg = base64.b64decode(m)
    n = len([1 for k, v in dkim.DKIM(msg).headers if k.lower() == b"dkim-signature"])
    res = []
    for i in range(n):
        try:
            ok = dkim.DKIM(msg, minkey=1024).verify(idx=i, dnsfunc=dnsfunc)
            res.append("pass" if ok else "fail")
        except Exception as e:
            res.append("error %s: %s" % (type(e).__name__, e))
    out.append(res)
json.dump(out, sys.stdout)
`

// runDkimpy verifies every case with dkimpy in one python process and
// returns, per case, one result per signature: "pass", "fail" or
// "error ...".
func runDkimpy(t *testing.T, python string, records map[string]string, cases []diffCase) [][]string {
	t.Helper()
	script := filepath.Join(t.TempDir(), "verify.py")
	if err := os.WriteFile(script, []byte(dkimpyScript), 0o644); err != nil {
		t.Fatal(err)
	}
	req := struct {
		Keys     map[string]string `json:"keys"`
		Messages []string          `json:"messages"`
	}{Keys: records}
	for _, c := range cases {
		req.Messages = append(req.Messages, base64.StdEncoding.EncodeToString(c.msg))
	}
	in, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, script)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("dkimpy: %v\n%s", err, stderr.String())
	}
	var res [][]string
	if err := json.Unmarshal(out, &res); err != nil || len(res) != len(cases) {
		t.Fatalf("dkimpy output: %v (%d results for %d cases)", err, len(res), len(cases))
	}
	return res
}
