package dkim

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/newsroom/dossier/internal/testutil"
)

// arcSuiteTest is one test of the ValiMail ARC validation suite.
type arcSuiteTest struct {
	name, message, cv string
	keys              *MemKeys
}

// loadARCSuite reads the suite's YAML documents. They are walked as
// nodes because the suite repeats some test names, which yaml.v3 refuses
// when decoding into maps; the later test keeps its own name with a
// suffix.
func loadARCSuite(t *testing.T, path string) []arcSuiteTest {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	var out []arcSuiteTest
	seen := make(map[string]int)
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		root := doc.Content[0]
		keys := &MemKeys{}
		if recs := mapValue(root, "txt-records"); recs != nil {
			for i := 0; i+1 < len(recs.Content); i += 2 {
				name := recs.Content[i].Value
				sel, dom, _ := strings.Cut(name, "._domainkey.")
				keys.Add(Key{Domain: dom, Selector: sel, Record: recs.Content[i+1].Value, Source: "arc-suite"})
			}
		}
		tests := mapValue(root, "tests")
		for i := 0; tests != nil && i+1 < len(tests.Content); i += 2 {
			name := tests.Content[i].Value
			if seen[name]++; seen[name] > 1 {
				name += "#" + string(rune('0'+seen[name]))
			}
			body := tests.Content[i+1]
			msg, cv := mapValue(body, "message"), mapValue(body, "cv")
			if msg == nil || cv == nil {
				t.Fatalf("%s: test %s lacks message or cv", path, name)
			}
			out = append(out, arcSuiteTest{name: name, message: msg.Value, cv: strings.TrimSpace(cv.Value), keys: keys})
		}
	}
	return out
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// TestARCSuite runs the ValiMail ARC validation tests. The suite gives no
// verification time; its signatures carry t=12345 and no expiry, so any
// as-of time works. Three tests leave cv blank: each has a seal with
// cv=fail, which RFC 8617 5.2 step 2 makes a failed chain, so "fail" is
// expected for them.
func TestARCSuite(t *testing.T) {
	dir := testutil.Corpus(t, "dkim/arc-test-suite")
	tests := loadARCSuite(t, filepath.Join(dir, "arc-draft-validation-tests.yml"))
	if len(tests) < 170 {
		t.Fatalf("loaded %d tests, want 174", len(tests))
	}
	asOf := time.Date(2017, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := strings.ToLower(tc.cv)
			if want == "" {
				want = "fail"
			}
			rep, err := Verify(context.Background(), []byte(tc.message), Options{Keys: tc.keys, AsOf: asOf})
			if err != nil {
				t.Fatal(err)
			}
			if rep.ARC == nil {
				t.Fatal("no ARC result")
			}
			if rep.ARC.Result != want {
				t.Errorf("ARC %s (%s), want %s; sets %+v", rep.ARC.Result, rep.ARC.Reason, want, rep.ARC.Sets)
			}
		})
	}
}
