package main

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/newsroom/dossier"
	"github.com/newsroom/dossier/internal/extract"
	archivex "github.com/newsroom/dossier/internal/extract/archive"
	"github.com/newsroom/dossier/internal/extract/epub"
	"github.com/newsroom/dossier/internal/extract/image"
	"github.com/newsroom/dossier/internal/extract/legacy"
	"github.com/newsroom/dossier/internal/extract/metafile"
	"github.com/newsroom/dossier/internal/extract/msg"
	"github.com/newsroom/dossier/internal/extract/office"
	"github.com/newsroom/dossier/internal/extract/pdf"
	"github.com/newsroom/dossier/internal/extract/pst"
	"github.com/newsroom/dossier/internal/extract/structured"
	"github.com/newsroom/dossier/internal/extract/worker"
	"github.com/newsroom/dossier/internal/source"
)

// This file picks the extractor of every format. Parsers written in Go
// for formats with deep structure (archives, office packages, compound
// files) run in a worker process under the sandbox's limits; the
// extractors that drive external tools run here and start each tool in
// the sandbox themselves.

func init() {
	worker.Register("archive", extract.NamedFunc(archivex.ExtractNamed))
	worker.Register("office", office.Extractor)
	worker.Register("epub", epub.Extractor)
	worker.Register("msg", msg.Extractor)
	worker.Register("tnef", msg.TNEFExtractor)
	worker.Register("legacy", legacy.New())
	worker.Register("metafile", extract.Func(metafile.Extract))
	worker.Register("pdf-native", extract.Func(func(_ context.Context, data []byte, _ string, opts extract.Options) (*extract.Result, error) {
		return pdf.ExtractNative(data, opts)
	}))
}

// extractors routes items to extractors by sniffed kind and MIME type.
// noOCR leaves scanned pages and images without text (--ocr-lang none).
type extractors struct{ noOCR bool }

var (
	archiveX = worker.Extractor("archive")
	officeX  = worker.Extractor("office")
	epubX    = worker.Extractor("epub")
	msgX     = worker.Extractor("msg")
	tnefX    = worker.Extractor("tnef")
	// EMF and WMF pictures: the text they draw.
	metafileX = worker.Extractor("metafile")
	// CSV, JSON and XML are flat enough to read here, within the budget.
	structuredX = extract.Func(structured.Extract)
	// PDF and images drive poppler and tesseract, each run in the sandbox;
	// without poppler, PDFs go to the built-in reader in a worker.
	pdfNative  = worker.Extractor("pdf-native")
	pdfX       = &pdf.Extractor{Native: pdfNative}
	imageX     = image.New()
	pdfNoOCR   = &pdf.Extractor{NoOCR: true, Native: pdfNative}
	imageNoOCR = &image.Extractor{NoOCR: true}
	// Legacy binary office files: the compound file, its property sets,
	// its decryption and RTF are read in Go in a worker, which runs
	// antiword, catdoc, xls2csv and catppt in a sandbox of their own.
	legacyX = worker.Extractor("legacy")
	// Outlook data files go to readpst, in the sandbox.
	pstX = pst.New()
	// A bare compound file is an encrypted OOXML package, a legacy office
	// file or an Outlook message: each reader declines what it does not
	// know.
	cfbX = firstOf{officeX, legacyX, msgX}
)

// firstOf tries extractors in turn while they answer ErrUnsupported.
type firstOf []extract.Extractor

func (f firstOf) Extract(ctx context.Context, data []byte, mime string, opts extract.Options) (*extract.Result, error) {
	var res *extract.Result
	var err error
	for _, x := range f {
		res, err = x.Extract(ctx, data, mime, opts)
		if !errors.Is(err, extract.ErrUnsupported) {
			return res, err
		}
	}
	return res, err
}

// For implements ingest.Extractors.
func (x extractors) For(kind dossier.Kind, mime string) extract.Extractor {
	m := strings.ToLower(mime)
	if i := strings.IndexByte(m, ';'); i >= 0 {
		m = strings.TrimSpace(m[:i])
	}
	switch {
	case m == "application/pdf":
		if x.noOCR {
			return pdfNoOCR
		}
		return pdfX
	case slices.Contains(metafile.MIMEs, m):
		return metafileX
	case kind == dossier.KindImage && imageFormat(m):
		if x.noOCR {
			return imageNoOCR
		}
		return imageX
	case m == source.MIMEPST:
		return pstX
	case m == "application/x-ole-storage":
		return cfbX
	case m == "application/msword", m == "application/vnd.ms-excel", m == "application/vnd.ms-powerpoint",
		m == "text/rtf", m == "application/rtf":
		return legacyX
	case m == "application/epub+zip":
		return epubX
	case strings.Contains(m, "openxmlformats-officedocument"), strings.HasPrefix(m, "application/vnd.oasis.opendocument"),
		strings.HasPrefix(m, "application/vnd.sun.xml"),
		m == "application/vnd.ms-excel.sheet.macroenabled.12", m == "application/vnd.ms-word.document.macroenabled.12",
		m == "application/vnd.ms-powerpoint.presentation.macroenabled.12":
		return officeX
	case m == msg.MIME:
		return msgX
	case m == "application/ms-tnef", m == "application/vnd.ms-tnef":
		return tnefX
	case archivex.Handles(m):
		return archiveX
	case m == "text/csv", m == "text/tab-separated-values", m == "application/json", m == "application/xml",
		m == "text/xml", strings.HasSuffix(m, "+xml") && kind == dossier.KindText,
		m == "image/svg+xml": // the text of a drawing, read as XML (no entities, no fetches)
		return structuredX
	}
	return nil
}

// imageFormat reports whether the image extractor reads m.
func imageFormat(m string) bool {
	switch m {
	case "image/png", "image/jpeg", "image/gif", "image/bmp", "image/x-ms-bmp", "image/tiff", "image/webp", "image/jp2", "image/jpx":
		return true
	}
	return false
}
