package pst

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/extract/sandbox"
	"github.com/newsroom/dossier/internal/testutil"
)

func TestMain(m *testing.M) {
	sandbox.MaybeExec()
	os.Exit(m.Run())
}

func extractFile(t *testing.T, path string, opts extract.Options) *extract.Result {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := New().Extract(context.Background(), data, "application/vnd.ms-outlook", opts)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return res
}

// The counts are what readpst 0.6.76 writes; SOURCES.md gives none.
var corpus = []struct {
	file                        string
	messages, contacts, calendr int
	folders                     []string
}{
	{"pst/go-pst/support.pst", 17, 0, 0, []string{"support/Drafts", "support/Sent Messages"}},
	{"pst/go-pst/32-bit.pst", 0, 0, 1, []string{"Personal Folders/Calendar"}},
	{"pst/java-libpst/dist-list.pst", 0, 1, 1, []string{"Personal Folders/Calendar", "Personal Folders/Contacts"}},
	{"pst/java-libpst/passworded.pst", 0, 1, 0, []string{"Personal Folders/Contacts"}},
	{"docs/tika/microsoft/testPST.pst", 7, 0, 0, []string{"hong-thai.nguyen"}},
}

func TestCorpus(t *testing.T) {
	testutil.Tool(t, "readpst")
	for _, c := range corpus {
		res := extractFile(t, testutil.Corpus(t, c.file), extract.Options{})
		n := map[string]int{}
		folders := map[string]bool{}
		for i, ch := range res.Children {
			n[ch.MIME]++
			folders[ch.Name] = true
			if ch.Skip != "" || ch.Failed != "" || len(ch.Data) == 0 {
				t.Errorf("%s: child %+v", c.file, ch)
			}
			if !strings.HasPrefix(ch.Path, ch.Name+"/") {
				t.Errorf("%s: path %q, name %q", c.file, ch.Path, ch.Name)
			}
			if i > 0 && ch.Path == res.Children[i-1].Path {
				t.Errorf("%s: duplicate %q", c.file, ch.Path)
			}
		}
		if n["message/rfc822"] != c.messages || n["text/vcard"] != c.contacts || n["text/calendar"] != c.calendr {
			t.Errorf("%s: %v", c.file, n)
		}
		for _, f := range c.folders {
			if !folders[f] {
				t.Errorf("%s: no folder %q in %v", c.file, f, folders)
			}
		}
		if len(folders) != len(c.folders) {
			t.Errorf("%s: folders %v", c.file, folders)
		}
		t.Logf("%s: %d messages, %d contacts, %d calendar items", c.file, c.messages, c.contacts, c.calendr)
	}
}

func TestMessages(t *testing.T) {
	testutil.Tool(t, "readpst")
	res := extractFile(t, testutil.Corpus(t, "docs/tika/microsoft/testPST.pst"), extract.Options{})
	var subjects []string
	for _, c := range res.Children {
		if !bytes.Contains(c.Data, []byte("\nSubject: ")) || !bytes.Contains(c.Data, []byte("\nFrom: ")) {
			t.Errorf("%s: not a message: %.200q", c.Path, c.Data)
		}
		if bytes.Contains(c.Data, []byte("Subject: ")) {
			s := string(c.Data[bytes.Index(c.Data, []byte("Subject: "))+9:])
			subjects = append(subjects, s[:strings.IndexByte(s, '\n')])
		}
	}
	if len(subjects) == 0 || !strings.Contains(strings.Join(subjects, "|"), "TIKA-1249") {
		t.Errorf("subjects %q", subjects)
	}
	// Numbered in folder order: 2.eml before 10.eml.
	for i := 1; i < len(res.Children); i++ {
		a, b := res.Children[i-1].Path, res.Children[i].Path
		if len(a) > len(b) && filepath.Dir(a) == filepath.Dir(b) {
			t.Errorf("%q sorted before %q", a, b)
		}
	}
}

// TestStable runs readpst twice on each PST: the children must be the
// same bytes, or re-ingesting a PST would give its messages new ids.
func TestStable(t *testing.T) {
	testutil.Tool(t, "readpst")
	for _, c := range corpus {
		p := testutil.Corpus(t, c.file)
		a := extractFile(t, p, extract.Options{})
		time.Sleep(1100 * time.Millisecond) // readpst's clock and seed move
		b := extractFile(t, p, extract.Options{})
		if len(a.Children) != len(b.Children) {
			t.Fatalf("%s: %d then %d children", c.file, len(a.Children), len(b.Children))
		}
		for i := range a.Children {
			if a.Children[i].Path != b.Children[i].Path || !bytes.Equal(a.Children[i].Data, b.Children[i].Data) {
				t.Errorf("%s: child %d differs: %s", c.file, i, a.Children[i].Path)
			}
		}
		if testing.Short() {
			break
		}
	}
}

func TestBudget(t *testing.T) {
	testutil.Tool(t, "readpst")
	res := extractFile(t, testutil.Corpus(t, "pst/go-pst/support.pst"), extract.Options{Budget: extract.Budget{MaxMembers: 5}})
	if len(res.Children) != 17 || len(res.Problems) != 1 {
		t.Fatalf("%d children, problems %q", len(res.Children), res.Problems)
	}
	for i, c := range res.Children {
		if (i < 5) != (c.Data != nil) || (i >= 5) != (c.Skip != "") {
			t.Errorf("child %d: %d bytes, skip %q", i, len(c.Data), c.Skip)
		}
	}
	res = extractFile(t, testutil.Corpus(t, "pst/go-pst/support.pst"), extract.Options{Budget: extract.Budget{MaxBytes: 20_000}})
	var kept int
	for _, c := range res.Children {
		kept += len(c.Data)
	}
	if kept > 20_000 {
		t.Errorf("%d bytes kept", kept)
	}
}

func TestBroken(t *testing.T) {
	testutil.Tool(t, "readpst")
	data, err := os.ReadFile(testutil.Corpus(t, "pst/go-pst/support.pst"))
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"truncated": data[:len(data)/3],
		"header":    data[:512],
		"signature": []byte("!BDN"),
		"zeroed":    append(append([]byte{}, data[:4096]...), make([]byte, 200_000)...),
	} {
		// The budget's timeout is the sandbox's kill: a readpst that hung
		// would be stopped and reported. No wall-clock bound is asserted
		// (CI machines are noisy); a failure must say what readpst did.
		start := time.Now()
		res, err := New().Extract(context.Background(), b, "", extract.Options{Budget: extract.Budget{Timeout: 20 * time.Second}})
		reason := ""
		if err != nil {
			reason = err.Error()
		} else {
			reason = strings.Join(res.Problems, "; ")
		}
		t.Logf("%s: %v, %v", name, time.Since(start).Round(time.Millisecond), reason)
		if (err != nil || len(res.Problems) > 0) && !strings.Contains(reason, "readpst") {
			t.Errorf("%s: reason %q does not say what readpst did", name, reason)
		}
	}
	if _, err := New().Extract(context.Background(), []byte("not a pst"), "", extract.Options{}); err == nil {
		t.Error("accepted a non-PST")
	}
}

func TestStabilize(t *testing.T) {
	eml := "Content-Type: multipart/mixed;\n\tboundary=\"--boundary-LibPST-iamunique-795712840_-_-\"\n\n" +
		"----boundary-LibPST-iamunique-795712840_-_-\nContent-Type: multipart/alternative; boundary=\"alt---boundary-LibPST-iamunique-350899320_-_-\"\n" +
		"--alt---boundary-LibPST-iamunique-350899320_-_---\n----boundary-LibPST-iamunique-795712840_-_---\n"
	want := strings.NewReplacer("795712840", "1", "350899320", "2").Replace(eml)
	if got := string(Stabilize("1.eml", []byte(eml))); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	ics := "BEGIN:VEVENT\nUID:1\nDTSTAMP:20261122T035008Z\nCREATED:20160802T002639Z\nLAST-MOD:20160802T025058Z\nEND:VEVENT\n" +
		"BEGIN:VEVENT\nDTSTAMP:20261122T035008Z\nCREATED:20040817T144049Z\nEND:VEVENT\n"
	got := string(Stabilize("1.ics", []byte(ics)))
	if !strings.Contains(got, "UID:1\nDTSTAMP:20160802T025058Z\n") || !strings.Contains(got, "\nDTSTAMP:20040817T144049Z\nCREATED") || strings.Contains(got, "2026") {
		t.Errorf("got\n%s", got)
	}
}

func FuzzStabilize(f *testing.F) {
	f.Add("1.eml", []byte("boundary-LibPST-iamunique-12_-_- boundary-LibPST-iamunique-12_-_-"))
	f.Add("1.ics", []byte("DTSTAMP:20261122T035008Z\r\nLAST-MOD:20160802T025058Z\r\nEND:VEVENT\r\n"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		out := Stabilize(name, data)
		if len(out) > len(data)+len(data)/2+64 {
			t.Fatalf("%d bytes grew to %d", len(data), len(out))
		}
	})
}
