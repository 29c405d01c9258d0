package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsroom/dossier/internal/ingest"
	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/people"
)

func (a *app) watchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Watchlists: the people and organisations dossier counts documents on",
		Long: `A watchlist names people and organisations with their aliases, email addresses and phone
numbers, and phrases that contain an alias but are not them ("Jean-Marie Le Pen" is not Marine
Le Pen). Matching ignores case, accents and apostrophes, works on whole words, across line
breaks, in subjects, bodies, attachment text and address headers. Every match is stored with
where it was found, so every count can be explained.

Watchlist files are YAML or CSV (docs/formats/watchlist.md; an example is in
examples/watchlists/presidentielle-2017.yaml). After a change, 'dossier watch apply' re-runs
matching over the whole archive from the stored text, without re-extracting anything.`,
	}
	cmd.AddCommand(a.watchImportCmd(), a.watchListCmd(), a.watchAddCmd(), a.watchRemoveCmd(), a.watchApplyCmd(), a.watchSuggestCmd())
	return cmd
}

func (a *app) watchImportCmd() *cobra.Command {
	var noApply bool
	cmd := &cobra.Command{
		Use:   "import FILE...",
		Short: "Add or replace watched entities from YAML or CSV watchlists, then apply them",
		Long: `Import reads watchlist files (.yaml, .yml or .csv) and adds their entities; an entity with the
same name (ignoring case and accents) is replaced. Matching then runs over the archive unless
--no-apply is given.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var all []people.Entity
			for _, f := range args {
				w, err := people.Load(f)
				if err != nil {
					return withHint(err, "see docs/formats/watchlist.md")
				}
				all = append(all, w.Entities...)
			}
			ar, err := a.openArchive(ctx, true)
			if err != nil {
				return err
			}
			defer ar.Close()
			added, replaced, err := putEntities(ctx, ar, all)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%d added, %d replaced\n", added, replaced)
			if noApply {
				return nil
			}
			return a.applyWatch(ctx, ar, false)
		},
	}
	cmd.Flags().BoolVar(&noApply, "no-apply", false, "do not re-run matching now (run 'dossier watch apply' later)")
	return cmd
}

// putEntities stores watchlist entities, replacing those with the same
// folded name.
func putEntities(ctx context.Context, ar *archive, list []people.Entity) (added, replaced int, err error) {
	entries := make([]meta.WatchEntry, 0, len(list))
	for _, e := range list {
		b, err := json.Marshal(e)
		if err != nil {
			return 0, 0, err
		}
		keys := []string{people.Fold(e.Name)}
		for _, al := range e.Aliases {
			keys = append(keys, people.Fold(al))
		}
		kind := e.Kind
		if kind == "" {
			kind = "person"
		}
		entries = append(entries, meta.WatchEntry{Name: e.Name, Kind: kind, Folded: people.Fold(e.Name), Keys: keys, Entity: b})
	}
	return ar.meta.PutWatch(ctx, entries)
}

// loadPeople compiles the archive's watchlist for matching.
func loadPeople(ctx context.Context, ar *archive) (*ingest.People, []meta.WatchEntry, error) {
	entries, err := ar.meta.Watch(ctx)
	if err != nil {
		return nil, nil, err
	}
	p := &ingest.People{Region: people.DefaultRegion}
	if len(entries) == 0 {
		return p, nil, nil
	}
	w := &people.Watchlist{}
	for _, e := range entries {
		var ent people.Entity
		if err := json.Unmarshal(e.Entity, &ent); err != nil {
			return nil, nil, fmt.Errorf("watchlist entry %q: %w", e.Name, err)
		}
		w.Entities = append(w.Entities, ent)
		p.IDs = append(p.IDs, e.ID)
	}
	p.Matcher = people.Compile(w)
	return p, entries, nil
}

func (a *app) applyWatch(ctx context.Context, ar *archive, entities bool) error {
	p, _, err := loadPeople(ctx, ar)
	if err != nil {
		return err
	}
	start := time.Now()
	prog := newProgressPrinter(a.stderr, false)
	n, err := ingest.ApplyWatch(ctx, ar.meta, ar.meta, p, entities, func(done int64) {
		fmt.Fprintf(a.stderr, "\rmatched %d documents", done)
	})
	prog.done()
	if n > 0 {
		fmt.Fprintln(a.stderr)
	}
	if err != nil {
		return withHint(err, "run 'dossier watch apply' again: it starts over")
	}
	fmt.Fprintf(a.stdout, "matched %d documents in %s\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}

func (a *app) watchListCmd() *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "list [--json]",
		Short: "List watched entities",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ar, err := a.openArchive(ctx, false)
			if err != nil {
				return err
			}
			defer ar.Close()
			entries, err := ar.meta.Watch(ctx)
			if err != nil {
				return err
			}
			list := make([]people.Entity, 0, len(entries))
			for _, e := range entries {
				var ent people.Entity
				if err := json.Unmarshal(e.Entity, &ent); err != nil {
					return fmt.Errorf("watchlist entry %q: %w", e.Name, err)
				}
				list = append(list, ent)
			}
			if jsonOut {
				return writeJSON(a.stdout, list)
			}
			if len(list) == 0 {
				fmt.Fprintln(a.stdout, "nothing watched; add with 'dossier watch import FILE' or 'dossier watch add NAME'")
				return nil
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tKIND\tALIASES\tEMAILS\tPHONES\tEXCLUDE")
			for _, e := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", safe(e.Name), safe(orDefault(e.Kind, "person")),
					safe(strings.Join(e.Aliases, "; ")), safe(strings.Join(e.Emails, "; ")),
					safe(strings.Join(e.Phones, "; ")), safe(strings.Join(e.Exclude, "; ")))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print as JSON")
	return cmd
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func writeJSON(w interface{ Write([]byte) (int, error) }, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (a *app) watchAddCmd() *cobra.Command {
	var (
		e       people.Entity
		noApply bool
	)
	cmd := &cobra.Command{
		Use:   "add NAME [--alias A]... [--email E]... [--phone P]... [--exclude PHRASE]...",
		Short: "Watch a person or organisation (or add aliases and identifiers to one)",
		Long: `Add watches NAME. If NAME is already watched, the aliases, addresses, phone numbers and
exclusions given are added to it. Matching then runs over the archive unless --no-apply.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			e.Name = strings.TrimSpace(args[0])
			ar, err := a.openArchive(ctx, true)
			if err != nil {
				return err
			}
			defer ar.Close()
			merged, err := mergeEntity(ctx, ar, e)
			if err != nil {
				return err
			}
			w := &people.Watchlist{Entities: []people.Entity{merged}}
			if err := w.Validate(); err != nil {
				return withHint(err, "see 'dossier watch add --help'")
			}
			added, _, err := putEntities(ctx, ar, w.Entities)
			if err != nil {
				return err
			}
			if added == 1 {
				fmt.Fprintf(a.stdout, "watching %s\n", safe(merged.Name))
			} else {
				fmt.Fprintf(a.stdout, "updated %s\n", safe(merged.Name))
			}
			if noApply {
				return nil
			}
			return a.applyWatch(ctx, ar, false)
		},
	}
	cmd.Flags().StringVar(&e.Kind, "kind", "", "person (default) or organisation")
	cmd.Flags().StringArrayVar(&e.Aliases, "alias", nil, "another name it is found under (repeatable)")
	cmd.Flags().StringArrayVar(&e.Emails, "email", nil, "an email address (repeatable)")
	cmd.Flags().StringArrayVar(&e.Phones, "phone", nil, "a phone number (repeatable)")
	cmd.Flags().StringArrayVar(&e.Exclude, "exclude", nil, "a phrase containing an alias that is not them (repeatable)")
	cmd.Flags().StringVar(&e.Notes, "notes", "", "notes")
	cmd.Flags().BoolVar(&noApply, "no-apply", false, "do not re-run matching now")
	return cmd
}

// mergeEntity adds e's aliases and identifiers to the watched entity of
// the same name, if there is one.
func mergeEntity(ctx context.Context, ar *archive, e people.Entity) (people.Entity, error) {
	entries, err := ar.meta.Watch(ctx)
	if err != nil {
		return e, err
	}
	f := people.Fold(e.Name)
	for _, w := range entries {
		if w.Folded != f {
			continue
		}
		var old people.Entity
		if err := json.Unmarshal(w.Entity, &old); err != nil {
			return e, err
		}
		old.Aliases = appendNew(old.Aliases, e.Aliases)
		old.Emails = appendNew(old.Emails, e.Emails)
		old.Phones = appendNew(old.Phones, e.Phones)
		old.Exclude = appendNew(old.Exclude, e.Exclude)
		if e.Kind != "" {
			old.Kind = e.Kind
		}
		if e.Notes != "" {
			old.Notes = e.Notes
		}
		return old, nil
	}
	return e, nil
}

func appendNew(list, more []string) []string {
	for _, m := range more {
		dup := false
		for _, l := range list {
			if people.Fold(l) == people.Fold(m) {
				dup = true
				break
			}
		}
		if !dup {
			list = append(list, m)
		}
	}
	return list
}

func (a *app) watchRemoveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "remove NAME...",
		Short: "Stop watching people or organisations (their recorded mentions go too)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ar, err := a.openArchive(ctx, false)
			if err != nil {
				return err
			}
			defer ar.Close()
			for _, name := range args {
				ok, err := ar.meta.RemoveWatch(ctx, people.Fold(name))
				if err != nil {
					return err
				}
				if !ok {
					return withHint(fmt.Errorf("%s is not watched", safe(name)), "'dossier watch list' shows who is")
				}
				fmt.Fprintf(a.stdout, "removed %s\n", safe(name))
			}
			return nil
		},
	}
	return cmd
}

func (a *app) watchApplyCmd() *cobra.Command {
	var entities bool
	cmd := &cobra.Command{
		Use:   "apply [--entities]",
		Short: "Re-run matching over the whole archive from the stored text (no re-extraction)",
		Long: `Apply re-runs watchlist matching over every indexed document, from the text and fields
already stored: nothing is re-extracted. --entities also re-extracts pattern entities (email
addresses, phone numbers, IBANs, URLs, domains) and message addresses, for documents ingested
before people analysis existed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ar, err := a.openArchive(ctx, false)
			if err != nil {
				return err
			}
			defer ar.Close()
			return a.applyWatch(ctx, ar, entities)
		},
	}
	cmd.Flags().BoolVar(&entities, "entities", false, "also re-extract pattern entities and message addresses")
	return cmd
}

// findPerson returns the watched entity named name (or with name as an
// alias).
func findPerson(ctx context.Context, ar *archive, name string) (*meta.WatchEntry, error) {
	entries, err := ar.meta.Watch(ctx)
	if err != nil {
		return nil, err
	}
	f := people.Fold(name)
	for i := range entries {
		if entries[i].Folded == f {
			return &entries[i], nil
		}
	}
	var found []*meta.WatchEntry
	for i := range entries {
		for _, k := range entries[i].Keys {
			if k == f {
				found = append(found, &entries[i])
				break
			}
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return nil, withHint(fmt.Errorf("%s is not watched", safe(name)), "'dossier watch list' shows who is; 'dossier watch add NAME' adds one")
	}
	names := make([]string, len(found))
	for i, e := range found {
		names[i] = safe(e.Name)
	}
	return nil, withHint(fmt.Errorf("%s is an alias of %s", safe(name), strings.Join(names, " and ")), "give the full name")
}

func (a *app) watchSuggestCmd() *cobra.Command {
	var (
		minDocs, limit    int
		jsonOut           bool
		accept, reject    []string
		aliases, excludes []string
	)
	cmd := &cobra.Command{
		Use:   "suggest [--min-docs N] [--limit N] [--json] | --accept NAME | --alias NAME=PERSON | --exclude PHRASE=PERSON | --reject NAME",
		Short: "Propose recurring names to watch; accept, merge as alias, exclude or reject them",
		Long: `Suggest reads the stored text of every indexed document and proposes capitalised, name-like
phrases (2 to 4 words, particles allowed: "Jean-Marie Le Pen", "Marine LE PEN") that recur
across documents and are not already watched, with counts and examples. No language model
decides: you do.

  --accept NAME            watch NAME as a new person
  --alias NAME=PERSON      add NAME as an alias of the watched PERSON
  --exclude PHRASE=PERSON  add PHRASE to PERSON's exclusions ("Brigitte Macron"=Emmanuel Macron)
  --reject NAME            never suggest NAME again

Each flag may be repeated; after changes, matching re-runs over the archive.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ar, err := a.openArchive(ctx, false)
			if err != nil {
				return err
			}
			defer ar.Close()
			if len(accept)+len(reject)+len(aliases)+len(excludes) > 0 {
				return a.applySuggestions(ctx, ar, accept, reject, aliases, excludes)
			}
			out, err := suggestNames(ctx, ar, minDocs, limit)
			if err != nil {
				return err
			}
			if jsonOut {
				if out == nil {
					out = []people.Suggestion{}
				}
				return writeJSON(a.stdout, out)
			}
			if len(out) == 0 {
				fmt.Fprintf(a.stdout, "no name recurs in %d or more documents that is not already watched\n", minDocs)
				return nil
			}
			for _, s := range out {
				fmt.Fprintf(a.stdout, "%5d docs %5d mentions  %s\n", s.Docs, s.Mentions, safe(s.Name))
				for _, ex := range s.Examples {
					fmt.Fprintf(a.stdout, "      #%d  %s\n", ex.Doc, safe(ex.Context))
				}
			}
			fmt.Fprintln(a.stdout, "\naccept with: dossier watch suggest --accept NAME   (or --alias NAME=PERSON, --exclude PHRASE=PERSON, --reject NAME)")
			return nil
		},
	}
	cmd.Flags().IntVar(&minDocs, "min-docs", 3, "suggest names found in at least this many documents")
	cmd.Flags().IntVar(&limit, "limit", 50, "suggestions to show (0: all)")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print as JSON: [{Name, Folded, Docs, Mentions, Examples: [{Doc, Context}]}]")
	cmd.Flags().StringArrayVar(&accept, "accept", nil, "watch this name as a new person")
	cmd.Flags().StringArrayVar(&reject, "reject", nil, "never suggest this name again")
	cmd.Flags().StringArrayVar(&aliases, "alias", nil, "NAME=PERSON: add NAME as an alias of PERSON")
	cmd.Flags().StringArrayVar(&excludes, "exclude", nil, "PHRASE=PERSON: add PHRASE to PERSON's exclusions")
	return cmd
}

func (a *app) applySuggestions(ctx context.Context, ar *archive, accept, reject, aliases, excludes []string) error {
	var changed []people.Entity
	for _, n := range accept {
		changed = append(changed, people.Entity{Name: strings.TrimSpace(n)})
	}
	pair := func(flag, v string) (string, *meta.WatchEntry, error) {
		name, person, ok := strings.Cut(v, "=")
		if !ok || strings.TrimSpace(name) == "" || strings.TrimSpace(person) == "" {
			return "", nil, withHint(fmt.Errorf("--%s %q: want NAME=PERSON", flag, v), "e.g. --%s 'MLP=Marine Le Pen'", flag)
		}
		e, err := findPerson(ctx, ar, strings.TrimSpace(person))
		return strings.TrimSpace(name), e, err
	}
	for _, v := range aliases {
		name, e, err := pair("alias", v)
		if err != nil {
			return err
		}
		if err := addChange(ctx, ar, &changed, people.Entity{Name: e.Name, Aliases: []string{name}}); err != nil {
			return err
		}
	}
	for _, v := range excludes {
		phrase, e, err := pair("exclude", v)
		if err != nil {
			return err
		}
		if err := addChange(ctx, ar, &changed, people.Entity{Name: e.Name, Exclude: []string{phrase}}); err != nil {
			return err
		}
	}
	for _, n := range reject {
		if err := ar.meta.RejectSuggestion(ctx, people.Fold(n), n); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "rejected %s\n", safe(n))
	}
	if len(changed) == 0 {
		return nil
	}
	w := &people.Watchlist{Entities: changed}
	if err := w.Validate(); err != nil {
		return withHint(err, "fix the names given")
	}
	added, replaced, err := putEntities(ctx, ar, changed)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%d added, %d updated\n", added, replaced)
	return a.applyWatch(ctx, ar, false)
}

// addChange merges e into the entity of the same name in changed, or into
// the stored one.
func addChange(ctx context.Context, ar *archive, changed *[]people.Entity, e people.Entity) error {
	for i := range *changed {
		c := &(*changed)[i]
		if people.Fold(c.Name) == people.Fold(e.Name) {
			c.Aliases = appendNew(c.Aliases, e.Aliases)
			c.Exclude = appendNew(c.Exclude, e.Exclude)
			return nil
		}
	}
	merged, err := mergeEntity(ctx, ar, e)
	if err != nil {
		return err
	}
	*changed = append(*changed, merged)
	return nil
}

// suggestNames proposes recurring names not yet watched nor rejected.
func suggestNames(ctx context.Context, ar *archive, minDocs, limit int) ([]people.Suggestion, error) {
	p, _, err := loadPeople(ctx, ar)
	if err != nil {
		return nil, err
	}
	rejected, err := ar.meta.RejectedSuggestions(ctx)
	if err != nil {
		return nil, err
	}
	sg := people.NewSuggester(people.SuggesterOptions{})
	err = ar.meta.Documents(ctx, func(d *meta.Document) error {
		if d.Status != "indexed" {
			return nil
		}
		text, err := ar.meta.Text(ctx, d.Num)
		if err != nil {
			return err
		}
		sg.Add(d.Num, d.Subject+"\n"+text)
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []people.Suggestion
	for _, s := range sg.Top(minDocs, 0, p.Matcher) {
		if rejected[s.Folded] {
			continue
		}
		out = append(out, s)
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out, nil
}
