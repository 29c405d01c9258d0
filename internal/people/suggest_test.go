package people

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
)

func TestCandidateNames(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"Hier Bernard Cazeneuve a parlé.", []string{"Bernard Cazeneuve"}},
		{"Selon Marine LE PEN, rien.", []string{"Marine LE PEN"}},
		{"LE PEN Marine", []string{"LE PEN Marine"}},
		{"Charles de Gaulle et Valéry Giscard d'Estaing", []string{"Charles de Gaulle", "Valéry Giscard d'Estaing"}},
		{"Jean-Luc Mélenchon", []string{"Jean-Luc Mélenchon"}},
		{"Le président Emmanuel Macron's speech", []string{"Emmanuel Macron"}},
		{"John F. Kennedy", []string{"John F. Kennedy"}},
		{"Ludwig van Beethoven", []string{"Ludwig van Beethoven"}},
		// Not names.
		{"BREAKING NEWS TODAY", nil},
		{"Lundi Janvier", nil},
		{"Monsieur Fillon", nil},
		{"The Quick Brown Fox Jumps High", nil},
		{"Selon Le Pen, non", nil},
		{"Emmanuel\nMacron", nil},
		{"Emmanuel, Macron", nil},
		{"de Gaulle", nil},
		{"Marine Le", nil},
		{"Bonjour Marc,\nCordialement Paul", nil},
	} {
		var got []string
		candidateNames(tc.text, func(start, end int) { got = append(got, tc.text[start:end]) })
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestSuggester(t *testing.T) {
	_, known := exampleMatcher(t)
	s := NewSuggester(SuggesterOptions{})
	docs := []string{
		"Hier Bernard Cazeneuve a rencontré Marine Le Pen. Bernard Cazeneuve a dit non.",
		"Bernard CAZENEUVE et Jean-Marie Le Pen, puis Brigitte Macron.",
		"Réunion avec Bernard Cazeneuve et Emmanuel Macron. Jean-Marie Le Pen absent.",
		"Lettre signée Brigitte Macron. Un certain Paul Dupont une seule fois.",
	}
	var wg sync.WaitGroup
	for i, d := range docs {
		wg.Go(func() { s.Add(int64(i+1), d) })
	}
	wg.Wait()
	got := s.Top(2, 0, known)
	var summary []string
	for _, sg := range got {
		summary = append(summary, fmt.Sprintf("%s/%s/%d/%d", sg.Name, sg.Folded, sg.Docs, sg.Mentions))
		if len(sg.Examples) == 0 || len(sg.Examples) > 3 {
			t.Errorf("%s: %d examples", sg.Name, len(sg.Examples))
		}
	}
	want := []string{
		"Bernard Cazeneuve/bernard cazeneuve/3/4",
		"Brigitte Macron/brigitte macron/2/2",     // contains a known name: kept
		"Jean-Marie Le Pen/jean marie le pen/2/2", // excluded by the watchlist: kept
	}
	if !reflect.DeepEqual(summary, want) {
		t.Errorf("Top = %q\nwant %q", summary, want)
	}
	if got := s.Top(1, 2, nil); len(got) != 2 || got[0].Name != "Bernard Cazeneuve" {
		t.Errorf("Top(1, 2, nil) = %+v", got)
	}
	// Known names are left out; without the matcher they are there.
	all := s.Top(1, 0, nil)
	names := map[string]bool{}
	for _, sg := range all {
		names[sg.Name] = true
	}
	if !names["Marine Le Pen"] || !names["Emmanuel Macron"] || !names["Paul Dupont"] {
		t.Errorf("Top(1, 0, nil) = %v", names)
	}
	ex := got[0].Examples[0]
	if ex.Doc < 1 || ex.Doc > 4 || ex.Context == "" {
		t.Errorf("example %+v", ex)
	}
}

func TestSuggesterBounded(t *testing.T) {
	s := NewSuggester(SuggesterOptions{MaxCandidates: 100})
	for i := range 5000 {
		s.Add(int64(i), fmt.Sprintf("Paul Dupont rencontre Jean %s.", name(i)))
		if n := len(s.cands); n > 100 {
			t.Fatalf("%d candidates after %d documents", n, i+1)
		}
	}
	top := s.Top(1000, 0, nil)
	if len(top) != 1 || top[0].Name != "Paul Dupont" || top[0].Docs < 4900 {
		t.Errorf("Top = %+v", top)
	}
}

// name returns a distinct capitalised word for i.
func name(i int) string {
	b := []byte{'A' + byte(i%26)}
	for i /= 26; i > 0; i /= 26 {
		b = append(b, 'a'+byte(i%26))
	}
	return string(b) + "ville"
}

func BenchmarkSuggesterAdd(b *testing.B) {
	text := synthText(synthWatchlist(1000, 1), 1<<20, 5)
	b.SetBytes(int64(len(text)))
	s := NewSuggester(SuggesterOptions{})
	for i := 0; b.Loop(); i++ {
		s.Add(int64(i), text)
	}
}
