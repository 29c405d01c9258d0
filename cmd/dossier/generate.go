package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsroom/dossier/internal/gen"
	"github.com/newsroom/dossier/internal/ingest"
	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/people"
	"github.com/newsroom/dossier/internal/publish"
)

func (a *app) generateCmd() *cobra.Command {
	var (
		opts     gen.Options
		manifest string
	)
	cmd := &cobra.Command{
		Use:   "generate [--messages N] [--format maildir|mbox|both] [--seed N] DIR",
		Short: "Write a deterministic synthetic leak (Maildir and mbox) for tests, demos and benchmarks",
		Long: `Generate writes a synthetic email leak: French and English messages with threads,
attachments, forwarded messages and several charsets, as a Maildir and/or mbox files, and a
manifest listing what was planted where (rare marker words, duplicated messages, the shared
attachment), written beside DIR as DIR.manifest.json so that ingesting DIR does not index it.
The same seed and options always give byte-identical output.

--signed F DKIM-signs that fraction of the mail sent from the synthetic signing domains, with
keys derived from the seed, and alters some signed messages as leaks are altered (body edited
after signing, a footer under l=, a prepended From:, a key rotated away). The keys are written
as a zone file, DIR.keys.zone, for 'dossier keys import'; the manifest has every expected
verdict.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			start := time.Now()
			m, err := gen.Generate(cmd.Context(), args[0], opts)
			if err != nil {
				return err
			}
			if manifest == "" {
				manifest = filepath.Clean(args[0]) + ".manifest.json"
			}
			f, err := os.Create(manifest)
			if err != nil {
				return err
			}
			if err := gen.WriteManifest(f, m); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			if m.DKIM != nil {
				zone := filepath.Clean(args[0]) + ".keys.zone"
				if err := writeZoneFile(zone, m); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "DKIM keys in %s; expected verdicts: %v\n", zone, m.DKIM.Verdicts)
			}
			fmt.Fprintf(a.stdout, "wrote %s messages (%s in Maildir, %s in mbox, %d in both) with %s attachments to %s in %s; manifest %s\n",
				num(int64(m.Messages)), num(int64(m.MaildirMessages)), num(int64(m.MboxMessages)), len(m.Duplicates),
				num(int64(m.Attachments)), args[0], time.Since(start).Round(time.Millisecond), manifest)
			return nil
		},
	}
	cmd.Flags().Int64Var(&opts.Seed, "seed", 1, "random seed")
	cmd.Flags().IntVar(&opts.Messages, "messages", 200, "number of distinct messages")
	cmd.Flags().StringVar(&opts.Format, "format", "both", "maildir, mbox or both")
	cmd.Flags().IntVar(&opts.Mailboxes, "mailboxes", 0, "number of custodians (default 6)")
	cmd.Flags().StringVar(&manifest, "manifest", "", "where to write the manifest (default DIR.manifest.json)")
	cmd.Flags().Float64Var(&opts.Signed, "signed", 0, "fraction (0 to 1) of the signing domains' mail to DKIM-sign; keys in DIR.keys.zone")
	return cmd
}

func writeZoneFile(path string, m *gen.Manifest) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := gen.WriteZone(f, m); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (a *app) demoCmd() *cobra.Command {
	var messages int
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Generate a small synthetic leak, ingest it into the archive, and search it",
		Long: `Demo shows dossier's main job end to end on an embedded default: it generates a synthetic
French and English email leak (Maildir and mbox, threads, attachments, several charsets),
ingests it into the archive as collection "demo" with its DKIM keys (half the mail of its
signing domains is signed, and some signed messages were altered), and runs a few searches.
Use --archive to keep the demo away from your real archive.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			tmp, err := os.MkdirTemp("", "dossier-demo-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(tmp)
			leak := filepath.Join(tmp, "leak")
			m, err := gen.Generate(ctx, leak, gen.Options{Seed: 2017, Messages: messages, Signed: 0.5})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "== generated a synthetic leak: %d messages (%d Maildir, %d mbox, %d in both) in %s\n",
				m.Messages, m.MaildirMessages, m.MboxMessages, len(m.Duplicates), leak)
			ar, err := a.openArchive(ctx, true)
			if err != nil {
				return err
			}
			defer ar.Close()
			if err := ar.lockIngest(); err != nil {
				return err
			}
			zone := leak + ".keys.zone"
			if err := writeZoneFile(zone, m); err != nil {
				return err
			}
			keys, err := readKeyFile(zone, "zone")
			if err != nil {
				return err
			}
			if _, err := ar.meta.PutKeys(ctx, keys); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "== dossier keys import %s   (%d DKIM keys of the leak's domains)\n", zone, len(keys))
			verifyKeys, err := ar.archivedKeys(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "== dossier --archive %s ingest --collection demo %s\n", ar.dir, leak)
			prog := newProgressPrinter(a.stderr, false)
			pe, _, err := loadPeople(ctx, ar)
			if err != nil {
				return err
			}
			sum, err := (&ingest.Ingester{Blobs: ar.blobs, Store: ar.meta, People: pe}).Run(ctx, ingest.Options{
				Collection: "demo", Paths: []string{leak}, Progress: prog.update, Keys: verifyKeys, Extractors: extractors{}})
			prog.done()
			if err != nil {
				return err
			}
			printSummary(a.stdout, sum)
			queries := []string{"comptes", "societe", "from:en-marche.example subject:réunion", "date:2017-03..2017-05 financement",
				"dkim:failed"}
			for _, mk := range m.Markers {
				if mk.Match == "stemmed" || mk.Match == "folded" {
					queries = append(queries, mk.Query)
					break
				}
			}
			for _, q := range queries {
				res, err := ar.meta.Search(ctx, meta.SearchRequest{Query: q, Limit: 3, Facets: true})
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "\n== dossier search %q\n", q)
				printResults(a.stdout, q, res, 0, true)
			}
			if err := a.demoPeople(ctx, ar); err != nil {
				return err
			}
			if err := a.demoPublish(ctx, ar); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "\nTry: dossier --archive %s search 'trésorier OR budget'   (docs/query-syntax.md)\n", ar.dir)
			fmt.Fprintf(a.stdout, "     dossier --archive %s serve            (the private reading room)\n", ar.dir)
			fmt.Fprintf(a.stdout, "     dossier --archive %s serve --public   (the public site: the published release only)\n", ar.dir)
			return nil
		},
	}
	cmd.Flags().IntVar(&messages, "messages", 300, "size of the synthetic leak")
	return cmd
}

// demoPeople watches the names that recur most in the demo leak and counts
// the documents on each.
func (a *app) demoPeople(ctx context.Context, ar *archive) error {
	sugg, err := suggestNames(ctx, ar, 3, 3)
	if err != nil {
		return err
	}
	var ents []people.Entity
	for _, s := range sugg {
		ents = append(ents, people.Entity{Name: s.Name})
	}
	fmt.Fprintf(a.stdout, "\n== dossier watch suggest; dossier watch add ...   (%d recurring names watched)\n", len(ents))
	if len(ents) == 0 {
		return nil
	}
	if _, _, err := putEntities(ctx, ar, ents); err != nil {
		return err
	}
	p, entries, err := loadPeople(ctx, ar)
	if err != nil {
		return err
	}
	if _, err := ingest.ApplyWatch(ctx, ar.meta, ar.meta, p, false, nil); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, "== dossier people")
	for _, e := range entries {
		pj, err := personCounts(ctx, ar, e)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "  %4d documents %4d messages  %s\n", pj.Documents, pj.Messages, safe(pj.Name))
	}
	return nil
}

// demoPublish publishes the demo's verified messages: log entries, a
// signed checkpoint, the public projection.
func (a *app) demoPublish(ctx context.Context, ar *archive) error {
	p, err := a.openPublishing(ctx, ar, true)
	if err != nil {
		return err
	}
	defer p.Close()
	const q = "dkim:verified"
	if _, err := p.Create(ctx, publish.CreateOptions{Name: "demo", Query: q, WithAttachments: true}); err != nil {
		if errors.Is(err, publish.ErrReleaseExists) || errors.Is(err, publish.ErrEmptyRelease) {
			return nil
		}
		return err
	}
	res, err := p.Publish(ctx, "demo", time.Time{})
	if err != nil {
		return err
	}
	_, vkey, err := ar.ensureLogKey("")
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "\n== dossier release create demo --query %q --with-attachments; dossier release publish demo\n", q)
	fmt.Fprintf(a.stdout, "  %d documents published, %d entries in the transparency log, verifier key %s\n", res.Documents, res.Appended, vkey)
	return nil
}
