package sqlfts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/newsroom/dossier/internal/search/query"
)

const docsDDL = `CREATE TABLE docs (
  num INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  parent_id TEXT,
  path TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL,
  collection TEXT NOT NULL,
  kind TEXT NOT NULL,
  mime TEXT NOT NULL,
  filename TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  message_id TEXT,
  thread_id TEXT,
  subject TEXT,
  sender TEXT,
  date INTEGER,
  has_attachments INTEGER NOT NULL DEFAULT 0,
  dkim TEXT,
  lang TEXT, author TEXT, editor TEXT, people TEXT, flags TEXT,
  ocr INTEGER NOT NULL DEFAULT 0, encrypted INTEGER NOT NULL DEFAULT 0,
  persons TEXT
);
CREATE TABLE dkim_domains (domain TEXT NOT NULL, num INTEGER NOT NULL, PRIMARY KEY (domain, num));
CREATE TABLE watch (id INTEGER PRIMARY KEY, name TEXT NOT NULL, keys TEXT NOT NULL);
CREATE TABLE mentions (entity INTEGER NOT NULL, num INTEGER NOT NULL, count INTEGER NOT NULL);
CREATE TABLE entities (kind TEXT NOT NULL, value TEXT NOT NULL, num INTEGER NOT NULL);`

// testDoc is a document for the test database.
type testDoc struct {
	collection, kind, mime, status string
	messageID, threadID            string
	sender                         string
	date                           string // YYYY-MM-DD or ""
	attachments                    bool
	dkim, dkimDomain               string // verdict and signing domain
	lang, author, people, flags    string // people: folded words with spaces around; flags: " rule "
	ocr, encrypted                 bool
	f                              Fields
}

func openDB(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", filepath.Join(t.TempDir(), "archive.db")+"?_journal_mode=WAL")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(docsDDL); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(Schema); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(Schema); err != nil {
		t.Fatalf("schema is not idempotent: %v", err)
	}
	return db
}

func insert(t testing.TB, tx *sql.Tx, d testDoc) int64 {
	t.Helper()
	if d.status == "" {
		d.status = "indexed"
	}
	if d.mime == "" {
		d.mime = map[string]string{"email": "message/rfc822", "pdf": "application/pdf", "image": "image/jpeg"}[d.kind]
	}
	var date any
	if d.date != "" {
		tm, err := time.Parse("2006-01-02", d.date)
		if err != nil {
			t.Fatal(err)
		}
		date = tm.Unix()
		d.f.Date = &tm // the index carries the date too (see Fields.Date)
	}
	null := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	var n int64
	err := tx.QueryRow(`SELECT count(*) FROM docs`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	res, err := tx.Exec(`INSERT INTO docs(id, path, sha256, size, collection, kind, mime, filename, status,
		message_id, thread_id, subject, sender, date, has_attachments, dkim, lang, author, people, flags, ocr, encrypted)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		fmt.Sprintf("id%d", n), "p", "h", 1, d.collection, d.kind, d.mime, d.f.Filename, d.status,
		null(d.messageID), null(d.threadID), d.f.Subject, d.sender, date, d.attachments, null(d.dkim),
		null(d.lang), null(d.author), null(d.people), null(d.flags), d.ocr, d.encrypted)
	if err != nil {
		t.Fatal(err)
	}
	num, _ := res.LastInsertId()
	if d.dkimDomain != "" {
		if _, err := tx.Exec(`INSERT INTO dkim_domains (domain, num) VALUES (?,?)`, d.dkimDomain, num); err != nil {
			t.Fatal(err)
		}
	}
	if d.status != "indexed" {
		return num // only indexed documents are in the index (see Put)
	}
	if err := Put(context.Background(), tx, num, d.f); err != nil {
		t.Fatal(err)
	}
	return num
}

// corpus is the test documents; doc i has num i+1.
var corpus = []testDoc{
	{ // 1
		collection: "panama", kind: "email", messageID: "m1@sg.fr", threadID: "t1", sender: "jean.dupont@sg.fr",
		date: "2017-02-10", attachments: true, dkim: "verified", dkimDomain: "sg.fr",
		f: Fields{Subject: "Comptes annuels", Body: "Le compte de la Société Générale est vérifié par l'État.",
			From: []string{"Jean Dupont <jean.dupont@sg.fr>"}, To: []string{"Marie Curie <marie@cnrs.fr>"}},
	},
	{ // 2
		collection: "panama", kind: "email", messageID: "m2@example.org", threadID: "t1", sender: "paul@example.org",
		date: "2017-03-15",
		f: Fields{Subject: "Sociétés générales", Body: "Les societes generales et les comptables de la banque.",
			From: []string{"paul@example.org"}, Cc: []string{"Jean Dupont <jean.dupont@sg.fr>"}},
	},
	{ // 3
		collection: "enron", kind: "email", messageID: "m3@enron.com", threadID: "t3", sender: "jeff.skilling@enron.com",
		date: "2001-08-14",
		f: Fields{Subject: "Quarterly accounts", Body: "The board reviewed the accounts of Enron. Jeff Skilling resigned.",
			From: []string{"Jeff Skilling <jeff.skilling@enron.com>"}, To: []string{"ken.lay@enron.com"},
			Bcc: []string{"andrew.fastow@enron.com"}},
	},
	{ // 4
		collection: "panama", kind: "pdf", lang: "fr", author: "Hélène Müller", people: " helene muller roshka ",
		flags: " editor-script incremental-update ", encrypted: true,
		f: Fields{Filename: "Rapport_annuel_2016.pdf", Body: "Rapport sur la fraude fiscale de la société écran."},
	},
	{ // 5
		collection: "enron", kind: "image", date: "2001-09-01", ocr: true, lang: "en",
		f: Fields{Filename: "photo.JPG"},
	},
	{ // 6: never returned
		collection: "panama", kind: "email", status: "duplicate", date: "2017-02-10", sender: "x@y.z",
		f: Fields{Subject: "Comptes", Body: "Société Générale compte fraude Skilling enron"},
	},
	{ // 7: never returned
		collection: "enron", kind: "pdf", status: "failed",
		f: Fields{Filename: "x.pdf", Body: "Société Générale compte fraude Skilling enron"},
	},
}

func fixture(t testing.TB) *sql.DB {
	t.Helper()
	db := openDB(t)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range corpus {
		if num := insert(t, tx, d); num != int64(i+1) {
			t.Fatalf("doc %d got num %d", i+1, num)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return db
}

func nums(res *Result) []int64 {
	out := []int64{}
	for _, h := range res.Hits {
		out = append(out, h.Num)
	}
	return out
}

func TestSearchHitSets(t *testing.T) {
	db := fixture(t)
	ctx := context.Background()
	for _, tc := range []struct {
		q    string
		want []int64
	}{
		// plain, folding, stemming, elision
		{`compte`, []int64{1}},
		{`comptes`, []int64{1}},
		{`COMPTES`, []int64{1}},
		{`societe`, []int64{1, 2, 4}},
		{`Société`, []int64{1, 2, 4}},
		{`etat`, []int64{1}},
		{`l'État`, []int64{1}},
		{`account`, []int64{3}},
		{`skilling`, []int64{3}},
		// exact mode
		{`exact:"Société Générale"`, []int64{1}},
		{`"Société Générale"`, []int64{1, 2}},
		{`exact:société`, []int64{1, 4}},
		{`exact:societe`, []int64{}},
		{`subject:exact:sociétés`, []int64{2}},
		// phrases and prefixes
		{`"comptes annuels"`, []int64{1}},
		{`"annuels comptes"`, []int64{}},
		{`compt*`, []int64{1, 2}},
		{`comptables*`, []int64{2}},
		{`rapport-fisc*`, []int64{}},
		{`fraude-fisc*`, []int64{4}},
		// boolean
		{`societe fraude`, []int64{4}},
		{`societe AND fraude`, []int64{4}},
		{`enron OR fraude`, []int64{3, 4}},
		{`societe NOT fraude`, []int64{1, 2}},
		{`societe -fraude`, []int64{1, 2}},
		{`-societe`, []int64{3, 5}},
		{`NOT societe`, []int64{3, 5}},
		{`+societe -comptes`, []int64{2, 4}},
		{`(enron OR fraude) AND rapport`, []int64{4}},
		{`societe -(fraude OR comptables)`, []int64{1}},
		{`banque OR (enron -skilling)`, []int64{2}},
		// fields
		{`from:skilling`, []int64{3}},
		{`from:jeff.skilling@enron.com`, []int64{3}},
		{`from:"Jean Dupont"`, []int64{1}},
		{`from:dupont`, []int64{1}},
		{`to:dupont`, []int64{2}},
		{`cc:dupont`, []int64{2}},
		{`to:lay`, []int64{3}},
		{`to:fastow`, []int64{3}},
		{`bcc:fastow`, []int64{3}},
		{`cc:fastow`, []int64{}},
		{`from:skil*`, []int64{3}},
		{`subject:comptes`, []int64{1}},
		{`body:comptes`, []int64{1}},
		{`subject:societe`, []int64{2}},
		{`body:societe`, []int64{1, 2, 4}},
		{`subject:(accounts OR annuels)`, []int64{1, 3}},
		{`filename:*.pdf`, []int64{4}},
		{`filename:*.jpg`, []int64{5}},
		{`filename:rapport`, []int64{4}},
		{`filename:rapport_annuel*`, []int64{4}},
		{`collection:enron`, []int64{3, 5}},
		{`type:pdf`, []int64{4}},
		{`type:application/pdf`, []int64{4}},
		{`type:image/*`, []int64{5}},
		{`type:email`, []int64{1, 2, 3}},
		{`mid:<m1@sg.fr>`, []int64{1}},
		{`message-id:m3@enron.com`, []int64{3}},
		{`thread:t1`, []int64{1, 2}},
		{`has:attachment`, []int64{1}},
		{`-has:attachment type:email`, []int64{2, 3}},
		{`dkim:verified`, []int64{1}},
		{`author:muller`, []int64{4}},
		{`author:"Hélène MÜLLER"`, []int64{4}},
		{`author:mull*`, []int64{4}},
		{`author:mull`, []int64{}},
		{`lang:fr`, []int64{4}},
		{`flag:editor-script`, []int64{4}},
		{`flag:editor`, []int64{}},
		{`has:flag`, []int64{4}},
		{`has:ocr`, []int64{5}},
		{`has:encrypted fraude`, []int64{4}},
		{`dkim:failed`, []int64{}},
		{`dkim.domain:sg.fr`, []int64{1}},
		{`dkim.domain:SG.FR.`, []int64{1}},
		{`type:email -dkim:verified`, []int64{2, 3}},
		{`comptes dkim:verified`, []int64{1}},
		// dates
		{`date:2017`, []int64{1, 2}},
		{`date:2017-03`, []int64{2}},
		{`date:2017-02-10`, []int64{1}},
		{`date:..2001-08`, []int64{3}},
		{`date:2001..`, []int64{1, 2, 3, 5}},
		{`date:2001-08-14..2001-09-01`, []int64{3, 5}},
		{`-date:2017`, []int64{3, 4, 5}},
		// mixed text and filters
		{`societe collection:panama date:2017`, []int64{1, 2}},
		{`fraude OR collection:enron`, []int64{3, 4, 5}},
		{`skilling OR date:2017`, []int64{1, 2, 3}},
		{`(skilling OR date:2017) -thread:t1`, []int64{3}},
		{`-collection:panama`, []int64{3, 5}},
		{`societe -collection:panama`, []int64{}},
		{`societe OR -collection:panama`, []int64{1, 2, 3, 4, 5}},
		// hostile input stays literal
		{`NEAR(compte societe)`, []int64{}},
		{`"compte*" "; DROP TABLE docs; --"`, []int64{}},
		{`{xbody}:compte`, []int64{}},
		{`societe "^"`, []int64{1, 2, 4}},
	} {
		res, err := Search(ctx, db, Request{Query: tc.q, Limit: 100, Sort: SortDate})
		if err != nil {
			t.Errorf("%s: %v", tc.q, err)
			continue
		}
		got := nums(res)
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.q, got, tc.want)
		}
		if res.Total != len(tc.want) {
			t.Errorf("%s: total %d, want %d", tc.q, res.Total, len(tc.want))
		}
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM docs`).Scan(&n); err != nil || n != len(corpus) {
		t.Fatalf("docs table damaged: %d, %v", n, err)
	}
}

func TestSearchErrors(t *testing.T) {
	db := fixture(t)
	ctx := context.Background()
	_, err := Search(ctx, db, Request{Query: `compte "societe`})
	var se *query.SyntaxError
	if !errors.As(err, &se) || se.Column != 8 || !strings.Contains(err.Error(), "at column 8: unclosed quote") {
		t.Errorf("unclosed quote: %v", err)
	}
	_, err = Search(ctx, db, Request{Query: `(compte`})
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "unbalanced parenthesis") {
		t.Errorf("paren: %v", err)
	}
	_, err = Search(ctx, db, Request{Query: `auteur:hugo`})
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "unknown field") {
		t.Errorf("field: %v", err)
	}
	if _, err = Search(ctx, db, Request{Query: "  "}); !errors.Is(err, query.ErrEmpty) {
		t.Errorf("empty: %v", err)
	}
	if _, err = Search(ctx, db, Request{Query: "!!! ..."}); err == nil || !strings.Contains(err.Error(), "no searchable words") {
		t.Errorf("no words: %v", err)
	}
	if _, err = Search(ctx, db, Request{Query: "compte", Sort: "size"}); err == nil {
		t.Errorf("bad sort accepted")
	}
}

func TestSearchFacets(t *testing.T) {
	db := fixture(t)
	res, err := Search(context.Background(), db, Request{Query: "collection:panama OR skilling", Facets: true, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 4 || len(res.Hits) != 1 {
		t.Fatalf("total %d, hits %d", res.Total, len(res.Hits))
	}
	want := map[string][]FacetCount{
		FacetCollection:    {{"panama", 3}, {"enron", 1}},
		FacetType:          {{"email", 3}, {"pdf", 1}},
		FacetSender:        {{"jean.dupont@sg.fr", 1}, {"jeff.skilling@enron.com", 1}, {"paul@example.org", 1}},
		FacetMonth:         {{"2001-08", 1}, {"2017-02", 1}, {"2017-03", 1}},
		FacetHasAttachment: {{"no", 3}, {"yes", 1}},
		FacetDKIM:          {{"verified", 1}},
		FacetLang:          {{"fr", 1}},
		FacetAuthor:        {{"Hélène Müller", 1}},
		FacetFlag:          {{"editor-script", 1}, {"incremental-update", 1}},
		FacetOCR:           {},
		FacetEncrypted:     {{"yes", 1}},
		FacetPerson:        {},
	}
	if !reflect.DeepEqual(res.Facets, want) {
		t.Errorf("facets:\n got %v\nwant %v", res.Facets, want)
	}
	res, err = Search(context.Background(), db, Request{Query: "societe", Facets: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 3 || !reflect.DeepEqual(res.Facets[FacetCollection], []FacetCount{{"panama", 3}}) {
		t.Errorf("text facets: total %d, %v", res.Total, res.Facets)
	}
}

func TestSearchSortAndPages(t *testing.T) {
	db := fixture(t)
	ctx := context.Background()
	res, err := Search(ctx, db, Request{Query: "date:2001..", Limit: 2, Offset: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := nums(res); !slices.Equal(got, []int64{1, 5}) || res.Total != 4 || res.Sort != SortDate {
		t.Errorf("filter page: %v total %d sort %s", got, res.Total, res.Sort)
	}
	res, err = Search(ctx, db, Request{Query: "societe", Sort: SortDate})
	if err != nil {
		t.Fatal(err)
	}
	if got := nums(res); !slices.Equal(got, []int64{2, 1, 4}) {
		t.Errorf("date sort: %v", got)
	}
	// Relevance: the subject match weighs more than a body match.
	res, err = Search(ctx, db, Request{Query: "comptes OR comptables"})
	if err != nil {
		t.Fatal(err)
	}
	if got := nums(res); len(got) != 2 || res.Sort != SortRelevance || res.Hits[0].Score < res.Hits[1].Score {
		t.Errorf("relevance: %v %+v", got, res.Hits)
	}
	var all []int64
	for off := 0; ; off += 2 {
		res, err := Search(ctx, db, Request{Query: "societe OR enron OR photo", Limit: 2, Offset: off})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) == 0 {
			break
		}
		all = append(all, nums(res)...)
	}
	slices.Sort(all)
	if !slices.Equal(all, []int64{1, 2, 3, 4, 5}) {
		t.Errorf("pages: %v", all)
	}
}

func TestHighlightFromResult(t *testing.T) {
	db := fixture(t)
	res, err := Search(context.Background(), db, Request{Query: `comptes etat -fraude exact:Générale`})
	if err != nil {
		t.Fatal(err)
	}
	got := res.Terms.Snippet(corpus[0].f.Body, 200).Mark("«", "»")
	want := "Le «compte» de la Société «Générale» est vérifié par l'«État»."
	if got != want {
		t.Errorf("snippet:\n got %s\nwant %s", got, want)
	}
}

func TestReplaceAndDelete(t *testing.T) {
	db := fixture(t)
	ctx := context.Background()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if err := Put(ctx, tx, 3, Fields{Body: "Nouveau texte sur la banque", Lang: "fr"}); err != nil {
		t.Fatal(err)
	}
	if err := Delete(ctx, tx, 4); err != nil {
		t.Fatal(err)
	}
	if err := Delete(ctx, tx, 99); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string][]int64{"skilling": {}, "banque": {2, 3}, "fraude": {}, "societe": {1, 2}} {
		res, err := Search(ctx, db, Request{Query: q})
		if err != nil {
			t.Fatal(err)
		}
		got := nums(res)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s after replace: %v, want %v", q, got, want)
		}
	}
}

func TestRankWindow(t *testing.T) {
	db := openDB(t)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 200; i++ {
		body := "alpha report"
		if i%2 == 0 {
			body = "alpha alpha alpha report" // scores higher
		}
		insert(t, tx, testDoc{collection: "c", kind: "email", f: Fields{Body: body, Lang: "en"}})
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	defer func(w int) { rankWindow = w }(rankWindow)
	rankWindow = 40
	ctx := context.Background()
	res, err := Search(ctx, db, Request{Query: "alpha", Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 200 {
		t.Errorf("total %d, want the exact 200", res.Total)
	}
	if res.Ranked < 30 || res.Ranked > 50 {
		t.Errorf("ranked among %d, want about 40", res.Ranked)
	}
	for _, h := range res.Hits {
		if h.Num <= 200-int64(res.Ranked)-1 || h.Num%2 == 0 {
			t.Errorf("hit %d: want one of the latest, best-scoring documents (odd numbers hold alpha thrice)", h.Num)
		}
	}
	// Deep pages are ranked over every match.
	res, err = Search(ctx, db, Request{Query: "alpha", Limit: 5, Offset: 30})
	if err != nil {
		t.Fatal(err)
	}
	if res.Ranked != 0 || len(res.Hits) != 5 {
		t.Errorf("deep page: ranked %d, %d hits", res.Ranked, len(res.Hits))
	}
	// Small result sets are ranked whole.
	rankWindow = 1000
	if res, err = Search(ctx, db, Request{Query: "alpha", Limit: 5}); err != nil || res.Ranked != 0 {
		t.Errorf("small result set: ranked %d, %v", res.Ranked, err)
	}
}

func TestDateRangeWithTextIsOneFTSQuery(t *testing.T) {
	for q, want := range map[string]bool{
		"societe date:2017":                  true,
		"date:2017-03-15..2017-05-02 banque": true,
		"date:2017":                          false, // no text: a filter on docs, in date order
		"societe date:2017..":                false, // open range: a filter
		"societe date:1900..2099":            false, // too many tokens: a filter
	} {
		n, err := query.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		c, _, err := compile(n)
		if err != nil {
			t.Fatal(err)
		}
		if c.pureMatch() != want {
			t.Errorf("%q compiles to match %q where %q; want pure FTS5 %v", q, c.match, c.where, want)
		}
	}
	if got := dateMatch(time.Date(2016, 12, 30, 0, 0, 0, 0, time.UTC), time.Date(2018, 2, 2, 0, 0, 0, 0, time.UTC)); got != "{dates}: (d20161230 OR d20161231 OR y2017 OR m201801 OR d20180201)" {
		t.Errorf("date tokens: %s", got)
	}
}

// person:, email:, phone: and iban: read what people analysis recorded
// (watch, mentions, entities; docs.persons for the facet).
func TestPeopleFields(t *testing.T) {
	db := fixture(t)
	ctx := context.Background()
	for _, q := range []string{
		`INSERT INTO watch (id, name, keys) VALUES (7, 'Jean Dupont', '| jean dupont | jd |'), (8, 'Marie Curie', '| marie curie |')`,
		`INSERT INTO mentions (entity, num, count) VALUES (7, 1, 2), (8, 1, 1), (7, 2, 0), (8, 3, 1)`,
		`UPDATE docs SET persons = ' 7 8 ' WHERE num = 1`,
		`UPDATE docs SET persons = ' 8 ' WHERE num = 3`,
		`INSERT INTO entities (kind, value, num) VALUES ('email', 'jean.dupont@sg.fr', 1), ('phone', '+33142928100', 2),
			('iban', 'FR1420041010050500013M02606', 3)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	for q, want := range map[string][]int64{
		`person:"Jean Dupont"`:                     {1}, // doc 2 has only excluded occurrences (count 0)
		`person:"JEAN   DUPONT"`:                   {1},
		`person:JD`:                                {1},
		`person:"Marie Curie"`:                     {1, 3},
		`person:"Marie Curie" collection:enron`:    {3},
		`person:nobody`:                            nil,
		`email:Jean.Dupont@SG.fr`:                  {1},
		`phone:"01 42 92 81 00"`:                   {2},
		`phone:+33142928100`:                       {2},
		`iban:"FR14 2004 1010 0505 0001 3M02 606"`: {3},
	} {
		got, err := Numbers(ctx, db, q, nil)
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %v, want %v", q, got, want)
		}
	}
	if _, err := Numbers(ctx, db, `phone:12`, nil); err == nil {
		t.Errorf("an invalid phone number was accepted")
	}
	res, err := Search(ctx, db, Request{Query: `person:"marie curie" OR person:jd`, Facets: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := []FacetCount{{"Marie Curie", 2}, {"Jean Dupont", 1}}; !reflect.DeepEqual(res.Facets[FacetPerson], want) {
		t.Errorf("person facet: %v, want %v", res.Facets[FacetPerson], want)
	}
}
