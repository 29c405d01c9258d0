// Package archive lists and expands archives and compressed streams: ZIP
// (ZIP64, data descriptors, ZipCrypto and WinZip AES, and the shrink and
// implode methods of PKZIP 1.x), TAR (ustar, pax, GNU), gzip, bzip2, xz,
// zstd, lz4 and Unix compress (.Z) streams (a tar inside one is one
// archive), 7z, RAR (v4 and v5), Unix ar and Microsoft Cabinet (stored and
// MSZIP folders). Each member becomes an
// [extract.Child] in the archive's order. It is pure: bytes in, a result
// out; nothing is written to disk and nothing is logged.
//
// # Names
//
// A child's Path is the member name exactly as stored, bytes and all: a
// zip-slip name ("../../tmp/evil.txt", `..\..\Temp\evil.txt`) or an
// absolute one is kept as the evidence it is, and is never used as a file
// system path (dossier writes no member to disk). Members with the same
// name get distinct paths ("a.txt", "a.txt#2"). A child's Name is the base
// name for display, with control characters, bidi overrides and line
// separators escaped (see [DisplayName]). Directories are not children.
// Symbolic and hard links are children with Skip "symlink to TARGET, not
// followed"; devices and fifos are children with Skip.
//
// # Budgets
//
// [extract.Options.Budget] (zero fields from [extract.DefaultBudget])
// bounds one container: its children may total at most MaxBytes, and at
// most MaxRatio times the container's size (a container may always
// expand to 1 MiB); at most MaxMembers are listed. Declared sizes are
// checked before anything is allocated: a member declaring more than the
// budget has left is a child with Skip "over the expansion budget (...)"
// and the walk goes on with the next member. Declarations lie, so bytes
// are also counted as they are decompressed: a member longer than it
// declares fails, and a stream of unknown size that runs past the budget
// stops the walk (the members after it are not listed). The decompressed
// stream of a compressed tar may run to 4 times the budget, so that
// members skipped for their size can be stepped over; past that the walk
// stops. Members skipped or not listed for the budget are summed up in
// Problems; the container itself is still a result, not an error. Nesting
// is the caller's business: children that are archives are extracted
// again, each under its own budget.
//
// Timeout and MaxMemory are enforced by the caller (the extraction
// sandbox); ctx is honoured between members and while bytes flow. The
// decompression window a RAR or zstd member may ask for is bounded by a
// quarter of MaxMemory (64 MiB to 1 GiB). LZMA and LZMA2 dictionaries (xz,
// 7z) over 1 GiB are refused before they are allocated, and a 7z coder
// gets no more dictionary than its declared output: this package replaces
// the 7z library's LZMA decoders, process-wide, with guarded ones.
//
// # Damage and encryption
//
// A member whose bytes are corrupt (bad CRC, truncated, an unsupported
// compression method) is a child with Failed set and the reason. A ZIP
// whose central directory is missing or corrupt is read from its local
// headers; other formats keep what was read before the damage. Only when
// nothing at all can be read is an error returned.
//
// Encrypted members are tried with [extract.Options.Passwords] in order;
// when one fits they are extracted and Meta.Decrypted is set, otherwise
// they are children with Skip "encrypted, ..." and Meta.Encrypted is set.
// A 7z or RAR whose listing itself is encrypted and opened by no password
// returns a result with Meta.Encrypted and an error wrapping
// [extract.ErrEncrypted].
//
// # Metadata
//
// Meta.Comments holds the ZIP archive comment or the gzip comment;
// Meta.Extra["format"] names the format ("zip", "tar+gzip", ...) and
// Meta.Extra["gzip_name"] the file name a gzip header records.
package archive
