package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/meta/sqlite"
	"github.com/newsroom/dossier/internal/people"
	"github.com/newsroom/dossier/internal/search/query"
)

// warnIncomplete says so when a "watch apply" was interrupted: counts are
// then too low.
func (a *app) warnIncomplete(ctx context.Context, ar *archive) error {
	inc, err := ar.meta.MentionsIncomplete(ctx)
	if err != nil {
		return err
	}
	if inc {
		fmt.Fprintln(a.stderr, "warning: a 'dossier watch apply' was interrupted: counts are incomplete until it is run again")
	}
	return nil
}

// personJSON is one watched entity with its counts: the shape of `people
// --json` (a list) and of `person --json`.
type personJSON struct {
	Name         string           `json:"name"`
	Kind         string           `json:"kind"`
	Aliases      []string         `json:"aliases"`
	Emails       []string         `json:"emails,omitempty"`
	Phones       []string         `json:"phones,omitempty"`
	Documents    int64            `json:"documents"`
	Messages     int64            `json:"messages"`
	ByCollection map[string]int64 `json:"by_collection"`
	Excluded     int64            `json:"excluded_occurrences"`
}

func personCounts(ctx context.Context, ar *archive, e meta.WatchEntry) (*personJSON, error) {
	var ent people.Entity
	if err := json.Unmarshal(e.Entity, &ent); err != nil {
		return nil, fmt.Errorf("watchlist entry %q: %w", e.Name, err)
	}
	pc, err := ar.meta.PersonCounts(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	aliases := ent.Aliases
	if aliases == nil {
		aliases = []string{}
	}
	return &personJSON{Name: e.Name, Kind: e.Kind, Aliases: aliases, Emails: ent.Emails, Phones: ent.Phones,
		Documents: pc.Documents, Messages: pc.Messages, ByCollection: pc.ByCollection, Excluded: pc.Excluded}, nil
}

func (a *app) peopleCmd() *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "people [--json]",
		Short: "Every watched person and organisation with the number of documents that mention them",
		Long: `People counts, for each watched entity, the indexed documents that mention it (messages,
attachments, files; a duplicate is not counted twice) and the messages that do (in their
headers, subject or body, or in an attachment), by collection. Occurrences dropped by an
exclusion are counted apart, so a count can be explained ('dossier person NAME').

--json prints a list of {"name", "kind", "aliases", "documents", "messages", "by_collection",
"excluded_occurrences"}.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ar, err := a.openArchive(ctx, false)
			if err != nil {
				return err
			}
			defer ar.Close()
			if err := a.warnIncomplete(ctx, ar); err != nil {
				return err
			}
			entries, err := ar.meta.Watch(ctx)
			if err != nil {
				return err
			}
			out := make([]*personJSON, 0, len(entries))
			for _, e := range entries {
				p, err := personCounts(ctx, ar, e)
				if err != nil {
					return err
				}
				out = append(out, p)
			}
			slices.SortStableFunc(out, func(a, b *personJSON) int { return int(b.Documents - a.Documents) })
			if jsonOut {
				return writeJSON(a.stdout, out)
			}
			if len(out) == 0 {
				fmt.Fprintln(a.stdout, "nothing watched; add with 'dossier watch import FILE' or 'dossier watch add NAME'")
				return nil
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "DOCUMENTS\tMESSAGES\t NAME\t BY COLLECTION\t")
			for _, p := range out {
				cols := slices.Sorted(func(yield func(string) bool) {
					for c := range p.ByCollection {
						if !yield(c) {
							return
						}
					}
				})
				var bc []string
				for _, c := range cols {
					bc = append(bc, fmt.Sprintf("%s %d", safe(c), p.ByCollection[c]))
				}
				fmt.Fprintf(tw, "%d\t%d\t %s\t %s\t\n", p.Documents, p.Messages, safe(p.Name), strings.Join(bc, ", "))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print as JSON")
	return cmd
}

// dossierJSON is a person's dossier: `person --json`.
type dossierJSON struct {
	*personJSON
	Timeline       []sqlite.MonthCount    `json:"timeline"`
	WithOthers     []sqlite.NameCount     `json:"mentioned_with"`
	Correspondents []sqlite.Correspondent `json:"correspondents"`
	Hits           []meta.Hit             `json:"documents_list"`
	Query          string                 `json:"query"`
}

// personQuery is the search query for a watched entity's documents.
func personQuery(name string) string {
	return `person:"` + strings.ReplaceAll(name, `"`, ``) + `"`
}

func (a *app) personCmd() *cobra.Command {
	var (
		jsonOut bool
		csvOut  string
		limit   int
	)
	cmd := &cobra.Command{
		Use:   "person NAME [--json] [--csv FILE] [--limit N]",
		Short: "A person's dossier: counts, timeline, who else is mentioned, correspondents, documents",
		Long: `Person shows what the archive holds on a watched person or organisation (by name or
alias): the number of documents and messages that mention them, a month-by-month timeline, the
other watched people most often mentioned with them, their top correspondents, and the latest
documents with snippets. --csv FILE writes every mentioning document (number, id, type,
collection, date, from, subject, where found, occurrences) to FILE ('-': standard output).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ar, err := a.openArchive(ctx, false)
			if err != nil {
				return err
			}
			defer ar.Close()
			if err := a.warnIncomplete(ctx, ar); err != nil {
				return err
			}
			e, err := findPerson(ctx, ar, args[0])
			if err != nil {
				return err
			}
			if csvOut != "" {
				return a.personCSV(ctx, ar, e, csvOut)
			}
			p, err := personCounts(ctx, ar, *e)
			if err != nil {
				return err
			}
			d := &dossierJSON{personJSON: p, Query: personQuery(e.Name)}
			if d.Timeline, err = ar.meta.PersonTimeline(ctx, e.ID); err != nil {
				return err
			}
			if d.WithOthers, err = ar.meta.CoMentioned(ctx, e.ID, 10); err != nil {
				return err
			}
			if d.Correspondents, err = ar.meta.PersonCorrespondents(ctx, e.ID, 10); err != nil {
				return err
			}
			res, err := ar.meta.Search(ctx, meta.SearchRequest{Query: d.Query, Limit: limit, Sort: "date"})
			if err != nil {
				return err
			}
			d.Hits = res.Hits
			if jsonOut {
				return writeJSON(a.stdout, d)
			}
			a.printDossier(d)
			return nil
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print as JSON")
	cmd.Flags().StringVar(&csvOut, "csv", "", "write every mentioning document as CSV to FILE ('-': standard output)")
	cmd.Flags().IntVar(&limit, "limit", 20, "documents to list")
	return cmd
}

func (a *app) printDossier(d *dossierJSON) {
	w := a.stdout
	fmt.Fprintf(w, "%s (%s)\n", safe(d.Name), d.Kind)
	if len(d.Aliases) > 0 {
		fmt.Fprintf(w, "  also: %s\n", safe(strings.Join(d.Aliases, ", ")))
	}
	fmt.Fprintf(w, "  %d documents, %d messages", d.Documents, d.Messages)
	if d.Excluded > 0 {
		fmt.Fprintf(w, " (%d occurrences excluded)", d.Excluded)
	}
	fmt.Fprintln(w)
	if len(d.Timeline) > 0 {
		fmt.Fprintln(w, "\nTimeline:")
		peak := int64(1)
		for _, m := range d.Timeline {
			peak = max(peak, m.Count)
		}
		for _, m := range d.Timeline {
			month := m.Month
			if month == "" {
				month = "undated"
			}
			fmt.Fprintf(w, "  %-8s %6d %s\n", month, m.Count, strings.Repeat("#", int(1+m.Count*39/peak)))
		}
	}
	if len(d.WithOthers) > 0 {
		fmt.Fprintln(w, "\nMentioned with:")
		for _, o := range d.WithOthers {
			fmt.Fprintf(w, "  %6d  %s\n", o.Count, safe(o.Name))
		}
	}
	if len(d.Correspondents) > 0 {
		fmt.Fprintln(w, "\nCorrespondents (from them / to them, first .. last):")
		for _, c := range d.Correspondents {
			fmt.Fprintf(w, "  %5d / %-5d %s %s .. %s\n", c.Sent, c.Receive, safe(c.Address), day(c.First), day(c.Last))
		}
	}
	fmt.Fprintf(w, "\nDocuments (%s):\n", d.Query)
	for _, h := range d.Hits {
		title := h.Subject
		if title == "" {
			title = h.Filename
		}
		fmt.Fprintf(w, "  #%d %s %s %s\n", h.Number, day(h.Date), h.Type, safe(title))
		if h.Snippet != "" {
			fmt.Fprintf(w, "      %s\n", safe(strings.Join(strings.Fields(h.Snippet), " ")))
		}
	}
}

func day(t *time.Time) string {
	if t == nil {
		return "----------"
	}
	return t.UTC().Format("2006-01-02")
}

// personCSV writes every document mentioning e.
func (a *app) personCSV(ctx context.Context, ar *archive, e *meta.WatchEntry, path string) error {
	nums, err := ar.meta.MentioningNums(ctx, e.ID)
	if err != nil {
		return err
	}
	var out io.Writer = a.stdout
	var f *os.File
	if path != "-" {
		if f, err = os.Create(path); err != nil {
			return err
		}
		defer f.Close()
		out = f
	}
	cw := csv.NewWriter(out)
	cw.Write([]string{"number", "id", "type", "collection", "date", "from", "subject", "filename", "found_in", "occurrences"})
	for start := 0; start < len(nums); start += 500 {
		docs, err := ar.meta.DocsByNum(ctx, nums[start:min(start+500, len(nums))])
		if err != nil {
			return err
		}
		for _, d := range docs {
			ms, err := ar.meta.DocMentions(ctx, d.Num)
			if err != nil {
				return err
			}
			var where []string
			n := 0
			for _, m := range ms {
				if m.Entity == e.ID && m.Count > 0 {
					n += m.Count
					where = append(where, m.Field+":"+m.Alias)
				}
			}
			date := ""
			if d.Date != nil {
				date = d.Date.UTC().Format(time.RFC3339)
			}
			cw.Write(csvSafe(strconv.FormatInt(d.Num, 10), d.ID, string(d.Kind), d.Collection, date, d.Sender, d.Subject,
				d.Filename, strings.Join(where, "; "), strconv.Itoa(n)))
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintf(a.stderr, "%d documents written to %s\n", len(nums), path)
	}
	return nil
}

// csvSafe neutralises cells a spreadsheet would run as a formula (text
// from a leak is untrusted): a leading = + - @ gets a quote.
func csvSafe(cells ...string) []string {
	for i, c := range cells {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			cells[i] = "'" + c
		}
	}
	return cells
}

func (a *app) batchSearchCmd() *cobra.Command {
	var (
		outPath string
		jsonOut bool
	)
	cmd := &cobra.Command{
		Use:   "batch-search NAMES.csv [--out HITS.csv] [--json]",
		Short: "Count the documents on each name of a list (and list them)",
		Long: `Batch search runs one search per line of NAMES.csv and prints, per line, the number of
matching documents. The first column is a name; a header row "name" is skipped. A second
column "query", if present and not empty, is used as the query instead. A watched name (or
alias) is searched as person:"NAME", which counts every recorded variant; any other name as
the phrase "NAME".

--out HITS.csv writes one row per matching document: name, number, id, type, collection,
date, subject. --json prints [{"name", "query", "count", "numbers", "ids"}].`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rows, err := readNames(args[0])
			if err != nil {
				return err
			}
			ar, err := a.openArchive(ctx, false)
			if err != nil {
				return err
			}
			defer ar.Close()
			type result struct {
				Name    string   `json:"name"`
				Query   string   `json:"query"`
				Count   int      `json:"count"`
				Numbers []int64  `json:"numbers"`
				IDs     []string `json:"ids"`
			}
			var hits *csv.Writer
			if outPath != "" {
				f, err := os.Create(outPath)
				if err != nil {
					return err
				}
				defer f.Close()
				hits = csv.NewWriter(f)
				hits.Write([]string{"name", "number", "id", "type", "collection", "date", "subject"})
			}
			var results []result
			for _, r := range rows {
				q := r.query
				if q == "" {
					if e, err := findPerson(ctx, ar, r.name); err == nil {
						q = personQuery(e.Name)
					} else {
						q = `"` + strings.ReplaceAll(r.name, `"`, ` `) + `"`
					}
				}
				nums, err := ar.meta.SearchNumbers(ctx, q)
				var se *query.SyntaxError
				if errors.As(err, &se) || errors.Is(err, query.ErrEmpty) {
					return withHint(fmt.Errorf("line %q: query error: %v", r.name, err), "see docs/query-syntax.md")
				}
				if err != nil {
					return err
				}
				res := result{Name: r.name, Query: q, Count: len(nums), Numbers: nums, IDs: []string{}}
				if res.Numbers == nil {
					res.Numbers = []int64{}
				}
				for start := 0; start < len(nums); start += 500 {
					docs, err := ar.meta.DocsByNum(ctx, nums[start:min(start+500, len(nums))])
					if err != nil {
						return err
					}
					for _, d := range docs {
						res.IDs = append(res.IDs, d.ID)
						if hits != nil {
							date := ""
							if d.Date != nil {
								date = d.Date.UTC().Format(time.RFC3339)
							}
							hits.Write(csvSafe(r.name, strconv.FormatInt(d.Num, 10), d.ID, string(d.Kind), d.Collection, date, d.Subject))
						}
					}
				}
				results = append(results, res)
			}
			if hits != nil {
				hits.Flush()
				if err := hits.Error(); err != nil {
					return err
				}
			}
			if jsonOut {
				return writeJSON(a.stdout, results)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "COUNT\tNAME\tQUERY")
			for _, r := range results {
				fmt.Fprintf(tw, "%d\t%s\t%s\n", r.Count, safe(r.Name), safe(r.Query))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&outPath, "out", "", "write every matching document to this CSV file")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print as JSON")
	return cmd
}

type nameRow struct{ name, query string }

// readNames reads a batch-search list: CSV, a name per line, an optional
// query column, an optional header.
func readNames(path string) ([]nameRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.Comment = '#'
	recs, err := r.ReadAll()
	if err != nil {
		return nil, withHint(fmt.Errorf("%s: %w", path, err), "give a CSV file: one name per line, optionally a second column with a query")
	}
	var out []nameRow
	queryCol := 1
	for i, rec := range recs {
		if len(rec) == 0 || strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if i == 0 && strings.EqualFold(strings.TrimSpace(rec[0]), "name") {
			queryCol = slices.IndexFunc(rec, func(s string) bool { return strings.EqualFold(strings.TrimSpace(s), "query") })
			continue
		}
		nr := nameRow{name: strings.TrimSpace(rec[0])}
		if queryCol > 0 && queryCol < len(rec) {
			nr.query = strings.TrimSpace(rec[queryCol])
		}
		out = append(out, nr)
	}
	if len(out) == 0 {
		return nil, withHint(fmt.Errorf("%s: no names", path), "one name per line")
	}
	return out, nil
}

func (a *app) correspondentsCmd() *cobra.Command {
	var (
		jsonOut bool
		limit   int
		addrs   []string
		person  string
	)
	cmd := &cobra.Command{
		Use:   "correspondents [--person NAME | --address A...] [--limit N] [--json]",
		Short: "Who wrote to whom, how often, first and last date",
		Long: `Correspondents lists sender and recipient pairs from message headers (From to each To
and Cc), most messages first, with the first and last date. Addresses listed in the watchlist
are shown with the watched person's name. --address keeps the pairs involving these addresses;
--person shows a watched person's correspondents, merging all their addresses and names.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ar, err := a.openArchive(ctx, false)
			if err != nil {
				return err
			}
			defer ar.Close()
			if person != "" {
				e, err := findPerson(ctx, ar, person)
				if err != nil {
					return err
				}
				cs, err := ar.meta.PersonCorrespondents(ctx, e.ID, limit)
				if err != nil {
					return err
				}
				if jsonOut {
					return writeJSON(a.stdout, cs)
				}
				tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "FROM THEM\tTO THEM\tADDRESS\tNAME\tFIRST\tLAST")
				for _, c := range cs {
					fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\n", c.Sent, c.Receive, safe(c.Address), safe(c.Name), day(c.First), day(c.Last))
				}
				return tw.Flush()
			}
			pairs, err := ar.meta.Correspondence(ctx, addrs, limit)
			if err != nil {
				return err
			}
			owner, err := addressOwners(ctx, ar)
			if err != nil {
				return err
			}
			if jsonOut {
				type pairJSON struct {
					sqlite.Pair
					FromPerson string `json:"from_person,omitempty"`
					ToPerson   string `json:"to_person,omitempty"`
				}
				out := make([]pairJSON, len(pairs))
				for i, p := range pairs {
					out[i] = pairJSON{p, owner[p.From], owner[p.To]}
				}
				return writeJSON(a.stdout, out)
			}
			show := func(addr string) string {
				if n := owner[addr]; n != "" {
					return safe(n) + " <" + safe(addr) + ">"
				}
				return safe(addr)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "MESSAGES\tFROM\tTO\tFIRST\tLAST")
			for _, p := range pairs {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", p.Messages, show(p.From), show(p.To), day(p.First), day(p.Last))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print as JSON")
	cmd.Flags().IntVar(&limit, "limit", 50, "pairs to list")
	cmd.Flags().StringArrayVar(&addrs, "address", nil, "keep pairs involving this address (repeatable)")
	cmd.Flags().StringVar(&person, "person", "", "a watched person's correspondents")
	return cmd
}

// addressOwners maps the watchlist's email addresses to their entity's
// name.
func addressOwners(ctx context.Context, ar *archive) (map[string]string, error) {
	entries, err := ar.meta.Watch(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, e := range entries {
		var ent people.Entity
		if json.Unmarshal(e.Entity, &ent) != nil {
			continue
		}
		for _, m := range ent.Emails {
			out[strings.ToLower(m)] = e.Name
		}
	}
	return out, nil
}
