// Package office extracts text, metadata and embedded files from office
// documents in the XML formats: OOXML (DOCX, XLSX, PPTX and their
// macro-enabled, template and show variants) and OpenDocument (ODT, ODS,
// ODP, ODG, the flat single-XML FODT, FODS and FODP, and the StarOffice
// XML formats SXW, SXC, SXI that preceded them). [Extract] recognises the
// format from the bytes, and reads the binary XLSB workbook too (the same
// package with records instead of XML in its parts). Legacy binary DOC,
// XLS and PPT are not read here.
//
// # Text
//
//   - DOCX: headers, body, footnotes and endnotes, footers, then comments
//     under a "Comments" heading, one per line as "Author (date): text".
//     Paragraphs are lines; table cells are separated by tabs and rows by
//     lines; text boxes are read once (the mc:Fallback copy is skipped);
//     field codes are skipped, field results kept; charts (titles and
//     series and category names) and SmartArt text follow the body.
//   - XLSX: every sheet in workbook order, under its name as a heading
//     line ("Name (hidden)" for hidden sheets); rows are lines, cells are
//     separated by tabs. Values are shown as displayed where that is
//     cheap: shared and inline strings, TRUE/FALSE, dates and times in ISO
//     8601 form when the cell's number format is a date or time format
//     (1900 and 1904 systems), percentages, and numbers with at most 15
//     significant digits. Text boxes and charts of the sheet's drawing
//     follow its cells; cell comments come last under "Comments" as
//     "Sheet!A1 Author: text".
//   - PPTX: one page per slide in presentation order (Result.Pages, see
//     [extract.JoinPages]); each page holds the slide's text, then its
//     notes under "Notes:", then its comments under "Comments:".
//   - ODF: the same shapes: text documents as DOCX (headers and footers
//     from the master pages), spreadsheets as XLSX (table names as
//     headings, cell text as displayed), presentations and drawings one
//     page per draw:page with notes. Annotations are comments.
//
// Tracked changes: deleted text (w:del and w:moveFrom in OOXML, the
// deletions of text:tracked-changes in ODF) is kept in place between
// "[-" and "-]" (wdiff's marks, which add no indexed words); inserted text
// is the document's current text and is not marked. Meta.HasChanges and
// Meta.HasComments say whether there were any.
//
// # Metadata
//
// OOXML core properties map to Title, Subject, Author (dc:creator),
// LastModifiedBy, Keywords, Comments (dc:description), Revision,
// Created, Modified, Printed (cp:lastPrinted) and Language; application
// properties to Creator (Application), AppVersion, Company and PageCount
// (Pages, or the number of slides). ODF meta.xml maps meta:initial-creator
// to Author, dc:creator (who saved last) to LastModifiedBy,
// meta:creation-date and dc:date to Created and Modified,
// meta:editing-cycles to Revision and meta:generator to Creator. Other
// properties go to Meta.Extra: "category", "content-status",
// "identifier", "version", "manager", "template",
// "total-editing-minutes", "editing-duration", "words", "doc-security",
// "hyperlink-base", "printed-by", and custom properties as
// "custom:NAME". A date that cannot be read is kept as "raw-NAME".
//
// # Children
//
// Embedded objects, media and thumbnails (OOXML parts under embeddings/
// and media/, docProps/thumbnail.*, imported altChunk parts; ODF
// Pictures/, Thumbnails/ and binary objects) are children with Path
// "embedded:PART". An OLE object wrapping a file is unwrapped: an OLE 1.0
// package (Ole10Native) yields the file with its original name, a Package
// stream the embedded OOXML file, a CONTENTS stream the embedded PDF.
//
// # Encryption
//
// A password-protected OOXML file is a CFB container holding an
// EncryptedPackage. It is opened with the first of Options.Passwords that
// fits (ECMA-376 agile encryption, AES with SHA-1 to SHA-512, and standard
// encryption, AES-128 with SHA-1; Meta.Encrypted and Meta.Decrypted are
// then set); otherwise Extract returns a Result with Meta.Encrypted and
// Meta.Extra["encryption"] ("agile", "standard", "extensible") and an
// error wrapping [extract.ErrEncrypted]. An ODF package whose manifest
// declares content.xml encrypted does the same (ODF decryption is not
// implemented).
//
// # Limits
//
// Members are read through package zipdoc: declared sizes are checked
// against the allowance before anything is decompressed, reads are
// charged as they happen, and the text is cut at the allowance. XML is
// read with zipdoc's decoder (no entity expansion, depth limit). Embedded
// children respect Budget.MaxMembers. CFB parsing (mscfb) is guarded
// against panics.
package office
