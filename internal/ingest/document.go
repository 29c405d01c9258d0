package ingest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/newsroom/dossier"
	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/extract/lang"
	"github.com/newsroom/dossier/internal/forensics"
	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/search/analysis"
)

// Extractors picks the extractor for an item of a sniffed kind and MIME
// type, or nil when none handles it (the item is then stored and listed,
// or decoded as text if it is text).
type Extractors interface {
	For(kind dossier.Kind, mime string) extract.Extractor
}

// extractDocument runs ex on the item whose entry is u.entries[at],
// records its text, metadata and anomaly flags, and processes its children.
func (r *run) extractDocument(ctx context.Context, u *unit, at int, it item, ex extract.Extractor) error {
	d := u.entries[at].Doc
	opts := r.opts.Extract
	var res *extract.Result
	var err error
	if nx, ok := ex.(extract.Named); ok {
		res, err = nx.ExtractNamed(ctx, it.filename, it.data, d.MIME, opts)
	} else {
		res, err = ex.Extract(ctx, it.data, d.MIME, opts)
	}
	if cerr := ctx.Err(); cerr != nil {
		return context.Cause(ctx)
	}
	d.Status = dossier.Indexed
	switch {
	case err == nil:
	case errors.Is(err, extract.ErrEncrypted):
		d.Encrypted = true
		d.Reason = "encrypted; no password given fits (--passwords FILE)"
	case errors.Is(err, extract.ErrToolMissing), errors.Is(err, extract.ErrUnsupported):
		// The file is kept and listed; what is missing is ours to add.
		d.Reason = "stored; no text: " + err.Error()
	default:
		d.Status, d.Reason = dossier.Failed, "extract: "+err.Error()
		return nil
	}
	if res == nil {
		res = &extract.Result{}
	}
	m := res.Meta
	if m.Encrypted && !m.Decrypted {
		d.Encrypted = true
	}
	text := res.Text
	e := &u.entries[at]
	e.Text = text
	e.Index = r.indexFields(it, text)
	code := guessLang(text) // the precise language: a Russian text edited in Cyrillic is no anomaly
	d.Lang = langColumn(code)
	if d.Lang == "fr" || d.Lang == "en" {
		e.Index.Lang = d.Lang
	}
	d.Author, d.Editor = oneLine(m.Author), oneLine(m.LastModifiedBy)
	if m.Extra["message-class"] != "" {
		envelope(d, e.Index, m.Extra)
	}
	d.OCR = m.OCR
	if d.Date == nil {
		switch {
		case m.Created != nil:
			d.Date = m.Created
		case m.Modified != nil:
			d.Date = m.Modified
		case m.TakenAt != nil:
			d.Date = m.TakenAt
		}
	}

	kids := res.Children
	revisions := res.Revisions
	if len(revisions) == 0 {
		// The PDF extractor returns earlier revisions' texts as children
		// "revision:N", oldest first, so that both versions are searchable.
		for _, c := range kids {
			if strings.HasPrefix(c.Path, "revision:") && strings.HasPrefix(c.MIME, "text/plain") && c.Data != nil {
				revisions = append(revisions, string(c.Data))
			}
		}
	}
	dm := meta.DocMeta{Document: m, Pages: res.Pages, Problems: res.Problems}
	dm.Flags = forensics.Check(forensics.Input{Meta: m, Lang: code, Received: r.opts.Received,
		RevisionTexts: revisions, Text: text})
	for _, f := range dm.Flags {
		d.Flags = append(d.Flags, f.Rule)
	}
	if len(res.Problems) > 0 && d.Reason == "" {
		d.Reason = "extracted with problems: " + strings.Join(res.Problems, "; ")
		if len(d.Reason) > 500 {
			d.Reason = d.Reason[:500] + "…"
		}
	}
	d.Meta = marshal(dm)

	inh := inherited{collection: it.inh.collection}
	ancestors := append(slices.Clip(it.ancestors), d.SHA256)
	budget := r.treeBudget()
	for i := range kids {
		c := &kids[i]
		if err := ctx.Err(); err != nil {
			return context.Cause(ctx)
		}
		ci := item{parentID: d.ID, path: validPath(c.Path), data: c.Data, depth: it.depth + 1, filename: validPath(c.Name),
			mime: c.MIME, inh: inh, ancestors: ancestors}
		if c.Data != nil && c.Skip == "" && c.Failed == "" {
			u.expanded += int64(len(c.Data))
			if u.expanded > budget {
				c.Skip = fmt.Sprintf("over the budget of the whole file (%d bytes expanded from it; limit %d)", u.expanded, budget)
			}
		}
		if c.Skip != "" || c.Failed != "" || c.Data == nil {
			cd := r.newDoc(ci, "", 0)
			cd.Kind, cd.MIME = dossier.KindOther, "application/octet-stream"
			if c.MIME != "" {
				cd.MIME = c.MIME
			}
			cd.Status, cd.Reason = dossier.Skipped, c.Skip
			if c.Failed != "" {
				cd.Status, cd.Reason = dossier.Failed, c.Failed
			}
			if cd.Reason == "" {
				cd.Reason = "no data"
			}
			u.entries = append(u.entries, meta.Entry{Doc: cd})
			continue
		}
		if err := r.processItem(ctx, u, ci); err != nil {
			return err
		}
		c.Data = nil // let it go as soon as it is stored and extracted
	}
	return nil
}

// envelope gives an Outlook item (an extractor's Meta.Extra "from", "to",
// "cc", "bcc", "subject", "message-id") the subject, sender and
// searchable addresses of an email.
func envelope(d *meta.Document, f *meta.IndexFields, x map[string]string) {
	d.Subject = oneLine(x["subject"])
	f.Subject = x["subject"]
	d.MessageID = x["message-id"]
	list := func(k string) []string {
		if v := strings.TrimSpace(x[k]); v != "" {
			return []string{v}
		}
		return nil
	}
	f.From, f.To, f.Cc, f.Bcc = list("from"), list("to"), list("cc"), list("bcc")
	from := x["from"]
	if i, j := strings.LastIndexByte(from, '<'), strings.LastIndexByte(from, '>'); i >= 0 && j > i {
		d.Sender, d.SenderName = strings.ToLower(from[i+1:j]), strings.Trim(strings.TrimSpace(from[:i]), `"`)
	} else if strings.Contains(from, "@") {
		d.Sender = strings.ToLower(strings.TrimSpace(from))
	}
}

// treeBudget bounds the bytes expanded from all the containers of one
// input file together.
func (r *run) treeBudget() int64 {
	b := r.opts.Extract.Budget.MaxBytes
	if b <= 0 {
		b = extract.DefaultBudget.MaxBytes
	}
	return 2 * b
}

// validPath makes a member name valid UTF-8 for the ledger, escaping each
// invalid byte as \xNN so that distinct names stay distinct.
func validPath(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			fmt.Fprintf(&b, "\\x%02x", s[i])
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// oneLine makes a metadata value fit one line of a facet or a table.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// detectLang is the document's language as stored: "fr", "en", "other"
// (confidently another language), or "" (too little text to tell).
func detectLang(text string) string { return langColumn(guessLang(text)) }

// langColumn maps a language code to what the lang column holds.
func langColumn(code string) string {
	switch code {
	case "", "fr", "en":
		return code
	}
	return "other"
}

// guessLang is the ISO code of text's language, or "". Stop words settle
// most French and English texts cheaply; the trigram model (about 1 µs a
// byte) sees only the beginning of the others.
func guessLang(text string) string {
	sample := prefix(text, 4096)
	fr, en, n := analysis.StopWords(sample)
	if n >= 20 && (fr+en)*100 >= n*15 {
		switch {
		case fr >= 2*en:
			return "fr"
		case en >= 2*fr:
			return "en"
		}
	}
	code, _ := lang.Guess(prefix(sample, 1024))
	return code
}

// prefix is at most n bytes of s, cut at a rune boundary.
func prefix(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
