package image

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/newsroom/dossier/internal/extract"
	"github.com/newsroom/dossier/internal/extract/sandbox"
)

// DefaultLanguages is tesseract's -l when Options.OCRLanguages is empty.
const DefaultLanguages = "fra+eng"

// OCROptions tune one tesseract run.
type OCROptions struct {
	// Languages is tesseract's -l ("fra+eng"); empty means
	// DefaultLanguages.
	Languages string
	// DPI is the image's resolution when the caller knows it (a rendered
	// PDF page); 0 lets tesseract read it from the file or guess.
	DPI int
	// PSM is tesseract's page segmentation mode; 0 means its default (3,
	// fully automatic). 7 treats the image as one line of text.
	PSM int
	// Budget gives the timeout and memory limit of the run.
	Budget extract.Budget
}

var langRE = regexp.MustCompile(`^[A-Za-z0-9_]{1,32}(\+[A-Za-z0-9_]{1,32}){0,7}$`)

// OCR runs tesseract on an image (PNG, JPEG, TIFF, GIF, BMP, PNM; whatever
// leptonica reads) in the sandbox and returns the text of each of its
// pages: one, or one per page of a multi-page TIFF. It returns an error
// wrapping extract.ErrToolMissing when tesseract is not installed, and a
// *sandbox.Error when it fails.
func OCR(ctx context.Context, img []byte, o OCROptions) ([]string, error) {
	langs := o.Languages
	if langs == "" {
		langs = DefaultLanguages
	}
	if !langRE.MatchString(langs) {
		return nil, fmt.Errorf("ocr: bad language list %q", langs)
	}
	args := []string{"stdin", "stdout", "-l", langs}
	if o.DPI > 0 {
		args = append(args, "--dpi", strconv.Itoa(o.DPI))
	}
	if o.PSM > 0 {
		args = append(args, "--psm", strconv.Itoa(o.PSM))
	}
	out, err := sandbox.Run(ctx, sandbox.Cmd{
		Tool:      "tesseract",
		Args:      args,
		Stdin:     img,
		Env:       []string{"OMP_THREAD_LIMIT=1"}, // the ingest runs documents in parallel
		Timeout:   o.Budget.Timeout,
		MaxMemory: o.Budget.MaxMemory,
		MaxOutput: 16 << 20,
	})
	if err != nil {
		return nil, err
	}
	text := strings.ToValidUTF8(string(out.Stdout), "\uFFFD")
	text = strings.TrimSuffix(text, "\f")
	pages := strings.Split(text, "\f")
	for i, p := range pages {
		pages[i] = strings.TrimSpace(p)
	}
	return pages, nil
}
