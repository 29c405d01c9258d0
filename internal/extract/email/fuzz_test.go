package email

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/newsroom/dossier/internal/testutil"
)

// seeds are handwritten messages covering the features under test.
func seeds() [][]byte {
	return [][]byte{
		[]byte(multipartMsg),
		msg("Subject: =?UTF-8?B?w6k=?= =?koi8-r?B?8NLJ18XU?=", "Date: 5 Jun 00 09:13 PDT", "From: \"a\" <b@c>, d@e (f)", "", "x"),
		msg("Content-Type: multipart/mixed", "", "--zz", "", "text", "--zz--"),
		msg("Content-Type: text/plain; charset=iso-2022-jp", "", "\x1b$B$3$s\x1b(B"),
		msg("Content-Type: text/html", "Content-Transfer-Encoding: quoted-printable", "", "<p>caf=E9=\r\n</p>"),
		msg("Subject: uu", "", "begin 644 hi.txt", "#:&DA", "`", "end"),
		[]byte("no header at all"),
		{0, 1, 2, 0xff},
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range seeds() {
		f.Add(s)
	}
	dir := filepath.Join(testutil.CorpusDir(), "email", "mime4j", "testmsgs")
	if files, err := filepath.Glob(filepath.Join(dir, "*.msg")); err == nil {
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil && len(b) < 16<<10 {
				f.Add(b)
			}
		}
	}
	lim := Limits{MaxParts: 50, MaxDepth: 8, MaxHeaderBytes: 64 << 10, MaxTextBytes: 64 << 10}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(raw, lim)
		if err != nil {
			if len(raw) == 0 {
				return
			}
			t.Fatalf("Parse: %v", err)
		}
		checkValid(t, m, lim)
	})
}

func BenchmarkParse(b *testing.B) {
	var msgs [][]byte
	if dir := filepath.Join(testutil.CorpusDir(), "enron"); dirExists(dir) {
		files := corpusFiles(b, dir, "")
		for _, f := range files {
			if len(msgs) == 2000 {
				break
			}
			if raw, err := os.ReadFile(f); err == nil && len(raw) > 0 {
				msgs = append(msgs, raw)
			}
		}
	}
	if len(msgs) == 0 {
		msgs = seeds()
	}
	var size int64
	for _, m := range msgs {
		size += int64(len(m))
	}
	b.SetBytes(size / int64(len(msgs)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := Parse(msgs[i%len(msgs)], Limits{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
