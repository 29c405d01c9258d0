package archive

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/newsroom/dossier/internal/extract"
)

// extractAr reads a Unix ar archive (static libraries, Debian packages):
// the common format with GNU ("name/", "//" and "/123") and BSD ("#1/len")
// long names. Symbol tables are not members.
func extractAr(ctx context.Context, data []byte, opts extract.Options) (*extract.Result, error) {
	if !bytes.HasPrefix(data, []byte("!<arch>\n")) {
		return nil, errors.New("no ar signature")
	}
	c := newCollector(ctx, opts, len(data))
	var longNames []byte
	off := 8
	for n := 0; off < len(data); n++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if off+60 > len(data) || string(data[off+58:off+60]) != "`\n" {
			c.problem("corrupt member header at byte %d: stopped after %d entries", off, n)
			break
		}
		h := data[off : off+60]
		name := strings.TrimRight(string(h[:16]), " ")
		size, err := strconv.ParseInt(strings.TrimSpace(string(h[48:58])), 10, 64)
		if err != nil || size < 0 {
			c.problem("corrupt member size at byte %d: stopped after %d entries", off, n)
			break
		}
		body := data[off+60:]
		truncated := size > int64(len(body))
		if truncated {
			size = int64(len(body))
		}
		content := body[:size]
		off += 60 + int(size) + int(size%2)
		var ch extract.Child
		if mtime, err := strconv.ParseInt(strings.TrimSpace(string(h[16:28])), 10, 64); err == nil && mtime > 0 {
			ch.Modified = timePtr(time.Unix(mtime, 0).UTC())
		}
		switch {
		case name == "/" || name == "/SYM64/" || strings.HasPrefix(name, "__.SYMDEF"):
			continue
		case name == "//":
			longNames = content
			continue
		case strings.HasPrefix(name, "#1/"):
			k, err := strconv.Atoi(name[3:])
			if err != nil || k < 0 || k > len(content) {
				c.problem("corrupt BSD long name at byte %d", off)
				break
			}
			name, content = string(content[:k]), content[k:]
		case len(name) > 1 && name[0] == '/' && isDigits(name[1:]):
			k, _ := strconv.Atoi(name[1:])
			if k >= len(longNames) {
				c.problem("member name %s not in the long name table", name)
				break
			}
			long := longNames[k:]
			if i := bytes.IndexByte(long, '\n'); i >= 0 {
				long = long[:i]
			}
			name = strings.TrimSuffix(string(long), "/")
		default:
			name = strings.TrimSuffix(name, "/")
		}
		switch reason, ok := c.fits(int64(len(content))); {
		case c.full():
		case truncated:
			ch.Failed = "truncated"
		case !ok:
			ch.Skip = reason
		default:
			ch.Data, _ = c.read(bytes.NewReader(content), int64(len(content)))
		}
		if !c.add(name, ch) {
			break
		}
	}
	return c.finish(), nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
