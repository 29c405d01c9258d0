package people

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// found formats the Found of kind in text as "value@text".
func found(text string, kind string, opts EntityOptions) []string {
	var out []string
	for _, f := range Entities(text, opts) {
		if f.Kind == kind {
			out = append(out, f.Value+"@"+text[f.Start:f.End])
		}
	}
	return out
}

func TestPhones(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"+33 1 42 92 81 00", []string{"+33142928100@+33 1 42 92 81 00"}},
		{"tél. : 01 42 92 81 00.", []string{"+33142928100@01 42 92 81 00"}},
		{"06 12 34 56 78", []string{"+33612345678@06 12 34 56 78"}},
		{"06.12.34.56.78 ou 06-12-34-56-78", []string{"+33612345678@06.12.34.56.78", "+33612345678@06-12-34-56-78"}},
		{"0612345678", []string{"+33612345678@0612345678"}},
		{"+33 (0)6 12 34 56 78", []string{"+33612345678@+33 (0)6 12 34 56 78"}},
		{"0033 6 12 34 56 78", []string{"+33612345678@0033 6 12 34 56 78"}},
		{"01\u00a042\u00a092\u00a081\u00a000", []string{"+33142928100@01\u00a042\u00a092\u00a081\u00a000"}},
		{"+44 20 7946 0958", []string{"+442079460958@+44 20 7946 0958"}},
		{"(appel 06 12 34 56 78)", []string{"+33612345678@06 12 34 56 78"}},
		{"appelez le 06 12 34 56 78 2 fois", []string{"+33612345678@06 12 34 56 78"}},
		// Not phone numbers.
		{"01 23", nil},
		{"00 00 00 00 00", nil},
		{"12/03/2017", nil},
		{"12.03.2017 et 2017-03-12 et 12 03 2017", nil},
		{"2017 2018 2019", nil},
		{"123456789012345678901234567890", nil},
		{"ref0612345678 0612345678abc 3/0612345678", nil},
		{"3.0612345678", nil},
		{"https://example.fr/0612345678", nil},
		{"0612345678@sms.example.fr", nil},
		{"FR14 2004 1010 0505 0001 3M02 606", nil},
	} {
		if got := found(tc.text, FoundPhone, EntityOptions{}); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %q, want %q", tc.text, got, tc.want)
		}
	}
	// Region.
	if got := found("(202) 555-0143 et 020 7946 0958", FoundPhone, EntityOptions{Region: "us"}); !reflect.DeepEqual(got, []string{"+12025550143@(202) 555-0143"}) {
		t.Errorf("US: %q", got)
	}
	if got := found("020 7946 0958", FoundPhone, EntityOptions{Region: "GB"}); !reflect.DeepEqual(got, []string{"+442079460958@020 7946 0958"}) {
		t.Errorf("GB: %q", got)
	}
}

// changeDigit returns s with its last digit changed.
func changeDigit(s string) string {
	b := []byte(s)
	for i := len(b) - 1; i >= 0; i-- {
		if isDigit(b[i]) {
			b[i] = '0' + (b[i]-'0'+1)%10
			break
		}
	}
	return string(b)
}

func TestIBANs(t *testing.T) {
	valid := map[string]string{
		"FR14 2004 1010 0505 0001 3M02 606": "FR1420041010050500013M02606",
		"GB82 WEST 1234 5698 7654 32":       "GB82WEST12345698765432",
		"DE89 3704 0044 0532 0130 00":       "DE89370400440532013000",
		"DE89370400440532013000":            "DE89370400440532013000",
		"fr1420041010050500013m02606":       "FR1420041010050500013M02606",
		"BE68 5390 0754 7034":               "BE68539007547034",
		"NL91 ABNA 0417 1643 00":            "NL91ABNA0417164300",
		"CH93 0076 2011 6238 5295 7":        "CH9300762011623852957",
		"ES91 2100 0418 4502 0005 1332":     "ES9121000418450200051332",
		"IT60 X054 2811 1010 0000 0123 456": "IT60X0542811101000000123456",
		"LU28 0019 4006 4475 0000":          "LU280019400644750000",
		"MC58 1122 2000 0101 2345 6789 030": "MC5811222000010123456789030",
		"SA03 8000 0000 6080 1016 7519":     "SA0380000000608010167519", // generic length
	}
	for in, want := range valid {
		text := "IBAN : " + in + ", merci."
		got := found(text, FoundIBAN, EntityOptions{})
		if !reflect.DeepEqual(got, []string{want + "@" + in}) {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
		if got := found("IBAN "+changeDigit(in)+".", FoundIBAN, EntityOptions{}); len(got) != 0 {
			t.Errorf("%q with a digit changed: got %q", changeDigit(in), got)
		}
	}
	for _, text := range []string{
		"XFR14 2004 1010 0505 0001 3M02 606",    // inside a word
		"FR14 2004 1010 0505 0001 3M02 6060",    // too long for FR
		"FR14  2004 1010 0505 0001 3M02 606",    // double space
		"FR1420041010050500013M026061234567890", // overlong run
	} {
		if got := found(text, FoundIBAN, EntityOptions{}); len(got) != 0 {
			t.Errorf("%q: got %q", text, got)
		}
	}
	// An IBAN followed by a year: the IBAN stops at its length.
	text := "BE68 5390 0754 7034 2017"
	if got := found(text, FoundIBAN, EntityOptions{}); !reflect.DeepEqual(got, []string{"BE68539007547034@BE68 5390 0754 7034"}) {
		t.Errorf("%q: got %q", text, got)
	}
}

func TestEmailsURLsDomains(t *testing.T) {
	text := "Écrire à Jean.Dupont@Example.FR, <b.hamon+campagne@parti-socialiste.fr>; " +
		"voir https://www.lemonde.fr/politique/article.html). Aussi (http://example.com/a_(b)) " +
		"et www.En-Marche.fr/, lemonde.fr et LIBERATION.FR. Pas: rapport.pdf, M.de, fin.It, 3.14, a@b, x@y.z, " +
		"user@@example.fr (malformed), «https://fr.wikipedia.org/wiki/Élysée»."
	got := map[string][]string{}
	for _, f := range Entities(text, EntityOptions{}) {
		if f.Start < 0 || f.End > len(text) || f.Start >= f.End {
			t.Fatalf("bad offsets %+v", f)
		}
		got[f.Kind] = append(got[f.Kind], f.Value+"@"+text[f.Start:f.End])
	}
	want := map[string][]string{
		FoundEmail: {
			"jean.dupont@example.fr@Jean.Dupont@Example.FR",
			"b.hamon+campagne@parti-socialiste.fr@b.hamon+campagne@parti-socialiste.fr",
		},
		FoundURL: {
			"https://www.lemonde.fr/politique/article.html@https://www.lemonde.fr/politique/article.html",
			"http://example.com/a_(b)@http://example.com/a_(b)",
			"www.En-Marche.fr/@www.En-Marche.fr/",
			"https://fr.wikipedia.org/wiki/Élysée@https://fr.wikipedia.org/wiki/Élysée",
		},
		FoundDomain: {
			"example.fr@Example.FR",
			"parti-socialiste.fr@parti-socialiste.fr",
			"lemonde.fr@lemonde.fr",
			"example.com@example.com",
			"en-marche.fr@En-Marche.fr",
			"lemonde.fr@lemonde.fr",
			"fr.wikipedia.org@fr.wikipedia.org",
		},
	}
	for _, k := range []string{FoundEmail, FoundURL, FoundDomain} {
		if !reflect.DeepEqual(got[k], want[k]) {
			t.Errorf("%s:\ngot  %q\nwant %q", k, got[k], want[k])
		}
	}
	if len(got[FoundPhone])+len(got[FoundIBAN]) != 0 {
		t.Errorf("unexpected %q", got)
	}
}

func TestEntitiesKinds(t *testing.T) {
	text := "FR14 2004 1010 0505 0001 3M02 606 06 12 34 56 78 a@example.fr"
	all := Entities(text, EntityOptions{})
	var kinds []string
	for _, f := range all {
		kinds = append(kinds, f.Kind)
	}
	if want := []string{"iban", "phone", "email", "domain"}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("kinds %q, want %q", kinds, want)
	}
	only := Entities(text, EntityOptions{Kinds: []string{FoundPhone}})
	if len(only) != 1 || only[0].Kind != FoundPhone {
		t.Errorf("phones only: %+v", only)
	}
	if got := Entities(text, EntityOptions{Kinds: []string{"nothing"}}); got != nil {
		t.Errorf("unknown kind: %+v", got)
	}
}

// entitiesText is about size bytes of text dense in pattern entities,
// with distinct phone numbers.
func entitiesText(size int) string {
	var sb strings.Builder
	for i := 0; sb.Len() < size; i++ {
		fmt.Fprintf(&sb, "Le %d mars 2017, virement de %d,50 EUR sur le compte FR14 2004 1010 0505 0001 3M02 606 "+
			"(voir https://www.example.fr/doc/%d). Contact : jean.dupont%d@example.fr, tél. 06 12 %02d %02d %02d. "+
			"The report was sent to the campaign team and published on lemonde.fr the next day.\n",
			i%28+1, i*37, i, i, i/10000%100, i/100%100, i%100)
	}
	return sb.String()
}

// BenchmarkEntities measures text whose phone numbers are all new.
func BenchmarkEntities(b *testing.B) {
	text := entitiesText(4 << 20)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		b.StopTimer()
		phoneCache.Lock()
		clear(phoneCache.m)
		phoneCache.Unlock()
		b.StartTimer()
		Entities(text, EntityOptions{})
	}
}

// BenchmarkEntitiesWarm measures text whose phone numbers were seen.
func BenchmarkEntitiesWarm(b *testing.B) {
	text := entitiesText(4 << 20)
	Entities(text, EntityOptions{})
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Entities(text, EntityOptions{})
	}
}

// BenchmarkEntitiesProse measures ordinary text with few entities.
func BenchmarkEntitiesProse(b *testing.B) {
	text := synthText(synthWatchlist(100, 1), 4<<20, 3)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Entities(text, EntityOptions{})
	}
}

// TestLinearWork runs inputs built to defeat the scanners. It asserts no
// time (machines here are shared): a linear scan of these 1 MiB inputs takes
// well under a second, a quadratic one hours, which the go test timeout
// turns into a failure. What it checks is that the scanners agree with
// themselves: the entities found in a text of 2k units are those of k units,
// twice over, give or take the junction.
func TestLinearWork(t *testing.T) {
	_, m := exampleMatcher(t)
	const n = 1 << 20
	for _, unit := range []string{
		"@", "a@", "a.", "www.-", "http://(", "http://a.b)", "FR14", "FR14 ", "1 ", "+1", "(1",
		"½", "Le Pen ", "a@b.fr ", "Jean-Marie ", "\u00ad", "e\u0301", ".", "-0", "0.", "0/",
	} {
		k := n / len(unit) / 2
		half := len(Entities(strings.Repeat(unit, k), EntityOptions{}))
		whole := len(Entities(strings.Repeat(unit, 2*k), EntityOptions{}))
		if d := whole - 2*half; d < -2 || d > 2 {
			t.Errorf("%q: %d entities in %d units, %d in %d", unit, half, k, whole, 2*k)
		}
		text := strings.Repeat(unit, 2*k)
		m.Match(text)
		candidateNames(text, func(int, int) {})
	}
}
