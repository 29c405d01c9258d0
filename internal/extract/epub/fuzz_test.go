package epub

import (
	"context"
	"testing"

	"github.com/newsroom/dossier/internal/extract"
)

// FuzzEPUB runs Extract on a mutated package document inside a book, and
// on mutated books.
func FuzzEPUB(f *testing.F) {
	f.Add(opf, []byte(nil))
	f.Fuzz(func(t *testing.T, pkg string, raw []byte) {
		book := build(t,
			"META-INF/container.xml", `<container><rootfiles><rootfile full-path="OPS/book.opf"/></rootfiles></container>`,
			"OPS/book.opf", pkg,
			"OPS/Text/a.xhtml", pkg,
			"META-INF/encryption.xml", pkg,
		)
		opts := extract.Options{Budget: extract.Budget{MaxBytes: 1 << 20}}
		Extract(context.Background(), book, "", opts)
		Extract(context.Background(), raw, "", opts)
	})
}
