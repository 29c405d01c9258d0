package source

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/newsroom/dossier/internal/testutil"
)

// readAll splits an mbox and returns copies of its messages.
func readAll(t testing.TB, r io.Reader, lim Limits, unescape bool) []Message {
	t.Helper()
	mr := NewMboxReader(r, lim)
	mr.Unescape = unescape
	var out []Message
	for {
		m, err := mr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("message %d: %v", len(out)+1, err)
		}
		m.Data = bytes.Clone(m.Data)
		out = append(out, m)
		if len(out) > 1<<20 {
			t.Fatal("no end of messages")
		}
	}
}

// checkAccounting verifies the partition invariant of Message against in.
func checkAccounting(t testing.TB, in []byte, msgs []Message) {
	t.Helper()
	var total int64
	for i, m := range msgs {
		if m.Index != i+1 {
			t.Fatalf("message %d has index %d", i+1, m.Index)
		}
		if m.DataOffset != total+m.Framing {
			t.Fatalf("message %d: data offset %d, want %d", m.Index, m.DataOffset, total+m.Framing)
		}
		if m.Separator != nil {
			if !bytes.HasPrefix(in[m.Offset:], m.Separator) || !bytes.HasPrefix(m.Separator, fromSpace) {
				t.Fatalf("message %d: separator %q not at offset %d", m.Index, m.Separator, m.Offset)
			}
		} else if m.Offset != m.DataOffset {
			t.Fatalf("message %d: offset %d without separator, data offset %d", m.Index, m.Offset, m.DataOffset)
		}
		if int64(len(m.Data)) > m.Size || m.Truncated != (int64(len(m.Data)) < m.Size) {
			t.Fatalf("message %d: len %d size %d truncated %v", m.Index, len(m.Data), m.Size, m.Truncated)
		}
		total += m.Framing + m.Size + m.Unquoted + m.Trailer
	}
	if total != int64(len(in)) {
		t.Fatalf("framing+size+unquoted = %d, input is %d bytes", total, len(in))
	}
}

func TestMboxBasic(t *testing.T) {
	in := "From a@example.com Thu Jan  1 00:00:00 2004\nSubject: one\n\nbody\n>From quoted\n>>From twice\n\n" +
		"From b@example.com Thu Jan  1 00:00:01 2004\nSubject: two\n\nFrom Russia with love\n\nno\nFrom - \nSubject: three\n\n\n"
	msgs := readAll(t, strings.NewReader(in), Limits{}, true)
	checkAccounting(t, []byte(in), msgs)
	want := []struct{ sep, data string }{
		{"From a@example.com Thu Jan  1 00:00:00 2004", "Subject: one\n\nbody\nFrom quoted\n>From twice\n"},
		{"From b@example.com Thu Jan  1 00:00:01 2004", "Subject: two\n"},
		{"From Russia with love", "\nno\n"},
		{"From - ", "Subject: three\n\n"}, // the last empty line is the writer's trailer
	}
	if len(msgs) != len(want) {
		t.Fatalf("got %d messages, want %d", len(msgs), len(want))
	}
	for i, w := range want {
		if string(msgs[i].Separator) != w.sep || string(msgs[i].Data) != w.data {
			t.Errorf("message %d: sep %q data %q, want %q %q", i+1, msgs[i].Separator, msgs[i].Data, w.sep, w.data)
		}
	}
	if msgs[0].Unquoted != 2 {
		t.Errorf("unquoted %d, want 2", msgs[0].Unquoted)
	}

	raw := readAll(t, strings.NewReader(in), Limits{}, false)
	checkAccounting(t, []byte(in), raw)
	if !bytes.Contains(raw[0].Data, []byte("\n>From quoted\n>>From twice\n")) || raw[0].Unquoted != 0 {
		t.Errorf("Unescape=false changed the data: %q", raw[0].Data)
	}
}

func TestMboxSeparatorRule(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"From a Thu Jan  1 00:00:00 2004\nx\nFrom me to you\n", 1},                  // no date, after text
		{"From a Thu Jan  1 00:00:00 2004\nx\nFrom b Sat Jan  3 01:05:34 1996\n", 2}, // full separator after text
		{"From a Thu Jan  1 00:00:00 2004\nx\nFrom -\ny\n", 2},                       // Mozilla marker
		{"From a Thu Jan  1 00:00:00 2004\nx\n\nFrom me to you\n", 2},                // after a blank line
		{"From a\nFrom b\n", 1}, // second line is not a separator
		{"not an mbox\n", 1},
		{"\xef\xbb\xbfFrom -\nx\n", 1},
		{"x\n\nFrom a\ny\n", 2},
		{"\n", 1},
		{"", 0},
		{"F", 1},
		{"From ", 1},
		{"From " + strings.Repeat("x", MaxSeparatorLen) + "\n", 1},
	} {
		msgs := readAll(t, strings.NewReader(tc.in), Limits{}, true)
		checkAccounting(t, []byte(tc.in), msgs)
		if len(msgs) != tc.want {
			t.Errorf("%q: %d messages, want %d", tc.in, len(msgs), tc.want)
		}
	}
	if msgs := readAll(t, strings.NewReader("From "+strings.Repeat("x", MaxSeparatorLen)+"\n"), Limits{}, true); msgs[0].Separator != nil {
		t.Errorf("overlong line taken as separator")
	}
}

func TestMboxTruncation(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB line, no line ending
	in := "From a Thu Jan  1 00:00:00 2004\n" + big + "\n\nFrom b Thu Jan  1 00:00:00 2004\nsmall\n"
	msgs := readAll(t, strings.NewReader(in), Limits{MaxMessageBytes: 1000}, true)
	checkAccounting(t, []byte(in), msgs)
	if len(msgs) != 2 {
		t.Fatalf("got %d messages", len(msgs))
	}
	if !msgs[0].Truncated || len(msgs[0].Data) != 1000 || msgs[0].Size != int64(len(big)+1) || string(msgs[0].Data) != big[:1000] {
		t.Errorf("first: truncated %v len %d size %d", msgs[0].Truncated, len(msgs[0].Data), msgs[0].Size)
	}
	if msgs[1].Truncated || string(msgs[1].Data) != "small\n" {
		t.Errorf("second: %+v", msgs[1])
	}
}

// TestMboxHugeLine streams a 100 MB line through a small limit without
// holding it.
func TestMboxHugeLine(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	const n = 100 << 20
	r := io.MultiReader(strings.NewReader("From a Thu Jan  1 00:00:00 2004\n"), io.LimitReader(repeatReader('x'), n), strings.NewReader("\n"))
	mr := NewMboxReader(r, Limits{MaxMessageBytes: 1 << 20})
	m, err := mr.Next()
	if err != nil {
		t.Fatal(err)
	}
	if m.Size != n+1 || !m.Truncated || len(m.Data) != 1<<20 || cap(mr.data) > 1<<20 {
		t.Errorf("size %d truncated %v len %d cap %d", m.Size, m.Truncated, len(m.Data), cap(mr.data))
	}
	if _, err := mr.Next(); !errors.Is(err, io.EOF) {
		t.Errorf("want EOF, got %v", err)
	}
}

type repeatReader byte

func (b repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// lineEndings rewrites the LF line endings of s.
func lineEndings(s []byte, eol string) []byte {
	return bytes.ReplaceAll(s, []byte("\n"), []byte(eol))
}

func TestMboxLineEndingsAndReaders(t *testing.T) {
	dir := testutil.Corpus(t, "email/mime4j/mbox-rlug")
	lf, err := os.ReadFile(filepath.Join(dir, "mbox.rlug"))
	if err != nil {
		t.Fatal(err)
	}
	want := readAll(t, bytes.NewReader(lf), Limits{}, true)
	for _, eol := range []string{"\r\n", "\r"} {
		in := lineEndings(lf, eol)
		for name, r := range map[string]io.Reader{
			"whole":   bytes.NewReader(in),
			"onebyte": iotest.OneByteReader(bytes.NewReader(in)),
			"half":    iotest.HalfReader(bytes.NewReader(in)),
		} {
			got := readAll(t, r, Limits{}, true)
			checkAccounting(t, in, got)
			if len(got) != len(want) {
				t.Fatalf("%q %s: %d messages, want %d", eol, name, len(got), len(want))
			}
			for i := range got {
				if !bytes.Equal(got[i].Data, lineEndings(want[i].Data, eol)) || !bytes.Equal(got[i].Separator, want[i].Separator) {
					t.Errorf("%q %s: message %d differs", eol, name, i+1)
				}
			}
		}
	}
}

func TestMboxMime4jRlug(t *testing.T) {
	dir := testutil.Corpus(t, "email/mime4j/mbox-rlug")
	in, err := os.ReadFile(filepath.Join(dir, "mbox.rlug"))
	if err != nil {
		t.Fatal(err)
	}
	msgs := readAll(t, bytes.NewReader(in), Limits{}, true)
	checkAccounting(t, in, msgs)
	if len(msgs) != 5 {
		t.Fatalf("got %d messages, want 5", len(msgs))
	}
	for i, m := range msgs {
		want, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("mbox.rlug-%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		// mime4j keeps the empty line that precedes the next separator
		// (or ends the file) in the message; dossier gives it to the
		// separator (or the trailer).
		got := append(bytes.Clone(m.Data), '\n')
		if !bytes.Equal(got, want) {
			t.Errorf("message %d differs from mbox.rlug-%d", i+1, i)
		}
	}
}

// summarySubjects reads the "Subject:" lines of a MimeKit *-summary.txt,
// one per message.
func summarySubjects(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var subjects []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if s, ok := strings.CutPrefix(sc.Text(), "Subject: "); ok {
			subjects = append(subjects, s)
		}
	}
	return subjects
}

var subjectRE = regexp.MustCompile(`(?m)^Subject: ?(.*?)\r?$`)

func TestMboxMimeKit(t *testing.T) {
	dir := testutil.Corpus(t, "email/mimekit/mbox")
	for _, tc := range []struct {
		file, summary string
		want          int
	}{
		{"content-length.mbox.txt", "content-length-summary.txt", 29},
		{"issue1189.mbox.txt", "issue1189-summary.txt", 4},
		{"simple.mbox.txt", "", 3},
		// No summary ships for it; MimeKit's TestUnmungedFromLines expects 4
		// messages: "From Russia with love" after an empty line separates.
		{"unmunged.mbox.txt", "", 4},
	} {
		t.Run(tc.file, func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join(dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			msgs := readAll(t, bytes.NewReader(in), Limits{}, true)
			checkAccounting(t, in, msgs)
			if len(msgs) != tc.want {
				t.Fatalf("got %d messages, want %d", len(msgs), tc.want)
			}
			if tc.summary == "" {
				return
			}
			want := summarySubjects(t, filepath.Join(dir, tc.summary))
			if len(want) != tc.want {
				t.Fatalf("summary lists %d subjects", len(want))
			}
			for i, m := range msgs {
				hdr, _, _ := bytes.Cut(m.Data, []byte("\n\n"))
				sm := subjectRE.FindSubmatch(hdr)
				if sm == nil || strings.TrimSpace(string(sm[1])) != strings.TrimSpace(want[i]) {
					t.Errorf("message %d: subject %q, want %q", i+1, sm, want[i])
				}
			}
		})
	}
	t.Run("unmunged markers", func(t *testing.T) {
		in, err := os.ReadFile(filepath.Join(dir, "unmunged.mbox.txt"))
		if err != nil {
			t.Fatal(err)
		}
		msgs := readAll(t, bytes.NewReader(in), Limits{}, true)
		for i, m := range msgs {
			want := "From -"
			if i%2 == 1 {
				want = "From Russia with love"
			}
			if got := strings.TrimSpace(string(m.Separator)); got != want {
				t.Errorf("message %d: separator %q, want %q", i+1, got, want)
			}
		}
		if msgs[0].Framing != int64(len(utf8BOM)+len("From -\n")) {
			t.Errorf("byte order mark not in framing: %d", msgs[0].Framing)
		}
	})
}

// countSeparators counts "From " lines at the start of the input or after an
// empty line, independently of MboxReader.
func countSeparators(in []byte) int {
	n := 0
	lines := bytes.Split(bytes.ReplaceAll(in, []byte("\r\n"), []byte("\n")), []byte("\n"))
	for i, l := range lines {
		if bytes.HasPrefix(l, fromSpace) && (i == 0 || len(lines[i-1]) == 0) {
			n++
		}
	}
	return n
}

func TestMboxSisimai(t *testing.T) {
	dir := testutil.Corpus(t, "email/sisimai/mailbox")
	for _, tc := range []struct {
		file string
		want int // -1: count separators
	}{
		{"mbox-0", -1}, {"mbox-1", -1}, {"size-0", 0}, {"size-1", 1}, {"size-2", 1},
	} {
		in, err := os.ReadFile(filepath.Join(dir, tc.file))
		if err != nil {
			t.Fatal(err)
		}
		want := tc.want
		if want < 0 {
			want = countSeparators(in)
		}
		msgs := readAll(t, bytes.NewReader(in), Limits{}, true)
		checkAccounting(t, in, msgs)
		if len(msgs) != want {
			t.Errorf("%s: %d messages, want %d", tc.file, len(msgs), want)
		}
		if tc.file == "mbox-0" && want != 37 {
			t.Errorf("mbox-0: counted %d separators, expected 37", want)
		}
	}
}

func TestMboxReadError(t *testing.T) {
	boom := errors.New("boom")
	mr := NewMboxReader(iotest.ErrReader(boom), Limits{})
	for range 3 {
		if _, err := mr.Next(); !errors.Is(err, boom) {
			t.Fatalf("got %v, want boom", err)
		}
	}
}

// unquoteRef is a line-by-line reference for mboxrd unescaping.
func unquoteRef(span []byte) []byte {
	var out []byte
	for len(span) > 0 {
		e := bytes.IndexAny(span, "\r\n")
		n := len(span)
		if e >= 0 {
			n = e + 1
			if span[e] == '\r' && e+1 < len(span) && span[e+1] == '\n' {
				n++
			}
		}
		line := span[:n]
		w := line[:min(len(line), MaxSeparatorLen)]
		k := 0
		for k < len(w) && w[k] == '>' {
			k++
		}
		if k > 0 && bytes.HasPrefix(w[k:], fromSpace) {
			line = line[1:]
		}
		out = append(out, line...)
		span = span[n:]
	}
	return out
}

// FuzzMbox splits arbitrary input, read in uneven chunks, with a 64-byte
// message limit. It checks that splitting ends (no panic, no error loop),
// that memory stays bounded (data buffer capacity <= the limit, fixed read
// buffer), and that messages account for every input byte:
//
//	sum over messages of (Framing + Size + Unquoted + Trailer) == len(input)
//
// with each message's DataOffset equal to everything before it plus its own
// Framing, its Separator found at Offset, and its Data the first
// min(Size, limit) bytes of input[DataOffset : DataOffset+Size+Unquoted]
// once mboxrd quoting is removed by an independent line-by-line reference.
func FuzzMbox(f *testing.F) {
	f.Add([]byte("From a Thu Jan  1 00:00:00 2004\nx\n>From y\n\nFrom b\r\n\r\nz\r\n"))
	f.Add([]byte("\xef\xbb\xbfFrom -\rSubject: x\r\rFrom - \r>>From q\r"))
	f.Add([]byte(""))
	f.Add([]byte("\n\n\nFrom "))
	for _, dir := range []string{"email/mimekit/mbox", "email/mime4j/mbox-rlug", "email/sisimai/mailbox"} {
		files, _ := filepath.Glob(filepath.Join(testutil.CorpusDir(), dir, "*"))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		const limit = 64
		mr := NewMboxReader(iotest.HalfReader(bytes.NewReader(in)), Limits{MaxMessageBytes: limit})
		var msgs []Message
		for {
			m, err := mr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if cap(mr.data) > limit || len(mr.buf) != mboxBufSize {
				t.Fatalf("memory not bounded: data cap %d", cap(mr.data))
			}
			m.Data = bytes.Clone(m.Data)
			msgs = append(msgs, m)
			if len(msgs) > len(in)+1 {
				t.Fatal("more messages than bytes")
			}
		}
		checkAccounting(t, in, msgs)
		for _, m := range msgs {
			span := in[m.DataOffset : m.DataOffset+m.Size+m.Unquoted]
			want := unquoteRef(span)
			if int64(len(want)) != m.Size || !bytes.HasPrefix(want, m.Data) || len(m.Data) != min(len(want), limit) {
				t.Fatalf("message %d: data %q, want prefix of %q", m.Index, m.Data, want)
			}
			if m.Framing < int64(len(m.Separator)) {
				t.Fatalf("message %d: framing %d shorter than separator", m.Index, m.Framing)
			}
		}
	})
}

func BenchmarkMbox(b *testing.B) {
	var msg bytes.Buffer
	msg.WriteString("From alice@example.com Thu Jan  1 00:00:00 2004\nReceived: from mail.example.com by mx.example.org; Thu, 1 Jan 2004 00:00:00 +0000\nFrom: Alice <alice@example.com>\nTo: Bob <bob@example.org>\nSubject: quarterly figures\nMessage-ID: <1@example.com>\n\n")
	for i := range 60 {
		fmt.Fprintf(&msg, "Line %d of a body of ordinary prose, about as long as mail lines go in practice.\n", i)
	}
	msg.WriteString(">From the archive, a quoted line.\n\n")
	lf := bytes.Repeat(msg.Bytes(), (64<<20)/msg.Len())
	for _, eol := range []struct{ name, s string }{{"LF", "\n"}, {"CRLF", "\r\n"}, {"CR", "\r"}} {
		in := lineEndings(lf, eol.s)
		b.Run(eol.name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for range b.N {
				mr := NewMboxReader(bytes.NewReader(in), Limits{})
				for {
					if _, err := mr.Next(); err != nil {
						if !errors.Is(err, io.EOF) {
							b.Fatal(err)
						}
						break
					}
				}
			}
		})
	}
}
