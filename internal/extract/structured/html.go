package structured

import (
	"context"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/extract/textdecode"
)

// ExtractHTML converts an HTML document to text with
// textdecode.HTMLToText (the charset from mime, a BOM or a <meta>
// declaration) and reads its head: the title into Meta.Title, the
// author, description, keywords and generator meta elements into Author,
// Comments, Keywords and Creator, and other named meta elements into
// Meta.Extra["meta:NAME"].
func ExtractHTML(ctx context.Context, data []byte, mime string, opts extract.Options) (*extract.Result, error) {
	res := &extract.Result{}
	s := decode(data, mime, true, res)
	readHead(s, res)
	res.Text = limit(textdecode.HTMLToText(s), len(data), opts, res)
	return res, nil
}

// readHead reads the title and meta elements, up to the body.
func readHead(s string, res *extract.Result) {
	z := html.NewTokenizer(strings.NewReader(s))
	z.SetMaxBuf(1 << 20)
	inTitle := false
	var title strings.Builder
	extras := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			res.Meta.Title = strings.Join(strings.Fields(title.String()), " ")
			return
		case html.TextToken:
			if inTitle && title.Len() < 4096 {
				title.Write(z.Text())
			}
		case html.EndTagToken:
			if name, _ := z.TagName(); atom.Lookup(name) == atom.Title {
				inTitle = false
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch atom.Lookup(name) {
			case atom.Body:
				res.Meta.Title = strings.Join(strings.Fields(title.String()), " ")
				return
			case atom.Title:
				// Only the first title counts.
				inTitle = title.Len() == 0
			case atom.Meta:
				var key, content string
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					switch strings.ToLower(string(k)) {
					case "name", "property":
						key = strings.ToLower(strings.TrimSpace(string(v)))
					case "content":
						content = strings.TrimSpace(string(v))
					}
				}
				if key == "" || content == "" {
					continue
				}
				m := &res.Meta
				switch key {
				case "author", "dc.creator":
					m.Author = content
				case "description", "dc.description":
					m.Comments = content
				case "keywords":
					m.Keywords = content
				case "generator":
					m.Creator = content
				default:
					if extras < 50 && len(key) < 64 {
						extras++
						setExtra(res, "meta:"+key, truncate(content, 1024))
					}
				}
			}
		}
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
