package people

import (
	"cmp"
	"slices"
	"strings"
	"sync"
)

// Via says what in a watchlist entry a mention matched.
type Via uint8

const (
	ViaName  Via = iota // the name or an alias
	ViaEmail            // an e-mail address
	ViaPhone            // a phone number
)

func (v Via) String() string {
	switch v {
	case ViaName:
		return "name"
	case ViaEmail:
		return "email"
	case ViaPhone:
		return "phone"
	}
	return "unknown"
}

// Mention is one occurrence of a watchlist entity in a text.
type Mention struct {
	Entity int // index into the Entities of the compiled watchlist
	Via    Via
	// Alias is what matched, as written in the watchlist: the name, an
	// alias, an e-mail address or an E.164 phone number.
	Alias string
	// Start and End are byte offsets into the text searched, End
	// exclusive: text[Start:End] is the occurrence as written.
	Start, End int
}

// Exclusion is a name occurrence dropped because it lies inside one of
// its entity's exclude phrases.
type Exclusion struct {
	Mention                       // the occurrence dropped
	Phrase                 string // the exclude phrase, as written in the watchlist
	PhraseStart, PhraseEnd int    // its occurrence in the text
}

// Result is everything [Matcher.Match] found in a text, sorted by Start,
// then End, then Entity.
type Result struct {
	Mentions []Mention
	Excluded []Exclusion
}

// Tally counts a result per entity.
type Tally struct {
	Entity   int
	Mentions int // len of the entity's mentions, all Via kinds
	Excluded int // name occurrences dropped by its exclude phrases
}

// Tally returns one Tally per entity present in r, by ascending Entity.
func (r *Result) Tally() []Tally {
	by := map[int]*Tally{}
	get := func(e int) *Tally {
		t := by[e]
		if t == nil {
			t = &Tally{Entity: e}
			by[e] = t
		}
		return t
	}
	for _, m := range r.Mentions {
		get(m.Entity).Mentions++
	}
	for _, x := range r.Excluded {
		get(x.Entity).Excluded++
	}
	out := make([]Tally, 0, len(by))
	for _, t := range by {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b Tally) int { return a.Entity - b.Entity })
	return out
}

// target is an entity and the watchlist string that leads to it.
type target struct {
	entity int
	text   string
}

// node is a state of the trie over folded words.
type node struct {
	aliases  []target // names and aliases ending here
	excludes []target // exclude phrases ending here
}

// Matcher finds the entities of a watchlist in texts. It is safe for
// concurrent use.
//
// Words are folded with [Fold]; a name matches a run of consecutive words
// of the text equal to its own words. Between two words of a match there
// may be white space (line breaks included), hyphens and apostrophes, a
// single '.' after a one-letter word ("F. Fillon") and '>' after a line
// break (quoted mail); any other character stops a multi-word name.
// Punctuation written inside a watchlist name is ignored the same way as
// in Fold: "Fillon, François" matches "Fillon François", not "Fillon,
// François" (FindAddresses handles the "Last, First" of headers). A
// name therefore never matches part of a word: "Le Pen" is not in
// "Lepen" nor in "Le Penseur", "Macron" is not in "Macronie".
//
// Resolution, at each word of the text from left to right:
//
//  1. the longest name starting at that word wins, unless all the
//     entities it names are excluded there, in which case the next
//     longest is tried;
//  2. an occurrence of entity E lying inside an occurrence of one of E's
//     exclude phrases is dropped and reported in [Result.Excluded];
//  3. an occurrence nested in an occurrence kept at an earlier word is
//     dropped ("Le Pen" inside "Marine Le Pen" counts once); occurrences
//     that overlap without nesting are both kept;
//  4. a name shared by several entities yields one mention per entity
//     (see [Watchlist.Ambiguities]).
//
// Words inside an e-mail address are not names: the address itself
// matches the entities that list it, case-insensitively and whole. Phone
// numbers are found with [Entities] and compared in E.164.
type Matcher struct {
	vocab  map[string]uint32 // folded word → id (from 1)
	root   []uint32          // word id → node, 0 for none
	next   map[uint64]uint32 // node<<32 | word id → node
	nodes  []node            // nodes[0] is unused
	maxTok int
	emails map[string][]target
	phones map[string][]target
	region string
	pool   sync.Pool
}

// Compile builds a matcher for w. Mentions refer to entities by their
// index in w.Entities; w is not retained. Names that fold to nothing and
// phones that are not valid numbers are ignored: a watchlist checked by
// [Watchlist.Validate] has none.
func Compile(w *Watchlist) *Matcher {
	m := &Matcher{
		vocab:  map[string]uint32{},
		root:   []uint32{0},
		next:   map[uint64]uint32{},
		nodes:  make([]node, 1),
		emails: map[string][]target{},
		phones: map[string][]target{},
		region: DefaultRegion,
	}
	m.pool.New = func() any { return new(scratch) }
	if w == nil {
		return m
	}
	m.region = w.region()
	add := func(list []target, t target) []target {
		for _, x := range list {
			if x.entity == t.entity {
				return list
			}
		}
		return append(list, t)
	}
	for i := range w.Entities {
		e := &w.Entities[i]
		for _, name := range e.Names() {
			if n := m.insert(foldWords(name)); n != 0 {
				m.nodes[n].aliases = add(m.nodes[n].aliases, target{i, name})
			}
		}
		for _, x := range e.Exclude {
			if n := m.insert(foldWords(x)); n != 0 {
				m.nodes[n].excludes = add(m.nodes[n].excludes, target{i, x})
			}
		}
		for _, addr := range e.Emails {
			key := strings.ToLower(strings.TrimSpace(addr))
			m.emails[key] = add(m.emails[key], target{i, addr})
		}
		for _, p := range e.Phones {
			if e164, ok := parsePhone(p, m.region); ok {
				m.phones[e164] = add(m.phones[e164], target{i, p})
			}
		}
	}
	return m
}

// insert adds a word sequence to the trie and returns its final node, or
// 0 for an empty sequence.
func (m *Matcher) insert(words []string) uint32 {
	var n uint32
	for k, w := range words {
		id := m.vocab[w]
		if id == 0 {
			id = uint32(len(m.root))
			m.vocab[w] = id
			m.root = append(m.root, 0)
			m.maxTok = max(m.maxTok, len(w))
		}
		var next uint32
		if k == 0 {
			next = m.root[id]
		} else {
			next = m.next[uint64(n)<<32|uint64(id)]
		}
		if next == 0 {
			next = uint32(len(m.nodes))
			m.nodes = append(m.nodes, node{})
			if k == 0 {
				m.root[id] = next
			} else {
				m.next[uint64(n)<<32|uint64(id)] = next
			}
		}
		n = next
	}
	return n
}

// runTok is a word of the text known to the trie.
type runTok struct {
	id          uint32
	start, end  int
	first, last bool
	soft        bool
}

type rec struct {
	k int // index of the last word in the run
	n uint32
}

type activeExcl struct {
	target
	from, to int // word indexes in the run
}

// scratch holds the buffers of one search.
type scratch struct {
	t      tokenizer
	run    []runTok
	recs   []rec
	active []activeExcl
	spans  [][2]int
}

// Find returns the mentions of the watchlist's entities in text; see
// [Matcher.Match].
func (m *Matcher) Find(text string) []Mention {
	return m.Match(text).Mentions
}

// Match finds the mentions of the watchlist's entities in text, and the
// name occurrences dropped by exclude phrases. Its work is linear in
// len(text) and independent of the watchlist's size.
func (m *Matcher) Match(text string) Result {
	s := m.pool.Get().(*scratch)
	defer m.pool.Put(s)
	var res Result

	// E-mail addresses: matched whole, and their words masked.
	s.spans = s.spans[:0]
	if strings.IndexByte(text, '@') >= 0 {
		scanEmails(text, func(start, _, end int) {
			s.spans = append(s.spans, [2]int{start, end})
			if len(m.emails) == 0 {
				return
			}
			for _, t := range m.emails[strings.ToLower(text[start:end])] {
				res.Mentions = append(res.Mentions, Mention{t.entity, ViaEmail, t.text, start, end})
			}
		})
	}

	emails := len(res.Mentions)

	// Names: one pass over the words; runs of known words go to the trie.
	s.t.reset(text)
	s.run = s.run[:0]
	sp := 0
	var tk token
	for s.t.next(&tk) {
		var id uint32
		if len(tk.fold) <= m.maxTok {
			id = m.vocab[string(tk.fold)]
		}
		if id != 0 && sp < len(s.spans) {
			for sp < len(s.spans) && s.spans[sp][1] <= tk.start {
				sp++
			}
			if sp < len(s.spans) && s.spans[sp][0] <= tk.start {
				id = 0
			}
		}
		if id == 0 {
			if len(s.run) > 0 {
				m.resolve(s, &res)
				s.run = s.run[:0]
			}
			continue
		}
		s.run = append(s.run, runTok{id, tk.start, tk.end, tk.first, tk.last, tk.soft})
	}
	if len(s.run) > 0 {
		m.resolve(s, &res)
		s.run = s.run[:0]
	}
	names := res.Mentions[emails:]
	res.Mentions = res.Mentions[:emails:emails]

	// Phone numbers.
	var phones []Mention
	if len(m.phones) > 0 {
		for _, f := range Entities(text, EntityOptions{Region: m.region, Kinds: []string{FoundPhone}}) {
			for _, t := range m.phones[f.Value] {
				phones = append(phones, Mention{t.entity, ViaPhone, t.text, f.Start, f.End})
			}
		}
	}

	res.Mentions = mergeSorted(res.Mentions, names, phones)
	if !slices.IsSortedFunc(res.Excluded, compareExclusions) {
		slices.SortFunc(res.Excluded, compareExclusions)
	}
	return res
}

func compareExclusions(a, b Exclusion) int { return compareMentions(a.Mention, b.Mention) }

// mergeSorted merges lists each sorted by compareMentions, or sorts them
// if one is not.
func mergeSorted(lists ...[]Mention) []Mention {
	n := 0
	for _, l := range lists {
		n += len(l)
		if !slices.IsSortedFunc(l, compareMentions) {
			slices.SortFunc(l, compareMentions)
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]Mention, 0, n)
	for {
		best := -1
		for i, l := range lists {
			if len(l) > 0 && (best < 0 || compareMentions(l[0], lists[best][0]) < 0) {
				best = i
			}
		}
		if best < 0 {
			return out
		}
		out = append(out, lists[best][0])
		lists[best] = lists[best][1:]
	}
}

func compareMentions(a, b Mention) int {
	return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.End, b.End),
		cmp.Compare(a.Entity, b.Entity), cmp.Compare(a.Via, b.Via))
}

// resolve applies the matching rules to a run of known words.
func (m *Matcher) resolve(s *scratch, res *Result) {
	run := s.run
	maxEnd := -1 // last word of the mentions kept at earlier words
	s.active = s.active[:0]
	for st := range run {
		if !run[st].first {
			continue
		}
		n := m.root[run[st].id]
		if n == 0 {
			continue
		}
		recs := s.recs[:0]
		for k := st; ; {
			nd := &m.nodes[n]
			if run[k].last && (len(nd.aliases) > 0 || len(nd.excludes) > 0) {
				recs = append(recs, rec{k, n})
			}
			k++
			if k >= len(run) || !run[k].soft {
				break
			}
			if n = m.next[uint64(n)<<32|uint64(run[k].id)]; n == 0 {
				break
			}
		}
		s.recs = recs
		if len(recs) == 0 {
			continue
		}
		// Exclude phrases: forget those that ended, add those that start.
		active := s.active[:0]
		for _, x := range s.active {
			if x.to >= st {
				active = append(active, x)
			}
		}
		for _, r := range recs {
			for _, x := range m.nodes[r.n].excludes {
				active = append(active, activeExcl{x, st, r.k})
			}
		}
		s.active = active
		// Names, longest first.
		for ri := len(recs) - 1; ri >= 0; ri-- {
			r := recs[ri]
			aliases := m.nodes[r.n].aliases
			if len(aliases) == 0 {
				continue
			}
			start, end := run[st].start, run[r.k].end
			kept := false
			nested := r.k <= maxEnd
			for _, a := range aliases {
				if x, ok := excludedBy(active, a.entity, r.k); ok {
					res.Excluded = append(res.Excluded, Exclusion{
						Mention:     Mention{a.entity, ViaName, a.text, start, end},
						Phrase:      x.text,
						PhraseStart: run[x.from].start,
						PhraseEnd:   run[x.to].end,
					})
					continue
				}
				kept = true
				if !nested {
					res.Mentions = append(res.Mentions, Mention{a.entity, ViaName, a.text, start, end})
				}
			}
			if kept {
				maxEnd = max(maxEnd, r.k)
				break
			}
		}
	}
}

// excludedBy returns an active exclude phrase of entity that covers the
// words up to to (they all start at or before the current word).
func excludedBy(active []activeExcl, entity, to int) (activeExcl, bool) {
	for _, x := range active {
		if x.entity == entity && x.to >= to {
			return x, true
		}
	}
	return activeExcl{}, false
}

// AddressMention is a mention in one header value.
type AddressMention struct {
	Value   int // index of the value in the slice given to FindAddresses
	Mention     // offsets into that value
}

// FindAddresses finds the entities in address header values (From, To,
// Cc, Bcc, Reply-To, Sender…), each already decoded from RFC 2047, such
// as `Marine Le Pen <mlp@example.fr>, "Fillon, François" <ff@example.fr>`
// or a bare address. Display names are matched like text (see
// [Matcher.Match]) and addresses whole; besides, a quoted display name
// "Last, First" also matches the name "First Last", and its mention then
// spans the quoted text and replaces the mentions inside it.
func (m *Matcher) FindAddresses(values []string) []AddressMention {
	var out []AddressMention
	for vi, v := range values {
		ms := m.Find(v)
		for _, q := range quotedCommaNames(v) {
			last, first, _ := strings.Cut(v[q[0]:q[1]], ",")
			swapped := strings.TrimSpace(first) + " " + strings.TrimSpace(last)
			var whole []Mention
			for _, sm := range m.Find(swapped) {
				if sm.Via == ViaName && sm.Start == 0 && sm.End == len(swapped) {
					sm.Start, sm.End = q[0], q[1]
					whole = append(whole, sm)
				}
			}
			if len(whole) == 0 {
				continue
			}
			ms = slices.DeleteFunc(ms, func(x Mention) bool { return x.Start >= q[0] && x.End <= q[1] })
			ms = append(ms, whole...)
		}
		slices.SortFunc(ms, compareMentions)
		for _, x := range ms {
			out = append(out, AddressMention{vi, x})
		}
	}
	return out
}

// quotedCommaNames returns the spans inside double quotes that hold
// exactly one comma.
func quotedCommaNames(v string) [][2]int {
	var out [][2]int
	for i := 0; i < len(v); i++ {
		if v[i] != '"' {
			continue
		}
		j := i + 1
		for j < len(v) && v[j] != '"' {
			if v[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(v) {
			break
		}
		if strings.Count(v[i+1:j], ",") == 1 {
			out = append(out, [2]int{i + 1, j})
		}
		i = j
	}
	return out
}
