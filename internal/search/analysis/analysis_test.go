package analysis

import (
	"strings"
	"testing"
)

func tokens(text string) []string {
	var out []string
	for _, t := range Tokenize(text, nil) {
		out = append(out, text[t.Start:t.End])
	}
	return out
}

func TestTokenize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"l'État et d’Artagnan", "État|et|Artagnan"},
		{"qu'il jusqu'ici lorsqu'elle puisqu'on", "il|ici|elle|on"},
		{"L'Oréal, Jean-Pierre!", "Oréal|Jean|Pierre"},
		{"Jeff.Skilling@Enron.com", "Jeff|Skilling|Enron|com"},
		{"don't it's l' seul", "don|t|it|s|l|seul"},
		{"aujourd'hui 2017-03-31", "aujourd|hui|2017|03|31"},
		{"", ""},
		{"  ...  ", ""},
		{"e\u0301te\u0301", "e\u0301te\u0301"},
	} {
		if got := strings.Join(tokens(tc.in), "|"); got != tc.want {
			t.Errorf("Tokenize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTokenOffsets(t *testing.T) {
	text := "Voir l’État — Société"
	toks := Tokenize(text, nil)
	if len(toks) != 3 || text[toks[1].Start:toks[1].End] != "État" || text[toks[2].Start:toks[2].End] != "Société" {
		t.Fatalf("offsets wrong: %v", toks)
	}
}

func TestFoldExact(t *testing.T) {
	for _, tc := range []struct{ in, fold, exact string }{
		{"Société", "societe", "société"},
		{"ŒUVRE", "oeuvre", "œuvre"},
		{"Straße", "strasse", "straße"},
		{"Æsir", "aesir", "æsir"},
		{"e\u0301te\u0301", "ete", "été"},
		{"ﬁnance", "finance", "ﬁnance"},
		{"ABC123", "abc123", "abc123"},
		{"Ελλάδα", "ελλαδα", "ελλάδα"},
	} {
		if got := Fold(tc.in); got != tc.fold {
			t.Errorf("Fold(%q) = %q, want %q", tc.in, got, tc.fold)
		}
		if got := Exact(tc.in); got != tc.exact {
			t.Errorf("Exact(%q) = %q, want %q", tc.in, got, tc.exact)
		}
	}
}

func TestIndex(t *testing.T) {
	stem, exact := Index("Les comptes de la Société Générale et l'État.", "")
	if exact != "les comptes de la société générale et état" {
		t.Errorf("exact = %q", exact)
	}
	want := "le compt de la societ general et etat"
	if stem != want {
		t.Errorf("stemmed = %q, want %q", stem, want)
	}
}

func TestStemmingMeetsQuery(t *testing.T) {
	a := NewAnalyzer()
	for _, tc := range []struct{ doc, query, lang string }{
		{"compte", "comptes", French},
		{"Société", "societe", French},
		{"sociétés", "société", French},
		{"accounts", "account", English},
		{"running", "run", English},
		{"l'État", "etat", French},
	} {
		docStem, _ := a.Index(tc.doc, tc.lang)
		ws := a.Words(tc.query)
		if len(ws) != 1 {
			t.Fatalf("Words(%q) = %v", tc.query, ws)
		}
		found := false
		for _, s := range ws[0].Stems() {
			found = found || s == docStem
		}
		if !found {
			t.Errorf("query %q stems %v miss document %q stem %q", tc.query, ws[0].Stems(), tc.doc, docStem)
		}
	}
}

func TestNames(t *testing.T) {
	if got := Names("Jeff Skilling <Jeff.Skilling@Enron.com>"); got != "jeff skilling jeff skilling enron com" {
		t.Errorf("Names = %q", got)
	}
	if got := Names("Contrat_Société-2017.PDF"); got != "contrat societe 2017 pdf" {
		t.Errorf("Names = %q", got)
	}
}

func TestDetect(t *testing.T) {
	if got := Detect("Le conseil d'administration de la société a décidé que les comptes sont faux."); got != French {
		t.Errorf("Detect(fr) = %q", got)
	}
	if got := Detect("The board of the company decided that the accounts were wrong."); got != English {
		t.Errorf("Detect(en) = %q", got)
	}
	if got := Detect("Enron 2001"); got != English {
		t.Errorf("Detect(none) = %q", got)
	}
}

func TestSnippet(t *testing.T) {
	var terms Terms
	for _, w := range Words("comptes societe") {
		terms.Add(w)
	}
	text := strings.Repeat("bla ", 100) + "Les  comptes\nde la Société sont faux. " + strings.Repeat("fin ", 100)
	ex := terms.Snippet(text, 60)
	if len(ex.Spans) != 2 {
		t.Fatalf("spans = %v in %q", ex.Spans, ex.Text)
	}
	if got := ex.Text[ex.Spans[0].Start:ex.Spans[0].End]; got != "comptes" {
		t.Errorf("span 0 = %q", got)
	}
	if got := ex.Text[ex.Spans[1].Start:ex.Spans[1].End]; got != "Société" {
		t.Errorf("span 1 = %q", got)
	}
	m := ex.Mark("«", "»")
	if !strings.Contains(m, "Les «comptes» de la «Société» sont") || !strings.HasPrefix(m, Ellipsis) || !strings.HasSuffix(m, Ellipsis) {
		t.Errorf("Mark = %q", m)
	}
	if len(ex.Text) > 60+2*len(Ellipsis) {
		t.Errorf("snippet too long: %d", len(ex.Text))
	}

	var exact Terms
	for _, w := range Words("Société") {
		exact.AddExact(w)
	}
	if got := exact.Spans("societe Société SOCIÉTÉ sociétés"); len(got) != 2 {
		t.Errorf("exact spans = %v", got)
	}
	var pre Terms
	pre.AddPrefix(Words("compt")[0])
	if got := pre.Snippet("Les comptables comptent.", 100).Mark("[", "]"); got != "Les [comptables] [comptent]." {
		t.Errorf("prefix Mark = %q", got)
	}
	var none Terms
	if got := none.Snippet("short text", 100); got.Text != "short text" || got.Spans != nil {
		t.Errorf("no-term snippet = %+v", got)
	}
}

var benchText = strings.Repeat("Le conseil d'administration de la Société Générale a examiné les comptes annuels de l'exercice 2017. "+
	"The board reviewed the quarterly accounts of Enron Corporation and its subsidiaries, including œuvres d’art. ", 500)

func BenchmarkIndex(b *testing.B) {
	a := NewAnalyzer()
	b.SetBytes(int64(len(benchText)))
	b.ReportAllocs()
	for b.Loop() {
		a.Index(benchText, "")
	}
}

func BenchmarkTokenize(b *testing.B) {
	var toks []Token
	b.SetBytes(int64(len(benchText)))
	b.ReportAllocs()
	for b.Loop() {
		toks = Tokenize(benchText, toks[:0])
	}
}
