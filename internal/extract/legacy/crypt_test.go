package legacy

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/testutil"
)

func extractWith(t *testing.T, path string, passwords ...string) (*extract.Result, error) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return New().Extract(context.Background(), data, "", extract.Options{Passwords: passwords})
}

func readCorpusFile(t *testing.T, sub string) []byte {
	t.Helper()
	b, err := os.ReadFile(testutil.Corpus(t, sub))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDecryptReferencePairs opens the RC4 CryptoAPI and XOR-obfuscated
// documents with their password: the text is the one of the decrypted
// references.
func TestDecryptReferencePairs(t *testing.T) {
	testutil.Tool(t, "antiword")
	testutil.Tool(t, "xls2csv")
	dir := testutil.Corpus(t, "docs/encrypted-office")
	for name, kind := range map[string]string{
		"rc4cryptoapi_password.doc":        kindCryptoAPI,
		"rc4cryptoapi_password.xls":        kindCryptoAPI,
		"xor_password_123456789012345.xls": kindXOR,
	} {
		t.Run(name, func(t *testing.T) {
			got, err := extractWith(t, filepath.Join(dir, "inputs", name), "wrong", "Password1234_", "123456789012345")
			if err != nil {
				t.Fatal(err)
			}
			ext := filepath.Ext(name)
			want, err := extractWith(t, filepath.Join(dir, "outputs", strings.TrimSuffix(name, ext)+"_plain"+ext))
			if err != nil {
				t.Fatal(err)
			}
			if normWS(got.Text) == "" || normWS(got.Text) != normWS(want.Text) {
				t.Errorf("text %q, the reference's %q", got.Text, want.Text)
			}
			m := got.Meta
			if !m.Encrypted || !m.Decrypted || m.Extra["encryption"] != kind {
				t.Errorf("meta: encrypted %v, decrypted %v, extra %v", m.Encrypted, m.Decrypted, m.Extra)
			}
			if !slices.Equal(m.Sheets, want.Meta.Sheets) {
				t.Errorf("sheets %q, the reference's %q", m.Sheets, want.Meta.Sheets)
			}
			if len(got.Problems) != 0 {
				t.Errorf("problems %q", got.Problems)
			}
		})
	}
}

// TestDecryptTika opens Tika's Office 97 RC4 samples (password "tika").
func TestDecryptTika(t *testing.T) {
	testutil.Tool(t, "antiword")
	testutil.Tool(t, "xls2csv")
	dir := testutil.Corpus(t, "docs/tika/microsoft")
	for name, want := range map[string]string{
		"testWORD_protected_passtika.doc":  "This is an encrypted Word 2007 File.",
		"testEXCEL_protected_passtika.xls": "This is an Encrypted Excel spreadsheet.",
	} {
		t.Run(name, func(t *testing.T) {
			res, err := extractWith(t, filepath.Join(dir, name), "tika")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(normWS(res.Text), want) {
				t.Errorf("text %q, want %q in it", res.Text, want)
			}
			if m := res.Meta; !m.Encrypted || !m.Decrypted || m.Extra["encryption"] != kindRC4 {
				t.Errorf("meta: encrypted %v, decrypted %v, extra %v", m.Encrypted, m.Decrypted, m.Extra)
			}
			if strings.HasSuffix(name, ".xls") && !slices.Equal(res.Meta.Sheets, []string{"Sheet1", "Sheet2", "Sheet3"}) {
				t.Errorf("sheets %q", res.Meta.Sheets)
			}
		})
	}
}

// TestDecryptNoFit: without the right password, or with an encryption
// not supported, a document stays flagged encrypted, with no text.
func TestDecryptNoFit(t *testing.T) {
	dir := testutil.Corpus(t, "docs")
	for _, c := range []struct {
		file, kind string
		passwords  []string
		problem    bool
	}{
		{"encrypted-office/inputs/rc4cryptoapi_password.doc", kindCryptoAPI, nil, false},
		{"encrypted-office/inputs/rc4cryptoapi_password.doc", kindCryptoAPI, []string{"Password1234", "password1234_", ""}, false},
		{"encrypted-office/inputs/rc4cryptoapi_password.xls", kindCryptoAPI, []string{"tika"}, false},
		{"tika/microsoft/testWORD_protected_passtika.doc", kindRC4, []string{"Tika", "Password1234_"}, false},
		{"tika/microsoft/testEXCEL_protected_passtika.xls", kindRC4, []string{"tika "}, false},
		// Its password is not known.
		{"aleph-ingest-file/password_protected.xls", kindCryptoAPI, []string{"tika", "Password1234_", "password"}, false},
		{"encrypted-office/inputs/xor_password_123456789012345.xls", kindXOR, []string{"12345678901234", "x23456789012345"}, false},
		{"encrypted-office/inputs/rc4cryptoapi_password.ppt", kindCryptoAPI, nil, false},
		{"encrypted-office/inputs/rc4cryptoapi_password.ppt", kindCryptoAPI, []string{"Password1234", "tika", ""}, false},
		{"tika/microsoft/testPPT_protected_passtika.ppt", kindCryptoAPI, []string{"Tika", "Password1234_"}, false},
	} {
		res, err := extractWith(t, filepath.Join(dir, c.file), c.passwords...)
		if !errors.Is(err, extract.ErrEncrypted) || res == nil {
			t.Errorf("%s %q: err %v", c.file, c.passwords, err)
			continue
		}
		m := res.Meta
		if !m.Encrypted || m.Decrypted || m.Extra["encryption"] != c.kind || res.Text != "" {
			t.Errorf("%s %q: encrypted %v, decrypted %v, extra %v, text %q", c.file, c.passwords, m.Encrypted, m.Decrypted, m.Extra, res.Text)
		}
		if (len(res.Problems) > 0) != c.problem {
			t.Errorf("%s %q: problems %q", c.file, c.passwords, res.Problems)
		}
	}
}

// TestXORPassword: method 1 reads at most 15 characters, so a longer
// password whose first 15 fit opens the workbook, as in Excel.
func TestXORPassword(t *testing.T) {
	pw := xorPassword("123456789012345")
	if k, v := xorKey(pw), xorVerifier(pw); k != 0x8265 || v != 0x9EB1 {
		t.Errorf("key %#x, verifier %#x (the workbook's FILEPASS: 0x8265, 0x9eb1)", k, v)
	}
	if got := xorPassword("1234567890123456789"); !bytes.Equal(got, pw) {
		t.Errorf("long password read as %q", got)
	}
	if got := xorPassword("é\u0100"); !bytes.Equal(got, []byte{0xE9, 0x01}) {
		t.Errorf("non-ASCII password read as %x", got)
	}
	for n := 1; n <= 15; n++ {
		xorArray(pw[:n], xorKey(pw[:n])) // every length stays in bounds
	}
}

// TestDecryptStreams checks the decrypted compound files without the
// tools: the FIB or workbook no longer says encrypted, the streams not
// decrypted are as they were, and the decrypted workbook reads as a
// plain one (same records as the reference).
func TestDecryptStreams(t *testing.T) {
	ctx := context.Background()
	doc := readCorpusFile(t, "docs/encrypted-office/inputs/rc4cryptoapi_password.doc")
	f, err := openCFB(doc)
	if err != nil {
		t.Fatal(err)
	}
	d, kind, err := decryptDoc(ctx, f, []string{"Password1234_"})
	if err != nil || kind != kindCryptoAPI {
		t.Fatal(kind, err)
	}
	if len(d.data) != len(doc) {
		t.Fatalf("%d bytes, was %d", len(d.data), len(doc))
	}
	g, err := openCFB(d.data)
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := g.stream("WordDocument")
	if wordEncrypted(wd) {
		t.Error("still encrypted")
	}
	for name := range f.streams {
		if name == "WORDDOCUMENT" || name == "1TABLE" || name == "0TABLE" || name == "DATA" {
			continue
		}
		a, _ := f.stream(name)
		b, _ := g.stream(name)
		if !bytes.Equal(a, b) {
			t.Errorf("stream %s changed", name)
		}
	}
	if _, _, err := decryptDoc(ctx, f, []string{"nope"}); !errors.Is(err, errWrongPassword) {
		t.Errorf("wrong password: %v", err)
	}

	xls := readCorpusFile(t, "docs/encrypted-office/inputs/rc4cryptoapi_password.xls")
	plain := readCorpusFile(t, "docs/encrypted-office/outputs/rc4cryptoapi_password_plain.xls")
	f, err = openCFB(xls)
	if err != nil {
		t.Fatal(err)
	}
	d, _, err = decryptXLS(ctx, f, xls, []string{"Password1234_"})
	if err != nil {
		t.Fatal(err)
	}
	if sheets, enc := workbookGlobals(d.workbook); enc || !slices.Equal(sheetNames(sheets), []string{"Sheet1"}) {
		t.Errorf("sheets %v, encrypted %v", sheets, enc)
	}
	// The reference is the same stream with FILEPASS zeroed, as here.
	pf, err := openCFB(plain)
	if err != nil {
		t.Fatal(err)
	}
	if pwb, _ := pf.stream("Workbook"); !bytes.Equal(d.workbook, pwb) {
		t.Error("decrypted workbook differs from the reference's")
	}
	// And the Word streams are the reference's.
	pdoc := readCorpusFile(t, "docs/encrypted-office/outputs/rc4cryptoapi_password_plain.doc")
	if pf, err = openCFB(pdoc); err != nil {
		t.Fatal(err)
	}
	// (The reference has garbage where the encryption header was, 0xC6
	// bytes at the start of 1Table, zeroed here.)
	for name, skip := range map[string]int{"WordDocument": 0, "1Table": 0xC6} {
		a, _ := g.stream(name)
		b, _ := pf.stream(name)
		if len(a) != len(b) || len(a) < skip || !bytes.Equal(a[skip:], b[skip:]) {
			t.Errorf("decrypted %s differs from the reference's", name)
		}
	}
}

func sheetNames(s []sheet) []string {
	var n []string
	for _, x := range s {
		n = append(n, x.name)
	}
	return n
}

// TestStreamSpans: the file ranges of every stream hold its bytes.
func TestStreamSpans(t *testing.T) {
	dir := testutil.Corpus(t, "docs")
	for _, name := range []string{
		"encrypted-office/inputs/rc4cryptoapi_password.doc",
		"encrypted-office/inputs/rc4cryptoapi_password.xls",
		"tika/microsoft/testWORD_protected_passtika.doc",
		"tika/microsoft/testEXCEL_protected_passtika.xls",
		"encrypted-office/inputs/plain.ppt",
	} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		f, err := openCFB(b)
		if err != nil {
			t.Fatal(err)
		}
		small := 0
		for s, e := range f.streams {
			if e.size < f.cutoff {
				small++
			}
			if err := checkSpans(f, s); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
		if small == 0 {
			t.Logf("%s: no stream in the mini stream", name)
		}
	}
}

func checkSpans(f *cfbFile, name string) error {
	want, _ := f.stream(name)
	spans, _ := f.streamSpans(name)
	var got []byte
	for _, sp := range spans {
		got = append(got, f.data[sp.off:sp.off+sp.n]...)
	}
	if !bytes.Equal(got, want) {
		return errors.New("spans of " + name + " do not hold its bytes")
	}
	// Writing the stream back leaves the file as it was.
	out := bytes.Clone(f.data)
	if err := f.overwrite(out, name, want); err != nil {
		return err
	}
	if !bytes.Equal(out, f.data) {
		return errors.New("writing " + name + " back changed the file")
	}
	return nil
}

// FuzzDecrypt feeds arbitrary bytes to the DOC and XLS decryption (RC4,
// RC4 CryptoAPI, XOR), the encrypted corpus files (whose passwords are
// given) as seeds, so that mutations get past the password check.
func FuzzDecrypt(f *testing.F) {
	for _, name := range []string{
		"encrypted-office/inputs/rc4cryptoapi_password.doc",
		"encrypted-office/inputs/rc4cryptoapi_password.xls",
		"tika/microsoft/testWORD_protected_passtika.doc",
		"tika/microsoft/testEXCEL_protected_passtika.xls",
		"encrypted-office/inputs/xor_password_123456789012345.xls",
	} {
		if b, err := os.ReadFile(filepath.Join(testutil.CorpusDir(), "docs", name)); err == nil && len(b) < 128<<10 {
			f.Add(b)
		}
	}
	f.Add(append(bytes.Clone(cfbMagic), make([]byte, 1024)...))
	// A bare workbook stream: BOF, FILEPASS with an RC4 header.
	f.Add([]byte{0x09, 0x08, 4, 0, 0, 6, 0x10, 0, 0x2F, 0, 54, 0, 1, 0, 1, 0, 1, 0})
	passwords := []string{"Password1234_", "tika", "123456789012345"}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, b []byte) {
		if d, _, err := decryptXLS(ctx, nil, b, passwords); err == nil && len(d.data) != len(b) {
			t.Fatalf("bare workbook: %d bytes from %d", len(d.data), len(b))
		}
		cf, err := openCFB(b)
		if err != nil {
			return
		}
		for name := range cf.streams {
			if err := checkSpans(cf, name); err != nil {
				t.Fatal(err)
			}
		}
		if d, _, err := decryptDoc(ctx, cf, passwords); err == nil {
			if len(d.data) != len(b) {
				t.Fatalf("doc: %d bytes from %d", len(d.data), len(b))
			}
			if g, err := openCFB(d.data); err == nil {
				if wd, _ := g.stream("WordDocument"); wordEncrypted(wd) && len(wd) > 0 {
					// Only when two streams share sectors can the
					// FIB be overwritten by another stream.
					t.Logf("decrypted document still flagged encrypted")
				}
			}
		}
		if d, _, err := decryptXLS(ctx, cf, b, passwords); err == nil && len(d.data) != len(b) {
			t.Fatalf("xls: %d bytes from %d", len(d.data), len(b))
		}
	})
}
