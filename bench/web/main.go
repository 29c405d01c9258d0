// Command web is a load generator for dossier's reading room (issue 4,
// "Speed"): concurrent clients over a fixed mix of search pages, document
// pages and API searches, for a fixed time after a warm-up; it prints
// requests per second, median and 99th-percentile latency per class and the
// number of errors as a Markdown table. bench/web.sh runs it against
// `dossier serve` over the Enron archive.
//
//	go run -tags sqlite_fts5 ./bench/web --url http://127.0.0.1:8080
//	go run -tags sqlite_fts5 ./bench/web --archive DIR --cpuprofile cpu.out
//
// With --url it loads a running server (give --server-pid to record that
// process's memory during the run). With --archive it serves the archive
// in-process, as `dossier serve` would, so that --cpuprofile can show where
// the server spends its time; the clients then share the process.
//
// The mix repeats, per client: search page, document page, search page,
// document page, API search (40/40/20). Queries come from a fixed list of
// Enron searches (words, phrases, from:, to:, subject:, date ranges,
// prefixes, boolean operators), each client starting at a different place;
// document numbers are drawn uniformly from 1..max with a fixed seed per
// client. A response is an error unless its status is 200 and its body was
// read in full.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/newsroom/dossier/internal/blobstore/disk"
	"github.com/newsroom/dossier/internal/meta/sqlite"
	"github.com/newsroom/dossier/internal/web"
	"github.com/newsroom/dossier/internal/web/websqlite"
)

// enronQueries is the fixed query list: each has hits in the Enron sample
// (its busiest month is October 2001), from rare words to words in almost
// every message.
var enronQueries = []string{
	`skilling`,
	`"natural gas"`,
	`from:jeff.dasovich@enron.com`,
	`to:pete.davis@enron.com`,
	`subject:meeting`,
	`california AND power`,
	`energy OR electricity`,
	`date:2001-10-01..2001-10-31`,
	`enron NOT california`,
	`fastow AND subject:enron`,
	`kangaroo`,
	`regulat*`,
	`"conference call"`,
	`pipeline date:2001-11`,
	`trad*`,
	`from:skilling date:2001`,
	`"power plant" california`,
	`has:attachment contract`,
	`enron`,
	`subject:(budget OR forecast)`,
}

// class is a kind of request, reported on its own line.
type class int

const (
	searchPage class = iota
	docPage
	apiSearch
	nClasses
)

var classNames = [nClasses]string{"search page `/search?q=`", "document page `/doc/N`", "API search `/api/v1/search?q=`"}

// mix is the order of requests each client repeats.
var mix = []class{searchPage, docPage, searchPage, docPage, apiSearch}

type config struct {
	base      string
	token     string
	clients   int
	duration  time.Duration
	warmup    time.Duration
	maxDoc    int
	seed      uint64
	queries   []string
	serverPID int
	slowest   int
}

func main() {
	os.Exit(run())
}

func run() int {
	var (
		cfg        config
		archive    string
		cpuprofile string
		queryFile  string
	)
	flag.StringVar(&cfg.base, "url", "", "base URL of a running `dossier serve`, e.g. http://127.0.0.1:8080")
	flag.StringVar(&archive, "archive", "", "serve this archive in-process instead of loading --url")
	flag.IntVar(&cfg.clients, "clients", 16, "concurrent clients")
	flag.DurationVar(&cfg.duration, "duration", 30*time.Second, "measured time")
	flag.DurationVar(&cfg.warmup, "warmup", 5*time.Second, "warm-up time before measuring (same load, not counted)")
	flag.IntVar(&cfg.maxDoc, "max-doc", 0, "highest document number to request (default: the archive's document count, from /api/v1/stats)")
	flag.Uint64Var(&cfg.seed, "seed", 1, "seed of the document numbers")
	flag.StringVar(&queryFile, "queries", "", "file of queries, one a line (default: the built-in Enron list)")
	flag.IntVar(&cfg.serverPID, "server-pid", 0, "process id of the server, to report its memory (VmHWM, VmRSS) under load")
	flag.IntVar(&cfg.slowest, "slowest", 5, "list the N slowest requests")
	flag.StringVar(&cpuprofile, "cpuprofile", "", "with --archive: write a CPU profile of the measured phase to this file")
	flag.Parse()
	cfg.token = os.Getenv("DOSSIER_TOKEN")
	fail := func(err error, hint string) int {
		fmt.Fprintln(os.Stderr, "bench/web:", err)
		if hint != "" {
			fmt.Fprintln(os.Stderr, "hint:", hint)
		}
		return 1
	}
	if (cfg.base == "") == (archive == "") {
		return fail(errors.New("give exactly one of --url and --archive"), "e.g. --url http://127.0.0.1:8080")
	}
	if cfg.clients < 1 || cfg.duration <= 0 || cfg.warmup < 0 {
		return fail(errors.New("--clients and --duration must be positive, --warmup not negative"), "")
	}
	if cpuprofile != "" && archive == "" {
		return fail(errors.New("--cpuprofile needs --archive (the server must run in this process)"), "")
	}
	cfg.queries = enronQueries
	if queryFile != "" {
		qs, err := readQueries(queryFile)
		if err != nil {
			return fail(err, "")
		}
		cfg.queries = qs
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if archive != "" {
		base, closeServer, err := serveArchive(ctx, archive)
		if err != nil {
			return fail(err, "give the directory of an archive (it holds dossier.db and blobs/)")
		}
		defer closeServer()
		cfg.base = base
	}
	cfg.base = strings.TrimRight(cfg.base, "/")
	client := newClient(cfg.clients)
	if cfg.maxDoc == 0 {
		n, err := maxDoc(ctx, client, cfg)
		if err != nil {
			return fail(fmt.Errorf("find the document count: %w", err), "give --max-doc N")
		}
		cfg.maxDoc = n
	}
	fmt.Fprintf(os.Stderr, "bench/web: %s, %d clients, warm-up %s, measuring %s, documents 1..%d, %d queries\n",
		cfg.base, cfg.clients, cfg.warmup, cfg.duration, cfg.maxDoc, len(cfg.queries))

	if cfg.warmup > 0 {
		load(ctx, client, cfg, cfg.warmup, nil)
	}
	var prof *os.File
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return fail(err, "")
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return fail(err, "")
		}
		prof = f
	}
	mem := &memWatch{pid: cfg.serverPID}
	res := load(ctx, client, cfg, cfg.duration, mem)
	if prof != nil {
		pprof.StopCPUProfile()
		if err := prof.Close(); err != nil {
			return fail(err, "")
		}
	}
	if ctx.Err() != nil {
		return fail(errors.New("interrupted"), "")
	}
	report(os.Stdout, cfg, res, mem)
	return 0
}

// readQueries reads one query a line, skipping blank lines and # comments.
func readQueries(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var qs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if q := strings.TrimSpace(sc.Text()); q != "" && !strings.HasPrefix(q, "#") {
			qs = append(qs, q)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(qs) == 0 {
		return nil, fmt.Errorf("%s holds no query", path)
	}
	return qs, nil
}

// serveArchive serves an archive in this process on a loopback port, as
// `dossier serve` does, and returns its base URL.
func serveArchive(ctx context.Context, dir string) (string, func(), error) {
	if _, err := os.Stat(filepath.Join(dir, "dossier.json")); err != nil {
		return "", nil, fmt.Errorf("no archive at %s: %w", dir, err)
	}
	blobs, err := disk.Open(filepath.Join(dir, "blobs"))
	if err != nil {
		return "", nil, err
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "dossier.db"))
	if err != nil {
		return "", nil, fmt.Errorf("open archive %s: %w", dir, err)
	}
	h, err := web.New(web.Config{Store: websqlite.New(st), Blobs: blobs})
	if err != nil {
		st.Close()
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		st.Close()
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() {
		srv.Close()
		st.Close()
	}, nil
}

func newClient(clients int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = clients * 2
	tr.MaxIdleConnsPerHost = clients * 2
	tr.Proxy = nil
	return &http.Client{Transport: tr, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// get fetches a URL and reads the whole body; ok means status 200.
func get(ctx context.Context, client *http.Client, cfg config, u string) (status int, body []byte, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, err
	}
	if cfg.token != "" {
		req.Header.Set("Authorization", "Bearer "+cfg.token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// maxDoc reads the number of documents from /api/v1/stats: numbers are
// given in order at first ingest, so in an archive that nothing was
// removed from they run from 1 to that count.
func maxDoc(ctx context.Context, client *http.Client, cfg config) (int, error) {
	status, body, err := get(ctx, client, cfg, cfg.base+"/api/v1/stats")
	if err != nil {
		return 0, err
	}
	if status != http.StatusOK {
		return 0, fmt.Errorf("/api/v1/stats: status %d: %.200s", status, body)
	}
	var st struct {
		Documents map[string]int64 `json:"documents"`
	}
	if err := json.Unmarshal(body, &st); err != nil {
		return 0, fmt.Errorf("/api/v1/stats: %w", err)
	}
	var n int64
	for _, c := range st.Documents {
		n += c
	}
	if n == 0 {
		return 0, errors.New("the archive is empty")
	}
	return int(n), nil
}

// sample is one measured request.
type sample struct {
	class class
	query int // index into the queries, -1 for a document page
	dur   time.Duration
	ok    bool
	code  int    // status, 0 for a transport error
	what  string // path, for the slowest list
}

type results struct {
	samples []sample
	elapsed time.Duration
}

// load runs cfg.clients clients for d; with mem set it also samples the
// server's memory, and it returns every request made (nil when mem is nil:
// the warm-up).
func load(ctx context.Context, client *http.Client, cfg config, d time.Duration, mem *memWatch) *results {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	per := make([][]sample, cfg.clients)
	var wg sync.WaitGroup
	start := time.Now()
	if mem != nil && mem.pid > 0 {
		wg.Go(func() { mem.watch(ctx) })
	}
	for id := range cfg.clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(cfg.seed, uint64(id)))
			qi := id * 7 // each client starts at another query
			for i := 0; ; i++ {
				c := mix[i%len(mix)]
				var path string
				q := -1
				switch c {
				case docPage:
					path = "/doc/" + strconv.Itoa(1+rng.IntN(cfg.maxDoc))
				case searchPage:
					q = qi % len(cfg.queries)
					qi++
					path = "/search?q=" + url.QueryEscape(cfg.queries[q])
				case apiSearch:
					q = qi % len(cfg.queries)
					qi++
					path = "/api/v1/search?q=" + url.QueryEscape(cfg.queries[q])
				}
				t0 := time.Now()
				status, _, err := get(ctx, client, cfg, cfg.base+path)
				dur := time.Since(t0)
				if ctx.Err() != nil {
					return // cut off by the end of the run: not counted
				}
				if mem != nil {
					per[id] = append(per[id], sample{class: c, query: q, dur: dur, ok: err == nil && status == http.StatusOK, code: status, what: path})
				}
			}
		})
	}
	wg.Wait()
	if mem == nil {
		return nil
	}
	res := &results{elapsed: time.Since(start)}
	for _, s := range per {
		res.samples = append(res.samples, s...)
	}
	return res
}

// memWatch samples a process's resident memory, and its CPU time over the
// run.
type memWatch struct {
	pid     int
	maxRSS  int64 // largest VmRSS sampled, kB
	hwm     int64 // VmHWM at the end, kB
	samples int
	cpu     time.Duration // user + system time used during the run
}

func (m *memWatch) watch(ctx context.Context) {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	cpu0, err0 := procCPU(m.pid)
	for {
		if st, err := procStatus(m.pid); err == nil {
			m.maxRSS = max(m.maxRSS, st["VmRSS"])
			m.hwm = st["VmHWM"]
			m.samples++
		}
		select {
		case <-ctx.Done():
			if cpu1, err := procCPU(m.pid); err == nil && err0 == nil {
				m.cpu = cpu1 - cpu0
			}
			return
		case <-tick.C:
		}
	}
}

// procCPU reads a process's user + system time from /proc/PID/stat
// (clock ticks of 1/100 s, as on every Linux this runs on).
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces: count from its ")".
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too short", pid)
	}
	var ticks int64
	for _, v := range f[11:13] { // utime, stime: fields 14 and 15
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}

// procStatus reads the kB fields of /proc/PID/status.
func procStatus(pid int) (map[string]int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for line := range strings.Lines(string(b)) {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 2 && f[1] == "kB" {
			if n, err := strconv.ParseInt(f[0], 10, 64); err == nil {
				out[k] = n
			}
		}
	}
	return out, nil
}

// pct returns the p-th percentile (0..100) of sorted durations, nearest
// rank.
func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p/100*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64)
}

func report(w io.Writer, cfg config, res *results, mem *memWatch) {
	secs := res.elapsed.Seconds()
	fmt.Fprintf(w, "%d clients, %s measured after a %s warm-up; documents 1..%d; %d queries; Go %s, GOMAXPROCS %d (load generator)\n\n",
		cfg.clients, res.elapsed.Round(time.Millisecond), cfg.warmup, cfg.maxDoc, len(cfg.queries), runtime.Version(), runtime.GOMAXPROCS(0))
	fmt.Fprintln(w, "| class | requests | requests/s | p50 ms | p90 ms | p99 ms | max ms | errors |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|")
	var all []time.Duration
	errs := 0
	for c := range nClasses {
		var ds []time.Duration
		e := 0
		for _, s := range res.samples {
			if s.class == c {
				ds = append(ds, s.dur)
				if !s.ok {
					e++
				}
			}
		}
		slices.Sort(ds)
		all = append(all, ds...)
		errs += e
		fmt.Fprintf(w, "| %s | %d | %.1f | %s | %s | %s | %s | %d |\n", classNames[c], len(ds), float64(len(ds))/secs,
			ms(pct(ds, 50)), ms(pct(ds, 90)), ms(pct(ds, 99)), ms(pct(ds, 100)), e)
	}
	slices.Sort(all)
	fmt.Fprintf(w, "| **all** | %d | **%.1f** | %s | %s | %s | %s | %d |\n", len(all), float64(len(all))/secs,
		ms(pct(all, 50)), ms(pct(all, 90)), ms(pct(all, 99)), ms(pct(all, 100)), errs)
	if mem.pid > 0 && mem.samples > 0 {
		fmt.Fprintf(w, "\nServer (pid %d) under load: VmHWM %.1f MB, largest VmRSS sampled %.1f MB (%d samples); CPU %.1f s in %.1f s (%.0f%% of one CPU), %.1f ms of CPU a request.\n",
			mem.pid, float64(mem.hwm)/1024, float64(mem.maxRSS)/1024, mem.samples, mem.cpu.Seconds(), secs,
			100*mem.cpu.Seconds()/secs, float64(mem.cpu.Milliseconds())/float64(max(len(all), 1)))
	}

	// Per query: where the search time goes.
	fmt.Fprintln(w, "\nSearch pages and API searches by query:")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| query | page p50 ms | page p99 ms | API p50 ms | API p99 ms | requests |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|")
	for qi, q := range cfg.queries {
		var page, api []time.Duration
		for _, s := range res.samples {
			if s.query != qi {
				continue
			}
			if s.class == searchPage {
				page = append(page, s.dur)
			} else {
				api = append(api, s.dur)
			}
		}
		slices.Sort(page)
		slices.Sort(api)
		fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s | %d |\n", strings.ReplaceAll(q, "|", `\|`),
			ms(pct(page, 50)), ms(pct(page, 99)), ms(pct(api, 50)), ms(pct(api, 99)), len(page)+len(api))
	}
	if cfg.slowest > 0 {
		s := slices.Clone(res.samples)
		slices.SortFunc(s, func(a, b sample) int { return int(b.dur - a.dur) })
		fmt.Fprintf(w, "\nSlowest %d requests:", min(cfg.slowest, len(s)))
		for _, x := range s[:min(cfg.slowest, len(s))] {
			u, _ := url.QueryUnescape(x.what)
			fmt.Fprintf(w, " `%s` %s ms;", u, ms(x.dur))
		}
		fmt.Fprintln(w)
	}
	if errs > 0 {
		fmt.Fprintf(w, "\nErrors (first few):")
		n := 0
		for _, x := range res.samples {
			if !x.ok && n < 5 {
				fmt.Fprintf(w, " `%s` (status %d);", x.what, x.code)
				n++
			}
		}
		fmt.Fprintln(w)
	}
}
