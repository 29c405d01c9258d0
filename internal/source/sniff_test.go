package source

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/newsroom/dossier/internal/testutil"
)

func corpusDir() string { return testutil.CorpusDir() }

func sniffFile(t testing.TB, path string) (Kind, string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	head := make([]byte, SniffLen)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		t.Fatal(err)
	}
	return Sniff(head[:n])
}

func TestSniffInline(t *testing.T) {
	for _, tc := range []struct {
		in   string
		kind Kind
		mime string
	}{
		{"", KindOther, MIMEEmpty},
		{"From alice@example.com Thu Jan  1 00:00:00 2004\nSubject: x\n\nFrom bob@example.com Thu Jan  1 00:00:00 2004\n", KindMbox, MIMEMbox},
		{"\xef\xbb\xbfFrom -\r\nFrom: a@example.com\r\n\r\nFrom -\r\n", KindMbox, MIMEMbox},
		{"From 1844347792267117879@xxx\nX-GM-THRID: 1\n\nFrom 1844347792267117880@xxx\n", KindMbox, MIMEMbox},
		// One message with its envelope line, whole: an email.
		{"From alice@example.com Thu Jan  1 00:00:00 2004\nSubject: x\n", KindEmail, MIMEEmail},
		// The same, cut by the end of the head: possibly an mbox.
		{"From alice@example.com Thu Jan  1 00:00:00 2004\nSubject: x\n\n" + strings.Repeat("body\n", SniffLen/5), KindMbox, MIMEMbox},
		{"From the desk of the editor\nDear reader,\n", KindText, "text/plain"},
		{"Received: from a\r\n\tby b; Thu, 1 Jan 2004\r\nSubject: hi\r\n\r\nbody", KindEmail, MIMEEmail},
		{"Return-Path: <>\rX-Original-To: a@b\rSubject: x\r\rbody\r", KindEmail, MIMEEmail},
		{"Message-ID: <1@x>\nDate: Mon, 14 May 2001 16:39:00 -0700 (PDT)\nFrom: a@b\n", KindEmail, MIMEEmail},
		{"Note: buy milk\nTodo: call\n", KindText, "text/plain"},
		{"Subject: x\nnot a header line\n", KindText, "text/plain"},
		{" folded: first\nSubject: x\n", KindText, "text/plain"},
		{"<!DOCTYPE html><html><body>x</body></html>", KindHTML, "text/html"},
		{"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", KindPDF, "application/pdf"},
		{"\x00\x01\x02\x03binary", KindOther, "application/octet-stream"},
		{"\xd7\xcd\xc6\x9a\x00\x00\x00\x00\x00\x00\x10\x00\x10\x00\x60\x00\x00\x00\x00\x00\x00\x00", KindImage, "image/x-wmf"},
		{"\x01\x00\x00\x00\x6c\x00\x00\x00" + strings.Repeat("\x00", 32) + " EMF\x00\x00\x01\x00", KindImage, "image/x-emf"},
	} {
		kind, mime := Sniff([]byte(tc.in))
		if kind != tc.kind || mime != tc.mime {
			t.Errorf("Sniff(%q) = %s %s, want %s %s", tc.in, kind, mime, tc.kind, tc.mime)
		}
	}
}

func TestSniffEnron(t *testing.T) {
	root := testutil.Corpus(t, "enron/maildir")
	var files []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		t.Fatal("no files")
	}
	step := max(1, len(files)/400)
	n := 0
	for i := 0; i < len(files); i += step {
		n++
		if kind, mime := sniffFile(t, files[i]); kind != KindEmail {
			t.Errorf("%s: %s %s", files[i], kind, mime)
		}
	}
	t.Logf("sniffed %d of %d files", n, len(files))
}

func TestSniffSisimai(t *testing.T) {
	// These hold two messages, the second after its own "From " line:
	// mboxes by content.
	twoMessages := []string{"bsd/rfc3464-28.eml", "bsd/rhost-cox-01.eml", "dos/rhost-cox-01.eml", "mac/rhost-cox-01.eml"}
	for _, sub := range []string{"bsd", "dos", "mac"} {
		dir := testutil.Corpus(t, "email/sisimai/maildir/"+sub)
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			want := KindEmail
			if slices.Contains(twoMessages, sub+"/"+e.Name()) {
				want = KindMbox
				b, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				if n := countMessages(b); n != 2 {
					t.Errorf("%s/%s: %d messages, want 2", sub, e.Name(), n)
				}
			}
			if kind, mime := sniffFile(t, filepath.Join(dir, e.Name())); kind != want {
				t.Errorf("%s/%s: %s %s, want %s", sub, e.Name(), kind, mime, want)
			}
		}
	}
}

func TestSniffMbox(t *testing.T) {
	dir := testutil.Corpus(t, "email")
	files := []string{"sisimai/mailbox/mbox-0", "mime4j/mbox-rlug/mbox.rlug"}
	m, _ := filepath.Glob(filepath.Join(dir, "mimekit/mbox/*.mbox.txt"))
	if len(m) == 0 {
		t.Fatal("no mimekit mboxes")
	}
	for _, p := range m {
		rel, _ := filepath.Rel(dir, p)
		files = append(files, rel)
	}
	for _, f := range files {
		if kind, mime := sniffFile(t, filepath.Join(dir, f)); kind != KindMbox || mime != MIMEMbox {
			t.Errorf("%s: %s %s", f, kind, mime)
		}
	}
}

func TestSniffDocs(t *testing.T) {
	dir := testutil.Corpus(t, "docs/aleph-ingest-file")
	for _, tc := range []struct {
		file string
		kind Kind
		mime string
	}{
		{"readme.pdf", KindPDF, "application/pdf"},
		{"regression_jpg.jpg", KindImage, "image/jpeg"},
		{"regression_gif.gif", KindImage, "image/gif"},
		{"../ocrmypdf/baiona.png", KindImage, "image/png"},
		{"hello world word.docx", KindOffice, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"file.xlsx", KindOffice, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{"Plan.odt", KindOffice, "application/vnd.oasis.opendocument.text"},
		{"doc.doc", KindOffice, ""},
		{"test-documents.zip", KindArchive, "application/zip"},
		{"test-documents.tar", KindArchive, "application/x-tar"},
		{"test-documents.rar", KindArchive, ""},
		{"500_pages.7z", KindArchive, "application/x-7z-compressed"},
		{"doc.html", KindHTML, "text/html"},
		{"utf.txt", KindText, "text/plain"},
		{"countries.csv", KindText, "text/csv"},
		{"email_base64.eml", KindEmail, MIMEEmail},
		// A one-message mbox is sniffed as that message.
		{"plan.mbox", KindEmail, MIMEEmail},
	} {
		kind, mime := sniffFile(t, filepath.Join(dir, tc.file))
		if kind != tc.kind || (tc.mime != "" && mime != tc.mime) {
			t.Errorf("%s: %s %s, want %s %s", tc.file, kind, mime, tc.kind, tc.mime)
		}
	}
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if kind, mime := sniffFile(t, empty); kind != KindOther || mime != MIMEEmpty {
		t.Errorf("empty: %s %s", kind, mime)
	}
}
