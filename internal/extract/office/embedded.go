package office

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"

	"github.com/richardlehane/mscfb"
)

// embeddedChild adds member name as a child "embedded:NAME". An OLE
// object (a CFB file wrapping the real one) is unwrapped when it holds an
// OLE 1.0 native package (Ole10Native: any file dragged into the
// document), an OPC package (Package: an embedded DOCX, XLSX...) or an
// Acrobat document (CONTENTS); otherwise it is kept as it is (an embedded
// DOC or XLS is itself a CFB file).
func (r *result) embeddedChild(name, mime string) {
	n := len(r.res.Children)
	r.memberChild("embedded:"+name, name, mime)
	if len(r.res.Children) == n+1 {
		c := &r.res.Children[n]
		if c.Data != nil && bytes.HasPrefix(c.Data, cfbMagic) {
			if data, fname, ok := unwrapOLE(c.Data); ok {
				c.Data = data
				c.MIME = ""
				if fname != "" {
					c.Name = fname
				}
			}
		}
	}
}

// maxOLEStream bounds a stream read out of an embedded OLE object: never
// more than the object itself holds.
func readStream(f *mscfb.File, limit int64) ([]byte, error) {
	if f.Size > limit {
		return nil, errors.New("stream larger than its container")
	}
	buf := make([]byte, f.Size)
	n, err := io.ReadFull(f, buf)
	if err != nil && !(errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) {
		return buf[:n], err
	}
	return buf[:n], nil
}

// unwrapOLE returns the file an OLE object wraps and its original name.
func unwrapOLE(data []byte) (out []byte, name string, ok bool) {
	defer func() {
		// mscfb is third-party code parsing hostile input; a panic in it
		// must cost this child its unwrapping, not the document.
		if recover() != nil {
			out, name, ok = nil, "", false
		}
	}()
	doc, err := mscfb.New(bytes.NewReader(data))
	if err != nil {
		return nil, "", false
	}
	for f, err := doc.Next(); err == nil; f, err = doc.Next() {
		if len(f.Path) != 0 {
			continue
		}
		switch f.Name {
		case "Ole10Native":
			b, err := readStream(f, int64(len(data)))
			if err != nil {
				return nil, "", false
			}
			return parseOle10Native(b)
		case "Package", "CONTENTS":
			b, err := readStream(f, int64(len(data)))
			if err != nil || len(b) == 0 {
				return nil, "", false
			}
			return b, "", true
		}
	}
	return nil, "", false
}

// parseOle10Native decodes an OLE 1.0 native stream: size, flags, label,
// source path, then a temporary path and the file's bytes.
func parseOle10Native(b []byte) ([]byte, string, bool) {
	if len(b) < 6 {
		return nil, "", false
	}
	p := b[6:]
	cstr := func() (string, bool) {
		i := bytes.IndexByte(p, 0)
		if i < 0 {
			return "", false
		}
		s := string(p[:i])
		p = p[i+1:]
		return s, true
	}
	label, ok1 := cstr()
	src, ok2 := cstr()
	if !ok1 || !ok2 || len(p) < 8 {
		return nil, "", false
	}
	p = p[4:] // unknown (0x00030000)
	n := binary.LittleEndian.Uint32(p)
	p = p[4:]
	if uint64(n) > uint64(len(p)) {
		return nil, "", false
	}
	p = p[n:] // temporary path
	if len(p) < 4 {
		return nil, "", false
	}
	size := binary.LittleEndian.Uint32(p)
	p = p[4:]
	if uint64(size) > uint64(len(p)) {
		return nil, "", false
	}
	name := label
	if name == "" {
		name = src
	}
	name = pathBase(strings.ToValidUTF8(name, "_"))
	return p[:size], name, true
}
