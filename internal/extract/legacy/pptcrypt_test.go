package legacy

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsroom/dossier/internal/testutil"
)

// TestDecryptPPTReference: the presentation decrypted with its password
// is the decrypted reference, byte for byte (every stream and the
// compound file around them).
func TestDecryptPPTReference(t *testing.T) {
	enc := readCorpusFile(t, "docs/encrypted-office/inputs/rc4cryptoapi_password.ppt")
	ref := readCorpusFile(t, "docs/encrypted-office/outputs/rc4cryptoapi_password_plain.ppt")
	f, err := openCFB(enc)
	if err != nil {
		t.Fatal(err)
	}
	d, kind, err := decryptPPT(context.Background(), f, []string{"wrong", "Password1234_"})
	if err != nil || kind != kindCryptoAPI {
		t.Fatal(kind, err)
	}
	rf, err := openCFB(ref)
	if err != nil {
		t.Fatal(err)
	}
	g, err := openCFB(d.data)
	if err != nil {
		t.Fatal(err)
	}
	for name := range rf.streams {
		a, _ := g.stream(name)
		b, _ := rf.stream(name)
		if !bytes.Equal(a, b) {
			t.Errorf("stream %s differs from the reference's", name)
		}
	}
	if !bytes.Equal(d.data, ref) {
		t.Error("decrypted file differs from the reference")
	}
	if pptEncrypted(g) {
		t.Error("decrypted presentation still flagged encrypted")
	}
	if _, kind, err := decryptPPT(context.Background(), f, []string{"Password1234", ""}); !errors.Is(err, errWrongPassword) || kind != kindCryptoAPI {
		t.Errorf("wrong password: %q, %v", kind, err)
	}
	if _, _, err := decryptPPT(context.Background(), rf, []string{"Password1234_"}); err == nil {
		t.Error("plain presentation decrypted")
	}
}

// TestDecryptPPTTikaStreams: Tika's sample decrypts to a plain stream
// holding its slide's text (which catppt does not show: it is in a
// drawing's text box).
func TestDecryptPPTTikaStreams(t *testing.T) {
	enc := readCorpusFile(t, "docs/tika/microsoft/testPPT_protected_passtika.ppt")
	f, err := openCFB(enc)
	if err != nil {
		t.Fatal(err)
	}
	d, kind, err := decryptPPT(context.Background(), f, []string{"tika"})
	if err != nil || kind != kindCryptoAPI {
		t.Fatal(kind, err)
	}
	g, err := openCFB(d.data)
	if err != nil {
		t.Fatal(err)
	}
	pd, _ := g.stream("PowerPoint Document")
	for _, want := range []string{"This is an encrypted PowerPoint 2007 slide.", "Click to edit Master title style"} {
		if !bytes.Contains(pd, []byte(want)) {
			t.Errorf("%q not in the decrypted stream", want)
		}
	}
	if cu, _ := g.stream("Current User"); len(cu) < 16 || binary.LittleEndian.Uint32(cu[12:]) != pptTokenPlain {
		t.Error("Current User still says encrypted")
	}
	// The records read from the start run to the zeroed encryption
	// session, then comes the persist directory.
	le := binary.LittleEndian
	i := 0
	for i+8 <= len(pd) && le.Uint32(pd[i:]) != 0 {
		if typ := le.Uint16(pd[i+2:]); typ == pptCryptSession || typ == pptPersistDirectory {
			t.Fatalf("record %#x at %d", typ, i)
		}
		i += 8 + int(le.Uint32(pd[i+4:]))
	}
	for i < len(pd) && pd[i] == 0 {
		i++
	}
	// (recVer and recInstance of the directory are zero: back two bytes.)
	if i < 2 || i+6 > len(pd) || le.Uint16(pd[i:]) != pptPersistDirectory {
		t.Errorf("no persist directory after the records and zeros, at %d", i)
	}
}

// TestDecryptPPTText: catppt reads the decrypted presentations.
func TestDecryptPPTText(t *testing.T) {
	testutil.Tool(t, "catppt")
	dir := testutil.Corpus(t, "docs")
	got, err := extractWith(t, filepath.Join(dir, "encrypted-office/inputs/rc4cryptoapi_password.ppt"), "tika", "Password1234_")
	if err != nil {
		t.Fatal(err)
	}
	want, err := extractWith(t, filepath.Join(dir, "encrypted-office/outputs/rc4cryptoapi_password_plain.ppt"))
	if err != nil {
		t.Fatal(err)
	}
	if normWS(got.Text) == "" || got.Text != want.Text || got.Meta.Slides != want.Meta.Slides {
		t.Errorf("text %q (%d slides), the reference's %q (%d)", got.Text, got.Meta.Slides, want.Text, want.Meta.Slides)
	}
	if m := got.Meta; !m.Encrypted || !m.Decrypted || m.Extra["encryption"] != kindCryptoAPI {
		t.Errorf("meta: encrypted %v, decrypted %v, extra %v", m.Encrypted, m.Decrypted, m.Extra)
	}
	if m := got.Meta; m.Author != want.Meta.Author || m.Title != want.Meta.Title {
		t.Errorf("author %q title %q, the reference's %q %q", m.Author, m.Title, want.Meta.Author, want.Meta.Title)
	}
	if len(got.Problems) != 0 {
		t.Errorf("problems %q", got.Problems)
	}

	res, err := extractWith(t, filepath.Join(dir, "tika/microsoft/testPPT_protected_passtika.ppt"), "Password1234_", "tika")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(normWS(res.Text), "Office Theme") {
		t.Errorf("text %q", res.Text)
	}
	if m := res.Meta; !m.Encrypted || !m.Decrypted || m.Extra["encryption"] != kindCryptoAPI {
		t.Errorf("meta: encrypted %v, decrypted %v, extra %v", m.Encrypted, m.Decrypted, m.Extra)
	}
	if len(res.Problems) != 0 {
		t.Errorf("problems %q", res.Problems)
	}
}

// pptRec builds a PowerPoint record.
func pptRec(verInst, typ uint16, body []byte) []byte {
	b := binary.LittleEndian.AppendUint16(nil, verInst)
	b = binary.LittleEndian.AppendUint16(b, typ)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(body)))
	return append(b, body...)
}

// userEdit builds a UserEditAtom with encryptSessionPersistIdRef.
func userEdit(lastEdit, dir, session uint32) []byte {
	b := make([]byte, 0x20)
	le := binary.LittleEndian
	le.PutUint32(b[8:], lastEdit)
	le.PutUint32(b[12:], dir)
	le.PutUint32(b[16:], 1)
	le.PutUint32(b[28:], session)
	return pptRec(0, pptUserEditAtom, b)
}

// persistDir builds a PersistDirectoryAtom of one run.
func persistDir(first uint32, offsets ...uint32) []byte {
	le := binary.LittleEndian
	b := le.AppendUint32(nil, first|uint32(len(offsets))<<20)
	for _, o := range offsets {
		b = le.AppendUint32(b, o)
	}
	return pptRec(0, pptPersistDirectory, b)
}

func encryptedCU(current uint32) []byte {
	cu := make([]byte, 24)
	binary.LittleEndian.PutUint32(cu[12:], pptTokenEncrypted)
	binary.LittleEndian.PutUint32(cu[16:], current)
	return cu
}

// TestDecryptPPTEdits builds a presentation saved twice (an incremental
// save): the persist objects of both edits are decrypted, each with its
// own persist id, the encryption session is dropped from both edits.
func TestDecryptPPTEdits(t *testing.T) {
	// The encryption session of the corpus file, whose password is known.
	enc := readCorpusFile(t, "docs/encrypted-office/inputs/rc4cryptoapi_password.ppt")
	f, err := openCFB(enc)
	if err != nil {
		t.Fatal(err)
	}
	cu0, _ := f.stream("Current User")
	pd0, _ := f.stream("PowerPoint Document")
	e0, err := readPPTEdits(pd0, binary.LittleEndian.Uint32(cu0[16:]))
	if err != nil {
		t.Fatal(err)
	}
	cs, _ := readPPTRecord(pd0, e0.sessionOff)
	session := pd0[cs.off : cs.off+8+cs.size]
	info, _ := parseRC4Info(cs.body(pd0))
	key, err := info.key("Password1234_")
	if err != nil {
		t.Fatal(err)
	}
	encrypt := func(id uint32, rec []byte) []byte {
		out := make([]byte, len(rec))
		key.cipher(id).XORKeyStream(out, rec)
		return out
	}

	var pd, want []byte
	add := func(enc, plain []byte) uint32 {
		off := uint32(len(pd))
		pd = append(pd, enc...)
		want = append(want, plain...)
		return off
	}
	doc := pptRec(0xF, 0x03E8, pptRec(0, 0x0FA8, []byte("document")))
	oldSlide := pptRec(0, 0x0FA8, []byte("old text"))
	newSlide := pptRec(0, 0x0FA8, []byte("new text, longer"))
	o1 := add(encrypt(1, doc), doc)
	o2 := add(encrypt(2, oldSlide), oldSlide)
	o3 := add(session, make([]byte, len(session)))
	dir1 := persistDir(1, o1, o2, o3)
	d1 := add(dir1, dir1)
	binary.LittleEndian.PutUint32(want[d1+8:], 1|2<<20) // the session dropped
	ue1 := add(userEdit(0, d1, 3), userEdit(0, d1, 3))
	o4 := add(encrypt(2, newSlide), newSlide)
	dir2 := persistDir(2, o4)
	d2 := add(dir2, dir2)
	ue2 := add(userEdit(ue1, d2, 3), userEdit(ue1, d2, 3))
	for _, ue := range []uint32{ue1, ue2} {
		binary.LittleEndian.PutUint32(want[ue+4:], pptUserEditLen)
		clear(want[ue+8+pptUserEditLen : ue+8+pptUserEditLen+4])
	}

	cu, plain, kind, err := decryptPPTStreams(context.Background(), encryptedCU(ue2), pd, []string{"Password1234_"})
	if err != nil || kind != kindCryptoAPI {
		t.Fatal(kind, err)
	}
	if !bytes.Equal(plain, want) {
		t.Errorf("decrypted\n%x\nwant\n%x", plain, want)
	}
	if binary.LittleEndian.Uint32(cu[12:]) != pptTokenPlain {
		t.Error("Current User still says encrypted")
	}

	// A directory naming every offset of a big record: the objects
	// would overlap, and the work be quadratic.
	pd, want = nil, nil
	big := pptRec(0, 0x0FA8, make([]byte, 4000))
	add(encrypt(1, big), big)
	offs := make([]uint32, 0, 200)
	for o := range uint32(200) {
		offs = append(offs, o)
	}
	o := add(session, session)
	offs = append(offs, o)
	d := add(persistDir(1, offs...), nil)
	ue := add(userEdit(0, d, uint32(len(offs))), nil)
	if _, _, _, err := decryptPPTStreams(context.Background(), encryptedCU(ue), pd, []string{"Password1234_"}); err == nil || !strings.Contains(err.Error(), "overlap") {
		t.Errorf("overlapping objects: %v", err)
	}
}

// TestDecryptPPTHostile: chains that loop, offsets outside the stream,
// lengths that lie: errors, never a hang or a panic.
func TestDecryptPPTHostile(t *testing.T) {
	ctx := context.Background()
	pad := pptRec(0, 0x03E8, nil) // something at offset 0
	cases := map[string]struct {
		pd      []byte
		current uint32
	}{
		"empty":               {nil, 0},
		"current outside":     {pad, 1 << 31},
		"not a user edit":     {pad, 0},
		"directory outside":   {append(bytes.Clone(pad), userEdit(0, 1<<30, 1)...), 8},
		"length beyond":       {append(bytes.Clone(pad), 0, 0, 0xF5, 0x0F, 0xFF, 0xFF, 0xFF, 0xFF), 8},
		"user edit too short": {append(bytes.Clone(pad), pptRec(0, pptUserEditAtom, make([]byte, 8))...), 8},
	}
	// A user edit that names itself as the previous one.
	self := append(bytes.Clone(pad), persistDir(1, 0)...)
	cases["self cycle"] = struct {
		pd      []byte
		current uint32
	}{append(self, userEdit(uint32(len(self)), 8, 1)...), uint32(len(self))}
	// Two that name each other.
	two := append(bytes.Clone(pad), persistDir(1, 0)...)
	a := uint32(len(two))
	two = append(two, userEdit(a+40, 8, 1)...)
	two = append(two, userEdit(a, 8, 1)...)
	cases["two cycle"] = struct {
		pd      []byte
		current uint32
	}{two, a}
	// A long chain.
	long := append(bytes.Clone(pad), persistDir(1, 0)...)
	prev := uint32(0)
	for range maxPPTUserEdits + 10 {
		o := uint32(len(long))
		long = append(long, userEdit(prev, 8, 1)...)
		prev = o
	}
	cases["long chain"] = struct {
		pd      []byte
		current uint32
	}{long, prev}
	// A directory whose run claims more offsets than it holds, and a
	// session id with no object.
	lying := append(bytes.Clone(pad), pptRec(0, pptPersistDirectory, []byte{1, 0, 0xF0, 0xFF, 0, 0, 0, 0})...)
	cases["lying directory"] = struct {
		pd      []byte
		current uint32
	}{append(lying, userEdit(0, 8, 7)...), uint32(len(lying))}
	// The session names a record that is not a CryptSession10Container.
	wrong := append(bytes.Clone(pad), persistDir(1, 0)...)
	cases["no session record"] = struct {
		pd      []byte
		current uint32
	}{append(wrong, userEdit(0, 8, 1)...), uint32(len(wrong))}

	for name, c := range cases {
		_, pd, _, err := decryptPPTStreams(ctx, encryptedCU(c.current), c.pd, []string{"x"})
		if err == nil || pd != nil {
			t.Errorf("%s: err %v", name, err)
		}
	}
	if _, _, _, err := decryptPPTStreams(ctx, []byte{1, 2, 3}, pad, nil); err == nil {
		t.Error("short Current User accepted")
	}
}

func TestDropPersistEntries(t *testing.T) {
	le := binary.LittleEndian
	dir := persistDir(5, 100, 200, 300)[8:]
	dropPersistEntries(dir, map[pptPersist]bool{{id: 6, off: 200}: true})
	if le.Uint32(dir) != 5|3<<20 {
		t.Errorf("entry within a run changed: %#x", le.Uint32(dir))
	}
	dropPersistEntries(dir, map[pptPersist]bool{{id: 7, off: 999}: true, {id: 7, off: 300}: true})
	if le.Uint32(dir) != 5|2<<20 {
		t.Errorf("last entry of a run kept: %#x", le.Uint32(dir))
	}
	dropPersistEntries([]byte{1, 0, 0xF0, 0xFF, 0, 0}, map[pptPersist]bool{{id: 1}: true})
}

// FuzzDecryptPPT feeds arbitrary compound files to the PPT decryption,
// the encrypted corpus presentations (whose passwords are given) as
// seeds, and arbitrary streams to the stream decryption.
func FuzzDecryptPPT(f *testing.F) {
	for _, name := range []string{
		"encrypted-office/inputs/rc4cryptoapi_password.ppt",
		"tika/microsoft/testPPT_protected_passtika.ppt",
	} {
		if b, err := os.ReadFile(filepath.Join(testutil.CorpusDir(), "docs", name)); err == nil && len(b) < 128<<10 {
			f.Add(b, uint32(0))
		}
	}
	f.Add(append(bytes.Clone(cfbMagic), make([]byte, 1024)...), uint32(0))
	f.Add(append(pptRec(0, 0x03E8, nil), userEdit(8, 0, 1)...), uint32(8))
	passwords := []string{"Password1234_", "tika"}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, b []byte, current uint32) {
		if cu, pd, _, err := decryptPPTStreams(ctx, encryptedCU(current), b, passwords); err == nil {
			if len(pd) != len(b) || len(cu) != 24 {
				t.Fatalf("streams of %d and %d bytes from %d and 24", len(pd), len(cu), len(b))
			}
		}
		cf, err := openCFB(b)
		if err != nil {
			return
		}
		if d, kind, err := decryptPPT(ctx, cf, passwords); err == nil {
			if len(d.data) != len(b) || kind != kindCryptoAPI {
				t.Fatalf("ppt: %d bytes from %d, kind %q", len(d.data), len(b), kind)
			}
			if _, err := openCFB(d.data); err != nil {
				t.Fatalf("decrypted file unreadable: %v", err)
			}
		}
	})
}

// corpusSession returns the CryptSession10Container record of the corpus
// presentation whose password is Password1234_.
func corpusSession(t *testing.T) []byte {
	t.Helper()
	f, err := openCFB(readCorpusFile(t, "docs/encrypted-office/inputs/rc4cryptoapi_password.ppt"))
	if err != nil {
		t.Fatal(err)
	}
	cu, _ := f.stream("Current User")
	pd, _ := f.stream("PowerPoint Document")
	e, err := readPPTEdits(pd, binary.LittleEndian.Uint32(cu[16:]))
	if err != nil {
		t.Fatal(err)
	}
	cs, _ := readPPTRecord(pd, e.sessionOff)
	return bytes.Clone(pd[cs.off : cs.off+8+cs.size])
}

// TestDecryptPPTOverlaps: UserEditAtoms, PersistDirectoryAtoms and
// CryptSession10Containers never overlap in a presentation; records that
// do (each a copy, a scan or a clear of most of the stream, thousands of
// times) are refused, not worked through.
func TestDecryptPPTOverlaps(t *testing.T) {
	le := binary.LittleEndian
	// A directory whose body is another directory.
	pad := pptRec(0, 0x03E8, nil)
	inner := persistDir(1, 0)
	pd := append(bytes.Clone(pad), pptRec(0, pptPersistDirectory, inner)...)
	ue1 := uint32(len(pd))
	pd = append(pd, userEdit(0, 8, 1)...)
	ue2 := uint32(len(pd))
	pd = append(pd, userEdit(ue1, 16, 1)...)
	if _, err := readPPTEdits(pd, ue2); err == nil || !strings.Contains(err.Error(), "overlap") {
		t.Errorf("nested directories: %v", err)
	}

	// Thousands of encryption sessions, each running to the end of the
	// stream: each would be cleared whole.
	session := corpusSession(t)
	pd = bytes.Clone(session)
	const n = 2000
	region := uint32(len(pd))
	tail := uint32(n*8 + 64<<10)
	for i := range uint32(n) {
		pd = le.AppendUint16(pd, 0)
		pd = le.AppendUint16(pd, pptCryptSession)
		pd = le.AppendUint32(pd, tail-8*i-8)
	}
	pd = append(pd, make([]byte, tail-n*8)...)
	dir := []byte{}
	dir = le.AppendUint32(dir, 1|1<<20)
	dir = le.AppendUint32(dir, 0) // the session, newest
	for i := range uint32(n) {
		dir = le.AppendUint32(dir, 1|1<<20)
		dir = le.AppendUint32(dir, region+8*i)
	}
	d := uint32(len(pd))
	pd = append(pd, pptRec(0, pptPersistDirectory, dir)...)
	ue := uint32(len(pd))
	pd = append(pd, userEdit(0, d, 1)...)
	if _, _, _, err := decryptPPTStreams(context.Background(), encryptedCU(ue), pd, []string{"Password1234_"}); err == nil || !strings.Contains(err.Error(), "overlap") {
		t.Errorf("overlapping sessions: %v", err)
	}
}

// TestDropPersistEntriesMany: a directory of many runs against many
// zeroed sessions takes time proportional to their sum, not product. No
// clock is read: the linear pass takes milliseconds, a product of these
// sizes (4·10¹⁰ steps) would run past the go test timeout.
func TestDropPersistEntriesMany(t *testing.T) {
	le := binary.LittleEndian
	const n = 200_000
	var dir []byte
	zeroed := map[pptPersist]bool{}
	for i := range uint32(n) {
		dir = le.AppendUint32(dir, i|1<<20)
		dir = le.AppendUint32(dir, 8*i)
		zeroed[pptPersist{id: i + n, off: 8 * i}] = true
	}
	before := bytes.Clone(dir)
	dropPersistEntries(dir, zeroed)
	if !bytes.Equal(dir, before) {
		t.Error("entries of other ids were dropped")
	}
}
