// Package gen writes deterministic synthetic leaked mail collections for
// tests, demos and scale benchmarks.
//
// [Generate] writes Maildir folders, mbox files or both under a directory
// and returns a [Manifest] of what it wrote. The same [Options] always give
// byte-identical files and manifest, whatever GOMAXPROCS; memory use stays
// flat whatever the number of messages, because messages are planned and
// rendered in independent blocks of 32 and streamed to disk in order.
//
// # Content
//
// Messages are RFC 5322 mail between French, English and a few Russian
// speakers in fictitious domains (en-marche.example, campagne.example,
// ministere.example, press.example), dated across 2016 and 2017 with
// several time zones. Bodies are text/plain, multipart/alternative or
// HTML-only, in UTF-8 (8bit, quoted-printable, base64), ISO-8859-1,
// ISO-8859-15, windows-1252, KOI8-R or US-ASCII, with RFC 2047 encoded
// words in headers and RFC 2231 file names. Some messages carry .txt and
// .csv attachments, PDF- and PNG-looking binaries, a forwarded
// message/rfc822, or one attachment shared byte for byte by several
// messages. Replies form threads, some several messages deep, linked by
// In-Reply-To and References. Each mailbox uses LF or CRLF line endings
// throughout.
//
// # Layout
//
//	dir/maildir/<mailbox>/{cur,new,tmp}/<time>.M<n>P<n>Q<index>.dossier[:2,<flags>]
//	dir/mbox/<mailbox>.mbox
//
// mbox files are mboxrd: a "From <addr> <asctime>" line before each
// message, an empty line after it, and one '>' added before body lines
// matching ^>*From (some messages carry such lines on purpose). Messages in
// new/ have no ":2," suffix, as the Maildir specification says.
//
// # Planted facts
//
// Rare marker words (see [Marker]) are planted in known messages: in a
// subject, a plain body, both parts of an alternative body, an HTML-only
// body (once as an HTML entity), a text attachment, a forwarded message,
// a line starting with "From ", with accents in a Latin-1 message to be
// found by the folded form, and inflected forms to be found by stemming.
// The manifest lists every message holding each marker; the words appear
// nowhere else.
package gen
