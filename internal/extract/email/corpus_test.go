package email

import (
	"encoding/xml"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/newsroom/dossier/internal/testutil"
)

// corpusFiles returns every regular file under dir whose name ends in one
// of exts.
func corpusFiles(t testing.TB, dir string, exts ...string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			for _, e := range exts {
				if strings.HasSuffix(p, e) {
					files = append(files, p)
					break
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func parseFile(t *testing.T, path string) *Message {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// TotalAlloc counts every allocation whether collected or not: no
	// runtime.GC is needed first (it would cost 15 s over the Enron
	// corpus).
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	m, err := Parse(raw, Limits{})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	// Parsing costs memory linear in the message: about 30x for the
	// smallest files, 18x for the hostile folded header, 5x for the rest.
	// The bound is generous but far below what a quadratic step would
	// take. (No wall-clock bound: CI machines are noisy; a hang is caught
	// by go test -timeout.)
	if alloc, limit := after.TotalAlloc-before.TotalAlloc, uint64(1<<20+64*len(raw)); alloc > limit {
		t.Errorf("%s: parsing %d bytes allocated %d (limit %d)", path, len(raw), alloc, limit)
	}
	checkValid(t, m, DefaultLimits)
	return m
}

func TestCorpusParses(t *testing.T) {
	for _, c := range []struct{ dir, ext string }{
		{"email/mime4j", ".msg"},
		{"email/mime4j/mbox-rlug", ""},
		{"email/mimekit", ""},
		{"email/sisimai/maildir", ".eml"},
		{"hostile/mime", ""},
		{"dkim", ".eml"},
	} {
		dir := testutil.Corpus(t, c.dir)
		files := corpusFiles(t, dir, c.ext)
		if len(files) == 0 {
			t.Errorf("%s: no files", dir)
		}
		for _, f := range files {
			parseFile(t, f)
		}
	}
}

// xmlNode is a generic element of mime4j's expected-structure XML.
type xmlNode struct {
	XMLName  xml.Name
	Children []xmlNode `xml:",any"`
	Text     string    `xml:",chardata"`
}

func (n xmlNode) child(name string) *xmlNode {
	for i := range n.Children {
		if n.Children[i].XMLName.Local == name {
			return &n.Children[i]
		}
	}
	return nil
}

// leafTypes lists the media types of the leaves of entity e (a <message> or
// <body-part>) as dossier reports them: embedded messages are one leaf.
func leafTypes(e xmlNode, def string) []string {
	ct := def
	if h := e.child("header"); h != nil {
		for _, f := range h.Children {
			name, v, _ := strings.Cut(strings.TrimSpace(f.Text), ":")
			if strings.EqualFold(name, "content-type") {
				if mt, _ := parseParams(v); strings.Contains(mt, "/") {
					ct = mt
				}
			}
		}
	}
	if mp := e.child("multipart"); mp != nil {
		childDef := "text/plain"
		if ct == "multipart/digest" {
			childDef = "message/rfc822"
		}
		var out []string
		for _, bp := range mp.Children {
			if bp.XMLName.Local == "body-part" {
				out = append(out, leafTypes(bp, childDef)...)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	if e.child("message") != nil {
		return []string{"message/rfc822"}
	}
	return []string{ct}
}

func TestCorpusMime4jStructure(t *testing.T) {
	dir := testutil.Corpus(t, "email/mime4j")
	files := corpusFiles(t, dir, ".msg")
	checked := 0
	for _, f := range files {
		xf := strings.TrimSuffix(f, ".msg") + ".xml"
		xb, err := os.ReadFile(xf)
		if err != nil {
			continue
		}
		var root xmlNode
		if err := xml.Unmarshal(xb, &root); err != nil {
			continue // a few expected files are not well-formed XML
		}
		want := nonText(leafTypes(root, "text/plain"))
		m := parseFile(t, f)
		var got []string
		for _, p := range m.Parts {
			if !strings.Contains(p.Path, "uu") {
				got = append(got, p.ContentType)
			}
		}
		got = nonText(got)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: non-text parts %q, mime4j %q", filepath.Base(f), got, want)
		}
		checked++
	}
	if checked < 20 {
		t.Errorf("only %d files compared", checked)
	}
}

func nonText(types []string) []string {
	var out []string
	for _, ct := range types {
		if !strings.HasPrefix(ct, "text/") && !strings.HasPrefix(ct, "multipart/") {
			out = append(out, ct)
		}
	}
	return out
}

func TestCorpusSpotChecks(t *testing.T) {
	corpus := testutil.Corpus(t, "email")
	root := filepath.Dir(corpus)
	type part struct{ path, ct, name string }
	tests := []struct {
		file    string
		subject string
		text    string // substring of Text
		parts   []part // checked in order, a prefix of Parts
		to      string // first To name
	}{
		{file: "email/mime4j/mimetools-testmsgs/attachment-filename-encoding-Latin1.msg",
			text: "Attachment Test", parts: []part{{"2", "text/plain", "attachment.äöü"}}},
		{file: "email/mime4j/mimetools-testmsgs/attachment-filename-encoding-UTF8.msg",
			parts: []part{{"2", "text/plain", "attachment.äöü"}}},
		{file: "email/mime4j/testmsgs/russian-headers.msg", subject: "A simple subject",
			parts: []part{{"1", "text/plain", "Список.doc"}}},
		{file: "email/mime4j/testmsgs/base64encoded-rfc822message-nested.msg",
			parts: []part{{"1", "message/rfc822", ""}}},
		{file: "email/mimekit/messages/japanese.txt", subject: "日本語メールテスト (testing Japanese emails)",
			text: "日本語が\n正常に\n送れているか\nテスト."},
		{file: "dkim/turkstream-roadmap/Message14960479880043215677.eml",
			text: "С Уважением. Евгений", to: "Евгений Вячеславович Зобнин",
			parts: []part{{"2", "application/msword", "Road-map_RUS_clean с коррективами.doc"}}},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			p := filepath.Join(root, tt.file)
			if _, err := os.Stat(p); err != nil {
				testutil.Missing(t, p+" is absent")
			}
			m := parseFile(t, p)
			if tt.subject != "" && m.Subject != tt.subject {
				t.Errorf("Subject = %q, want %q", m.Subject, tt.subject)
			}
			if !strings.Contains(m.Text, tt.text) {
				t.Errorf("Text = %q, want it to contain %q", m.Text, tt.text)
			}
			if tt.to != "" && (len(m.To) == 0 || m.To[0].Name != tt.to) {
				t.Errorf("To = %+v, want name %q", m.To, tt.to)
			}
			if len(m.Parts) < len(tt.parts) {
				t.Fatalf("Parts = %+v, want at least %d", m.Parts, len(tt.parts))
			}
			for i, w := range tt.parts {
				g := m.Parts[i]
				if g.Path != w.path || g.ContentType != w.ct || g.Filename != w.name {
					t.Errorf("part %d = %s %s %q, want %+v", i, g.Path, g.ContentType, g.Filename, w)
				}
			}
		})
	}
}

// TestCorpusLineEnds checks that the CRLF (dos) and CR-only (mac) copies of
// sisimai's messages give the same subject and text as the LF (bsd) ones.
func TestCorpusLineEnds(t *testing.T) {
	dir := testutil.Corpus(t, "email/sisimai/maildir")
	for _, f := range corpusFiles(t, filepath.Join(dir, "bsd"), ".eml") {
		base := parseFile(t, f)
		for _, variant := range []string{"dos", "mac"} {
			vf := filepath.Join(dir, variant, filepath.Base(f))
			if _, err := os.Stat(vf); err != nil {
				continue
			}
			m := parseFile(t, vf)
			if m.Subject != base.Subject {
				t.Errorf("%s/%s: Subject %q, bsd %q", variant, filepath.Base(f), m.Subject, base.Subject)
			}
			if m.Text != base.Text {
				t.Errorf("%s/%s: Text differs from bsd", variant, filepath.Base(f))
			}
			if len(m.Parts) != len(base.Parts) {
				t.Errorf("%s/%s: %d parts, bsd %d", variant, filepath.Base(f), len(m.Parts), len(base.Parts))
			}
		}
	}
}

// TestCorpusEnron parses every Enron message: none may fail, every one must
// have a readable Date, and none may take long.
func TestCorpusEnron(t *testing.T) {
	if testing.Short() {
		t.Skip("parses 21k messages")
	}
	dir := testutil.Corpus(t, "enron/maildir")
	files := corpusFiles(t, dir, "")
	noDate := 0
	for _, f := range files {
		m := parseFile(t, f)
		if m.Date.IsZero() {
			noDate++
			t.Logf("%s: no date: %q", f, m.DateRaw)
		}
	}
	if noDate > 0 {
		t.Errorf("%d of %d messages without a date", noDate, len(files))
	}
}
