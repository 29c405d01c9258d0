package textdecode

import "testing"

func TestLookup(t *testing.T) {
	for label, want := range map[string]string{
		"UTF-8": "utf-8", "utf8": "utf-8", "us-ascii": "utf-8", "ISO-8859-1": "windows-1252",
		"latin1": "windows-1252", "iso8859-2": "iso-8859-2", "cp1251": "windows-1251",
		"win-1252": "windows-1252", "KOI8-R": "koi8-r", "koi8-u": "koi8-u", "ISO-2022-JP": "iso-2022-jp",
		"gb2312": "gbk", "GBK": "gbk", "big5": "big5", "Shift_JIS": "shift_jis", "sjis": "shift_jis",
		"euc-jp": "euc-jp", "EUC-KR": "euc-kr", "ks_c_5601-1987": "euc-kr", "\"charset=utf-8\"": "utf-8",
		"utf-8*en": "utf-8", "cp866": "ibm866", "x-mac-cyrillic": "x-mac-cyrillic",
	} {
		if _, got := Lookup(label); got != want {
			t.Errorf("Lookup(%q) = %q, want %q", label, got, want)
		}
	}
	for _, bad := range []string{"", "x-unknown", "unknown-8bit", "garbage!"} {
		if e, name := Lookup(bad); e != nil {
			t.Errorf("Lookup(%q) = %q, want none", bad, name)
		}
	}
}

func TestDecode(t *testing.T) {
	tests := []struct {
		data, mt, label string
		want, charset   string
		problem         bool
	}{
		{"plain", "text/plain", "", "plain", "us-ascii", false},
		{"caf\xe9", "text/plain", "iso-8859-1", "café", "windows-1252", false},
		{"caf\xc3\xa9", "text/plain", "iso-8859-1", "café", "utf-8", true},
		{"caf\xe9", "text/plain", "utf-8", "café", "windows-1252", true},
		{"caf\xe9", "text/plain", "", "café", "windows-1252", true},
		{"\xff\xfeh\x00i\x00", "text/plain", "", "hi", "utf-16le", false},
		{"\x1b$B$3$s\x1b(B", "text/plain", "", "こん", "iso-2022-jp", false},
		{"\xc4\xe3\xba\xc3", "text/plain", "gb2312", "你好", "gbk", false},
		{"<b>x</b> &lt;y&gt;", "text/html", "", "x <y>", "us-ascii", false},
		{"<pre>a\n  b</pre>", "text/html; charset=utf-8", "", "a\n  b", "us-ascii", false},
	}
	for _, tt := range tests {
		r := Decode([]byte(tt.data), tt.mt, tt.label)
		if r.Text != tt.want || r.Charset != tt.charset || (r.Problem != "") != tt.problem {
			t.Errorf("Decode(%q, %q, %q) = %+v, want %q %q problem=%v", tt.data, tt.mt, tt.label, r, tt.want, tt.charset, tt.problem)
		}
	}
}
