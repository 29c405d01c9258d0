package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/ingest"
	"github.com/newsroom/dossier/internal/meta"
)

func (a *app) ingestCmd() *cobra.Command {
	var (
		collection  string
		retryFailed bool
		jsonOut     bool
		workers     int
		quiet       bool
		noVerify    bool
		passwords   string
		ocrLang     string
		received    string
	)
	cmd := &cobra.Command{
		Use:   "ingest [--collection NAME] PATH...",
		Short: "Take in files, directories, Maildirs, mbox and .eml files",
		Long: `Ingest stores every file under the given paths in the archive, splits mbox files into
messages, extracts every message's headers, text, attachments and embedded messages, and records
every item in the ledger as indexed, duplicate, failed or skipped. Types are detected by content.
Documents of other formats (PDF, office files, archives, Outlook files, images, ...) are
extracted with their metadata in sandboxed child processes; archives are opened recursively
(see docs/formats.md).
Every message's DKIM and ARC signatures are verified offline against the key archive
('dossier keys') and the verdicts stored. Watched people ('dossier watch') and pattern
entities (email addresses, phone numbers, IBANs, URLs, domains) are found in every document.

Re-running on the same paths does no repeated work; an interrupted run (even killed) resumes.
--retry-failed redoes only the input files in which something failed (give the same paths).

On a terminal a progress line shows items, bytes, rate and ETA; piped, plain lines every
few seconds. The summary at the end adds up: input files = indexed + duplicate + failed +
skipped + unchanged.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			for _, p := range args {
				if _, err := os.Lstat(p); err != nil {
					return withHint(fmt.Errorf("cannot read %s: %v", p, errors.Unwrap(err)), "check the path")
				}
			}
			if collection == "" {
				collection = defaultCollection(args[0])
			}
			ar, err := a.openArchive(ctx, true)
			if err != nil {
				return err
			}
			defer ar.Close()
			if err := ar.lockIngest(); err != nil {
				return err
			}
			runID, err := ar.meta.RunStart(ctx, os.Args)
			if err != nil {
				return err
			}
			tuneGC()
			prog := newProgressPrinter(a.stderr, quiet || jsonOut)
			pe, _, err := loadPeople(ctx, ar)
			if err != nil {
				return err
			}
			ing := &ingest.Ingester{Blobs: ar.blobs, Store: ar.meta, People: pe}
			opts := ingest.Options{
				Collection: collection, Paths: args, RetryFailed: retryFailed, Workers: workers,
				Progress: prog.update, Extractors: extractors{noOCR: ocrLang == "none"},
				Extract: extract.Options{OCRLanguages: ocrLang},
			}
			if passwords != "" {
				if opts.Extract.Passwords, err = readPasswords(passwords); err != nil {
					return err
				}
			}
			if received != "" {
				if opts.Received, err = parseAsOf(received); err != nil {
					return withHint(err, "give --received as 2017-05-05, an RFC 3339 time or Unix seconds")
				}
			}
			if !noVerify {
				if opts.Keys, err = ar.archivedKeys(ctx); err != nil {
					return err
				}
			}
			sum, err := ing.Run(ctx, opts)
			prog.done()
			if sum != nil {
				ar.meta.RunFinish(ctx, runID, sum)
				if jsonOut {
					enc := json.NewEncoder(a.stdout)
					enc.SetIndent("", "  ")
					enc.Encode(summaryJSON(sum))
				} else {
					printSummary(a.stdout, sum)
				}
			}
			if err != nil {
				if ctx.Err() != nil {
					return withHint(errors.New("ingest interrupted"), "run the same command again to resume; nothing recorded is lost")
				}
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&collection, "collection", "", "collection name (default: the first path's base name)")
	cmd.Flags().BoolVar(&retryFailed, "retry-failed", false, "redo only the input files in which something failed")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the summary as JSON")
	cmd.Flags().IntVar(&workers, "workers", 0, "parallel workers (default: one per CPU)")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress output")
	cmd.Flags().BoolVar(&noVerify, "no-verify", false, "do not verify DKIM/ARC signatures (later: 'dossier verify --all')")
	cmd.Flags().StringVar(&passwords, "passwords", "", "file of passwords to try on encrypted archives, PDFs and office files, one per line")
	cmd.Flags().StringVar(&ocrLang, "ocr-lang", "fra+eng", "tesseract languages for scanned pages and images; none: no OCR")
	cmd.Flags().StringVar(&received, "received", "", "when the leak was received (default: now); later document dates are flagged")
	return cmd
}

// tuneGC trades memory for speed during an ingest: the garbage collector
// runs half as often (GOGC=200), with the Go heap held under a soft limit of
// 160 MiB, so peak memory stays flat (SQLite's page caches add at most
// 64 MiB). GOGC and GOMEMLIMIT in the environment take precedence.
// readPasswords reads a password list: one per line, kept exactly (spaces
// included); empty lines and a final newline are ignored.
func readPasswords(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, withHint(fmt.Errorf("cannot read %s: %v", path, errors.Unwrap(err)), "check the --passwords path")
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line != "" {
			out = append(out, line)
		}
	}
	return out, nil
}

func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(160 << 20)
	}
}

func defaultCollection(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "default"
	}
	name := filepath.Base(abs)
	if name == "/" || name == "." || name == "" {
		return "default"
	}
	return name
}

type summaryOut struct {
	*ingest.Summary
	InputsSeen     int64   `json:"inputs_seen"`
	ElapsedSeconds float64 `json:"elapsed_seconds"`
	ItemsPerSecond float64 `json:"items_per_second"`
}

func summaryJSON(s *ingest.Summary) summaryOut {
	return summaryOut{Summary: s, InputsSeen: s.Inputs.Total() + s.Unchanged,
		ElapsedSeconds: s.Elapsed.Seconds(), ItemsPerSecond: rate(s.Items.Total(), s.Elapsed)}
}

func rate(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

func printSummary(w io.Writer, s *ingest.Summary) {
	fmt.Fprintf(w, "collection %s: %s input files in %s (%s items/s, %s)\n", safe(s.Collection),
		num(s.Inputs.Total()+s.Unchanged), s.Elapsed.Round(time.Millisecond), num(int64(rate(s.Items.Total(), s.Elapsed))), bytesStr(s.Bytes))
	row := func(label string, c meta.Counts, extra string) {
		fmt.Fprintf(w, "  %-12s %9s = %s indexed + %s duplicate + %s failed + %s skipped%s\n", label, num(c.Total()),
			num(c.Indexed), num(c.Duplicate), num(c.Failed), num(c.Skipped), extra)
	}
	extra := ""
	if s.Unchanged > 0 {
		extra = fmt.Sprintf(" (+ %s unchanged, already ingested)", num(s.Unchanged))
	}
	row("input files", s.Inputs, extra)
	extra = ""
	if s.Resumed > 0 {
		extra = fmt.Sprintf(" (+ %s already recorded by an interrupted run)", num(s.Resumed))
	}
	row("all items", s.Items, extra)
	if s.Items.Failed > 0 {
		fmt.Fprintf(w, "  see the failures: dossier ledger --status failed; retry: dossier ingest --retry-failed --collection %s PATH...\n", s.Collection)
	}
}

// progressPrinter shows progress: one redrawn line on a terminal, a plain
// line every 5 seconds otherwise.
type progressPrinter struct {
	mu      sync.Mutex
	w       io.Writer
	tty     bool
	off     bool
	last    time.Time
	started bool
}

func newProgressPrinter(w io.Writer, off bool) *progressPrinter {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	return &progressPrinter{w: w, tty: tty, off: off}
}

func (p *progressPrinter) update(pr ingest.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.off {
		return
	}
	every := 5 * time.Second
	if p.tty {
		every = 200 * time.Millisecond
	}
	if time.Since(p.last) < every {
		return
	}
	p.last = time.Now()
	total := "?"
	if pr.ScanDone {
		total = num(pr.InputsTotal)
	}
	r := rate(pr.Items, pr.Elapsed)
	eta := "?"
	if pr.ScanDone && pr.BytesDone > 0 && pr.BytesTotal >= pr.BytesDone {
		left := time.Duration(float64(pr.Elapsed) * float64(pr.BytesTotal-pr.BytesDone) / float64(pr.BytesDone))
		eta = left.Round(time.Second).String()
	}
	bar := ""
	if pr.ScanDone && pr.BytesTotal > 0 {
		frac := float64(pr.BytesDone) / float64(pr.BytesTotal)
		n := int(frac * 20)
		bar = "[" + strings.Repeat("=", n) + strings.Repeat(" ", 20-n) + "] "
	}
	line := fmt.Sprintf("%sfiles %s/%s  items %s  %s/%s  %s items/s  ETA %s", bar, num(pr.InputsDone), total,
		num(pr.Items), bytesStr(pr.BytesDone), bytesStr(pr.BytesTotal), num(int64(r)), eta)
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
	} else {
		fmt.Fprintf(p.w, "ingest: %s\n", line)
	}
	p.started = true
}

func (p *progressPrinter) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.started {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

func num(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func bytesStr(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
