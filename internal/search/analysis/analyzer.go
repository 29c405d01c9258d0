package analysis

import (
	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/english"
	"github.com/blevesearch/snowballstem/french"
)

// stemCacheMax bounds each per-language stem cache; a full cache is reset.
const stemCacheMax = 1 << 16

// detectTokens is how many tokens language detection looks at.
const detectTokens = 1000

// Analyzer tokenises, folds and stems text, reusing its buffers and caching
// stems. The zero value is not usable; call [NewAnalyzer]. An Analyzer is not
// safe for concurrent use.
type Analyzer struct {
	env   *snowballstem.Env
	fr    map[string]string
	en    map[string]string
	toks  []Token
	fold  []byte
	sbuf  []byte
	ebuf  []byte
	low   []byte
	words []Word
}

// NewAnalyzer returns an Analyzer.
func NewAnalyzer() *Analyzer {
	return &Analyzer{
		env: snowballstem.NewEnv(""),
		fr:  make(map[string]string),
		en:  make(map[string]string),
	}
}

// Word is the analysis of one query token.
type Word struct {
	Fold   string // folded form, used against names and file names
	Exact  string // exact form (lower case, accents kept)
	StemFR string // French stem of Fold
	StemEN string // English stem of Fold
}

// Stems returns the distinct stems of w: one if the French and English
// stems agree, two otherwise.
func (w Word) Stems() []string {
	if w.StemFR == w.StemEN {
		return []string{w.StemFR}
	}
	return []string{w.StemFR, w.StemEN}
}

// Stem returns the stem of the folded word in lang (French or English; any
// other value means English).
func (a *Analyzer) Stem(folded, lang string) string {
	return a.stem([]byte(folded), lang)
}

// stem returns the stem of folded, which must already be folded.
func (a *Analyzer) stem(folded []byte, lang string) string {
	cache := a.en
	if lang == French {
		cache = a.fr
	}
	if s, ok := cache[string(folded)]; ok {
		return s
	}
	w := string(folded)
	s := w
	if stemmable(folded) {
		a.env.SetCurrent(w)
		if lang == French {
			french.Stem(a.env)
		} else {
			english.Stem(a.env)
		}
		s = a.env.Current()
	}
	if len(cache) >= stemCacheMax {
		clear(cache)
	}
	cache[w] = s
	return s
}

// stemmable reports whether a folded token is worth stemming: words with
// digits (dates, amounts, references) are kept as they are.
func stemmable(b []byte) bool {
	if len(b) < 3 {
		return false
	}
	for _, c := range b {
		if '0' <= c && c <= '9' {
			return false
		}
	}
	return true
}

// Index returns the stemmed and exact token strings of text; see the
// package-level [Index].
func (a *Analyzer) Index(text, lang string) (stemmed, exact string) {
	a.toks = Tokenize(text, a.toks[:0])
	if lang != French && lang != English {
		lang = a.detect(text, a.toks)
	}
	sb, eb := a.sbuf[:0], a.ebuf[:0]
	for _, t := range a.toks {
		tok := text[t.Start:t.End]
		a.fold = AppendFold(a.fold[:0], tok)
		if len(a.fold) == 0 {
			continue
		}
		if len(sb) > 0 {
			sb = append(sb, ' ')
			eb = append(eb, ' ')
		}
		sb = append(sb, a.stem(a.fold, lang)...)
		eb, a.low = appendExact(eb, a.low, tok)
	}
	a.sbuf, a.ebuf = sb, eb
	return string(sb), string(eb)
}

// Names returns the folded tokens of text; see the package-level [Names].
func (a *Analyzer) Names(text string) string {
	a.toks = Tokenize(text, a.toks[:0])
	b := a.sbuf[:0]
	for _, t := range a.toks {
		n := len(b)
		if n > 0 {
			b = append(b, ' ')
		}
		b = AppendFold(b, text[t.Start:t.End])
		if len(b) == n+1 {
			b = b[:n]
		}
	}
	a.sbuf = b
	return string(b)
}

// Words analyses a query word or phrase; see the package-level [Words].
// The result is freshly allocated.
func (a *Analyzer) Words(text string) []Word {
	a.toks = Tokenize(text, a.toks[:0])
	var out []Word
	for _, t := range a.toks {
		tok := text[t.Start:t.End]
		a.fold = AppendFold(a.fold[:0], tok)
		if len(a.fold) == 0 {
			continue
		}
		out = append(out, Word{
			Fold:   string(a.fold),
			Exact:  string(AppendExact(nil, tok)),
			StemFR: a.stem(a.fold, French),
			StemEN: a.stem(a.fold, English),
		})
	}
	return out
}

var stopFR, stopEN = set(
	"le", "la", "les", "des", "du", "de", "et", "est", "un", "une", "pour", "dans", "que", "qui",
	"pas", "sur", "au", "aux", "avec", "ce", "cette", "ces", "il", "elle", "nous", "vous", "ils",
	"sont", "etre", "ete", "par", "mais", "ou", "leur", "son", "sa", "ses", "plus", "tres", "aussi",
), set(
	"the", "and", "of", "to", "in", "is", "that", "for", "it", "with", "as", "was", "on", "are",
	"be", "by", "this", "have", "from", "at", "not", "or", "but", "you", "we", "they", "will",
	"would", "has", "had", "been", "which", "there", "their", "our", "your", "if", "can",
)

func set(words ...string) map[string]struct{} {
	m := make(map[string]struct{}, len(words))
	for _, w := range words {
		m[w] = struct{}{}
	}
	return m
}

// detect counts French and English stop words among the first tokens.
func (a *Analyzer) detect(text string, toks []Token) string {
	if len(toks) > detectTokens {
		toks = toks[:detectTokens]
	}
	fr, en := 0, 0
	for _, t := range toks {
		if t.End-t.Start > 6 {
			continue
		}
		a.fold = AppendFold(a.fold[:0], text[t.Start:t.End])
		if _, ok := stopFR[string(a.fold)]; ok {
			fr++
		}
		if _, ok := stopEN[string(a.fold)]; ok {
			en++
		}
	}
	if fr > en {
		return French
	}
	return English
}
