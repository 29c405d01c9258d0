package gen

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// generated caches one generation per option set for the tests that only
// read the output.
var generated sync.Map // Options -> *genResult

type genResult struct {
	once sync.Once
	dir  string
	man  *Manifest
	msgs []*parsed
	err  error
}

var cacheRoot string

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "gen-test-")
	if err != nil {
		panic(err)
	}
	cacheRoot = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

// sample generates (once per process) and parses a collection.
func sample(t *testing.T, opts Options) *genResult {
	t.Helper()
	v, _ := generated.LoadOrStore(opts, &genResult{})
	r := v.(*genResult)
	r.once.Do(func() {
		r.dir, r.err = os.MkdirTemp(cacheRoot, "sample-")
		if r.err != nil {
			return
		}
		r.man, r.err = Generate(context.Background(), r.dir, opts)
		if r.err != nil {
			return
		}
		for _, s := range readAll(t, r.dir) {
			r.msgs = append(r.msgs, parse(t, s))
		}
	})
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r
}

var defaultSample = Options{Seed: 42, Messages: 1500}

func TestDeterministic(t *testing.T) {
	opts := Options{Seed: 7, Messages: 700, Mailboxes: 4}
	a, b := t.TempDir(), t.TempDir()
	ma, err := Generate(context.Background(), a, opts)
	if err != nil {
		t.Fatal(err)
	}
	prev := runtime.GOMAXPROCS(1) // scheduling must not matter
	mb, err := Generate(context.Background(), b, opts)
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	fa, fb := tree(t, a), tree(t, b)
	if len(fa) == 0 {
		t.Fatal("no files generated")
	}
	if !slices.Equal(slices.Sorted(maps.Keys(fa)), slices.Sorted(maps.Keys(fb))) {
		t.Fatalf("file sets differ: %d vs %d files", len(fa), len(fb))
	}
	for p, h := range fa {
		if fb[p] != h {
			t.Errorf("%s differs between runs", p)
		}
	}
	var ja, jb bytes.Buffer
	if err := WriteManifest(&ja, ma); err != nil {
		t.Fatal(err)
	}
	if err := WriteManifest(&jb, mb); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ja.Bytes(), jb.Bytes()) {
		t.Error("manifests differ between runs")
	}

	// Another seed gives another collection.
	c := t.TempDir()
	if _, err := Generate(context.Background(), c, Options{Seed: 8, Messages: 700, Mailboxes: 4}); err != nil {
		t.Fatal(err)
	}
	same := 0
	for p, h := range tree(t, c) {
		if fa[p] == h {
			same++
		}
	}
	if same > 0 {
		t.Errorf("%d files identical across seeds", same)
	}
}

// tree maps every file under dir to the hash of its bytes.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		rel, _ := filepath.Rel(dir, p)
		m[rel] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCountsMatchDisk(t *testing.T) {
	for _, format := range []string{FormatMaildir, FormatMbox, FormatBoth} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			m, err := Generate(context.Background(), dir, Options{Seed: 3, Messages: 400, Format: format, Mailboxes: 5})
			if err != nil {
				t.Fatal(err)
			}
			mdir, mbox := 0, 0
			for _, mb := range m.Mailboxes {
				files := 0
				for _, sub := range []string{"cur", "new", "tmp"} {
					es, err := os.ReadDir(filepath.Join(dir, "maildir", mb.Name, sub))
					if err != nil && format != FormatMbox {
						t.Fatal(err)
					}
					if sub == "tmp" && len(es) > 0 {
						t.Errorf("%s/tmp holds %d files", mb.Name, len(es))
					}
					files += len(es)
				}
				if files != mb.Maildir {
					t.Errorf("maildir %s: %d files, manifest says %d", mb.Name, files, mb.Maildir)
				}
				seps := 0
				if b, err := os.ReadFile(filepath.Join(dir, "mbox", mb.Name+".mbox")); err == nil {
					for line := range bytes.Lines(b) {
						if bytes.HasPrefix(line, []byte("From ")) {
							seps++
						}
						if crlf := bytes.HasSuffix(line, []byte("\r\n")); crlf != (mb.LineEnding == "crlf") {
							t.Fatalf("mbox %s: line ending of %q does not match %s", mb.Name, line, mb.LineEnding)
						}
					}
				} else if format != FormatMaildir {
					t.Fatal(err)
				}
				if seps != mb.Mbox {
					t.Errorf("mbox %s: %d separators, manifest says %d", mb.Name, seps, mb.Mbox)
				}
				mdir += files
				mbox += seps
			}
			if mdir != m.MaildirMessages || mbox != m.MboxMessages {
				t.Errorf("disk holds %d maildir + %d mbox messages, manifest says %d + %d", mdir, mbox, m.MaildirMessages, m.MboxMessages)
			}
			if got, want := mdir+mbox, m.Messages+len(m.Duplicates); got != want {
				t.Errorf("%d messages on disk, want %d (%d distinct + %d duplicates)", got, want, m.Messages, len(m.Duplicates))
			}
			switch format {
			case FormatMaildir:
				if mbox != 0 || len(m.Duplicates) != 0 {
					t.Error("maildir format wrote mbox messages or duplicates")
				}
			case FormatMbox:
				if mdir != 0 || len(m.Duplicates) != 0 {
					t.Error("mbox format wrote maildir messages or duplicates")
				}
			case FormatBoth:
				if mdir == 0 || mbox == 0 || len(m.Duplicates) == 0 {
					t.Errorf("both format: %d maildir, %d mbox, %d duplicates", mdir, mbox, len(m.Duplicates))
				}
			}
		})
	}
}

func TestMessagesParse(t *testing.T) {
	r := sample(t, defaultSample)
	m := r.man
	if len(r.msgs) != m.Messages+len(m.Duplicates) {
		t.Fatalf("read %d messages, manifest says %d + %d duplicates", len(r.msgs), m.Messages, len(m.Duplicates))
	}
	dups := map[string]bool{}
	for _, d := range m.Duplicates {
		dups[d.MessageID] = true
	}
	seen := map[string]int{}
	charsets, encodings, kinds, types := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	attachments, forwarded, fromLines := 0, 0, 0
	crlfBoxes := map[string]bool{}
	for _, mb := range m.Mailboxes {
		crlfBoxes[mb.Name] = mb.LineEnding == "crlf"
	}
	for _, p := range r.msgs {
		if p.id == "" {
			t.Errorf("%s: no Message-ID", p.path)
			continue
		}
		seen[p.id]++
		if seen[p.id] > 1 && !dups[p.id] {
			t.Errorf("%s: Message-ID %s repeated", p.path, p.id)
		}
		if dups[p.id] && seen[p.id] > 1 {
			continue // count each distinct message once
		}
		if p.subject == "" {
			t.Errorf("%s %s: empty subject", p.path, p.id)
		}
		if len(p.texts) == 0 {
			t.Errorf("%s %s: no text part", p.path, p.id)
		}
		charsets[p.charset]++
		encodings[p.encoding]++
		kinds[p.kind]++
		attachments += len(p.attachTypes)
		for _, ct := range p.attachTypes {
			types[ct]++
		}
		forwarded += p.forwarded
		if hasFromLine(p.raw) {
			fromLines++
		}
		box := strings.TrimSuffix(strings.Split(strings.TrimPrefix(strings.TrimPrefix(p.path, "maildir/"), "mbox/"), "/")[0], ".mbox")
		if crlf := bytes.Contains(p.raw, []byte("\r\n")); crlf != crlfBoxes[box] {
			t.Errorf("%s %s: crlf=%v, mailbox says %v", p.path, p.id, crlf, crlfBoxes[box])
		}
		if crlfBoxes[box] && bytes.Count(p.raw, []byte("\n")) != bytes.Count(p.raw, []byte("\r\n")) {
			t.Errorf("%s %s: mixed line endings", p.path, p.id)
		}
	}
	if len(seen) != m.Messages {
		t.Errorf("%d distinct Message-IDs, manifest says %d", len(seen), m.Messages)
	}
	for name, pair := range map[string][2]map[string]int{
		"charsets": {charsets, m.Charsets}, "encodings": {encodings, m.Encodings},
		"kinds": {kinds, m.Kinds}, "attachment types": {types, m.AttachmentTypes},
	} {
		if !maps.Equal(pair[0], pair[1]) {
			t.Errorf("%s on disk %v, manifest %v", name, pair[0], pair[1])
		}
	}
	if attachments != m.Attachments || forwarded != m.Forwarded || fromLines != m.FromLines {
		t.Errorf("disk: %d attachments, %d forwarded, %d From lines; manifest: %d, %d, %d",
			attachments, forwarded, fromLines, m.Attachments, m.Forwarded, m.FromLines)
	}
	// The collection must exercise every charset and shape it promises.
	for _, cs := range []string{csUTF8, csLatin1, csLatin9, csCP1252, csKOI8R} {
		if charsets[cs] == 0 {
			t.Errorf("no %s message", cs)
		}
	}
	for _, te := range []string{te8bit, teQP, teBase64} {
		if encodings[te] == 0 {
			t.Errorf("no %s body", te)
		}
	}
	for _, k := range []string{"plain", "alternative", "html"} {
		if kinds[k] == 0 {
			t.Errorf("no %s body", k)
		}
	}
	for _, ct := range []string{"text/plain", "text/csv", "application/pdf", "image/png"} {
		if types[ct] == 0 {
			t.Errorf("no %s attachment", ct)
		}
	}
	if forwarded == 0 || fromLines == 0 {
		t.Errorf("%d forwarded messages, %d From lines; want some of each", forwarded, fromLines)
	}
}

func TestBinaryAttachmentsLookReal(t *testing.T) {
	r := sample(t, defaultSample)
	magic := map[string]string{"application/pdf": "%PDF-", "image/png": "\x89PNG\r\n\x1a\n"}
	for _, p := range r.msgs {
		for i, ct := range p.attachTypes {
			if want, ok := magic[ct]; ok && !bytes.HasPrefix(p.attachData[i], []byte(want)) {
				t.Errorf("%s %s: %s attachment starts with %q", p.path, p.id, ct, p.attachData[i][:8])
			}
		}
	}
}

func TestSharedAttachment(t *testing.T) {
	r := sample(t, defaultSample)
	sh := r.man.Shared
	if sh == nil || len(sh.Messages) < 2 {
		t.Fatalf("shared attachment %+v, want it in several messages", sh)
	}
	want := map[string]bool{}
	for _, id := range sh.Messages {
		want[id] = true
	}
	found := map[string]bool{}
	for _, p := range r.msgs {
		for _, data := range p.attachData {
			sum := sha256.Sum256(data)
			if hex.EncodeToString(sum[:]) == sh.SHA256 {
				if !want[p.id] {
					t.Errorf("%s: shared attachment in unlisted message %s", p.path, p.id)
				}
				found[p.id] = true
				if len(data) != sh.Size {
					t.Errorf("%s: shared attachment size %d, want %d", p.id, len(data), sh.Size)
				}
			}
		}
	}
	if len(found) != len(want) {
		t.Errorf("shared attachment found in %d messages, manifest lists %d", len(found), len(want))
	}
}

func TestDuplicatesIdentical(t *testing.T) {
	r := sample(t, defaultSample)
	if len(r.man.Duplicates) == 0 {
		t.Fatal("no duplicates in a both-format collection")
	}
	for _, d := range r.man.Duplicates {
		var copies []*parsed
		for _, p := range r.msgs {
			if p.id == d.MessageID {
				copies = append(copies, p)
			}
		}
		if len(copies) != 2 {
			t.Errorf("%s: %d copies, want 2", d.MessageID, len(copies))
			continue
		}
		if copies[0].path != d.Maildir || copies[1].path != d.Mbox {
			t.Errorf("%s: found in %s and %s, manifest says %s and %s", d.MessageID, copies[0].path, copies[1].path, d.Maildir, d.Mbox)
		}
		if !bytes.Equal(copies[0].raw, copies[1].raw) {
			t.Errorf("%s: maildir and mbox copies differ", d.MessageID)
		}
	}
}

func TestThreads(t *testing.T) {
	r := sample(t, defaultSample)
	m := r.man
	if m.ThreadCount == 0 || m.Replies == 0 || m.MaxDepth < 3 || len(m.Threads) == 0 {
		t.Fatalf("threads: %d, replies %d, max depth %d, recorded %d", m.ThreadCount, m.Replies, m.MaxDepth, len(m.Threads))
	}
	byID := map[string]*parsed{}
	replies := 0
	for _, p := range r.msgs {
		byID[p.id] = p
		if p.inReplyTo != "" {
			replies++
		}
	}
	if replies != m.Replies+countDupReplies(r) {
		t.Errorf("%d messages with In-Reply-To, manifest says %d replies", replies, m.Replies)
	}
	deep := 0
	for _, th := range m.Threads {
		if th.Depth >= 3 {
			deep++
		}
		if th.Members[0].MessageID != th.Root || th.Members[0].InReplyTo != "" {
			t.Errorf("thread %s: first member is not the root", th.Root)
		}
		for _, mm := range th.Members[1:] {
			p := byID[mm.MessageID]
			if p == nil {
				t.Errorf("thread %s: member %s not on disk", th.Root, mm.MessageID)
				continue
			}
			if p.inReplyTo != mm.InReplyTo {
				t.Errorf("%s: In-Reply-To %s, manifest %s", mm.MessageID, p.inReplyTo, mm.InReplyTo)
			}
			refs := strings.Fields(p.refs)
			if len(refs) == 0 || refs[0] != th.Root || refs[len(refs)-1] != mm.InReplyTo {
				t.Errorf("%s: References %q do not run from root %s to parent %s", mm.MessageID, p.refs, th.Root, mm.InReplyTo)
			}
			if !strings.HasSuffix(p.subject, th.Subject) || !strings.HasPrefix(strings.ToLower(p.subject), "re") {
				t.Errorf("%s: subject %q is not a reply to %q", mm.MessageID, p.subject, th.Subject)
			}
			if root, ok := m.ThreadRoot(mm.MessageID); !ok || root != th.Root {
				t.Errorf("ThreadRoot(%s) = %s, %v", mm.MessageID, root, ok)
			}
		}
	}
	if deep == 0 {
		t.Error("no recorded thread is three replies deep")
	}
}

func countDupReplies(r *genResult) int {
	n := 0
	dup := map[string]bool{}
	for _, d := range r.man.Duplicates {
		dup[d.MessageID] = true
	}
	for _, p := range r.msgs {
		if dup[p.id] && p.inReplyTo != "" && strings.HasPrefix(p.path, "mbox/") {
			n++
		}
	}
	return n
}

func TestMarkers(t *testing.T) {
	r := sample(t, defaultSample)
	m := r.man
	if len(m.Markers) != len(markerSpecs) {
		t.Fatalf("%d markers planted, want %d", len(m.Markers), len(markerSpecs))
	}
	byID := map[string][]*parsed{}
	for _, p := range r.msgs {
		byID[p.id] = append(byID[p.id], p)
	}
	wheres := map[string]bool{}
	for _, mk := range m.Markers {
		wheres[mk.Where] = true
		if len(mk.Hits) != 3 {
			t.Errorf("%s: %d hits, want 3", mk.Word, len(mk.Hits))
		}
		hit := map[string]bool{}
		for _, h := range mk.Hits {
			hit[h.MessageID] = true
			ps := byID[h.MessageID]
			if len(ps) == 0 {
				t.Errorf("%s: message %s not found", mk.Word, h.MessageID)
				continue
			}
			p := ps[0]
			if p.path != h.Path {
				t.Errorf("%s: %s is in %s, manifest says %s", mk.Word, h.MessageID, p.path, h.Path)
			}
			checkMarker(t, mk, p)
		}
		// The word is nowhere else, in any form a search would match.
		needle := strings.ToLower(mk.Word)
		for _, p := range r.msgs {
			if hit[p.id] {
				continue
			}
			if strings.Contains(strings.ToLower(p.subject), needle) {
				t.Errorf("%s: also in the subject of %s", mk.Word, p.id)
			}
			for _, tp := range p.texts {
				if strings.Contains(strings.ToLower(tp.text), needle) || strings.Contains(strings.ToLower(tp.text), strings.ToLower(mk.Query)) {
					t.Errorf("%s: also in %s", mk.Word, p.id)
				}
			}
		}
	}
	for _, w := range []string{WhereSubject, WhereBody, WhereAlternative, WhereHTML, WhereTextAttach, WhereForwarded, WhereFromLine} {
		if !wheres[w] {
			t.Errorf("no marker planted in %s", w)
		}
	}
}

func checkMarker(t *testing.T, mk Marker, p *parsed) {
	t.Helper()
	spec := markerSpecs[slices.IndexFunc(markerSpecs, func(s markerSpec) bool { return s.word == mk.Word })]
	has := func(pred func(textPiece) bool, lit string) bool {
		for _, tp := range p.texts {
			if pred(tp) && strings.Contains(tp.text, lit) {
				if tp.charset != mk.Charset {
					t.Errorf("%s in %s: charset %s, manifest says %s", mk.Word, p.id, tp.charset, mk.Charset)
				}
				return true
			}
		}
		return false
	}
	body := func(sub string) func(textPiece) bool {
		return func(tp textPiece) bool { return tp.sub == sub && tp.filename == "" && !tp.forwarded }
	}
	ok := true
	switch mk.Where {
	case WhereSubject:
		ok = strings.Contains(p.subject, mk.Word)
	case WhereBody:
		ok = has(body("plain"), mk.Word) && p.kind == "plain"
	case WhereAlternative:
		ok = p.kind == "alternative" && has(body("plain"), mk.Word) && has(body("html"), spec.literal())
	case WhereHTML:
		ok = p.kind == "html" && has(body("html"), spec.literal())
	case WhereTextAttach:
		ok = has(func(tp textPiece) bool { return tp.filename != "" && !tp.forwarded }, mk.Word)
	case WhereForwarded:
		ok = has(func(tp textPiece) bool { return tp.forwarded }, mk.Word)
	case WhereFromLine:
		ok = has(body("plain"), "\nFrom "+mk.Word) && bytes.Contains(p.raw, []byte("\nFrom "+mk.Word))
		if strings.HasPrefix(p.path, "mbox/") {
			raw, err := os.ReadFile(filepath.Join(sample(t, defaultSample).dir, p.path))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(raw, []byte("\n>From "+mk.Word)) {
				t.Errorf("%s: not mboxrd-quoted in %s", mk.Word, p.path)
			}
		}
	}
	if !ok {
		t.Errorf("marker %s (%s) not found in %s %s", mk.Word, mk.Where, p.path, p.id)
	}
	if mk.Match == "folded" && isASCII(mk.Word) {
		t.Errorf("%s: a folded marker should be written with accents", mk.Word)
	}
}

func TestManifestRoundTrip(t *testing.T) {
	r := sample(t, defaultSample)
	var buf bytes.Buffer
	if err := WriteManifest(&buf, r.man); err != nil {
		t.Fatal(err)
	}
	back, err := ReadManifest(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if err := WriteManifest(&again, back); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("manifest does not survive a JSON round trip")
	}
	if mk, ok := back.Marker("Trésorerie"); !ok || mk.Query != "tresorerie" || mk.Charset != csLatin1 {
		t.Errorf("Marker(Trésorerie) = %+v, %v", mk, ok)
	}
}

func TestMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base) // other tests' cached samples stay live
	var peak uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ms runtime.MemStats
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	m, err := Generate(context.Background(), t.TempDir(), Options{Seed: 5, Messages: 10000})
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	const budget = 32 << 20
	grew := peak - min(peak, base.HeapInuse)
	t.Logf("10,000 messages: HeapInuse grew by at most %.1f MiB (peak %.1f MiB)", float64(grew)/(1<<20), float64(peak)/(1<<20))
	if grew > budget {
		t.Errorf("HeapInuse grew by %d MiB, budget %d MiB", grew>>20, budget>>20)
	}
	if m.Messages != 10000 {
		t.Errorf("manifest counts %d messages", m.Messages)
	}
}

func TestOptions(t *testing.T) {
	for _, o := range []Options{
		{Messages: -1}, {Messages: 1, Format: "pst"}, {Messages: 1, Mailboxes: 5000},
		{Messages: 1, LineEndings: "cr"},
	} {
		if _, err := Generate(context.Background(), t.TempDir(), o); err == nil {
			t.Errorf("Generate(%+v) succeeded", o)
		}
	}
	dir := t.TempDir()
	if _, err := Generate(context.Background(), dir, Options{Messages: 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(context.Background(), dir, Options{Messages: 3}); err == nil {
		t.Error("Generate over existing output succeeded")
	}
	// A tiny run still plants what it can and writes valid counts.
	m, err := Generate(context.Background(), t.TempDir(), Options{Messages: 5, Format: FormatMbox, LineEndings: "crlf"})
	if err != nil {
		t.Fatal(err)
	}
	if m.MboxMessages != 5 || len(m.Markers) != 5 {
		t.Errorf("tiny run: %d mbox messages, %d markers", m.MboxMessages, len(m.Markers))
	}
	if _, err := Generate(context.Background(), t.TempDir(), Options{}); err != nil {
		t.Errorf("empty run: %v", err)
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Generate(ctx, t.TempDir(), Options{Messages: 5000})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Generate with a cancelled context: %v", err)
	}
}

// BenchmarkGenerate reports messages written per second. Set
// GEN_BENCH_DIR to a directory (such as one on tmpfs) to measure the
// generator rather than the disk.
func BenchmarkGenerate(b *testing.B) {
	for _, format := range []string{FormatMbox, FormatMaildir, FormatBoth} {
		b.Run(format, func(b *testing.B) {
			const n = 20000
			total := 0
			var elapsed time.Duration
			for i := 0; b.Loop(); i++ {
				dir, err := os.MkdirTemp(os.Getenv("GEN_BENCH_DIR"), "genbench-")
				if err != nil {
					b.Fatal(err)
				}
				t0 := time.Now()
				if _, err := Generate(context.Background(), dir, Options{Seed: int64(i), Messages: n, Format: format}); err != nil {
					b.Fatal(err)
				}
				elapsed += time.Since(t0)
				total += n
				b.StopTimer()
				os.RemoveAll(dir)
				b.StartTimer()
			}
			b.ReportMetric(float64(total)/elapsed.Seconds(), "msgs/s")
		})
	}
}
