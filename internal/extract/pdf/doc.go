// Package pdf extracts PDF documents: text page by page, metadata,
// incremental revisions, and OCR of pages without a text layer.
//
// # Engines
//
// Poppler's tools, run in the sandbox (package sandbox) on a copy of the
// document in a fresh work directory: pdfinfo for metadata and page sizes,
// pdftotext (reading order, not -layout) for text, pdfimages -list to tell
// scanned pages from blank ones, and pdftoppm with tesseract (package
// image) for OCR. Each run has the budget's timeout and memory limit; the
// document as a whole is bounded by the caller's context.
//
// When pdftotext or pdfinfo is missing, [ExtractNative], an approximate
// reader in Go, takes over and says so in Problems.
//
// # Text and pages
//
// pdftotext ends each page with a form feed; the pages become the
// Result's pages, so that hits say "page 12". A page is a candidate for
// OCR when its text layer has fewer than 20 letters and digits and
// pdfimages lists an image on it (so blank and vector-only pages are not
// sent); at most [Extractor.MaxOCRPages] (200) pages are OCR'd, the rest
// listed in Problems. Pages are rendered at 300 dpi in gray, lower when
// the page would exceed [Extractor.MaxPagePixels] (50 million pixels),
// and not at all when even 100 dpi would: a 35000×35000-pixel bomb page
// costs one pdfinfo run and a Problem. OCR'd pages are listed in
// Metadata.OCRPages.
//
// # Metadata
//
// pdfinfo -isodates gives the information dictionary (custom entries too,
// as Extra "pdf:Name"), the page count, encryption (Extra
// "pdf_encryption" holds the permissions and algorithm), the PDF version,
// forms, JavaScript and whether an XMP stream exists. Dates keep their
// zone; a date without one is read as UTC ([ParseDate]).
//
// # Passwords
//
// An encrypted document that pdfinfo cannot open is tried with each of
// Options.Passwords (as owner and user password); when none fits, Extract
// returns the Result with Metadata.Encrypted and the PDF version from the
// header, and an error wrapping extract.ErrEncrypted. Passwords are
// passed on the tools' command lines, visible to local users in the
// process list while the tool runs.
//
// # Revisions
//
// A PDF edited by incremental update keeps every earlier state as a prefix
// of the file. [Revisions] finds them from the file's structure: each
// startxref section whose offset points at a cross-reference table or
// stream. A linearized file's first-page section is not a revision, nor is
// an update that adds no object (Word's empty "xref 0 0" section), nor is
// %%EOF inside a stream. Metadata.Revisions is the count; Extra
// "pdf_revision_ends" the prefix lengths, "pdf_revisions_changed_text"
// the revisions (2-based) whose text differs from the revision before,
// after white-space normalisation, and "pdf_signed_revisions" those whose
// added bytes hold a signature (/ByteRange). The text of each earlier
// revision (pdftotext on the truncated file, without OCR) is a child with
// Path "revision:N" and type text/plain, at most [Extractor.MaxRevisions]
// of them (the latest ones), so that a figure changed after the fact is
// searchable in both versions and the forensic rules can compare.
package pdf
