package legacy

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
)

// PowerPoint 97-2003 encryption ([MS-PPT] 2.3.7, [MS-OFFCRYPTO] 2.3.5):
// RC4 CryptoAPI, with the password verifier in a CryptSession10Container
// record of the PowerPoint Document stream, named by the
// encryptSessionPersistIdRef of the current UserEditAtom. Every other
// persist object (a record that the PersistDirectoryAtoms locate) is
// encrypted on its own, record header included, with the key of the
// block whose number is its persist id; the keystream starts at the
// record's first byte and is not re-keyed within it. UserEditAtoms and
// PersistDirectoryAtoms stay plain.
//
// The decrypted copy is the one that PowerPoint itself writes when the
// password is removed (the reference of the corpus, byte for byte): the
// persist objects decrypted in place, the CryptSession10Container zeroed,
// its persist directory entry dropped when it ends its run, each
// UserEditAtom shortened to its 0x1C bytes without
// encryptSessionPersistIdRef (zeroed), and the Current User header token
// back to the plain one. The Pictures stream and the EncryptedSummary
// stream are left encrypted: catppt reads neither.

// PowerPoint record types and header tokens.
const (
	pptUserEditAtom     = 0x0FF5
	pptPersistDirectory = 0x1772
	pptCryptSession     = 0x2F14
	pptTokenPlain       = 0xE391C05F
	pptTokenEncrypted   = 0xF3D1C4DF

	pptUserEditLen     = 0x1C // a UserEditAtom without encryptSessionPersistIdRef
	maxPPTUserEdits    = 4096 // UserEditAtoms followed through offsetLastEdit
	maxPPTPersistItems = 1 << 20
)

// pptRecord is a record header at off in a stream.
type pptRecord struct {
	off  int
	typ  uint16
	size int // recLen, bounded by the stream
}

// readPPTRecord reads the header of the record at off, which must lie
// wholly in b.
func readPPTRecord(b []byte, off uint32) (pptRecord, bool) {
	le := binary.LittleEndian
	if uint64(off)+8 > uint64(len(b)) {
		return pptRecord{}, false
	}
	o := int(off)
	n := le.Uint32(b[o+4:])
	if uint64(n) > uint64(len(b)-o-8) {
		return pptRecord{}, false
	}
	return pptRecord{off: o, typ: le.Uint16(b[o+2:]), size: int(n)}, true
}

func (r pptRecord) body(b []byte) []byte { return b[r.off+8 : r.off+8+r.size] }

// pptPersist is a persist object: its id and where its record starts.
type pptPersist struct {
	id  uint32
	off uint32
}

// pptEdits is what the chain of UserEditAtoms gives.
type pptEdits struct {
	userEdits  []pptRecord // newest first
	dirs       []pptRecord // the PersistDirectoryAtoms, newest first
	objects    []pptPersist
	sessionIDs map[uint32]bool // every encryptSessionPersistIdRef found
	sessionOff uint32          // the current CryptSession10Container
}

// readPPTEdits follows the UserEditAtoms from offsetToCurrentEdit and
// reads their persist directories.
func readPPTEdits(pd []byte, current uint32) (*pptEdits, error) {
	le := binary.LittleEndian
	e := &pptEdits{sessionIDs: map[uint32]bool{}}
	seenEdit := map[uint32]bool{}
	seenDir := map[uint32]bool{}
	seenObj := map[uint32]bool{}
	newest := map[uint32]uint32{} // persist id -> offset, the newest edit winning
	var session uint32
	// The atoms do not overlap: more bytes of them than the stream holds
	// means a hostile chain (each atom is scanned, then copied back).
	atoms := 0
	for off, n := current, 0; ; n++ {
		if n >= maxPPTUserEdits {
			return nil, errors.New("too many UserEditAtoms")
		}
		if seenEdit[off] {
			return nil, errors.New("UserEditAtoms in a cycle")
		}
		seenEdit[off] = true
		ue, ok := readPPTRecord(pd, off)
		if !ok || ue.typ != pptUserEditAtom || ue.size < pptUserEditLen {
			return nil, fmt.Errorf("no UserEditAtom at %d", off)
		}
		body := ue.body(pd)
		if ue.size >= pptUserEditLen+4 {
			if id := le.Uint32(body[pptUserEditLen:]); id != 0 {
				e.sessionIDs[id] = true
				if n == 0 {
					session = id
				}
			}
		}
		e.userEdits = append(e.userEdits, ue)
		if atoms += 8 + ue.size; atoms > len(pd) {
			return nil, errors.New("UserEditAtoms and PersistDirectoryAtoms overlap")
		}
		if dirOff := le.Uint32(body[12:]); !seenDir[dirOff] {
			seenDir[dirOff] = true
			dir, ok := readPPTRecord(pd, dirOff)
			if !ok || dir.typ != pptPersistDirectory {
				return nil, fmt.Errorf("no PersistDirectoryAtom at %d", dirOff)
			}
			e.dirs = append(e.dirs, dir)
			if atoms += 8 + dir.size; atoms > len(pd) {
				return nil, errors.New("UserEditAtoms and PersistDirectoryAtoms overlap")
			}
			b := dir.body(pd)
			for i := 0; i+4 <= len(b); {
				v := le.Uint32(b[i:])
				id, count := v&0xFFFFF, int(v>>20)
				i += 4
				for k := 0; k < count && i+4 <= len(b); k, i = k+1, i+4 {
					if len(e.objects) >= maxPPTPersistItems {
						return nil, errors.New("persist directory too large")
					}
					o := le.Uint32(b[i:])
					if _, ok := newest[id+uint32(k)]; !ok {
						newest[id+uint32(k)] = o
					}
					if !seenObj[o] {
						seenObj[o] = true
						e.objects = append(e.objects, pptPersist{id: id + uint32(k), off: o})
					}
				}
			}
		}
		off = le.Uint32(body[8:]) // offsetLastEdit
		if off == 0 {
			break
		}
	}
	if session == 0 {
		return nil, errors.New("no encryptSessionPersistIdRef")
	}
	off, ok := newest[session]
	if !ok {
		return nil, fmt.Errorf("no persist object %d for the encryption session", session)
	}
	e.sessionOff = off
	return e, nil
}

// decryptPPT decrypts an encrypted presentation held in the compound file
// f. It returns the kind of encryption found (even on failure, when
// known) and errWrongPassword when no password fits.
func decryptPPT(ctx context.Context, f *cfbFile, passwords []string) (*decrypted, string, error) {
	cu, ok := f.stream("Current User")
	if !ok {
		return nil, "", errors.New("no Current User stream")
	}
	pd, ok := f.stream("PowerPoint Document")
	if !ok {
		return nil, "", errors.New("no PowerPoint Document stream")
	}
	plainCU, plainPD, kind, err := decryptPPTStreams(ctx, cu, pd, passwords)
	if err != nil {
		return nil, kind, err
	}
	out := bytes.Clone(f.data)
	if err := f.overwrite(out, "PowerPoint Document", plainPD); err != nil {
		return nil, kind, err
	}
	if err := f.overwrite(out, "Current User", plainCU); err != nil {
		return nil, kind, err
	}
	return &decrypted{data: out, kind: kind}, kind, nil
}

// decryptPPTStreams decrypts the Current User and PowerPoint Document
// streams of an encrypted presentation, returning plain copies of the
// same lengths.
func decryptPPTStreams(ctx context.Context, cu, pd []byte, passwords []string) (plainCU, plainPD []byte, kind string, err error) {
	le := binary.LittleEndian
	// CurrentUserAtom: record header, size, headerToken,
	// offsetToCurrentEdit...
	if len(cu) < 20 {
		return nil, nil, "", errors.New("Current User stream too short")
	}
	if le.Uint32(cu[12:]) != pptTokenEncrypted {
		return nil, nil, "", errors.New("Current User does not say encrypted")
	}
	edits, err := readPPTEdits(pd, le.Uint32(cu[16:]))
	if err != nil {
		return nil, nil, "", err
	}
	cs, ok := readPPTRecord(pd, edits.sessionOff)
	if !ok || cs.typ != pptCryptSession {
		return nil, nil, "", fmt.Errorf("no CryptSession10Container at %d", edits.sessionOff)
	}
	info, err := parseRC4Info(cs.body(pd))
	if err != nil {
		return nil, nil, "", err
	}
	kind = info.kind()
	if !info.cryptoAPI {
		return nil, nil, kind, fmt.Errorf("presentation with %s encryption: %w", kind, errNotRC4)
	}
	key, err := findKey(ctx, info, passwords)
	if err != nil {
		return nil, nil, kind, err
	}

	plain := bytes.Clone(pd)
	zeroed := map[pptPersist]bool{} // CryptSession10Containers
	// Persist objects do not overlap: more bytes to decrypt than the
	// stream holds means a hostile directory (and quadratic work).
	total := 0
	for _, p := range edits.objects {
		if uint64(p.off)+8 > uint64(len(pd)) {
			continue
		}
		o := int(p.off)
		if edits.sessionIDs[p.id] && le.Uint16(pd[o+2:]) == pptCryptSession {
			if r, ok := readPPTRecord(pd, p.off); ok {
				if total += 8 + r.size; total > len(pd) {
					return nil, nil, kind, errors.New("persist objects overlap")
				}
				clear(plain[o : o+8+r.size])
				zeroed[p] = true
			}
			continue
		}
		c := key.cipher(p.id)
		c.XORKeyStream(plain[o:o+8], pd[o:o+8])
		end := o + 8 + int(min(uint64(le.Uint32(plain[o+4:])), uint64(len(pd)-o-8)))
		if total += end - o; total > len(pd) {
			return nil, nil, kind, errors.New("persist objects overlap")
		}
		c.XORKeyStream(plain[o+8:end], pd[o+8:end])
	}
	// Whatever a hostile directory pointed at, the atoms that were plain
	// stay so.
	for _, r := range append(edits.userEdits[:len(edits.userEdits):len(edits.userEdits)], edits.dirs...) {
		copy(plain[r.off:r.off+8+r.size], pd[r.off:r.off+8+r.size])
	}
	for _, r := range edits.dirs {
		dropPersistEntries(plain[r.off+8:r.off+8+r.size], zeroed)
	}
	for _, r := range edits.userEdits {
		b := plain[r.off+8 : r.off+8+r.size]
		if r.size >= pptUserEditLen+4 {
			clear(b[pptUserEditLen : pptUserEditLen+4])
		}
		if r.size == pptUserEditLen+4 {
			le.PutUint32(plain[r.off+4:], pptUserEditLen)
		}
	}
	plainCU = bytes.Clone(cu)
	le.PutUint32(plainCU[12:], pptTokenPlain)
	return plainCU, plain, kind, nil
}

// dropPersistEntries removes from a persist directory the entries of the
// zeroed objects that end their run of persist ids, by shortening the
// run (the offset stays, unread, as PowerPoint leaves it). An entry
// within a run stays, pointing at zeros.
func dropPersistEntries(b []byte, zeroed map[pptPersist]bool) {
	le := binary.LittleEndian
	for i := 0; i+4 <= len(b); {
		v := le.Uint32(b[i:])
		id, count := v&0xFFFFF, int(v>>20)
		if count > 0 && i+4+4*count <= len(b) {
			last := pptPersist{id: id + uint32(count-1), off: le.Uint32(b[i+4*count:])}
			if zeroed[last] {
				le.PutUint32(b[i:], id|uint32(count-1)<<20)
			}
		}
		i += 4 + 4*count
	}
}
