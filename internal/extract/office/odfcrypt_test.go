package office

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/blowfish"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/testutil"
)

// odfScheme is how a test package is encrypted.
type odfScheme struct {
	cipher     string // "aes-cbc", "aes-gcm", "blowfish-cfb"
	startKey   string // "sha1", "sha256"
	kdf        string // "pbkdf2", "argon2id"
	iterations int
	checksum   string // "sha256", "sha1", "" (none)
	whole      bool   // one encrypted-package member (LibreOffice 24.2+)
	// badChecksum writes a wrong checksum for content.xml.
	badChecksum bool
}

var (
	odf12 = odfScheme{cipher: "aes-cbc", startKey: "sha256", kdf: "pbkdf2", iterations: 1000, checksum: "sha256"}
	odf11 = odfScheme{cipher: "blowfish-cfb", startKey: "sha1", kdf: "pbkdf2", iterations: 1024, checksum: "sha1"}
	lo242 = odfScheme{cipher: "aes-gcm", startKey: "sha256", kdf: "argon2id", whole: true}
)

const odfNS = `xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"`

// secretODT returns the members of a small text document: body, meta, a
// picture.
func secretODT(body string) []string {
	return []string{
		"content.xml", `<?xml version="1.0"?><office:document-content ` + odfNS + `><office:body><office:text><text:p>` + body + `</text:p></office:text></office:body></office:document-content>`,
		"meta.xml", `<?xml version="1.0"?><office:document-meta ` + odfNS + `><office:meta><meta:initial-creator>Source A</meta:initial-creator><dc:creator>Editor B</dc:creator><meta:generator>LibreOffice/7.6</meta:generator></office:meta></office:document-meta>`,
		"styles.xml", `<?xml version="1.0"?><office:document-styles ` + odfNS + `/>`,
		"Pictures/1.png", "\x89PNG\r\n\x1a\nnot really a picture",
	}
}

func random(t testing.TB, n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func deflateRaw(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// sealODF encrypts one member as LibreOffice does, returning the stored
// bytes and the manifest:encryption-data element.
func sealODF(t testing.TB, s odfScheme, pw string, plain []byte) ([]byte, string) {
	t.Helper()
	comp := deflateRaw(t, plain)
	var start []byte
	startName := "SHA1"
	if s.startKey == "sha256" {
		h := sha256.Sum256([]byte(pw))
		start, startName = h[:], "http://www.w3.org/2000/09/xmldsig#sha256"
	} else {
		h := sha1.Sum([]byte(pw))
		start = h[:]
	}
	salt := random(t, 16)
	keySize := 32
	if s.cipher == "blowfish-cfb" {
		keySize = 16
	}
	var key []byte
	var kdf string
	if s.kdf == "argon2id" {
		key = argon2.IDKey(start, salt, 2, 1024, 2, uint32(keySize))
		kdf = fmt.Sprintf(`<manifest:key-derivation manifest:key-derivation-name="urn:org:documentfoundation:names:experimental:office:manifest:argon2id" manifest:key-size="%d" manifest:salt="%s" loext:argon2-iterations="2" loext:argon2-memory="1024" loext:argon2-lanes="2"/>`,
			keySize, base64.StdEncoding.EncodeToString(salt))
	} else {
		var err error
		if key, err = pbkdf2.Key(sha1.New, string(start), salt, s.iterations, keySize); err != nil {
			t.Fatal(err)
		}
		kdf = fmt.Sprintf(`<manifest:key-derivation manifest:key-derivation-name="PBKDF2" manifest:key-size="%d" manifest:iteration-count="%d" manifest:salt="%s"/>`,
			keySize, s.iterations, base64.StdEncoding.EncodeToString(salt))
	}
	var iv, out []byte
	var alg string
	switch s.cipher {
	case "aes-cbc":
		iv, alg = random(t, 16), "http://www.w3.org/2001/04/xmlenc#aes256-cbc"
		n := aes.BlockSize - len(comp)%aes.BlockSize
		padded := append(append(append([]byte(nil), comp...), random(t, n-1)...), byte(n))
		b, _ := aes.NewCipher(key)
		out = make([]byte, len(padded))
		cipher.NewCBCEncrypter(b, iv).CryptBlocks(out, padded)
	case "aes-gcm":
		iv, alg = random(t, 12), "http://www.w3.org/2009/xmlenc11#aes256-gcm"
		b, _ := aes.NewCipher(key)
		g, _ := cipher.NewGCM(b)
		out = g.Seal(nil, iv, comp, nil)
	case "blowfish-cfb":
		iv, alg = random(t, 8), "Blowfish CFB"
		b, _ := blowfish.NewCipher(key)
		reg, ks := append([]byte(nil), iv...), make([]byte, 8)
		out = make([]byte, len(comp))
		for i := 0; i < len(comp); i += 8 {
			b.Encrypt(ks, reg)
			end := min(i+8, len(comp))
			for j := i; j < end; j++ {
				out[j] = comp[j] ^ ks[j-i]
			}
			copy(reg, out[i:end])
		}
	}
	sum := ""
	switch s.checksum {
	case "sha256":
		h := sha256.Sum256(comp[:min(len(comp), 1024)])
		sum = ` manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha256-1k" manifest:checksum="` + base64.StdEncoding.EncodeToString(h[:]) + `"`
	case "sha1":
		h := sha1.Sum(comp[:min(len(comp), 1024)])
		sum = ` manifest:checksum-type="SHA1/1K" manifest:checksum="` + base64.StdEncoding.EncodeToString(h[:]) + `"`
	}
	data := `<manifest:encryption-data` + sum + `><manifest:algorithm manifest:algorithm-name="` + alg + `" manifest:initialisation-vector="` + base64.StdEncoding.EncodeToString(iv) + `"/>` +
		`<manifest:start-key-generation manifest:start-key-generation-name="` + startName + `" manifest:key-size="` + fmt.Sprint(len(start)) + `"/>` + kdf + `</manifest:encryption-data>`
	return out, data
}

// encryptedODF builds a package of the given members encrypted with pw
// under scheme s.
func encryptedODF(t testing.TB, s odfScheme, pw string, members ...string) []byte {
	t.Helper()
	const mime = "application/vnd.oasis.opendocument.text"
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	stored := func(name string, data []byte) {
		f, err := w.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		f.Write(data)
	}
	stored("mimetype", []byte(mime))
	manifest := `<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" xmlns:loext="urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0" manifest:version="1.3">` +
		`<manifest:file-entry manifest:full-path="/" manifest:media-type="` + mime + `"/>`
	if s.whole {
		inner := plainODF(t, members...)
		out, data := sealODF(t, s, pw, inner)
		stored("encrypted-package", out)
		manifest += fmt.Sprintf(`<manifest:file-entry manifest:full-path="encrypted-package" manifest:media-type="%s" manifest:size="%d">%s</manifest:file-entry>`, mime, len(inner), data)
	} else {
		for i := 0; i+1 < len(members); i += 2 {
			out, data := sealODF(t, s, pw, []byte(members[i+1]))
			if s.badChecksum && members[i] == "content.xml" {
				data = strings.Replace(data, `manifest:checksum="`, `manifest:checksum="AAAA`, 1)
			}
			stored(members[i], out)
			manifest += fmt.Sprintf(`<manifest:file-entry manifest:full-path="%s" manifest:media-type="text/xml" manifest:size="%d">%s</manifest:file-entry>`, members[i], len(members[i+1]), data)
		}
	}
	manifest += `</manifest:manifest>`
	f, _ := w.Create("META-INF/manifest.xml")
	f.Write([]byte(manifest))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// plainODF builds an unencrypted package of the members.
func plainODF(t testing.TB, members ...string) []byte {
	files := append([]string{"mimetype", "application/vnd.oasis.opendocument.text"}, members...)
	files = append(files, "META-INF/manifest.xml", `<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="content.xml"/></manifest:manifest>`)
	return buildZip(t, files...)
}

// TestODFDecrypt opens packages encrypted under each scheme with the
// right password among wrong ones, and flags them under wrong ones only.
func TestODFDecrypt(t *testing.T) {
	// Random text does not compress: content.xml stays over 1 KiB once
	// deflated, so the checksum covers only its start.
	noisy := base64.StdEncoding.EncodeToString(random(t, 3000))
	for _, tc := range []struct {
		name string
		s    odfScheme
		body string
	}{
		{"aes-cbc short", odf12, "Rendez-vous au quai"},
		{"aes-cbc long", odf12, noisy},
		{"aes-cbc sha1 start key", odfScheme{cipher: "aes-cbc", startKey: "sha1", kdf: "pbkdf2", iterations: 10, checksum: "sha1"}, "Rendez-vous au quai"},
		{"aes-cbc no checksum", odfScheme{cipher: "aes-cbc", startKey: "sha256", kdf: "pbkdf2", iterations: 10}, "Rendez-vous au quai"},
		{"blowfish short", odf11, "Rendez-vous au quai"},
		{"blowfish long", odf11, noisy},
		{"aes-gcm argon2id per member", odfScheme{cipher: "aes-gcm", startKey: "sha256", kdf: "argon2id"}, "Rendez-vous au quai"},
		{"aes-gcm argon2id whole package", lo242, "Rendez-vous au quai"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := encryptedODF(t, tc.s, "pässwörd", secretODT(tc.body)...)
			res, err := Extract(context.Background(), data, "", extract.Options{Passwords: []string{"wrong", "pässwörd"}})
			if err != nil {
				t.Fatalf("%v (%+v)", err, res)
			}
			if !res.Meta.Encrypted || !res.Meta.Decrypted || !strings.Contains(res.Text, tc.body) {
				t.Errorf("text %.80q meta %+v problems %q", res.Text, res.Meta, res.Problems)
			}
			if res.Meta.Author != "Source A" || res.Meta.LastModifiedBy != "Editor B" || res.Meta.Creator != "LibreOffice/7.6" {
				t.Errorf("meta %+v", res.Meta)
			}
			if len(res.Children) != 1 || !bytes.HasPrefix(res.Children[0].Data, []byte("\x89PNG")) || res.Children[0].Path != "embedded:Pictures/1.png" {
				t.Errorf("children %+v", res.Children)
			}
			if res.Meta.Extra["encryption"] == "" {
				t.Errorf("no encryption description: %v", res.Meta.Extra)
			}
			for _, pws := range [][]string{nil, {"wrong", "Pässwörd", "pässwörd "}} {
				res, err := Extract(context.Background(), data, "", extract.Options{Passwords: pws})
				if !errors.Is(err, extract.ErrEncrypted) || res == nil || !res.Meta.Encrypted || res.Meta.Decrypted || strings.Contains(res.Text, tc.body) {
					t.Errorf("passwords %q: %v %+v", pws, err, res)
					continue
				}
				if len(res.Problems) != 0 {
					t.Errorf("passwords %q: problems %q", pws, res.Problems)
				}
			}
		})
	}
}

// TestODFDecryptRefused: a wrong checksum is a wrong password; absurd or
// unknown parameters are reported, never tried; the document stays flagged.
func TestODFDecryptRefused(t *testing.T) {
	bad := odf12
	bad.badChecksum = true
	data := encryptedODF(t, bad, "pw", secretODT("secret")...)
	res, err := Extract(context.Background(), data, "", extract.Options{Passwords: []string{"pw"}})
	if !errors.Is(err, extract.ErrEncrypted) || res.Meta.Decrypted || strings.Contains(res.Text, "secret") {
		t.Errorf("bad checksum: %v %+v", err, res)
	}
	good := encryptedODF(t, odf12, "pw", secretODT("secret")...)
	for _, tc := range []struct{ from, to, problem string }{
		{`manifest:iteration-count="1000"`, `manifest:iteration-count="2000000000"`, "iteration count 2000000000 refused"},
		{`manifest:iteration-count="1000"`, `manifest:iteration-count="-1"`, "iteration count -1 refused"},
		{`xmlenc#aes256-cbc`, `xmlenc#camellia256-cbc`, "not supported"},
		{`PBKDF2`, `scrypt`, `key derivation "scrypt" not supported`},
		{`manifest:key-size="32" manifest:iteration`, `manifest:key-size="7" manifest:iteration`, "7-byte key"},
	} {
		patched := patchManifest(t, good, tc.from, tc.to)
		res, err := Extract(context.Background(), patched, "", extract.Options{Passwords: []string{"pw"}})
		if !errors.Is(err, extract.ErrEncrypted) || res == nil || !res.Meta.Encrypted || res.Meta.Decrypted || !hasProblem(res, tc.problem) {
			t.Errorf("%s: %v %+v", tc.to, err, res)
		}
	}
	// Argon2 asking for more memory than the worker has.
	whole := encryptedODF(t, lo242, "pw", secretODT("secret")...)
	patched := patchManifest(t, whole, `loext:argon2-memory="1024"`, `loext:argon2-memory="4194304"`)
	res, err = Extract(context.Background(), patched, "", extract.Options{Passwords: []string{"pw"}})
	if !errors.Is(err, extract.ErrEncrypted) || res == nil || !res.Meta.Encrypted || !hasProblem(res, "Argon2id parameters") {
		t.Errorf("argon2 memory: %v %+v", err, res)
	}
	// The work limit stops a long list of passwords.
	defer func(n int64) { odfWorkLimit = n }(odfWorkLimit)
	odfWorkLimit = 5000
	res, err = Extract(context.Background(), good, "", extract.Options{Passwords: []string{"a", "b", "c", "d", "e", "f", "pw"}})
	if !errors.Is(err, extract.ErrEncrypted) || !hasProblem(res, "key derivation budget") {
		t.Errorf("work limit: %v %+v", err, res)
	}
}

// patchManifest rewrites the manifest of package data.
func patchManifest(t testing.TB, data []byte, from, to string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, f := range zr.File {
		rc, _ := f.Open()
		var body bytes.Buffer
		body.ReadFrom(rc)
		rc.Close()
		content := body.Bytes()
		if f.Name == "META-INF/manifest.xml" {
			if !bytes.Contains(content, []byte(from)) {
				t.Fatalf("manifest has no %q", from)
			}
			content = bytes.ReplaceAll(content, []byte(from), []byte(to))
		}
		out, _ := w.CreateHeader(&zip.FileHeader{Name: f.Name, Method: f.Method})
		out.Write(content)
	}
	w.Close()
	return b.Bytes()
}

// TestODFDecryptCorpus opens the corpus's LibreOffice-encrypted ODT
// (Tika's testODTEncrypted.odt, password "tika", AES-256-CBC, PBKDF2 with
// 100,000 iterations). Aleph's encypted_by_libreoffice.odt has no known
// password: it stays flagged.
func TestODFDecryptCorpus(t *testing.T) {
	dir := testutil.Corpus(t, "docs/tika/miscoffice")
	p := filepath.Join(dir, "testODTEncrypted.odt")
	res, err := extractFile(t, p, extract.Options{Passwords: []string{"wrong", "tika"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "Shhhhhhhhhhh!\nThis should be encrypted." || !res.Meta.Encrypted || !res.Meta.Decrypted || res.Meta.Extra["words"] != "5" || len(res.Problems) != 0 {
		t.Errorf("%q %+v %q", res.Text, res.Meta, res.Problems)
	}
	res, err = extractFile(t, p, extract.Options{Passwords: []string{"Tika"}})
	if !errors.Is(err, extract.ErrEncrypted) || !res.Meta.Encrypted || res.Meta.Decrypted || res.Text != "" {
		t.Errorf("wrong password: %v %+v", err, res)
	}
	aleph := filepath.Join(testutil.CorpusDir(), "docs/aleph-ingest-file/encypted_by_libreoffice.odt")
	if _, err := os.Stat(aleph); err == nil {
		res, err := extractFile(t, aleph, extract.Options{Passwords: []string{"tika", "password"}})
		if !errors.Is(err, extract.ErrEncrypted) || !res.Meta.Encrypted || len(res.Problems) != 0 {
			t.Errorf("aleph: %v %+v", err, res)
		}
	}
}

// FuzzODFManifest mutates the manifest of an encrypted package whose
// members stay as they are: the parser and the decryption path must not
// panic, hang or read past the budget, whatever parameters it asks for.
func FuzzODFManifest(f *testing.F) {
	var pkgs [][]byte
	for _, s := range []odfScheme{odf12, odf11, lo242, {cipher: "aes-gcm", startKey: "sha256", kdf: "argon2id", checksum: "sha256"}} {
		pkgs = append(pkgs, encryptedODF(f, s, "pw", secretODT("secret")...))
	}
	for i, p := range pkgs {
		zr, _ := zip.NewReader(bytes.NewReader(p), int64(len(p)))
		for _, zf := range zr.File {
			if zf.Name == "META-INF/manifest.xml" {
				rc, _ := zf.Open()
				var b bytes.Buffer
				b.ReadFrom(rc)
				rc.Close()
				f.Add(b.String(), byte(i))
			}
		}
	}
	f.Add(`<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data><manifest:key-derivation/></manifest:encryption-data></manifest:file-entry></manifest:manifest>`, byte(0))
	f.Fuzz(func(t *testing.T, manifest string, which byte) {
		defer func(n int64) { odfWorkLimit = n }(odfWorkLimit)
		odfWorkLimit = 20_000 // a few PBKDF2 rounds or a 20 MiB Argon2 pass
		p := pkgs[int(which)%len(pkgs)]
		zr, _ := zip.NewReader(bytes.NewReader(p), int64(len(p)))
		var b bytes.Buffer
		w := zip.NewWriter(&b)
		for _, zf := range zr.File {
			out, _ := w.CreateHeader(&zip.FileHeader{Name: zf.Name, Method: zip.Store})
			if zf.Name == "META-INF/manifest.xml" {
				out.Write([]byte(manifest))
				continue
			}
			rc, _ := zf.Open()
			var body bytes.Buffer
			body.ReadFrom(rc)
			rc.Close()
			out.Write(body.Bytes())
		}
		w.Close()
		res, err := Extract(context.Background(), b.Bytes(), "", extract.Options{Passwords: []string{"x", "pw"}, Budget: fuzzOpts.Budget})
		if err == nil && len(res.Text) > 4<<20 {
			t.Fatalf("%d bytes of text over the budget", len(res.Text))
		}
	})
}
