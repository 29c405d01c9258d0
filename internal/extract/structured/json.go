package structured

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/extract/zipdoc"
)

// ExtractJSON extracts the keys and scalar values of a JSON document, or
// of a sequence of them (JSON Lines). Input that stops parsing keeps what
// was read, plus the rest as plain text, with a problem.
func ExtractJSON(ctx context.Context, data []byte, mime string, opts extract.Options) (*extract.Result, error) {
	res := &extract.Result{}
	text := strings.TrimPrefix(decode(data, mime, false, res), "\uFEFF")
	var t zipdoc.Text
	t.Max = int(zipdoc.Allowance(opts.Budget, len(data)))
	sr := strings.NewReader(text)
	dec := json.NewDecoder(sr)
	dec.UseNumber()
	var stack []frame
	n := 0
	for {
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			off := dec.InputOffset()
			res.Problems = append(res.Problems, fmt.Sprintf("json: %v at byte %d; the rest kept as plain text", err, off))
			t.Sep(zipdoc.Para)
			if off >= 0 && off <= int64(len(text)) {
				t.WriteString(text[off:])
			}
			break
		}
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				key := ""
				if top != nil {
					key = top.key
					if top.object {
						top.expect = true
					}
				}
				stack = append(stack, frame{object: v == '{', key: key, expect: v == '{'})
			case '}', ']':
				if len(stack) > 0 {
					stack = stack[:len(stack)-1]
				}
			}
			continue
		case string:
			if top != nil && top.object && top.expect {
				top.key = v
				top.expect = false
				continue
			}
			scalar(&t, top, len(stack), v)
		case json.Number:
			scalar(&t, top, len(stack), v.String())
		case bool:
			if v {
				scalar(&t, top, len(stack), "true")
			} else {
				scalar(&t, top, len(stack), "false")
			}
		case nil:
		}
		if top != nil && top.object {
			top.expect = true
		}
		if t.Truncated() {
			res.Problems = append(res.Problems, fmt.Sprintf("text truncated at %d bytes (budget)", t.Len()))
			break
		}
	}
	res.Text = t.String()
	return res, nil
}

// frame is an open JSON container.
type frame struct {
	object bool
	key    string // the nearest key, for values of this container
	expect bool   // object: the next string token is a key
}

// scalar writes one value on its own line, after its key if it has one.
func scalar(t *zipdoc.Text, top *frame, depth int, v string) {
	if depth > MaxDepth || v == "" {
		return
	}
	t.Sep(zipdoc.Line)
	if top != nil && top.key != "" {
		t.WriteString(top.key + ": " + v)
		return
	}
	t.WriteString(v)
}
