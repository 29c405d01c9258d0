// Package forensics flags documents whose metadata deserves a second look:
// dates that contradict each other or the leak, editors named in another
// script than the document's language, PDFs changed after they were
// first saved, tools that did not exist yet. A flag is "anomaly: needs
// review" with its rule and evidence, never a verdict of forgery: each
// rule has innocent explanations (a wrong clock, a template reused, a
// translator), which the evidence lets a reader weigh.
package forensics

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/newsroom/dossier/internal/extract"
)

// Rules, the values of Flag.Rule and of the flag: search field.
const (
	RuleModifiedBeforeCreated = "modified-before-created"
	RuleAfterReceipt          = "date-after-receipt"
	RuleEditorScript          = "editor-script"
	RuleIncrementalUpdate     = "incremental-update"
	RuleToolAnachronism       = "tool-anachronism"
)

// Rules lists every rule, for documentation and query validation.
var Rules = []string{RuleModifiedBeforeCreated, RuleAfterReceipt, RuleEditorScript, RuleIncrementalUpdate, RuleToolAnachronism}

// Flag is one anomaly.
type Flag struct {
	Rule     string `json:"rule"`
	Evidence string `json:"evidence"`
}

// Input is what the rules look at.
type Input struct {
	Meta extract.Metadata
	// Lang is the document's detected language ("fr", "en", "" unknown).
	Lang string
	// Received is when the collection was received (its ingest, unless
	// the user says otherwise); dates after it are anomalies.
	Received time.Time
	// RevisionTexts are the texts of a PDF's earlier revisions, oldest
	// first; Text is the final text.
	RevisionTexts []string
	Text          string
}

// slack absorbs time zones and clock skew in date comparisons.
const slack = 26 * time.Hour

// Check applies every rule.
func Check(in Input) []Flag {
	var flags []Flag
	add := func(rule, format string, a ...any) {
		flags = append(flags, Flag{Rule: rule, Evidence: fmt.Sprintf(format, a...)})
	}
	m := in.Meta
	if m.Created != nil && m.Modified != nil && m.Modified.Before(m.Created.Add(-time.Minute)) {
		add(RuleModifiedBeforeCreated, "modified %s, before created %s", stamp(*m.Modified), stamp(*m.Created))
	}
	if !in.Received.IsZero() {
		for _, d := range []struct {
			name string
			t    *time.Time
		}{{"created", m.Created}, {"modified", m.Modified}, {"printed", m.Printed}, {"taken", m.TakenAt}} {
			if d.t != nil && d.t.After(in.Received.Add(slack)) {
				add(RuleAfterReceipt, "%s %s, after the collection was received (%s)", d.name, stamp(*d.t), stamp(in.Received))
			}
		}
	}
	if want := langScript(in.Lang); want != "" {
		for _, p := range []struct{ role, name string }{{"author", m.Author}, {"last modified by", m.LastModifiedBy}} {
			if s := dominantScript(p.name); s != "" && s != want {
				add(RuleEditorScript, "%s %q is written in %s script; the document is in %s", p.role, p.name, s, langName(in.Lang))
			}
		}
	}
	if n := len(in.RevisionTexts); n > 0 {
		// Compare each saved state with the next, the last with the final
		// text: an update that only signs or re-linearises keeps the text.
		states := append(append([]string(nil), in.RevisionTexts...), in.Text)
		var changed []string
		for i := 1; i < len(states); i++ {
			if normalize(states[i-1]) != normalize(states[i]) {
				changed = append(changed, strconv.Itoa(i+1))
			}
		}
		if len(changed) > 0 {
			add(RuleIncrementalUpdate, "%d saved states; the text changed in update(s) %s (%d characters in the first, %d in the last)",
				len(states), strings.Join(changed, ", "), len([]rune(states[0])), len([]rune(in.Text)))
		}
	}
	if f, ok := anachronism(m); ok {
		flags = append(flags, f)
	}
	return flags
}

func stamp(t time.Time) string { return t.Format("2006-01-02 15:04 -0700") }

func normalize(s string) string { return strings.Join(strings.Fields(s), " ") }

// langScript is the script a language is written in.
func langScript(lang string) string {
	switch lang {
	case "fr", "en", "de", "es", "it", "nl", "pt":
		return "Latin"
	case "ru", "uk", "bg":
		return "Cyrillic"
	}
	return ""
}

func langName(lang string) string {
	switch lang {
	case "fr":
		return "French"
	case "en":
		return "English"
	}
	return lang
}

var scripts = []struct {
	name  string
	table *unicode.RangeTable
}{
	{"Latin", unicode.Latin}, {"Cyrillic", unicode.Cyrillic}, {"Greek", unicode.Greek}, {"Arabic", unicode.Arabic},
	{"Hebrew", unicode.Hebrew}, {"Han", unicode.Han}, {"Hangul", unicode.Hangul}, {"Armenian", unicode.Armenian},
	{"Georgian", unicode.Georgian}, {"Devanagari", unicode.Devanagari}, {"Thai", unicode.Thai},
}

// dominantScript is the script of most letters in s, "" when s has none.
func dominantScript(s string) string {
	counts := make([]int, len(scripts))
	total := 0
	for _, r := range s {
		if !unicode.IsLetter(r) {
			continue
		}
		total++
		for i, sc := range scripts {
			if unicode.Is(sc.table, r) {
				counts[i]++
				break
			}
		}
	}
	best := -1
	for i, c := range counts {
		if c > 0 && (best < 0 || c > counts[best]) {
			best = i
		}
	}
	if best < 0 || counts[best]*2 < total {
		return ""
	}
	return scripts[best].name
}

// tools are producing applications with the date each version appeared;
// a document dated before its tool existed is an anomaly. The table is
// deliberately small and conservative (first public release dates).
var tools = []struct {
	re      *regexp.Regexp
	version func(m []string) (string, time.Time, bool)
}{
	{regexp.MustCompile(`(?i)LibreOffice[/ ](\d+)\.(\d+)`), func(m []string) (string, time.Time, bool) {
		return versionDate("LibreOffice", m, libreOffice)
	}},
	{regexp.MustCompile(`(?i)Microsoft.*(?:Word|Excel|PowerPoint|Office).*?\b(20\d\d)\b`), func(m []string) (string, time.Time, bool) {
		t, ok := msOfficeYears[m[1]]
		return "Microsoft Office " + m[1], t, ok
	}},
	{regexp.MustCompile(`(?i)Microsoft.*365`), func(m []string) (string, time.Time, bool) {
		return "Microsoft 365", day(2017, 3, 1), true
	}},
	{regexp.MustCompile(`(?i)Acrobat (?:PDFMaker|Distiller|Pro(?: DC)?) (\d+)`), func(m []string) (string, time.Time, bool) {
		t, ok := acrobat[m[1]]
		return "Acrobat " + m[1], t, ok
	}},
}

func versionDate(name string, m []string, table map[string]time.Time) (string, time.Time, bool) {
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	key := fmt.Sprintf("%d.%d", major, minor)
	t, ok := table[key]
	return name + " " + key, t, ok
}

func day(y int, mo time.Month, d int) time.Time { return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC) }

var libreOffice = map[string]time.Time{
	"3.3": day(2011, 1, 25), "3.4": day(2011, 6, 3), "3.5": day(2012, 2, 14), "3.6": day(2012, 8, 8),
	"4.0": day(2013, 2, 7), "4.1": day(2013, 7, 25), "4.2": day(2014, 1, 30), "4.3": day(2014, 7, 30), "4.4": day(2015, 1, 29),
	"5.0": day(2015, 8, 5), "5.1": day(2016, 2, 10), "5.2": day(2016, 8, 3), "5.3": day(2017, 2, 1), "5.4": day(2017, 7, 28),
	"6.0": day(2018, 1, 31), "6.1": day(2018, 8, 8), "6.2": day(2019, 2, 7), "6.3": day(2019, 8, 8), "6.4": day(2020, 1, 29),
	"7.0": day(2020, 8, 5), "7.1": day(2021, 2, 3), "7.2": day(2021, 8, 19), "7.3": day(2022, 2, 2), "7.4": day(2022, 8, 18),
	"7.5": day(2023, 2, 2), "7.6": day(2023, 8, 21), "24.2": day(2024, 1, 31), "24.8": day(2024, 8, 22), "25.2": day(2025, 2, 6),
}

var msOfficeYears = map[string]time.Time{
	"2003": day(2003, 10, 21), "2007": day(2007, 1, 30), "2010": day(2010, 6, 15), "2013": day(2013, 1, 29),
	"2016": day(2015, 9, 22), "2019": day(2018, 9, 24), "2021": day(2021, 10, 5), "2024": day(2024, 10, 1),
}

var acrobat = map[string]time.Time{
	"5": day(2001, 5, 1), "6": day(2003, 7, 1), "7": day(2005, 1, 1), "8": day(2006, 11, 1), "9": day(2008, 6, 1),
	"10": day(2010, 11, 15), "11": day(2012, 10, 15),
}

// anachronism flags a document created before the tool that made it was
// released.
func anachronism(m extract.Metadata) (Flag, bool) {
	when := m.Created
	if when == nil {
		when = m.Modified
	}
	if when == nil {
		return Flag{}, false
	}
	for _, field := range []struct{ name, value string }{{"producer", m.Producer}, {"creator", m.Creator}, {"application", m.Creator + " " + m.AppVersion}} {
		if strings.TrimSpace(field.value) == "" {
			continue
		}
		for _, t := range tools {
			sub := t.re.FindStringSubmatch(field.value)
			if sub == nil {
				continue
			}
			name, released, ok := t.version(sub)
			if ok && when.Before(released.Add(-slack)) {
				return Flag{Rule: RuleToolAnachronism, Evidence: fmt.Sprintf("dated %s, but its %s %q names %s, released %s",
					stamp(*when), field.name, field.value, name, released.Format("2006-01-02"))}, true
			}
		}
	}
	return Flag{}, false
}
