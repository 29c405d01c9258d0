package publish_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsroom/dossier"
	"github.com/newsroom/dossier/internal/dkim"
	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/forensics"
	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/meta/sqlite"
	"github.com/newsroom/dossier/internal/publish"
)

// memLog is an in-memory transparency log. crashAfterAppend makes the
// next Append keep the entries and then fail, as if the process died
// before recording their indexes; dedup returns the first index of an
// entry appended before.
type memLog struct {
	mu               sync.Mutex
	entries          [][]byte
	crashAfterAppend bool
	dedup            bool
}

func (l *memLog) Append(ctx context.Context, entries [][]byte) ([]uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]uint64, len(entries))
	for i, e := range entries {
		if l.dedup {
			if j := slices.IndexFunc(l.entries, func(x []byte) bool { return bytes.Equal(x, e) }); j >= 0 {
				out[i] = uint64(j)
				continue
			}
		}
		out[i] = uint64(len(l.entries))
		l.entries = append(l.entries, bytes.Clone(e))
	}
	if l.crashAfterAppend {
		l.crashAfterAppend = false
		return nil, errors.New("killed")
	}
	return out, nil
}

func (l *memLog) parsed(t *testing.T) []*publish.Entry {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []*publish.Entry
	for _, b := range l.entries {
		e, err := publish.Parse(b)
		if err != nil {
			t.Fatalf("log holds an entry that does not parse: %v\n%s", err, b)
		}
		out = append(out, e)
	}
	return out
}

func hexsum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// archive is a small private archive built by committing rows directly.
type archive struct {
	dir     string
	store   *sqlite.Store
	public  *sqlite.Store
	pubPath string
	log     *memLog
	clock   time.Time
	docs    map[string]*meta.Document // by name
}

const (
	marker    = "zanzibarprivate" // a word only private documents contain
	bccAddr   = "hidden.bcc@example.org"
	origText  = "contrat original signé par Jean Dupont, numéro de sécurité sociale"
	redText   = "contrat original signé par XXXX, numéro XXXX caviardé"
	leakPath  = "Source Name/Boite de Jean/Documents/contrat.pdf"
	collected = "leak"
)

var t0 = time.Date(2017, 3, 1, 10, 0, 0, 0, time.UTC)

func openStore(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newArchive(t testing.TB) *archive {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	a := &archive{dir: dir, store: openStore(t, filepath.Join(dir, "dossier.db")), pubPath: filepath.Join(dir, "public", "public.db"),
		log: &memLog{}, clock: time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC), docs: map[string]*meta.Document{}}
	if err := os.MkdirAll(filepath.Dir(a.pubPath), 0o700); err != nil {
		t.Fatal(err)
	}
	a.public = openStore(t, a.pubPath)

	date := t0
	emailMeta := meta.EmailMeta{From: []string{"Alice Martin <alice@campaign.example>"}, To: []string{"bob@campaign.example"},
		Bcc: []string{bccAddr}, Mailbox: "RS"}
	em, _ := json.Marshal(emailMeta)
	created := time.Date(2016, 12, 24, 9, 0, 0, 0, time.UTC)
	gps := &extract.GPS{}
	attMeta, _ := json.Marshal(meta.DocMeta{Document: extract.Metadata{Author: "J. Dupont", Created: &created, GPS: gps},
		Pages: []int{0}, Flags: []forensics.Flag{{Rule: "modified-after-received"}}, Problems: []string{"/tmp/x42: odd"}})
	auth := &dkim.Report{Verdict: dkim.Verified, AsOf: t0, FromDomain: "campaign.example", Signatures: []dkim.Signature{
		{Domain: "campaign.example", Selector: "s2017", Result: dkim.Pass, Identity: "alice@campaign.example", Aligned: true}}}

	emailID := dossier.DocID(dossier.RootParent(collected), "mail/inbox/1.eml", hexsum("email-1"))
	docs := []struct {
		name  string
		doc   *meta.Document
		text  string
		index *meta.IndexFields
		auth  *dkim.Report
	}{
		{"email", &meta.Document{ID: emailID, Path: "mail/inbox/1.eml", SHA256: hexsum("email-1"), Size: 1000,
			Collection: collected, Kind: dossier.KindEmail, MIME: "message/rfc822", Filename: "1.eml", Status: dossier.Indexed,
			MessageID: "<1@campaign.example>", ThreadID: "t1", Subject: "Budget de campagne", Sender: "alice@campaign.example",
			SenderName: "Alice Martin", Date: &date, HasAttachments: true, Lang: "fr", Meta: em, Reason: "parsed with problems: x"},
			"Le budget alpha de la campagne est prêt.", &meta.IndexFields{Subject: "Budget de campagne",
				Body: "Le budget alpha de la campagne est prêt.", Filename: "1.eml", From: emailMeta.From, To: emailMeta.To,
				Bcc: emailMeta.Bcc, Date: &date}, auth},
		{"attachment", &meta.Document{ID: dossier.DocID(emailID, "part:2", hexsum("pdf-1")), ParentID: emailID, Path: "part:2",
			SHA256: hexsum("pdf-1"), Size: 2000, Collection: collected, Kind: dossier.KindPDF, MIME: "application/pdf",
			Filename: "rapport.pdf", Status: dossier.Indexed, Depth: 1, ThreadID: "t1", Sender: "alice@campaign.example",
			SenderName: "Alice Martin", Date: &date, Lang: "fr", Author: "J. Dupont", Flags: []string{"modified-after-received"},
			Meta: attMeta},
			"Rapport financier alpha.", &meta.IndexFields{Body: "Rapport financier alpha.", Filename: "rapport.pdf",
				From: emailMeta.From, To: emailMeta.To, Bcc: emailMeta.Bcc, Lang: "fr", Date: &date}, nil},
		{"private", &meta.Document{ID: dossier.DocID(dossier.RootParent(collected), "mail/inbox/2.eml", hexsum("email-2")),
			Path: "mail/inbox/2.eml", SHA256: hexsum("email-2"), Size: 900, Collection: collected, Kind: dossier.KindEmail,
			MIME: "message/rfc822", Filename: "2.eml", Status: dossier.Indexed, Subject: "Confidentiel " + marker,
			Sender: "carol@private.example", Date: &date, Lang: "fr"},
			"Message privé " + marker + " alpha.", &meta.IndexFields{Subject: "Confidentiel " + marker,
				Body: "Message privé " + marker + " alpha.", From: []string{"carol@private.example"}, Date: &date},
			&dkim.Report{Verdict: dkim.Failed, Signatures: []dkim.Signature{{Domain: "private.example", Selector: "k", Result: dkim.Fail}}}},
		{"notes", &meta.Document{ID: dossier.DocID(dossier.RootParent(collected), "Jean/Private Folder/notes.txt", hexsum("notes")),
			Path: "Jean/Private Folder/notes.txt", SHA256: hexsum("notes"), Size: 30, Collection: collected, Kind: dossier.KindText,
			MIME: "text/plain", Filename: "notes.txt", Status: dossier.Indexed, Lang: "fr"},
			"Notes de réunion beta.", &meta.IndexFields{Body: "Notes de réunion beta.", Filename: "notes.txt", Lang: "fr"}, nil},
		{"contract", &meta.Document{ID: dossier.DocID(dossier.RootParent(collected), leakPath, hexsum("contract")),
			Path: leakPath, SHA256: hexsum("contract"), Size: 5000, Collection: collected, Kind: dossier.KindPDF,
			MIME: "application/pdf", Filename: "contrat.pdf", Status: dossier.Indexed, Author: "Jean Dupont", Lang: "fr",
			Meta: attMeta},
			origText + " " + marker, &meta.IndexFields{Body: origText + " " + marker, Filename: "contrat.pdf", Lang: "fr"}, nil},
		{"failed", &meta.Document{ID: dossier.DocID(dossier.RootParent(collected), "broken.bin", ""), Path: "broken.bin",
			Collection: collected, Kind: dossier.KindOther, MIME: "application/octet-stream", Status: dossier.Failed,
			Reason: "read: permission denied"}, "", nil, nil},
	}
	var b meta.Batch
	for _, d := range docs {
		b.Entries = append(b.Entries, meta.Entry{Doc: d.doc, Text: d.text, Index: d.index, Auth: d.auth})
	}
	if _, err := a.store.Commit(ctx, &b); err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		a.docs[d.name] = d.doc
	}
	return a
}

func (a *archive) publisher() *publish.Publisher {
	return &publish.Publisher{Store: a.store, Log: a.log, Projection: a.public, LockFile: filepath.Join(a.dir, "publish.lock"),
		Now: func() time.Time { return a.clock }}
}

func (a *archive) num(name string) string { return fmt.Sprint(a.docs[name].Num) }

func (a *archive) publicNums(t *testing.T) []int64 {
	t.Helper()
	var out []int64
	if err := a.public.Documents(context.Background(), func(d *meta.Document) error {
		out = append(out, d.Num)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func (a *archive) publicSearch(t *testing.T, q string) *meta.SearchResult {
	t.Helper()
	res, err := a.public.Search(context.Background(), meta.SearchRequest{Query: q, Facets: true, Limit: 100})
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	return res
}

// dbBytes returns the projection's database bytes, WAL included.
func (a *archive) dbBytes(t *testing.T) []byte {
	t.Helper()
	var all []byte
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(a.pubPath + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

func nums(a *archive, names ...string) []int64 {
	var out []int64
	for _, n := range names {
		out = append(out, a.docs[n].Num)
	}
	slices.Sort(out)
	return out
}

func TestCreateByQueryAndIDs(t *testing.T) {
	ctx := context.Background()
	a := newArchive(t)
	p := a.publisher()
	res, err := p.Create(ctx, publish.CreateOptions{Name: "alpha", Query: "alpha -" + marker})
	if err != nil {
		t.Fatal(err)
	}
	if res.Selected != 2 || res.Release.State != publish.Draft || res.Release.Documents != 2 {
		t.Errorf("by query: %+v %+v", res, res.Release)
	}
	docs, _ := a.store.ReleaseDocs(ctx, "alpha")
	if got := []int64{docs[0].Num, docs[1].Num}; !slices.Equal(got, nums(a, "email", "attachment")) {
		t.Errorf("by query: documents %v", got)
	}

	// By id, with attachments: the email and its attachment.
	res, err = p.Create(ctx, publish.CreateOptions{Name: "with-att", IDs: []string{a.docs["email"].ID}, WithAttachments: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Selected != 1 || res.Attachments != 1 || len(res.Enclosed) != 0 {
		t.Errorf("with attachments: %+v", res)
	}
	// Without: the attachment is enclosed in a published email, and said so.
	res, err = p.Create(ctx, publish.CreateOptions{Name: "no-att", IDs: []string{a.num("email")}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Attachments != 0 || !slices.Equal(res.Enclosed, nums(a, "attachment")) {
		t.Errorf("without attachments: %+v", res)
	}
	// By number, with parents: the attachment brings its email.
	res, err = p.Create(ctx, publish.CreateOptions{Name: "with-parents", IDs: []string{"#" + a.num("attachment"), " "}, WithParents: true})
	if err != nil {
		t.Fatal(err)
	}
	docs, _ = a.store.ReleaseDocs(ctx, "with-parents")
	if res.Parents != 1 || len(docs) != 2 || docs[0].Role != publish.RoleParent || docs[1].Role != publish.RoleSelected {
		t.Errorf("with parents: %+v %+v", res, docs)
	}
	list, err := p.List(ctx)
	if err != nil || len(list) != 4 {
		t.Errorf("list: %v %v", list, err)
	}
	v, err := p.Show(ctx, "with-parents")
	if err != nil || len(v.Docs) != 2 || v.Docs[0].Title != "Budget de campagne" || v.Docs[1].ID != a.docs["attachment"].ID {
		t.Errorf("show: %+v %v", v, err)
	}
}

func TestCreateErrors(t *testing.T) {
	ctx := context.Background()
	a := newArchive(t)
	p := a.publisher()
	unknown := strings.Repeat("ab", 16)
	_, err := p.Create(ctx, publish.CreateOptions{Name: "bad", IDs: []string{a.num("email"), unknown, "999"}})
	if !errors.Is(err, meta.ErrNotFound) || !strings.Contains(err.Error(), unknown) || !strings.Contains(err.Error(), "999") {
		t.Errorf("unknown ids: %v", err)
	}
	if _, err := a.store.Release(ctx, "bad"); !errors.Is(err, publish.ErrNoRelease) {
		t.Errorf("a release was created despite unknown ids: %v", err)
	}
	if _, err := p.Create(ctx, publish.CreateOptions{Name: "bad", IDs: []string{"not-an-id"}}); err == nil {
		t.Error("a malformed id was accepted")
	}
	if _, err := p.Create(ctx, publish.CreateOptions{Name: "none", Query: "nothingmatchesthis"}); !errors.Is(err, publish.ErrEmptyRelease) {
		t.Errorf("empty release: %v", err)
	}
	if _, err := p.Create(ctx, publish.CreateOptions{Name: "none"}); !errors.Is(err, publish.ErrEmptyRelease) {
		t.Errorf("release without selection: %v", err)
	}
	if _, err := p.Create(ctx, publish.CreateOptions{Name: "failed", IDs: []string{a.num("failed")}}); err == nil ||
		!strings.Contains(err.Error(), "no stored bytes") {
		t.Errorf("a document without bytes: %v", err)
	}
	if _, err := p.Create(ctx, publish.CreateOptions{Name: "../x", Query: "alpha"}); err == nil {
		t.Error("a bad name was accepted")
	}
	if _, err := p.Create(ctx, publish.CreateOptions{Name: "dup", Query: "alpha"}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Create(ctx, publish.CreateOptions{Name: "dup", Query: "beta"}); !errors.Is(err, publish.ErrReleaseExists) {
		t.Errorf("duplicate name: %v", err)
	}
	if _, err := p.Publish(ctx, "dup", a.clock.Add(-time.Hour)); !errors.Is(err, publish.ErrPastTime) {
		t.Errorf("past schedule: %v", err)
	}
	if _, err := p.Publish(ctx, "missing", time.Time{}); !errors.Is(err, publish.ErrNoRelease) {
		t.Errorf("publish a missing release: %v", err)
	}
	if len(a.log.entries) != 0 {
		t.Errorf("errors appended %d entries", len(a.log.entries))
	}
}

func TestPublishProjectionHoldsOnlyPublished(t *testing.T) {
	ctx := context.Background()
	a := newArchive(t)
	p := a.publisher()
	if _, err := p.Create(ctx, publish.CreateOptions{Name: "r1", IDs: []string{a.num("email"), a.num("notes")}, WithAttachments: true}); err != nil {
		t.Fatal(err)
	}
	res, err := p.Publish(ctx, "r1", a.clock.Add(-30*time.Second)) // a few seconds late is now
	if err != nil {
		t.Fatal(err)
	}
	if res.State != publish.Published || res.Documents != 3 || res.Appended != 3 {
		t.Errorf("result %+v", res)
	}
	if got, want := a.publicNums(t), nums(a, "email", "attachment", "notes"); !slices.Equal(got, want) {
		t.Errorf("projection holds %v, want %v", got, want)
	}
	// Same numbers, same ids, text, verdicts.
	pub, err := a.public.DocByNum(ctx, a.docs["email"].Num)
	if err != nil || pub.ID != a.docs["email"].ID || pub.DKIM != "verified" {
		t.Fatalf("public email: %+v %v", pub, err)
	}
	if text, _ := a.public.Text(ctx, pub.Num); !strings.Contains(text, "budget alpha") {
		t.Errorf("public text %q", text)
	}
	if rep, _ := a.public.Auth(ctx, pub.Num); rep == nil || len(rep.Signatures) != 1 || rep.Signatures[0].Domain != "campaign.example" {
		t.Errorf("public verdict %+v", rep)
	}
	if strings.Contains(string(pub.Meta), `"maildir_flags"`) || pub.Reason != "" {
		t.Errorf("private fields in public email: %s %q", pub.Meta, pub.Reason)
	}
	att, _ := a.public.DocByNum(ctx, a.docs["attachment"].Num)
	if att.ParentID != pub.ID || att.Path != "part:2" || att.Sender == "" || len(att.Flags) != 0 ||
		strings.Contains(string(att.Meta), "gps") || strings.Contains(string(att.Meta), "x42") {
		t.Errorf("public attachment %+v %s", att, att.Meta)
	}
	notes, _ := a.public.DocByNum(ctx, a.docs["notes"].Num)
	if notes.Path != "notes.txt" {
		t.Errorf("top-level path %q reveals the leak's layout", notes.Path)
	}
	// Search and facets see only what is published.
	if res := a.publicSearch(t, marker); res.Total != 0 {
		t.Errorf("private marker found in public: %d", res.Total)
	}
	all := a.publicSearch(t, "collection:"+collected)
	if all.Total != 3 || all.Facets["collection"][0].Count != 3 {
		t.Errorf("facets count %d documents: %+v", all.Total, all.Facets["collection"])
	}
	for _, f := range all.Facets["dkim"] {
		if f.Value == "failed" {
			t.Errorf("dkim facet counts a private message: %+v", all.Facets["dkim"])
		}
	}
	if res := a.publicSearch(t, "alpha"); res.Total != 2 {
		t.Errorf("alpha in public: %d hits, want 2", res.Total)
	}
	if res := a.publicSearch(t, "from:alice"); res.Total != 2 { // the email and its attachment (parent public)
		t.Errorf("from:alice: %d", res.Total)
	}
	releases, err := a.public.PublicReleases(ctx)
	if err != nil || len(releases) != 1 || releases[0].Documents != 3 || !releases[0].PublishedAt.Equal(a.clock) {
		t.Errorf("public releases %+v %v", releases, err)
	}
	// The log: one canonical entry per document, with the verdict.
	entries := a.log.parsed(t)
	if len(entries) != 3 {
		t.Fatalf("%d entries", len(entries))
	}
	e := entries[0]
	if e.Number != a.docs["email"].Num || e.Release != "r1" || e.Files[0].SHA256 != a.docs["email"].SHA256 ||
		e.Files[0].Role != publish.FileOriginal || e.DKIM == nil || e.DKIM.Verdict != "verified" ||
		e.DKIM.Signatures[0] != (publish.Signature{Domain: "campaign.example", Selector: "s2017", Result: "pass"}) {
		t.Errorf("entry %+v", e)
	}
	logs, _ := a.public.PublicLog(ctx, e.Number)
	if len(logs) != 1 || logs[0].LogIndex != 0 || !bytes.Equal(logs[0].Entry, a.log.entries[0]) {
		t.Errorf("public log records %+v", logs)
	}
	// Publishing again: nothing appended.
	if _, err := p.Publish(ctx, "r1", time.Time{}); !errors.Is(err, publish.ErrAlreadyPublished) {
		t.Errorf("second publish: %v", err)
	}
	// A later release with an overlapping document publishes only the new one.
	if _, err := p.Create(ctx, publish.CreateOptions{Name: "r2", IDs: []string{a.num("notes"), a.num("contract")}}); err != nil {
		t.Fatal(err)
	}
	res, err = p.Publish(ctx, "r2", time.Time{})
	if err != nil || res.Appended != 1 || !slices.Equal(res.AlreadyPublic, nums(a, "notes")) {
		t.Errorf("overlapping release: %+v %v", res, err)
	}
	if len(a.log.entries) != 4 {
		t.Errorf("%d entries after the second release", len(a.log.entries))
	}
}

func TestAttachmentWithoutParentHidesParent(t *testing.T) {
	ctx := context.Background()
	a := newArchive(t)
	p := a.publisher()
	if _, err := p.Create(ctx, publish.CreateOptions{Name: "att", IDs: []string{a.num("attachment")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Publish(ctx, "att", time.Time{}); err != nil {
		t.Fatal(err)
	}
	att, err := a.public.DocByNum(ctx, a.docs["attachment"].Num)
	if err != nil {
		t.Fatal(err)
	}
	if att.ParentID != "" || att.Sender != "" || att.SenderName != "" || att.ThreadID != "" || att.Path != "rapport.pdf" ||
		att.Date == nil || !att.Date.Equal(time.Date(2016, 12, 24, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("attachment shows its private email: %+v", att)
	}
	for _, q := range []string{"from:alice", "bcc:hidden", "hidden", "t1"} {
		if res := a.publicSearch(t, q); res.Total != 0 {
			t.Errorf("%q finds the attachment through its private email", q)
		}
	}
	if res := a.publicSearch(t, "rapport"); res.Total != 1 {
		t.Errorf("rapport: %d", res.Total)
	}
	a.public.Close()
	db := a.dbBytes(t)
	for _, secret := range []string{a.docs["email"].ID, bccAddr, "alice@campaign.example", "Boite", marker} {
		if bytes.Contains(db, []byte(secret)) {
			t.Errorf("projection database contains %q", secret)
		}
	}

	// The email published later: the attachment's row is refreshed with
	// its link and inherited fields.
	a.public = openStore(t, a.pubPath)
	p.Projection = a.public
	if _, err := p.Create(ctx, publish.CreateOptions{Name: "email", IDs: []string{a.num("email")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Publish(ctx, "email", time.Time{}); err != nil {
		t.Fatal(err)
	}
	att, _ = a.public.DocByNum(ctx, a.docs["attachment"].Num)
	if att.ParentID != a.docs["email"].ID || att.Sender != "alice@campaign.example" {
		t.Errorf("attachment not refreshed: %+v", att)
	}
	if res := a.publicSearch(t, "from:alice"); res.Total != 2 {
		t.Errorf("from:alice after the email: %d", res.Total)
	}
}

func TestScheduledPublication(t *testing.T) {
	ctx := context.Background()
	a := newArchive(t)
	p := a.publisher()
	if _, err := p.Create(ctx, publish.CreateOptions{Name: "later", IDs: []string{a.num("notes")}}); err != nil {
		t.Fatal(err)
	}
	at := a.clock.Add(2 * time.Hour)
	res, err := p.Publish(ctx, "later", at)
	if err != nil || res.State != publish.Scheduled || !res.PublishAt.Equal(at) {
		t.Fatalf("schedule: %+v %v", res, err)
	}
	a.clock = a.clock.Add(time.Hour)
	if done, err := p.PublishDue(ctx); err != nil || len(done) != 0 {
		t.Errorf("published early: %+v %v", done, err)
	}
	if n := len(a.publicNums(t)); n != 0 || len(a.log.entries) != 0 {
		t.Errorf("scheduled release public early: %d docs, %d entries", n, len(a.log.entries))
	}
	a.clock = a.clock.Add(90 * time.Minute)
	done, err := p.PublishDue(ctx)
	if err != nil || len(done) != 1 || done[0].Release != "later" || done[0].State != publish.Published {
		t.Fatalf("due: %+v %v", done, err)
	}
	if got := a.publicNums(t); !slices.Equal(got, nums(a, "notes")) {
		t.Errorf("projection %v", got)
	}
	entries := a.log.parsed(t)
	if len(entries) != 1 || !entries[0].Time.Equal(a.clock) {
		t.Errorf("entries %+v", entries)
	}
	if done, err := p.PublishDue(ctx); err != nil || len(done) != 0 {
		t.Errorf("published twice: %+v %v", done, err)
	}
	if _, err := p.Publish(ctx, "later", a.clock.Add(time.Hour)); !errors.Is(err, publish.ErrAlreadyPublished) {
		t.Errorf("rescheduling a published release: %v", err)
	}
}

func TestWithdraw(t *testing.T) {
	ctx := context.Background()
	a := newArchive(t)
	p := a.publisher()
	if _, err := p.Create(ctx, publish.CreateOptions{Name: "r", IDs: []string{a.num("email")}, WithAttachments: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Publish(ctx, "r", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Withdraw(ctx, a.docs["email"].Num, " "); err == nil {
		t.Error("a withdrawal without a reason was accepted")
	}
	a.clock = a.clock.Add(24 * time.Hour)
	w, err := p.Withdraw(ctx, a.docs["email"].Num, "privacy of a third party")
	if err != nil {
		t.Fatal(err)
	}
	if w.WithdrawLogIndex == nil || *w.WithdrawLogIndex != 2 {
		t.Errorf("withdrawal %+v", w)
	}
	entries := a.log.parsed(t)
	last := entries[len(entries)-1]
	if last.Type != publish.TypeWithdraw || last.Number != a.docs["email"].Num || last.Reason != "privacy of a third party" ||
		!last.Time.Equal(a.clock) || last.Release != "r" {
		t.Errorf("withdraw entry %+v", last)
	}
	if got := a.publicNums(t); !slices.Equal(got, nums(a, "attachment")) {
		t.Errorf("projection after withdrawal %v", got)
	}
	if res := a.publicSearch(t, "budget"); res.Total != 0 {
		t.Errorf("withdrawn email still found")
	}
	att, _ := a.public.DocByNum(ctx, a.docs["attachment"].Num)
	if att.ParentID != "" || att.Sender != "" {
		t.Errorf("attachment still shows its withdrawn email: %+v", att)
	}
	notices, err := a.public.PublicWithdrawals(ctx, a.docs["email"].Num)
	if err != nil || len(notices) != 1 || notices[0].Reason != "privacy of a third party" || notices[0].LogIndex != 2 ||
		!notices[0].WithdrawnAt.Equal(a.clock) {
		t.Errorf("notices %+v %v", notices, err)
	}
	if _, err := p.Withdraw(ctx, a.docs["email"].Num, "again"); !errors.Is(err, publish.ErrNotPublished) {
		t.Errorf("second withdrawal: %v", err)
	}
	if _, err := p.Withdraw(ctx, a.docs["notes"].Num, "never published"); !errors.Is(err, publish.ErrNotPublished) {
		t.Errorf("withdrawing a private document: %v", err)
	}
	// Published again by a new release: public again, notice kept.
	if _, err := p.Create(ctx, publish.CreateOptions{Name: "again", IDs: []string{a.num("email")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Publish(ctx, "again", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got := a.publicNums(t); !slices.Equal(got, nums(a, "email", "attachment")) {
		t.Errorf("projection after republication %v", got)
	}

	// The projection rebuilt from scratch in a new file is the same.
	want := a.publicNums(t)
	a.public.Close()
	os.Remove(a.pubPath)
	os.Remove(a.pubPath + "-wal")
	os.Remove(a.pubPath + "-shm")
	a.public = openStore(t, a.pubPath)
	p.Projection = a.public
	if err := p.RebuildProjection(ctx); err != nil {
		t.Fatal(err)
	}
	if got := a.publicNums(t); !slices.Equal(got, want) {
		t.Errorf("rebuilt projection %v, want %v", got, want)
	}
	notices, _ = a.public.PublicWithdrawals(ctx, 0)
	releases, _ := a.public.PublicReleases(ctx)
	if len(notices) != 1 || len(releases) != 2 {
		t.Errorf("rebuilt notices %+v releases %+v", notices, releases)
	}
	att, _ = a.public.DocByNum(ctx, a.docs["attachment"].Num)
	if att.ParentID != a.docs["email"].ID {
		t.Errorf("rebuilt attachment %+v", att)
	}
}

func TestRedacted(t *testing.T) {
	ctx := context.Background()
	a := newArchive(t)
	p := a.publisher()
	orig := a.docs["contract"]
	if _, err := p.Create(ctx, publish.CreateOptions{Name: "red", IDs: []string{a.num("contract"), a.num("notes")}}); err != nil {
		t.Fatal(err)
	}
	derived := hexsum("redacted contract")
	red := publish.Redaction{SHA256: derived, Size: 4321, Text: redText, Pages: []int{0}, Filename: "contrat-caviarde.pdf"}
	if err := p.Redact(ctx, "red", 999, red); err == nil {
		t.Error("redacting a document not in the release")
	}
	if err := p.Redact(ctx, "red", orig.Num, publish.Redaction{SHA256: orig.SHA256}); err == nil {
		t.Error("a derivative with the original's bytes was accepted")
	}
	if err := p.Redact(ctx, "red", orig.Num, red); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Publish(ctx, "red", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := p.Redact(ctx, "red", orig.Num, red); !errors.Is(err, publish.ErrAlreadyPublished) {
		t.Errorf("redacting a published release: %v", err)
	}
	pub, err := a.public.DocByNum(ctx, orig.Num)
	if err != nil {
		t.Fatal(err)
	}
	if pub.SHA256 != derived || pub.Size != 4321 || pub.ID == orig.ID || pub.Author != "" || pub.Path != "contrat-caviarde.pdf" ||
		pub.Filename != "contrat-caviarde.pdf" || string(pub.Meta) != `{"document":{},"pages":[0]}` {
		t.Errorf("public redacted document %+v %s", pub, pub.Meta)
	}
	if text, _ := a.public.Text(ctx, orig.Num); text != redText {
		t.Errorf("public text %q", text)
	}
	if res := a.publicSearch(t, "caviardé"); res.Total != 1 {
		t.Errorf("derivative text not searchable: %d", res.Total)
	}
	for _, q := range []string{marker, "dupont", "sécurité"} {
		if res := a.publicSearch(t, q); res.Total != 0 {
			t.Errorf("original's text found in public by %q", q)
		}
	}
	entries := a.log.parsed(t)
	var e *publish.Entry
	for _, x := range entries {
		if x.Number == orig.Num {
			e = x
		}
	}
	rd, _ := a.store.ReleaseDoc(ctx, "red", orig.Num)
	want, _ := publish.Commit(rd.Salt, orig.SHA256)
	if e == nil || len(e.Files) != 1 || e.Files[0] != (publish.File{Role: publish.FileRedacted, SHA256: derived, Size: 4321}) ||
		e.Commitment != want || len(rd.Salt) != 32 || e.ID != pub.ID {
		t.Errorf("entry %+v, commitment want %s", e, want)
	}
	raw, _ := hex.DecodeString(orig.SHA256)
	for i, b := range a.log.entries {
		if bytes.Contains(b, []byte(orig.SHA256)) || bytes.Contains(b, raw) || bytes.Contains(b, []byte(orig.ID)) {
			t.Errorf("log entry %d holds the original's hash or id: %s", i, b)
		}
	}
	a.public.Close()
	db := a.dbBytes(t)
	for _, secret := range [][]byte{[]byte(orig.SHA256), raw, []byte(orig.ID), []byte("Jean Dupont"), []byte("Boite de Jean"), []byte(marker)} {
		if bytes.Contains(db, secret) {
			t.Errorf("projection database holds %q", secret)
		}
	}
	if !bytes.Contains(db, []byte(derived)) {
		t.Error("projection database lacks the derivative's hash (is the grep looking at the right file?)")
	}
}

func TestRedactionInsidePublishedContainer(t *testing.T) {
	ctx := context.Background()
	a := newArchive(t)
	p := a.publisher()
	if _, err := p.Create(ctx, publish.CreateOptions{Name: "both", IDs: []string{a.num("email")}, WithAttachments: true}); err != nil {
		t.Fatal(err)
	}
	red := publish.Redaction{SHA256: hexsum("x"), Size: 1, Text: "x"}
	if err := p.Redact(ctx, "both", a.docs["attachment"].Num, red); err == nil || !strings.Contains(err.Error(), "contains it") {
		t.Errorf("redacting an attachment published with its email: %v", err)
	}
	// The other way round: the attachment published redacted, then a
	// release with the email (whose bytes hold the original).
	if _, err := p.Create(ctx, publish.CreateOptions{Name: "att", IDs: []string{a.num("attachment")}}); err != nil {
		t.Fatal(err)
	}
	if err := p.Redact(ctx, "att", a.docs["attachment"].Num, red); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Publish(ctx, "att", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Create(ctx, publish.CreateOptions{Name: "email", IDs: []string{a.num("email")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Publish(ctx, "email", time.Time{}); err == nil || !strings.Contains(err.Error(), "redacted") {
		t.Errorf("publishing the container of a redacted document: %v", err)
	}
	if len(a.log.entries) != 1 {
		t.Errorf("%d entries", len(a.log.entries))
	}
}

func TestConcurrentPublish(t *testing.T) {
	ctx := context.Background()
	a := newArchive(t)
	if _, err := a.publisher().Create(ctx, publish.CreateOptions{Name: "race", Query: "alpha OR beta", WithAttachments: true}); err != nil {
		t.Fatal(err)
	}
	// Two publishers, each with its own store handle, sharing the lock
	// file and the log.
	other := openStore(t, filepath.Join(a.dir, "dossier.db"))
	p1, p2 := a.publisher(), a.publisher()
	p2.Store = other
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, p := range []*publish.Publisher{p1, p2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = p.Publish(ctx, "race", time.Time{})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, publish.ErrAlreadyPublished):
			t.Errorf("publish: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d publishers succeeded: %v", ok, errs)
	}
	seen := map[int64]int{}
	for _, e := range a.log.parsed(t) {
		seen[e.Number]++
	}
	if len(seen) != 4 {
		t.Errorf("log has documents %v", seen)
	}
	for n, c := range seen {
		if c != 1 {
			t.Errorf("document %d appended %d times", n, c)
		}
	}
}

func TestCrashAfterAppend(t *testing.T) {
	for _, dedup := range []bool{false, true} {
		t.Run(fmt.Sprintf("dedup=%v", dedup), func(t *testing.T) {
			ctx := context.Background()
			a := newArchive(t)
			a.log.dedup = dedup
			p := a.publisher()
			if _, err := p.Create(ctx, publish.CreateOptions{Name: "r", IDs: []string{a.num("notes"), a.num("email")}}); err != nil {
				t.Fatal(err)
			}
			a.log.crashAfterAppend = true
			if _, err := p.Publish(ctx, "r", time.Time{}); err == nil {
				t.Fatal("no error from the crashed append")
			}
			if rel, _ := a.store.Release(ctx, "r"); rel.State != publish.Publishing {
				t.Errorf("state after the crash: %s", rel.State)
			}
			if n := len(a.publicNums(t)); n != 0 {
				t.Errorf("projection holds %d documents of an unfinished release", n)
			}
			first := append([][]byte(nil), a.log.entries...)
			a.clock = a.clock.Add(time.Hour)
			done, err := p.PublishDue(ctx)
			if err != nil || len(done) != 1 || !done[0].Resumed || done[0].State != publish.Published {
				t.Fatalf("recovery: %+v %v", done, err)
			}
			pubs, _ := a.store.Publications(ctx, publish.PublicationFilter{Release: "r"})
			if len(pubs) != 2 {
				t.Fatalf("%d publications", len(pubs))
			}
			for _, pub := range pubs {
				i := *pub.LogIndex
				if !bytes.Equal(a.log.entries[i], pub.Entry) {
					t.Errorf("document %d recorded at index %d, which holds another entry", pub.Num, i)
				}
				if !pub.PublishedAt.Equal(a.clock.Add(-time.Hour)) {
					t.Errorf("publication time changed on recovery: %v", pub.PublishedAt)
				}
			}
			wantLen := 4
			if dedup {
				wantLen = 2
			}
			if len(a.log.entries) != wantLen || !bytes.Equal(a.log.entries[0], first[0]) {
				t.Errorf("log holds %d entries, want %d", len(a.log.entries), wantLen)
			}
			if got := a.publicNums(t); !slices.Equal(got, nums(a, "email", "notes")) {
				t.Errorf("projection %v", got)
			}
		})
	}
}

func TestCrashDuringWithdrawal(t *testing.T) {
	ctx := context.Background()
	a := newArchive(t)
	p := a.publisher()
	if _, err := p.Create(ctx, publish.CreateOptions{Name: "r", IDs: []string{a.num("notes")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Publish(ctx, "r", time.Time{}); err != nil {
		t.Fatal(err)
	}
	a.log.crashAfterAppend = true
	if _, err := p.Withdraw(ctx, a.docs["notes"].Num, "wrong document"); err == nil {
		t.Fatal("no error")
	}
	if _, err := p.PublishDue(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(a.publicNums(t)); n != 0 {
		t.Errorf("withdrawn document still public")
	}
	notices, _ := a.public.PublicWithdrawals(ctx, 0)
	if len(notices) != 1 || notices[0].LogIndex != 2 {
		t.Errorf("notices %+v", notices)
	}
}

// failingProjection fails its next write, as if the process died in the
// middle of the projection's transaction.
type failingProjection struct {
	publish.Projection
	fail bool
}

func (f *failingProjection) WritePublic(ctx context.Context, w publish.PublicWrite) error {
	if f.fail {
		f.fail = false
		for range w.Docs { // consume some rows, then give up
			break
		}
		return errors.New("killed")
	}
	return f.Projection.WritePublic(ctx, w)
}

func TestCrashDuringProjection(t *testing.T) {
	ctx := context.Background()
	a := newArchive(t)
	p := a.publisher()
	fp := &failingProjection{Projection: a.public, fail: true}
	p.Projection = fp
	if _, err := p.Create(ctx, publish.CreateOptions{Name: "r", IDs: []string{a.num("notes"), a.num("email")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Publish(ctx, "r", time.Time{}); err == nil {
		t.Fatal("no error")
	}
	if n := len(a.publicNums(t)); n != 0 {
		t.Errorf("half a release in the projection: %d documents", n)
	}
	rel, _ := a.store.Release(ctx, "r")
	if rel.State != publish.Published || rel.ProjectedAt != nil {
		t.Errorf("release after the crash: %+v", rel)
	}
	done, err := p.PublishDue(ctx)
	if err != nil || len(done) != 1 || done[0].Appended != 0 || !done[0].Resumed {
		t.Fatalf("recovery %+v %v", done, err)
	}
	if got := a.publicNums(t); !slices.Equal(got, nums(a, "email", "notes")) {
		t.Errorf("projection %v", got)
	}
	if len(a.log.entries) != 2 {
		t.Errorf("%d entries", len(a.log.entries))
	}
}
