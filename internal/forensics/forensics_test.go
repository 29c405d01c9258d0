package forensics

import (
	"strings"
	"testing"
	"time"

	"github.com/newsroom/dossier/internal/extract"
)

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func rules(fs []Flag) string {
	var r []string
	for _, f := range fs {
		r = append(r, f.Rule)
	}
	return strings.Join(r, ",")
}

func TestRules(t *testing.T) {
	received := *at("2017-05-05T20:00:00+02:00")
	cases := []struct {
		name string
		in   Input
		want string
	}{
		{"clean French spreadsheet", Input{Lang: "fr", Received: received, Meta: extract.Metadata{
			Author: "Alain Tourret", LastModifiedBy: "Émilie Dupont", Created: at("2017-03-01T10:00:00Z"),
			Modified: at("2017-03-02T10:00:00Z"), Creator: "Microsoft Excel", AppVersion: "16.0300"}}, ""},
		// The MacronLeaks spreadsheets: edited by a Cyrillic-named user.
		{"Cyrillic editor of a French document", Input{Lang: "fr", Received: received, Meta: extract.Metadata{
			Author: "En Marche", LastModifiedBy: "Рошка Георгий Петрович"}}, RuleEditorScript},
		{"Cyrillic editor of a Russian document", Input{Lang: "ru", Meta: extract.Metadata{LastModifiedBy: "Рошка Георгий"}}, ""},
		{"unknown language: no script rule", Input{Meta: extract.Metadata{LastModifiedBy: "Рошка Георгий"}}, ""},
		{"modified before created", Input{Meta: extract.Metadata{Created: at("2017-03-02T10:00:00Z"),
			Modified: at("2017-03-01T10:00:00Z")}}, RuleModifiedBeforeCreated},
		{"a minute of skew is not an anomaly", Input{Meta: extract.Metadata{Created: at("2017-03-02T10:00:30Z"),
			Modified: at("2017-03-02T10:00:00Z")}}, ""},
		{"dated after the leak was received", Input{Received: received, Meta: extract.Metadata{
			Created: at("2017-03-01T10:00:00Z"), Modified: at("2017-06-01T10:00:00Z")}}, RuleAfterReceipt},
		{"same day in another zone is not after receipt", Input{Received: received, Meta: extract.Metadata{
			Modified: at("2017-05-06T09:00:00+09:00")}}, ""},
		{"LibreOffice 7.0 cannot have made a 2018 file", Input{Meta: extract.Metadata{Created: at("2018-02-01T10:00:00Z"),
			Creator: "LibreOffice/7.0.4.2$Linux_X86_64 LibreOffice_project/dcf040e67528d9187c66b2379df5ea4407429775"}}, RuleToolAnachronism},
		{"LibreOffice 7.0 in 2021 is fine", Input{Meta: extract.Metadata{Created: at("2021-02-01T10:00:00Z"),
			Creator: "LibreOffice/7.0.4.2$Linux_X86_64"}}, ""},
		{"Word 2016 before 2015", Input{Meta: extract.Metadata{Created: at("2014-02-01T10:00:00Z"),
			Producer: "Microsoft® Word 2016"}}, RuleToolAnachronism},
		{"PDF text changed by an incremental update", Input{Meta: extract.Metadata{Revisions: 2},
			RevisionTexts: []string{"Montant : 12 000 EUR"}, Text: "Montant : 120 000 EUR"}, RuleIncrementalUpdate},
		{"update that keeps the text (a signature)", Input{Meta: extract.Metadata{Revisions: 2},
			RevisionTexts: []string{"Montant :\n12 000 EUR"}, Text: "Montant : 12 000 EUR "}, ""},
	}
	for _, c := range cases {
		if got := rules(Check(c.in)); got != c.want {
			t.Errorf("%s: rules %q, want %q (%v)", c.name, got, c.want, Check(c.in))
		}
	}
	fs := Check(cases[1].in)
	if len(fs) != 1 || !strings.Contains(fs[0].Evidence, `"Рошка Георгий Петрович" is written in Cyrillic script; the document is in French`) {
		t.Errorf("evidence: %+v", fs)
	}
}

func FuzzCheck(f *testing.F) {
	f.Add("Рошка", "LibreOffice/7.0", "fr", int64(1500000000), int64(1400000000))
	f.Fuzz(func(t *testing.T, editor, creator, lang string, created, modified int64) {
		c, m := time.Unix(created%(1<<40), 0), time.Unix(modified%(1<<40), 0)
		Check(Input{Lang: lang, Received: time.Unix(1600000000, 0), Meta: extract.Metadata{LastModifiedBy: editor,
			Creator: creator, Created: &c, Modified: &m}})
	})
}
