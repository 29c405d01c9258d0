package pdf

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/newsroom/dossier/internal/testutil"
)

func TestParseDate(t *testing.T) {
	for in, want := range map[string]string{
		"2014-07-07T21:18:21Z":         "2014-07-07T21:18:21Z",
		"2022-04-03T20:35:52+02":       "2022-04-03T20:35:52+02:00",
		"2022-04-03T20:35:52-05:30":    "2022-04-03T20:35:52-05:30",
		"2022-04-03T20:35:52+0530":     "2022-04-03T20:35:52+05:30",
		"2022-04-03T20:35:52":          "2022-04-03T20:35:52Z",
		"2023-04-10T07:46:54Z07:46":    "2023-04-10T07:46:54Z",
		"D:20170301093000+01'00'":      "2017-03-01T09:30:00+01:00",
		"D:20170301093000-05'00":       "2017-03-01T09:30:00-05:00",
		"D:20170301093000Z":            "2017-03-01T09:30:00Z",
		"D:2017":                       "2017-01-01T00:00:00Z",
		"D:201703":                     "2017-03-01T00:00:00Z",
		"20170301093000":               "2017-03-01T09:30:00Z",
		"2017-03-01":                   "2017-03-01T00:00:00Z",
		"2017-03-01T09:30:00.25+01:00": "2017-03-01T09:30:00+01:00",
	} {
		got, ok := ParseDate(in)
		if !ok || got.Format(time.RFC3339) != want {
			t.Errorf("ParseDate(%q) = %v, %v; want %s", in, got.Format(time.RFC3339), ok, want)
		}
	}
	for _, bad := range []string{"", "D:", "yesterday", "2017-02-31T00:00:00Z", "2017-13-01", "D:20171301", "2017-03-01T09:30:00+25", "D:20170301093000+01'00'junk"} {
		if got, ok := ParseDate(bad); ok {
			t.Errorf("ParseDate(%q) = %v, want failure", bad, got)
		}
	}
}

const pdfinfoOut = `Title:           Rapport
annuel
Author:          Jean Dupont
Creator:         Writer
Producer:        LibreOffice 6.4
CreationDate:    2022-04-03T20:35:52+02
Custom Metadata: no
Metadata Stream: yes
Tagged:          no
UserProperties:  no
Suspects:        no
Form:            AcroForm
JavaScript:      no
Pages:           2
Encrypted:       yes (print:yes copy:yes change:yes addNotes:yes algorithm:RC4)
Page    1 size:  595.304 x 841.89 pts (A4)
Page    1 rot:   0
Page    2 size:  8400 x 8400 pts
Page    2 rot:   90
File size:       12783 bytes
Optimized:       yes
PDF version:     1.5
`

func TestParseInfo(t *testing.T) {
	inf := ParseInfo([]byte(pdfinfoOut))
	if inf.Fields["Title"] != "Rapport\nannuel" || inf.Fields["Author"] != "Jean Dupont" || inf.Fields["CreationDate"] != "2022-04-03T20:35:52+02" {
		t.Errorf("fields %q", inf.Fields)
	}
	if inf.Pages != 2 || !inf.Encrypted || inf.EncryptionDetail != "print:yes copy:yes change:yes addNotes:yes algorithm:RC4" ||
		inf.Version != "1.5" || !inf.Optimized || !inf.MetadataStream || inf.Form != "AcroForm" {
		t.Errorf("info %+v", inf)
	}
	if inf.PageSize[1] != [2]float64{595.304, 841.89} || inf.PageSize[2] != [2]float64{8400, 8400} {
		t.Errorf("sizes %v", inf.PageSize)
	}
	if len(inf.Fields) != 5 {
		t.Errorf("%d fields: %q", len(inf.Fields), inf.Fields)
	}
	// A title cannot forge the page count: pdfinfo prints the real one
	// after the information dictionary.
	inf = ParseInfo([]byte("Title:           x\nPages: 999\nPages:           3\n"))
	if inf.Pages != 3 {
		t.Errorf("pages %d", inf.Pages)
	}
}

func FuzzRevisions(f *testing.F) {
	f.Add(editedPDF())
	f.Add(signedPDF())
	f.Add([]byte("%PDF-1.4\nstartxref\n0\n%%EOF\n"))
	f.Add([]byte("%PDF-1.4\n1 0 obj<</Linearized 1/L 60>>endobj\nxref\nstartxref\n9\n%%EOF\n"))
	for _, name := range []string{"tika/pdf/testPDF_incrementalUpdates.pdf", "ocrmypdf/meta.pdf", "tika/pdf/testPageNumber.pdf"} {
		if b, err := os.ReadFile(filepath.Join(testutil.CorpusDir(), "docs", name)); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		revs := Revisions(data)
		if len(revs) == 0 {
			t.Fatal("no revision")
		}
		prev := int64(0)
		for i, r := range revs {
			if r.End <= prev && !(i == 0 && r.End == 0) || r.End > int64(len(data)) {
				t.Fatalf("revision %d ends at %d (previous %d, size %d)", i+1, r.End, prev, len(data))
			}
			prev = r.End
		}
		if prev != int64(len(data)) {
			t.Fatalf("last revision ends at %d, file is %d bytes", prev, len(data))
		}
	})
}

func FuzzParseInfo(f *testing.F) {
	f.Add([]byte(pdfinfoOut))
	f.Add([]byte("Page    1 size: 1e308 x -3 pts\nPages: -1\nEncrypted: yes (\n"))
	f.Fuzz(func(t *testing.T, out []byte) {
		inf := ParseInfo(out)
		if len(inf.Fields) > maxFields || len(inf.PageSize) > maxPageSizes {
			t.Fatalf("unbounded: %d fields, %d sizes", len(inf.Fields), len(inf.PageSize))
		}
		for n, sz := range inf.PageSize {
			if n <= 0 || sz[0] < 0 || sz[1] < 0 {
				t.Fatalf("page %d size %v", n, sz)
			}
		}
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"D:20170301093000+01'00'", "2022-04-03T20:35:52+02", "2014-07-07T21:18:21Z", "D:2017", "2023-04-10T07:46:54Z07:46"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParseDate(s)
		if !ok {
			return
		}
		// What was read reads back the same.
		again, ok := ParseDate(d.Format("2006-01-02T15:04:05-07:00"))
		if !ok || !again.Equal(d) {
			t.Fatalf("%q read as %v, which reads back as %v %v", s, d, again, ok)
		}
	})
}
