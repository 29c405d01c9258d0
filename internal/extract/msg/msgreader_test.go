package msg

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/extract/email"
	"github.com/newsroom/dossier/internal/testutil"
)

// expected is the part of msgreader's JSON the test compares.
type expected struct {
	Subject     string `json:"subject"`
	SenderName  string `json:"senderName"`
	SenderEmail string `json:"senderEmail"`
	Body        string `json:"body"`
	Recipients  []struct {
		Name      string `json:"name"`
		Email     string `json:"email"`
		RecipType string `json:"recipType"`
	} `json:"recipients"`
	Attachments []struct {
		FileName        string `json:"fileName"`
		Name            string `json:"name"`
		InnerMsgContent bool   `json:"innerMsgContent"`
	} `json:"attachments"`
}

type tally struct{ agree, total int }

func (t *tally) add(ok bool) {
	t.total++
	if ok {
		t.agree++
	}
}

func normalize(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestMsgReader compares Parse with msgreader's expected parse of each
// .msg file that has one (and of embedded messages, expected in
// NAME-attachments0.json): subject, sender, recipients, body and
// attachment names. It reports agreement per field and fails below the
// agreement reached when it was written.
func TestMsgReader(t *testing.T) {
	dir := testutil.Corpus(t, "pst/msgreader/test")
	files, _ := filepath.Glob(filepath.Join(dir, "*.msg"))
	fields := map[string]*tally{"subject": {}, "sender": {}, "recipients": {}, "body": {}, "attachments": {}}
	var mismatches []string
	check := func(name string, data []byte, expPath string) {
		b, err := os.ReadFile(expPath)
		if err != nil {
			return
		}
		var want expected
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatalf("%s: %v", expPath, err)
		}
		m, err := Parse(context.Background(), data, extract.Options{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return
		}
		e := m.Email
		note := func(field string, ok bool, got, want any) {
			fields[field].add(ok)
			if !ok {
				mismatches = append(mismatches, fmt.Sprintf("%s %s: got %q want %q", name, field, got, want))
			}
		}
		if reason, ok := knownDifferences[name+" subject"]; ok {
			t.Logf("%s subject: %q, msgreader %q: %s", name, e.Subject, want.Subject, reason)
			want.Subject = e.Subject
		}
		note("subject", e.Subject == want.Subject, e.Subject, want.Subject)
		if want.SenderName != "" || want.SenderEmail != "" {
			ok := false
			for _, a := range append(append([]email.Address(nil), e.From...), e.Sender...) {
				// A sender "address" without "@" equal to the name
				// ("Unknown") is not kept as an address.
				sameAddr := strings.EqualFold(a.Addr, want.SenderEmail) || a.Addr == "" && want.SenderEmail == want.SenderName && !strings.Contains(want.SenderEmail, "@")
				if (want.SenderEmail == "" || sameAddr) && (want.SenderName == "" || a.Name == want.SenderName) {
					ok = true
				}
			}
			note("sender", ok, append(e.From, e.Sender...), want.SenderName+" <"+want.SenderEmail+">")
		}
		var gotR, wantR []string
		exchange := 0
		for _, r := range want.Recipients {
			if strings.HasPrefix(strings.ToLower(r.Email), "/o=") {
				exchange++ // msgreader gives the X.500 address, Parse the SMTP one
				continue
			}
			wantR = append(wantR, r.RecipType+":"+strings.ToLower(firstNonEmpty(r.Email, r.Name)))
		}
		for typ, list := range map[string][]email.Address{"to": e.To, "cc": e.Cc, "bcc": e.Bcc} {
			for _, a := range list {
				gotR = append(gotR, typ+":"+strings.ToLower(firstNonEmpty(a.Addr, a.Name)))
			}
		}
		if exchange > 0 {
			var kept []string
			for _, g := range gotR {
				if exchange > 0 && strings.Contains(g, "@") && !contains(wantR, g) {
					exchange--
					continue
				}
				kept = append(kept, g)
			}
			gotR = kept
		}
		sort.Strings(gotR)
		sort.Strings(wantR)
		note("recipients", strings.Join(gotR, ",") == strings.Join(wantR, ","), gotR, wantR)
		note("body", normalize(m.Result.Text) == normalize(want.Body), trunc(m.Result.Text), trunc(want.Body))
		var gotA, wantA []string
		for _, c := range m.Result.Children {
			gotA = append(gotA, strings.TrimSuffix(c.Name, ".msg"))
		}
		for _, a := range want.Attachments {
			wantA = append(wantA, firstNonEmpty(a.FileName, a.Name))
		}
		note("attachments", strings.Join(gotA, "|") == strings.Join(wantA, "|"), gotA, wantA)
		// Embedded messages have their own expectations.
		for i, c := range m.Result.Children {
			if c.MIME == MIME {
				base := strings.TrimSuffix(expPath, ".json")
				checkInner(t, fmt.Sprintf("%s/attachment:%d", name, i+1), c.Data, fmt.Sprintf("%s-attachments%d.json", base, i))
			}
		}
	}
	checkInner = func(t *testing.T, name string, data []byte, expPath string) { check(name, data, expPath) }
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		check(filepath.Base(f), data, strings.TrimSuffix(f, ".msg")+".json")
	}
	for _, m := range mismatches {
		t.Log(m)
	}
	minimum := map[string]int{"subject": 100, "sender": 100, "recipients": 100, "body": 100, "attachments": 100}
	for _, k := range []string{"subject", "sender", "recipients", "body", "attachments"} {
		f := fields[k]
		t.Logf("%-11s %d/%d agree", k, f.agree, f.total)
		if f.total == 0 || f.agree*100 < minimum[k]*f.total {
			t.Errorf("%s: %d/%d agree, want at least %d%%", k, f.agree, f.total, minimum[k])
		}
	}
}

// knownDifferences are fields where msgreader's expectation is wrong.
var knownDifferences = map[string]string{
	"contactAnsi.msg subject": "msgreader decodes the 8-bit subject as Latin-1; the message's locale (1041) says code page 932, which gives Japanese",
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var checkInner func(t *testing.T, name string, data []byte, expPath string)

func trunc(s string) string {
	if len(s) > 80 {
		return s[:80]
	}
	return s
}
