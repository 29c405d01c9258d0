package web

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The public site's machine-readable indexes: the Atom feed of releases
// and withdrawals, and the sitemap of every published page.

// maxFeedEntries bounds the feed: the newest releases and withdrawals.
const maxFeedEntries = 200

// sitemapSize is the most URLs one sitemap file lists (the protocol's
// limit); beyond it /sitemap.xml is an index of /sitemaps/{k}.xml. A
// variable so tests can make it small.
var sitemapSize = 50000

// Atom 1.0 (RFC 4287).
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomPerson  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	ID        string     `xml:"id"`
	Title     string     `xml:"title"`
	Updated   string     `xml:"updated"`
	Published string     `xml:"published,omitempty"`
	Links     []atomLink `xml:"link"`
	Summary   string     `xml:"summary"`
	at        time.Time
}

func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// feed serves /releases.atom: one entry per published release and per
// withdrawal, newest first.
func (s *server) feed(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	rels, err := s.public.PublicReleases(ctx)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	ws, err := s.public.PublicWithdrawals(ctx, 0)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	f := atomFeed{ID: s.absURL(r, "/releases.atom"), Title: s.cfg.Name + ": releases",
		Links: []atomLink{{Rel: "self", Type: "application/atom+xml", Href: s.absURL(r, "/releases.atom")},
			{Rel: "alternate", Type: "text/html", Href: s.absURL(r, "/releases")}},
		Author: atomPerson{Name: s.cfg.Name}}
	var entries []atomEntry
	for _, rel := range rels {
		href := s.absURL(r, "/release/"+pathEscape(rel.Name))
		entries = append(entries, atomEntry{ID: href, Title: "Release " + rel.Name, Updated: atomTime(rel.PublishedAt),
			Published: atomTime(rel.PublishedAt), Links: []atomLink{{Rel: "alternate", Type: "text/html", Href: href}},
			Summary: fmt.Sprintf("%s published in release %s.", plural(rel.Documents, "document"), rel.Name), at: rel.PublishedAt})
	}
	for _, wd := range ws {
		href := s.absURL(r, fmt.Sprintf("/doc/%d", wd.Num))
		entries = append(entries, atomEntry{ID: fmt.Sprintf("%s#withdrawn-%d", href, wd.LogIndex),
			Title:   fmt.Sprintf("Document %d withdrawn from release %s", wd.Num, wd.Release),
			Updated: atomTime(wd.WithdrawnAt), Published: atomTime(wd.WithdrawnAt),
			Links: []atomLink{{Rel: "alternate", Type: "text/html", Href: href}},
			Summary: fmt.Sprintf("Document %d, published in release %s on %s, was withdrawn on %s: %s (log entry %d).", wd.Num,
				wd.Release, atomTime(wd.PublishedAt), atomTime(wd.WithdrawnAt), neutral(wd.Reason), wd.LogIndex), at: wd.WithdrawnAt})
	}
	slices.SortStableFunc(entries, func(a, b atomEntry) int { return b.at.Compare(a.at) })
	if len(entries) > maxFeedEntries {
		entries = entries[:maxFeedEntries]
	}
	f.Entries = entries
	f.Updated = atomTime(time.Unix(0, 0))
	if len(entries) > 0 {
		f.Updated = entries[0].Updated
	}
	writeXML(w, r, "application/atom+xml; charset=utf-8", f)
}

func writeXML(w http.ResponseWriter, r *http.Request, ctype string, v any) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", " ")
	if err := enc.Encode(v); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	buf.WriteByte('\n')
	writeText(w, r, ctype, buf.Bytes())
}

// Sitemaps (sitemaps.org protocol 0.9).
type urlSet struct {
	XMLName xml.Name     `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []sitemapURL `xml:"url"`
}

type sitemapURL struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

type sitemapIndex struct {
	XMLName  xml.Name     `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 sitemapindex"`
	Sitemaps []sitemapURL `xml:"sitemap"`
}

// sitemapPages are the pages the sitemap lists besides documents: home,
// releases and each release, the log, each collection.
func (s *server) sitemapPages(ctx context.Context, r *http.Request) ([]sitemapURL, time.Time, error) {
	rels, err := s.public.PublicReleases(ctx)
	if err != nil {
		return nil, time.Time{}, err
	}
	var latest time.Time
	for _, rel := range rels {
		if rel.PublishedAt.After(latest) {
			latest = rel.PublishedAt
		}
	}
	mod := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return atomTime(t)
	}
	out := []sitemapURL{{Loc: s.absURL(r, "/"), LastMod: mod(latest)}, {Loc: s.absURL(r, "/releases"), LastMod: mod(latest)}}
	if s.proofs != nil {
		out = append(out, sitemapURL{Loc: s.absURL(r, "/log")})
	}
	for _, rel := range rels {
		out = append(out, sitemapURL{Loc: s.absURL(r, "/release/"+pathEscape(rel.Name)), LastMod: mod(rel.PublishedAt)})
	}
	cols, err := s.store.Collections(ctx)
	if err != nil {
		return nil, time.Time{}, err
	}
	for _, c := range slices.Sorted(maps.Keys(cols)) {
		out = append(out, sitemapURL{Loc: s.absURL(r, "/collection/"+pathEscape(c))})
	}
	return out, latest, nil
}

// sitemapDocs lists the published documents' pages from offset.
func (s *server) sitemapDocs(ctx context.Context, r *http.Request, offset, limit int) ([]sitemapURL, int, error) {
	docs, total, err := s.public.PublicDocs(ctx, offset, limit)
	if err != nil {
		return nil, 0, err
	}
	out := make([]sitemapURL, 0, len(docs))
	for _, d := range docs {
		out = append(out, sitemapURL{Loc: s.absURL(r, "/doc/"+strconv.FormatInt(d.Num, 10)), LastMod: atomTime(d.PublishedAt)})
	}
	return out, total, nil
}

// sitemap serves /sitemap.xml: every published page, or, past
// sitemapSize URLs, an index of /sitemaps/0.xml (the pages other than
// documents), /sitemaps/1.xml... (the documents, sitemapSize each).
func (s *server) sitemap(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	pages, latest, err := s.sitemapPages(ctx, r)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	room := max(sitemapSize-len(pages), 0)
	docs, total, err := s.sitemapDocs(ctx, r, 0, room)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if len(pages)+total <= sitemapSize {
		writeXML(w, r, "application/xml; charset=utf-8", urlSet{URLs: append(pages, docs...)})
		return
	}
	idx := sitemapIndex{}
	mod := ""
	if !latest.IsZero() {
		mod = atomTime(latest)
	}
	for k := 0; k <= (total+sitemapSize-1)/sitemapSize; k++ {
		idx.Sitemaps = append(idx.Sitemaps, sitemapURL{Loc: s.absURL(r, fmt.Sprintf("/sitemaps/%d.xml", k)), LastMod: mod})
	}
	writeXML(w, r, "application/xml; charset=utf-8", idx)
}

// sitemapPart serves /sitemaps/{k}.xml of a sitemap index.
func (s *server) sitemapPart(w http.ResponseWriter, r *http.Request) {
	arg, ok := strings.CutSuffix(r.PathValue("file"), ".xml")
	k, err := strconv.Atoi(arg)
	if !ok || err != nil || k < 0 || strconv.Itoa(k) != arg {
		s.notFound(w, r, "")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	pages, _, err := s.sitemapPages(ctx, r)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if k == 0 {
		_, total, err := s.public.PublicDocs(ctx, 0, 0)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		if len(pages)+total <= sitemapSize {
			s.notFound(w, r, "") // one sitemap holds everything: no parts
			return
		}
		writeXML(w, r, "application/xml; charset=utf-8", urlSet{URLs: pages})
		return
	}
	docs, total, err := s.sitemapDocs(ctx, r, (k-1)*sitemapSize, sitemapSize)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if len(pages)+total <= sitemapSize || len(docs) == 0 {
		s.notFound(w, r, "")
		return
	}
	writeXML(w, r, "application/xml; charset=utf-8", urlSet{URLs: docs})
}
