package archive

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/newsroom/dossier/internal/testutil"
	"testing"

	"github.com/newsroom/dossier/internal/extract"
)

// TestCorpusCab reads Tika's test-documents.cab (one MSZIP folder): the
// same nine documents, byte counts and all, as the other test-documents
// archives.
func TestCorpusCab(t *testing.T) {
	res := extractCorpus(t, "docs/tika/pkg/test-documents.cab", extract.Options{})
	if len(res.Children) != len(testDocuments) {
		t.Errorf("%d children: %q", len(res.Children), childPaths(res))
	}
	for i, name := range testDocuments {
		var c *extract.Child
		for j := range res.Children {
			if res.Children[j].Name == name {
				c = &res.Children[j]
			}
		}
		if c == nil {
			t.Errorf("%s: missing from %q", name, childPaths(res))
			continue
		}
		if len(c.Data) != testDocumentSizes[i] || c.Modified == nil {
			t.Errorf("%s: %d bytes (want %d), modified %v, %q %q", name, len(c.Data), testDocumentSizes[i], c.Modified, c.Skip, c.Failed)
		}
	}
	if len(res.Problems) > 0 {
		t.Errorf("problems: %q", res.Problems)
	}
}

// TestCabMultiBlock builds cabinets with gcab (MSZIP and stored) whose
// first file spans many 32 KiB blocks, so that each block's window carries
// over from the one before, then damages one.
func TestCabMultiBlock(t *testing.T) {
	testutil.Tool(t, "gcab")
	dir := t.TempDir()
	var big strings.Builder
	words := []string{"fuite", "document", "ministère", "budget", "compte", "rapport", "Öffentlich"}
	for i := 0; big.Len() < 400_000; i++ {
		big.WriteString(words[(i*7+i/13)%len(words)])
		big.WriteString(" ")
		big.WriteString(strconv.Itoa(i))
		big.WriteString("\n")
	}
	files := map[string]string{"big.txt": big.String(), "small.txt": "hello cab", "empty.txt": ""}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, mode := range []string{"-z", ""} {
		args := []string{"-c"}
		if mode != "" {
			args = append(args, mode)
		}
		cab := filepath.Join(t.TempDir(), "t.cab")
		cmd := exec.Command("gcab", append(append(args, cab), "big.txt", "small.txt", "empty.txt")...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("gcab: %v %s", err, out)
		}
		data, err := os.ReadFile(cab)
		if err != nil {
			t.Fatal(err)
		}
		res := extractOK(t, data, MIMECab, extract.Options{})
		for name, body := range files {
			if got := child(t, res, name); string(got.Data) != body {
				t.Errorf("%s %s: %d bytes, want %d (%q)", mode, name, len(got.Data), len(body), got.Failed+got.Skip)
			}
		}
		// Cut in the middle: what is whole is kept, the rest fails with a
		// reason; no panic.
		res, err = Extract(t.Context(), data[:len(data)/2], MIMECab, extract.Options{})
		if err == nil {
			if c := child(t, res, "big.txt"); c.Data != nil || c.Skip == "" && c.Failed == "" {
				t.Errorf("%s truncated: big.txt %d bytes, no reason", mode, len(c.Data))
			}
		}
	}
}

func FuzzCab(f *testing.F) {
	addCorpusSeeds(f, "docs/tika/pkg/test-documents.cab")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzExtract(t, data, MIMECab) })
}

// cabOverlapping builds a cabinet of one stored folder of 32 KiB that n
// files each claim whole.
func cabOverlapping(n int) []byte {
	le := binary.LittleEndian
	var files []byte
	for i := range n {
		var f [16]byte
		le.PutUint32(f[0:], cabBlockMax) // size
		le.PutUint32(f[4:], 0)           // offset in the folder
		files = append(files, f[:]...)
		files = append(files, fmt.Sprintf("f%d.txt", i)...)
		files = append(files, 0)
	}
	const headerLen, folderLen = 36, 8
	dataAt := headerLen + folderLen + len(files)
	b := make([]byte, headerLen, dataAt+8+cabBlockMax)
	copy(b, "MSCF")
	le.PutUint32(b[8:], uint32(dataAt+8+cabBlockMax))
	le.PutUint32(b[16:], headerLen+folderLen) // the files
	b[24], b[25] = 3, 1
	le.PutUint16(b[26:], 1)         // folders
	le.PutUint16(b[28:], uint16(n)) // files
	b = le.AppendUint32(b, uint32(dataAt))
	b = le.AppendUint16(b, 1) // one data block
	b = le.AppendUint16(b, 0) // stored
	b = append(b, files...)
	b = le.AppendUint32(b, 0) // checksum
	b = le.AppendUint16(b, cabBlockMax)
	b = le.AppendUint16(b, cabBlockMax)
	return append(b, bytes.Repeat([]byte("x"), cabBlockMax)...)
}

// TestCabOverlappingFiles: files that all claim the same bytes of a
// folder each count against the budget, as every other format's members
// do: the folder decoded once is not a licence to hand it out thousands
// of times.
func TestCabOverlappingFiles(t *testing.T) {
	opts := extract.Options{Budget: extract.Budget{MaxBytes: 1 << 20}}
	res := extractOK(t, cabOverlapping(2000), MIMECab, opts)
	var total, skipped int
	for _, c := range res.Children {
		total += len(c.Data)
		if strings.Contains(c.Skip, "budget") {
			skipped++
		}
	}
	if total > 1<<20 || skipped == 0 {
		t.Errorf("%d children, %d bytes handed out, %d skipped for the budget of 1 MiB", len(res.Children), total, skipped)
	}
	// A cabinet whose files share out the folder is read whole.
	res = extractOK(t, cabOverlapping(1), MIMECab, opts)
	if len(res.Children) != 1 || len(res.Children[0].Data) != cabBlockMax {
		t.Errorf("one file: %+v", res.Children)
	}
}
