package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// publishLeak writes messages with unique marker words: pub1..pubN will be
// published, priv1..privN stay private. Each private message shares a
// thread with a public one and has an attachment.
func publishLeak(t *testing.T, dir string, n int) {
	t.Helper()
	os.MkdirAll(dir, 0o755)
	for i := 1; i <= n; i++ {
		for _, kind := range []string{"pub", "priv"} {
			mid := fmt.Sprintf("%s%d@example.fr", kind, i)
			refs := ""
			if kind == "priv" {
				refs = fmt.Sprintf("In-Reply-To: <pub%d@example.fr>\r\nReferences: <pub%d@example.fr>\r\n", i, i)
			}
			marker := fmt.Sprintf("%smarkerzq%d", kind, i)
			m := fmt.Sprintf("From: %s sender <%s.sender%d@%sdomain%d.example>\r\nTo: desk@example.fr\r\nSubject: %s subject budget\r\n"+
				"Date: Mon, %d Apr 2017 10:00:00 +0200\r\nMessage-ID: <%s>\r\n%sMIME-Version: 1.0\r\n"+
				"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
				"Le budget %s du trimestre.\r\n--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"%s-notes.txt\"\r\n\r\n"+
				"annexe %sattach\r\n--b--\r\n",
				kind, kind, i, kind, i, marker, i, mid, refs, marker, marker, marker)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s%d.eml", kind, i)), []byte(m), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// startPublic runs `dossier serve --public` and returns its base URL.
func startPublic(t *testing.T, archive string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, e2eBin, "--archive", archive, "serve", "--public", "--addr", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	sc := bufio.NewScanner(stderr)
	re := regexp.MustCompile(`at (http://127\.0\.0\.1:\d+)/`)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, stderr)
			return m[1]
		}
	}
	t.Fatalf("serve --public did not start")
	return ""
}

func get(t *testing.T, u string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

var hrefRe = regexp.MustCompile(`(?:href|src)="([^"#]+)"|<loc>([^<]+)</loc>`)

// crawl fetches every same-site page reachable from the starts and calls
// check on each response; it returns the paths seen.
func crawl(t *testing.T, base string, starts []string, check func(path string, code int, body []byte)) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	queue := append([]string(nil), starts...)
	for len(queue) > 0 && len(seen) < 3000 {
		p := queue[0]
		queue = queue[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		code, body := get(t, base+p)
		check(p, code, body)
		for _, m := range hrefRe.FindAllSubmatch(body, -1) {
			link := string(m[1]) + string(m[2])
			link = strings.ReplaceAll(link, "&amp;", "&")
			u, err := url.Parse(link)
			if err != nil {
				continue
			}
			if u.Host != "" {
				if !strings.HasPrefix(link, base) {
					continue
				}
				link = strings.TrimPrefix(link, base)
			} else if !strings.HasPrefix(link, "/") {
				continue
			}
			if strings.HasPrefix(link, "/log/tile") {
				continue
			}
			queue = append(queue, link)
		}
	}
	return seen
}

// The embargo test: private documents are invisible on the public site —
// their text, their numbers, their existence and their counts — and what
// is published can be proved, monitored and mirrored.
func TestE2EPublishEmbargo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the public server")
	}
	dir := t.TempDir()
	leakDir := filepath.Join(dir, "leak")
	const n = 3
	publishLeak(t, leakDir, n)
	archive := filepath.Join(dir, "archive")
	ingestJSON(t, archive, leakDir)

	// Numbers of the public and private messages and their attachments.
	num := func(q string) []string {
		t.Helper()
		var nums []string
		for _, h := range search(t, archive, q).Hits {
			nums = append(nums, strconv.FormatInt(h.Number, 10))
		}
		return nums
	}
	var pubNums, privNums []string
	for i := 1; i <= n; i++ {
		pubNums = append(pubNums, num(fmt.Sprintf("pubmarkerzq%d", i))...)
		privNums = append(privNums, num(fmt.Sprintf("privmarkerzq%d", i))...)
	}
	if len(pubNums) != 2*n || len(privNums) != 2*n {
		t.Fatalf("numbers: public %v, private %v", pubNums, privNums)
	}

	// Errors first: nothing is created or published by them.
	ids := filepath.Join(dir, "ids")
	os.WriteFile(ids, []byte("999999\n"), 0o644)
	if r := runDossier(t, "--archive", archive, "release", "create", "bad", "--ids", ids); r.code == 0 || !bytes.Contains(r.stderr, []byte("999999")) {
		t.Errorf("an unknown id: %s", r)
	}
	if r := runDossier(t, "--archive", archive, "release", "create", "none", "--query", "zzznothingzzz"); r.code == 0 {
		t.Errorf("a release of nothing: %s", r)
	}
	mustDossier(t, archive, "release", "create", "first", "--query", "subject:pubmarkerzq1 OR subject:pubmarkerzq2", "--with-attachments")
	if r := runDossier(t, "--archive", archive, "release", "publish", "first", "--at", "2001-01-01"); r.code == 0 || !bytes.Contains(r.stderr, []byte("past")) {
		t.Errorf("a time in the past: %s", r)
	}
	// Two processes publish the same release at once: each document is
	// appended once.
	var wg sync.WaitGroup
	results := make([]result, 2)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = runDossier(t, "--archive", archive, "release", "publish", "first")
		}()
	}
	wg.Wait()
	ok := 0
	for _, r := range results {
		if r.code == 0 {
			ok++
		} else if !bytes.Contains(r.stderr, []byte("already published")) {
			t.Errorf("concurrent publish: %s", r)
		}
	}
	if ok == 0 {
		t.Fatalf("concurrent publish: neither succeeded: %v", results)
	}
	vkey := strings.TrimSpace(string(mustDossier(t, archive, "log", "key")))
	cp, err := os.ReadFile(filepath.Join(archive, "log", "checkpoint"))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(string(cp), "\n"); len(lines) < 2 || lines[1] != "4" {
		t.Errorf("log size after publishing 4 documents twice at once: checkpoint\n%s", cp)
	}
	mustDossier(t, archive, "release", "create", "second", "--query", "subject:pubmarkerzq3", "--with-attachments")
	mustDossier(t, archive, "release", "publish", "second")
	// One published message is withdrawn: a notice, never a silent gap.
	withdrawn := num("subject:pubmarkerzq3")[0]
	mustDossier(t, archive, "release", "withdraw", withdrawn, "--reason", "court order")

	base := startPublic(t, archive)
	privRe := regexp.MustCompile(`privmarkerzq|privdomain|priv\d+@example|priv-notes`)
	privLink := regexp.MustCompile(`/doc/(` + strings.Join(privNums, "|") + `)\b`)
	leak := func(p string, code int, body []byte) {
		if m := privRe.Find(body); m != nil {
			t.Errorf("%s (%d) shows private text %q", p, code, m)
		}
		if m := privLink.Find(body); m != nil {
			t.Errorf("%s (%d) links a private document: %q", p, code, m)
		}
	}
	seen := crawl(t, base, []string{"/", "/releases", "/releases.atom", "/sitemap.xml", "/robots.txt", "/log", "/api/v1/stats",
		"/api/v1/openapi.json", "/search?q=budget", "/api/v1/search?q=budget&facets=true"}, leak)
	t.Logf("crawled %d pages", len(seen))
	for i := 1; i <= n; i++ {
		for _, p := range []string{"/search?q=privmarkerzq%d", "/api/v1/search?q=privmarkerzq%d", "/search?q=privmarkerzq%dattach"} {
			p := fmt.Sprintf(p, i)
			code, body := get(t, base+p)
			// The query itself is echoed back (the search box); nothing else
			// may show.
			q := []byte(strings.SplitN(p, "q=", 2)[1])
			leak(p, code, bytes.ReplaceAll(body, q, nil))
			if bytes.Contains(body, []byte(`"total":1`)) || bytes.Contains(body, []byte("1 document")) {
				t.Errorf("%s counts a private document", p)
			}
		}
	}
	// The budget count is that of the published messages, less the
	// withdrawn one (attachments do not say budget).
	var sr struct {
		Total int `json:"total"`
	}
	_, body := get(t, base+"/api/v1/search?q=budget&facets=true")
	decodeJSON(t, "public search", body, &sr)
	if sr.Total != n-1 {
		t.Errorf("public count of 'budget': %d, want %d", sr.Total, n-1)
	}
	// An unpublished number and one that never existed look the same.
	_, never := get(t, base+"/doc/999999")
	for _, pn := range privNums {
		for _, suffix := range []string{"", "/raw", "/proof", "/html"} {
			code, body := get(t, base+"/doc/"+pn+suffix)
			if code != http.StatusNotFound {
				t.Errorf("/doc/%s%s: %d, want 404", pn, suffix, code)
			}
			if suffix == "" && !bytes.Equal(body, never) {
				t.Errorf("/doc/%s differs from a number that never existed", pn)
			}
		}
		code, _ := get(t, base+"/api/v1/doc/"+pn)
		if code != http.StatusNotFound {
			t.Errorf("/api/v1/doc/%s: %d", pn, code)
		}
	}
	if code, body := get(t, base+"/doc/"+withdrawn); code != http.StatusGone || !bytes.Contains(body, []byte("court order")) {
		t.Errorf("withdrawn document: %d\n%.500s", code, body)
	}

	// Proofs verify offline, with the original; a changed byte does not.
	proofDir := filepath.Join(dir, "proofs")
	os.MkdirAll(proofDir, 0o755)
	verified := 0
	for _, pn := range pubNums {
		if pn == withdrawn {
			continue
		}
		code, proof := get(t, base+"/doc/"+pn+"/proof")
		_, raw := get(t, base+"/doc/"+pn+"/raw")
		if code != http.StatusOK {
			t.Errorf("/doc/%s/proof: %d", pn, code)
			continue
		}
		pf, rf := filepath.Join(proofDir, pn+".proof"), filepath.Join(proofDir, pn+".raw")
		os.WriteFile(pf, proof, 0o644)
		os.WriteFile(rf, raw, 0o644)
		if r := runDossier(t, "log", "verify-proof", pf, "--key", vkey, "--file", rf); r.code != 0 {
			t.Errorf("verify-proof %s: %s", pn, r)
		} else {
			verified++
		}
		bad := bytes.Clone(raw)
		bad[len(bad)/2] ^= 1
		os.WriteFile(rf, bad, 0o644)
		if r := runDossier(t, "log", "verify-proof", pf, "--key", vkey, "--file", rf); r.code == 0 {
			t.Errorf("verify-proof accepted an altered original of %s", pn)
		}
		badProof := bytes.Replace(proof, []byte("index "), []byte("index 1"), 1)
		os.WriteFile(pf, badProof, 0o644)
		if r := runDossier(t, "log", "verify-proof", pf, "--key", vkey); r.code == 0 {
			t.Errorf("verify-proof accepted an altered proof of %s", pn)
		}
	}
	if verified != 2*n-1 {
		t.Errorf("%d proofs verified, want %d", verified, 2*n-1)
	}

	// A monitor follows the log as it grows, over HTTP.
	state := filepath.Join(dir, "monitor.state")
	if r := runDossier(t, "log", "monitor", base+"/log/", "--key", vkey, "--state", state); r.code != 0 {
		t.Fatalf("monitor: %s", r)
	}
	mustDossier(t, archive, "release", "create", "third", "--ids", writeIDs(t, dir, privNums[0]))
	mustDossier(t, archive, "release", "publish", "third")
	if r := runDossier(t, "log", "monitor", base+"/log/", "--key", vkey, "--state", state); r.code != 0 || !bytes.Contains(r.stdout, []byte("consistent")) {
		t.Errorf("monitor after growth: %s", r)
	}

	// The static mirror: served by a plain file server, it shows the same
	// documents, no private ones, and its proofs verify the same.
	site := filepath.Join(dir, "site")
	mustDossier(t, archive, "export-site", site)
	fs := httptest.NewServer(http.FileServer(http.Dir(site)))
	defer fs.Close()
	privNow := regexp.MustCompile(`privmarkerzq[23]|privdomain[23]`) // priv1 was published by "third"
	filepath.WalkDir(site, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		if m := privNow.Find(b); m != nil {
			t.Errorf("exported %s holds private text %q", p, m)
		}
		return nil
	})
	if code, body := get(t, fs.URL+"/"); code != http.StatusOK || !bytes.Contains(body, []byte("pubmarkerzq1")) && !bytes.Contains(body, []byte("first")) {
		t.Errorf("mirror home: %d %.300s", code, body)
	}
	if r := runDossier(t, "log", "monitor", site+"/log", "--key", vkey, "--state", filepath.Join(dir, "mirror.state")); r.code != 0 {
		t.Errorf("monitor of the mirror: %s", r)
	}
	code, proof := get(t, fs.URL+"/doc/"+pubNums[0]+"/proof")
	pf := filepath.Join(dir, "mirror.proof")
	os.WriteFile(pf, proof, 0o644)
	if r := runDossier(t, "log", "verify-proof", pf, "--key", vkey); code != http.StatusOK || r.code != 0 {
		t.Errorf("mirror proof: %d %s", code, r)
	}
	man, err := os.ReadFile(filepath.Join(site, "download", "MANIFEST.sha256"))
	if err != nil || !bytes.Contains(man, []byte("  ")) {
		t.Errorf("bulk download manifest: %v %.200s", err, man)
	}
	cmd := exec.Command("sha256sum", "-c", "--quiet", "MANIFEST.sha256")
	cmd.Dir = filepath.Join(site, "download")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("sha256sum -c of the bulk download: %v\n%s", err, out)
	}
	mpf := filepath.Join(site, "download", "MANIFEST.sha256.proof")
	if r := runDossier(t, "log", "verify-proof", mpf, "--key", vkey, "--file", filepath.Join(site, "download", "MANIFEST.sha256")); r.code != 0 {
		t.Errorf("the manifest's proof: %s", r)
	}

	// A rewritten history fails the monitor loudly.
	logDir := filepath.Join(archive, "log")
	tile := currentTile(t, logDir)
	b, _ := os.ReadFile(tile)
	b[len(b)-1] ^= 1
	os.WriteFile(tile, b, 0o644)
	if r := runDossier(t, "log", "monitor", logDir, "--key", vkey, "--state", filepath.Join(dir, "fresh.state")); r.code == 0 {
		t.Errorf("monitor accepted a corrupted tile: %s", r)
	}
}

func writeIDs(t *testing.T, dir string, nums ...string) string {
	t.Helper()
	p := filepath.Join(dir, "ids-"+strings.Join(nums, "-"))
	os.WriteFile(p, []byte(strings.Join(nums, "\n")+"\n"), 0o644)
	return p
}

// currentTile returns the level-0 hash tile that the log's checkpoint
// covers (a small log: the partial tile of its size).
func currentTile(t *testing.T, logDir string) string {
	t.Helper()
	cp, err := os.ReadFile(filepath.Join(logDir, "checkpoint"))
	if err != nil {
		t.Fatal(err)
	}
	size, err := strconv.Atoi(strings.Split(string(cp), "\n")[1])
	if err != nil || size == 0 || size >= 256 {
		t.Fatalf("log size %d (%v): this test expects a small log", size, err)
	}
	p := filepath.Join(logDir, "tile", "0", "000.p", strconv.Itoa(size))
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	return p
}
