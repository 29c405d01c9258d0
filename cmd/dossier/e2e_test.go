package main

// End-to-end tests: they build the real dossier binary once and drive it as
// a user would, on synthetic leaks written by `dossier generate`, checking
// exact hit sets against the generator's manifest, deduplication,
// idempotence, resumption after SIGKILL, byte-exact cat, corruption
// detection and hostile inputs. Every archive lives in t.TempDir().

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/newsroom/dossier/internal/gen"
)

// e2eBin is the dossier binary built by TestMain.
var e2eBin string

func TestMain(m *testing.M) {
	os.Exit(e2eMain(m))
}

func e2eMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "dossier-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: temp dir:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "dossier")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// Tests run in the package directory: build ".".
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "sqlite_fts5", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build: %v\n%s", err, out)
		return 1
	}
	e2eBin = bin
	return m.Run()
}

// result is what one dossier invocation did.
type result struct {
	stdout, stderr []byte
	code           int
	// maxRSS is the largest resident set, in bytes, of the process and
	// the children it waited for (the sandboxed tools).
	maxRSS int64
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout: %.2000s\nstderr: %.2000s", r.code, r.stdout, r.stderr)
}

// runDossier runs the binary with args and returns its output and exit code.
func runDossier(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, e2eBin, args...)
	cmd.Env = append(os.Environ(), "DOSSIER_ARCHIVE=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.Bytes(), stderr: stderr.Bytes()}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			r.maxRSS = ru.Maxrss * 1024
		}
	}
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("dossier %s: %v", strings.Join(args, " "), err)
		}
		r.code = ee.ExitCode()
	}
	return r
}

// mustDossier runs the binary against archive and fails the test unless it
// exits 0.
func mustDossier(t *testing.T, archive string, args ...string) []byte {
	t.Helper()
	r := runDossier(t, append([]string{"--archive", archive}, args...)...)
	if r.code != 0 {
		t.Fatalf("dossier %s: %s", strings.Join(args, " "), r)
	}
	return r.stdout
}

func decodeJSON(t *testing.T, what string, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: bad JSON: %v\n%.2000s", what, err, b)
	}
}

// leak is a generated synthetic leak; its manifest is written outside it
// (so that ingesting the leak does not index the manifest's marker words).
type leak struct {
	dir string
	man *gen.Manifest
}

func newLeak(t *testing.T, messages int, seed int64) *leak {
	t.Helper()
	base := t.TempDir()
	dir := filepath.Join(base, "leak")
	mpath := filepath.Join(base, "manifest.json")
	r := runDossier(t, "generate", "--messages", fmt.Sprint(messages), "--format", "both", "--seed", fmt.Sprint(seed), "--manifest", mpath, dir)
	if r.code != 0 {
		t.Fatalf("generate: %s", r)
	}
	f, err := os.Open(mpath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	man, err := gen.ReadManifest(f)
	if err != nil {
		t.Fatal(err)
	}
	return &leak{dir: dir, man: man}
}

type counts struct {
	Indexed   int64 `json:"indexed"`
	Duplicate int64 `json:"duplicate"`
	Failed    int64 `json:"failed"`
	Skipped   int64 `json:"skipped"`
	Pending   int64 `json:"pending"`
}

func (c counts) total() int64 { return c.Indexed + c.Duplicate + c.Failed + c.Skipped + c.Pending }

type ingestSummary struct {
	Inputs          counts `json:"inputs"`
	Items           counts `json:"items"`
	InputsUnchanged int64  `json:"inputs_unchanged"`
	ItemsRecorded   int64  `json:"items_already_recorded"`
	InputsSeen      int64  `json:"inputs_seen"`
}

func ingestJSON(t *testing.T, archive string, paths ...string) ingestSummary {
	t.Helper()
	out := mustDossier(t, archive, append([]string{"ingest", "--json", "--collection", "leak"}, paths...)...)
	var s ingestSummary
	decodeJSON(t, "ingest --json", out, &s)
	return s
}

func ingestLeak(t *testing.T, l *leak) string {
	t.Helper()
	ar := filepath.Join(t.TempDir(), "archive")
	ingestJSON(t, ar, l.dir)
	return ar
}

type hit struct {
	ID        string `json:"id"`
	SHA256    string `json:"sha256"`
	Type      string `json:"type"`
	Path      string `json:"path"`
	ParentID  string `json:"parent_id"`
	Filename  string `json:"filename"`
	MessageID string `json:"message_id"`
	Number    int64  `json:"number"`
}

type searchOut struct {
	Total int   `json:"total"`
	Hits  []hit `json:"hits"`
}

func search(t *testing.T, archive, q string) searchOut {
	t.Helper()
	out := mustDossier(t, archive, "search", "--json", "--limit", "1000", q)
	var s searchOut
	decodeJSON(t, "search "+q, out, &s)
	if s.Total != len(s.Hits) {
		t.Errorf("search %q: total %d but %d hits (limit 1000)", q, s.Total, len(s.Hits))
	}
	return s
}

type loc struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Path   string `json:"path"`
}

type shown struct {
	ID        string `json:"id"`
	ParentID  string `json:"parent_id"`
	Type      string `json:"type"`
	SHA256    string `json:"sha256"`
	Path      string `json:"path"`
	Status    string `json:"status"`
	MessageID string `json:"message_id"`
	Locations []loc  `json:"locations"`
	Parents   []loc  `json:"parents"`
}

// shower runs `dossier show --json` with a cache.
type shower struct {
	t       *testing.T
	archive string
	cache   map[string]*shown
}

func newShower(t *testing.T, archive string) *shower {
	return &shower{t: t, archive: archive, cache: map[string]*shown{}}
}

func (s *shower) show(id string) *shown {
	s.t.Helper()
	if d, ok := s.cache[id]; ok {
		return d
	}
	out := mustDossier(s.t, s.archive, "show", "--json", "--no-text", id)
	var d shown
	decodeJSON(s.t, "show "+id, out, &d)
	s.cache[id] = &d
	return &d
}

// message returns the Message-ID (without angle brackets) of the outermost
// email holding document id: the document itself for a top-level message,
// the containing message for an attachment or a forwarded (embedded)
// message. The generator's manifest records the outer message for markers
// planted in attachments and forwarded messages.
func (s *shower) message(id string) string {
	s.t.Helper()
	d := s.show(id)
	chain := []*shown{d}
	for _, p := range d.Parents { // nearest first
		chain = append(chain, s.show(p.ID))
	}
	for i := len(chain) - 1; i >= 0; i-- {
		if chain[i].Type == "email" {
			return chain[i].MessageID
		}
	}
	return ""
}

func bare(id string) string { return strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">") }

func sortedKeys(m map[string]bool) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// TestE2EMarkers checks that every planted marker finds exactly the
// messages the manifest lists.
func TestE2EMarkers(t *testing.T) {
	t.Parallel()
	l := newLeak(t, 400, 7)
	ar := ingestLeak(t, l)
	sh := newShower(t, ar)
	wheres := map[string]bool{}
	for _, mk := range l.man.Markers {
		wheres[mk.Where] = true
		t.Run(mk.Where+"/"+mk.Match+"/"+mk.Word, func(t *testing.T) {
			sh.t = t
			want := map[string]bool{}
			for _, h := range mk.Hits {
				want[bare(h.MessageID)] = true
			}
			res := search(t, ar, mk.Query)
			got := map[string]bool{}
			var detail []string
			for _, h := range res.Hits {
				m := sh.message(h.ID)
				if m == "" {
					t.Errorf("hit %s (%s %s) is in no email", h.ID, h.Type, h.Path)
					continue
				}
				got[m] = true
				detail = append(detail, fmt.Sprintf("%s %s %s -> %s", h.ID, h.Type, h.Path, m))
			}
			if !maps2Equal(got, want) {
				t.Errorf("search %q (word %q, %s, %s/%s): found messages\n  %v\nwant (manifest)\n  %v\nhits:\n  %s",
					mk.Query, mk.Word, mk.Where, mk.Charset, mk.Encoding, sortedKeys(got), sortedKeys(want), strings.Join(detail, "\n  "))
			}
		})
	}
	for _, w := range []string{gen.WhereSubject, gen.WhereBody, gen.WhereTextAttach, gen.WhereHTML,
		gen.WhereAlternative, gen.WhereForwarded, gen.WhereFromLine} {
		if !wheres[w] {
			t.Errorf("manifest has no marker in %s: the test covers less than it should", w)
		}
	}
}

func maps2Equal(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// TestE2EDedup checks that a message found in both the Maildir and an mbox
// is one search hit with two locations, and that the shared attachment is
// one blob found in every message that carries it.
func TestE2EDedup(t *testing.T) {
	t.Parallel()
	l := newLeak(t, 400, 7)
	ar := ingestLeak(t, l)
	sh := newShower(t, ar)
	if len(l.man.Duplicates) == 0 {
		t.Fatal("manifest lists no duplicated message")
	}
	for _, d := range l.man.Duplicates {
		q := "message-id:" + d.MessageID
		res := search(t, ar, q)
		if len(res.Hits) != 1 {
			t.Errorf("search %q: %d hits, want 1: %+v", q, len(res.Hits), res.Hits)
			continue
		}
		h := res.Hits[0]
		if bare(h.MessageID) != bare(d.MessageID) {
			t.Errorf("search %q: hit has message id %q", q, h.MessageID)
		}
		doc := sh.show(h.ID)
		if len(doc.Locations) != 2 {
			t.Errorf("show %s (%s): %d locations, want 2 (%s and %s): %+v", h.ID, d.MessageID, len(doc.Locations), d.Maildir, d.Mbox, doc.Locations)
		}
		var inMaildir, inMbox bool
		for _, lc := range doc.Locations {
			inMaildir = inMaildir || strings.Contains(lc.Path, d.Maildir)
			inMbox = inMbox || strings.Contains(lc.Path, d.Mbox)
		}
		if !inMaildir || !inMbox {
			t.Errorf("show %s: locations %+v do not name both %s and %s", h.ID, doc.Locations, d.Maildir, d.Mbox)
		}
	}

	sa := l.man.Shared
	if sa == nil {
		t.Fatal("manifest has no shared attachment")
	}
	q := fmt.Sprintf("filename:%q", sa.Filename)
	res := search(t, ar, q)
	if len(res.Hits) != 1 {
		t.Fatalf("search %s: %d hits, want 1 (the shared attachment, once): %+v", q, len(res.Hits), res.Hits)
	}
	h := res.Hits[0]
	if h.SHA256 != sa.SHA256 {
		t.Errorf("search %s: hit sha256 %s, manifest %s", q, h.SHA256, sa.SHA256)
	}
	doc := sh.show(h.ID)
	if len(doc.Locations) != len(sa.Messages) {
		t.Errorf("show %s: %d locations, want %d (one per message carrying %s)", h.ID, len(doc.Locations), len(sa.Messages), sa.Filename)
	}
	got, want := map[string]bool{}, map[string]bool{}
	for _, m := range sa.Messages {
		want[bare(m)] = true
	}
	for _, lc := range doc.Locations {
		if c := sh.show(lc.ID); c.SHA256 != sa.SHA256 {
			t.Errorf("location %s has sha256 %s, want %s", lc.ID, c.SHA256, sa.SHA256)
		}
		got[sh.message(lc.ID)] = true
	}
	if !maps2Equal(got, want) {
		t.Errorf("shared attachment locations are in messages %v, manifest %v", sortedKeys(got), sortedKeys(want))
	}
	// Searching the sha256 resolves to the same single document.
	if d := sh.show(sa.SHA256); d.SHA256 != sa.SHA256 {
		t.Errorf("show %s: got document with sha256 %s", sa.SHA256, d.SHA256)
	}
}

// TestE2EIdempotent checks that ingesting the same leak twice does nothing
// the second time.
func TestE2EIdempotent(t *testing.T) {
	t.Parallel()
	l := newLeak(t, 400, 7)
	ar := filepath.Join(t.TempDir(), "archive")
	first := ingestJSON(t, ar, l.dir)
	if first.Inputs.total() == 0 || first.Items.total() == 0 {
		t.Fatalf("first ingest did nothing: %+v", first)
	}
	if first.Inputs.total()+first.InputsUnchanged != first.InputsSeen {
		t.Errorf("first ingest: inputs %+v + unchanged %d != inputs_seen %d", first.Inputs, first.InputsUnchanged, first.InputsSeen)
	}
	// Maildir files + one mbox per custodian.
	wantInputs := int64(l.man.MaildirMessages + len(l.man.Mailboxes))
	if first.InputsSeen != wantInputs {
		t.Errorf("first ingest saw %d input files, want %d", first.InputsSeen, wantInputs)
	}
	stats1 := mustDossier(t, ar, "stats", "--json")
	second := ingestJSON(t, ar, l.dir)
	if second.Inputs.total() != 0 || second.Items.total() != 0 || second.InputsUnchanged != first.InputsSeen ||
		second.InputsSeen != first.InputsSeen {
		t.Errorf("second identical ingest did work: %+v (first %+v)", second, first)
	}
	stats2 := mustDossier(t, ar, "stats", "--json")
	if !bytes.Equal(stats1, stats2) {
		t.Errorf("stats changed after a second identical ingest:\nbefore %s\nafter  %s", stats1, stats2)
	}
}

type ledgerRow struct {
	Number   int64  `json:"number"`
	ID       string `json:"id"`
	ParentID string `json:"parent_id"`
	Path     string `json:"path"`
	SHA256   string `json:"sha256"`
	Status   string `json:"status"`
	Reason   string `json:"reason"`
	Depth    int    `json:"depth"`
}

func ledger(t *testing.T, archive string) []ledgerRow {
	t.Helper()
	out := mustDossier(t, archive, "ledger", "--json")
	var rows []ledgerRow
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var r ledgerRow
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("ledger --json: %v", err)
		}
		rows = append(rows, r)
	}
	return rows
}

type stats struct {
	Documents counts           `json:"documents"`
	ByType    map[string]int64 `json:"by_type"`
	Blobs     int64            `json:"blobs"`
	BlobBytes int64            `json:"blob_bytes"`
	Emails    int64            `json:"emails"`
	Threads   int64            `json:"threads"`
}

func getStats(t *testing.T, archive string) stats {
	t.Helper()
	var s stats
	decodeJSON(t, "stats --json", mustDossier(t, archive, "stats", "--json"), &s)
	return s
}

// killIngest starts an ingest of paths into archive and SIGKILLs it after
// delay counted from the moment the archive's database exists. It reports
// whether the kill happened before the ingest finished by itself.
func killIngest(t *testing.T, archive string, delay time.Duration, paths ...string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, e2eBin, append([]string{"--archive", archive, "ingest", "--quiet", "--collection", "leak"}, paths...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	db := filepath.Join(archive, "dossier.db")
	for {
		if _, err := os.Stat(db); err == nil {
			break
		}
		select {
		case err := <-done:
			t.Logf("ingest ended (%v) before dossier.db appeared: %s", err, stderr.Bytes())
			return false
		case <-time.After(5 * time.Millisecond):
		}
	}
	select {
	case err := <-done:
		t.Logf("ingest finished (%v) before the kill at %v", err, delay)
		return false
	case <-time.After(delay):
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Logf("kill: %v", err)
	}
	err := <-done
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() && ws.Signal() == syscall.SIGKILL {
		return true
	}
	t.Logf("ingest ended by itself before the kill at %v: %v", delay, err)
	return false
}

// TestE2EKillResume kills ingests with SIGKILL and checks that a rerun
// leaves the archive exactly as a clean ingest of the same leak.
func TestE2EKillResume(t *testing.T) {
	t.Parallel()
	l := newLeak(t, 3000, 11)

	clean := filepath.Join(t.TempDir(), "clean")
	cs := ingestJSON(t, clean, l.dir)
	cleanRows := ledger(t, clean)
	cleanIDs := map[string]bool{}
	for _, r := range cleanRows {
		cleanIDs[r.ID] = true
	}
	if len(cleanIDs) != len(cleanRows) {
		t.Errorf("clean ingest: %d ledger rows but %d distinct ids", len(cleanRows), len(cleanIDs))
	}
	cleanStats := getStats(t, clean)
	if cleanStats.Documents.total() != cs.Items.total() {
		t.Errorf("clean ingest summary has %d items, stats %d documents", cs.Items.total(), cleanStats.Documents.total())
	}

	for _, kills := range [][]time.Duration{
		{300 * time.Millisecond},
		{800 * time.Millisecond},
		{100 * time.Millisecond, 1200 * time.Millisecond},
	} {
		t.Run(fmt.Sprint(kills), func(t *testing.T) {
			ar := filepath.Join(t.TempDir(), "archive")
			killed := 0
			for _, d := range kills {
				if killIngest(t, ar, d, l.dir) {
					killed++
				}
				r := runDossier(t, "--archive", ar, "fsck")
				if r.code != 0 {
					t.Errorf("fsck after SIGKILL at %v: %s", d, r)
				}
			}
			t.Logf("%d of %d ingests killed", killed, len(kills))
			sum := ingestJSON(t, ar, l.dir)
			t.Logf("resumed ingest: %+v", sum)
			if sum.Inputs.total()+sum.InputsUnchanged != sum.InputsSeen || sum.InputsSeen != cs.InputsSeen {
				t.Errorf("resumed ingest summary does not add up: %+v (clean saw %d inputs)", sum, cs.InputsSeen)
			}
			if r := runDossier(t, "--archive", ar, "fsck"); r.code != 0 {
				t.Errorf("fsck after resumed ingest: %s", r)
			}
			rows := ledger(t, ar)
			ids := map[string]int{}
			for _, r := range rows {
				ids[r.ID]++
				if r.Status == "pending" {
					t.Errorf("document %s (#%d %s) still pending after the resumed ingest", r.ID, r.Number, r.Path)
				}
			}
			for id, n := range ids {
				if n > 1 {
					t.Errorf("document id %s appears %d times in the ledger", id, n)
				}
			}
			var missing, extra []string
			for id := range cleanIDs {
				if ids[id] == 0 {
					missing = append(missing, id)
				}
			}
			for id := range ids {
				if !cleanIDs[id] {
					extra = append(extra, id)
				}
			}
			if len(missing) > 0 || len(extra) > 0 || len(rows) != len(cleanRows) {
				t.Errorf("resumed archive: %d documents, clean %d; %d missing (e.g. %.3v), %d extra (e.g. %.3v)",
					len(rows), len(cleanRows), len(missing), missing, len(extra), extra)
			}
			st := getStats(t, ar)
			if st.Documents != cleanStats.Documents || st.Emails != cleanStats.Emails || st.Threads != cleanStats.Threads ||
				!mapsEqual(st.ByType, cleanStats.ByType) {
				t.Errorf("stats after resume differ from a clean ingest:\nresumed %+v\nclean   %+v", st, cleanStats)
			}
			if st.Blobs != cleanStats.Blobs || st.BlobBytes != cleanStats.BlobBytes {
				t.Errorf("blob store after resume: %d blobs, %d bytes; clean: %d blobs, %d bytes",
					st.Blobs, st.BlobBytes, cleanStats.Blobs, cleanStats.BlobBytes)
			}
			if again := ingestJSON(t, ar, l.dir); again.Inputs.total() != 0 || again.Items.total() != 0 ||
				again.InputsUnchanged != cs.InputsSeen {
				t.Errorf("ingest after the resumed one did work: %+v", again)
			}
		})
	}
}

func mapsEqual(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// splitMbox splits mbox data the way the generator wrote it: a "From "
// separator line at the start or after an empty line, one empty line
// before each separator that belongs to the separator, mboxrd quoting
// (">+From " loses one '>'), and the one empty line at the end of the file
// belongs to no message (see source.MboxReader).
func splitMbox(data []byte) [][]byte {
	var lines [][]byte
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			lines = append(lines, data)
			break
		}
		lines = append(lines, data[:i+1])
		data = data[i+1:]
	}
	empty := func(l []byte) bool { return len(bytes.TrimRight(l, "\r\n")) == 0 }
	var msgs [][]byte
	var cur []byte
	started := false
	for k, l := range lines {
		isSep := bytes.HasPrefix(l, []byte("From ")) && (k == 0 || empty(lines[k-1]))
		if isSep {
			if started {
				// Drop the empty line before the separator.
				last := lines[k-1]
				cur = cur[:len(cur)-len(last)]
				msgs = append(msgs, cur)
			}
			cur, started = nil, true
			continue
		}
		j := 0
		for j < len(l) && l[j] == '>' {
			j++
		}
		if j > 0 && bytes.HasPrefix(l[j:], []byte("From ")) {
			l = l[1:]
		}
		cur = append(cur, l...)
	}
	if started {
		// The one empty line the writer appends after the last message is
		// framing too.
		if n := len(lines); n > 0 && empty(lines[n-1]) && len(cur) >= len(lines[n-1]) {
			cur = cur[:len(cur)-len(lines[n-1])]
		}
		msgs = append(msgs, cur)
	}
	return msgs
}

// TestE2ECat checks that cat gives back the exact bytes of Maildir files
// and mbox messages, and that a corrupted blob is refused.
func TestE2ECat(t *testing.T) {
	t.Parallel()
	l := newLeak(t, 400, 7)
	// A large text file, to check that a corrupted blob larger than any
	// buffer is still not written out in part.
	extra := filepath.Join(t.TempDir(), "extra")
	if err := os.MkdirAll(extra, 0o755); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("les comptes de campagne sont en ordre, dit le trésorier\n"), 6<<20/56)
	if err := os.WriteFile(filepath.Join(extra, "big.txt"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	ar := filepath.Join(t.TempDir(), "archive")
	ingestJSON(t, ar, l.dir, extra)

	mboxes := map[string][][]byte{}
	seen := map[string]bool{}
	checkedMaildir, checkedMbox := 0, 0
	var maildirSHA string
	for _, mk := range l.man.Markers {
		for _, h := range mk.Hits {
			if seen[h.MessageID] {
				continue
			}
			seen[h.MessageID] = true
			res := search(t, ar, "message-id:"+h.MessageID)
			if len(res.Hits) != 1 {
				t.Errorf("message-id:%s: %d hits, want 1", h.MessageID, len(res.Hits))
				continue
			}
			hh := res.Hits[0]
			got := mustDossier(t, ar, "cat", hh.ID)
			var want []byte
			switch {
			case strings.HasPrefix(h.Path, "maildir/") && hh.ParentID == "":
				var err error
				want, err = os.ReadFile(filepath.Join(l.dir, filepath.FromSlash(h.Path)))
				if err != nil {
					t.Fatal(err)
				}
				checkedMaildir++
				maildirSHA = hh.SHA256
			case strings.HasPrefix(h.Path, "mbox/"):
				msgs, ok := mboxes[h.Path]
				if !ok {
					data, err := os.ReadFile(filepath.Join(l.dir, filepath.FromSlash(h.Path)))
					if err != nil {
						t.Fatal(err)
					}
					msgs = splitMbox(data)
					mboxes[h.Path] = msgs
				}
				var n int
				if _, err := fmt.Sscanf(hh.Path, "message:%d", &n); err != nil || n < 1 || n > len(msgs) {
					t.Errorf("%s: hit path %q is not message:1..%d of %s", h.MessageID, hh.Path, len(msgs), h.Path)
					continue
				}
				want = msgs[n-1]
				checkedMbox++
			default:
				t.Errorf("%s: manifest path %s, hit %s %s parent %q: unexpected", h.MessageID, h.Path, hh.ID, hh.Path, hh.ParentID)
				continue
			}
			if !bytes.Equal(got, want) {
				i := 0
				for i < len(got) && i < len(want) && got[i] == want[i] {
					i++
				}
				lo := max(0, i-80)
				t.Errorf("cat %s (%s in %s %s): %d bytes differ from the %d original bytes at offset %d\n got: %q\nwant: %q",
					hh.ID, h.MessageID, h.Path, hh.Path, len(got), len(want), i, got[lo:min(len(got), i+80)], want[lo:min(len(want), i+80)])
			}
		}
	}
	if checkedMaildir == 0 || checkedMbox == 0 {
		t.Fatalf("checked %d Maildir and %d mbox messages; want some of each", checkedMaildir, checkedMbox)
	}
	t.Logf("cat matched %d Maildir files and %d mbox messages", checkedMaildir, checkedMbox)

	// Corruption.
	res := search(t, ar, "filename:big.txt")
	if len(res.Hits) != 1 {
		t.Fatalf("filename:big.txt: %d hits", len(res.Hits))
	}
	bigHit := res.Hits[0]
	if got := mustDossier(t, ar, "cat", bigHit.ID); !bytes.Equal(got, big) {
		t.Fatalf("cat big.txt: %d bytes, want %d", len(got), len(big))
	}
	flip := func(sha string, at int) string {
		p := filepath.Join(ar, "blobs", sha[:2], sha)
		if err := os.Chmod(p, 0o600); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if at < 0 {
			at += len(b)
		}
		b[at] ^= 0x01
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flip(maildirSHA, 10)
	flip(bigHit.SHA256, -1) // the last byte: everything before it is intact
	for _, sha := range []string{maildirSHA, bigHit.SHA256} {
		r := runDossier(t, "--archive", ar, "cat", sha)
		if r.code == 0 || len(r.stdout) != 0 {
			t.Errorf("cat of corrupted blob %s: exit %d, %d bytes on stdout; want non-zero and nothing\nstderr: %s", sha, r.code, len(r.stdout), r.stderr)
		}
		if !bytes.Contains(r.stderr, []byte("dossier:")) {
			t.Errorf("cat of corrupted blob %s: no error message: %q", sha, r.stderr)
		}
	}
	r := runDossier(t, "--archive", ar, "fsck")
	if r.code != 1 {
		t.Errorf("fsck with corrupted blobs: %s; want exit 1", r)
	}
	for _, sha := range []string{maildirSHA, bigHit.SHA256} {
		if !bytes.Contains(r.stdout, []byte(sha)) && !bytes.Contains(r.stderr, []byte(sha)) {
			t.Errorf("fsck does not name corrupted blob %s:\n%s", sha, r)
		}
	}
	if n := bytes.Count(r.stdout, []byte("problem:")); n != 2 {
		t.Errorf("fsck reports %d problems, want 2:\n%s", n, r.stdout)
	}
}

// TestE2EBadInput ingests hostile files and checks that every file is
// accounted for.
func TestE2EBadInput(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "bad")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	garbage := make([]byte, 64<<10)
	for i := range garbage {
		garbage[i] = byte(rng.UintN(256))
	}
	write("empty", nil)
	write("garbage.bin", garbage)
	write("noheaders.txt", []byte("just some words, no header at all\nsecond line\n"))
	truncated := "From alice@example.com Thu Jan  1 00:00:00 2004\nFrom: alice@example.com\nSubject: first\nMessage-ID: <t1@example.com>\n\nhello\n\n" +
		"From bob@example.com Thu Jan  1 00:00:00 2004\nFrom: bob@example.com\nSubject: cut\nMessage-ID: <t2@example.com>\nContent-Type: multipart/mixed; boundary=\"XX\"\n\n--XX\nContent-Type: text/plain\n\nhalf a mess"
	write("truncated.mbox", []byte(truncated))
	write("caf\xe9-latin1-name.eml", []byte("From: a@example.com\nSubject: latin-1 file name\nMessage-ID: <l1@example.com>\n\nbody\n"))
	// Another invalid name that differs only in the invalid byte: the two
	// must stay two inputs.
	write("caf\xe8-latin1-name.eml", []byte("From: b@example.com\nSubject: other latin-1 file name\nMessage-ID: <l2@example.com>\n\nbody\n"))
	if err := os.Symlink("noheaders.txt", filepath.Join(dir, "link-to-noheaders")); err != nil {
		t.Fatal(err)
	}
	var long bytes.Buffer
	long.WriteString("From: big@example.com\nTo: x@example.com\nSubject: one huge line\nMessage-ID: <huge@example.com>\n\n")
	long.Write(bytes.Repeat([]byte("abcdefghi "), 2<<20)) // 20 MB, no newline
	long.WriteString("\n")
	write("huge-line.eml", long.Bytes())
	const files = 8

	ar := filepath.Join(t.TempDir(), "archive")
	r := runDossier(t, "--archive", ar, "ingest", "--json", "--collection", "bad", dir)
	if r.code != 0 {
		t.Fatalf("ingest of bad input: %s", r)
	}
	var s ingestSummary
	decodeJSON(t, "ingest --json", r.stdout, &s)
	t.Logf("summary: %+v", s)
	if s.Inputs.total()+s.InputsUnchanged != s.InputsSeen || s.InputsSeen != files {
		t.Errorf("ingest summary does not add up: inputs %+v + unchanged %d, inputs_seen %d, want %d files",
			s.Inputs, s.InputsUnchanged, s.InputsSeen, files)
	}
	rows := ledger(t, ar)
	top := map[string]ledgerRow{}
	topRows := 0
	for _, row := range rows {
		if row.Status == "" {
			t.Errorf("ledger row %s (%s) has no status", row.ID, row.Path)
		}
		if row.Depth == 0 {
			top[filepath.Base(row.Path)] = row
			topRows++
		}
	}
	var latin []string
	latinRows := 0
	for _, row := range rows {
		if row.Depth == 0 && strings.Contains(row.Path, "latin1-name.eml") {
			latinRows++
			if !slices.Contains(latin, filepath.Base(row.Path)) {
				latin = append(latin, filepath.Base(row.Path))
			}
		}
	}
	if latinRows != 2 {
		t.Errorf("ledger has %d rows for the two non-UTF-8 names, want 2", latinRows)
	}
	if len(latin) != 2 {
		t.Errorf("ledger --json gives the two files named caf\\xe9-latin1-name.eml and caf\\xe8-latin1-name.eml the same path %q: "+
			"they cannot be told apart or found on disk from the ledger", latin)
	}
	for _, name := range []string{"empty", "garbage.bin", "noheaders.txt", "truncated.mbox", "caf\xe9-latin1-name.eml",
		"caf\xe8-latin1-name.eml", "link-to-noheaders", "huge-line.eml"} {
		row, ok := top[name]
		if !ok && strings.HasPrefix(name, "caf") && len(latin) > 0 {
			// The ledger may escape a non-UTF-8 name.
			row, ok = top[latin[0]], true
			t.Logf("non-UTF-8 name %q is listed as %q", name, latin)
		}
		if !ok {
			t.Errorf("%q is not in the ledger (top-level rows: %v)", name, slices.Sorted(mapKeys(top)))
			continue
		}
		t.Logf("%-24q %-9s %s", name, row.Status, row.Reason)
	}
	kids := map[string]string{}
	for _, row := range rows {
		if row.ParentID != "" && row.ParentID == top["truncated.mbox"].ID {
			kids[row.Path] = row.Status
		}
	}
	if len(kids) != 2 || kids["message:1"] == "" || kids["message:2"] == "" {
		t.Errorf("truncated.mbox: children %v, want message:1 and message:2", kids)
	}
	if res := search(t, ar, "message-id:<l1@example.com> OR message-id:<l2@example.com>"); len(res.Hits) != 2 {
		t.Errorf("the two non-UTF-8-named messages: %d hits, want 2", len(res.Hits))
	}
	if topRows != files {
		t.Errorf("ledger has %d top-level rows, want %d: %v", topRows, files, slices.Sorted(mapKeys(top)))
	}
	var sum int64
	st := getStats(t, ar)
	sum = st.Documents.total()
	if sum != int64(len(rows)) {
		t.Errorf("stats count %d documents, ledger %d rows", sum, len(rows))
	}
	if res := search(t, ar, "message-id:<huge@example.com>"); len(res.Hits) != 1 {
		t.Errorf("the 20 MB one-line message is not searchable by message-id: %d hits", len(res.Hits))
	}
	if res := search(t, ar, "message-id:<t1@example.com>"); len(res.Hits) != 1 {
		t.Errorf("the first message of the truncated mbox is not searchable: %d hits", len(res.Hits))
	}
	if r := runDossier(t, "--archive", ar, "fsck"); r.code != 0 {
		t.Errorf("fsck after bad input: %s", r)
	}
	// Again: everything unchanged.
	again := runDossier(t, "--archive", ar, "ingest", "--json", "--collection", "bad", dir)
	var s2 ingestSummary
	decodeJSON(t, "ingest --json", again.stdout, &s2)
	if again.code != 0 || s2.InputsUnchanged+s2.Inputs.Failed != files || s2.Items.total()-s2.Items.Failed != 0 {
		t.Errorf("second ingest of bad input: %s\nsummary %+v", again, s2)
	}
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// oneMessageArchive returns an archive holding one small message about a
// budget, and the directory it was ingested from.
func oneMessageArchive(t *testing.T) (archive, input string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "in")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.eml"), []byte("From: a@example.com\nSubject: budget\n\nle budget\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ar := filepath.Join(t.TempDir(), "archive")
	mustDossier(t, ar, "ingest", "--quiet", dir)
	return ar, dir
}

// TestE2EQueryErrors checks that bad queries fail with useful messages.
func TestE2EQueryErrors(t *testing.T) {
	t.Parallel()
	ar, _ := oneMessageArchive(t)
	if out := mustDossier(t, ar, "search", "budget"); !bytes.Contains(out, []byte("1 documents match")) {
		t.Errorf("search budget: %s", out)
	}
	r := runDossier(t, "--archive", ar, "search", `"unclosed`)
	if r.code == 0 || !bytes.Contains(r.stderr, []byte("column")) {
		t.Errorf(`search '"unclosed': want a non-zero exit and a message naming the column: %s`, r)
	}
	for _, q := range []string{"", "   ", "()"} {
		r := runDossier(t, "--archive", ar, "search", q)
		if r.code == 0 || len(r.stderr) == 0 || !bytes.HasPrefix(r.stderr, []byte("dossier: ")) {
			t.Errorf("search %q: want a clear error: %s", q, r)
		} else {
			t.Logf("search %q: %s", q, bytes.TrimSpace(r.stderr))
		}
	}
}

// TestE2ENewerFormat checks that an archive of a newer format is refused
// by every command.
func TestE2ENewerFormat(t *testing.T) {
	t.Parallel()
	ar, dir := oneMessageArchive(t)
	p := filepath.Join(ar, "dossier.json")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var info map[string]any
	decodeJSON(t, "dossier.json", b, &info)
	info["format"] = 99
	b, _ = json.Marshal(info)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	dbBefore, _ := os.ReadFile(filepath.Join(ar, "dossier.db"))
	for _, args := range [][]string{
		{"search", "budget"}, {"stats"}, {"ledger"}, {"show", "#1"}, {"cat", "#1"}, {"fsck"}, {"reindex"},
		{"ingest", "--quiet", dir},
	} {
		r := runDossier(t, append([]string{"--archive", ar}, args...)...)
		if r.code == 0 || !bytes.Contains(r.stderr, []byte("newer")) {
			t.Errorf("%s on a format-99 archive: want failure saying newer: %s", args[0], r)
		}
		if len(r.stdout) != 0 {
			t.Errorf("%s on a format-99 archive wrote to stdout: %q", args[0], r.stdout)
		}
	}
	if dbAfter, _ := os.ReadFile(filepath.Join(ar, "dossier.db")); !bytes.Equal(dbBefore, dbAfter) {
		t.Errorf("a refused command changed dossier.db")
	}
}

// TestE2EControlCharacters checks that names and headers from the leak
// cannot send terminal control sequences through the human-readable
// output: a leaked file name or Subject is untrusted input.
func TestE2EControlCharacters(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "in")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	msg := "From: a@example.com\nSubject: evil \x1b]0;pwned\x07 subject\nMessage-ID: <evil@example.com>\n\nbudget\n"
	if err := os.WriteFile(filepath.Join(dir, "evil\x1b[2Jname.eml"), []byte(msg), 0o644); err != nil {
		t.Fatal(err)
	}
	ar := filepath.Join(t.TempDir(), "archive")
	mustDossier(t, ar, "ingest", "--quiet", dir)
	for _, args := range [][]string{{"ledger"}, {"search", "budget"}, {"show", "--no-text", "#1"}} {
		out := mustDossier(t, ar, args...)
		if bytes.ContainsAny(out, "\x1b\x07") {
			t.Errorf("dossier %s writes raw control characters from the leak to the terminal:\n%q", strings.Join(args, " "), out)
		}
	}
}

// TestE2ESearchDuringIngest runs searches, stats and the ledger from other
// processes while an ingest writes to the same archive: none may fail or
// wait for the ingest to finish.
func TestE2ESearchDuringIngest(t *testing.T) {
	t.Parallel()
	l := newLeak(t, 2500, 11)
	archive := filepath.Join(t.TempDir(), "archive")
	first := newLeak(t, 50, 12)
	mustDossier(t, archive, "ingest", "--collection", "first", first.dir)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ing := exec.CommandContext(ctx, e2eBin, "--archive", archive, "ingest", "-q", "--collection", "big", l.dir)
	var ingOut bytes.Buffer
	ing.Stdout, ing.Stderr = &ingOut, &ingOut
	if err := ing.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- ing.Wait() }()
	reads, refused := 0, false
	for running := true; running; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("ingest: %v\n%s", err, ingOut.String())
			}
			running = false
		default:
			var big searchOut
			decodeJSON(t, "search", mustDossier(t, archive, "search", "--json", "collection:big"), &big)
			if !refused && big.Total > 0 {
				// The big ingest holds the archive (it has committed):
				// a second ingest is refused, not queued (unless the
				// first has finished meanwhile).
				r := runDossier(t, "--archive", archive, "ingest", "-q", "--collection", "other", first.dir)
				if r.code != 0 && !strings.Contains(string(r.stderr), "another ingest") {
					t.Errorf("second ingest failed without saying why: %s", r)
				}
				refused = true
			}
			for _, args := range [][]string{{"search", "--json", "budget OR comptes"}, {"stats", "--json"}, {"ledger", "--limit", "5"}} {
				r := runDossier(t, append([]string{"--archive", archive}, args...)...)
				if r.code != 0 {
					t.Fatalf("%v during ingest: %s", args, r)
				}
				reads++
			}
		}
	}
	if reads < 3 {
		t.Logf("only %d reads ran during the ingest", reads)
	}
	var s searchOut
	decodeJSON(t, "search", mustDossier(t, archive, "search", "--json", "collection:big"), &s)
	if s.Total == 0 {
		t.Error("nothing from the concurrent ingest is searchable")
	}
}
