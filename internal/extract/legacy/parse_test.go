package legacy

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/testutil"
)

func TestRTFText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{\rtf1\ansi Hello \b world\b0 .\par Next}`, "Hello world.\nNext"},
		{`{\rtf1\ansi\ansicpg1252 caf\'e9 \u8364? \uc2\u8364xx done}`, "café € € done"},
		// The font's charset chooses the code page of \'hh.
		{`{\rtf1\ansi\ansicpg1252{\fonttbl{\f0\fcharset0 Arial;}{\f1\fcharset204 Arial Cyr;}}\f1 \'cf\'f0\'e8\'e2\'e5\'f2 \f0 caf\'e9}`, "Привет café"},
		// Double-byte code pages take their bytes in pairs.
		{`{\rtf1\ansi\ansicpg936{\fonttbl{\f0\fcharset134 SimSun;}}\f0 \'d6\'d0\'ce\'c4}`, "中文"},
		{`{\rtf1 {\field{\*\fldinst{HYPERLINK "https://example.org/x"}}{\fldrslt{\ul the site}}} and {\field{\*\fldinst HYPERLINK "https://a.b"}{\fldrslt https://a.b}}}`, "the site <https://example.org/x> and https://a.b"},
		{`{\rtf1 {\header Page header\par}Body{\footnote a note}}`, "Page header\nBodya note"},
		{`{\rtf1 {\*\generator Word;}{\info{\title T}}{\*\unknown skipped {\b still}}shown}`, "shown"},
		{`{\rtf1 {\pict\bin4 {}\\}after}`, "after"},
		{`{\rtf1 A\cell B\cell\row C\tab D}`, "A\tB\t\nC\tD"},
		{`{\rtf1 \u-10179?\u-8704? smile}`, "\U0001F600 smile"},
		{`{\rtf1 {\upr{ansi}{\*\ud{unicode}}} x}`, "unicode x"},
		{`{\rtf1 line one\` + "\n" + `line two}`, "line one\nline two"},
		{`{\rtf1 \b0\*\cs7 kept}`, "kept"},
	} {
		got, _ := RTFText([]byte(c.in))
		if got != c.want {
			t.Errorf("RTFText(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
	// 100,000 nested groups: those beyond the depth limit are skipped
	// whole, the text around them is kept, and the group stack does not
	// grow with the nesting. (Checked by output and allocations, not the
	// clock; a hang is caught by go test -timeout.)
	deep := strings.Repeat("{", 100_000) + "x" + strings.Repeat("}", 100_000)
	in := []byte(`{\rtf1 before ` + deep + ` after}`)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	got, truncated := RTFText(in)
	runtime.ReadMemStats(&after)
	if strings.Join(strings.Fields(got), " ") != "before after" || truncated {
		t.Errorf("100,000 nested groups: %q, truncated %v", got, truncated)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2<<20 {
		t.Errorf("100,000 nested groups (%d bytes) allocated %d bytes", len(in), alloc)
	}
}

func TestRTFInfo(t *testing.T) {
	in := `{\rtf1\ansi\ansicpg1251{\info{\title \'cf\'eb\'e0\'ed}{\author Jean Dupont}{\operator \u1048?\u1074?\u1072?\u1085?}` +
		`{\creatim\yr2017\mo4\dy28\hr9\min5}{\revtim\yr2017\mo5\dy5\hr22\min15\sec30}{\version7}{\nofpages3}{\*\company Les R\'e9publicains}}text}`
	info := ParseRTFInfo([]byte(in))
	var m extract.Metadata
	info.apply(&m)
	if m.Title != "План" || m.Author != "Jean Dupont" || m.LastModifiedBy != "Иван" || m.Revision != "7" || m.PageCount != 3 {
		t.Errorf("meta %+v", m)
	}
	if m.Company != "Les Rйpublicains" { // \'e9 in code page 1251 is й: the document says 1251
		t.Errorf("company %q", m.Company)
	}
	if m.Created == nil || m.Created.Format(time.RFC3339) != "2017-04-28T09:05:00Z" || m.Modified == nil || m.Modified.Format(time.RFC3339) != "2017-05-05T22:15:30Z" {
		t.Errorf("dates %v %v", m.Created, m.Modified)
	}
	if ParseRTFInfo([]byte(`{\rtf1 no info}`)) != nil {
		t.Error("info from nothing")
	}
}

func rtfSeeds() [][]byte {
	seeds := [][]byte{
		[]byte(`{\rtf1\ansi\ansicpg1252{\fonttbl{\f1\fcharset204 A;}}{\info{\author a\'e9}{\creatim\yr2017\mo4\dy28}}\f1 \'cf{\field{\*\fldinst HYPERLINK "u"}{\fldrslt t}}\u8364?\bin2 xy\par}`),
		[]byte(`{\rtf1 {\upr{a}{\*\ud{b}}}\uc0\u-10179\u-8704 }`),
	}
	for _, f := range []string{"textract/rtf/raw_text.rtf", "rtf-striprtf/rtf/french.rtf", "rtf-striprtf/rtf/issue_28.rtf", "rtf-striprtf/rtf/hyperlinks.rtf"} {
		if b, err := os.ReadFile(filepath.Join(testutil.CorpusDir(), "docs", f)); err == nil && len(b) < 64<<10 {
			seeds = append(seeds, b)
		}
	}
	return seeds
}

func FuzzRTFText(f *testing.F) {
	for _, s := range rtfSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		text, _ := RTFText(b)
		// Output is bounded by the input: each byte yields a few at
		// most (a \'hh escape, 4 bytes, one rune; a link target twice).
		if len(text) > 4*len(b)+64 {
			t.Fatalf("%d bytes of text from %d", len(text), len(b))
		}
	})
}

func FuzzRTFInfo(f *testing.F) {
	for _, s := range rtfSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		info := ParseRTFInfo(b)
		if info == nil {
			return
		}
		for k, v := range info.Fields {
			if len(v) > maxInfoField+8 {
				t.Fatalf("%s: %d bytes", k, len(v))
			}
		}
		var m extract.Metadata
		info.apply(&m)
	})
}

// FuzzCompoundFile runs what is read in Go from DOC, XLS and PPT files:
// the compound file, the property sets, the workbook globals and the
// encryption flags.
func FuzzCompoundFile(f *testing.F) {
	for _, name := range []string{"textract/xls/standardized_text.xls", "textract/doc/standardized_text.doc", "encrypted-office/inputs/plain.ppt", "encrypted-office/inputs/rc4cryptoapi_password.xls"} {
		if b, err := os.ReadFile(filepath.Join(testutil.CorpusDir(), "docs", name)); err == nil && len(b) < 128<<10 {
			f.Add(b)
		}
	}
	f.Add(append(bytes.Clone(cfbMagic), make([]byte, 1024)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		cf, err := openCFB(b)
		if err != nil {
			return
		}
		var m extract.Metadata
		applyProperties(cf, &m)
		for _, name := range []string{"WordDocument", "Workbook", "Book", "Current User"} {
			s, _ := cf.stream(name)
			if len(s) > len(b) {
				t.Fatalf("stream %s of %d bytes in a file of %d", name, len(s), len(b))
			}
			workbookGlobals(s)
			wordEncrypted(s)
		}
		pptEncrypted(cf)
		sniffCFB(cf)
	})
}
