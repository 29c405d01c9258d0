package sqlfts

import (
	"fmt"
	"strings"
	"time"

	"github.com/newsroom/dossier/internal/search/analysis"
	"github.com/newsroom/dossier/internal/search/query"
)

// errNoWords is returned for a query whose terms all analyse to nothing.
var errNoWords = query.ErrNoWords

// cond is a compiled query node: documents in the FTS5 expression match
// (if any) and satisfying where (if any, an SQL expression on docs d).
// neg marks a node that is the negation of a pure match (no where); an
// AND folds it into its FTS5 expression with NOT. skip marks a node that
// analysed to nothing and constrains nothing.
type cond struct {
	match string
	where string
	args  []any
	neg   bool
	skip  bool
	// dates, for a bounded date range, is an FTS5 expression on the dates
	// column equivalent to where; an AND with text uses it instead of
	// where, so FTS5 intersects the date with the words.
	dates string
}

func (c cond) pureMatch() bool { return c.match != "" && c.where == "" && !c.neg }

// toWhere turns c into one SQL expression on docs d.
func (c cond) toWhere() (string, []any) {
	if c.neg {
		return "d.num NOT IN (SELECT rowid FROM fts WHERE fts MATCH ?)", []any{c.match}
	}
	var parts []string
	var args []any
	if c.match != "" {
		parts = append(parts, "d.num IN (SELECT rowid FROM fts WHERE fts MATCH ?)")
		args = append(args, c.match)
	}
	if c.where != "" {
		parts = append(parts, "("+c.where+")")
		args = append(args, c.args...)
	}
	return strings.Join(parts, " AND "), args
}

// compiler compiles a query tree and collects highlighting terms.
type compiler struct {
	terms   analysis.Terms
	negated int
}

// compile compiles n; the result never has skip set.
func compile(n query.Node) (cond, *analysis.Terms, error) {
	var c compiler
	out, err := c.node(n)
	if err != nil {
		return cond{}, nil, err
	}
	if out.skip {
		return cond{}, nil, errNoWords
	}
	return out, &c.terms, nil
}

func (c *compiler) node(n query.Node) (cond, error) {
	switch n := n.(type) {
	case *query.And:
		return c.and(n.Nodes)
	case *query.Or:
		return c.or(n.Nodes)
	case *query.Not:
		c.negated++
		inner, err := c.node(n.Node)
		c.negated--
		if err != nil || inner.skip {
			return inner, err
		}
		if inner.pureMatch() {
			return cond{match: inner.match, neg: true}, nil
		}
		w, args := inner.toWhere()
		return cond{where: "NOT coalesce(" + w + ", 0)", args: args}, nil
	case *query.DateRange:
		start, end := n.Bounds()
		var parts []string
		var args []any
		if !start.IsZero() {
			parts, args = append(parts, "d.date >= ?"), append(args, start.Unix())
		}
		if !end.IsZero() {
			parts, args = append(parts, "d.date < ?"), append(args, end.Unix())
		}
		return cond{where: strings.Join(parts, " AND "), args: args, dates: dateMatch(start, end)}, nil
	case *query.PageRange:
		// Documents with enough pages; Search then checks the words on
		// the pages themselves (see pageFilter).
		return pageCond(n), nil
	case *query.Term:
		return c.term(n)
	}
	return cond{}, fmt.Errorf("unknown query node %T", n)
}

func (c *compiler) and(nodes []query.Node) (cond, error) {
	var matches, negs, wheres []string
	var args []any
	kids := make([]cond, 0, len(nodes))
	text := false
	for _, n := range nodes {
		cc, err := c.node(n)
		if err != nil {
			return cond{}, err
		}
		kids = append(kids, cc)
		text = text || cc.match != "" && !cc.neg
	}
	for _, cc := range kids {
		if text && cc.dates != "" {
			matches = append(matches, "("+cc.dates+")")
			continue
		}
		switch {
		case cc.skip:
			continue
		case cc.neg:
			negs = append(negs, "("+cc.match+")")
			continue
		}
		if cc.match != "" {
			matches = append(matches, "("+cc.match+")")
		}
		if cc.where != "" {
			wheres = append(wheres, "("+cc.where+")")
			args = append(args, cc.args...)
		}
	}
	var out cond
	switch {
	case len(matches) > 0:
		out.match = strings.Join(matches, " AND ")
		if len(negs) > 0 {
			out.match = "(" + out.match + ") NOT (" + strings.Join(negs, " OR ") + ")"
		}
	case len(negs) > 0 && len(wheres) == 0:
		return cond{match: strings.Join(negs, " OR "), neg: true}, nil
	case len(negs) > 0:
		wheres = append(wheres, "d.num NOT IN (SELECT rowid FROM fts WHERE fts MATCH ?)")
		args = append(args, strings.Join(negs, " OR "))
	}
	out.where = strings.Join(wheres, " AND ")
	out.args = args
	out.skip = out.match == "" && out.where == ""
	return out, nil
}

func (c *compiler) or(nodes []query.Node) (cond, error) {
	var kids []cond
	var matches []string
	for _, n := range nodes {
		cc, err := c.node(n)
		if err != nil {
			return cond{}, err
		}
		switch {
		case cc.skip:
		case cc.pureMatch():
			matches = append(matches, "("+cc.match+")")
		default:
			kids = append(kids, cc)
		}
	}
	if len(kids) == 0 {
		return cond{match: strings.Join(matches, " OR "), skip: len(matches) == 0}, nil
	}
	if len(matches) > 0 {
		kids = append(kids, cond{match: strings.Join(matches, " OR ")})
	}
	var wheres []string
	var args []any
	for _, k := range kids {
		w, a := k.toWhere()
		wheres = append(wheres, "("+w+")")
		args = append(args, a...)
	}
	return cond{where: strings.Join(wheres, " OR "), args: args}, nil
}

// FTS5 column sets.
const (
	colsStem  = "{subject body}"
	colsExact = "{xsubject xbody}"
	colsNames = "{from_names to_names cc_names bcc_names filename}"
)

func (c *compiler) term(t *query.Term) (cond, error) {
	switch t.Field {
	case "collection":
		return cond{where: "d.collection = ?", args: []any{t.Value}}, nil
	case "type":
		v := strings.ToLower(t.Value)
		if strings.HasSuffix(v, "/*") {
			return cond{where: `d.mime LIKE ? ESCAPE '\'`, args: []any{likeEscape(strings.TrimSuffix(v, "*")) + "%"}}, nil
		}
		return cond{where: "(d.kind = ? OR d.mime = ?)", args: []any{v, v}}, nil
	case "message-id":
		return cond{where: "d.message_id = ?", args: []any{t.Value}}, nil
	case "thread":
		return cond{where: "d.thread_id = ?", args: []any{t.Value}}, nil
	case "has":
		switch t.Value {
		case "ocr":
			return cond{where: "d.ocr <> 0"}, nil
		case "encrypted":
			return cond{where: "d.encrypted <> 0"}, nil
		case "flag":
			return cond{where: "d.flags IS NOT NULL"}, nil
		}
		return cond{where: "d.has_attachments <> 0"}, nil
	case "lang":
		return cond{where: "d.lang = ?", args: []any{t.Value}}, nil
	case "flag":
		return cond{where: "instr(d.flags, ?) > 0", args: []any{" " + t.Value + " "}}, nil
	case "author":
		// Every word of the value among the folded words of the author
		// and the last editor; a trailing * makes the last a prefix.
		ws := analysis.Words(t.Value)
		if len(ws) == 0 {
			return cond{skip: true}, nil
		}
		var parts []string
		var args []any
		for i, w := range ws {
			pat := " " + w.Fold + " "
			if t.Prefix && i == len(ws)-1 {
				pat = " " + w.Fold
			}
			parts = append(parts, "instr(d.people, ?) > 0")
			args = append(args, pat)
		}
		return cond{where: strings.Join(parts, " AND "), args: args}, nil
	case "dkim":
		// Messages never verified have no verdict and match no value.
		return cond{where: "d.dkim = ?", args: []any{t.Value}}, nil
	case "dkim.domain":
		return cond{where: "d.num IN (SELECT num FROM dkim_domains WHERE domain = ?)", args: []any{t.Value}}, nil
	case "person":
		// A watched entity by its name or one of its aliases.
		key := "| " + foldKey(t.Value) + " |"
		return cond{where: "d.num IN (SELECT m.num FROM mentions m JOIN watch w ON w.id = m.entity WHERE instr(w.keys, ?) > 0 AND m.count > 0)",
			args: []any{key}}, nil
	case "email", "iban":
		return cond{where: "d.num IN (SELECT num FROM entities WHERE kind = ? AND value = ?)", args: []any{t.Field, t.Value}}, nil
	case "phone":
		v, ok := normPhone(t.Value)
		if !ok {
			return cond{}, &query.SyntaxError{Msg: fmt.Sprintf("phone: %q is not a valid phone number", t.Value)}
		}
		return cond{where: "d.num IN (SELECT num FROM entities WHERE kind = 'phone' AND value = ?)", args: []any{v}}, nil
	case "filename":
		if !t.Phrase && strings.ContainsAny(t.Value, "*?") {
			return cond{where: `d.filename LIKE ? ESCAPE '\'`, args: []any{globToLike(t.Value)}}, nil
		}
	}
	ws := analysis.Words(t.Value)
	if len(ws) == 0 {
		return cond{skip: true}, nil
	}
	c.highlight(t, ws)
	fold := phrase(ws, func(_ int, w analysis.Word) string { return w.Fold }, t.Prefix)
	exact := phrase(ws, func(_ int, w analysis.Word) string { return w.Exact }, t.Prefix)
	var m string
	switch t.Field {
	case "":
		if t.Exact {
			m = colsExact + " : " + exact
		} else {
			m = stemmed(colsStem, colsExact, ws, t.Prefix) + " OR " + colsNames + " : " + fold
		}
	case "subject", "body":
		if t.Exact {
			m = "{x" + t.Field + "} : " + exact
		} else {
			m = stemmed("{"+t.Field+"}", "{x"+t.Field+"}", ws, t.Prefix)
		}
	case "from", "cc", "bcc":
		m = "{" + t.Field + "_names} : " + fold
	case "to":
		// As in notmuch, to: covers To, Cc and Bcc.
		m = "{to_names cc_names bcc_names} : " + fold
	case "filename":
		m = "{filename} : " + fold
	default:
		return cond{}, fmt.Errorf("field %s: is not supported", t.Field)
	}
	return cond{match: m}, nil
}

// stemmed returns the FTS5 expression matching ws in the stemmed columns
// cols: the phrase of French stems or the phrase of English stems. For a
// prefix, the last word is matched by its folded form as a prefix of the
// stems, or by its exact form as a prefix in the exact columns xcols (so
// both "compt*" and "comptes*" find "comptes").
func stemmed(cols, xcols string, ws []analysis.Word, prefix bool) string {
	form := func(french bool) func(int, analysis.Word) string {
		return func(i int, w analysis.Word) string {
			switch {
			case prefix && i == len(ws)-1:
				return w.Fold
			case french:
				return w.StemFR
			}
			return w.StemEN
		}
	}
	fr := phrase(ws, form(true), prefix)
	en := phrase(ws, form(false), prefix)
	m := cols + " : (" + fr + ")"
	if fr != en {
		m = cols + " : (" + fr + " OR " + en + ")"
	}
	if prefix {
		m += " OR " + xcols + " : " + phrase(ws, func(_ int, w analysis.Word) string { return w.Exact }, true)
	}
	return m
}

// phrase returns an FTS5 phrase of form(w) for each word, quoted so that no
// FTS5 syntax can come from user text, with a trailing * for a prefix.
func phrase(ws []analysis.Word, form func(int, analysis.Word) string, prefix bool) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = form(i, w)
	}
	s := `"` + strings.ReplaceAll(strings.Join(parts, " "), `"`, `""`) + `"`
	if prefix {
		s += " *"
	}
	return s
}

// highlight records the positive words of t for the highlighter.
func (c *compiler) highlight(t *query.Term, ws []analysis.Word) {
	if c.negated%2 == 1 {
		return
	}
	for i, w := range ws {
		switch {
		case t.Prefix && i == len(ws)-1:
			c.terms.AddPrefix(w)
		case t.Exact:
			c.terms.AddExact(w)
		case t.Field == "" || t.Field == "subject" || t.Field == "body":
			c.terms.Add(w)
		default:
			c.terms.AddFold(w)
		}
	}
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// globToLike converts a file name glob (* and ?) to a LIKE pattern.
func globToLike(g string) string {
	return strings.NewReplacer("*", "%", "?", "_").Replace(likeEscape(g))
}

// maxDateTokens bounds the FTS5 expression of a date range; longer ranges
// stay SQL filters.
const maxDateTokens = 120

// dateMatch returns an FTS5 expression on the dates column matching the
// days in [start, end) (UTC, day-aligned), with whole years and months as
// one token each, or "" if the range is open, not day-aligned or too long.
func dateMatch(start, end time.Time) string {
	if start.IsZero() || end.IsZero() || !end.After(start) {
		return ""
	}
	dayAligned := func(t time.Time) bool { return t.Equal(t.UTC().Truncate(24 * time.Hour)) }
	if !dayAligned(start) || !dayAligned(end) {
		return ""
	}
	var toks []string
	for cur := start.UTC(); cur.Before(end); {
		switch {
		case cur.YearDay() == 1 && !cur.AddDate(1, 0, 0).After(end):
			toks = append(toks, cur.Format("y2006"))
			cur = cur.AddDate(1, 0, 0)
		case cur.Day() == 1 && !cur.AddDate(0, 1, 0).After(end):
			toks = append(toks, cur.Format("m200601"))
			cur = cur.AddDate(0, 1, 0)
		default:
			toks = append(toks, cur.Format("d20060102"))
			cur = cur.AddDate(0, 0, 1)
		}
		if len(toks) > maxDateTokens {
			return ""
		}
	}
	return "{dates}: (" + strings.Join(toks, " OR ") + ")"
}
