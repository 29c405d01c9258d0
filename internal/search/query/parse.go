package query

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrEmpty is returned by [Parse] for a query with nothing in it but white
// space.
var ErrEmpty = errors.New("query: empty query")

// ErrNoWords is returned by search engines for a query whose terms all
// analyse to nothing (only punctuation, as in "!!!").
var ErrNoWords = errors.New("query has no searchable words")

// SyntaxError reports a malformed query and where.
type SyntaxError struct {
	Offset int    // byte offset in the query
	Column int    // 1-based column, in characters
	Msg    string // what is wrong
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("at column %d: %s", e.Column, e.Msg)
}

// Field kinds: how a field's values are read.
type kind int

const (
	kindText    kind = iota // stemmed words; exact: allowed
	kindNames               // names and addresses; words, phrases, prefixes
	kindFile                // file names: words, or a glob with * and ?
	kindKeyword             // one literal value
	kindDate
	kindPage
	kindHas
	kindVerdict // one of Verdicts
)

var fieldKinds = map[string]kind{
	"subject":     kindText,
	"body":        kindText,
	"from":        kindNames,
	"to":          kindNames,
	"cc":          kindNames,
	"bcc":         kindNames,
	"filename":    kindFile,
	"collection":  kindKeyword,
	"type":        kindKeyword,
	"message-id":  kindKeyword,
	"thread":      kindKeyword,
	"date":        kindDate,
	"has":         kindHas,
	"dkim":        kindVerdict,
	"dkim.domain": kindKeyword,
	"author":      kindNames,
	"lang":        kindKeyword,
	"flag":        kindKeyword,
	"page":        kindPage,
	"person":      kindKeyword,
	"email":       kindKeyword,
	"phone":       kindKeyword,
	"iban":        kindKeyword,
}

// HasValues are the values of has:.
var HasValues = []string{"attachment", "ocr", "encrypted", "flag"}

// Verdicts are the values of dkim: (see internal/dkim).
var Verdicts = []string{"verified", "verified-weak", "failed", "unverifiable", "unsigned"}

// aliases maps other spellings to canonical field names.
var aliases = map[string]string{"mid": "message-id"}

// Fields returns the canonical field names, in the order the documentation
// lists them. "exact" is a modifier, not a field, and is not included.
func Fields() []string {
	return []string{"from", "to", "cc", "bcc", "subject", "body", "filename",
		"collection", "type", "message-id", "thread", "date", "has", "dkim", "dkim.domain", "author", "lang", "flag",
		"page", "person", "email", "phone", "iban"}
}

// MaxPage is the highest page number page: accepts.
const MaxPage = 1_000_000

// maxDepth bounds the nesting of parentheses and unary operators.
const maxDepth = 100

// Parse parses a query. A malformed query gives a *SyntaxError; an empty
// one gives ErrEmpty.
func Parse(s string) (Node, error) {
	p := &parser{s: s}
	p.next()
	if p.err != nil {
		return nil, p.err
	}
	if p.tok.kind == tEOF {
		return nil, ErrEmpty
	}
	n := p.parseOr(context{}, 0)
	if p.err != nil {
		return nil, p.err
	}
	if p.tok.kind == tRParen {
		return nil, p.errorf(p.tok.pos, "unbalanced parenthesis: ) without a matching (")
	}
	if p.tok.kind != tEOF {
		return nil, p.errorf(p.tok.pos, "unexpected %s", p.tok.describe())
	}
	if err := p.checkPages(n); err != nil {
		return nil, err
	}
	return n, nil
}

// checkPages makes sure a page: range applies to the whole query: it is n
// or a direct child of a top-level AND, and there is at most one.
func (p *parser) checkPages(n Node) error {
	var all []*PageRange
	Walk(n, func(c Node) bool {
		if r, ok := c.(*PageRange); ok {
			all = append(all, r)
		}
		return true
	})
	if len(all) == 0 {
		return nil
	}
	// p.pages holds the offsets of the page: values in query order, the
	// order of Walk.
	topLevel := map[*PageRange]bool{}
	switch n := n.(type) {
	case *PageRange:
		topLevel[n] = true
	case *And:
		for _, c := range n.Nodes {
			if r, ok := c.(*PageRange); ok {
				topLevel[r] = true
			}
		}
	}
	for i, r := range all {
		if !topLevel[r] {
			return p.errorf(p.pages[i], "page: applies to the whole query: use it outside OR, NOT and parentheses")
		}
	}
	if len(all) > 1 {
		return p.errorf(p.pages[1], "page: may be used only once (use a range N..M)")
	}
	return nil
}

// context is the field (and exact modifier) applied to a parenthesised
// group, as in subject:(a OR b).
type context struct {
	field string
	exact bool
	set   bool
}

type tokKind int

const (
	tEOF tokKind = iota
	tWord
	tPhrase
	tLParen
	tRParen
	tAnd
	tOr
	tNot
	tMinus
	tPlus
)

type token struct {
	kind     tokKind
	pos      int    // byte offset
	text     string // word as typed, or unescaped phrase
	adjacent bool   // no space between the previous token and this one
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of query"
	case tLParen:
		return "("
	case tRParen:
		return ")"
	case tAnd:
		return "AND"
	case tOr:
		return "OR"
	case tNot:
		return "NOT"
	case tPhrase:
		return "phrase " + Quote(t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

type parser struct {
	s     string
	pos   int // lexer position
	tok   token
	err   error
	pages []int // offsets of the page: values parsed
}

func (p *parser) errorf(pos int, format string, args ...any) *SyntaxError {
	e := &SyntaxError{Offset: pos, Column: utf8.RuneCountInString(p.s[:pos]) + 1, Msg: fmt.Sprintf(format, args...)}
	if p.err == nil {
		p.err = e
	}
	return e
}

func isSpace(r rune) bool { return unicode.IsSpace(r) }

// next lexes the next token into p.tok.
func (p *parser) next() {
	if p.err != nil {
		p.tok = token{kind: tEOF, pos: len(p.s)}
		return
	}
	start := p.pos
	for p.pos < len(p.s) {
		r, size := utf8.DecodeRuneInString(p.s[p.pos:])
		if !isSpace(r) {
			break
		}
		p.pos += size
	}
	adjacent := p.pos == start && start > 0
	pos := p.pos
	if pos >= len(p.s) {
		p.tok = token{kind: tEOF, pos: pos}
		return
	}
	switch c := p.s[pos]; c {
	case '(':
		p.pos++
		p.tok = token{kind: tLParen, pos: pos, adjacent: adjacent}
		return
	case ')':
		p.pos++
		p.tok = token{kind: tRParen, pos: pos, adjacent: adjacent}
		return
	case '"':
		p.tok = token{kind: tPhrase, pos: pos, adjacent: adjacent, text: p.lexPhrase()}
		return
	case '-', '+':
		if pos+1 < len(p.s) {
			r, _ := utf8.DecodeRuneInString(p.s[pos+1:])
			if !isSpace(r) && r != ')' {
				p.pos++
				k := tMinus
				if c == '+' {
					k = tPlus
				}
				p.tok = token{kind: k, pos: pos, adjacent: adjacent}
				return
			}
		}
	}
	for p.pos < len(p.s) {
		r, size := utf8.DecodeRuneInString(p.s[p.pos:])
		if isSpace(r) || r == '(' || r == ')' || r == '"' {
			break
		}
		p.pos += size
	}
	w := p.s[pos:p.pos]
	k := tWord
	switch w {
	case "AND":
		k = tAnd
	case "OR":
		k = tOr
	case "NOT":
		k = tNot
	}
	p.tok = token{kind: k, pos: pos, adjacent: adjacent, text: w}
}

// lexPhrase reads a quoted phrase starting at p.pos, handling \" and \\.
func (p *parser) lexPhrase() string {
	open := p.pos
	p.pos++
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case c == '"':
			p.pos++
			return b.String()
		case c == '\\' && p.pos+1 < len(p.s) && (p.s[p.pos+1] == '"' || p.s[p.pos+1] == '\\'):
			b.WriteByte(p.s[p.pos+1])
			p.pos += 2
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	p.errorf(open, "unclosed quote")
	return ""
}

// startsOperand reports whether the current token can begin an operand.
func (p *parser) startsOperand() bool {
	switch p.tok.kind {
	case tWord, tPhrase, tLParen, tNot, tMinus, tPlus:
		return true
	}
	return false
}

func (p *parser) parseOr(ctx context, depth int) Node {
	if p.tok.kind == tOr {
		p.errorf(p.tok.pos, "OR needs a term before it")
		return nil
	}
	nodes := []Node{p.parseAnd(ctx, depth)}
	for p.err == nil && p.tok.kind == tOr {
		opPos := p.tok.pos
		p.next()
		if !p.startsOperand() {
			p.errorf(opPos, "OR needs a term after it")
			return nil
		}
		nodes = append(nodes, p.parseAnd(ctx, depth))
	}
	if len(nodes) == 1 {
		return nodes[0]
	}
	return &Or{Nodes: nodes}
}

func (p *parser) parseAnd(ctx context, depth int) Node {
	if p.tok.kind == tAnd {
		p.errorf(p.tok.pos, "AND needs a term before it")
		return nil
	}
	var nodes []Node
	for p.err == nil {
		if p.tok.kind == tAnd {
			opPos := p.tok.pos
			p.next()
			if !p.startsOperand() {
				p.errorf(opPos, "AND needs a term after it")
				return nil
			}
		}
		if !p.startsOperand() {
			break
		}
		nodes = append(nodes, p.parseUnary(ctx, depth))
	}
	if p.err != nil {
		return nil
	}
	if len(nodes) == 0 {
		p.errorf(p.tok.pos, "expected a term, found %s", p.tok.describe())
		return nil
	}
	if len(nodes) == 1 {
		return nodes[0]
	}
	return &And{Nodes: nodes}
}

func (p *parser) parseUnary(ctx context, depth int) Node {
	if depth > maxDepth {
		p.errorf(p.tok.pos, "query nested too deeply")
		return nil
	}
	switch p.tok.kind {
	case tNot, tMinus:
		opPos, op := p.tok.pos, "NOT"
		if p.tok.kind == tMinus {
			op = "-"
		}
		p.next()
		if !p.startsOperand() {
			p.errorf(opPos, "%s needs a term after it", op)
			return nil
		}
		n := p.parseUnary(ctx, depth+1)
		if n == nil {
			return nil
		}
		return &Not{Node: n}
	case tPlus:
		p.next()
		return p.parseUnary(ctx, depth+1)
	}
	return p.parsePrimary(ctx, depth)
}

func (p *parser) parsePrimary(ctx context, depth int) Node {
	tok := p.tok
	switch tok.kind {
	case tLParen:
		p.next()
		if p.tok.kind == tRParen {
			p.errorf(tok.pos, "empty parentheses")
			return nil
		}
		n := p.parseOr(ctx, depth+1)
		if p.err != nil {
			return nil
		}
		if p.tok.kind != tRParen {
			p.errorf(tok.pos, "unbalanced parenthesis: ( is never closed")
			return nil
		}
		p.next()
		return n
	case tPhrase:
		p.next()
		return p.value(ctx, tok.pos, tok.text, true)
	case tWord:
		p.next()
		return p.word(ctx, tok)
	}
	p.errorf(tok.pos, "unexpected %s", tok.describe())
	return nil
}

// fieldName splits a word at its first colon if what comes before looks
// like a field name (a letter, then letters, digits, '-' or '_').
func fieldName(w string) (name, rest string, ok bool) {
	i := strings.IndexByte(w, ':')
	if i <= 0 {
		return "", "", false
	}
	name = w[:i]
	for j, r := range name {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || j > 0 && (unicode.IsDigit(r) || r == '-' || r == '_' || r == '.')) {
			return "", "", false
		}
	}
	return strings.ToLower(name), w[i+1:], true
}

// word handles a word token: a field, an exact: modifier, or a value.
func (p *parser) word(ctx context, tok token) Node {
	name, rest, ok := fieldName(tok.text)
	if !ok {
		return p.value(ctx, tok.pos, tok.text, false)
	}
	if ctx.set {
		p.errorf(tok.pos, "field %s: inside a group that already has a field", name)
		return nil
	}
	if canon, ok := aliases[name]; ok {
		name = canon
	}
	if name == "exact" {
		ctx = context{exact: true, set: true}
	} else {
		if _, ok := fieldKinds[name]; !ok {
			p.errorf(tok.pos, "unknown field %q; fields are %s, and the exact: modifier (put the word in quotes to search for it literally)",
				name, strings.Join(Fields(), ", "))
			return nil
		}
		ctx = context{field: name, set: true}
		if n, r, ok := fieldName(rest); ok && n == "exact" {
			ctx.exact = true
			rest = r
		}
	}
	if ctx.exact && ctx.field != "" && fieldKinds[ctx.field] != kindText {
		p.errorf(tok.pos, "exact: applies to free text, subject: and body:, not %s:", ctx.field)
		return nil
	}
	label := ctx.label()
	valuePos := tok.pos + len(tok.text) - len(rest)
	if rest != "" {
		return p.value(ctx, valuePos, rest, false)
	}
	// The value follows the colon directly: a phrase or a group.
	if !p.tok.adjacent {
		p.errorf(valuePos, "%s expects a value right after the colon", label)
		return nil
	}
	switch p.tok.kind {
	case tPhrase:
		ph := p.tok
		p.next()
		return p.value(ctx, ph.pos, ph.text, true)
	case tLParen:
		return p.parsePrimary(ctx, 0)
	}
	p.errorf(valuePos, "%s expects a value right after the colon", label)
	return nil
}

func (c context) label() string {
	switch {
	case c.field != "" && c.exact:
		return c.field + ":exact:"
	case c.exact:
		return "exact:"
	}
	return c.field + ":"
}

// value builds the node for a word or phrase in a field context.
func (p *parser) value(ctx context, pos int, v string, phrase bool) Node {
	if phrase && strings.TrimSpace(v) == "" {
		p.errorf(pos, "empty quotes")
		return nil
	}
	k := fieldKinds[ctx.field]
	switch {
	case ctx.field == "date":
		return p.date(pos, v)
	case ctx.field == "page":
		return p.page(pos, v)
	case ctx.field == "has":
		switch v := strings.ToLower(v); v {
		case "attachment", "attachments":
			return &Term{Field: "has", Value: "attachment"}
		case "ocr", "encrypted", "flag", "flags", "anomaly":
			if v == "flags" || v == "anomaly" {
				v = "flag"
			}
			return &Term{Field: "has", Value: v}
		}
		p.errorf(pos, "has: expects %s", strings.Join(HasValues, ", "))
		return nil
	case k == kindVerdict:
		v = strings.ToLower(v)
		for _, want := range Verdicts {
			if v == want {
				return &Term{Field: ctx.field, Value: v}
			}
		}
		p.errorf(pos, "dkim: expects one of %s", strings.Join(Verdicts, ", "))
		return nil
	case ctx.field == "lang" || ctx.field == "flag":
		return &Term{Field: ctx.field, Value: strings.ToLower(v)}
	case ctx.field == "email":
		v = strings.ToLower(strings.Trim(v, "<> "))
		if !strings.Contains(v, "@") {
			p.errorf(pos, "email: expects an address (name@domain)")
			return nil
		}
		return &Term{Field: ctx.field, Value: v, Phrase: phrase}
	case ctx.field == "iban":
		v = strings.ToUpper(strings.Join(strings.Fields(v), ""))
		if len(v) < 15 {
			p.errorf(pos, "iban: expects an IBAN (FR76 3000 ...)")
			return nil
		}
		return &Term{Field: ctx.field, Value: v, Phrase: phrase}
	case ctx.field == "dkim.domain":
		v = strings.TrimSuffix(strings.ToLower(v), ".")
		if v == "" {
			p.errorf(pos, "dkim.domain: expects a domain")
			return nil
		}
		return &Term{Field: ctx.field, Value: v, Phrase: phrase}
	case ctx.field == "message-id":
		for len(v) >= 2 && v[0] == '<' && v[len(v)-1] == '>' {
			v = v[1 : len(v)-1]
		}
		if v == "" {
			p.errorf(pos, "message-id: expects a message id")
			return nil
		}
		return &Term{Field: ctx.field, Value: v, Phrase: phrase}
	case k == kindKeyword || k == kindFile:
		return &Term{Field: ctx.field, Value: v, Phrase: phrase}
	}
	t := &Term{Field: ctx.field, Value: v, Phrase: phrase, Exact: ctx.exact}
	if !phrase {
		if strings.HasSuffix(v, "*") {
			t.Value, t.Prefix = v[:len(v)-1], true
		}
		if t.Value == "" {
			p.errorf(pos, "wildcard * needs a word before it")
			return nil
		}
		if i := strings.IndexByte(t.Value, '*'); i >= 0 {
			p.errorf(pos+i, "wildcard * is only allowed at the end of a word")
			return nil
		}
	}
	return t
}

// page parses the value of a page: field: N or N..M.
func (p *parser) page(pos int, v string) Node {
	from, to := v, v
	if i := strings.Index(v, ".."); i >= 0 {
		from, to = v[:i], v[i+2:]
	}
	num := func(s string) int {
		if s == "" || len(s) > 7 || strings.TrimLeft(s, "0123456789") != "" {
			return 0
		}
		n, _ := strconv.Atoi(s)
		return n
	}
	f, t := num(from), num(to)
	if f < 1 || t < 1 || f > MaxPage || t > MaxPage {
		p.errorf(pos, "page: expects a page number from 1 to %d or a range N..M, got %q", MaxPage, v)
		return nil
	}
	if t < f {
		p.errorf(pos, "page: range %q ends before it starts", v)
		return nil
	}
	p.pages = append(p.pages, pos)
	return &PageRange{From: f, To: t}
}

// date parses the value of a date: field.
func (p *parser) date(pos int, v string) Node {
	from, to := v, v
	if i := strings.Index(v, ".."); i >= 0 {
		from, to = v[:i], v[i+2:]
		if from == "" && to == "" {
			p.errorf(pos, "date: a range needs at least one end, as in 2017-01..2017-03")
			return nil
		}
	}
	fromT, fromP := parseDate(from)
	toT, toP := parseDate(to)
	if from != "" && fromP == 0 || to != "" && toP == 0 {
		p.errorf(pos, "date: expects YYYY[-MM[-DD]] or a range a..b, got %q", v)
		return nil
	}
	if from != "" && to != "" && !fromT.Before(nextPeriod(toT, toP)) {
		p.errorf(pos, "date: range %q ends before it starts", v)
		return nil
	}
	return &DateRange{From: from, To: to}
}
