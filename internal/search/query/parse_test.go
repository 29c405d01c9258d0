package query

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// seeds are valid queries; FuzzParse starts from them.
var seeds = []string{
	`compte`,
	`comptes annuels`,
	`"Société Générale"`,
	`l'État`,
	`enron AND skilling`,
	`enron OR skilling`,
	`enron NOT skilling`,
	`NOT enron`,
	`+enron -skilling`,
	`(enron OR dynegy) AND fraud`,
	`a OR b c`,
	`a OR (b c)`,
	`(a b) OR c`,
	`compt*`,
	`exact:Société`,
	`exact:"Société Générale"`,
	`subject:exact:"Société Générale"`,
	`body:exact:comptes`,
	`exact:(a OR b)`,
	`from:skilling`,
	`from:jeff.skilling@enron.com`,
	`from:"Jeff Skilling"`,
	`to:lay cc:fastow bcc:kopper`,
	`subject:(budget OR bilan)`,
	`subject:(a -b)`,
	`body:fraude`,
	`filename:*.pdf`,
	`filename:"rapport annuel.docx"`,
	`collection:enron`,
	`type:pdf`,
	`type:application/pdf`,
	`type:image/*`,
	`message-id:<abc@example.com>`,
	`mid:abc@example.com`,
	`thread:t123`,
	`date:2017`,
	`date:2017-03`,
	`date:2017-03-31`,
	`date:2017-01-01..2017-03-31`,
	`date:..2017-03`,
	`date:2017..`,
	`date:(2001 OR 2002)`,
	`has:attachment`,
	`10:30`,
	`"from:skilling"`,
	`"a \"quoted\" word" "back\\slash"`,
	`--a`,
	`- a`,
	`a -(b OR c)`,
	`NOT NOT a`,
	`From:Skilling`,
	`subject:Re:`,
	`subject:-foo`,
	`foo"bar"`,
	`collection:enron date:2001 -has:attachment (fraude OR fraud*)`,
	`jusqu'à lorsqu’il`,
	`prix 12,5 €`,
	`budget page:12`,
	`page:1..3 "comptes annuels"`,
	`page:2`,
	`(a OR b) page:007`,
}

func TestParseSeedsRoundTrip(t *testing.T) {
	for _, s := range seeds {
		n, err := Parse(s)
		if err != nil {
			t.Errorf("Parse(%q): %v", s, err)
			continue
		}
		checkRoundTrip(t, s, n)
	}
}

func checkRoundTrip(t *testing.T, s string, n Node) {
	t.Helper()
	out := n.String()
	n2, err := Parse(out)
	if err != nil {
		t.Fatalf("Parse(%q) printed %q which does not parse: %v", s, out, err)
	}
	if !reflect.DeepEqual(n, n2) {
		t.Fatalf("Parse(%q) printed %q which parses to a different tree:\n%#v\n%#v", s, out, n, n2)
	}
}

func TestParseTrees(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`a OR b c`, `a OR (b c)`},
		{`a AND b OR c`, `(a b) OR c`},
		{`+a -b`, `a -b`},
		{`NOT a`, `-a`},
		{`a NOT b`, `a -b`},
		{`subject:(a OR b)`, `subject:a OR subject:b`},
		{`subject:exact:(a b)`, `subject:exact:a subject:exact:b`},
		{`mid:<x@y>`, `message-id:x@y`},
		{`date:2017..2017`, `date:2017`},
		{`has:ATTACHMENTS`, `has:attachment`},
		{`dkim:Verified-Weak`, `dkim:verified-weak`},
		{`dkim.domain:Gmail.COM.`, `dkim.domain:gmail.com`},
		{`FROM:x`, `from:x`},
		{`((a))`, `a`},
		{`a (b c)`, `a (b c)`},
		{`budget PAGE:3..3`, `budget page:3`},
		{`page:02..10 a`, `page:2..10 a`},
		{`page:(4) a`, `page:4 a`},
	} {
		n, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if got := n.String(); got != tc.want {
			t.Errorf("Parse(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseTerm(t *testing.T) {
	n, err := Parse(`subject:exact:"Société Générale"`)
	if err != nil {
		t.Fatal(err)
	}
	want := &Term{Field: "subject", Value: "Société Générale", Phrase: true, Exact: true}
	if !reflect.DeepEqual(n, want) {
		t.Errorf("got %#v", n)
	}
	n, _ = Parse(`compt*`)
	if !reflect.DeepEqual(n, &Term{Value: "compt", Prefix: true}) {
		t.Errorf("prefix: got %#v", n)
	}
}

func TestDateBounds(t *testing.T) {
	utc := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		in         string
		start, end time.Time
	}{
		{"date:2017", utc(2017, 1, 1), utc(2018, 1, 1)},
		{"date:2017-02", utc(2017, 2, 1), utc(2017, 3, 1)},
		{"date:2017-12-31", utc(2017, 12, 31), utc(2018, 1, 1)},
		{"date:2017-01-01..2017-03-31", utc(2017, 1, 1), utc(2017, 4, 1)},
		{"date:..2017-03", time.Time{}, utc(2017, 4, 1)},
		{"date:2017..", utc(2017, 1, 1), time.Time{}},
	} {
		n, err := Parse(tc.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.in, err)
		}
		s, e := n.(*DateRange).Bounds()
		if !s.Equal(tc.start) || !e.Equal(tc.end) {
			t.Errorf("%s: bounds %v..%v, want %v..%v", tc.in, s, e, tc.start, tc.end)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		in     string
		column int
		msg    string
	}{
		{`enron "skilling`, 7, "unclosed quote"},
		{`(enron OR skilling`, 1, "unbalanced parenthesis"},
		{`enron)`, 6, "unbalanced parenthesis"},
		{`foo:bar`, 1, `unknown field "foo"`},
		{`date:2017-13`, 6, "date: expects YYYY[-MM[-DD]] or a range a..b"},
		{`date:yesterday`, 6, "date: expects"},
		{`date:..`, 6, "needs at least one end"},
		{`date:2018..2017`, 6, "ends before it starts"},
		{`a AND`, 3, "AND needs a term after it"},
		{`OR a`, 1, "OR needs a term before it"},
		{`a OR OR b`, 3, "OR needs a term after it"},
		{`NOT`, 1, "NOT needs a term after it"},
		{`subject: budget`, 9, "subject: expects a value"},
		{`has:pdf`, 5, "has: expects attachment, ocr, encrypted, flag"},
		{`dkim:pass`, 6, "dkim: expects one of verified, verified-weak, failed, unverifiable, unsigned"},
		{`from:exact:x`, 1, "exact: applies to"},
		{`subject:(from:x)`, 10, "already has a field"},
		{`a*b`, 2, "only allowed at the end"},
		{`*`, 1, "needs a word before it"},
		{`()`, 1, "empty parentheses"},
		{`""`, 1, "empty quotes"},
		{`été "à`, 5, "unclosed quote"},
		{`budget page:0`, 13, "page: expects a page number"},
		{`page:-1`, 6, "page: expects a page number"},
		{`page:x`, 6, "page: expects a page number"},
		{`page:1.5`, 6, "page: expects a page number"},
		{`page:2..`, 6, "page: expects a page number"},
		{`page:..2`, 6, "page: expects a page number"},
		{`page:99999999`, 6, "page: expects a page number"},
		{`page:5..2`, 6, "ends before it starts"},
		{`a OR page:2`, 11, "applies to the whole query"},
		{`a -page:2`, 9, "applies to the whole query"},
		{`(a page:2) b`, 9, "applies to the whole query"},
		{`page:(1 OR 2)`, 7, "applies to the whole query"},
		{`a page:1 page:2`, 15, "only once"},
		{strings.Repeat("(", 200) + "a" + strings.Repeat(")", 200), 102, "nested too deeply"},
	} {
		_, err := Parse(tc.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v, want a *SyntaxError", tc.in, err)
			continue
		}
		if se.Column != tc.column || !strings.Contains(se.Msg, tc.msg) {
			t.Errorf("Parse(%q) = %q (column %d), want column %d and %q", tc.in, se.Error(), se.Column, tc.column, tc.msg)
		}
	}
	for _, s := range []string{"", "   ", "\t\n"} {
		if _, err := Parse(s); !errors.Is(err, ErrEmpty) {
			t.Errorf("Parse(%q) = %v, want ErrEmpty", s, err)
		}
	}
}

func TestPageRangeOf(t *testing.T) {
	for _, tc := range []struct {
		in       string
		from, to int
	}{
		{`page:3`, 3, 3},
		{`budget page:2..5`, 2, 5},
		{`budget`, 0, 0},
	} {
		n, err := Parse(tc.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.in, err)
		}
		r := PageRangeOf(n)
		if tc.from == 0 {
			if r != nil {
				t.Errorf("%s: got %v, want none", tc.in, r)
			}
			continue
		}
		if r == nil || r.From != tc.from || r.To != tc.to {
			t.Errorf("%s: got %v, want %d..%d", tc.in, r, tc.from, tc.to)
		}
	}
}

func TestUnknownFieldListsFields(t *testing.T) {
	_, err := Parse("auteur:hugo")
	if err == nil || !strings.Contains(err.Error(), "from, to, cc, bcc, subject") || !strings.Contains(err.Error(), "quotes") {
		t.Errorf("err = %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	for _, s := range []string{`a "b`, `(a`, `a)`, `x:y`, `date:20`, `-`, `+`, `a - b`, `\"`, `"\\"`, `"\`, `((a b) OR (c -d))`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.Is(err, ErrEmpty) && !errors.As(err, &se) {
				t.Fatalf("Parse(%q): unexpected error type %T: %v", s, err, err)
			}
			if se != nil && (se.Offset < 0 || se.Offset > len(s)) {
				t.Fatalf("Parse(%q): offset %d out of range", s, se.Offset)
			}
			return
		}
		checkRoundTrip(t, s, n)
	})
}
