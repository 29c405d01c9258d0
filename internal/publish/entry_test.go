package publish_test

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsroom/dossier/internal/publish"
)

// The examples of docs/formats/log-entry.md, byte for byte.
const (
	examplePublish  = `{"v":1,"type":"publish","number":4127,"id":"3f1c9a0e5b7d2468ace013579bdf2468","release":"fillon-2017-02","time":"2017-02-14T09:30:00Z","files":[{"role":"original","sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","size":48213}],"dkim":{"verdict":"verified","signatures":[{"domain":"example.fr","selector":"mail2016","result":"pass"}]}}`
	exampleRedacted = `{"v":1,"type":"publish","number":4128,"id":"0d4e6f8a1b3c5e7092a4c6e8f0b2d4f6","release":"fillon-2017-02","time":"2017-02-14T09:30:00Z","files":[{"role":"redacted","sha256":"60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752","size":31877}],"commitment":"b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c"}`
	exampleWithdraw = `{"v":1,"type":"withdraw","number":4127,"id":"3f1c9a0e5b7d2468ace013579bdf2468","release":"fillon-2017-02","time":"2017-03-01T18:00:00Z","reason":"names a private person \"X\"\nwho asked"}`
)

func TestEntryRoundTrip(t *testing.T) {
	for _, s := range []string{examplePublish, exampleRedacted, exampleWithdraw} {
		e, err := publish.Parse([]byte(s))
		if err != nil {
			t.Fatalf("parse %s: %v", s, err)
		}
		b, err := publish.Marshal(e)
		if err != nil || string(b) != s {
			t.Errorf("round trip:\n got %s %v\nwant %s", b, err, s)
		}
	}
	e := &publish.Entry{Type: publish.TypePublish, Number: 7, ID: strings.Repeat("a", 32), Release: "r",
		Time:  time.Date(2026, 1, 2, 3, 4, 5, 999, time.FixedZone("", 3600)),
		Files: []publish.File{{Role: publish.FileOriginal, SHA256: strings.Repeat("0", 64), Size: 0}},
		DKIM:  &publish.DKIM{Verdict: "unsigned"}}
	b, err := publish.Marshal(e)
	want := `{"v":1,"type":"publish","number":7,"id":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","release":"r","time":"2026-01-02T02:04:05Z","files":[{"role":"original","sha256":"0000000000000000000000000000000000000000000000000000000000000000","size":0}],"dkim":{"verdict":"unsigned","signatures":[]}}`
	if err != nil || string(b) != want {
		t.Errorf("marshal:\n got %s %v\nwant %s", b, err, want)
	}
	if _, err := publish.Parse(b); err != nil {
		t.Errorf("parse own output: %v", err)
	}
}

func TestEntryRejects(t *testing.T) {
	for _, s := range []string{
		` ` + examplePublish,
		examplePublish + "\n",
		strings.Replace(examplePublish, `"number":4127,"id"`, `"id"`, 1) + `,"number":4127`, // not even JSON
		strings.Replace(examplePublish, `,"id":"3f1c9a0e5b7d2468ace013579bdf2468"`, ``, 1),
		strings.Replace(examplePublish, `"type":"publish","number":4127`, `"number":4127,"type":"publish"`, 1),
		strings.Replace(examplePublish, `"v":1`, `"v":2`, 1),
		strings.Replace(examplePublish, `"v":1,`, ``, 1),
		strings.Replace(examplePublish, `09:30:00Z`, `09:30:00.5Z`, 1),
		strings.Replace(examplePublish, `09:30:00Z`, `10:30:00+01:00`, 1),
		strings.Replace(examplePublish, `example.fr`, `example\u002efr`, 1),
		strings.Replace(examplePublish, `"size":48213`, `"size":48213,"extra":1`, 1),
		strings.Replace(examplePublish, `"role":"original"`, `"role":"redacted"`, 1),  // redacted without commitment
		strings.Replace(exampleRedacted, `"role":"redacted"`, `"role":"original"`, 1), // commitment with an original
		strings.Replace(exampleWithdraw, `"reason":"names a private person \"X\"\nwho asked"`, `"reason":""`, 1),
		strings.Replace(examplePublish, `"id":"3f1c`, `"id":"3F1C`, 1),
		`{"v":1}`,
		`[]`,
	} {
		if _, err := publish.Parse([]byte(s)); err == nil {
			t.Errorf("accepted %s", s)
		}
	}
	if _, err := publish.Parse([]byte(strings.Replace(examplePublish, `example.fr`, `example\u002efr`, 1))); !errors.Is(err, publish.ErrNotCanonical) {
		t.Errorf("non-canonical escape: %v", err)
	}
}

func TestEntrySizeLimit(t *testing.T) {
	e, _ := publish.Parse([]byte(exampleWithdraw))
	e.Reason = strings.Repeat("é", publish.MaxEntrySize/2)
	if _, err := publish.Marshal(e); err == nil {
		t.Error("an entry over 64 KB was marshalled")
	}
	e.Reason = strings.Repeat("x", publish.MaxEntrySize-300)
	b, err := publish.Marshal(e)
	if err != nil || len(b) > publish.MaxEntrySize {
		t.Fatalf("%d bytes, %v", len(b), err)
	}
	if _, err := publish.Parse(append(b, strings.Repeat(" ", publish.MaxEntrySize)...)); err == nil {
		t.Error("parsed an input over the limit")
	}
	e.Reason = "bad \xff utf-8"
	if _, err := publish.Marshal(e); err == nil {
		t.Error("marshalled invalid UTF-8")
	}
}

func TestCommitment(t *testing.T) {
	salt := make([]byte, 32)
	// SHA-256("dossier-commit-v1\x00" || 32 zero bytes || raw sha of "")
	got, err := publish.Commit(salt, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
	if err != nil || len(got) != 64 {
		t.Fatalf("%s %v", got, err)
	}
	other, _ := publish.Commit(append([]byte{1}, salt[1:]...), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
	if other == got {
		t.Error("the salt does not change the commitment")
	}
	if _, err := publish.Commit(salt, "xyz"); err == nil {
		t.Error("a bad hash was committed to")
	}
}

// FuzzParse checks that whatever Parse accepts is canonical: marshalling
// it gives back the same bytes.
func FuzzParse(f *testing.F) {
	for _, s := range []string{examplePublish, exampleRedacted, exampleWithdraw} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := publish.Parse(b)
		if err != nil {
			return
		}
		again, err := publish.Marshal(e)
		if err != nil || string(again) != string(b) {
			t.Fatalf("accepted %q, which marshals to %q (%v)", b, again, err)
		}
	})
}

// TestFormatDocExamples keeps docs/formats/log-entry.md honest: every
// example in it parses, and they are the examples tested here.
func TestFormatDocExamples(t *testing.T) {
	doc, err := os.ReadFile("../../docs/formats/log-entry.md")
	if err != nil {
		t.Fatal(err)
	}
	var examples []string
	for _, line := range strings.Split(string(doc), "\n") {
		if strings.HasPrefix(line, `{"v":`) {
			examples = append(examples, line)
			if _, err := publish.Parse([]byte(line)); err != nil {
				t.Errorf("example does not parse: %v\n%s", err, line)
			}
		}
	}
	if want := []string{examplePublish, exampleRedacted, exampleManifest, exampleWithdraw}; !slices.Equal(examples, want) {
		t.Errorf("documented examples:\n%s\nwant:\n%s", strings.Join(examples, "\n"), strings.Join(want, "\n"))
	}
}

func TestReadIDs(t *testing.T) {
	ids, err := publish.ReadIDs(strings.NewReader("# documents for the story\n12\n\n  #13 the second\n3f1c9a0e5b7d2468ace013579bdf2468 note\n#\n"))
	if err != nil || !slices.Equal(ids, []string{"12", "#13", "3f1c9a0e5b7d2468ace013579bdf2468"}) {
		t.Errorf("%q %v", ids, err)
	}
}

const exampleManifest = `{"v":1,"type":"manifest","number":0,"id":"","release":"fillon-2017-02","time":"2017-03-02T08:00:00Z","files":[{"role":"manifest","sha256":"2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae","size":18112}]}`

// A manifest entry names no document and exactly one manifest file.
func TestManifestEntry(t *testing.T) {
	e, err := publish.Parse([]byte(exampleManifest))
	if err != nil || e.Type != publish.TypeManifest || len(e.Files) != 1 {
		t.Fatalf("%+v %v", e, err)
	}
	bad := *e
	bad.Number = 3
	if _, err := publish.Marshal(&bad); err == nil {
		t.Errorf("a manifest entry with a document number was accepted")
	}
	bad = *e
	bad.Files = []publish.File{{Role: publish.FileOriginal, SHA256: e.Files[0].SHA256}}
	if _, err := publish.Marshal(&bad); err == nil {
		t.Errorf("a manifest entry with an original file was accepted")
	}
	all := *e
	all.Release = ""
	if _, err := publish.Marshal(&all); err != nil {
		t.Errorf("a manifest of every release: %v", err)
	}
}
