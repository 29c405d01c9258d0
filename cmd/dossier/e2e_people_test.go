package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/newsroom/dossier/internal/testutil"
)

type personOut struct {
	Name         string           `json:"name"`
	Aliases      []string         `json:"aliases"`
	Documents    int64            `json:"documents"`
	Messages     int64            `json:"messages"`
	ByCollection map[string]int64 `json:"by_collection"`
	Excluded     int64            `json:"excluded_occurrences"`
}

func peopleJSON(t *testing.T, archive string) map[string]personOut {
	t.Helper()
	var list []personOut
	decodeJSON(t, "people", mustDossier(t, archive, "people", "--json"), &list)
	out := map[string]personOut{}
	for _, p := range list {
		out[p.Name] = p
	}
	return out
}

// The names of the five 2017 candidates in every variant a leak holds them
// in, each message written so that the expected counts are exact.
func TestE2EPeopleVariants(t *testing.T) {
	dir := t.TempDir()
	leak := filepath.Join(dir, "leak")
	os.MkdirAll(leak, 0o755)
	msg := func(name, from, to, subject, body string) {
		t.Helper()
		m := "From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject + "\r\nDate: Mon, 3 Apr 2017 10:00:00 +0200\r\n" +
			"Message-ID: <" + name + "@example.fr>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n" +
			"Content-Transfer-Encoding: 8bit\r\n\r\n" + body + "\r\n"
		if err := os.WriteFile(filepath.Join(leak, name+".eml"), []byte(m), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Marine Le Pen: 1 accents/case (LE PEN), 2 split across lines, 3 her
	// address in To, 4 in an attachment only (below); never: "Lepenniste",
	// "Jean-Marie Le Pen" (excluded), "Le Penseur".
	msg("m1", "a@example.fr", "b@example.fr", "Sondage", "Selon le sondage, MARINE LE PEN progresse.")
	msg("m2", "a@example.fr", "b@example.fr", "Meeting", "Nous avons vu Marine Le\r\n   Pen hier soir.")
	msg("m3", "a@example.fr", "Marine <m.lepen@fn.example>", "Invitation", "Bonjour, voici l'invitation.")
	msg("m4", "a@example.fr", "b@example.fr", "Lepenniste", "Un courant lepenniste; Jean-Marie Le Pen a parlé; Le Penseur de Rodin.")
	// Emmanuel Macron: accents dropped in "Emmanuel Macron", elided
	// "d'Emmanuel Macron" with a curly apostrophe; never "Macronie" nor
	// "Brigitte Macron" (excluded).
	msg("m5", "Emmanuel Macron <em@en-marche.example>", "b@example.fr", "Programme", "Le programme d’Emmanuel Macron.")
	msg("m6", "a@example.fr", "b@example.fr", "Macronie", "La Macronie et Brigitte Macron.")
	// Benoît Hamon without the accent; Mélenchon in upper case without accent.
	msg("m7", "a@example.fr", "b@example.fr", "Primaire", "Benoit Hamon gagne la primaire. MELENCHON aussi en parle.")
	// A document file (not a message) naming François Fillon.
	if err := os.WriteFile(filepath.Join(leak, "note.txt"), []byte("Note: rendez-vous avec Francois FILLON le 3 avril.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// An attachment naming Marine Le Pen, in a message that does not.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	p, _ := mw.CreatePart(map[string][]string{"Content-Type": {"text/plain; charset=utf-8"}})
	p.Write([]byte("Voir la pièce jointe."))
	p, _ = mw.CreatePart(map[string][]string{"Content-Type": {"text/plain; charset=utf-8"},
		"Content-Disposition": {`attachment; filename="compte-rendu.txt"`}})
	p.Write([]byte("Compte rendu: Mme Le Pen a confirmé.\n"))
	mw.Close()
	m8 := "From: a@example.fr\r\nTo: b@example.fr\r\nSubject: CR\r\nDate: Tue, 4 Apr 2017 10:00:00 +0200\r\n" +
		"Message-ID: <m8@example.fr>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=" + mw.Boundary() + "\r\n\r\n" + body.String()
	os.WriteFile(filepath.Join(leak, "m8.eml"), []byte(m8), 0o644)

	archive := filepath.Join(dir, "archive")
	watchlist, err := filepath.Abs("../../examples/watchlists/presidentielle-2017.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The watchlist first: matching runs at ingest.
	mustDossier(t, archive, "watch", "import", watchlist)
	mustDossier(t, archive, "watch", "add", "MARINE LE PEN", "--email", "m.lepen@fn.example", "--no-apply")
	ingestJSON(t, archive, leak)
	got := peopleJSON(t, archive)
	want := map[string][2]int64{ // documents, messages
		// m1, m2, m3 (her address), m8's attachment; messages m1, m2, m3, m8
		"Marine Le Pen":      {4, 4},
		"Emmanuel Macron":    {1, 1},
		"Benoît Hamon":       {1, 1},
		"Jean-Luc Mélenchon": {1, 1},
		"François Fillon":    {1, 0},
	}
	for name, w := range want {
		p, ok := got[name]
		if !ok {
			t.Errorf("%s not listed: %v", name, got)
			continue
		}
		if p.Documents != w[0] || p.Messages != w[1] {
			t.Errorf("%s: %d documents, %d messages; want %d, %d", name, p.Documents, p.Messages, w[0], w[1])
		}
	}
	if p := got["Marine Le Pen"]; p.Excluded != 1 {
		t.Errorf("Marine Le Pen: %d excluded occurrences, want 1 (Jean-Marie Le Pen)", p.Excluded)
	}
	if p := got["Emmanuel Macron"]; p.Excluded != 1 {
		t.Errorf("Emmanuel Macron: %d excluded occurrences, want 1 (Brigitte Macron)", p.Excluded)
	}

	// Search fields agree with the counts; a removal and re-apply
	// changes nothing else.
	if n := search(t, archive, `person:"marine le pen"`).Total; n != 4 {
		t.Errorf(`person:"marine le pen": %d hits, want 4`, n)
	}
	if n := search(t, archive, `email:m.lepen@fn.example`).Total; n != 1 {
		t.Errorf(`email:: %d hits, want 1`, n)
	}
	mustDossier(t, archive, "watch", "remove", "Benoît Hamon")
	mustDossier(t, archive, "watch", "apply")
	after := peopleJSON(t, archive)
	if _, ok := after["Benoît Hamon"]; ok {
		t.Errorf("removed entity still listed")
	}
	if after["Marine Le Pen"].Documents != 4 || after["Emmanuel Macron"].Documents != 1 {
		t.Errorf("counts changed after apply: %+v", after)
	}

	// Batch search: a watched alias counts every variant, a free name is
	// a phrase.
	names := filepath.Join(dir, "names.csv")
	os.WriteFile(names, []byte("name\nMLP\nLe Penseur\nNobody Here\n"), 0o644)
	hits := filepath.Join(dir, "hits.csv")
	var bs []struct {
		Name  string `json:"name"`
		Count int    `json:"count"`
	}
	decodeJSON(t, "batch-search", mustDossier(t, archive, "batch-search", names, "--out", hits, "--json"), &bs)
	if len(bs) != 3 || bs[0].Count != 4 || bs[1].Count != 1 || bs[2].Count != 0 {
		t.Errorf("batch-search: %+v", bs)
	}
	f, _ := os.Open(hits)
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != 1+4+1 {
		t.Errorf("hits.csv: %d rows, %v", len(rows), err)
	}

	// The dossier and its CSV export.
	out := string(mustDossier(t, archive, "person", "MLP"))
	for _, want := range []string{"Marine Le Pen", "4 documents, 4 messages", "2017-04"} {
		if !strings.Contains(out, want) {
			t.Errorf("person: no %q in\n%s", want, out)
		}
	}
	csvOut := string(mustDossier(t, archive, "person", "Marine Le Pen", "--csv", "-"))
	if n := strings.Count(csvOut, "\n"); n != 5 {
		t.Errorf("person --csv: %d lines, want 5:\n%s", n, csvOut)
	}
	if r := runDossier(t, "--archive", archive, "person", "Nobody"); r.code == 0 || !strings.Contains(string(r.stderr), "not watched") {
		t.Errorf("unknown person: %v", r)
	}
}

// On the Enron corpus, the counts for Kenneth Lay and Jeff Skilling agree
// with an independent count made here from the raw messages.
func TestE2EPeopleEnron(t *testing.T) {
	root := testutil.Corpus(t, "enron/maildir")
	if testing.Short() {
		t.Skip("ingests two Enron mailboxes")
	}
	dir := t.TempDir()
	archive := filepath.Join(dir, "archive")
	wl := filepath.Join(dir, "enron.yaml")
	os.WriteFile(wl, []byte(`version: 1
people:
  - name: Kenneth Lay
    aliases: ["Ken Lay", "Kenneth L. Lay", "Kenneth L Lay"]
    emails: [kenneth.lay@enron.com, klay@enron.com, ken.lay@enron.com]
  - name: Jeff Skilling
    aliases: ["Jeffrey Skilling", "Jeffrey K. Skilling", "Jeff K. Skilling"]
    emails: [jeff.skilling@enron.com, jskilling@enron.com]
`), 0o644)
	mustDossier(t, archive, "watch", "import", wl)
	var paths []string
	for _, c := range []string{"lay-k", "skilling-j"} {
		paths = append(paths, filepath.Join(root, c))
	}
	ingestJSON(t, archive, paths...)
	got := peopleJSON(t, archive)

	patterns := map[string]*regexp.Regexp{
		"Kenneth Lay":   aliasRegexp("Kenneth Lay", "Ken Lay", "Kenneth L. Lay", "Kenneth L Lay", "kenneth.lay@enron.com", "klay@enron.com", "ken.lay@enron.com"),
		"Jeff Skilling": aliasRegexp("Jeff Skilling", "Jeffrey Skilling", "Jeffrey K. Skilling", "Jeff K. Skilling", "jeff.skilling@enron.com", "jskilling@enron.com"),
	}
	want := map[string]int64{}
	seen := map[string]bool{} // by content: a message in both mailboxes is one document
	for _, p := range paths {
		filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if seen[string(raw)] {
				return nil
			}
			seen[string(raw)] = true
			text := messageText(raw)
			for name, re := range patterns {
				if re.MatchString(text) {
					want[name]++
				}
			}
			return nil
		})
	}
	for name, w := range want {
		if w < 50 {
			t.Errorf("%s: independent count %d is implausibly small", name, w)
		}
		if got[name].Messages != w {
			t.Errorf("%s: dossier counts %d messages, the raw messages %d", name, got[name].Messages, w)
		}
	}
	t.Logf("Enron: %+v, independent %v", got, want)
}

// aliasRegexp matches any alias on word boundaries, case-insensitively,
// with any run of white space between words and the full stop after an
// initial optional ("Jeffrey K Skilling" is "Jeffrey K. Skilling").
func aliasRegexp(aliases ...string) *regexp.Regexp {
	var alts []string
	for _, a := range aliases {
		words := strings.Fields(a)
		for i, w := range words {
			words[i] = regexp.QuoteMeta(w)
			if len(w) == 2 && w[1] == '.' {
				words[i] = regexp.QuoteMeta(w[:1]) + `\.?`
			}
		}
		alts = append(alts, strings.Join(words, `\s+`))
	}
	return regexp.MustCompile(`(?i)(^|[^\pL\pN])(` + strings.Join(alts, "|") + `)($|[^\pL\pN])`)
}

// messageText is what the independent count reads of a raw message: the
// From, To, Cc and Bcc headers, the subject and the decoded body.
func messageText(raw []byte) string {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return string(raw)
	}
	var b strings.Builder
	dec := new(mime.WordDecoder)
	for _, h := range []string{"From", "To", "Cc", "Bcc", "Subject"} {
		v := m.Header.Get(h)
		if d, err := dec.DecodeHeader(v); err == nil {
			v = d
		}
		fmt.Fprintf(&b, "%s\n", v)
	}
	var body io.Reader = m.Body
	if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	bb, _ := io.ReadAll(body)
	b.Write(bb)
	return b.String()
}
