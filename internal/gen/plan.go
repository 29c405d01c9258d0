package gen

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// blockSize is the unit of planning and of parallel work: threads never
// cross a block, so a block can be rendered knowing only itself.
const blockSize = 32

// Salts separate the random streams drawn for one index.
const (
	saltPeople = iota + 1
	saltRoles
	saltBlock
	saltCore
	saltBody
	saltShared
	saltID
	saltFwd
	saltKeys
	saltSign
)

// mix is splitmix64's finaliser.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func (g *generator) rng(salt, i uint64) *rand.Rand {
	return rand.New(rand.NewPCG(mix(g.seed^salt<<56), mix(i^salt<<48)))
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

type person struct {
	name, first, addr, lang, title string
	zone                           int // index into zoneRules
}

// role marks a message chosen to carry a planted fact.
type role struct {
	marker int // index into markerSpecs, or -1
	shared bool
	dup    bool
}

type mailbox struct {
	name   string
	person int
	crlf   bool
}

// generator holds what every message may consult; it is read-only once
// built, so workers share it.
type generator struct {
	opts      Options
	n         int
	seed      uint64
	people    []person
	byLang    map[string][]int
	boxes     []mailbox
	roles     map[int]role
	markerIdx [][]int
	sharedIdx []int
	dupIdx    []int

	sharedName, sharedType string
	sharedData             []byte

	start, span int64 // unix seconds

	keys map[string]*signKey // by domain; nil when nothing is signed
}

func newGenerator(opts Options) *generator {
	g := &generator{opts: opts, n: opts.Messages, seed: uint64(opts.Seed), byLang: map[string][]int{}}
	g.start = time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	g.span = time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC).Unix() - g.start
	g.buildPeople()
	g.buildBoxes()
	g.assignRoles()
	g.buildShared()
	g.buildKeys()
	return g
}

func foldASCII(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x80:
			if r == ' ' {
				r = '.'
			}
			if r != '\'' {
				b.WriteRune(r)
			}
		default:
			b.WriteString(fold[r])
		}
	}
	return strings.ToLower(b.String())
}

func (g *generator) buildPeople() {
	r := g.rng(saltPeople, 0)
	seen := map[string]bool{}
	add := func(p person) {
		for k := 2; seen[p.addr]; k++ {
			at := strings.IndexByte(p.addr, '@')
			p.addr = p.addr[:at] + strconv.Itoa(k) + p.addr[strings.LastIndexByte(p.addr, '@'):]
		}
		seen[p.addr] = true
		g.byLang[p.lang] = append(g.byLang[p.lang], len(g.people))
		g.people = append(g.people, p)
	}
	for range 60 {
		f, l := pick(r, frFirst), pick(r, frLast)
		add(person{name: f + " " + l, first: f, lang: "fr", title: pick(r, frTitles),
			addr: foldASCII(f+"."+l) + "@" + pick(r, domains[:3]), zone: 0})
	}
	for range 20 {
		f, l := pick(r, enFirst), pick(r, enLast)
		add(person{name: f + " " + l, first: f, lang: "en", title: pick(r, enTitles),
			addr: foldASCII(f+"."+l) + "@" + pick(r, domains[2:]), zone: 1 + r.IntN(2)})
	}
	for _, p := range ruPeople {
		first, _, _ := strings.Cut(p[0], " ")
		add(person{name: p[0], first: first, lang: "ru", addr: p[1] + "@press.example", zone: 3})
	}
}

func (g *generator) buildBoxes() {
	seen := map[string]int{}
	for i := range g.opts.Mailboxes {
		p := i % (len(g.people) - len(ruPeople))
		name := g.people[p].addr[:strings.IndexByte(g.people[p].addr, '@')]
		seen[name]++
		if k := seen[name]; k > 1 {
			name += "-" + strconv.Itoa(k)
		}
		crlf := false
		switch g.opts.LineEndings {
		case "crlf":
			crlf = true
		case "mixed":
			crlf = i%3 == 1
		}
		g.boxes = append(g.boxes, mailbox{name: name, person: p, crlf: crlf})
	}
}

// assignRoles picks the messages that carry planted facts. Each index has at
// most one role. Planted markers come first so that a small run still holds
// one copy of each.
func (g *generator) assignRoles() {
	g.roles = map[int]role{}
	g.markerIdx = make([][]int, len(markerSpecs))
	if g.n == 0 {
		return
	}
	r := g.rng(saltRoles, 0)
	take := func(rl role) (int, bool) {
		if len(g.roles) >= g.n {
			return 0, false
		}
		i := r.IntN(g.n)
		for {
			if _, used := g.roles[i]; !used {
				g.roles[i] = rl
				return i, true
			}
			i = (i + 1) % g.n
		}
	}
	for range g.opts.MarkerCopies {
		for m := range markerSpecs {
			if i, ok := take(role{marker: m}); ok {
				g.markerIdx[m] = append(g.markerIdx[m], i)
			}
		}
	}
	for range g.opts.SharedCopies {
		if i, ok := take(role{marker: -1, shared: true}); ok {
			g.sharedIdx = append(g.sharedIdx, i)
		}
	}
	if g.opts.Format == FormatBoth {
		for range g.opts.Duplicates {
			if i, ok := take(role{marker: -1, dup: true}); ok {
				g.dupIdx = append(g.dupIdx, i)
			}
		}
	}
	for _, s := range g.markerIdx {
		slices.Sort(s)
	}
	slices.Sort(g.sharedIdx)
	slices.Sort(g.dupIdx)
}

func (g *generator) roleOf(i int) role {
	if rl, ok := g.roles[i]; ok {
		return rl
	}
	return role{marker: -1}
}

func (g *generator) buildShared() {
	r := g.rng(saltShared, 0)
	g.sharedName = "Rapport financier 2016.pdf"
	g.sharedType = "application/pdf"
	g.sharedData = fakePDF(r, 24<<10)
}

// thread is a block-local conversation: members in index order, the first
// being the root.
type thread struct {
	members []int
	parent  []int // parent[k] is the index answered by members[k]; -1 for the root
}

// planBlock splits block b into threads. Messages with a planted role (other
// than a duplicate or a shared attachment) stay alone so that no reply
// copies a marker from their subject.
func (g *generator) planBlock(b int) []thread {
	lo, hi := b*blockSize, min((b+1)*blockSize, g.n)
	r := g.rng(saltBlock, uint64(b))
	var free []int
	for i := lo; i < hi; i++ {
		if g.roleOf(i).marker < 0 {
			free = append(free, i)
		}
	}
	r.Shuffle(len(free), func(i, j int) { free[i], free[j] = free[j], free[i] })
	var ts []thread
	for len(free) > 0 {
		var size int
		chain := false
		switch x := r.Float64(); {
		case b == 0 && len(ts) == 0 && len(free) >= 3:
			size, chain = min(len(free), 6), true // at least one deep thread per run
		case x < 0.03 && len(free) >= 4:
			size, chain = min(len(free), 4+r.IntN(5)), true
		case x < 0.18 && len(free) >= 2:
			size = min(len(free), 2+r.IntN(2))
		default:
			size = 1
		}
		t := thread{members: slices.Clone(free[:size])}
		free = free[size:]
		slices.Sort(t.members)
		t.parent = make([]int, size)
		t.parent[0] = -1
		for k := 1; k < size; k++ {
			if chain {
				t.parent[k] = t.members[k-1]
			} else {
				t.parent[k] = t.members[r.IntN(k)]
			}
		}
		ts = append(ts, t)
	}
	// Place marker-carrying messages as lone threads too.
	for i := lo; i < hi; i++ {
		if g.roleOf(i).marker >= 0 {
			ts = append(ts, thread{members: []int{i}, parent: []int{-1}})
		}
	}
	slices.SortFunc(ts, func(a, b thread) int { return a.members[0] - b.members[0] })
	return ts
}

// core is the header-level plan of one message: enough for its replies to
// refer to it.
type core struct {
	idx            int
	parent, root   int
	depth          int
	box            int
	lang, charset  string
	from           int
	to, cc         []int
	subject        string // full subject, UTF-8
	msgID          string
	refs           []string
	date           time.Time
	role           role
	toMbox, toMdir bool
}

// zoneRules give each sender a plausible UTC offset for a date.
var zoneRules = []func(t time.Time) (string, int){
	func(t time.Time) (string, int) { // Paris
		if m := t.Month(); m >= time.April && m <= time.October {
			return "CEST", 2 * 3600
		}
		return "CET", 3600
	},
	func(t time.Time) (string, int) { // London
		if m := t.Month(); m >= time.April && m <= time.October {
			return "BST", 3600
		}
		return "GMT", 0
	},
	func(t time.Time) (string, int) { // New York
		if m := t.Month(); m >= time.April && m <= time.October {
			return "EDT", -4 * 3600
		}
		return "EST", -5 * 3600
	},
	func(time.Time) (string, int) { return "MSK", 3 * 3600 },
	func(time.Time) (string, int) { return "UTC", 0 },
}

// planCores computes the cores of block b, in index order, so that every
// reply finds its parent already planned.
func (g *generator) planCores(b int, ts []thread) []core {
	lo, hi := b*blockSize, min((b+1)*blockSize, g.n)
	cores := make([]core, hi-lo)
	for _, t := range ts {
		for k, i := range t.members {
			c := &cores[i-lo]
			c.idx, c.parent, c.root = i, t.parent[k], t.members[0]
		}
	}
	for i := lo; i < hi; i++ {
		g.planCore(&cores[i-lo], cores, lo)
	}
	return cores
}

var langCharsets = map[string][]string{
	// Weighted by repetition.
	"fr": {csUTF8, csUTF8, csUTF8, csUTF8, csUTF8, csUTF8, csLatin1, csLatin1, csLatin9, csCP1252, csCP1252},
	"en": {csUTF8, csUTF8, csUTF8, csUTF8, csUTF8, csCP1252, csASCII, csLatin1},
	"ru": {csKOI8R, csKOI8R, csKOI8R, csUTF8, csUTF8},
}

func (g *generator) planCore(c *core, cores []core, lo int) {
	r := g.rng(saltCore, uint64(c.idx))
	c.role = g.roleOf(c.idx)
	c.box = r.IntN(len(g.boxes))
	var par *core
	if c.parent >= 0 {
		par = &cores[c.parent-lo]
		c.depth = par.depth + 1
	}
	switch {
	case c.role.marker >= 0:
		c.lang = markerSpecs[c.role.marker].lang
	case par != nil:
		c.lang = par.lang
	default:
		switch x := r.IntN(100); {
		case x < 55:
			c.lang = "fr"
		case x < 93:
			c.lang = "en"
		default:
			c.lang = "ru"
		}
	}
	c.charset = pick(r, langCharsets[c.lang])
	if c.role.marker >= 0 {
		c.charset = markerSpecs[c.role.marker].charset
	}

	// Participants.
	custodian := g.boxes[c.box].person
	if par != nil {
		c.from = par.to[0]
		c.to = []int{par.from}
		if len(par.cc) > 0 && r.IntN(2) == 0 {
			c.cc = slices.Clone(par.cc)
		}
	} else {
		senders := g.byLang[c.lang]
		if c.lang != "ru" && r.IntN(10) < 3 {
			c.from = custodian
		} else {
			c.from = pick(r, senders)
		}
		for range 1 + r.IntN(3) {
			c.to = appendPerson(c.to, r.IntN(len(g.people)), c.from)
		}
		if len(c.to) == 0 {
			c.to = append(c.to, (c.from+1)%len(g.people))
		}
		if r.IntN(3) == 0 {
			for range 1 + r.IntN(2) {
				c.cc = appendPerson(c.cc, r.IntN(len(g.people)), c.from)
			}
		}
	}
	if c.from != custodian && !slices.Contains(c.to, custodian) && !slices.Contains(c.cc, custodian) {
		c.to = append(c.to, custodian)
	}

	// Subject.
	switch {
	case par != nil:
		root := &cores[c.root-lo]
		base := root.subject
		prefix := pick(r, []string{"Re: ", "Re: ", "RE: ", "RE : "})
		c.subject = prefix + base
	default:
		switch c.lang {
		case "fr":
			c.subject = pick(r, frSubjects)
		case "en":
			c.subject = pick(r, enSubjects)
		default:
			c.subject = pick(r, ruSubjects)
		}
		if r.IntN(4) == 0 {
			c.subject += " " + strconv.Itoa(2+r.IntN(20))
		}
		if c.role.marker >= 0 && markerSpecs[c.role.marker].where == WhereSubject {
			c.subject += " : " + markerSpecs[c.role.marker].word
		}
	}

	// Identity and time: dates increase with the index.
	frac := r.Float64()
	secs := g.start + int64(float64(g.span)*(float64(c.idx)+frac)/float64(max(g.n, 1)))
	utc := time.Unix(secs, 0).UTC()
	abbr, off := zoneRules[g.people[c.from].zone](utc)
	c.date = utc.In(time.FixedZone(abbr, off))
	from := g.people[c.from].addr
	host := from[strings.IndexByte(from, '@')+1:]
	c.msgID = fmt.Sprintf("<%d.%012x.%d@%s>", secs, mix(g.seed^saltID<<56^uint64(c.idx))>>16, c.idx, host)
	if par != nil {
		c.refs = append(slices.Clone(par.refs), par.msgID)
		if len(c.refs) > 10 { // keep the root and the last nine, as mailers do
			c.refs = append(c.refs[:1], c.refs[len(c.refs)-9:]...)
		}
	}

	// Destination.
	switch g.opts.Format {
	case FormatMaildir:
		c.toMdir = true
	case FormatMbox:
		c.toMbox = true
	default:
		switch {
		case c.role.dup:
			c.toMdir, c.toMbox = true, true
		case c.role.marker >= 0 && markerSpecs[c.role.marker].where == WhereFromLine:
			c.toMbox = true
		case r.IntN(2) == 0:
			c.toMdir = true
		default:
			c.toMbox = true
		}
	}
}

func appendPerson(s []int, p, exclude int) []int {
	if p == exclude || slices.Contains(s, p) {
		return s
	}
	return append(s, p)
}
