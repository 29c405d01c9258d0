// Package image extracts what an image says: its text, by OCR with
// tesseract run in the sandbox, and its metadata, from EXIF (camera, dates,
// GPS position, software, serial number) and PNG text chunks.
//
// # Formats
//
// PNG, JPEG, GIF, BMP and TIFF (multi-page TIFF pages become the Result's
// pages), recognised by their first bytes ([Sniff]). Sizes are read from
// the headers ([Size]) without decoding pixels; an image over
// [Extractor.MaxPixels] (100 megapixels by default) keeps its metadata
// and is not sent to OCR, with the reason in Problems. GIF animations are
// OCR'd on their first frame.
//
// # OCR
//
// [OCR] runs tesseract ("fra+eng" unless Options.OCRLanguages says
// otherwise) on image bytes given on its standard input, with the
// sandbox's time and memory limits and OMP_THREAD_LIMIT=1, since the
// ingest runs documents in parallel. The PDF extractor uses it for
// scanned pages.
//
// # EXIF
//
// [ParseEXIF] is a small, bounded reader of the TIFF structure that holds
// EXIF: IFD0, the Exif sub-IFD and the GPS sub-IFD. It follows no other
// pointer (no maker notes, no thumbnails), caps entry counts and text
// lengths, and skips any value that lies outside the data. Dates keep the
// OffsetTime* zone when the camera wrote one and are read as UTC
// otherwise. A GPS position of exactly 0,0 is what receivers without a fix
// write and is dropped. GPS positions are sensitive: the metadata carries
// them for the workspace, flagged by the caller.
package image
