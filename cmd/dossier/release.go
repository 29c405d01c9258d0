package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsroom/dossier"
	"github.com/newsroom/dossier/internal/blobstore"
	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/meta/sqlite"
	"github.com/newsroom/dossier/internal/publish"
	"github.com/newsroom/dossier/internal/search/query"
	"github.com/newsroom/dossier/internal/source"
	"github.com/newsroom/dossier/internal/tlog"
)

// publicDBPath is the public projection of an archive: a database of the
// same kind holding only what is published (what `serve --public` and
// `export-site` read).
func (ar *archive) publicDBPath() string { return filepath.Join(ar.dir, "public", "public.db") }

// publishing is what publishing needs, opened together.
type publishing struct {
	*publish.Publisher
	log    *tlog.Log
	public *sqlite.Store
}

func (p *publishing) Close() error {
	var errs []error
	if p.log != nil {
		errs = append(errs, p.log.Close())
	}
	if p.public != nil {
		errs = append(errs, p.public.Close())
	}
	return errors.Join(errs...)
}

// openPublishing opens the archive's log (creating its key if needed) and
// its public projection. withLog false skips the log, for commands that
// do not append (create, show, list).
func (a *app) openPublishing(ctx context.Context, ar *archive, withLog bool) (*publishing, error) {
	p := &publishing{Publisher: &publish.Publisher{Store: ar.meta, LockFile: filepath.Join(ar.dir, "publish.lock")}}
	if !withLog {
		return p, nil
	}
	skey, _, err := ar.ensureLogKey("")
	if err != nil {
		return nil, err
	}
	quietTessera()
	if p.log, err = tlog.Open(ctx, ar.logDir(), skey); err != nil {
		return nil, withHint(fmt.Errorf("open the transparency log: %w", err), "check %s; 'dossier log monitor %s --key %s' tells what is wrong",
			ar.logDir(), ar.logDir(), ar.logPubPath())
	}
	p.Log = p.log
	if err := os.MkdirAll(filepath.Dir(ar.publicDBPath()), 0o755); err != nil {
		p.Close()
		return nil, err
	}
	if p.public, err = sqlite.Open(ctx, ar.publicDBPath()); err != nil {
		p.Close()
		return nil, fmt.Errorf("open the public projection: %w", err)
	}
	p.Projection = p.public
	return p, nil
}

// openForPublishing opens the archive and what publishing needs; the
// caller closes both.
func (a *app) openForPublishing(ctx context.Context, withLog bool) (*archive, *publishing, error) {
	ar, err := a.openArchive(ctx, false)
	if err != nil {
		return nil, nil, err
	}
	p, err := a.openPublishing(ctx, ar, withLog)
	if err != nil {
		ar.Close()
		return nil, nil, err
	}
	return ar, p, nil
}

func (a *app) releaseCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "release",
		Short: "Releases: choose documents, publish them (now or at a time), withdraw them",
		Long: `Everything in the archive is private until it is published in a release. A release is a
named set of documents chosen by a query or a list of ids, with their attachments or the
messages that carry them if you choose. Publishing appends one entry per document to the
transparency log ('dossier log') and copies the documents to the public projection that
'dossier serve --public' and 'dossier export-site' serve. A withdrawal leaves a public notice
and a log entry: nothing disappears silently.

  dossier release create leaks-1 --query 'person:"Marine Le Pen" date:2017' --with-attachments
  dossier release show leaks-1
  dossier release redact leaks-1 1234 redacted.pdf     # publish this file instead of #1234
  dossier release publish leaks-1 --at 2017-05-05T20:00:00+02:00
  dossier release withdraw 1234 --reason "court order"`,
	}
	cmd.AddCommand(a.releaseCreateCmd(), a.releaseShowCmd(), a.releaseListCmd(), a.releaseRedactCmd(),
		a.releasePublishCmd(), a.releasePublishDueCmd(), a.releaseWithdrawCmd())
	return cmd
}

func (a *app) releaseCreateCmd() *cobra.Command {
	var (
		q, idsFile       string
		withAtt, withPar bool
		jsonOut          bool
	)
	cmd := &cobra.Command{
		Use:   "create NAME (--query QUERY | --ids FILE) [--with-attachments] [--with-parents]",
		Short: "Choose the documents of a release (nothing is public yet)",
		Long: `Create records a release: the documents a query matches (the search language, see
docs/query-syntax.md) or those listed in FILE (one number or id per line, '#' comments), and
with --with-attachments everything inside them, with --with-parents the messages and files that
contain them. Nothing is published until 'dossier release publish'.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if (q == "") == (idsFile == "") {
				return withHint(errors.New("give --query or --ids (one of them)"), "e.g. --query 'collection:leak has:attachment'")
			}
			o := publish.CreateOptions{Name: args[0], Query: q, WithAttachments: withAtt, WithParents: withPar}
			if idsFile != "" {
				f, err := os.Open(idsFile)
				if err != nil {
					return err
				}
				o.IDs, err = publish.ReadIDs(f)
				f.Close()
				if err != nil {
					return withHint(fmt.Errorf("%s: %w", idsFile, err), "one document number or id per line")
				}
				o.Source = filepath.Base(idsFile)
			}
			ar, p, err := a.openForPublishing(ctx, false)
			if err != nil {
				return err
			}
			defer ar.Close()
			defer p.Close()
			res, err := p.Create(ctx, o)
			if err != nil {
				return releaseError(err)
			}
			if jsonOut {
				return writeJSON(a.stdout, res)
			}
			fmt.Fprintf(a.stdout, "release %s: %d documents (%d selected, %d attachments, %d parents); nothing is public yet\n",
				safe(res.Release.Name), res.Release.Documents, res.Selected, res.Attachments, res.Parents)
			if len(res.Enclosed) > 0 {
				fmt.Fprintf(a.stderr, "warning: %d private documents are inside documents of this release (their bytes will be public inside them): %s\n",
					len(res.Enclosed), numList(res.Enclosed, 20))
			}
			fmt.Fprintf(a.stdout, "next: dossier release show %s; dossier release publish %s\n", safe(res.Release.Name), safe(res.Release.Name))
			return nil
		},
	}
	cmd.Flags().StringVar(&q, "query", "", "the documents a search matches")
	cmd.Flags().StringVar(&idsFile, "ids", "", "a file of document numbers or ids, one per line")
	cmd.Flags().BoolVar(&withAtt, "with-attachments", false, "include everything inside the chosen documents")
	cmd.Flags().BoolVar(&withPar, "with-parents", false, "include the messages and files that contain them")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print as JSON")
	return cmd
}

func numList(nums []int64, max int) string {
	var parts []string
	for i, n := range nums {
		if i == max {
			parts = append(parts, fmt.Sprintf("and %d more", len(nums)-max))
			break
		}
		parts = append(parts, "#"+strconv.FormatInt(n, 10))
	}
	return strings.Join(parts, ", ")
}

// releaseError adds a hint to publishing's errors.
func releaseError(err error) error {
	var se *query.SyntaxError
	switch {
	case errors.As(err, &se):
		return withHint(err, "see docs/query-syntax.md")
	case errors.Is(err, publish.ErrNoRelease):
		return withHint(err, "'dossier release list' shows the releases")
	case errors.Is(err, publish.ErrReleaseExists):
		return withHint(err, "choose another name")
	case errors.Is(err, publish.ErrEmptyRelease):
		return withHint(err, "the query or the list selects no document")
	case errors.Is(err, publish.ErrAlreadyPublished):
		return withHint(err, "a published release cannot change; create another one")
	case errors.Is(err, publish.ErrPastTime):
		return withHint(err, "give a future time, or no --at to publish now")
	case errors.Is(err, publish.ErrNotPublished):
		return withHint(err, "only published documents can be withdrawn")
	}
	return err
}

func (a *app) releaseShowCmd() *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "show NAME [--json]",
		Short: "A release, its documents and their publication",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ar, p, err := a.openForPublishing(ctx, false)
			if err != nil {
				return err
			}
			defer ar.Close()
			defer p.Close()
			v, err := p.Show(ctx, args[0])
			if err != nil {
				return releaseError(err)
			}
			if jsonOut {
				return writeJSON(a.stdout, v)
			}
			fmt.Fprintf(a.stdout, "release %s: %s, %d documents, created %s\n", safe(v.Name), v.State, v.Documents, v.Created.UTC().Format(time.RFC3339))
			if v.Query != "" {
				fmt.Fprintf(a.stdout, "  query: %s\n", safe(v.Query))
			}
			if v.PublishAt != nil {
				fmt.Fprintf(a.stdout, "  scheduled: %s\n", v.PublishAt.UTC().Format(time.RFC3339))
			}
			if v.PublishedAt != nil {
				fmt.Fprintf(a.stdout, "  published: %s\n", v.PublishedAt.UTC().Format(time.RFC3339))
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NUMBER\tROLE\tTYPE\tLOG INDEX\tSTATUS\tTITLE")
			for _, d := range v.Docs {
				idx, status := "-", "draft"
				if d.Redaction != nil {
					status = "redacted"
				}
				if pb := d.Publication; pb != nil {
					status = "published"
					if pb.LogIndex != nil {
						idx = strconv.FormatUint(*pb.LogIndex, 10)
					} else {
						status = "pending"
					}
					if pb.WithdrawnAt != nil {
						status = "withdrawn: " + pb.WithdrawReason
					}
				}
				fmt.Fprintf(tw, "#%d\t%s\t%s\t%s\t%s\t%s\n", d.Num, d.Role, d.Kind, idx, safe(status), safe(d.Title))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print as JSON")
	return cmd
}

func (a *app) releaseListCmd() *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "list [--json]",
		Short: "Every release with its state",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ar, p, err := a.openForPublishing(ctx, false)
			if err != nil {
				return err
			}
			defer ar.Close()
			defer p.Close()
			list, err := p.List(ctx)
			if err != nil {
				return err
			}
			if jsonOut {
				if list == nil {
					list = []publish.Release{}
				}
				return writeJSON(a.stdout, list)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tSTATE\tDOCUMENTS\tWHEN")
			for _, r := range list {
				when := ""
				switch {
				case r.PublishedAt != nil:
					when = r.PublishedAt.UTC().Format(time.RFC3339)
				case r.PublishAt != nil:
					when = "at " + r.PublishAt.UTC().Format(time.RFC3339)
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", safe(r.Name), r.State, r.Documents, when)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print as JSON")
	return cmd
}

func (a *app) releaseRedactCmd() *cobra.Command {
	var keepDKIM bool
	cmd := &cobra.Command{
		Use:   "redact NAME NUMBER FILE [--keep-dkim]",
		Short: "Publish FILE (a redacted copy) instead of document NUMBER",
		Long: `Redact stores FILE in the archive and publishes it in place of document NUMBER of release
NAME: the public sees the redacted copy and its text; the log entry names the copy's SHA-256
and only a salted commitment to the original (never its hash), so the entry cannot be used to
tell which copy leaked. The DKIM verdict is left out unless --keep-dkim (a signature names its
domain).`,
		Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			num, err := strconv.ParseInt(strings.TrimPrefix(args[1], "#"), 10, 64)
			if err != nil {
				return withHint(fmt.Errorf("bad document number %q", args[1]), "give the number shown by 'dossier release show'")
			}
			data, err := os.ReadFile(args[2])
			if err != nil {
				return err
			}
			ar, err := a.openArchive(ctx, false)
			if err != nil {
				return err
			}
			defer ar.Close()
			ref, err := blobstore.Put(ctx, ar.blobs, data)
			if err != nil {
				return err
			}
			text, pages, mime, err := extractRedaction(ctx, data)
			if err != nil {
				fmt.Fprintf(a.stderr, "warning: no text extracted from %s (%v): the copy is published without searchable text\n", args[2], err)
			}
			p, err := a.openPublishing(ctx, ar, false)
			if err != nil {
				return err
			}
			defer p.Close()
			r := publish.Redaction{SHA256: ref.String(), Size: int64(len(data)), MIME: mime, Filename: filepath.Base(args[2]),
				Text: text, Pages: pages, KeepDKIM: keepDKIM}
			if err := p.Redact(ctx, args[0], num, r); err != nil {
				return releaseError(err)
			}
			fmt.Fprintf(a.stdout, "#%d of %s will be published as %s (sha256 %s)\n", num, safe(args[0]), safe(filepath.Base(args[2])), ref)
			return nil
		},
	}
	cmd.Flags().BoolVar(&keepDKIM, "keep-dkim", false, "publish the original message's DKIM verdict and signing domains")
	return cmd
}

// parseWhen reads --at: RFC 3339, or "2006-01-02 15:04" in local time.
func parseWhen(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, withHint(fmt.Errorf("bad time %q", s), "give RFC 3339 (2017-05-05T20:00:00+02:00) or '2017-05-05 20:00' (local time)")
}

func (a *app) releasePublishCmd() *cobra.Command {
	var (
		at      string
		jsonOut bool
	)
	cmd := &cobra.Command{
		Use:   "publish NAME [--at TIME]",
		Short: "Publish a release now, or schedule it",
		Long: `Publish appends one log entry per document of the release to the transparency log, waits
until a signed checkpoint covers them, and makes the documents public (the projection that
'serve --public' and 'export-site' read), all or nothing. With --at, the release is scheduled:
'dossier serve --public' publishes it when the time comes (or 'dossier release publish-due',
from cron). A time in the past is refused. Two processes publishing at once
cannot publish anything twice; an interrupted publication resumes on the next run.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var when time.Time
			if at != "" {
				var err error
				if when, err = parseWhen(at); err != nil {
					return err
				}
			}
			ar, p, err := a.openForPublishing(ctx, true)
			if err != nil {
				return err
			}
			defer ar.Close()
			defer p.Close()
			start := time.Now()
			res, err := p.Publish(ctx, args[0], when)
			if err != nil {
				return releaseError(err)
			}
			if jsonOut {
				return writeJSON(a.stdout, res)
			}
			if res.State == publish.Scheduled {
				fmt.Fprintf(a.stdout, "release %s scheduled for %s (%d documents); 'dossier serve --public' publishes it then\n",
					safe(res.Release), res.PublishAt.UTC().Format(time.RFC3339), res.Documents)
				return nil
			}
			fmt.Fprintf(a.stdout, "release %s published: %d documents, %d log entries, in %s\n", safe(res.Release), res.Documents, res.Appended,
				time.Since(start).Round(time.Millisecond))
			if len(res.AlreadyPublic) > 0 {
				fmt.Fprintf(a.stdout, "  already public in another release: %s\n", numList(res.AlreadyPublic, 20))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&at, "at", "", "publish at this time (RFC 3339, or '2017-05-05 20:00' local)")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print as JSON")
	return cmd
}

func (a *app) releaseWithdrawCmd() *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "withdraw NUMBER... --reason TEXT",
		Short: "Withdraw published documents, leaving a public notice and a log entry",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if strings.TrimSpace(reason) == "" {
				return withHint(errors.New("a withdrawal needs a reason"), "give --reason TEXT: it is public and logged")
			}
			var nums []int64
			for _, s := range args {
				n, err := strconv.ParseInt(strings.TrimPrefix(s, "#"), 10, 64)
				if err != nil {
					return withHint(fmt.Errorf("bad document number %q", s), "give document numbers")
				}
				nums = append(nums, n)
			}
			ar, p, err := a.openForPublishing(ctx, true)
			if err != nil {
				return err
			}
			defer ar.Close()
			defer p.Close()
			for _, n := range nums {
				pub, err := p.Withdraw(ctx, n, reason)
				if err != nil {
					return releaseError(fmt.Errorf("withdraw #%d: %w", n, err))
				}
				idx := "?"
				if pub.WithdrawLogIndex != nil {
					idx = strconv.FormatUint(*pub.WithdrawLogIndex, 10)
				}
				fmt.Fprintf(a.stdout, "#%d withdrawn from %s (log entry %s); a public notice replaces it\n", n, safe(pub.Release), idx)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why (public, and in the log)")
	return cmd
}

// extractRedaction extracts the text of a redacted copy with the same
// (sandboxed) extractors as ingest.
func extractRedaction(ctx context.Context, data []byte) (text string, pages []int, mime string, err error) {
	kind, mime := source.Sniff(data[:min(len(data), source.SniffLen)])
	if strings.HasPrefix(mime, "text/plain") {
		return string(data), nil, mime, nil
	}
	ex := extractors{}.For(dossier.Kind(kind), mime)
	if ex == nil {
		return "", nil, mime, fmt.Errorf("no extractor for %s", mime)
	}
	res, err := ex.Extract(ctx, data, mime, extract.Options{OCRLanguages: "fra+eng"})
	if err != nil {
		return "", nil, mime, err
	}
	return res.Text, res.Pages, mime, nil
}

func (a *app) releasePublishDueCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "publish-due",
		Short: "Publish the scheduled releases whose time has come (for cron), and finish interrupted ones",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ar, p, err := a.openForPublishing(ctx, true)
			if err != nil {
				return err
			}
			defer ar.Close()
			defer p.Close()
			res, err := p.PublishDue(ctx)
			for _, r := range res {
				fmt.Fprintf(a.stdout, "release %s published: %d documents, %d log entries\n", safe(r.Release), r.Documents, r.Appended)
			}
			if err != nil {
				return releaseError(err)
			}
			if len(res) == 0 {
				fmt.Fprintln(a.stdout, "nothing due")
			}
			return nil
		},
	}
	return cmd
}
