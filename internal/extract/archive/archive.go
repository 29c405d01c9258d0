package archive

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/newsroom/dossier/internal/extract"
)

// The MIME types [Detect] returns, one per format.
const (
	MIMEZip      = "application/zip"
	MIMETar      = "application/x-tar"
	MIMEGzip     = "application/gzip"
	MIMEBzip2    = "application/x-bzip2"
	MIMEXz       = "application/x-xz"
	MIMEZstd     = "application/zstd"
	MIMELz4      = "application/x-lz4"
	MIME7z       = "application/x-7z-compressed"
	MIMERar      = "application/vnd.rar"
	MIMEAr       = "application/x-archive"
	MIMECompress = "application/x-compress" // Unix compress (.Z)
	MIMECab      = "application/vnd.ms-cab-compressed"
)

type format int

const (
	unknown format = iota
	fZip
	fTar
	fGzip
	fBzip2
	fXz
	fZstd
	fLz4
	f7z
	fRar
	fAr
	fCompress
	fCab
)

var formatNames = [...]string{
	unknown: "unknown", fZip: "zip", fTar: "tar", fGzip: "gzip", fBzip2: "bzip2",
	fXz: "xz", fZstd: "zstd", fLz4: "lz4", f7z: "7z", fRar: "rar", fAr: "ar",
	fCompress: "compress (.Z)", fCab: "cab",
}

func (f format) String() string { return formatNames[f] }

// mimeFormats maps the MIME types archives come with, aliases included, to
// their format.
var mimeFormats = map[string]format{
	MIMEZip: fZip, "application/x-zip-compressed": fZip, "application/x-zip": fZip,
	"multipart/x-zip": fZip, "application/java-archive": fZip, "application/x-java-archive": fZip,
	MIMETar: fTar, "application/x-gtar": fTar, "application/x-ustar": fTar,
	MIMEGzip: fGzip, "application/x-gzip": fGzip, "application/x-gunzip": fGzip,
	"application/gzip-compressed": fGzip, "application/x-compressed-tar": fGzip,
	"application/x-gtar-compressed": fGzip,
	MIMEBzip2:                       fBzip2, "application/x-bzip": fBzip2,
	"application/x-bzip-compressed-tar": fBzip2, "application/x-bzip2-compressed-tar": fBzip2,
	MIMEXz: fXz, "application/x-xz-compressed-tar": fXz,
	MIMEZstd: fZstd, "application/x-zstd": fZstd, "application/x-zstd-compressed-tar": fZstd,
	MIMELz4: fLz4, "application/x-lz4-compressed-tar": fLz4,
	MIME7z:  f7z,
	MIMERar: fRar, "application/x-rar-compressed": fRar, "application/x-rar": fRar,
	MIMEAr: fAr, "application/x-unix-archive": fAr,
	MIMECompress: fCompress, "application/x-compressed": fCompress,
	MIMECab: fCab, "application/x-cab": fCab,
}

// Handles reports whether mime names an archive or compression format this
// package recognises (ignoring parameters and case). Unix compress and CAB
// are recognised so that they fail with a clear reason.
func Handles(mime string) bool {
	_, ok := mimeFormats[baseMIME(mime)]
	return ok
}

func baseMIME(mime string) string {
	mime, _, _ = strings.Cut(mime, ";")
	return strings.ToLower(strings.TrimSpace(mime))
}

// Detect recognises an archive or compressed stream by its first bytes
// (at least 262 for tar; fewer are enough for the others) and returns its
// MIME type. It knows the formats general sniffers often miss (zstd, xz,
// bzip2, lz4, ar, old tar without the ustar magic) as well as the common
// ones. A ZIP is reported as application/zip even when it is an OOXML or
// ODF document: ask the sniffer first.
func Detect(head []byte) (mime string, ok bool) {
	f := sniff(head)
	if f == unknown {
		return "", false
	}
	return formatMIME[f], true
}

var formatMIME = [...]string{
	fZip: MIMEZip, fTar: MIMETar, fGzip: MIMEGzip, fBzip2: MIMEBzip2, fXz: MIMEXz,
	fZstd: MIMEZstd, fLz4: MIMELz4, f7z: MIME7z, fRar: MIMERar, fAr: MIMEAr,
	fCompress: MIMECompress, fCab: MIMECab,
}

// sniff returns the format the magic bytes at the start of head announce.
func sniff(head []byte) format {
	has := func(s string) bool { return bytes.HasPrefix(head, []byte(s)) }
	switch {
	case has("PK\x03\x04"), has("PK\x05\x06"), has("PK\x07\x08PK\x03\x04"), has("PK00PK\x03\x04"):
		return fZip
	case has("\x1f\x8b"):
		return fGzip
	case len(head) >= 10 && has("BZh") && head[3] >= '1' && head[3] <= '9' &&
		(bytes.HasPrefix(head[4:], []byte("\x31\x41\x59\x26\x53\x59")) ||
			bytes.HasPrefix(head[4:], []byte("\x17\x72\x45\x38\x50\x90"))):
		return fBzip2
	case has("\xfd7zXZ\x00"):
		return fXz
	case has("\x28\xb5\x2f\xfd"):
		return fZstd
	case has("\x04\x22\x4d\x18"):
		return fLz4
	case has("7z\xbc\xaf\x27\x1c"):
		return f7z
	case has("Rar!\x1a\x07\x00"), has("Rar!\x1a\x07\x01\x00"):
		return fRar
	case has("!<arch>\n"):
		return fAr
	case has("\x1f\x9d"):
		return fCompress
	case has("MSCF\x00\x00\x00\x00"):
		return fCab
	case isTarHeader(head):
		return fTar
	}
	return unknown
}

// Extract is the archive extractor (an [extract.Func]): see the package
// documentation. The one member of a compressed stream that is not a tar is
// named after the gzip header's file name, or "content".
func Extract(ctx context.Context, data []byte, mime string, opts extract.Options) (*extract.Result, error) {
	return ExtractNamed(ctx, "", data, mime, opts)
}

// ExtractNamed is [Extract] for a container whose file name is known: the
// one member of a compressed stream (report.pdf.gz) is named after it,
// minus its extension (report.pdf; .tgz gives .tar).
func ExtractNamed(ctx context.Context, name string, data []byte, mime string, opts extract.Options) (*extract.Result, error) {
	f := sniff(data)
	if f == unknown {
		f = mimeFormats[baseMIME(mime)]
	}
	if _, ok := eocdDisk(data); f == unknown && ok {
		f = fZip // a self-extractor, or the last part of a split archive
	}
	var (
		res *extract.Result
		err error
	)
	switch f {
	case fZip:
		res, err = extractZip(ctx, data, opts)
	case fTar:
		res, err = extractTar(ctx, data, opts)
	case fGzip, fBzip2, fXz, fZstd, fLz4, fCompress:
		res, err = extractStream(ctx, f, name, data, opts)
	case f7z:
		res, err = extract7z(ctx, data, opts)
	case fRar:
		res, err = extractRar(ctx, data, opts)
	case fAr:
		res, err = extractAr(ctx, data, opts)
	case fCab:
		res, err = extractCab(ctx, data, opts)
	default:
		return nil, fmt.Errorf("archive: %w: not an archive this extractor knows (declared %q)", extract.ErrUnsupported, mime)
	}
	if res != nil {
		if res.Meta.Extra == nil {
			res.Meta.Extra = map[string]string{}
		}
		if res.Meta.Extra["format"] == "" {
			res.Meta.Extra["format"] = f.String()
		}
	}
	if err != nil {
		return res, fmt.Errorf("archive: %s: %w", f, err)
	}
	return res, nil
}

// streamMemberName names the single member of a compressed stream from the
// container's name: "a.txt.gz" → "a.txt", "a.tgz" → "a.tar". It returns ""
// when name is empty.
func streamMemberName(name string) string {
	base := path.Base(strings.ReplaceAll(name, `\`, "/"))
	if name == "" || base == "." || base == "/" {
		return ""
	}
	lower := strings.ToLower(base)
	for _, s := range [...]struct{ ext, repl string }{
		{".tgz", ".tar"}, {".taz", ".tar"}, {".tbz2", ".tar"}, {".tbz", ".tar"},
		{".txz", ".tar"}, {".tzst", ".tar"}, {".tlz4", ".tar"},
		{".gz", ""}, {".gzip", ""}, {".bz2", ""}, {".bz", ""}, {".xz", ""},
		{".zst", ""}, {".zstd", ""}, {".lz4", ""}, {".z", ""},
	} {
		if strings.HasSuffix(lower, s.ext) && len(base) > len(s.ext) {
			return base[:len(base)-len(s.ext)] + s.repl
		}
	}
	return base
}
