package office

import (
	"bytes"
	"compress/flate"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/blowfish"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/extract/zipdoc"
)

// ODF package encryption (ODF 1.2 part 3 §3.8, ODF 1.3; LibreOffice and
// OpenOffice.org as the writers). The manifest gives, for each encrypted
// member, how to derive its key from the password and how to decrypt it:
//
//   - start key: SHA-256 (ODF 1.2+) or SHA-1 (ODF 1.0/1.1, the default) of
//     the password's UTF-8 bytes;
//   - key: PBKDF2-HMAC-SHA1 of the start key with the member's salt and
//     iteration count, or Argon2id (LibreOffice 24.2+, with the loext:argon2-*
//     parameters);
//   - cipher: AES-CBC with W3C padding (the last byte counts the padding
//     bytes), AES-GCM with the tag after the ciphertext (no checksum then:
//     the tag authenticates), or Blowfish in 64-bit CFB (ODF 1.0/1.1);
//   - the plaintext is the member deflated (raw deflate);
//   - checksum: SHA-256 or SHA-1 of the first 1024 bytes of the plaintext
//     (still compressed, padding removed), which tells a wrong password
//     before anything is inflated.
//
// ODF 1.2 encrypts each member (content.xml, styles.xml, meta.xml,
// pictures) with its own salt and IV. LibreOffice 24.2 and later may
// instead put the whole package, encrypted, in one member called
// encrypted-package beside mimetype and the manifest ("wholesome"
// encryption, AES-GCM with Argon2id).

// odfCrypt is the encryption data of one manifest entry.
type odfCrypt struct {
	size        int64  // manifest:size, the plaintext size; -1 when absent
	checksumAlg string // "sha1", "sha256", "" (none) or the unknown name
	checksum    []byte
	cipher      string // "aes-cbc", "aes-gcm", "blowfish-cfb" or the unknown name
	iv          []byte
	startKey    string // "sha1", "sha256" or the unknown name
	kdf         string // "pbkdf2", "argon2id" or the unknown name
	keySize     int
	iterations  int
	salt        []byte
	argonT      int // Argon2 passes
	argonM      int // Argon2 memory, KiB
	argonP      int // Argon2 lanes
}

// Bounds on what a manifest may ask for.
const (
	// maxODFIterations bounds one PBKDF2 derivation (LibreOffice uses
	// 100,000; OpenOffice.org 1,024).
	maxODFIterations = 10_000_000
	// maxODFWork bounds the key derivation of one document, in PBKDF2
	// iterations (an Argon2 derivation counts passes × KiB): about half a
	// minute of work, enough for a thousand LibreOffice members or many
	// wrong passwords.
	maxODFWork = 100_000_000
	// maxArgonMemory bounds Argon2's memory (KiB): the worker has 2 GiB.
	maxArgonMemory = 512 << 10
	maxArgonPasses = 64
)

// odfWorkLimit is maxODFWork; tests lower it.
var odfWorkLimit int64 = maxODFWork

var errODFKDFBudget = errors.New("key derivation budget spent")

// newODFCrypt starts the encryption data of a member from its
// manifest:file-entry and manifest:encryption-data elements.
func newODFCrypt(entry, data xml.StartElement) *odfCrypt {
	c := &odfCrypt{size: -1, startKey: "sha1", keySize: 16, cipher: "none given", kdf: "none given"}
	if n, err := strconv.ParseInt(zipdoc.Attr(entry, "size"), 10, 64); err == nil && n >= 0 {
		c.size = n
	}
	c.checksumAlg = checksumName(zipdoc.Attr(data, "checksum-type"))
	c.checksum = odfBase64(zipdoc.Attr(data, "checksum"))
	return c
}

// element reads a child of manifest:encryption-data.
func (c *odfCrypt) element(e xml.StartElement) {
	switch e.Name.Local {
	case "algorithm":
		c.cipher = cipherName(zipdoc.Attr(e, "algorithm-name"))
		c.iv = odfBase64(zipdoc.Attr(e, "initialisation-vector"))
	case "start-key-generation":
		c.startKey = startKeyName(zipdoc.Attr(e, "start-key-generation-name"))
	case "key-derivation":
		c.kdf = kdfName(zipdoc.Attr(e, "key-derivation-name"))
		if n, err := strconv.Atoi(zipdoc.Attr(e, "key-size")); err == nil {
			c.keySize = n
		}
		c.iterations, _ = strconv.Atoi(zipdoc.Attr(e, "iteration-count"))
		c.salt = odfBase64(zipdoc.Attr(e, "salt"))
		c.argonT, _ = strconv.Atoi(zipdoc.Attr(e, "argon2-iterations"))
		c.argonM, _ = strconv.Atoi(zipdoc.Attr(e, "argon2-memory"))
		c.argonP, _ = strconv.Atoi(zipdoc.Attr(e, "argon2-lanes"))
	}
}

func checksumName(s string) string {
	l := strings.ToLower(s)
	switch {
	case s == "":
		return ""
	case strings.Contains(l, "sha256") && strings.Contains(l, "1k"):
		return "sha256"
	case strings.Contains(l, "sha1") && strings.Contains(l, "1k"):
		return "sha1"
	}
	return s
}

func cipherName(s string) string {
	l := strings.ToLower(s)
	switch {
	case strings.HasSuffix(l, "xmlenc#aes256-cbc"), strings.HasSuffix(l, "xmlenc#aes192-cbc"), strings.HasSuffix(l, "xmlenc#aes128-cbc"):
		return "aes-cbc"
	case strings.HasSuffix(l, "xmlenc11#aes256-gcm"), strings.HasSuffix(l, "xmlenc11#aes192-gcm"), strings.HasSuffix(l, "xmlenc11#aes128-gcm"):
		return "aes-gcm"
	case l == "blowfish cfb":
		return "blowfish-cfb"
	}
	return s
}

func startKeyName(s string) string {
	l := strings.ToLower(s)
	switch {
	case l == "sha1", strings.HasSuffix(l, "#sha1"):
		return "sha1"
	case l == "sha256", strings.HasSuffix(l, "#sha256"):
		return "sha256"
	}
	return s
}

func kdfName(s string) string {
	l := strings.ToLower(s)
	switch {
	case l == "pbkdf2", strings.HasSuffix(l, "#pbkdf2"):
		return "pbkdf2"
	case strings.HasSuffix(l, "argon2id"):
		return "argon2id"
	}
	return s
}

// odfBase64 decodes a manifest's base64 value, tolerating white space and
// missing padding; nil when it is not base64.
func odfBase64(s string) []byte {
	s = strings.Join(strings.Fields(s), "")
	if s == "" {
		return nil
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b
	}
	if b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "=")); err == nil {
		return b
	}
	return nil
}

// describe names the scheme, for Meta.Extra["encryption"].
func (c *odfCrypt) describe() string {
	kdf := c.kdf
	switch c.kdf {
	case "pbkdf2":
		kdf = fmt.Sprintf("PBKDF2 %d", c.iterations)
	case "argon2id":
		kdf = fmt.Sprintf("Argon2id t=%d m=%d p=%d", c.argonT, c.argonM, c.argonP)
	}
	return fmt.Sprintf("ODF %s (%d-bit key), %s, %s start key", c.cipher, 8*c.keySize, kdf, c.startKey)
}

// check reports why the entry cannot be decrypted, nil if it can be tried.
func (c *odfCrypt) check() error {
	switch c.cipher {
	case "aes-cbc":
		if len(c.iv) != aes.BlockSize {
			return fmt.Errorf("AES-CBC with a %d-byte IV", len(c.iv))
		}
	case "aes-gcm":
		if len(c.iv) < 8 || len(c.iv) > 64 {
			return fmt.Errorf("AES-GCM with a %d-byte IV", len(c.iv))
		}
	case "blowfish-cfb":
		if len(c.iv) != blowfish.BlockSize {
			return fmt.Errorf("Blowfish CFB with a %d-byte IV", len(c.iv))
		}
	default:
		return fmt.Errorf("cipher %q not supported", c.cipher)
	}
	switch c.cipher {
	case "aes-cbc", "aes-gcm":
		if c.keySize != 16 && c.keySize != 24 && c.keySize != 32 {
			return fmt.Errorf("AES with a %d-byte key", c.keySize)
		}
	case "blowfish-cfb":
		if c.keySize < 4 || c.keySize > 56 {
			return fmt.Errorf("Blowfish with a %d-byte key", c.keySize)
		}
	}
	switch c.startKey {
	case "sha1", "sha256":
	default:
		return fmt.Errorf("start key generation %q not supported", c.startKey)
	}
	if len(c.salt) == 0 || len(c.salt) > 1024 {
		return fmt.Errorf("%d-byte salt", len(c.salt))
	}
	switch c.kdf {
	case "pbkdf2":
		if c.iterations < 1 || c.iterations > maxODFIterations {
			return fmt.Errorf("PBKDF2 iteration count %d refused (at most %d)", c.iterations, maxODFIterations)
		}
	case "argon2id":
		if c.argonT < 1 || c.argonT > maxArgonPasses || c.argonP < 1 || c.argonP > 255 || c.argonM < 8*c.argonP || c.argonM > maxArgonMemory {
			return fmt.Errorf("Argon2id parameters t=%d m=%d p=%d refused", c.argonT, c.argonM, c.argonP)
		}
	default:
		return fmt.Errorf("key derivation %q not supported", c.kdf)
	}
	switch c.checksumAlg {
	case "", "sha1", "sha256":
	default:
		return fmt.Errorf("checksum %q not supported", c.checksumAlg)
	}
	return nil
}

// cost is the work of one key derivation, counted against maxODFWork.
func (c *odfCrypt) cost() int64 {
	if c.kdf == "argon2id" {
		return int64(c.argonT) * int64(c.argonM)
	}
	return int64(c.iterations)
}

// key derives the member's key from a password. work is the document's
// key derivation so far.
func (c *odfCrypt) key(pw string, work *int64) ([]byte, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	if *work+c.cost() > odfWorkLimit {
		return nil, errODFKDFBudget
	}
	*work += c.cost()
	var start []byte
	if c.startKey == "sha256" {
		s := sha256.Sum256([]byte(pw))
		start = s[:]
	} else {
		s := sha1.Sum([]byte(pw))
		start = s[:]
	}
	if c.kdf == "argon2id" {
		return argon2.IDKey(start, c.salt, uint32(c.argonT), uint32(c.argonM), uint8(c.argonP), uint32(c.keySize)), nil
	}
	return pbkdf2.Key(sha1.New, string(start), c.salt, c.iterations, c.keySize)
}

// decrypt decrypts a member's stored bytes with key. For AES-GCM a wrong
// key fails with errWrongPassword.
func (c *odfCrypt) decrypt(key, data []byte) ([]byte, error) {
	switch c.cipher {
	case "aes-cbc":
		if len(data) == 0 {
			return nil, nil
		}
		out, err := cbcDecrypt(key, c.iv, data)
		if err != nil {
			return nil, err
		}
		return unpadW3C(out), nil
	case "aes-gcm":
		b, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		g, err := cipher.NewGCMWithNonceSize(b, len(c.iv))
		if err != nil {
			return nil, err
		}
		if len(data) < g.Overhead() {
			return nil, errors.New("AES-GCM data shorter than its tag")
		}
		out, err := g.Open(nil, c.iv, data, nil)
		if err != nil {
			return nil, errWrongPassword
		}
		return out, nil
	case "blowfish-cfb":
		return blowfishCFB(key, c.iv, data)
	}
	return nil, fmt.Errorf("cipher %q not supported", c.cipher)
}

// unpadW3C removes XML Encryption padding: the last byte counts the
// padding bytes (whose values are arbitrary). Data whose last byte is not
// a possible count is left whole.
func unpadW3C(b []byte) []byte {
	if len(b) == 0 {
		return b
	}
	n := int(b[len(b)-1])
	if n < 1 || n > aes.BlockSize || n > len(b) {
		return b
	}
	return b[:len(b)-n]
}

// blowfishCFB decrypts Blowfish in CFB mode with a full 64-bit feedback,
// as OpenOffice.org's rtl cipher runs it.
func blowfishCFB(key, iv, data []byte) ([]byte, error) {
	b, err := blowfish.NewCipher(key)
	if err != nil {
		return nil, err
	}
	reg := make([]byte, blowfish.BlockSize)
	copy(reg, iv)
	stream := make([]byte, blowfish.BlockSize)
	out := make([]byte, len(data))
	for i := 0; i < len(data); i += blowfish.BlockSize {
		b.Encrypt(stream, reg)
		end := min(i+blowfish.BlockSize, len(data))
		for j := i; j < end; j++ {
			out[j] = data[j] ^ stream[j-i]
		}
		copy(reg, data[i:end]) // the ciphertext feeds back
	}
	return out, nil
}

// verify tells whether key fits, from the checksum of the start of the
// plaintext: it decrypts only what the checksum covers. It returns true
// when there is nothing to check against (no checksum, or AES-GCM, whose
// tag decrypt checks).
func (c *odfCrypt) verify(key, data []byte) (bool, error) {
	var h hash.Hash
	switch c.checksumAlg {
	case "sha256":
		h = sha256.New()
	case "sha1":
		h = sha1.New()
	default:
		return true, nil
	}
	if c.cipher == "aes-gcm" {
		return true, nil
	}
	const span = 1024
	var plain []byte
	var err error
	switch {
	case c.cipher == "aes-cbc" && len(data) > span+aes.BlockSize:
		// The padding is in the last block, far from the first 1024
		// bytes.
		plain, err = cbcDecrypt(key, c.iv, data[:span])
	case c.cipher == "blowfish-cfb":
		plain, err = blowfishCFB(key, c.iv, data[:min(len(data), span)])
	default:
		plain, err = c.decrypt(key, data)
	}
	if err != nil {
		return false, err
	}
	h.Write(plain[:min(len(plain), span)])
	return subtle.ConstantTimeCompare(h.Sum(nil), c.checksum) == 1, nil
}

// inflateMember inflates a decrypted member (raw deflate), within the
// archive's allowance. A plaintext that does not inflate but has the
// declared size was stored uncompressed and is returned as it is.
func inflateMember(a *zipdoc.Archive, c *odfCrypt, plain []byte) ([]byte, error) {
	left := a.Left()
	r := flate.NewReader(bytes.NewReader(plain))
	defer r.Close()
	var buf bytes.Buffer
	if c.size > 0 && c.size <= left {
		buf.Grow(int(min(c.size, 64<<20)))
	}
	n, err := buf.ReadFrom(io.LimitReader(r, left+1))
	switch {
	case err != nil:
		if c.size == int64(len(plain)) {
			if err := a.Charge(int64(len(plain))); err != nil {
				return nil, err
			}
			return plain, nil
		}
		return nil, fmt.Errorf("inflate: %w", err)
	case n > left:
		return nil, fmt.Errorf("%w: decrypted member inflates past the %d bytes left", extract.ErrBudget, left)
	}
	if err := a.Charge(n); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// odfKeyring is the password found for a document, and its cost so far.
type odfKeyring struct {
	password string
	found    bool
	work     int64
}

// unlock finds the password that opens the verifier member (content.xml,
// or encrypted-package), trying opts.Passwords in order. It returns the
// verifier's plaintext, inflated; errWrongPassword when none fits.
func (o *odf) unlock(name string, c *odfCrypt) ([]byte, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	data, err := o.a.ReadFile(name, 0)
	if err != nil {
		return nil, err
	}
	for _, pw := range o.opts.Passwords {
		if err := o.ctx.Err(); err != nil {
			return nil, err
		}
		key, err := c.key(pw, &o.keys.work)
		if err != nil {
			return nil, err
		}
		ok, err := c.verify(key, data)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		plain, err := c.decrypt(key, data)
		if errors.Is(err, errWrongPassword) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out, err := inflateMember(o.a, c, plain)
		if c.checksumAlg == "" && c.cipher != "aes-gcm" {
			// Nothing else tells a wrong password: the plaintext must
			// inflate to the declared size.
			if err != nil || (c.size >= 0 && int64(len(out)) != c.size) {
				continue
			}
		}
		if err != nil {
			return nil, err
		}
		o.keys.password, o.keys.found = pw, true
		return out, nil
	}
	return nil, errWrongPassword
}

// decryptMember decrypts and inflates member name with the password found.
func (o *odf) decryptMember(name string, c *odfCrypt) ([]byte, error) {
	if b, ok := o.plain[name]; ok {
		return b, nil
	}
	if !o.keys.found {
		return nil, extract.ErrEncrypted
	}
	key, err := c.key(o.keys.password, &o.keys.work)
	if err != nil {
		return nil, err
	}
	data, err := o.a.ReadFile(name, 0)
	if err != nil {
		return nil, err
	}
	plain, err := c.decrypt(key, data)
	if err != nil {
		return nil, err
	}
	ok, err := c.verify(key, data)
	if err != nil {
		return nil, err
	}
	out, err := inflateMember(o.a, c, plain)
	if err != nil {
		if !ok {
			return nil, errors.New("checksum does not match")
		}
		return nil, err
	}
	// LibreOffice writes checksums for some small members that do not
	// match (seen on current.xml and manifest.rdf); a member that
	// inflates is kept.
	return out, nil
}

// openODF opens a member of the package, decrypting it when it is
// encrypted and the password is known.
func (o *odf) open(name string) (io.ReadCloser, error) {
	c := o.crypt[strings.TrimPrefix(name, "/")]
	if c == nil {
		return o.a.Open(name)
	}
	if !o.a.Has(name) {
		return nil, fmt.Errorf("%s: %w", name, zipdoc.ErrMissing)
	}
	b, err := o.decryptMember(name, c)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// decryptedChild adds the encrypted member name as an embedded child,
// decrypted.
func (o *odf) decryptedChild(name string, c *odfCrypt) {
	if len(o.res.Children) >= o.members {
		o.problem("child embedded:%s: over the member budget (%d), not extracted", name, o.members)
		return
	}
	ch := extract.Child{Path: "embedded:" + name, Name: pathBase(name)}
	data, err := o.decryptMember(name, c)
	switch {
	case errors.Is(err, extract.ErrBudget):
		ch.Skip = "over the expansion budget"
	case errors.Is(err, errODFKDFBudget):
		ch.Skip = "encrypted (" + err.Error() + ")"
	case err != nil:
		ch.Failed = "decryption: " + err.Error()
	default:
		ch.Data = data
		if bytes.HasPrefix(data, cfbMagic) {
			if inner, fname, ok := unwrapOLE(data); ok {
				ch.Data = inner
				if fname != "" {
					ch.Name = fname
				}
			}
		}
	}
	o.res.Children = append(o.res.Children, ch)
}

// openWhole decrypts a package encrypted whole (an encrypted-package
// member holding the real package) and extracts the package inside.
func (o *odf) openWhole(c *odfCrypt) (*extract.Result, error) {
	plain, err := o.unlock("encrypted-package", c)
	if err != nil {
		return nil, err
	}
	if !zipdoc.IsZip(plain) {
		return nil, errors.New("encrypted-package does not hold a zip package")
	}
	b := zipdoc.Resolve(o.opts.Budget)
	b.MaxBytes = max(1, min(b.MaxBytes, o.a.Left()))
	inner, err := zipdoc.Open(plain, b)
	if err != nil {
		return nil, err
	}
	if !isODF(inner) {
		return nil, errors.New("encrypted-package does not hold an ODF package")
	}
	if inner.Has("encrypted-package") {
		return nil, errors.New("encrypted-package nested in encrypted-package")
	}
	return extractODF(o.ctx, inner, len(plain), o.opts)
}
