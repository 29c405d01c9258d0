package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/spf13/cobra"

	"github.com/newsroom/dossier"
	"github.com/newsroom/dossier/internal/blob"
	"github.com/newsroom/dossier/internal/blobstore"
	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/meta/sqlite"
	"github.com/newsroom/dossier/internal/search/query"
)

func (a *app) statsCmd() *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "stats [--json]",
		Short: "Summarise the archive: documents by status, type and collection",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ar, err := a.openArchive(ctx, false)
			if err != nil {
				return err
			}
			defer ar.Close()
			st, err := ar.meta.Stats(ctx)
			if err != nil {
				return err
			}
			if jsonOut {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(st)
			}
			w := a.stdout
			fmt.Fprintf(w, "archive      %s (format %d)\n", ar.dir, st.Format)
			c := st.Documents
			fmt.Fprintf(w, "documents    %s = %s indexed + %s duplicate + %s failed + %s skipped\n", num(c.Total()),
				num(c.Indexed), num(c.Duplicate), num(c.Failed), num(c.Skipped))
			if c.Pending > 0 {
				fmt.Fprintf(w, "             (+ %s pending from an interrupted ingest; run it again)\n", num(c.Pending))
			}
			fmt.Fprintf(w, "blobs        %s (%s of originals)\n", num(st.Blobs), bytesStr(st.BlobBytes))
			fmt.Fprintf(w, "emails       %s in %s threads", num(st.Emails), num(st.Threads))
			if st.FirstDate != nil {
				fmt.Fprintf(w, ", %s to %s", st.FirstDate.Format("2006-01-02"), st.LastDate.Format("2006-01-02"))
			}
			fmt.Fprintln(w)
			kinds := make([]string, 0, len(st.ByKind))
			for k := range st.ByKind {
				kinds = append(kinds, k)
			}
			sort.Slice(kinds, func(i, j int) bool { return st.ByKind[kinds[i]] > st.ByKind[kinds[j]] })
			fmt.Fprint(w, "by type     ")
			for _, k := range kinds {
				fmt.Fprintf(w, " %s %s", k, num(st.ByKind[k]))
			}
			fmt.Fprintln(w)
			var verified int64
			for _, n := range st.DKIM {
				verified += n
			}
			fmt.Fprintf(w, "dkim         %s messages verified against %s key observations", num(verified), num(st.Keys))
			for _, v := range query.Verdicts {
				if n := st.DKIM[v]; n > 0 {
					fmt.Fprintf(w, "; %s %s", v, num(n))
				}
			}
			fmt.Fprintln(w)
			for _, n := range slices.Sorted(maps.Keys(st.Collections)) {
				cc := st.Collections[n]
				fmt.Fprintf(w, "collection   %-20s %s documents (%s indexed, %s duplicate, %s failed, %s skipped)\n", safe(n),
					num(cc.Total()), num(cc.Indexed), num(cc.Duplicate), num(cc.Failed), num(cc.Skipped))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print as JSON")
	return cmd
}

func (a *app) ledgerCmd() *cobra.Command {
	var (
		jsonOut    bool
		status     string
		collection string
		limit      int
	)
	cmd := &cobra.Command{
		Use:   "ledger [--status indexed|duplicate|failed|skipped] [--json]",
		Short: "List every input file and extracted item with its status",
		Long: `Ledger lists documents in number order with their status and, for failures, skips and
duplicates, the reason or the original. --json prints one JSON object per line (JSON Lines).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			switch dossier.Status(status) {
			case "", dossier.Indexed, dossier.Duplicate, dossier.Failed, dossier.Skipped, dossier.Pending:
			default:
				return withHint(fmt.Errorf("unknown status %q", status), "use indexed, duplicate, failed, skipped or pending")
			}
			ar, err := a.openArchive(ctx, false)
			if err != nil {
				return err
			}
			defer ar.Close()
			bw := bufio.NewWriter(a.stdout)
			defer bw.Flush()
			enc := json.NewEncoder(bw)
			return ar.meta.Ledger(ctx, sqlite.LedgerFilter{Status: dossier.Status(status), Collection: collection, Limit: limit},
				func(d *meta.Document) error {
					if jsonOut {
						d.Meta = nil
						return enc.Encode(d)
					}
					why := d.Reason
					if d.DuplicateOf != "" {
						why = "of " + d.DuplicateOf
					}
					name := d.Path
					if d.Depth > 0 && d.Filename != "" {
						name += " (" + d.Filename + ")"
					}
					_, err := fmt.Fprintf(bw, "#%-7d %-9s %-6s %s  %s:%s  %s\n", d.Num, d.Status, d.Kind, d.ID, safe(d.Collection), safe(name), safe(why))
					return err
				})
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print JSON Lines")
	cmd.Flags().StringVar(&status, "status", "", "only this status")
	cmd.Flags().StringVar(&collection, "collection", "", "only this collection")
	cmd.Flags().IntVar(&limit, "limit", 0, "at most this many rows")
	return cmd
}

func (a *app) fsckCmd() *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "fsck",
		Short: "Verify every blob against its sha256 and every document against the blob store",
		Long: `Fsck reads every blob and checks that its bytes hash to its name, that every document's
blob is present, and that the search index holds exactly the indexed documents. It exits with
status 1 if anything is wrong.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ar, err := a.openArchive(ctx, false)
			if err != nil {
				return err
			}
			defer ar.Close()
			rep, err := fsck(ctx, ar)
			if err != nil {
				return err
			}
			if jsonOut {
				json.NewEncoder(a.stdout).Encode(rep)
			} else {
				fmt.Fprintf(a.stdout, "checked %s blobs (%s), %s documents\n", num(rep.Blobs), bytesStr(rep.Bytes), num(rep.Documents))
				for _, p := range rep.Problems {
					fmt.Fprintf(a.stdout, "problem: %s\n", p)
				}
				if len(rep.Problems) == 0 {
					fmt.Fprintln(a.stdout, "ok: every blob matches its sha256, every document's blob is present, the index matches the ledger")
				}
			}
			if len(rep.Problems) > 0 {
				fmt.Fprintf(a.stderr, "dossier: fsck found %d problem(s)\nhint: restore the damaged blobs from a backup or re-ingest their sources\n", len(rep.Problems))
				return &exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print as JSON")
	return cmd
}

type fsckReport struct {
	Blobs     int64    `json:"blobs"`
	Bytes     int64    `json:"bytes"`
	Documents int64    `json:"documents"`
	Problems  []string `json:"problems"`
}

func fsck(ctx context.Context, ar *archive) (*fsckReport, error) {
	rep := &fsckReport{Problems: []string{}}
	var mu sync.Mutex
	problem := func(format string, args ...any) {
		mu.Lock()
		rep.Problems = append(rep.Problems, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	refs := make(chan blob.Ref, 64)
	var wg sync.WaitGroup
	var bytes atomic.Int64
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ref := range refs {
				if err := blobstore.Check(ctx, ar.blobs, ref); err != nil {
					problem("blob %s: %v", ref, err)
				}
			}
		}()
	}
	err := ar.blobs.Enumerate(ctx, func(ref blob.Ref, size int64) error {
		rep.Blobs++
		bytes.Add(size)
		refs <- ref
		return nil
	})
	close(refs)
	wg.Wait()
	rep.Bytes = bytes.Load()
	if err != nil {
		return nil, fmt.Errorf("fsck: %w", err)
	}
	err = ar.meta.Ledger(ctx, sqlite.LedgerFilter{}, func(d *meta.Document) error {
		rep.Documents++
		if d.SHA256 == "" {
			return nil
		}
		ref, err := blob.Parse(d.SHA256)
		if err != nil {
			problem("document %s: bad sha256 %q", d.ID, d.SHA256)
			return nil
		}
		if _, err := ar.blobs.Stat(ctx, ref); errors.Is(err, blobstore.ErrNotFound) {
			problem("document %s (#%d): blob %s is missing", d.ID, d.Num, ref)
		} else if err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("fsck: %w", err)
	}
	idx, err := ar.meta.CheckIndex(ctx)
	if err != nil {
		return nil, fmt.Errorf("fsck: %w", err)
	}
	rep.Problems = append(rep.Problems, idx...)
	return rep, nil
}
