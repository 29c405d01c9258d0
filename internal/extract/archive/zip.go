package archive

import (
	"archive/zip"
	"bytes"
	"compress/bzip2"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"
	"golang.org/x/text/encoding/charmap"

	"github.com/newsroom/dossier/internal/extract"
)

// zipEntry is one ZIP member as the central directory, or failing it its
// local header, describes it.
type zipEntry struct {
	name     string
	flags    uint16
	method   uint16
	crc      uint32
	csize    uint64
	usize    uint64
	modified time.Time
	dosTime  uint16      // MS-DOS time field (the ZipCrypto check byte)
	mode     fs.FileMode // from the external attributes; 0 when unknown
	extra    []byte
	offset   int64 // where the compressed bytes start
	raw      []byte
	rawErr   error
}

const (
	zipFlagEncrypted  = 1 << 0
	zipFlagDescriptor = 1 << 3
	zipFlagStrong     = 1 << 6
)

// zipReader walks one ZIP archive's entries into a collector.
type zipReader struct {
	c         *collector
	data      []byte
	passwords []string
	good      int  // index of the password that last fitted, or -1
	split     bool // the archive is the last part of a split set
}

func extractZip(ctx context.Context, data []byte, opts extract.Options) (*extract.Result, error) {
	c := newCollector(ctx, opts, len(data))
	z := &zipReader{c: c, data: data, passwords: opts.Passwords, good: -1}
	var entries []zipEntry
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if errors.Is(err, zip.ErrInsecurePath) {
		err = nil // names are never used as paths here
	}
	if err == nil {
		entries = centralEntries(zr)
		if n := relocate(entries, data); n > 0 {
			c.problem("%d member(s) found by their local headers, away from where the central directory puts them", n)
		}
		c.res.Meta.Comments = zipText(zr.Comment)
		if disk, ok := eocdDisk(data); ok && disk > 0 {
			z.split = true
			c.problem("part %d of a split (spanned) archive: the members in the other parts cannot be read", disk+1)
		}
	} else {
		entries = localEntries(data)
		if len(entries) == 0 {
			return nil, fmt.Errorf("read the central directory: %w (and no local file header found)", err)
		}
		c.problem("central directory unreadable (%v): %d member(s) read from their local headers", err, len(entries))
	}
	if n := overlaps(entries); n > 0 {
		c.problem("%d member(s) overlap others' data (the construction of a zip bomb)", n)
	}
	for i := range entries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !z.member(&entries[i]) {
			break
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return c.finish(), nil
}

// centralEntries lists the central directory's entries.
func centralEntries(zr *zip.Reader) []zipEntry {
	entries := make([]zipEntry, 0, len(zr.File))
	for _, f := range zr.File {
		e := zipEntry{
			name: f.Name, flags: f.Flags, method: f.Method, crc: f.CRC32,
			csize: f.CompressedSize64, usize: f.UncompressedSize64,
			modified: f.Modified, dosTime: f.ModifiedTime, mode: f.Mode(), extra: f.Extra,
		}
		if off, err := f.DataOffset(); err == nil {
			e.offset = off
		} else {
			e.offset = -1
			e.rawErr = err
		}
		entries = append(entries, e)
	}
	return entries
}

// relocate finds, by a scan of the local headers, the entries whose
// central directory offset points to no local header, and returns how many
// it found.
func relocate(entries []zipEntry, data []byte) int {
	var local []zipEntry
	used := map[int]bool{}
	found := 0
	for i := range entries {
		e := &entries[i]
		if e.rawErr == nil {
			continue
		}
		if local == nil {
			local = localEntries(data)
		}
		for j, l := range local {
			if !used[j] && l.name == e.name && l.rawErr == nil {
				used[j] = true
				e.offset, e.rawErr = l.offset, nil
				found++
				break
			}
		}
	}
	return found
}

// rawBytes returns the entry's compressed (and maybe encrypted) bytes: a
// slice of the archive, never a copy.
func (z *zipReader) rawBytes(e *zipEntry) ([]byte, error) {
	if e.raw != nil || e.rawErr != nil {
		return e.raw, e.rawErr
	}
	if e.offset < 0 || e.offset > int64(len(z.data)) {
		return nil, io.ErrUnexpectedEOF
	}
	if e.csize > uint64(int64(len(z.data))-e.offset) {
		return z.data[e.offset:], nil // truncated: the caller compares
	}
	return z.data[e.offset : e.offset+int64(e.csize)], nil
}

// member records one entry; it returns false when the walk must stop.
func (z *zipReader) member(e *zipEntry) bool {
	c := z.c
	isDir := e.mode.IsDir() || (len(e.name) > 0 && e.name[len(e.name)-1] == '/')
	if isDir && e.usize == 0 {
		return true
	}
	ch := extract.Child{Name: zipDisplayName(e.name), Modified: timePtr(e.modified)}
	if c.full() {
		return c.add(e.name, ch)
	}
	encrypted := e.flags&zipFlagEncrypted != 0
	if encrypted {
		c.res.Meta.Encrypted = true
	}
	switch t := e.mode.Type(); {
	case t&fs.ModeSymlink != 0:
		ch.Skip = "symlink, not followed"
		// Shrink and implode decode the whole member in memory, unbudgeted
		// here: only a size a link target can have is decoded.
		inMemory := (e.method == 1 || e.method == 6) && e.usize > maxLinkTarget
		if !encrypted && !inMemory {
			if target, err := z.open(e, ""); err == nil {
				ch.Skip = symlinkSkip(linkTarget(target))
				target.Close()
			}
		}
		return c.add(e.name, ch)
	case t&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeNamedPipe|fs.ModeSocket) != 0:
		ch.Skip = "special file (" + t.String() + "), not extracted"
		return c.add(e.name, ch)
	}
	switch raw, err := z.rawBytes(e); {
	case z.split && (err != nil || uint64(len(raw)) < e.csize):
		ch.Failed = "in another part of the split archive, not given"
		return c.add(e.name, ch)
	case errors.Is(err, errNoDescriptor):
		ch.Failed = "corrupt: " + err.Error()
		return c.add(e.name, ch)
	case err != nil || uint64(len(raw)) < e.csize:
		ch.Failed = fmt.Sprintf("truncated (declares %d compressed bytes, the file holds %d)", e.csize, len(raw))
		return c.add(e.name, ch)
	case e.method == zip.Store && !encrypted && e.usize != e.csize:
		ch.Failed = fmt.Sprintf("corrupt: stored uncompressed, declares %d bytes but occupies %d", e.usize, e.csize)
		return c.add(e.name, ch)
	}
	if reason, ok := c.fits(int64(min(e.usize, 1<<62))); !ok {
		ch.Skip = reason
		return c.add(e.name, ch)
	}
	var data []byte
	var err error
	if encrypted {
		data, err = z.decrypt(e, &ch)
	} else {
		data, err = z.readPlain(e, "")
	}
	switch {
	case ch.Skip != "":
	case err == nil:
		ch.Data = data
	case errors.Is(err, errOverBudget):
		ch.Skip = c.overReason()
	case c.ctx.Err() != nil:
		return false
	default:
		ch.Failed = failReason(err)
	}
	return c.add(e.name, ch)
}

// readPlain decompresses the entry (decrypted with password if not "") and
// checks its size and CRC.
func (z *zipReader) readPlain(e *zipEntry, password string) ([]byte, error) {
	r, err := z.open(e, password)
	if err != nil {
		return nil, err
	}
	data, err := z.c.read(r, int64(min(e.usize, 1<<62)))
	r.Close()
	if err != nil {
		return nil, err
	}
	if uint64(len(data)) != e.usize {
		return nil, fmt.Errorf("holds %d bytes, declares %d", len(data), e.usize)
	}
	if ae, ok := parseAESExtra(e.extra); ok && e.method == 99 && ae.version == 2 {
		return data, nil // AE-2: the authentication code replaces the CRC
	}
	if crc32.ChecksumIEEE(data) != e.crc {
		return nil, errChecksum
	}
	return data, nil
}

// open returns a reader of the entry's uncompressed bytes.
func (z *zipReader) open(e *zipEntry, password string) (io.ReadCloser, error) {
	raw, err := z.rawBytes(e)
	if err != nil {
		return nil, err
	}
	method := e.method
	if e.flags&zipFlagEncrypted != 0 {
		switch ae, ok := parseAESExtra(e.extra); {
		case e.method == 99 && ok:
			plain, res := aesOpen(raw, password, ae.strength)
			if res != aesOK {
				return nil, errWrongPassword
			}
			raw, method = plain, ae.method
		default:
			plain := zipCryptoOpen(raw, password, byte(e.crc>>24), byte(e.dosTime>>8))
			if plain == nil {
				return nil, errWrongPassword
			}
			raw = plain
		}
	}
	return decompress(method, raw, e)
}

var errWrongPassword = errors.New("wrong password")

// decrypt tries the passwords on an encrypted entry, the one that fitted
// last first. It sets ch.Skip when none fits.
func (z *zipReader) decrypt(e *zipEntry, ch *extract.Child) ([]byte, error) {
	if e.flags&zipFlagStrong != 0 {
		ch.Skip = "encrypted with PKWARE strong encryption (not supported)"
		return nil, nil
	}
	order := make([]int, 0, len(z.passwords))
	if z.good >= 0 {
		order = append(order, z.good)
	}
	for i := range z.passwords {
		if i != z.good {
			order = append(order, i)
		}
	}
	var lastErr error
	for _, i := range order {
		data, err := z.readPlain(e, z.passwords[i])
		switch {
		case err == nil:
			z.good = i
			z.c.res.Meta.Decrypted = true
			return data, nil
		case errors.Is(err, errOverBudget), z.c.ctx.Err() != nil:
			return nil, err
		case !errors.Is(err, errWrongPassword):
			lastErr = err // a false positive of the check byte, or corrupt
		}
	}
	if lastErr != nil && e.method == 99 {
		return nil, lastErr // AES: the verifier matched, the data is corrupt
	}
	if len(z.passwords) == 0 {
		ch.Skip = "encrypted, no password given"
	} else {
		ch.Skip = "encrypted, no password given fits"
	}
	return nil, nil
}

// zipMethods names the compression methods of APPNOTE 4.4.5.
var zipMethods = map[uint16]string{
	1: "shrink", 2: "reduce", 3: "reduce", 4: "reduce", 5: "reduce", 6: "implode",
	9: "deflate64", 10: "PKWARE DCL implode", 18: "IBM TERSE", 19: "IBM LZ77",
	94: "MP3", 96: "JPEG", 97: "WavPack", 98: "PPMd", 99: "AES",
}

// decompress returns a reader of the bytes compressed in raw with method.
func decompress(method uint16, raw []byte, e *zipEntry) (io.ReadCloser, error) {
	r := bytes.NewReader(raw)
	switch method {
	case zip.Store:
		return io.NopCloser(r), nil
	case zip.Deflate:
		return flate.NewReader(r), nil
	case 1, 6:
		if e.usize > maxDict {
			return nil, fmt.Errorf("%s member of %d bytes: over the %d bytes decoded in memory", zipMethods[method], e.usize, maxDict)
		}
		var out []byte
		var err error
		if method == 1 {
			out, err = unshrink(raw, int(e.usize))
		} else {
			out, err = explode(raw, e.flags, int(e.usize))
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", zipMethods[method], err)
		}
		return io.NopCloser(bytes.NewReader(out)), nil
	case 12:
		return io.NopCloser(bzip2.NewReader(r)), nil
	case 14: // LZMA: version (2), properties size (2), properties (5), stream
		if len(raw) < 9 || binary.LittleEndian.Uint16(raw[2:]) != 5 {
			return nil, errors.New("bad LZMA header")
		}
		hdr := make([]byte, 13)
		copy(hdr, raw[4:9])
		size := e.usize
		if e.flags&(1<<1) != 0 { // an end-of-stream marker ends the data
			size = ^uint64(0)
		}
		binary.LittleEndian.PutUint64(hdr[5:], size)
		lr, err := lzma.ReaderConfig{DictCap: maxDict}.NewReader(io.MultiReader(bytes.NewReader(hdr), bytes.NewReader(raw[9:])))
		if err != nil {
			return nil, err
		}
		return io.NopCloser(lr), nil
	case 93:
		d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(1<<30))
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	case 95:
		if err := checkXzDict(raw); err != nil {
			return nil, err
		}
		xr, err := xz.NewReader(r)
		if err != nil {
			return nil, err
		}
		return io.NopCloser(xr), nil
	}
	name := zipMethods[method]
	if name == "" {
		name = "unknown"
	}
	return nil, fmt.Errorf("%w %d (%s)", errMethod, method, name)
}

// errMethod: a ZIP member compressed with a method not supported here.
var errMethod = errors.New("unsupported compression method")

// zipText decodes a ZIP comment or name for display: UTF-8 when it is,
// IBM 437 otherwise.
func zipText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	if d, err := charmap.CodePage437.NewDecoder().String(s); err == nil {
		return d
	}
	return s
}

// overlaps counts entries whose compressed bytes overlap an earlier
// entry's (by offset).
func overlaps(entries []zipEntry) int {
	type span struct{ from, to int64 }
	spans := make([]span, 0, len(entries))
	for _, e := range entries {
		if e.offset >= 0 && e.csize > 0 && e.csize < 1<<62 {
			spans = append(spans, span{e.offset, e.offset + int64(e.csize)})
		}
	}
	slices.SortFunc(spans, func(a, b span) int {
		if a.from != b.from {
			return int(min(max(a.from-b.from, -1), 1))
		}
		return int(min(max(a.to-b.to, -1), 1))
	})
	n := 0
	var end int64 = -1
	for _, s := range spans {
		if s.from < end {
			n++
		}
		end = max(end, s.to)
	}
	return n
}

// eocdDisk returns the "number of this disk" of the end of central
// directory record (0 for an archive that is not split), from the ZIP64
// record when the classic one defers to it.
func eocdDisk(data []byte) (uint32, bool) {
	const minEOCD = 22
	le := binary.LittleEndian
	start := max(len(data)-minEOCD-65535, 0)
	i := bytes.LastIndex(data[start:], []byte("PK\x05\x06"))
	if i < 0 || start+i+minEOCD > len(data) {
		return 0, false
	}
	at := start + i
	disk := uint32(le.Uint16(data[at+4:]))
	if disk != 0xffff {
		return disk, true
	}
	// The ZIP64 locator (20 bytes) precedes the record; it points to the
	// ZIP64 end of central directory record.
	if at < 20 || string(data[at-20:at-16]) != "PK\x06\x07" {
		return 0, true
	}
	off := le.Uint64(data[at-20+8:])
	if len(data) < 56 || off > uint64(len(data)-56) || string(data[off:off+4]) != "PK\x06\x06" {
		return 0, true
	}
	return le.Uint32(data[off+16:]), true
}
