package msg

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/testutil"
)

// dupSuffix is how the reference names repeated attachment names.
var dupSuffix = regexp.MustCompile(`\.\d+$`)

func crlf(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")) }

// TestTNEFCorpus compares ExtractTNEF with MimeKit's expected attachments
// (each .tnef has a folder of the files it holds): names and bytes, the
// latter after CRLF normalisation since the reference files went through
// git's line-ending conversion.
func TestTNEFCorpus(t *testing.T) {
	dir := testutil.Corpus(t, "email/tnef")
	files, _ := filepath.Glob(filepath.Join(dir, "*.tnef"))
	agree, total := 0, 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		res, err := ExtractTNEF(context.Background(), data, TNEFMIME, extract.Options{})
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		folder := strings.TrimSuffix(f, ".tnef")
		entries, _ := os.ReadDir(folder)
		used := map[int]bool{}
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), "message.") {
				continue
			}
			want, _ := os.ReadFile(filepath.Join(folder, e.Name()))
			name := e.Name()
			if strings.HasPrefix(name, "Untitled Attachment") {
				name = dupSuffix.ReplaceAllString(name, "")
			}
			total++
			found := false
			for i, c := range res.Children {
				if !used[i] && c.Name == name && bytes.Equal(crlf(c.Data), crlf(want)) {
					used[i], found = true, true
					break
				}
			}
			if found {
				agree++
			} else if knownTNEF[filepath.Base(f)] == "" {
				t.Errorf("%s: no attachment %q of %d bytes", filepath.Base(f), e.Name(), len(want))
			} else {
				t.Logf("%s: %q differs: %s", filepath.Base(f), e.Name(), knownTNEF[filepath.Base(f)])
			}
		}
	}
	t.Logf("TNEF attachments agreeing (name and bytes): %d/%d", agree, total)
}

var knownTNEF = map[string]string{
	"christmas.tnef": "the reference writes each attached message's attAttachData (an 89-byte rendering) and its PR_ATTACH_DATA_OBJ as two files; ExtractTNEF keeps one child per attachment, the attached message",
}

// TestLZFuCorpus decompresses the RTF bodies of the TNEF and MSG corpora
// and compares them with the reference decompressions.
func TestLZFuCorpus(t *testing.T) {
	ok, total := 0, 0
	compare := func(name string, comp, want []byte) {
		total++
		got, err := DecompressRTF(comp, 1<<30)
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if bytes.Equal(bytes.TrimRight(crlf(got), "\x00\n"), bytes.TrimRight(crlf(want), "\x00\n")) {
			ok++
		} else {
			t.Errorf("%s: %d bytes, want %d", name, len(got), len(want))
		}
	}
	tdir := testutil.Corpus(t, "email/tnef")
	files, _ := filepath.Glob(filepath.Join(tdir, "*.tnef"))
	for _, f := range files {
		want, err := os.ReadFile(filepath.Join(strings.TrimSuffix(f, ".tnef"), "message.rtf"))
		if err != nil {
			continue
		}
		data, _ := os.ReadFile(f)
		tn := &tnef{ctx: context.Background(), res: &extract.Result{}, codepage: "windows-1252", maxMembers: 100, left: 1 << 30}
		tn.parse(data[6:])
		comp, _, found := tn.msgProps.get(prRTFCompressed)
		if !found {
			t.Errorf("%s: no compressed RTF", filepath.Base(f))
			continue
		}
		compare(filepath.Base(f), comp, want)
	}
	mdir := testutil.Corpus(t, "pst/msgreader/test")
	files, _ = filepath.Glob(filepath.Join(mdir, "*.rtf"))
	for _, f := range files {
		want, _ := os.ReadFile(f)
		data, err := os.ReadFile(strings.TrimSuffix(f, ".rtf") + ".msg")
		if err != nil {
			continue
		}
		left := int64(1 << 30)
		root, err := readCFB(data, &left)
		if err != nil {
			t.Fatal(err)
		}
		comp := newProps(root, 32).bin(prRTFCompressed)
		compare(filepath.Base(f), comp, want)
	}
	t.Logf("compressed RTF bodies decompressed as the reference: %d/%d", ok, total)
	if ok != total {
		t.Errorf("%d of %d differ", total-ok, total)
	}
}
