// Package legacy extracts the text and metadata of the binary Office
// formats (Word 97-2003 DOC, Excel 5-2003 XLS and older BIFF workbooks,
// PowerPoint 97-2003 PPT) and of RTF.
//
// # Engines
//
//   - DOC: antiword (-w 0, UTF-8), falling back to catdoc when antiword
//     refuses the file (Word 2, damaged files).
//   - XLS: xls2csv, one page of tab-separated cells per sheet, in sheet
//     order. Formula cells whose cached result xls2csv cannot read come
//     out as "ERROR"; integers are written without a decimal part.
//   - PPT: catppt, one page per slide.
//   - RTF: a reader in Go ([RTFText]), not unrtf: unrtf replaces the text
//     of every hyperlink by the word "hyperlink", drops headers and
//     footers, and garbles code pages other than the ANSI one in its text
//     mode. The Go reader keeps every shown destination, decodes \'hh in
//     the code page of the current font (\fcharset) and \uN escapes, and
//     writes hyperlink targets after their text ("text <url>").
//
// The external tools run in the sandbox (package sandbox) on a copy of the
// document in a fresh work directory.
//
// # Metadata and encryption, in Go
//
// DOC, XLS and PPT are compound files; a small bounded reader of that
// container finds the streams that tell the formats apart (stream names
// compared without case), reads the summary property sets (title, author,
// last saved by, company, manager, revision, application, created, saved
// and printed times, template, total editing time) and detects
// encryption: the FIB's fEncrypted and fObfuscated flags (DOC), a FILEPASS
// record in the workbook globals (XLS, RC4 and XOR), an EncryptedSummary
// stream or the encrypted Current User token (PPT), and EncryptionInfo
// with EncryptedPackage (an encrypted DOCX, XLSX or PPTX). DOC and XLS
// encrypted with RC4 or RC4 CryptoAPI ([MS-OFFCRYPTO] 2.3.6 and 2.3.5),
// PPT encrypted with RC4 CryptoAPI ([MS-PPT] 2.3.7), and BIFF8 workbooks
// under XOR obfuscation (2.3.7), are decrypted in Go with the passwords
// given (crypt.go, pptcrypt.go, xor.go): the decrypted streams are
// written over the encrypted ones in a copy of the compound file (RC4
// keeps lengths), the FIB's fEncrypted flag cleared, the FILEPASS record
// blanked, or the presentation's encryption session removed as
// PowerPoint does when the password is taken off, and the tools read
// that copy. Other encrypted documents (XOR-obfuscated DOC, OOXML, or no
// password fits) return their metadata with extract.ErrEncrypted. An
// encrypted presentation's Pictures and EncryptedSummary streams stay
// encrypted (catppt reads neither): its pictures are not decrypted, and
// the summary properties that PowerPoint may have moved into
// EncryptedSummary are not read. The workbook globals also give
// the sheet names (Metadata.Sheets) and which are hidden or very hidden
// (Extra "xls:hidden_sheets"). RTF metadata comes from its {\info} group
// ([ParseRTFInfo]), \operator being the last person to save it.
//
// # What it cannot do
//
// Embedded objects (OLE objects in DOC and RTF, pictures) are not
// extracted as children. Word documents saved with uncommon stream-name
// casing, Word 2 files and WordML XML saved as .doc are not read by the
// tools. Dates in property sets are UTC; RTF dates carry no zone and are
// read as UTC.
package legacy
