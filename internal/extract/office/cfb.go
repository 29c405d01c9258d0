package office

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/richardlehane/mscfb"

	"github.com/newsroom/dossier/internal/extract"
)

// extractCFB handles a Compound File Binary container given to the
// office extractor: an encrypted OOXML package (ECMA-376 encryption puts
// the real zip, encrypted, in an EncryptedPackage stream beside an
// EncryptionInfo stream). Anything else in CFB (DOC, XLS, PPT, MSG) is not
// this package's.
func extractCFB(ctx context.Context, data []byte, opts extract.Options) (*extract.Result, error) {
	info, pkg, err := encryptedPackage(data)
	if err != nil {
		return nil, fmt.Errorf("office: %w", err)
	}
	if info == nil || pkg == nil {
		return nil, fmt.Errorf("office: CFB file without an encrypted OOXML package: %w", extract.ErrUnsupported)
	}
	res := &extract.Result{Meta: extract.Metadata{Encrypted: true}}
	kind := encryptionKind(info)
	res.Meta.Extra = map[string]string{"encryption": kind}
	if len(opts.Passwords) > 0 {
		plain, perr := decryptPackage(ctx, info, pkg, opts.Passwords)
		switch {
		case perr == nil:
			inner, err := Extract(ctx, plain, "", opts)
			if err != nil {
				return nil, fmt.Errorf("office: decrypted package: %w", err)
			}
			inner.Meta.Encrypted = true
			inner.Meta.Decrypted = true
			if inner.Meta.Extra == nil {
				inner.Meta.Extra = map[string]string{}
			}
			inner.Meta.Extra["encryption"] = kind
			return inner, nil
		case errors.Is(perr, errWrongPassword):
		default:
			res.Problems = append(res.Problems, "decryption: "+perr.Error())
		}
	}
	return res, fmt.Errorf("office: %s encrypted OOXML package: %w", kind, extract.ErrEncrypted)
}

// encryptedPackage returns the EncryptionInfo and EncryptedPackage
// streams of a CFB file, nil when absent.
func encryptedPackage(data []byte) (info, pkg []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			info, pkg, err = nil, nil, fmt.Errorf("malformed CFB file (%v)", r)
		}
	}()
	doc, err := mscfb.New(bytes.NewReader(data))
	if err != nil {
		return nil, nil, fmt.Errorf("read CFB: %w", err)
	}
	for f, err := doc.Next(); err == nil; f, err = doc.Next() {
		if len(f.Path) != 0 {
			continue
		}
		switch f.Name {
		case "EncryptionInfo":
			if info, err = readStream(f, int64(len(data))); err != nil {
				return nil, nil, fmt.Errorf("read EncryptionInfo: %w", err)
			}
		case "EncryptedPackage":
			if pkg, err = readStream(f, int64(len(data))); err != nil {
				return nil, nil, fmt.Errorf("read EncryptedPackage: %w", err)
			}
		}
	}
	return info, pkg, nil
}

// encryptionKind names the ECMA-376 encryption from the EncryptionInfo
// version.
func encryptionKind(info []byte) string {
	if len(info) < 4 {
		return "unknown"
	}
	major, minor := binary.LittleEndian.Uint16(info), binary.LittleEndian.Uint16(info[2:])
	switch {
	case major == 4 && minor == 4:
		return "agile"
	case (major == 3 || major == 4) && minor == 2:
		return "standard"
	case (major == 3 || major == 4) && minor == 3:
		return "extensible"
	}
	return fmt.Sprintf("unknown (version %d.%d)", major, minor)
}

var errWrongPassword = errors.New("no password fits")
