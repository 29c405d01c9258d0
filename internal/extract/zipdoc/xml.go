package zipdoc

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// ErrTooDeep is returned by [Reader.Next] for elements nested deeper than
// [MaxDepth].
var ErrTooDeep = errors.New("xml nested too deeply")

// Reader walks XML tokens, tracking the element depth, refusing nesting
// deeper than MaxDepth and checking its context now and then.
type Reader struct {
	D     *xml.Decoder
	Depth int // elements open after the last token returned
	// Raw makes Next return raw tokens: names keep their prefixes
	// (Name.Space is the prefix, not the namespace URI) and end tags are
	// not checked against start tags. It is faster, for walkers that
	// match local names only.
	Raw bool
	ctx context.Context
	n   int
}

// NewReader returns a Reader over r through [NewDecoder]. ctx may be nil.
func NewReader(ctx context.Context, r io.Reader) *Reader {
	return &Reader{D: NewDecoder(r), ctx: ctx}
}

// Next returns the next token. CharData is only valid until the next
// call. At the end of the input it returns io.EOF.
func (r *Reader) Next() (xml.Token, error) {
	r.n++
	if r.ctx != nil && r.n%4096 == 0 {
		if err := r.ctx.Err(); err != nil {
			return nil, err
		}
	}
	var tok xml.Token
	var err error
	if r.Raw {
		tok, err = r.D.RawToken()
	} else {
		tok, err = r.D.Token()
	}
	if err != nil {
		return nil, err
	}
	switch tok.(type) {
	case xml.StartElement:
		r.Depth++
		if r.Depth > MaxDepth {
			return nil, fmt.Errorf("%w (over %d levels)", ErrTooDeep, MaxDepth)
		}
	case xml.EndElement:
		r.Depth--
	}
	return tok, nil
}

// Skip consumes tokens up to the end of the element whose start was
// returned last.
func (r *Reader) Skip() error {
	target := r.Depth - 1
	for r.Depth > target {
		if _, err := r.Next(); err != nil {
			return err
		}
	}
	return nil
}

// Text returns the character data up to the end of the element whose
// start was returned last, at most max bytes of it.
func (r *Reader) Text(max int) (string, error) {
	var b []byte
	target := r.Depth - 1
	for r.Depth > target {
		tok, err := r.Next()
		if err != nil {
			return string(b), err
		}
		if c, ok := tok.(xml.CharData); ok && len(b) < max {
			b = append(b, c[:min(len(c), max-len(b))]...)
		}
	}
	return string(b), nil
}

// Attr returns the value of the attribute with local name local, whatever
// its namespace.
func Attr(e xml.StartElement, local string) string {
	for _, a := range e.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// AttrNS returns the value of the attribute space:local.
func AttrNS(e xml.StartElement, space, local string) string {
	for _, a := range e.Attr {
		if a.Name.Local == local && a.Name.Space == space {
			return a.Value
		}
	}
	return ""
}

// IsEOF reports whether err is the clean end of the input.
func IsEOF(err error) bool { return errors.Is(err, io.EOF) }
