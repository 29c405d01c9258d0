package zipdoc

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/xml"
	"errors"
	"hash/crc32"
	"io"
	"strings"
	"testing"

	"github.com/newsroom/dossier/internal/extract"
)

func TestAllowance(t *testing.T) {
	for _, tt := range []struct {
		b    extract.Budget
		n    int
		want int64
	}{
		{extract.Budget{}, 1000, MinAllowance},
		{extract.Budget{}, 1 << 20, 200 << 20},
		{extract.Budget{MaxBytes: 1000}, 1000, 1000},
		{extract.Budget{MaxRatio: 10}, 1 << 30, 2 << 30},
	} {
		if got := Allowance(tt.b, tt.n); got != tt.want {
			t.Errorf("Allowance(%+v, %d) = %d, want %d", tt.b, tt.n, got, tt.want)
		}
	}
}

func TestResolvePath(t *testing.T) {
	for _, tt := range []struct{ base, target, want string }{
		{"word/document.xml", "media/a.png", "word/media/a.png"},
		{"word/document.xml", "/xl/x.xml", "xl/x.xml"},
		{"ppt/slides/slide1.xml", "../notesSlides/n1.xml", "ppt/notesSlides/n1.xml"},
		{"a.xml", "../../../../etc/passwd", "etc/passwd"},
		{"a.xml", "http://evil/x", ""},
		{"OPS/book.opf", "Text/a.xhtml#frag", "OPS/Text/a.xhtml"},
		{"", "META-INF\\container.xml", "META-INF/container.xml"},
	} {
		if got := ResolvePath(tt.base, tt.target); got != tt.want {
			t.Errorf("ResolvePath(%q, %q) = %q, want %q", tt.base, tt.target, got, tt.want)
		}
	}
}

// rawZip writes one deflated member whose header declares size bytes.
func rawZip(t *testing.T, name string, content []byte, declared uint64) []byte {
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	fw.Write(content)
	fw.Close()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(content),
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: declared}
	f, err := w.CreateRaw(h)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(comp.Bytes())
	w.Close()
	return b.Bytes()
}

func TestBudget(t *testing.T) {
	content := bytes.Repeat([]byte("a"), 10<<20)
	// Declared honestly: over the allowance, refused before reading.
	a, err := Open(rawZip(t, "x.xml", content, uint64(len(content))), extract.Budget{MaxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Open("x.xml"); !errors.Is(err, extract.ErrBudget) {
		t.Errorf("honest header: %v", err)
	}
	// Declared small, actually large: reading stops at the declared size.
	a, _ = Open(rawZip(t, "x.xml", content, 1000), extract.Budget{MaxBytes: 1 << 20})
	rc, err := a.Open("x.xml")
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, rc)
	if n > 1000 || err == nil {
		t.Errorf("lying header: read %d bytes, err %v", n, err)
	}
	// The allowance is shared by all reads.
	a, _ = Open(rawZip(t, "x.xml", content[:600<<10], 600<<10), extract.Budget{MaxBytes: 1 << 20})
	if _, err := a.ReadFile("x.xml", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ReadFile("x.xml", 0); !errors.Is(err, extract.ErrBudget) {
		t.Errorf("second read: %v", err)
	}
}

func TestLookup(t *testing.T) {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, n := range []string{"Word/Document.xml", "dup.xml", "dup.xml"} {
		f, _ := w.Create(n)
		f.Write([]byte(n))
	}
	w.Close()
	a, err := Open(b.Bytes(), extract.Budget{})
	if err != nil {
		t.Fatal(err)
	}
	if !a.Has("/word/document.xml") || a.Has("nope") || len(a.Duplicates()) != 1 {
		t.Errorf("lookup: %v %v %v", a.Has("/word/document.xml"), a.Has("nope"), a.Duplicates())
	}
}

func TestText(t *testing.T) {
	var x Text
	x.Sep(Para)
	x.WriteString("a")
	x.Sep(Space)
	x.Sep(Tab)
	x.WriteString("b")
	x.Sep(Line)
	x.WriteString("")
	x.Sep(Para)
	x.WriteString("c")
	x.Sep(Line)
	if x.String() != "a\tb\n\nc" {
		t.Errorf("%q", x.String())
	}
	y := Text{Max: 4}
	y.WriteString("abcé") // é is 2 bytes: cut before it
	y.WriteString("x")
	if y.String() != "abc" || !y.Truncated() {
		t.Errorf("%q %v", y.String(), y.Truncated())
	}
}

func TestParseDate(t *testing.T) {
	for in, want := range map[string]string{
		"2014-07-04T10:08:00Z":      "2014-07-04T10:08:00Z",
		"2010-02-04T15:50:42.59":    "2010-02-04T15:50:42.59Z",
		"2019-03-01":                "2019-03-01T00:00:00Z",
		"2013-12-18T18:33:00+01:00": "2013-12-18T18:33:00+01:00",
		"1601-01-01T00:00:00Z":      "",
		"garbage":                   "",
	} {
		got := ""
		if d := ParseDate(in); d != nil {
			got = d.Format("2006-01-02T15:04:05.999999999Z07:00")
		}
		if got != want {
			t.Errorf("ParseDate(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDecoder(t *testing.T) {
	// UTF-16 with a BOM, a declared Latin-1 document, an undefined entity.
	utf16 := []byte{0xFF, 0xFE}
	for _, r := range `<?xml version="1.0" encoding="UTF-16"?><a>é</a>` {
		utf16 = append(utf16, byte(r), byte(r>>8))
	}
	for in, want := range map[string]string{
		string(utf16): "é",
		"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xe9</a>": "é",
		"<!DOCTYPE a [<!ENTITY x \"boom\">]><a>&x;</a>":              "&x;",
	} {
		r := NewReader(nil, strings.NewReader(in))
		var got string
		for {
			tok, err := r.Next()
			if err != nil {
				break
			}
			if c, ok := tok.(xmlCharData); ok {
				got += string(c)
			}
		}
		if got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

type xmlCharData = xml.CharData
