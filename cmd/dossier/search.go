package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/search/query"
)

func (a *app) searchCmd() *cobra.Command {
	var (
		jsonOut       bool
		limit, offset int
		sortBy        string
		facets        bool
	)
	cmd := &cobra.Command{
		Use:   "search [--json] [--limit N] [--offset N] [--sort relevance|date] QUERY",
		Short: "Search the archive (French and English, fields, dates, exact mode)",
		Long: `Search runs a query over subjects, bodies, attachment text, names and addresses.

  skilling                      a word; accents, case and French elision ignored; stemmed
  "natural gas"                 a phrase
  exact:Société                 exact form (no stemming, accents kept)
  from:jeff.dasovich@enron.com  also to: cc: bcc: subject: body: filename:
  date:2001-01-01..2001-03-31   also date:2001, date:2001-05, date:..2001-03
  collection:enron type:email message-id:<id> thread:ID has:attachment
  compt*                        prefix
  a OR b, a AND b, NOT a, +a -b, (groups)   the default operator is AND

  person:"Marine Le Pen"        a watched person, every variant found (dossier watch)
  email:a@b.fr phone:"01 42 92 81 00" iban:FR76...   pattern entities

See docs/query-syntax.md for the whole language. --facets counts the matches by collection,
type, sender, month, attachment, DKIM verdict, language, author, anomaly flag and watched person. --json prints {"total", "hits": [{"id", "sha256", "type",
"collection", "path", "message_id", "subject", "from", "date", "snippet", ...}], "facets": {...}},
with facets unless --facets=false (faster on very large result sets).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ar, err := a.openArchive(ctx, false)
			if err != nil {
				return err
			}
			defer ar.Close()
			q := strings.Join(args, " ")
			if !cmd.Flags().Changed("facets") {
				facets = jsonOut // the JSON shape carries facets unless --facets=false
			}
			res, err := ar.meta.Search(ctx, meta.SearchRequest{Query: q, Limit: limit, Offset: offset, Sort: sortBy, Facets: facets})
			if err != nil {
				var se *query.SyntaxError
				switch {
				case errors.As(err, &se):
					return withHint(fmt.Errorf("query error %s\n  %s\n  %s^", se.Error(), q, strings.Repeat(" ", max(se.Column-1, 0))),
						"see 'dossier search --help' or docs/query-syntax.md")
				case errors.Is(err, query.ErrEmpty):
					return withHint(errors.New("empty query"), "give words to search for, e.g. dossier search budget")
				}
				return err
			}
			if jsonOut {
				if res.Facets == nil {
					res.Facets = map[string][]meta.FacetCount{}
				}
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			printResults(a.stdout, q, res, offset, facets)
			return nil
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	cmd.Flags().IntVar(&limit, "limit", 20, "hits per page (at most 1000)")
	cmd.Flags().IntVar(&offset, "offset", 0, "hits to skip (pagination)")
	cmd.Flags().StringVar(&sortBy, "sort", "relevance", "relevance (BM25) or date (newest first)")
	cmd.Flags().BoolVar(&facets, "facets", false, "count matches by collection, type, sender, month, DKIM verdict, person and more; a pass over every match (default: on with --json)")
	return cmd
}

func printResults(w io.Writer, q string, res *meta.SearchResult, offset int, facets bool) {
	if res.Total == 0 {
		fmt.Fprintf(w, "no documents match %s\n", safe(q))
		return
	}
	fmt.Fprintf(w, "%s documents match %s", num(int64(res.Total)), safe(q))
	if len(res.Hits) > 0 {
		fmt.Fprintf(w, " (showing %d-%d)", offset+1, offset+len(res.Hits))
	}
	fmt.Fprintln(w)
	if res.Ranked > 0 {
		fmt.Fprintf(w, "(ranked among the %s most recently ingested matches; narrow the query or use --sort date for all)\n", num(int64(res.Ranked)))
	}
	for i, h := range res.Hits {
		date := "          "
		if h.Date != nil {
			date = h.Date.Format("2006-01-02")
		}
		title := h.Subject
		if title == "" {
			title = h.Filename
		}
		if title == "" {
			title = "(no subject)"
		}
		fmt.Fprintf(w, "\n%3d. %s  %-6s %s  %s\n", offset+i+1, date, h.Type, safe(h.From), safe(title))
		line := fmt.Sprintf("     %s #%d  %s:%s", h.ID, h.Number, safe(h.Collection), safe(h.Path))
		if h.ParentID != "" {
			line += "  (in " + h.ParentID + ")"
		}
		fmt.Fprintln(w, line)
		if h.Snippet != "" {
			fmt.Fprintf(w, "     %s\n", safe(mark(h.Snippet, h.Highlights)))
		}
	}
	if facets && len(res.Facets) > 0 {
		fmt.Fprintln(w)
		for _, k := range slices.Sorted(maps.Keys(res.Facets)) {
			vals := res.Facets[k]
			if len(vals) == 0 {
				continue
			}
			var parts []string
			for i, v := range vals {
				if i == 6 {
					parts = append(parts, "…")
					break
				}
				parts = append(parts, fmt.Sprintf("%s (%s)", safe(v.Value), num(int64(v.Count))))
			}
			fmt.Fprintf(w, "%-15s %s\n", k+":", strings.Join(parts, ", "))
		}
	}
}

func mark(s string, spans [][2]int) string {
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		if sp[0] < last || sp[1] > len(s) {
			continue
		}
		b.WriteString(s[last:sp[0]])
		b.WriteString("«")
		b.WriteString(s[sp[0]:sp[1]])
		b.WriteString("»")
		last = sp[1]
	}
	b.WriteString(s[last:])
	return b.String()
}
