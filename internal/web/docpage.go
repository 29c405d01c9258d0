package web

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/newsroom/dossier"
	"github.com/newsroom/dossier/internal/blob"
	"github.com/newsroom/dossier/internal/blobstore"
	"github.com/newsroom/dossier/internal/forensics"
	"github.com/newsroom/dossier/internal/meta"
	"github.com/newsroom/dossier/internal/publish"
)

// Display bounds of a document page.
const (
	maxTextShown     = 1 << 20 // extracted text on a page
	maxThreadListed  = 200     // thread messages listed on a document page
	maxThreadTexts   = 100     // thread messages shown with their text on the thread page
	maxThreadText    = 64 << 10
	maxChainDepth    = 64
	maxAuthBodyBytes = 32 << 20 // largest message read to mark an unsigned body tail
)

// docLink is a document as listed in another document's page.
type docLink struct {
	Num        int64
	Title      string
	Kind, MIME string
	Size       int64
	Status     string
	Reason     string
	Date       *time.Time
	From       string
	Collection string
	Path       string
	Current    bool
}

func newDocLink(d *meta.Document) docLink {
	return docLink{Num: d.Num, Title: docTitle(d), Kind: neutral(string(d.Kind)), MIME: neutral(d.MIME), Size: d.Size,
		Status: string(d.Status), Reason: neutral(d.Reason), Date: d.Date, From: neutral(firstNonEmpty(d.SenderName, d.Sender)),
		Collection: neutral(d.Collection), Path: neutral(d.Path)}
}

// docTitle is what a document is called on pages: an email's subject, a
// file's name.
func docTitle(d *meta.Document) string {
	if d.Kind == dossier.KindEmail {
		return neutral(firstNonEmpty(d.Subject, "(no subject)"))
	}
	return neutral(firstNonEmpty(d.Filename, lastElem(d.Path), fmt.Sprintf("document %d", d.Num)))
}

// docView is the data of the document page.
type docView struct {
	Num         int64
	ID          string
	Title       string
	Kind, MIME  string
	IsEmail     bool
	Email       *emailView
	Chain       []docLink // ancestors, outermost first
	Collection  string
	CollHref    string
	Children    []docLink
	Same        []docLink // other documents with the same bytes
	DuplicateOf *docLink
	Text        string
	TextCut     bool
	TextFrom    string // "the original #N" when the text is a duplicate's
	HTML        bool
	Thread      *threadNav
	Auth        *authView
	Meta        []metaRow
	Anomalies   []forensics.Flag // metadata anomalies: things to review, never verdicts
	HasRaw      bool
	RawName     string
	Size        int64
	SHA256      string
	// Publications are the document's log entries on the public site,
	// oldest first; Proof is set when /doc/N/proof serves a bundle.
	Publications []publication
	Published    *publication // the latest publish entry
	Proof        bool
}

type emailView struct {
	From, Sender, To, Cc, Bcc, ReplyTo []string
	Date                               *time.Time
	DateRaw                            string
	Subject, MessageID                 string
	InReplyTo, References              []string
	Problems                           []string
}

type metaRow struct {
	Key, Value, Href string
	Mono             bool
}

type threadNav struct {
	ID         string
	Prev, Next *docLink
	Messages   []docLink
	Index      int // 1-based position of this message
	Count      int
	More       int // messages not listed
}

// docFromPath loads the document named by the {num} path value, answering
// 404 itself when there is none.
func (s *server) docFromPath(w http.ResponseWriter, r *http.Request) (*meta.Document, bool) {
	arg := r.PathValue("num")
	num, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || !numRE.MatchString(arg) {
		s.notFound(w, r, "Documents are numbered 1, 2, 3…; there is no document at this address.")
		return nil, false
	}
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	d, err := s.store.DocByNum(ctx, num)
	if errors.Is(err, ErrNotFound) {
		s.absent(w, r, num, fmt.Sprintf("There is no document %d in this archive.", num))
		return nil, false
	}
	if err != nil {
		s.internal(w, r, err)
		return nil, false
	}
	return d, true
}

// absent answers for a document number the store does not hold: the
// withdrawal notice (410) if the public site has one, else 404.
func (s *server) absent(w http.ResponseWriter, r *http.Request, num int64, msg string) {
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	wd, err := s.withdrawal(ctx, num)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if wd != nil {
		s.gone(w, r, wd)
		return
	}
	s.notFound(w, r, msg)
}

func (s *server) docPage(w http.ResponseWriter, r *http.Request) {
	d, ok := s.docFromPath(w, r)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	v, err := s.docView(ctx, d)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	desc := v.Text
	if v.IsEmail && v.Email != nil && len(v.Email.From) > 0 {
		desc = "From " + v.Email.From[0] + ". " + desc
	}
	og := &openGraph{Title: v.Title, Description: clip(strings.Join(strings.Fields(desc), " "), 200),
		URL: s.absURL(r, fmt.Sprintf("/doc/%d", d.Num)), Type: "article"}
	s.render(w, r, http.StatusOK, "doc", &page{Title: v.Title, OG: og, Data: v})
}

// absURL makes path absolute with the configured base URL, else the
// request's host.
func (s *server) absURL(r *http.Request, path string) string {
	if s.cfg.BaseURL != "" {
		return s.cfg.BaseURL + path
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + path
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func (s *server) docView(ctx context.Context, d *meta.Document) (*docView, error) {
	v := &docView{Num: d.Num, ID: d.ID, Title: docTitle(d), Kind: neutral(string(d.Kind)), MIME: neutral(d.MIME),
		IsEmail: d.Kind == dossier.KindEmail, Collection: neutral(d.Collection), CollHref: "/collection/" + pathEscape(d.Collection),
		HasRaw: d.SHA256 != "", Size: d.Size, SHA256: d.SHA256}
	v.RawName = downloadName(firstNonEmpty(d.Filename, lastElem(d.Path)), d.Num, v.IsEmail)

	// parent chain
	for p, i := d.ParentID, 0; p != "" && i < maxChainDepth; i++ {
		pd, err := s.store.Doc(ctx, p)
		if errors.Is(err, ErrNotFound) {
			break
		}
		if err != nil {
			return nil, err
		}
		v.Chain = append([]docLink{newDocLink(pd)}, v.Chain...)
		p = pd.ParentID
	}
	// A duplicate was not extracted: its fields, text, children, thread
	// and report are those of the first copy of its bytes (textOf).
	textOf := d
	if d.Status == dossier.Duplicate && d.DuplicateOf != "" {
		c, err := s.store.Doc(ctx, d.DuplicateOf)
		switch {
		case err == nil:
			l := newDocLink(c)
			v.DuplicateOf = &l
			textOf = c
			v.Title = docTitle(c)
			v.TextFrom = fmt.Sprintf("document %d, the first copy of these bytes", c.Num)
		case !errors.Is(err, ErrNotFound):
			return nil, err
		}
	}
	kids, err := s.store.Children(ctx, textOf.ID)
	if err != nil {
		return nil, err
	}
	for _, k := range kids {
		v.Children = append(v.Children, newDocLink(k))
		if k.Kind == dossier.KindHTML && k.Filename == "" {
			v.HTML = v.IsEmail // an HTML alternative of the body (attached .html files have names)
		}
	}
	if d.SHA256 != "" {
		same, err := s.store.DocsBySHA256(ctx, d.SHA256)
		if err != nil {
			return nil, err
		}
		for _, x := range same {
			if x.Num != d.Num {
				v.Same = append(v.Same, newDocLink(x))
			}
		}
	}
	text, err := s.store.Text(ctx, textOf.Num)
	if err != nil {
		return nil, err
	}
	if len(text) > maxTextShown {
		text, v.TextCut = clip(text, maxTextShown), true
	}
	v.Text = neutralText(text)

	if v.IsEmail {
		e := textOf
		var em meta.EmailMeta
		if len(e.Meta) > 0 {
			_ = json.Unmarshal(e.Meta, &em) // a damaged record shows the document fields only
		}
		v.Email = &emailView{From: neutralAll(em.From), Sender: neutralAll(em.Sender), To: neutralAll(em.To),
			Cc: neutralAll(em.Cc), Bcc: neutralAll(em.Bcc), ReplyTo: neutralAll(em.ReplyTo), Date: e.Date,
			DateRaw: neutral(em.DateRaw), Subject: neutral(e.Subject), MessageID: neutral(e.MessageID),
			InReplyTo: neutralAll(em.InReplyTo), References: neutralAll(em.References), Problems: neutralAll(em.Problems)}
		if len(v.Email.From) == 0 && e.Sender != "" {
			v.Email.From = []string{neutral(e.Sender)}
		}
		if em.TextFrom == "html" {
			v.HTML = true
		}
		v.HTML = v.HTML && d.SHA256 != "" && d.Size <= maxHTMLSource
		if err := s.threadNav(ctx, v, e); err != nil {
			return nil, err
		}
		rep, err := s.store.Auth(ctx, textOf.Num) // a duplicate's report is its first copy's
		if err != nil {
			return nil, err
		}
		var raw []byte
		if rep != nil && unsignedBytes(rep) > 0 && d.SHA256 != "" && d.Size <= maxAuthBodyBytes {
			if ref, err := blob.Parse(d.SHA256); err == nil {
				raw, err = blobstore.Get(ctx, s.blobs, ref)
				if err != nil {
					return nil, fmt.Errorf("read original of document %d: %w", d.Num, err)
				}
			}
		}
		v.Auth = newAuthView(rep, raw)
	}
	if v.Publications, err = s.publications(ctx, d.Num); err != nil {
		return nil, err
	}
	for i := range v.Publications {
		v.Publications[i].Entry = neutral(v.Publications[i].Entry) // shown; the API gives the exact bytes
		if v.Publications[i].Type == publish.TypePublish {
			v.Published = &v.Publications[i]
		}
	}
	v.Proof = s.proofs != nil && len(v.Publications) > 0
	v.Meta = metaRows(d, s.cfg.Public, s.cfg.Static)
	if d.Kind != dossier.KindEmail && len(d.Meta) > 0 {
		var dm meta.DocMeta
		if json.Unmarshal(d.Meta, &dm) == nil {
			v.Meta = append(v.Meta, docMetaRows(d, &dm)...)
			for _, f := range dm.Flags {
				v.Anomalies = append(v.Anomalies, forensics.Flag{Rule: neutral(f.Rule), Evidence: neutral(f.Evidence)})
			}
		}
	}
	return v, nil
}

func (s *server) threadNav(ctx context.Context, v *docView, d *meta.Document) error {
	if d.ThreadID == "" {
		return nil
	}
	msgs, err := s.store.Thread(ctx, d.ThreadID)
	if err != nil {
		return err
	}
	if len(msgs) < 2 {
		return nil
	}
	t := &threadNav{ID: d.ThreadID, Count: len(msgs)}
	at := -1
	for i, m := range msgs {
		if m.Num == d.Num {
			at = i
		}
	}
	if at >= 0 {
		t.Index = at + 1
		if at > 0 {
			l := newDocLink(msgs[at-1])
			t.Prev = &l
		}
		if at+1 < len(msgs) {
			l := newDocLink(msgs[at+1])
			t.Next = &l
		}
	}
	for i, m := range msgs {
		if i == maxThreadListed {
			t.More = len(msgs) - i
			break
		}
		l := newDocLink(m)
		l.Current = m.Num == d.Num
		t.Messages = append(t.Messages, l)
	}
	v.Thread = t
	return nil
}

func neutralAll(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = neutral(s)
	}
	return out
}

// metaRows are a document's ledger fields. On the public site the
// ingest time is the publication's; a static mirror has no /id/ address.
func metaRows(d *meta.Document, public, static bool) []metaRow {
	rows := []metaRow{
		{Key: "Number", Value: strconv.FormatInt(d.Num, 10)},
		{Key: "Document id", Value: d.ID, Mono: true},
		{Key: "Type", Value: neutral(string(d.Kind)) + " (" + neutral(d.MIME) + ")"},
		{Key: "Size", Value: humanBytes(d.Size) + " (" + strconv.FormatInt(d.Size, 10) + " bytes)"},
	}
	if d.SHA256 != "" {
		rows = append(rows, metaRow{Key: "SHA-256", Value: d.SHA256, Href: "/sha256/" + d.SHA256, Mono: true})
	}
	rows = append(rows,
		metaRow{Key: "Collection", Value: neutral(d.Collection), Href: "/collection/" + pathEscape(d.Collection)},
		metaRow{Key: "Path in parent", Value: neutral(d.Path), Mono: true})
	if d.Filename != "" {
		rows = append(rows, metaRow{Key: "File name", Value: neutral(d.Filename)})
	}
	status := string(d.Status)
	if d.Reason != "" {
		status += ": " + neutral(d.Reason)
	}
	rows = append(rows, metaRow{Key: "Status", Value: status})
	if d.DuplicateOf != "" {
		row := metaRow{Key: "Duplicate of", Value: d.DuplicateOf, Href: "/id/" + d.DuplicateOf, Mono: true}
		if static {
			row.Href = ""
		}
		rows = append(rows, row)
	}
	if d.Date != nil {
		rows = append(rows, metaRow{Key: "Date", Value: d.Date.Format(time.RFC1123Z)})
	}
	if d.ThreadID != "" && d.Kind == dossier.KindEmail {
		rows = append(rows, metaRow{Key: "Thread", Value: neutral(d.ThreadID), Href: "/thread/" + pathEscape(d.ThreadID), Mono: true})
	}
	ingested := "Ingested"
	if public {
		ingested = "Published"
	}
	rows = append(rows, metaRow{Key: "Nesting depth", Value: strconv.Itoa(d.Depth)},
		metaRow{Key: ingested, Value: d.IngestedAt.UTC().Format(time.RFC3339)})
	return rows
}

// docMetaRows are what a document says about itself.
func docMetaRows(d *meta.Document, dm *meta.DocMeta) []metaRow {
	var rows []metaRow
	add := func(k, v string) {
		if strings.TrimSpace(v) != "" {
			rows = append(rows, metaRow{Key: k, Value: neutral(v)})
		}
	}
	date := func(k string, t *time.Time) {
		if t != nil {
			add(k, t.Format(time.RFC3339))
		}
	}
	m := dm.Document
	add("Title", m.Title)
	add("Author", m.Author)
	add("Last modified by", m.LastModifiedBy)
	add("Company", m.Company)
	add("Application", strings.TrimSpace(m.Creator+" "+m.AppVersion))
	add("PDF producer", m.Producer)
	date("Created", m.Created)
	date("Modified", m.Modified)
	date("Printed", m.Printed)
	if m.PageCount > 0 {
		add("Pages", strconv.Itoa(m.PageCount))
	}
	if m.Revisions > 1 {
		add("Revisions", strconv.Itoa(m.Revisions)+" (incremental updates after the first save)")
	}
	add("PDF version", m.PDFVersion)
	if len(m.Sheets) > 0 {
		add("Sheets", strings.Join(m.Sheets, ", "))
	}
	if m.Encrypted {
		if m.Decrypted {
			add("Encrypted", "yes; opened with a password from the list")
		} else {
			add("Encrypted", "yes; not opened")
		}
	}
	if m.OCR {
		add("OCR", fmt.Sprintf("text of pages %v comes from OCR and may contain errors", m.OCRPages))
	}
	add("Camera", m.Camera)
	date("Taken", m.TakenAt)
	if m.GPS != nil {
		add("GPS position (sensitive)", fmt.Sprintf("%.6f, %.6f", m.GPS.Lat, m.GPS.Lon))
	}
	add("Language", d.Lang)
	for _, p := range dm.Problems {
		add("Extraction problem", p)
	}
	return rows
}

// lazyWriter sends the headers set by start just before the first byte,
// so a failure before any byte (a damaged blob) can still be answered
// with an error page.
type lazyWriter struct {
	w       http.ResponseWriter
	start   func()
	started bool
}

func (l *lazyWriter) Write(b []byte) (int, error) {
	if !l.started {
		l.started = true
		l.start()
	}
	return l.w.Write(b)
}

// raw serves a document's exact original bytes as a download.
func (s *server) raw(w http.ResponseWriter, r *http.Request) {
	d, ok := s.docFromPath(w, r)
	if !ok {
		return
	}
	s.serveRaw(w, r, d)
}

func (s *server) serveRaw(w http.ResponseWriter, r *http.Request, d *meta.Document) {
	if d.SHA256 == "" {
		s.notFound(w, r, fmt.Sprintf("Document %d has no stored bytes (%s: %s).", d.Num, d.Status, neutral(d.Reason)))
		return
	}
	ref, err := blob.Parse(d.SHA256)
	if err != nil {
		s.internal(w, r, fmt.Errorf("document %d: %w", d.Num, err))
		return
	}
	name := downloadName(firstNonEmpty(d.Filename, lastElem(d.Path)), d.Num, d.Kind == dossier.KindEmail)
	start := func() {
		h := w.Header()
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Disposition", contentDisposition(name))
		h.Set("Content-Length", strconv.FormatInt(d.Size, 10))
		h.Set("Content-Security-Policy", cspRaw)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Repr-Digest", "sha-256=:"+sha256Base64(d.SHA256)+":")
		h.Set("X-Dossier-SHA256", d.SHA256)
		w.WriteHeader(http.StatusOK)
	}
	if r.Method == http.MethodHead {
		start()
		return
	}
	lw := &lazyWriter{w: w, start: start}
	if _, err := blobstore.Copy(r.Context(), lw, s.blobs, ref); err != nil {
		if lw.started {
			// The bytes were verified before the first was sent; only
			// the connection can fail now.
			s.log.Warn("web: download interrupted", "num", d.Num, "err", err)
			return
		}
		switch {
		case errors.Is(err, blob.ErrCorrupt):
			s.log.Error("web: damaged blob", "num", d.Num, "sha256", d.SHA256, "err", err)
			s.fail(w, r, http.StatusInternalServerError, "damaged", "The stored original does not match its SHA-256: the archive is damaged (run 'dossier fsck'). No byte of it is served.")
		case errors.Is(err, errUnpublished):
			s.notFound(w, r, "")
		case errors.Is(err, blobstore.ErrNotFound):
			s.log.Error("web: missing blob", "num", d.Num, "sha256", d.SHA256)
			s.fail(w, r, http.StatusInternalServerError, "missing", "The stored original is missing from the archive (run 'dossier fsck').")
		default:
			s.internal(w, r, err)
		}
	}
}

// htmlBody serves a message's HTML body, sanitised, for the sandboxed
// frame of its page.
func (s *server) htmlBody(w http.ResponseWriter, r *http.Request) {
	d, ok := s.docFromPath(w, r)
	if !ok {
		return
	}
	body := "<p>This message has no HTML version.</p>"
	if d.Kind == dossier.KindEmail && d.SHA256 != "" && d.Size <= maxHTMLSource {
		ref, err := blob.Parse(d.SHA256)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		raw, err := blobstore.Get(r.Context(), s.blobs, ref)
		if errors.Is(err, errUnpublished) {
			s.notFound(w, r, "")
			return
		}
		if err != nil {
			s.internal(w, r, err)
			return
		}
		if src, ok := findHTMLBody(raw); ok {
			body = sanitizeMailHTML(src)
		}
	}
	out := mailHTMLDocument(body)
	h := w.Header()
	h.Set("Content-Security-Policy", cspMailHTML)
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(out)))
	if r.Method != http.MethodHead {
		w.Write(out)
	}
}

// listPage is the data of the list template (documents sharing bytes).
type listPage struct {
	Heading string
	Intro   string
	SHA256  string
	Docs    []docLink
}

var sha256RE = regexp.MustCompile(`^[0-9a-f]{64}$`)

func (s *server) sha256Page(w http.ResponseWriter, r *http.Request) {
	sum := strings.ToLower(r.PathValue("hex"))
	if !sha256RE.MatchString(sum) {
		s.notFound(w, r, "A SHA-256 is 64 hexadecimal digits.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	docs, err := s.store.DocsBySHA256(ctx, sum)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if len(docs) == 0 {
		s.notFound(w, r, "No document in this archive has these bytes.")
		return
	}
	lp := &listPage{Heading: "Every document with these bytes", SHA256: sum,
		Intro: fmt.Sprintf("The same content was found in %d place(s).", len(docs))}
	for _, d := range docs {
		lp.Docs = append(lp.Docs, newDocLink(d))
	}
	s.render(w, r, http.StatusOK, "list", &page{Title: "SHA-256 " + sum[:12] + "…", Data: lp})
}

// threadPage is the data of the thread template.
type threadPage struct {
	ID       string
	Subject  string
	Messages []threadMessage
	More     int
}

type threadMessage struct {
	docLink
	To   string
	Text string
	Cut  bool
}

var threadIDRE = regexp.MustCompile(`^[0-9A-Za-z:_.\-]{1,128}$`)

func (s *server) threadPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !threadIDRE.MatchString(id) {
		s.notFound(w, r, "There is no thread at this address.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	msgs, err := s.store.Thread(ctx, id)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if len(msgs) == 0 {
		s.notFound(w, r, "There is no thread with this id.")
		return
	}
	tp := &threadPage{ID: id, Subject: docTitle(msgs[0])}
	for i, m := range msgs {
		if i == maxThreadTexts {
			tp.More = len(msgs) - i
			break
		}
		tm := threadMessage{docLink: newDocLink(m)}
		var em meta.EmailMeta
		if len(m.Meta) > 0 && json.Unmarshal(m.Meta, &em) == nil {
			tm.To = neutral(strings.Join(em.To, ", "))
		}
		text, err := s.store.Text(ctx, m.Num)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		if len(text) > maxThreadText {
			text, tm.Cut = clip(text, maxThreadText), true
		}
		tm.Text = neutralText(text)
		tp.Messages = append(tp.Messages, tm)
	}
	s.render(w, r, http.StatusOK, "thread", &page{Title: "Thread: " + tp.Subject, Data: tp})
}

var docIDRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// docByID finds the document with id (any case), answering 404 for a
// malformed or unknown id; ok is false when it has answered.
func (s *server) docByID(w http.ResponseWriter, r *http.Request, id string) (d *meta.Document, ok bool) {
	id = strings.ToLower(id)
	if !docIDRE.MatchString(id) {
		s.notFound(w, r, "A document id is 32 hexadecimal digits.")
		return nil, false
	}
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	d, err := s.store.Doc(ctx, id)
	if errors.Is(err, ErrNotFound) {
		s.notFound(w, r, "There is no document with this id.")
		return nil, false
	}
	if err != nil {
		s.internal(w, r, err)
		return nil, false
	}
	return d, true
}

// idRedirect sends a document id to the document's numbered page.
func (s *server) idRedirect(w http.ResponseWriter, r *http.Request) {
	if d, ok := s.docByID(w, r, r.PathValue("id")); ok {
		http.Redirect(w, r, fmt.Sprintf("/doc/%d", d.Num), http.StatusFound)
	}
}

// sha256Base64 re-encodes a hex SHA-256 in base64, for Repr-Digest.
func sha256Base64(hexSum string) string {
	b, err := hex.DecodeString(hexSum)
	if err != nil {
		return ""
	}
	return base64.StdEncoding.EncodeToString(b)
}
