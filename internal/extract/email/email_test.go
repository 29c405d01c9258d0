package email

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// msg joins lines with CRLF.
func msg(lines ...string) []byte { return []byte(strings.Join(lines, "\r\n")) }

func mustParse(t *testing.T, raw []byte) *Message {
	t.Helper()
	m, err := Parse(raw, Limits{})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	checkValid(t, m, DefaultLimits)
	return m
}

// checkValid asserts the invariants every Parse result must hold.
func checkValid(t testing.TB, m *Message, lim Limits) {
	t.Helper()
	strs := []string{m.DateRaw, m.Subject, m.MessageID, m.Text}
	strs = append(strs, m.InReplyTo...)
	strs = append(strs, m.References...)
	strs = append(strs, m.Problems...)
	for _, l := range [][]Address{m.From, m.Sender, m.To, m.Cc, m.Bcc, m.ReplyTo} {
		for _, a := range l {
			strs = append(strs, a.Name, a.Addr)
		}
	}
	for _, h := range m.Headers {
		strs = append(strs, h.Name, h.Value)
	}
	for _, p := range m.Parts {
		strs = append(strs, p.Path, p.Filename, p.ContentType, p.Charset, p.Disposition, p.ContentID, p.Description)
	}
	for _, s := range strs {
		if !utf8.ValidString(s) {
			t.Errorf("invalid UTF-8: %q", s)
		}
	}
	if len(m.Parts) > lim.MaxParts+10 { // + uuencoded parts of bodies
		t.Errorf("%d parts, limit %d", len(m.Parts), lim.MaxParts)
	}
	if len(m.Text) > lim.MaxTextBytes+3 {
		t.Errorf("text %d bytes, limit %d", len(m.Text), lim.MaxTextBytes)
	}
}

func TestEnvelope(t *testing.T) {
	m := mustParse(t, msg(
		"From: \"Doe, John\" <John.Doe@Example.COM>",
		"Sender: secretary@example.com (The Secretary)",
		"To: a@example.com, =?iso-8859-1?q?Andr=E9?= <andre@example.fr>,",
		" \"Smith\" <smith@example.org>",
		"Cc: undisclosed-recipients:;",
		"Bcc: team: x@example.com, y@example.com;",
		"Reply-To: 'Bob B' <bob@example.com>",
		"Date: Mon, 5 Jun 2000 09:13:00 -0700 (PDT)",
		"Subject: =?UTF-8?B?w6l0w6k=?= =?UTF-8?Q?_=C3=A0_Paris?=",
		"Message-ID: <abc@host>",
		"In-Reply-To: <p1@host> (comment)",
		"References: <r1@host>",
		"\t<r2@host> <p1@host>",
		"X-Weird: =?bogus?Q?x?=",
		"",
		"Hello.",
	))
	if got := m.From; len(got) != 1 || got[0].Name != "Doe, John" || got[0].Addr != "John.Doe@Example.COM" || got[0].Normalized() != "john.doe@example.com" {
		t.Errorf("From = %+v", got)
	}
	if got := m.Sender; len(got) != 1 || got[0].Name != "The Secretary" || got[0].Addr != "secretary@example.com" {
		t.Errorf("Sender = %+v", got)
	}
	want := []Address{{"", "a@example.com"}, {"André", "andre@example.fr"}, {"Smith", "smith@example.org"}}
	if !equalAddrs(m.To, want) {
		t.Errorf("To = %+v, want %+v", m.To, want)
	}
	if len(m.Cc) != 0 {
		t.Errorf("Cc = %+v", m.Cc)
	}
	if !equalAddrs(m.Bcc, []Address{{"", "x@example.com"}, {"", "y@example.com"}}) {
		t.Errorf("Bcc = %+v", m.Bcc)
	}
	if !equalAddrs(m.ReplyTo, []Address{{"Bob B", "bob@example.com"}}) {
		t.Errorf("ReplyTo = %+v", m.ReplyTo)
	}
	if m.Subject != "été à Paris" {
		t.Errorf("Subject = %q", m.Subject)
	}
	wantDate := time.Date(2000, 6, 5, 16, 13, 0, 0, time.UTC)
	if !m.Date.Equal(wantDate) {
		t.Errorf("Date = %v", m.Date)
	}
	if _, off := m.Date.Zone(); off != -7*3600 {
		t.Errorf("zone offset %d, want -7h", off)
	}
	if m.MessageID != "abc@host" || strings.Join(m.InReplyTo, ",") != "p1@host" || strings.Join(m.References, ",") != "r1@host,r2@host,p1@host" {
		t.Errorf("ids %q %q %q", m.MessageID, m.InReplyTo, m.References)
	}
	if m.Text != "Hello." {
		t.Errorf("Text = %q", m.Text)
	}
	if len(m.Headers) != 12 || m.Headers[0].Name != "From" || m.Headers[11].Value != "x" {
		t.Errorf("Headers = %+v", m.Headers)
	}
}

func equalAddrs(a, b []Address) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDates(t *testing.T) {
	utc := func(y, mo, d, h, mi, s int) time.Time { return time.Date(y, time.Month(mo), d, h, mi, s, 0, time.UTC) }
	tests := []struct {
		in   string
		want time.Time
		off  int
	}{
		{"Mon, 5 Jun 2000 09:13:00 -0700 (PDT)", utc(2000, 6, 5, 16, 13, 0), -7 * 3600},
		{"Mon, 05 Jun 2000 09:13 -0700", utc(2000, 6, 5, 16, 13, 0), -7 * 3600},
		{"5 Jun 00 09:13:00 EST", utc(2000, 6, 5, 14, 13, 0), -5 * 3600},
		{"Mon, 5 Jun 99 09:13:00 PDT", utc(1999, 6, 5, 16, 13, 0), -7 * 3600},
		{"Tue, 4 Jul 2006 10:00:00 CEST", utc(2006, 7, 4, 8, 0, 0), 7200},
		{"Mon, 14 May 2001 16:39:00 -0700 (PDT)", utc(2001, 5, 14, 23, 39, 0), -7 * 3600},
		{"Fri Jun  9 12:00:01 2000", utc(2000, 6, 9, 12, 0, 1), 0},
		{"Thursday, 12-Oct-2000 10:00:00 GMT", utc(2000, 10, 12, 10, 0, 0), 0},
		{"12 Oct 2000 10:00:00 +01:00", utc(2000, 10, 12, 9, 0, 0), 3600},
		{"Mon, 5 Jun 2000 09:13:00 GMT+0200", utc(2000, 6, 5, 7, 13, 0), 7200},
		{"2000-06-05T09:13:00Z", utc(2000, 6, 5, 9, 13, 0), 0},
		{"Mon, 5 Jun 100 09:13:00 +0000", utc(2000, 6, 5, 9, 13, 0), 0},
		{"Mon,5 Jun 2000 09:13:00 +0000 (added by postmaster)", utc(2000, 6, 5, 9, 13, 0), 0},
	}
	for _, tt := range tests {
		got, ok := parseDate(tt.in)
		if !ok || !got.Equal(tt.want) {
			t.Errorf("parseDate(%q) = %v, %v; want %v", tt.in, got, ok, tt.want)
			continue
		}
		if _, off := got.Zone(); off != tt.off {
			t.Errorf("parseDate(%q) offset %d, want %d", tt.in, off, tt.off)
		}
	}
	for _, bad := range []string{"", "garbage", "yesterday at noon", "31 Feb 2000 10:00:00", "Mon, 5 Xyz 2000"} {
		if got, ok := parseDate(bad); ok {
			t.Errorf("parseDate(%q) = %v, want failure", bad, got)
		}
	}
	m := mustParse(t, msg("Date: soon", "Subject: x", "", "b"))
	if !m.Date.IsZero() || m.DateRaw != "soon" || !hasProblem(m, "Date") {
		t.Errorf("garbage date: %v %q %q", m.Date, m.DateRaw, m.Problems)
	}
}

func hasProblem(m *Message, sub string) bool {
	for _, p := range m.Problems {
		if strings.Contains(p, sub) {
			return true
		}
	}
	return false
}

func TestSubjects(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"=?ISO-8859-1?Q?Caf=E9?=", "Café"},
		{"=?koi8-r?B?8NLJ18XU?=", "Привет"},
		{"=?windows-1251?B?z/Do4uXy?=", "Привет"},
		{"=?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=", "こんにちは"},
		{"=?gb2312?B?xOO6ww==?=", "你好"},
		{"=?big5?B?p0Gmbg==?=", "你好"},
		{"=?shift_jis?B?grGC8YLJgr+CzQ==?=", "こんにちは"},
		{"=?euc-kr?B?vsiz58fPvLy/5A==?=", "안녕하세요"},
		// A UTF-8 character split across two encoded-words.
		{"=?UTF-8?B?w6k=?= =?UTF-8?B?w6k=?=", "éé"},
		{"=?UTF-8?B?4oK=?= =?UTF-8?B?rA==?=", "€"},
		// Malformed: spaces inside, missing space before text, language tag.
		{"=?iso-8859-1?q?hello world?=", "hello world"},
		{"Re:=?utf-8?q?=C3=A9t=C3=A9?=", "Re:été"},
		{"=?utf-8*fr?q?=C3=A9?=", "é"},
		{"=?utf-8?q?unterminated", "=?utf-8?q?unterminated"},
		{"=?x-unknown?q?caf=E9?=", "café"},
		// Unencoded 8-bit latin-1.
		{"Caf\xe9 cr\xe8me", "Café crème"},
		{"already UTF-8 ünïcödé", "already UTF-8 ünïcödé"},
	}
	for _, tt := range tests {
		m := mustParse(t, msg("Subject: "+tt.in, "", "body"))
		if m.Subject != tt.want {
			t.Errorf("Subject %q = %q, want %q", tt.in, m.Subject, tt.want)
		}
	}
	// Unencoded 8-bit header read in the message charset.
	m := mustParse(t, msg("Subject: \xf0\xd2\xc9\xd7\xc5\xd4", "Content-Type: text/plain; charset=koi8-r", "", "\xf0\xd2\xc9\xd7\xc5\xd4"))
	if m.Subject != "Привет" || m.Text != "Привет" {
		t.Errorf("koi8-r 8-bit subject %q text %q", m.Subject, m.Text)
	}
}

func TestCharsets(t *testing.T) {
	tests := []struct {
		name, cs, cte string
		body          string
		want          string
		problem       bool
	}{
		{"utf8", "utf-8", "8bit", "h\xc3\xa9", "hé", false},
		{"latin1", "iso-8859-1", "quoted-printable", "h=E9 =\r\nsoft", "hé soft", false},
		{"win1252", "windows-1252", "8bit", "\x93quoted\x94 \x80", "“quoted” €", false},
		{"latin2", "iso-8859-2", "8bit", "\xb1", "ą", false},
		{"koi8u", "koi8-u", "8bit", "\xa4", "є", false},
		{"base64", "utf-8", "base64", "aMOp\r\nbGxv", "héllo", false},
		{"badbase64", "utf-8", "base64", "aMOp*bG$xv=\r\n!!", "héllo", false},
		{"iso2022jp", "iso-2022-jp", "7bit", "\x1b$B$3$s$K$A$O\x1b(B", "こんにちは", false},
		{"euc-jp", "euc-jp", "8bit", "\xa4\xb3\xa4\xf3", "こん", false},
		{"lying latin1", "iso-8859-1", "8bit", "h\xc3\xa9", "hé", true},
		{"lying utf8", "utf-8", "8bit", "h\xe9", "hé", true},
		{"lying ascii", "us-ascii", "8bit", "h\xe9", "hé", true},
		{"unknown", "x-martian", "8bit", "h\xe9", "hé", true},
		{"none", "", "8bit", "h\xc3\xa9", "hé", false},
		{"mangled label", "\"charset=utf-8\"", "8bit", "h\xc3\xa9", "hé", false},
		{"cp1251 alias", "cp1251", "8bit", "\xcf\xf0\xe8", "При", false},
		{"x-uuencode", "", "x-uuencode", "begin 644 a.txt\r\n#:&DA\r\n`\r\nend\r\n", "hi!", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct := "text/plain"
			if tt.cs != "" {
				ct += "; charset=" + tt.cs
			}
			m := mustParse(t, msg("Content-Type: "+ct, "Content-Transfer-Encoding: "+tt.cte, "", tt.body))
			if m.Text != tt.want {
				t.Errorf("Text = %q, want %q", m.Text, tt.want)
			}
			if got := len(m.Problems) > 0; got != tt.problem {
				t.Errorf("problems %q, want some: %v", m.Problems, tt.problem)
			}
		})
	}
}

const multipartMsg = "From: a@example.com\r\n" +
	"Subject: parts\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"outer\"\r\n" +
	"\r\n" +
	"preamble\r\n" +
	"--outer\r\n" +
	"Content-Type: multipart/alternative; boundary=\"outerinner\"\r\n" +
	"\r\n" +
	"--outerinner\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"Plain body.\r\n" +
	"--outerinner\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n" +
	"\r\n" +
	"<p>HTML body.</p>\r\n" +
	"--outerinner--\r\n" +
	"--outer\r\n" +
	"Content-Type: application/pdf; name=\"=?utf-8?q?r=C3=A9sum=C3=A9.pdf?=\"\r\n" +
	"Content-Disposition: attachment\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"JVBERi0xLjQK\r\n" +
	"--outer\r\n" +
	"Content-Type: text/plain; charset=iso-8859-1\r\n" +
	"Content-Disposition: attachment; filename*=iso-8859-1''na%EFve.txt\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"caf=E9\r\n" +
	"--outer\r\n" +
	"Content-Type: image/png\r\n" +
	"Content-ID: <img1@x>\r\n" +
	"Content-Disposition: inline\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"iVBORw0KGgo=\r\n" +
	"--outer\r\n" +
	"Content-Type: message/rfc822\r\n" +
	"\r\n" +
	"Subject: inner\r\n" +
	"Content-Type: multipart/mixed; boundary=x\r\n" +
	"\r\n" +
	"--x\r\n" +
	"\r\n" +
	"inner body\r\n" +
	"--x--\r\n" +
	"\r\n" +
	"--outer\r\n" +
	"Content-Type: text/plain\r\n" +
	"\r\n" +
	"Footer.\r\n" +
	"--outer--\r\n" +
	"epilogue\r\n"

func TestMultipart(t *testing.T) {
	m := mustParse(t, []byte(multipartMsg))
	if m.Text != "Plain body.\n\nFooter." || m.TextFromHTML {
		t.Errorf("Text = %q (html %v)", m.Text, m.TextFromHTML)
	}
	type pt struct{ path, ct, name, disp, data string }
	want := []pt{
		{"1.2", "text/html", "", "", "<p>HTML body.</p>"},
		{"2", "application/pdf", "résumé.pdf", "attachment", "%PDF-1.4\n"},
		{"3", "text/plain", "naïve.txt", "attachment", "caf\xe9"}, // not charset-converted
		{"4", "image/png", "", "inline", "\x89PNG\r\n\x1a\n"},
		{"5", "message/rfc822", "", "", "Subject: inner\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\ninner body\r\n--x--\r\n"},
	}
	if len(m.Parts) != len(want) {
		t.Fatalf("%d parts: %+v", len(m.Parts), m.Parts)
	}
	for i, w := range want {
		p := m.Parts[i]
		if p.Path != w.path || p.ContentType != w.ct || p.Filename != w.name || p.Disposition != w.disp || string(p.Data) != w.data {
			t.Errorf("part %d = %+v (data %q), want %+v", i, p, p.Data, w)
		}
	}
	if !m.Parts[0].Alternative || m.Parts[1].Alternative {
		t.Errorf("Alternative flags wrong")
	}
	if m.Parts[3].ContentID != "img1@x" {
		t.Errorf("ContentID %q", m.Parts[3].ContentID)
	}
	if len(m.Problems) != 0 {
		t.Errorf("problems %q", m.Problems)
	}
}

func TestHTMLOnly(t *testing.T) {
	m := mustParse(t, msg(
		"Content-Type: multipart/related; boundary=b",
		"",
		"--b",
		"Content-Type: text/html; charset=windows-1252",
		"",
		"<html><head><style>p{}</style><title>t</title></head><body><p>Caf\xe9 &amp; cr&egrave;me</p><br>line<ul><li>one</li><li>two</li></ul><a href=\"http://x.example/\">link</a></body></html>",
		"--b",
		"Content-Type: image/gif",
		"Content-ID: <c1>",
		"",
		"GIF89a",
		"--b--",
	))
	want := "Café & crème\n\nline\n\n- one\n- two\n\nlink <http://x.example/>"
	if m.Text != want || !m.TextFromHTML {
		t.Errorf("Text = %q, want %q (html %v)", m.Text, want, m.TextFromHTML)
	}
	if len(m.Parts) != 1 || m.Parts[0].ContentType != "image/gif" || m.Parts[0].Path != "2" {
		t.Errorf("Parts = %+v", m.Parts)
	}
}

func TestMalformedStructure(t *testing.T) {
	t.Run("missing boundary parameter", func(t *testing.T) {
		m := mustParse(t, msg("Content-Type: multipart/mixed", "", "--zz", "", "text", "--zz", "Content-Type: application/zip", "", "PK", "--zz--"))
		if m.Text != "text" || len(m.Parts) != 1 || !hasProblem(m, "boundary") {
			t.Errorf("got %q %+v %q", m.Text, m.Parts, m.Problems)
		}
	})
	t.Run("missing close", func(t *testing.T) {
		m := mustParse(t, msg("Content-Type: multipart/mixed; boundary=zz", "", "--zz", "", "text", "--zz", "Content-Type: application/zip", "", "PK"))
		if m.Text != "text" || len(m.Parts) != 1 || string(m.Parts[0].Data) != "PK" || !hasProblem(m, "closing") {
			t.Errorf("got %q %+v %q", m.Text, m.Parts, m.Problems)
		}
	})
	t.Run("boundary never appears", func(t *testing.T) {
		m := mustParse(t, msg("Content-Type: multipart/mixed; boundary=zz", "", "just text"))
		if m.Text != "just text" || !hasProblem(m, "without parts") {
			t.Errorf("got %q %q", m.Text, m.Problems)
		}
	})
	t.Run("no headers", func(t *testing.T) {
		m := mustParse(t, []byte("just some text\nwith lines\n"))
		if m.Text != "just some text\nwith lines" || !hasProblem(m, "no header") {
			t.Errorf("got %q %q", m.Text, m.Problems)
		}
	})
	t.Run("binary garbage", func(t *testing.T) {
		m := mustParse(t, []byte{0, 1, 2, 0xff, 0xfe, '\n', 0x80, 'x'})
		if m.Text == "" || !hasProblem(m, "binary") {
			t.Errorf("got %q %q", m.Text, m.Problems)
		}
	})
	t.Run("mbox From line", func(t *testing.T) {
		m := mustParse(t, []byte("From someone@x Mon Jun  5 09:13:00 2000\nSubject: hi\n\nbody\n"))
		if m.Subject != "hi" || m.Text != "body" {
			t.Errorf("got %q %q", m.Subject, m.Text)
		}
	})
	t.Run("header without blank line", func(t *testing.T) {
		m := mustParse(t, []byte("Subject: hi\nthis is the body\n"))
		if m.Subject != "hi" || m.Text != "this is the body" {
			t.Errorf("got %q %q", m.Subject, m.Text)
		}
	})
	t.Run("bad addresses salvaged", func(t *testing.T) {
		m := mustParse(t, msg("From: Jeff Skilling <jeff.skilling@enron.com", "To: jeff.dasovich, \"Unclosed <x@y.com>, Mary <mary@x.org>", "", "b"))
		if len(m.From) != 1 || m.From[0].Addr != "jeff.skilling@enron.com" || m.From[0].Name != "Jeff Skilling" {
			t.Errorf("From %+v", m.From)
		}
		if len(m.To) == 0 || m.To[0].Addr != "jeff.dasovich" {
			t.Errorf("To %+v", m.To)
		}
		if m.Headers[1].Value == "" || !hasProblem(m, "To") {
			t.Errorf("raw To lost: %+v %q", m.Headers, m.Problems)
		}
	})
	t.Run("line ends", func(t *testing.T) {
		lf := []byte("Subject: =?utf-8?q?caf=C3=A9?=\n folded\nContent-Type: text/plain\n\nline1\nline2\n")
		crlf := bytes.ReplaceAll(lf, []byte("\n"), []byte("\r\n"))
		cr := bytes.ReplaceAll(lf, []byte("\n"), []byte("\r"))
		for _, raw := range [][]byte{lf, crlf, cr} {
			m := mustParse(t, raw)
			if m.Subject != "café folded" || m.Text != "line1\nline2" {
				t.Errorf("%q: subject %q text %q", raw[:20], m.Subject, m.Text)
			}
		}
	})
	t.Run("uuencode in body", func(t *testing.T) {
		m := mustParse(t, msg("Subject: uu", "", "see attached", "", "begin 644 hi.txt", "#:&DA", "`", "end", "", "bye"))
		if m.Text != "see attached\n\n\nbye" || len(m.Parts) != 1 || m.Parts[0].Filename != "hi.txt" || string(m.Parts[0].Data) != "hi!" || m.Parts[0].Path != "1.uu1" {
			t.Errorf("got %q %+v", m.Text, m.Parts)
		}
	})
	t.Run("unknown transfer encoding", func(t *testing.T) {
		m := mustParse(t, msg("Content-Type: application/octet-stream", "Content-Transfer-Encoding: x-gzip64", "", "abc"))
		if len(m.Parts) != 1 || string(m.Parts[0].Data) != "abc" || !hasProblem(m, "transfer encoding") {
			t.Errorf("got %+v %q", m.Parts, m.Problems)
		}
	})
	t.Run("empty", func(t *testing.T) {
		if _, err := Parse(nil, Limits{}); err != ErrEmpty {
			t.Errorf("err = %v", err)
		}
	})
}

func TestLimits(t *testing.T) {
	t.Run("depth", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("Subject: deep\r\n")
		const n = 5000
		for i := range n {
			b.WriteString("Content-Type: multipart/mixed; boundary=b" + itoa(i) + "\r\n\r\n--b" + itoa(i) + "\r\n")
		}
		b.WriteString("\r\nbottom\r\n")
		lim := Limits{MaxDepth: 10}
		m, err := Parse([]byte(b.String()), lim)
		if err != nil {
			t.Fatal(err)
		}
		checkValid(t, m, lim.withDefaults())
		if len(m.Parts) != 1 || m.Parts[0].ContentType != "message/rfc822" || !hasProblem(m, "nesting") {
			t.Errorf("parts %+v problems %q", len(m.Parts), m.Problems)
		}
	})
	t.Run("parts", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("Content-Type: multipart/mixed; boundary=b\r\n\r\n")
		for range 5000 {
			b.WriteString("--b\r\nContent-Type: application/octet-stream\r\n\r\nx\r\n")
		}
		b.WriteString("--b--\r\n")
		lim := Limits{MaxParts: 100}
		m, err := Parse([]byte(b.String()), lim)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Parts) > 100 || len(m.Parts) < 90 || !hasProblem(m, "parts") {
			t.Errorf("%d parts, problems %q", len(m.Parts), m.Problems)
		}
	})
	t.Run("text", func(t *testing.T) {
		m, err := Parse([]byte("Subject: x\n\n"+strings.Repeat("é", 1000)), Limits{MaxTextBytes: 101})
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Text) > 101+3 || !utf8.ValidString(m.Text) || !hasProblem(m, "truncated") {
			t.Errorf("len %d, problems %q", len(m.Text), m.Problems)
		}
	})
	t.Run("header", func(t *testing.T) {
		raw := "Subject: " + strings.Repeat("a", 5000) + "\nX: y\n\nbody"
		m, err := Parse([]byte(raw), Limits{MaxHeaderBytes: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if m.Text != "body" || !hasProblem(m, "header section exceeds") {
			t.Errorf("text %q problems %q", m.Text, m.Problems)
		}
	})
}

func itoa(i int) string {
	return strings.TrimLeft(strings.Repeat(" ", 0)+string(rune('a'+i%26))+strings.Repeat("z", 0), " ") + func() string {
		s := ""
		for i > 0 {
			s = string(rune('0'+i%10)) + s
			i /= 10
		}
		return s
	}()
}

func TestHugeLine(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 100 MB")
	}
	raw := bytes.Repeat([]byte("A"), 100<<20)
	m, err := Parse(raw, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Text) != 32<<20 {
		t.Errorf("text %d bytes", len(m.Text))
	}
	raw = append([]byte("Subject: "), raw...)
	m, err = Parse(raw, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !hasProblem(m, "exceeds") {
		t.Errorf("problems %q", m.Problems)
	}
}

func TestDecodeText(t *testing.T) {
	got, err := DecodeText([]byte("<p>a&nbsp;b</p><script>x()</script>"), "text/html; charset=utf-8", "utf-8")
	if err != nil || got != "a b" {
		t.Errorf("html: %q %v", got, err)
	}
	got, err = DecodeText([]byte("\xef\xbb\xbfBOM"), "text/plain", "")
	if err != nil || got != "BOM" {
		t.Errorf("bom: %q %v", got, err)
	}
	got, err = DecodeText([]byte("<meta charset=\"koi8-r\"><p>\xf0\xd2\xc9</p>"), "text/html", "")
	if err != nil || got != "При" {
		t.Errorf("meta: %q %v", got, err)
	}
	got, err = DecodeText([]byte("h\xe9"), "text/plain", "nonsense")
	if err == nil || got != "hé" {
		t.Errorf("fallback: %q %v", got, err)
	}
}
