package msg

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/testutil"
)

// seeds adds the corpus files matching pattern that are at most max bytes.
func seeds(f *testing.F, pattern string, max int64) {
	files, _ := filepath.Glob(filepath.Join(testutil.CorpusDir(), pattern))
	for _, p := range files {
		if st, err := os.Stat(p); err == nil && st.Size() <= max {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
}

var fuzzOpts = extract.Options{Budget: extract.Budget{MaxBytes: 8 << 20, MaxMembers: 100}}

// FuzzMSG runs Parse (and so mscfb and the CFB writer for attached
// messages) on mutated .msg files.
func FuzzMSG(f *testing.F) {
	seeds(f, "pst/msgreader/test/*.msg", 30<<10)
	f.Add(cfbMagic)
	f.Fuzz(func(t *testing.T, data []byte) {
		// No timer of our own for hangs: while fuzzing, the fuzzing
		// engine fails an input that runs over 10 s; on the seed corpus
		// (go test), go test -timeout does. A timer here failed slow but
		// finite runs on busy machines and under -race.
		m, err := Parse(context.Background(), data, fuzzOpts)
		if err != nil {
			return
		}
		for _, c := range m.Result.Children {
			if c.MIME == MIME && len(c.Data) > 0 {
				if _, err := Parse(context.Background(), c.Data, fuzzOpts); err != nil {
					t.Errorf("attached message written by us does not parse: %v", err)
				}
			}
		}
	})
}

// FuzzLZFu runs DecompressRTF on mutated compressed RTF.
func FuzzLZFu(f *testing.F) {
	f.Add([]byte("\x2d\x00\x00\x00\x2b\x00\x00\x00\x4c\x5a\x46\x75\xf1\xc5\xc7\xa7\x03\x00\x0a\x00\x72\x63\x70\x67\x31\x32\x35\x42\x32\x0a\xf3\x20\x68\x65\x6c\x09\x00\x20\x62\x77\x05\xb0\x6c\x64\x7d\x0a\x80\x0f\xa0"))
	f.Add([]byte("\x10\x00\x00\x00\x04\x00\x00\x00MELA\x00\x00\x00\x00{\\rt"))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, _ := DecompressRTF(data, 1<<16)
		if len(out) > 1<<16 {
			t.Fatalf("%d bytes out", len(out))
		}
		s, _ := rtfText(out, 1<<16)
		if len(s) > 1<<16+4 {
			t.Fatalf("%d bytes of text", len(s))
		}
	})
}

// FuzzRTF runs the RTF body reader on mutated RTF.
func FuzzRTF(f *testing.F) {
	seeds(f, "pst/msgreader/test/*.rtf", 20<<10)
	seeds(f, "email/tnef/*/message.rtf", 20<<10)
	f.Add([]byte(`{\rtf1\ansi\fromhtml1 {\*\htmltag19 <html>}\htmlrtf {\b \htmlrtf0 x}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, _ := rtfText(data, 1<<16)
		if len(s) > 1<<16+4 {
			t.Fatalf("%d bytes of text", len(s))
		}
	})
}

// FuzzTNEF runs ExtractTNEF on mutated TNEF streams.
func FuzzTNEF(f *testing.F) {
	seeds(f, "email/tnef/*.tnef", 30<<10)
	f.Fuzz(func(t *testing.T, data []byte) {
		ExtractTNEF(context.Background(), data, TNEFMIME, fuzzOpts)
	})
}
