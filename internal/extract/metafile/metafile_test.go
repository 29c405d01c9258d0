package metafile

import (
	"archive/zip"
	"context"
	"encoding/binary"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/testutil"
)

// emfTextRec builds an EMR_EXTTEXTOUTW drawing s at (x, y), each character
// advance wide.
func emfTextRec(x, y int32, s string, advance int32) []byte {
	u := utf16.Encode([]rune(s))
	rec := make([]byte, 76)
	le := binary.LittleEndian
	le.PutUint32(rec[0:], 84)
	le.PutUint32(rec[36:], uint32(x))
	le.PutUint32(rec[40:], uint32(y))
	le.PutUint32(rec[44:], uint32(len(u)))
	le.PutUint32(rec[48:], 76)
	for _, c := range u {
		rec = le.AppendUint16(rec, c)
	}
	for len(rec)%4 != 0 {
		rec = append(rec, 0)
	}
	le.PutUint32(rec[72:], uint32(len(rec)))
	for range u {
		rec = le.AppendUint32(rec, uint32(advance))
	}
	le.PutUint32(rec[4:], uint32(len(rec)))
	return rec
}

func emf(records ...[]byte) []byte {
	le := binary.LittleEndian
	head := make([]byte, 88)
	le.PutUint32(head[0:], 1)
	le.PutUint32(head[4:], 88)
	copy(head[40:], " EMF")
	out := head
	for _, r := range records {
		out = append(out, r...)
	}
	eof := make([]byte, 20)
	le.PutUint32(eof[0:], 14)
	le.PutUint32(eof[4:], 20)
	return append(out, eof...)
}

// wmfRecord builds a WMF record of function fn.
func wmfRecord(fn uint16, params []byte) []byte {
	if len(params)%2 != 0 {
		params = append(params, 0)
	}
	le := binary.LittleEndian
	r := le.AppendUint32(nil, uint32(3+len(params)/2))
	r = le.AppendUint16(r, fn)
	return append(r, params...)
}

func wmf(placeable bool, records ...[]byte) []byte {
	le := binary.LittleEndian
	var out []byte
	if placeable {
		out = le.AppendUint32(out, wmfPlaceable)
		out = append(out, make([]byte, 18)...)
	}
	head := []byte{1, 0, 9, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	out = append(out, head...)
	for _, r := range records {
		out = append(out, r...)
	}
	return append(out, wmfRecord(0, nil)...)
}

func textOut(s string, y, x int16) []byte {
	le := binary.LittleEndian
	p := le.AppendUint16(nil, uint16(len(s)))
	p = append(p, s...)
	if len(s)%2 != 0 {
		p = append(p, 0)
	}
	p = le.AppendUint16(p, uint16(y))
	return le.AppendUint16(p, uint16(x))
}

func TestSynthetic(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		data       []byte
	}{
		{"emf: a line, a word drawn letter by letter, a gap", "Rapport confidentiel\nÉlysée 2017",
			emf(emfTextRec(0, 0, "Rapport", 10), emfTextRec(80, 0, "confidentiel", 10),
				emfTextRec(0, 40, "É", 10), emfTextRec(10, 40, "l", 10), emfTextRec(20, 40, "y", 10), emfTextRec(30, 40, "s", 10),
				emfTextRec(40, 40, "é", 10), emfTextRec(50, 40, "e", 10), emfTextRec(200, 40, "2017", 10))},
		{"placeable wmf, TEXTOUT in windows-1252", "Trésorier du parti",
			wmf(true, wmfRecord(0x0521, textOut("Tr\xe9sorier", 10, 0)), wmfRecord(0x0521, textOut("du parti", 10, 200)))},
		{"wmf, EXTTEXTOUT with a clipping rectangle", "Annexe",
			wmf(false, wmfRecord(0x0A32, append([]byte{5, 0, 5, 0, 6, 0, 4, 0, 1, 0, 2, 0, 3, 0, 4, 0}, "Annexe"...)))},
	} {
		res, err := Extract(context.Background(), tc.data, "", extract.Options{})
		if err != nil || res.Text != tc.want || len(res.Problems) > 0 {
			t.Errorf("%s: %v %q %q, want %q", tc.name, err, res.Text, res.Problems, tc.want)
		}
		// Every cut gives a result or a problem, never a panic.
		for i := range len(tc.data) {
			if res, err := Extract(context.Background(), tc.data[:i], "", extract.Options{}); err == nil && len(res.Text) > len(tc.want) {
				t.Errorf("%s cut at %d: %q", tc.name, i, res.Text)
			}
		}
	}
	if _, err := Extract(context.Background(), []byte("GIF89a"), "", extract.Options{}); err == nil {
		t.Error("a GIF accepted")
	}
}

// TestCorpus reads the EMF and WMF previews inside the corpus's office
// files: most hold text (file names under object icons, snapshots of
// sheets, charts' labels), and known phrases come out whole.
func TestCorpus(t *testing.T) {
	root := testutil.Corpus(t, "docs")
	found, withText := 0, 0
	var all strings.Builder
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".docx", ".xlsx", ".pptx":
		default:
			return nil
		}
		zr, err := zip.OpenReader(p)
		if err != nil {
			return nil
		}
		defer zr.Close()
		for _, f := range zr.File {
			if ext := strings.ToLower(filepath.Ext(f.Name)); ext != ".emf" && ext != ".wmf" || f.UncompressedSize64 > 16<<20 {
				continue
			}
			r, err := f.Open()
			if err != nil {
				continue
			}
			data, _ := io.ReadAll(r)
			r.Close()
			if Sniff(data) == "" {
				continue
			}
			found++
			res, err := Extract(context.Background(), data, "", extract.Options{})
			if err != nil {
				t.Errorf("%s %s: %v", filepath.Base(p), f.Name, err)
				continue
			}
			if res.Text != "" {
				withText++
				all.WriteString(res.Text + "\n")
			}
		}
		return nil
	})
	t.Logf("%d metafiles, %d with text", found, withText)
	if found < 40 || withText*10 < found*8 {
		t.Errorf("%d metafiles, %d with text", found, withText)
	}
	for _, want := range []string{"The quick brown fox jumps over the lazy dog", "Sample Excel Worksheet - Numbers and their Squares",
		"Microsoft Word\nDocument", "Apache Tika is a toolkit for detecting and extracting metadata"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("no metafile text holds %q", want)
		}
	}
}

func FuzzExtract(f *testing.F) {
	f.Add(emf(emfTextRec(0, 0, "Rapport", 10)))
	f.Add(wmf(true, wmfRecord(0x0521, textOut("Tr\xe9sorier", 10, 0))))
	f.Add(wmf(false, wmfRecord(0x0A32, append([]byte{5, 0, 5, 0, 6, 0, 4, 0, 1, 0, 2, 0, 3, 0, 4, 0}, "Annexe"...))))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Extract(context.Background(), data, "", extract.Options{})
		if err == nil && len(res.Text) > 4*len(data) {
			t.Fatalf("%d bytes of text from %d", len(res.Text), len(data))
		}
	})
}
