package lang

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsroom/dossier/internal/testutil"
)

func TestDetect(t *testing.T) {
	tests := []struct{ text, want string }{
		{"", ""},
		{"Bonjour", ""}, // too short to judge
		{"Le ministre a reconnu mardi que les documents transmis à la commission d'enquête avaient été modifiés après leur signature.", "fr"},
		{"The minister acknowledged on Tuesday that the documents sent to the committee of inquiry had been altered after they were signed.", "en"},
		{"Der Minister räumte am Dienstag ein, dass die dem Untersuchungsausschuss übermittelten Dokumente nach ihrer Unterzeichnung geändert worden waren.", ""},
		{"El ministro reconoció el martes que los documentos enviados a la comisión de investigación habían sido modificados después de su firma.", ""},
		{"Il ministro ha riconosciuto martedì che i documenti trasmessi alla commissione d'inchiesta erano stati modificati dopo la firma.", ""},
		{"Министр во вторник признал, что документы, переданные следственной комиссии, были изменены после их подписания.", ""},
		{"12345 67890 12345 67890 12345 67890 12345 67890 12345 67890 !!! ???", ""},
	}
	for _, tt := range tests {
		if got := Detect(tt.text); got != tt.want {
			code, conf := Guess(tt.text)
			t.Errorf("Detect(%.40q) = %q, want %q (guess %q %.2f)", tt.text, got, tt.want, code, conf)
		}
	}
}

// TestDetectCorpus checks real French text (the OCR17 transcriptions)
// line by line where lines are long enough, and as a whole.
func TestDetectCorpus(t *testing.T) {
	dir := testutil.Corpus(t, "docs/ocr-french-ocr17/XIX")
	files, _ := filepath.Glob(filepath.Join(dir, "*.gt.txt"))
	var all strings.Builder
	judged, fr := 0, 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
		all.WriteByte('\n')
	}
	// Group lines into paragraphs of about 200 bytes, a short document.
	text := all.String()
	for len(text) > 200 {
		i := strings.IndexByte(text[200:], '\n')
		if i < 0 {
			break
		}
		chunk := text[:200+i]
		text = text[200+i:]
		judged++
		if Detect(chunk) == "fr" {
			fr++
		}
	}
	if judged == 0 || fr*100 < judged*95 {
		t.Errorf("French paragraphs detected as fr: %d of %d", fr, judged)
	}
	t.Logf("French paragraphs detected as fr: %d of %d", fr, judged)
	if got := Detect(all.String()); got != "fr" {
		t.Errorf("whole corpus: %q", got)
	}
}

func BenchmarkDetect(b *testing.B) {
	text := strings.Repeat("The minister acknowledged on Tuesday that the documents had been altered. ", 20000)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Detect(text)
	}
}
