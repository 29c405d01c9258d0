package structured

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/extract/zipdoc"
)

// delimiters are the candidates [ExtractCSV] chooses from.
var delimiters = []rune{',', '\t', ';', '|', ':'}

var delimName = map[rune]string{',': "comma", '\t': "tab", ';': "semicolon", '|': "pipe", ':': "colon"}

// ExtractCSV extracts delimited text: the delimiter is detected (comma,
// tab, semicolon, pipe or colon: the one that splits the first lines into
// the same number of fields, more than one), and each record becomes a
// line of tab-separated fields. Text that does not parse as delimited
// records is kept as it is, with a problem.
func ExtractCSV(ctx context.Context, data []byte, mime string, opts extract.Options) (*extract.Result, error) {
	res := &extract.Result{}
	text := decode(data, mime, false, res)
	text = strings.TrimPrefix(text, "\uFEFF")
	d := detectDelimiter(text)
	setExtra(res, "delimiter", delimName[d])
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = d
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = true
	var t zipdoc.Text
	t.Max = int(zipdoc.Allowance(opts.Budget, len(data)))
	n := 0
	for {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && pe.Err == csv.ErrFieldCount {
				continue // cannot happen with FieldsPerRecord < 0
			}
			res.Problems = append(res.Problems, fmt.Sprintf("record %d: %v; the rest kept as plain text", n+1, err))
			line, _ := r.FieldPos(0)
			t.Sep(zipdoc.Line)
			t.WriteString(restFromLine(text, line))
			break
		}
		n++
		for _, f := range rec {
			if f = strings.TrimSpace(f); f != "" {
				t.WriteString(f)
			}
			t.Sep(zipdoc.Tab)
		}
		t.Sep(zipdoc.Line)
		if t.Truncated() {
			break
		}
	}
	if t.Truncated() {
		res.Problems = append(res.Problems, fmt.Sprintf("text truncated at %d bytes (budget)", t.Len()))
	}
	setExtra(res, "records", strconv.Itoa(n))
	res.Text = t.String()
	return res, nil
}

// restFromLine returns text from its 1-based line onwards.
func restFromLine(text string, line int) string {
	for i := 1; i < line && text != ""; i++ {
		j := strings.IndexByte(text, '\n')
		if j < 0 {
			return ""
		}
		text = text[j+1:]
	}
	return text
}

// detectDelimiter picks the delimiter that splits the first lines (up to
// 20, outside quotes) into the most consistent number of fields greater
// than one; comma when nothing fits.
func detectDelimiter(text string) rune {
	lines := firstLines(text, 20)
	best, bestScore := ',', 0.0
	for _, d := range delimiters {
		counts := map[int]int{}
		for _, l := range lines {
			counts[countOutsideQuotes(l, d)]++
		}
		mode, freq := 0, 0
		for c, f := range counts {
			if f > freq || (f == freq && c > mode) {
				mode, freq = c, f
			}
		}
		if mode == 0 {
			continue
		}
		// Consistency first, then more fields; colon only when clearly
		// better (times and URLs have colons).
		score := float64(freq)/float64(len(lines))*100 + float64(min(mode, 50))/100
		if d == ':' {
			score -= 10
		}
		if score > bestScore {
			best, bestScore = d, score
		}
	}
	return best
}

func firstLines(text string, n int) []string {
	var out []string
	for len(out) < n && text != "" {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			i = len(text)
		}
		if l := strings.TrimRight(text[:i], "\r"); strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
		if i == len(text) {
			break
		}
		text = text[i+1:]
	}
	return out
}

func countOutsideQuotes(l string, d rune) int {
	n, quoted := 0, false
	for _, c := range l {
		switch {
		case c == '"':
			quoted = !quoted
		case c == d && !quoted:
			n++
		}
	}
	return n
}
