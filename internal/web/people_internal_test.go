package web

import (
	"slices"
	"testing"
)

func TestTimeline(t *testing.T) {
	type bar struct {
		period, tick string
		count        int64
		level        int
	}
	bars := func(tv *timelineView) []bar {
		var out []bar
		for _, b := range tv.Bars {
			out = append(out, bar{b.Period, b.Tick, b.Count, b.Level})
		}
		return out
	}
	// Months without documents are shown; undated ones are counted apart.
	tv := newTimeline([]MonthCount{{"", 2}, {"2016-11", 1}, {"2017-02", 3}}, `person:"X"`)
	want := []bar{{"2016-11", "2016-11", 1, 7}, {"2016-12", "2016-12", 0, 0}, {"2017-01", "2017-01", 0, 0}, {"2017-02", "2017-02", 3, 20}}
	if got := bars(tv); !slices.Equal(got, want) || tv.Unit != "month" || tv.Undated != 2 || tv.Total != 6 || tv.Peak != 3 ||
		tv.First != "2016-11" || tv.Last != "2017-02" {
		t.Errorf("months: %+v\n%+v", tv, got)
	}
	if h := tv.Bars[0].Href; h != "/search?q=person%3A%22X%22+date%3A2016-11&sort=date" {
		t.Errorf("bar link %s", h)
	}
	// Many months: a year tick at the first bar and at each January.
	tv = newTimeline([]MonthCount{{"2016-11", 1}, {"2018-02", 1}}, `person:"X"`)
	var ticks []string
	for _, b := range tv.Bars {
		if b.Tick != "" {
			ticks = append(ticks, b.Period+"="+b.Tick)
		}
	}
	if len(tv.Bars) != 16 || !slices.Equal(ticks, []string{"2016-11=2016", "2017-01=2017", "2018-01=2018"}) {
		t.Errorf("16 months: %d bars, ticks %q", len(tv.Bars), ticks)
	}
	// More than maxMonthlyBars months: by year, every year shown.
	tv = newTimeline([]MonthCount{{"1990-01", 1}, {"1990-06", 1}, {"2017-03", 5}}, `person:"X"`)
	if tv.Unit != "year" || len(tv.Bars) != 28 || tv.Bars[0].Count != 2 || tv.Bars[27].Count != 5 || tv.Bars[10].Tick != "2000" ||
		tv.Bars[1].Tick != "" || tv.Sparse {
		t.Errorf("years: %+v", bars(tv))
	}
	// A date far off (a wrong clock): only the years with documents.
	tv = newTimeline([]MonthCount{{"1601-01", 1}, {"2017-01", 4}, {"nonsense", 1}}, `person:"X"`)
	if !tv.Sparse || len(tv.Bars) != 2 || tv.Undated != 1 {
		t.Errorf("sparse: %+v", tv)
	}
	if tv := newTimeline(nil, "x"); len(tv.Bars) != 0 || tv.Total != 0 {
		t.Errorf("empty: %+v", tv)
	}
}

func TestSpanSnippet(t *testing.T) {
	text := "Le <b>rapport</b>   dit que\nFrançois Fillon a signé. Puis F. Fillon encore. é"
	fillon := [2]int{28, 44}
	for _, c := range []struct {
		spans [][2]int
		size  int
		want  string
	}{
		{[][2]int{fillon}, 240, "Le &lt;b&gt;rapport&lt;/b&gt; dit que <mark>François Fillon</mark> a signé. Puis F. Fillon encore. é"},
		{[][2]int{{60, 69}, fillon}, 240, "Le &lt;b&gt;rapport&lt;/b&gt; dit que <mark>François Fillon</mark> a signé. Puis <mark>F. Fillon</mark> encore. é"},
		{[][2]int{fillon}, 30, "… dit que <mark>François Fillon</mark> a…"},
		{[][2]int{{-1, 3}, {40, 500}, {33, 35}, {5, 5}}, 240, ""}, // out of range, inside a rune, empty
		{nil, 240, ""},
	} {
		if got := string(spanSnippet(text, c.spans, c.size)); got != c.want {
			t.Errorf("spans %v size %d:\n got %s\nwant %s", c.spans, c.size, got, c.want)
		}
	}
	if got := string(spanSnippet("a\u202eb Fillon", [][2]int{{6, 12}}, 240)); got != `a\u202eb <mark>Fillon</mark>` {
		t.Errorf("bidi control: %s", got)
	}
}

func TestCSVCell(t *testing.T) {
	for in, want := range map[string]string{"=1+1": "'=1+1", "+33 1": "'+33 1", "-2": "'-2", "@SUM(A1)": "'@SUM(A1)",
		"\tx": "'\tx", "\rx": "'\rx", "a=b": "a=b", "": "", "'x": "'x"} {
		if got := csvCell(in); got != want {
			t.Errorf("csvCell(%q) = %q, want %q", in, got, want)
		}
	}
}
