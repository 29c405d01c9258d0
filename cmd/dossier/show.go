package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsroom/dossier"
	"github.com/newsroom/dossier/internal/blob"
	"github.com/newsroom/dossier/internal/blobstore"
	"github.com/newsroom/dossier/internal/dkim"
	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/meta/sqlite"
)

// resolve finds the document an ID argument names: a document id, a full
// sha256 (the first document with that content), or a permanent number
// (#123 or 123).
func resolve(ctx context.Context, st *sqlite.Store, arg string) (*meta.Document, error) {
	arg = strings.TrimSpace(arg)
	if n, err := strconv.ParseInt(strings.TrimPrefix(arg, "#"), 10, 64); err == nil && len(arg) < 20 {
		d, err := st.DocByNum(ctx, n)
		if err == nil {
			return d, nil
		}
	}
	lower := strings.ToLower(arg)
	if len(lower) == 64 {
		if _, err := blob.Parse(lower); err == nil {
			docs, err := st.DocsBySHA256(ctx, lower)
			if err != nil {
				return nil, err
			}
			if len(docs) > 0 {
				return docs[0], nil
			}
		}
	}
	d, err := st.Doc(ctx, lower)
	if errors.Is(err, sqlite.ErrNotFound) {
		return nil, withHint(fmt.Errorf("no document %q", arg), "give a document id, a full sha256 or a number (#123); 'dossier search' lists ids")
	}
	return d, err
}

// displayPath is a document's location from its collection down:
// "enron/maildir/lay-k/inbox/1 › part:2 (report.pdf)".
func displayPath(ctx context.Context, st *sqlite.Store, d *meta.Document) string {
	var parts []string
	cur := d
	for i := 0; cur != nil && i < 64; i++ {
		p := cur.Path
		if cur.Depth > 0 && cur.Filename != "" {
			p += " (" + cur.Filename + ")"
		}
		parts = append(parts, p)
		if cur.ParentID == "" {
			break
		}
		next, err := st.Doc(ctx, cur.ParentID)
		if err != nil {
			parts = append(parts, "?")
			break
		}
		cur = next
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return d.Collection + ":" + strings.Join(parts, " › ")
}

type location struct {
	ID         string `json:"id"`
	Number     int64  `json:"number"`
	Collection string `json:"collection"`
	Path       string `json:"path"`
	Status     string `json:"status"`
}

type showOut struct {
	*meta.Document
	DisplayPath string           `json:"display_path"`
	Email       *meta.EmailMeta  `json:"email,omitempty"`
	Locations   []location       `json:"locations"`
	Children    []location       `json:"children"`
	Parents     []location       `json:"parents"`
	Text        string           `json:"text"`
	Thread      []*meta.Document `json:"-"`
	// Authenticity is the stored DKIM/ARC report of an email (of its
	// canonical copy for a duplicate); absent when not verified.
	Authenticity *dkim.Report `json:"authenticity,omitempty"`
	// DocMeta is a non-email document's metadata, pages and anomaly flags.
	DocMeta *meta.DocMeta `json:"document_meta,omitempty"`
}

func (a *app) showCmd() *cobra.Command {
	var jsonOut, noText bool
	cmd := &cobra.Command{
		Use:   "show [--json] ID",
		Short: "Show a document: metadata, every place it was found, children, text",
		Long: `Show prints a document's metadata, its parent chain, every place the same bytes were found
(another mbox, another folder, another collection), its children (attachments, embedded
messages, mbox messages) and its extracted text. ID is a document id, a full sha256 or a
permanent number (#123).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ar, err := a.openArchive(ctx, false)
			if err != nil {
				return err
			}
			defer ar.Close()
			st := ar.meta
			d, err := resolve(ctx, st, args[0])
			if err != nil {
				return err
			}
			out := showOut{Document: d, DisplayPath: displayPath(ctx, st, d)}
			if d.Kind == dossier.KindEmail && len(d.Meta) > 0 {
				var em meta.EmailMeta
				if json.Unmarshal(d.Meta, &em) == nil {
					out.Email = &em
				}
			}
			if d.Kind != dossier.KindEmail && len(d.Meta) > 0 {
				var dm meta.DocMeta
				if json.Unmarshal(d.Meta, &dm) == nil {
					out.DocMeta = &dm
				}
			}
			loc := func(x *meta.Document) location {
				return location{ID: x.ID, Number: x.Num, Collection: x.Collection, Path: displayPath(ctx, st, x), Status: string(x.Status)}
			}
			if d.SHA256 != "" {
				same, err := st.DocsBySHA256(ctx, d.SHA256)
				if err != nil {
					return err
				}
				for _, x := range same {
					out.Locations = append(out.Locations, loc(x))
				}
			}
			kids, err := st.Children(ctx, d.ID)
			if err != nil {
				return err
			}
			for _, x := range kids {
				l := loc(x)
				l.Path = x.Path
				if x.Filename != "" {
					l.Path += " (" + x.Filename + ")"
				}
				out.Children = append(out.Children, l)
			}
			for p := d.ParentID; p != ""; {
				pd, err := st.Doc(ctx, p)
				if err != nil {
					break
				}
				out.Parents = append(out.Parents, loc(pd))
				p = pd.ParentID
			}
			textOf := d
			if d.Status == dossier.Duplicate && d.DuplicateOf != "" {
				if c, err := st.Doc(ctx, d.DuplicateOf); err == nil {
					textOf = c
				}
			}
			if textOf.Kind == dossier.KindEmail {
				if out.Authenticity, err = st.Auth(ctx, textOf.Num); err != nil {
					return err
				}
			}
			if !noText {
				if out.Text, err = st.Text(ctx, textOf.Num); err != nil {
					return err
				}
			}
			if jsonOut {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			printShow(a.stdout, &out)
			return nil
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print as JSON")
	cmd.Flags().BoolVar(&noText, "no-text", false, "leave the extracted text out")
	return cmd
}

func printShow(w io.Writer, o *showOut) {
	d := o.Document
	kv := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "%-12s %s\n", k, safe(v))
		}
	}
	kv("document", fmt.Sprintf("%s  #%d", d.ID, d.Num))
	kv("type", fmt.Sprintf("%s (%s), %s", d.Kind, d.MIME, bytesStr(d.Size)))
	kv("sha256", d.SHA256)
	kv("collection", d.Collection)
	kv("path", o.DisplayPath)
	status := string(d.Status)
	if d.DuplicateOf != "" {
		status += " of " + d.DuplicateOf
	}
	if d.Reason != "" {
		status += ": " + d.Reason
	}
	kv("status", status)
	if e := o.Email; e != nil {
		kv("from", strings.Join(e.From, ", "))
		kv("to", strings.Join(e.To, ", "))
		kv("cc", strings.Join(e.Cc, ", "))
		kv("bcc", strings.Join(e.Bcc, ", "))
		kv("reply-to", strings.Join(e.ReplyTo, ", "))
	}
	if d.Date != nil {
		date := d.Date.Format(time.RFC1123Z)
		if o.Email != nil && o.Email.DateRaw != "" && o.Email.DateRaw != date {
			date += "   (header: " + o.Email.DateRaw + ")"
		}
		kv("date", date)
	} else if o.Email != nil && o.Email.DateRaw != "" {
		kv("date", "unparseable: "+o.Email.DateRaw)
	}
	kv("subject", d.Subject)
	kv("message-id", d.MessageID)
	kv("thread", d.ThreadID)
	if d.Filename != "" && d.Depth > 0 {
		kv("filename", d.Filename)
	}
	if d.Kind == dossier.KindEmail {
		if r := o.Authenticity; r != nil {
			fmt.Fprintf(w, "%-12s %s (as of %s)\n", "dkim", r.Verdict, r.AsOf.UTC().Format(time.RFC3339))
			printReport(w, r, "  ")
		} else {
			kv("dkim", "not verified (run 'dossier verify --all')")
		}
	}
	if dm := o.DocMeta; dm != nil {
		printDocMeta(w, d, dm, kv)
	}
	if len(o.Locations) > 0 {
		fmt.Fprintf(w, "found at     %d place(s):\n", len(o.Locations))
		for _, l := range o.Locations {
			fmt.Fprintf(w, "  #%-7d %s  %-9s %s\n", l.Number, l.ID, l.Status, safe(l.Path))
		}
	}
	if len(o.Children) > 0 {
		fmt.Fprintf(w, "children     %d:\n", len(o.Children))
		for _, l := range o.Children {
			fmt.Fprintf(w, "  #%-7d %s  %-9s %s\n", l.Number, l.ID, l.Status, safe(l.Path))
		}
	}
	if o.Text != "" {
		fmt.Fprintf(w, "\n%s\n", safeText(strings.TrimRight(o.Text, "\n")))
	}
}

// printDocMeta prints what a document says about itself, then its
// anomalies as things to review, never as verdicts.
func printDocMeta(w io.Writer, d *meta.Document, dm *meta.DocMeta, kv func(k, v string)) {
	m := dm.Document
	date := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Format(time.RFC3339)
	}
	kv("title", m.Title)
	kv("author", m.Author)
	kv("modified by", m.LastModifiedBy)
	kv("company", m.Company)
	kv("creator", strings.TrimSpace(m.Creator+" "+m.AppVersion))
	kv("producer", m.Producer)
	kv("created", date(m.Created))
	kv("modified", date(m.Modified))
	kv("printed", date(m.Printed))
	if m.PageCount > 0 {
		kv("pages", strconv.Itoa(m.PageCount))
	}
	if m.Revisions > 1 {
		kv("revisions", strconv.Itoa(m.Revisions))
	}
	kv("pdf version", m.PDFVersion)
	if len(m.Sheets) > 0 {
		kv("sheets", strings.Join(m.Sheets, ", "))
	}
	if m.Encrypted {
		state := "yes, not opened"
		if m.Decrypted {
			state = "yes, opened with a listed password"
		}
		kv("encrypted", state)
	}
	if m.OCR {
		kv("ocr", fmt.Sprintf("yes (pages %v)", m.OCRPages))
	}
	kv("camera", m.Camera)
	kv("taken", date(m.TakenAt))
	if m.GPS != nil {
		kv("gps", fmt.Sprintf("%.6f, %.6f (sensitive: a location)", m.GPS.Lat, m.GPS.Lon))
	}
	kv("language", d.Lang)
	for _, p := range dm.Problems {
		kv("problem", p)
	}
	for _, f := range dm.Flags {
		kv("anomaly", "needs review: "+f.Rule+": "+f.Evidence)
	}
}

func (a *app) catCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "cat ID",
		Short: "Write a document's exact original bytes to stdout",
		Long: `Cat writes the exact bytes that were ingested (for an attachment: its transfer-decoded
bytes), after verifying them against their sha256. A corrupted blob is an error; no byte of it
is written. ID is a document id, a full sha256 or a number (#123).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ar, err := a.openArchive(ctx, false)
			if err != nil {
				return err
			}
			defer ar.Close()
			d, err := resolve(ctx, ar.meta, args[0])
			if err != nil {
				return err
			}
			if d.SHA256 == "" {
				return withHint(fmt.Errorf("document %s has no stored bytes (%s: %s)", d.ID, d.Status, d.Reason), "see 'dossier show %s'", d.ID)
			}
			ref, err := blob.Parse(d.SHA256)
			if err != nil {
				return err
			}
			if _, err := blobstore.Copy(ctx, a.stdout, ar.blobs, ref); err != nil {
				if errors.Is(err, blob.ErrCorrupt) {
					return withHint(err, "the archive is damaged; run 'dossier fsck' and restore the blob from a backup")
				}
				return err
			}
			return nil
		},
	}
}
