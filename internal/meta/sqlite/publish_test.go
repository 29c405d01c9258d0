package sqlite_test

import (
	"context"
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/newsroom/dossier"
	"github.com/newsroom/dossier/internal/dkim"
	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/publish"
)

// tree commits an mbox holding a message with an attachment holding a
// member, and a lone file; it returns their numbers by name.
func tree(t *testing.T, s interface {
	Commit(context.Context, *meta.Batch) ([]bool, error)
}) map[string]int64 {
	t.Helper()
	mk := func(id, parent, kind string, depth int) *meta.Document {
		return &meta.Document{ID: id, ParentID: parent, Path: id, SHA256: id + "-sha", Size: 1, Collection: "c",
			Kind: dossier.Kind(kind), MIME: "x/y", Status: dossier.Indexed, Depth: depth}
	}
	docs := map[string]*meta.Document{
		"mbox": mk("mbox", "", "mbox", 0), "msg": mk("msg", "mbox", "email", 1), "att": mk("att", "msg", "archive", 2),
		"member": mk("member", "att", "pdf", 3), "lone": mk("lone", "", "text", 0),
	}
	var b meta.Batch
	for _, name := range []string{"mbox", "msg", "att", "member", "lone"} {
		b.Entries = append(b.Entries, meta.Entry{Doc: docs[name], Index: &meta.IndexFields{Body: name}})
	}
	if _, err := s.Commit(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for k, d := range docs {
		out[k] = d.Num
	}
	return out
}

func numsOf(docs []*meta.Document) []int64 {
	var out []int64
	for _, d := range docs {
		out = append(out, d.Num)
	}
	return out
}

func TestDescendantsAncestors(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "db"))
	n := tree(t, s)
	below, err := s.Descendants(ctx, []int64{n["msg"]}, 0)
	if err != nil || !slices.Equal(numsOf(below), []int64{n["att"], n["member"]}) {
		t.Errorf("descendants of msg: %v %v", numsOf(below), err)
	}
	below, _ = s.Descendants(ctx, []int64{n["msg"]}, 1)
	if !slices.Equal(numsOf(below), []int64{n["att"]}) {
		t.Errorf("children of msg: %v", numsOf(below))
	}
	below, _ = s.Descendants(ctx, []int64{n["msg"], n["att"]}, 0)
	if !slices.Equal(numsOf(below), []int64{n["member"]}) {
		t.Errorf("descendants leave the given ones out: %v", numsOf(below))
	}
	above, err := s.Ancestors(ctx, []int64{n["member"], n["lone"]})
	if err != nil || !slices.Equal(numsOf(above), []int64{n["msg"], n["att"]}) {
		t.Errorf("ancestors of member (stopping below the mbox): %v %v", numsOf(above), err)
	}
}

func TestReleases(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "db"))
	n := tree(t, s)
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := publish.Release{Name: "r1", Created: created, Query: "x", Options: publish.ReleaseOptions{WithAttachments: true}}
	docs := []publish.ReleaseDoc{{Num: n["msg"], Role: publish.RoleSelected}, {Num: n["att"], Role: publish.RoleAttachment}}
	if err := s.CreateRelease(ctx, r, nil); !errors.Is(err, publish.ErrEmptyRelease) {
		t.Errorf("empty: %v", err)
	}
	if err := s.CreateRelease(ctx, r, docs); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateRelease(ctx, r, docs); !errors.Is(err, publish.ErrReleaseExists) {
		t.Errorf("duplicate: %v", err)
	}
	if _, err := s.Release(ctx, "nope"); !errors.Is(err, publish.ErrNoRelease) {
		t.Errorf("missing: %v", err)
	}
	got, err := s.Release(ctx, "r1")
	if err != nil || got.State != publish.Draft || got.Documents != 2 || !got.Created.Equal(created) || !got.Options.WithAttachments {
		t.Errorf("release %+v %v", got, err)
	}

	// Redaction: stored with its text compressed, and its salt.
	red := publish.Redaction{SHA256: "d-sha", Size: 9, Text: "caviardé", Pages: []int{0, 4}, KeepDKIM: true}
	if err := s.SetRedaction(ctx, "r1", 999, red, []byte("salt")); !errors.Is(err, meta.ErrNotFound) {
		t.Errorf("redacting a document not in the release: %v", err)
	}
	if err := s.SetRedaction(ctx, "r1", n["att"], red, []byte("salt")); err != nil {
		t.Fatal(err)
	}
	rd, err := s.ReleaseDoc(ctx, "r1", n["att"])
	if err != nil || rd.Redaction == nil || rd.Redaction.Text != "caviardé" || !slices.Equal(rd.Redaction.Pages, []int{0, 4}) ||
		!rd.Redaction.KeepDKIM || string(rd.Salt) != "salt" || rd.Role != publish.RoleAttachment {
		t.Errorf("release doc %+v %+v %v", rd, rd.Redaction, err)
	}

	// Scheduling.
	at := created.Add(time.Hour)
	if err := s.ScheduleRelease(ctx, "r1", at); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.DueReleases(ctx, at.Add(-time.Second)); len(due) != 0 {
		t.Errorf("due early: %v", due)
	}
	if due, _ := s.DueReleases(ctx, at); !slices.Equal(due, []string{"r1"}) {
		t.Errorf("due: %v", due)
	}

	// Publication: pending, then confirmed, then published.
	pubs := []publish.Publication{{Num: n["msg"], PublishedAt: at, Entry: []byte("e1")}, {Num: n["att"], PublishedAt: at, Entry: []byte("e2")}}
	if err := s.BeginPublication(ctx, "r1", at, pubs); err != nil {
		t.Fatal(err)
	}
	if err := s.BeginPublication(ctx, "r1", at, pubs); !errors.Is(err, publish.ErrAlreadyPublished) {
		t.Errorf("second begin: %v", err)
	}
	if err := s.ScheduleRelease(ctx, "r1", at); !errors.Is(err, publish.ErrAlreadyPublished) {
		t.Errorf("scheduling a publishing release: %v", err)
	}
	if err := s.SetRedaction(ctx, "r1", n["att"], red, nil); !errors.Is(err, publish.ErrAlreadyPublished) {
		t.Errorf("redacting in a publishing release: %v", err)
	}
	if u, _ := s.UnfinishedReleases(ctx); !slices.Equal(u, []string{"r1"}) {
		t.Errorf("unfinished: %v", u)
	}
	if err := s.FinishPublication(ctx, "r1"); err == nil {
		t.Error("finished with pending entries")
	}
	pending, _ := s.Publications(ctx, publish.PublicationFilter{Release: "r1", Pending: true})
	if len(pending) != 2 || pending[1].RedactedSHA256 != "d-sha" || string(pending[0].Entry) != "e1" {
		t.Errorf("pending %+v", pending)
	}
	if err := s.ConfirmPublications(ctx, "r1", []int64{n["msg"], n["att"]}, []uint64{7, 8}); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishPublication(ctx, "r1"); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.UnfinishedReleases(ctx); !slices.Equal(u, []string{"r1"}) {
		t.Errorf("unfinished before projection: %v", u)
	}
	if err := s.SetProjected(ctx, "r1", at); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.UnfinishedReleases(ctx); len(u) != 0 {
		t.Errorf("unfinished after projection: %v", u)
	}

	// A document is live in one release at most.
	r2 := publish.Release{Name: "r2", Created: created}
	if err := s.CreateRelease(ctx, r2, []publish.ReleaseDoc{{Num: n["msg"], Role: publish.RoleSelected}}); err != nil {
		t.Fatal(err)
	}
	if err := s.BeginPublication(ctx, "r2", at, []publish.Publication{{Num: n["msg"], PublishedAt: at, Entry: []byte("e3")}}); err == nil {
		t.Error("a document was published twice")
	}
	if r, _ := s.Release(ctx, "r2"); r.State != publish.Draft {
		t.Errorf("failed begin left the release %s", r.State)
	}

	// Withdrawal.
	if err := s.BeginWithdrawal(ctx, "r1", n["lone"], at, "x", []byte("w")); !errors.Is(err, publish.ErrNotPublished) {
		t.Errorf("withdrawing an unpublished document: %v", err)
	}
	if err := s.BeginWithdrawal(ctx, "r1", n["msg"], at, "wrong", []byte("w")); err != nil {
		t.Fatal(err)
	}
	pw, _ := s.Publications(ctx, publish.PublicationFilter{PendingWithdrawal: true})
	if len(pw) != 1 || pw[0].WithdrawReason != "wrong" || pw[0].WithdrawLogIndex != nil || pw[0].Live() {
		t.Errorf("pending withdrawal %+v", pw)
	}
	s.ConfirmWithdrawal(ctx, "r1", n["msg"], 9)
	s.SetWithdrawProjected(ctx, "r1", n["msg"])
	if pw, _ := s.Publications(ctx, publish.PublicationFilter{PendingWithdrawal: true}); len(pw) != 0 {
		t.Errorf("withdrawal still pending: %+v", pw)
	}
	live, _ := s.Publications(ctx, publish.PublicationFilter{Live: true})
	if len(live) != 1 || live[0].Num != n["att"] || *live[0].LogIndex != 8 {
		t.Errorf("live %+v", live)
	}
	// Once withdrawn, it may be published again.
	if err := s.BeginPublication(ctx, "r2", at, []publish.Publication{{Num: n["msg"], PublishedAt: at, Entry: []byte("e3")}}); err != nil {
		t.Errorf("republication: %v", err)
	}
	list, _ := s.Releases(ctx)
	if len(list) != 2 || list[0].Name != "r1" || list[0].State != publish.Published || list[1].State != publish.Publishing {
		t.Errorf("releases %+v", list)
	}
}

func TestWritePublic(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "public.db"))
	if r, err := s.PublicReleases(ctx); err != nil || r != nil {
		t.Errorf("a new projection: %v %v", r, err)
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	doc := func(num int64, id, sha string) *publish.PublicDoc {
		return &publish.PublicDoc{Entry: meta.Entry{
			Doc:   &meta.Document{Num: num, ID: id, Path: id, SHA256: sha, Size: 1, Collection: "c", Kind: dossier.KindEmail, MIME: "message/rfc822", Status: dossier.Indexed},
			Index: &meta.IndexFields{Body: "public words " + id}, Text: "public words " + id,
			Auth: &dkim.Report{Verdict: dkim.Verified, Signatures: []dkim.Signature{{Domain: "Example.com", Selector: "s", Result: dkim.Pass}}}},
			Log: &publish.LogRecord{Num: num, Release: "r", Type: publish.TypePublish, Time: at, LogIndex: uint64(num), Entry: []byte("entry")}}
	}
	seq := func(docs ...*publish.PublicDoc) func(func(*publish.PublicDoc, error) bool) {
		return func(yield func(*publish.PublicDoc, error) bool) {
			for _, d := range docs {
				if !yield(d, nil) {
					return
				}
			}
		}
	}
	err := s.WritePublic(ctx, publish.PublicWrite{Docs: seq(doc(10, "a", "same"), doc(20, "b", "same"), doc(30, "c", "other")),
		Releases: []publish.PublicRelease{{Name: "r", PublishedAt: at, Documents: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	if res, _ := s.Search(ctx, meta.SearchRequest{Query: "words"}); res.Total != 3 {
		t.Errorf("%d hits", res.Total)
	}
	if c, _ := s.Canonical(ctx, "same"); c != "a" {
		t.Errorf("canonical %q", c)
	}
	// Rewriting a document replaces it; withdrawing removes it and keeps
	// a notice; the blob's canonical document moves on.
	again := doc(20, "b", "same")
	again.Entry.Text, again.Entry.Index.Body = "rewritten", "rewritten"
	err = s.WritePublic(ctx, publish.PublicWrite{Docs: seq(again), Withdrawn: []publish.Withdrawal{{Num: 10, Release: "r",
		PublishedAt: at, WithdrawnAt: at.Add(time.Hour), Reason: "because", LogIndex: 40, Entry: []byte("w")}}})
	if err != nil {
		t.Fatal(err)
	}
	if res, _ := s.Search(ctx, meta.SearchRequest{Query: "words"}); res.Total != 1 {
		t.Errorf("after rewrite and withdrawal: %d hits", res.Total)
	}
	if text, _ := s.Text(ctx, 20); text != "rewritten" {
		t.Errorf("text %q", text)
	}
	if _, err := s.DocByNum(ctx, 10); !errors.Is(err, meta.ErrNotFound) {
		t.Errorf("withdrawn document still there: %v", err)
	}
	if rep, _ := s.Auth(ctx, 10); rep != nil {
		t.Errorf("withdrawn document's verdict still there")
	}
	if c, _ := s.Canonical(ctx, "same"); c != "b" {
		t.Errorf("canonical after withdrawal %q", c)
	}
	w, err := s.PublicWithdrawals(ctx, 10)
	if err != nil || len(w) != 1 || w[0].Reason != "because" || w[0].LogIndex != 40 {
		t.Errorf("notices %+v %v", w, err)
	}
	logs, _ := s.PublicLog(ctx, 10)
	types := map[string]uint64{}
	for _, l := range logs {
		types[l.Type] = l.LogIndex
	}
	if !maps.Equal(types, map[string]uint64{publish.TypePublish: 10, publish.TypeWithdraw: 40}) {
		t.Errorf("log records %+v", logs)
	}
	if counts, _ := s.AuthCounts(ctx); counts["verified"] != 2 {
		t.Errorf("verdict counts %v", counts)
	}
	// Reset empties everything.
	if err := s.WritePublic(ctx, publish.PublicWrite{Reset: true}); err != nil {
		t.Fatal(err)
	}
	if res, _ := s.Search(ctx, meta.SearchRequest{Query: "rewritten"}); res.Total != 0 {
		t.Errorf("after reset: %d hits", res.Total)
	}
	if r, _ := s.PublicReleases(ctx); len(r) != 0 {
		t.Errorf("releases after reset: %v", r)
	}
}
