package people

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Suggestion is a name-like phrase that recurs across documents.
type Suggestion struct {
	Name     string // the best-looking way it was written
	Folded   string // Fold(Name), the key occurrences are grouped by
	Docs     int    // documents it occurs in
	Mentions int    // occurrences in all documents
	Examples []Example
}

// Example is an occurrence of a suggestion, for a person to judge.
type Example struct {
	Doc     int64
	Context string // the surrounding text on one line
}

// SuggesterOptions bound a [Suggester]'s memory.
type SuggesterOptions struct {
	// MaxCandidates is the number of distinct names kept; default
	// 200,000. Beyond it the names seen in the fewest documents are
	// forgotten, so the counts of a name that recurs only after many
	// other names are lower bounds.
	MaxCandidates int
	// Examples is the number of examples kept per name; default 3.
	Examples int
}

// Suggester proposes names that are not on a watchlist. No language model
// is involved: a candidate is a run of 2 to 4 words on one line, each
// capitalised ("Marine"), in capitals ("LE PEN") or a one-letter initial,
// with particles (de, du, des, d', le, la, van, von, der, di, da, del…)
// allowed between them; at least two words are capitalised or in
// capitals and one is capitalised, so headings in capitals are left out.
// Common French and English words, titles, months and weekdays end a
// candidate, which drops sentence-initial words ("Hier Emmanuel Macron"
// gives "Emmanuel Macron"); runs of more than 4 words are not names.
//
// A Suggester is safe for concurrent use.
type Suggester struct {
	opts  SuggesterOptions
	mu    sync.Mutex
	cands map[string]*candidate
}

type candidate struct {
	name     string
	score    int
	docs     int
	mentions int
	examples []Example
}

// NewSuggester returns an empty Suggester.
func NewSuggester(opts SuggesterOptions) *Suggester {
	if opts.MaxCandidates <= 0 {
		opts.MaxCandidates = 200_000
	}
	if opts.Examples <= 0 {
		opts.Examples = 3
	}
	return &Suggester{opts: opts, cands: map[string]*candidate{}}
}

// Add records the candidate names of one document. Each document should
// be added once: adding it twice counts it twice.
func (s *Suggester) Add(docID int64, text string) {
	type local struct {
		name     string
		score    int
		mentions int
		examples []Example
	}
	found := map[string]*local{}
	candidateNames(text, func(start, end int) {
		name := collapseSpace(text[start:end])
		key := Fold(name)
		l := found[key]
		if l == nil {
			l = &local{name: name, score: nameScore(name)}
			found[key] = l
		} else if sc := nameScore(name); sc > l.score {
			l.name, l.score = name, sc
		}
		l.mentions++
		if len(l.examples) < s.opts.Examples {
			l.examples = append(l.examples, Example{docID, context(text, start, end)})
		}
	})
	if len(found) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for key, l := range found {
		c := s.cands[key]
		if c == nil {
			c = &candidate{name: l.name, score: l.score}
			s.cands[key] = c
		} else if l.score > c.score {
			c.name, c.score = l.name, l.score
		}
		c.docs++
		c.mentions += l.mentions
		for _, ex := range l.examples {
			if len(c.examples) < s.opts.Examples {
				c.examples = append(c.examples, ex)
			}
		}
	}
	if len(s.cands) > s.opts.MaxCandidates {
		// Forget the names seen in the fewest documents, down to three
		// quarters of the bound so that pruning is rare.
		for floor := 1; len(s.cands) > s.opts.MaxCandidates*3/4; floor++ {
			for key, c := range s.cands {
				if c.docs <= floor {
					delete(s.cands, key)
				}
			}
		}
	}
}

// Top returns the candidates seen in at least minDocs documents, most
// documents first (then most mentions, then by name), at most limit of
// them (all if limit <= 0). Names that known finds whole (one mention
// spanning the name) are left out; names that contain a known name
// without being it ("Brigitte Macron") are kept, as they may call for an
// exclude phrase. known may be nil.
func (s *Suggester) Top(minDocs, limit int, known *Matcher) []Suggestion {
	s.mu.Lock()
	var out []Suggestion
	for key, c := range s.cands {
		if c.docs < minDocs {
			continue
		}
		out = append(out, Suggestion{
			Name:     c.name,
			Folded:   key,
			Docs:     c.docs,
			Mentions: c.mentions,
			Examples: slices.Clone(c.examples),
		})
	}
	s.mu.Unlock()
	if known != nil {
		out = slices.DeleteFunc(out, func(sg Suggestion) bool {
			for _, m := range known.Find(sg.Name) {
				if m.Start == 0 && m.End == len(sg.Name) {
					return true
				}
			}
			return false
		})
	}
	slices.SortFunc(out, func(a, b Suggestion) int {
		return cmp.Or(b.Docs-a.Docs, b.Mentions-a.Mentions, strings.Compare(a.Folded, b.Folded))
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// Word classes for candidate names.
const (
	wOther   = iota
	wTitle   // Marine, McCain
	wCaps    // LE PEN (two letters or more)
	wInitial // F
	wParticle
	wCapParticle // Le, LE, De, Van
)

// candidateNames calls fn with the byte span of each candidate name.
func candidateNames(text string, fn func(start, end int)) {
	var t tokenizer
	t.reset(text)
	type word struct {
		start, end int
		class      int
	}
	var seq []word
	flush := func() {
		// Trim particles and initials at both ends.
		for len(seq) > 0 && (seq[len(seq)-1].class == wParticle || seq[len(seq)-1].class == wCapParticle || seq[len(seq)-1].class == wInitial) {
			seq = seq[:len(seq)-1]
		}
		// A name may start with a capitalised particle ("Le Pen Marine",
		// "Van Gogh Vincent") but not with an initial or a lower-case one.
		for len(seq) > 0 && (seq[0].class == wParticle || seq[0].class == wInitial) {
			seq = seq[1:]
		}
		if n := len(seq); n >= 2 && n <= 4 {
			title, caps := 0, 0
			for _, w := range seq {
				switch w.class {
				case wTitle:
					title++
				case wCaps:
					caps++
				}
			}
			if title >= 1 && title+caps >= 2 {
				fn(seq[0].start, seq[len(seq)-1].end)
			}
		}
		seq = seq[:0]
	}
	var tk token
	for t.next(&tk) {
		if !tk.first {
			continue
		}
		w := text[tk.start:tk.end]
		cl := wordClass(w, tk.fold, !tk.last)
		if !tk.soft || tk.line {
			flush()
		}
		if cl == wOther || (cl == wParticle && len(seq) == 0) {
			flush()
			continue
		}
		seq = append(seq, word{tk.start, tk.end, cl})
	}
	flush()
}

// wordClass classifies a word of the original text.
func wordClass(w string, folded []byte, split bool) int {
	if split {
		return wOther
	}
	first, size := utf8.DecodeRuneInString(w)
	if particles[string(folded)] {
		if unicode.IsUpper(first) {
			return wCapParticle
		}
		return wParticle
	}
	if !unicode.IsUpper(first) {
		return wOther
	}
	if stopwords[string(folded)] {
		return wOther
	}
	if size == len(w) {
		return wInitial
	}
	upper, lower := 0, 0
	for _, r := range w[size:] {
		switch {
		case unicode.IsUpper(r):
			upper++
		case unicode.IsLower(r):
			lower++
		case unicode.IsDigit(r):
			return wOther
		}
	}
	switch {
	case lower == 0 && upper > 0:
		return wCaps
	case lower > 0:
		return wTitle
	}
	return wOther
}

// nameScore prefers the spellings with accents and fewer capitals.
func nameScore(name string) int {
	sc := 0
	for _, r := range name {
		switch {
		case r >= utf8.RuneSelf && unicode.IsLetter(r):
			sc += 2
		case unicode.IsUpper(r):
			sc--
		}
	}
	return sc
}

func collapseSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// context returns about 60 bytes of text on each side of text[start:end],
// on one line.
func context(text string, start, end int) string {
	from, to := max(0, start-60), min(len(text), end+60)
	for from > 0 && !utf8.RuneStart(text[from]) {
		from--
	}
	for to < len(text) && !utf8.RuneStart(text[to]) {
		to++
	}
	return strings.ToValidUTF8(collapseSpace(text[from:to]), "\uFFFD")
}

var particles = setOf(`de du des d le la van von der den di da del della dos das ben bin ibn al el ter ten zu af`)

// stopwords are capitalised words that are not names: common sentence
// starters, mail and letter words, titles, months and weekdays, in French
// and English. They are compared folded.
var stopwords = setOf(`
	le la les l un une des du de d ce cet cette ces il elle ils elles on nous vous je tu
	mais et ou donc or ni car pour par dans sur sous avec sans selon chez entre vers
	apres avant depuis pendant hier aujourd demain ici la voici voila quand si comme
	oui non merci bonjour bonsoir salut cordialement bien amities bises cher chere chers
	objet envoye envoyee date tr fw fwd re cc cci pj
	monsieur madame mademoiselle messieurs mesdames m mme mmes mlle mr mrs ms dr pr prof me
	president presidente ministre depute deputee senateur senatrice maire general directeur
	directrice secretaire candidat candidate
	the a an this that these those it he she they we you i my our your his her their its
	but and or so if when while as at on in of for to from by with without about after before
	dear hi hello thanks thank regards best kind sincerely yours cheers sent subject
	sir madam mister president minister senator mayor governor chairman ceo director secretary
	janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre
	january february march april may june july august september october november december
	lundi mardi mercredi jeudi vendredi samedi dimanche
	monday tuesday wednesday thursday friday saturday sunday
	paris france europe french english union rue avenue boulevard street road
	tel fax email mail www http https pdf
`)

func setOf(words string) map[string]bool {
	m := map[string]bool{}
	for w := range strings.FieldsSeq(words) {
		m[w] = true
	}
	return m
}
