package people

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"testing"
)

const (
	lePen = iota
	fillon
	macron
	hamon
	melenchon
)

// exampleMatcher compiles the example watchlist with an address and a
// phone added for Marine Le Pen.
func exampleMatcher(t testing.TB) (*Watchlist, *Matcher) {
	w := loadExample(t)
	w.Entities[lePen].Emails = []string{"m.lepen@example.fr"}
	w.Entities[lePen].Phones = []string{"+33 6 12 34 56 78"}
	if err := w.Validate(); err != nil {
		t.Fatal(err)
	}
	return w, Compile(w)
}

// seen is a mention as a test expects it.
type seen struct {
	entity int
	via    Via
	alias  string
	text   string // text[Start:End]
}

func TestMatchVariants(t *testing.T) {
	_, m := exampleMatcher(t)
	type ex struct {
		entity              int
		alias, text, phrase string
	}
	for _, tc := range []struct {
		text     string
		want     []seen
		excluded []ex
	}{
		{text: "Marine Le Pen", want: []seen{{lePen, ViaName, "Marine Le Pen", "Marine Le Pen"}}},
		{text: "MARINE LE PEN!", want: []seen{{lePen, ViaName, "Marine Le Pen", "MARINE LE PEN"}}},
		{text: "selon marine le pen,", want: []seen{{lePen, ViaName, "Marine Le Pen", "marine le pen"}}},
		{text: "Marine\nLe   Pen", want: []seen{{lePen, ViaName, "Marine Le Pen", "Marine\nLe   Pen"}}},
		{text: "Marine\r\n> Le Pen", want: []seen{{lePen, ViaName, "Marine Le Pen", "Marine\r\n> Le Pen"}}},
		{text: "Marine\u00a0Le\u202fPen", want: []seen{{lePen, ViaName, "Marine Le Pen", "Marine\u00a0Le\u202fPen"}}},
		{text: "Le Pen, Marine", want: []seen{{lePen, ViaName, "Le Pen", "Le Pen"}}},
		{text: "Marine. Le Pen", want: []seen{{lePen, ViaName, "Le Pen", "Le Pen"}}},
		{text: "Marine > Le Pen", want: []seen{{lePen, ViaName, "Le Pen", "Le Pen"}}},
		{text: "MLP a dit", want: []seen{{lePen, ViaName, "MLP", "MLP"}}},
		{text: "Lepen, Lepenniste, le Penseur, les MLPs, MLP2, lepen.fr"},
		{text: "Macronie, macronistes, Macron-compatible", want: []seen{{macron, ViaName, "Macron", "Macron"}}},
		{text: "Jean-Marie Le Pen", excluded: []ex{{lePen, "Le Pen", "Le Pen", "Jean-Marie Le Pen"}}},
		{text: "JEAN MARIE\nLE PEN", excluded: []ex{{lePen, "Le Pen", "LE PEN", "JEAN MARIE\nLE PEN"}}},
		{text: "Marion Maréchal-Le Pen et Marion Marechal Le Pen", excluded: []ex{
			{lePen, "Le Pen", "Le Pen", "Marion Maréchal-Le Pen"},
			{lePen, "Le Pen", "Le Pen", "Marion Marechal Le Pen"},
		}},
		{text: "Brigitte Macron", excluded: []ex{{macron, "Macron", "Macron", "Brigitte Macron"}}},
		{text: "Penelope Fillon, François Fillon", want: []seen{{fillon, ViaName, "François Fillon", "François Fillon"}},
			excluded: []ex{{fillon, "Fillon", "Fillon", "Penelope Fillon"}}},
		{text: "Benoit Hamon", want: []seen{{hamon, ViaName, "Benoît Hamon", "Benoit Hamon"}}},
		{text: "BENOÎT HAMON", want: []seen{{hamon, ViaName, "Benoît Hamon", "BENOÎT HAMON"}}},
		{text: "Melenchon", want: []seen{{melenchon, ViaName, "Mélenchon", "Melenchon"}}},
		{text: "Jean Luc Mélenchon", want: []seen{{melenchon, ViaName, "Jean-Luc Mélenchon", "Jean Luc Mélenchon"}}},
		{text: "Jean-Luc\nMe\u0301lenchon", want: []seen{{melenchon, ViaName, "Jean-Luc Mélenchon", "Jean-Luc\nMe\u0301lenchon"}}},
		{text: "d'Emmanuel Macron", want: []seen{{macron, ViaName, "Emmanuel Macron", "Emmanuel Macron"}}},
		{text: "d’Emmanuel Macron et l’Élysée", want: []seen{{macron, ViaName, "Emmanuel Macron", "Emmanuel Macron"}}},
		{text: "E. Macron, E Macron", want: []seen{
			{macron, ViaName, "E. Macron", "E. Macron"},
			{macron, ViaName, "E. Macron", "E Macron"},
		}},
		{text: "F. Fillon", want: []seen{{fillon, ViaName, "F. Fillon", "F. Fillon"}}},
		{text: "Emmanuel Macron, Marine Le Pen et François Fillon", want: []seen{
			{macron, ViaName, "Emmanuel Macron", "Emmanuel Macron"},
			{lePen, ViaName, "Marine Le Pen", "Marine Le Pen"},
			{fillon, ViaName, "François Fillon", "François Fillon"},
		}},
		{text: "écrire à M.LePen@Example.FR ou mlp@fn.fr", want: []seen{{lePen, ViaEmail, "m.lepen@example.fr", "M.LePen@Example.FR"}}},
		{text: "xm.lepen@example.fr m.lepen@example.fra"},
		{text: "tél. 06.12.34.56.78", want: []seen{{lePen, ViaPhone, "+33612345678", "06.12.34.56.78"}}},
		{text: "FR76 3000 6000 0106 1234 5678 190"},
	} {
		t.Run(tc.text, func(t *testing.T) {
			r := m.Match(tc.text)
			var got []seen
			for _, x := range r.Mentions {
				got = append(got, seen{x.Entity, x.Via, x.Alias, tc.text[x.Start:x.End]})
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("mentions = %+v\nwant %+v", got, tc.want)
			}
			var gotEx []ex
			for _, x := range r.Excluded {
				gotEx = append(gotEx, ex{x.Entity, x.Alias, tc.text[x.Start:x.End], tc.text[x.PhraseStart:x.PhraseEnd]})
			}
			if !reflect.DeepEqual(gotEx, tc.excluded) {
				t.Errorf("excluded = %+v\nwant %+v", gotEx, tc.excluded)
			}
		})
	}
}

// TestMatchCounts builds a document from fragments in random order and
// checks the exact count of every entity.
func TestMatchCounts(t *testing.T) {
	_, m := exampleMatcher(t)
	type frag struct {
		text              string
		entity            int // -1: none
		mentions, exclude int
	}
	frags := []frag{
		{"Marine Le Pen", lePen, 1, 0},
		{"MARINE LE PEN", lePen, 1, 0},
		{"marine\nle pen", lePen, 1, 0},
		{"Le Pen", lePen, 1, 0},
		{"MLP", lePen, 1, 0},
		{"Jean-Marie Le Pen", lePen, 0, 1},
		{"Marion Maréchal-Le Pen", lePen, 0, 1},
		{"Marion Le Pen", lePen, 0, 1},
		{"Marine Le Pen <m.lepen@example.fr>", lePen, 2, 0},
		{"m.lepen@example.fr", lePen, 1, 0},
		{"Lepenniste", -1, 0, 0},
		{"Le Penseur", -1, 0, 0},
		{"François Fillon", fillon, 1, 0},
		{"FRANCOIS FILLON", fillon, 1, 0},
		{"Fillon", fillon, 1, 0},
		{"Pénélope Fillon", fillon, 0, 1},
		{"Penelope\nFillon", fillon, 0, 1},
		{"Emmanuel Macron", macron, 1, 0},
		{"d’Emmanuel Macron", macron, 1, 0},
		{"d'Emmanuel\nMacron", macron, 1, 0},
		{"Macron", macron, 1, 0},
		{"Macronie", -1, 0, 0},
		{"Brigitte Macron", macron, 0, 1},
		{"Benoit Hamon", hamon, 1, 0},
		{"B. Hamon", hamon, 1, 0},
		{"hamon", hamon, 1, 0},
		{"Hamonville", -1, 0, 0},
		{"Jean-Luc Melenchon", melenchon, 1, 0},
		{"MÉLENCHON", melenchon, 1, 0},
		{"JLM", melenchon, 1, 0},
		{"Mélenchonistes", -1, 0, 0},
		{"rien à signaler", -1, 0, 0},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	seps := []string{"; ", " ; ", ",\n", ", ", " (", ") ", " : ", " — ", "!\n\n"}
	wantM, wantX := map[int]int{}, map[int]int{}
	var b strings.Builder
	for range 2000 {
		f := frags[rng.IntN(len(frags))]
		b.WriteString(f.text)
		b.WriteString(seps[rng.IntN(len(seps))])
		if f.entity >= 0 {
			wantM[f.entity] += f.mentions
			wantX[f.entity] += f.exclude
		}
	}
	text := b.String()
	r := m.Match(text)
	gotM, gotX := map[int]int{}, map[int]int{}
	for _, tl := range r.Tally() {
		gotM[tl.Entity], gotX[tl.Entity] = tl.Mentions, tl.Excluded
	}
	for e := range 5 {
		if gotM[e] != wantM[e] || gotX[e] != wantX[e] {
			t.Errorf("entity %d: %d mentions, %d excluded; want %d, %d", e, gotM[e], gotX[e], wantM[e], wantX[e])
		}
	}
	for _, x := range r.Mentions {
		if x.Via == ViaName && Fold(text[x.Start:x.End]) != Fold(x.Alias) {
			t.Errorf("mention %q of alias %q", text[x.Start:x.End], x.Alias)
		}
	}
}

func TestMatchOverlaps(t *testing.T) {
	w := &Watchlist{Entities: []Entity{
		{Name: "Jean Marie"},
		{Name: "Marie Curie"},
		{Name: "Marine Le Pen", Aliases: []string{"Le Pen"}},
		{Name: "Jean-Marie Le Pen", Aliases: []string{"Le Pen"}},
		{Name: "Pen"},
	}}
	if err := w.Validate(); err != nil {
		t.Fatal(err)
	}
	m := Compile(w)
	for _, tc := range []struct {
		text string
		want []string // entity:text
	}{
		// Overlapping, not nested: both.
		{"Jean Marie Curie", []string{"0:Jean Marie", "1:Marie Curie"}},
		// Nested: the longest only.
		{"Marine Le Pen", []string{"2:Marine Le Pen"}},
		// Shared alias: once per entity; nested "Pen" dropped.
		{"Le Pen", []string{"2:Le Pen", "3:Le Pen"}},
		// Jean-Marie Le Pen wins over nested names of entity 0 and 2/3.
		{"Jean-Marie Le Pen", []string{"3:Jean-Marie Le Pen"}},
		{"Pen", []string{"4:Pen"}},
	} {
		var got []string
		for _, x := range m.Find(tc.text) {
			got = append(got, fmt.Sprintf("%d:%s", x.Entity, tc.text[x.Start:x.End]))
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %q, want %q", tc.text, got, tc.want)
		}
	}
}

// TestExcludeOtherEntity checks that a shared alias excluded for one
// entity still counts for the other, and that the longest name wins over
// a shorter excluded one.
func TestExcludeOtherEntity(t *testing.T) {
	w := &Watchlist{Entities: []Entity{
		{Name: "Marine Le Pen", Aliases: []string{"Le Pen"}, Exclude: []string{"Jean-Marie Le Pen"}},
		{Name: "Le Pen family", Aliases: []string{"Le Pen"}},
	}}
	if err := w.Validate(); err != nil {
		t.Fatal(err)
	}
	r := Compile(w).Match("Jean-Marie Le Pen")
	if len(r.Mentions) != 1 || r.Mentions[0].Entity != 1 || len(r.Excluded) != 1 || r.Excluded[0].Entity != 0 {
		t.Errorf("got %+v", r)
	}
}

func TestFindAddresses(t *testing.T) {
	_, m := exampleMatcher(t)
	values := []string{
		"Marine Le Pen <m.lepen@example.fr>",
		"m.lepen@example.fr",
		`"Le Pen, Marine" <other@example.fr>, "Fillon, François" <ff@example.fr>`,
		"Lepenniste <lepenniste@example.fr>",
		"=?utf-8?q?Beno=C3=AEt_Hamon?= <bh@example.fr>",
		"Benoît Hamon <bh@example.fr>",
	}
	var got []string
	for _, x := range m.FindAddresses(values) {
		got = append(got, fmt.Sprintf("%d:%d:%s:%s", x.Value, x.Entity, x.Via, values[x.Value][x.Start:x.End]))
	}
	want := []string{
		"0:0:name:Marine Le Pen",
		"0:0:email:m.lepen@example.fr",
		"1:0:email:m.lepen@example.fr",
		"2:0:name:Le Pen, Marine",
		"2:1:name:Fillon, François",
		"4:3:name:Hamon", // not decoded: only the alias shows through
		"5:3:name:Benoît Hamon",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestMatchEmpty(t *testing.T) {
	if got := Compile(nil).Find("Marine Le Pen"); len(got) != 0 {
		t.Errorf("nil watchlist: %v", got)
	}
	_, m := exampleMatcher(t)
	for _, s := range []string{"", " ", "@", "@@@", "\xff", strings.Repeat("Le ", 1000)} {
		if got := m.Find(s); len(got) != 0 {
			t.Errorf("Find(%.20q) = %v", s, got)
		}
	}
	// A long run of known words.
	text := strings.Repeat("Le Pen ", 10000)
	if got := len(m.Find(text)); got != 10000 {
		t.Errorf("repeated Le Pen: %d mentions", got)
	}
}

func TestMatchConcurrent(t *testing.T) {
	_, m := exampleMatcher(t)
	texts := []string{"Marine Le Pen et Jean-Marie Le Pen", "Emmanuel Macron <x@example.fr>", "Benoît Hamon, 06 12 34 56 78"}
	want := make([][]Mention, len(texts))
	for i, s := range texts {
		want[i] = m.Find(s)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for k := range 200 {
				i := (g + k) % len(texts)
				if got := m.Find(texts[i]); !reflect.DeepEqual(got, want[i]) {
					t.Errorf("concurrent Find(%q) = %v, want %v", texts[i], got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
}

// synthWatchlist returns n entities with distinct synthetic names.
func synthWatchlist(n int, seed uint64) *Watchlist {
	first := []string{"Jean", "Marie", "Pierre", "Sophie", "Luc", "Anne", "Paul", "Claire", "Marc", "Julie",
		"Louis", "Emma", "Hugo", "Léa", "Thomas", "Camille", "Nicolas", "Chloé", "Antoine", "Manon",
		"John", "Mary", "James", "Linda", "Robert", "Susan", "Michael", "Karen", "David", "Nancy"}
	last := []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
		"Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
		"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor"}
	rng := rand.New(rand.NewPCG(seed, seed+1))
	w := &Watchlist{}
	seen := map[string]bool{}
	for len(w.Entities) < n {
		name := first[rng.IntN(len(first))] + " " + last[rng.IntN(len(last))] + "-" + last[rng.IntN(len(last))]
		if rng.IntN(3) == 0 {
			name = first[rng.IntN(len(first))] + "-" + name
		}
		if seen[Fold(name)] {
			continue
		}
		seen[Fold(name)] = true
		w.Entities = append(w.Entities, Entity{Name: name})
	}
	return w
}

// synthText returns about size bytes of English-like text that mentions
// some of w's entities.
func synthText(w *Watchlist, size int, seed uint64) string {
	words := strings.Fields(`the of and to in a is that for it as was with be by on not he this are or his from at which
		but have an they you were her she there been one all we their has would when if so no will more can said who
		about up out them into some could time two may then do first any like now than my other these its also over
		report minister meeting documents election campaign payment account transfer bank Paris London Martin David
		Thomas Simon Marie John Smith`)
	rng := rand.New(rand.NewPCG(seed, seed*7+3))
	var b strings.Builder
	b.Grow(size + 100)
	for b.Len() < size {
		if rng.IntN(200) == 0 {
			b.WriteString(w.Entities[rng.IntN(len(w.Entities))].Name)
		} else {
			b.WriteString(words[rng.IntN(len(words))])
		}
		switch rng.IntN(12) {
		case 0:
			b.WriteString(". ")
		case 1:
			b.WriteString(",\n")
		default:
			b.WriteByte(' ')
		}
	}
	return b.String()
}

func TestSynthetic(t *testing.T) {
	w := synthWatchlist(2000, 7)
	m := Compile(w)
	text := synthText(w, 1<<20, 9)
	ms := m.Find(text)
	if len(ms) == 0 {
		t.Fatal("no mentions in the synthetic text")
	}
	for _, x := range ms {
		if Fold(text[x.Start:x.End]) != Fold(w.Entities[x.Entity].Name) {
			t.Fatalf("mention %q of %q", text[x.Start:x.End], w.Entities[x.Entity].Name)
		}
	}
}

func BenchmarkMatch10k(b *testing.B) {
	w := synthWatchlist(10000, 1)
	m := Compile(w)
	text := synthText(w, 10<<20, 2)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	n := 0
	for b.Loop() {
		n = len(m.Find(text))
	}
	b.ReportMetric(float64(n), "mentions/op")
}

// BenchmarkMatchFrench runs the example watchlist over accented text.
func BenchmarkMatchFrench(b *testing.B) {
	_, m := exampleMatcher(b)
	unit := "Le président de la République, Emmanuel Macron, a reçu à l’Élysée les représentants. " +
		"Élue député, Marine Le Pen répond ; François Fillon et Benoît Hamon se sont exprimés. Écrire à m.lepen@example.fr.\n"
	text := strings.Repeat(unit, (4<<20)/len(unit))
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		m.Find(text)
	}
}
