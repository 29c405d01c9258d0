package msg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/testutil"
)

// TestTextract compares with textract's expected text, which is the
// subject followed by the body.
func TestTextract(t *testing.T) {
	dir := testutil.Corpus(t, "docs/textract")
	for _, c := range []struct{ file, want string }{
		{"msg/raw_text.msg", "msg/raw_text.txt"},
		{"msg/standardized_text.msg", ""},
		{"no_ext/msg_standardized_text", ""},
	} {
		data, err := os.ReadFile(filepath.Join(dir, c.file))
		if err != nil {
			t.Fatal(err)
		}
		res, err := Extract(context.Background(), data, MIME, extract.Options{})
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		got := normalize(res.Meta.Extra["subject"] + " " + res.Text)
		if c.want == "" {
			if !strings.Contains(strings.ToLower(got), "the quick brown fox jumps over the lazy dog") {
				t.Errorf("%s: %q", c.file, got)
			}
			continue
		}
		want, _ := os.ReadFile(filepath.Join(dir, c.want))
		if got != normalize(string(want)) {
			t.Errorf("%s:\n got %q\nwant %q", c.file, got, normalize(string(want)))
		}
		if len(res.Children) != 2 || res.Children[0].Name != "import OleFileIO.tif" || res.Children[0].MIME != "image/tiff" {
			t.Errorf("%s: children %+v", c.file, res.Children)
		}
		e := res.Meta.Extra
		if e["from"] != "Brian Zhou <brizhou@gmail.com>" || e["to"] != "brianzhou@me.com <brianzhou@me.com>" || e["date"] != "2013-11-18T08:26:24Z" ||
			!strings.HasPrefix(e["message-id"], "CADtJ4eNjQSkGcBtVteCiTF") {
			t.Errorf("%s: envelope %v", c.file, e)
		}
	}
}

func TestNotMSG(t *testing.T) {
	for _, in := range [][]byte{nil, []byte("From: a@b\r\n\r\nhello"), cfbMagic} {
		if _, err := Extract(context.Background(), in, "", extract.Options{}); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
	if _, err := Extract(context.Background(), []byte("Delivered-To: x"), "", extract.Options{}); !errors.Is(err, extract.ErrUnsupported) {
		t.Errorf("RFC 822 .msg: %v, want ErrUnsupported", err)
	}
}

// TestCFBRoundTrip writes trees with mini and regular streams, nested
// storages and many siblings, and reads them back.
func TestCFBRoundTrip(t *testing.T) {
	for _, siblings := range []int{0, 1, 2, 3, 7, 8, 100, 1000} {
		root := &node{name: "Root Entry", storage: true}
		sub := &node{name: "__substg1.0_3701000D", storage: true}
		root.add(sub)
		for i := 0; i < siblings; i++ {
			size := (i * 997) % 9000
			data := bytes.Repeat([]byte{byte(i)}, size)
			root.add(&node{name: fmt.Sprintf("stream%04d", i), data: data})
			if i%10 == 0 {
				sub.add(&node{name: fmt.Sprintf("inner%d", i), data: data})
			}
		}
		sub.add(&node{name: "\x01Ole10Native", data: []byte("native")})
		b, err := writeCFB(root)
		if err != nil {
			t.Fatal(err)
		}
		left := int64(1 << 30)
		back, err := readCFB(b, &left)
		if err != nil {
			t.Fatalf("%d siblings: %v", siblings, err)
		}
		if err := sameTree(root, back); err != nil {
			t.Errorf("%d siblings: %v", siblings, err)
		}
		checkRB(t, b)
	}
}

func sameTree(a, b *node) error {
	if len(a.order) != len(b.order) {
		return fmt.Errorf("%s: %d children, read back %d", a.name, len(a.order), len(b.order))
	}
	for _, c := range a.order {
		d := b.child(c.name)
		if d == nil {
			return fmt.Errorf("%s/%s missing", a.name, c.name)
		}
		if c.storage != d.storage || !bytes.Equal(c.data, d.data) {
			return fmt.Errorf("%s/%s differs (%d vs %d bytes)", a.name, c.name, len(c.data), len(d.data))
		}
		if c.storage {
			if err := sameTree(c, d); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkRB verifies that every sibling tree of a written file is a
// red-black binary search tree in CFB order.
func checkRB(t *testing.T, b []byte) {
	t.Helper()
	le32 := func(p []byte) uint32 { return uint32(p[0]) | uint32(p[1])<<8 | uint32(p[2])<<16 | uint32(p[3])<<24 }
	dirStart := le32(b[48:])
	// The directory of a file written by writeCFB is contiguous.
	dir := b[sectorSize*(1+int(dirStart)):]
	entry := func(i uint32) []byte { return dir[128*i : 128*(i+1)] }
	name := func(e []byte) string {
		n := int(e[64]) | int(e[65])<<8
		u := make([]rune, 0, n/2)
		for i := 0; i+1 < n-2; i += 2 {
			u = append(u, rune(int(e[i])|int(e[i+1])<<8))
		}
		return string(u)
	}
	var walk func(id uint32, lo, hi string) int
	walk = func(id uint32, lo, hi string) int {
		if id == noStream {
			return 1
		}
		e := entry(id)
		n := name(e)
		if lo != "" && !cfbLess(lo, n) || hi != "" && !cfbLess(n, hi) {
			t.Errorf("%q out of order between %q and %q", n, lo, hi)
		}
		red := e[67] == 0
		l, r := le32(e[68:]), le32(e[72:])
		if red {
			for _, c := range []uint32{l, r} {
				if c != noStream && entry(c)[67] == 0 {
					t.Errorf("red %q has a red child", n)
				}
			}
		}
		bl, br := walk(l, lo, n), walk(r, n, hi)
		if bl != br {
			t.Errorf("%q: black heights %d and %d", n, bl, br)
		}
		if c := le32(e[76:]); c != noStream {
			walk(c, "", "")
		}
		if red {
			return bl
		}
		return bl + 1
	}
	walk(le32(entry(0)[76:]), "", "")
}

func TestRTF(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`{\rtf1\ansi{\fonttbl{\f0 Arial;}}\f0 Caf\'e9 cr\u232?me\par Suite}`, "Café crème\nSuite"},
		{`{\rtf1\ansi\ansicpg1251{\fonttbl{\f0\fcharset204 Arial;}}\f0 \'cf\'f0\'e8\'e2\'e5\'f2}`, "Привет"},
		{`{\rtf1{\*\generator Msftedit;}{\info{\author X}}Texte{\*\unknown cach\'e9}}`, "Texte"},
		{`{\rtf1\ansi\fromhtml1 {\*\htmltag19 <html>}{\*\htmltag34 <p>}\htmlrtf {\b \htmlrtf0 Bonjour\htmlrtf }\htmlrtf0 {\*\htmltag36 </p>}}`, "<html><p>Bonjour</p>"},
	} {
		got, _ := rtfText([]byte(tt.in), 1<<20)
		if strings.TrimSpace(got) != tt.want {
			t.Errorf("rtfText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Deep nesting and a huge \u count end quickly.
	rtfText([]byte(strings.Repeat("{", 1<<20)+"x"), 1<<20)
	rtfText([]byte(`{\rtf1\uc999999999 \u65 abc}`), 1<<20)
}

func TestDecompressRTFMalformed(t *testing.T) {
	good := []byte("\x2d\x00\x00\x00\x2b\x00\x00\x00\x4c\x5a\x46\x75\xf1\xc5\xc7\xa7\x03\x00\x0a\x00\x72\x63\x70\x67\x31\x32\x35\x42\x32\x0a\xf3\x20\x68\x65\x6c\x09\x00\x20\x62\x77\x05\xb0\x6c\x64\x7d\x0a\x80\x0f\xa0")
	out, err := DecompressRTF(good, 1<<20)
	if err != nil || string(out) != "{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n" {
		t.Errorf("spec example: %q %v", out, err)
	}
	for i := 0; i < len(good); i++ {
		DecompressRTF(good[:i], 1<<20) // must not panic
	}
	// A declared raw size far beyond the data does not allocate it.
	huge := append([]byte(nil), good...)
	huge[4], huge[5], huge[6], huge[7] = 0xFF, 0xFF, 0xFF, 0x7F
	if out, _ := DecompressRTF(huge, 1<<20); len(out) > 1<<20 {
		t.Errorf("%d bytes", len(out))
	}
}

// TestBudget: an attachment larger than the budget is refused before it
// is read.
func TestBudget(t *testing.T) {
	dir := testutil.Corpus(t, "docs/textract/msg")
	data, err := os.ReadFile(filepath.Join(dir, "raw_text.msg"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Extract(context.Background(), data, MIME, extract.Options{Budget: extract.Budget{MaxBytes: 100 << 10}})
	if err != nil {
		t.Fatal(err)
	}
	var size int
	for _, c := range res.Children {
		size += len(c.Data)
	}
	if size > 100<<10 || len(res.Problems) == 0 || !strings.Contains(res.Problems[0], "budget") {
		t.Errorf("%d bytes of children, problems %q", size, res.Problems)
	}
}
