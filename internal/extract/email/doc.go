// Package email extracts fields, body text and child parts from one raw
// RFC 5322 / MIME message. It is pure: bytes in, a [Message] out; no I/O, no
// logging.
//
// # What it returns
//
// [Parse] decodes the envelope headers (addresses, date with its zone,
// subject, message ids), chooses the body text and returns every other leaf
// of the MIME tree as a [Part] with its transfer-decoded bytes. Embedded
// messages (message/rfc822) are one Part each and are not descended into:
// the caller parses them as child documents.
//
// The body is the first text/plain or text/html leaf in reading order,
// preferring text/plain inside multipart/alternative, the root of a
// multipart/related and the signed content of a multipart/signed; further
// unnamed inline text/plain leaves of a multipart/mixed (footers, split
// bodies) are appended to it. HTML is converted to text only when no plain
// alternative exists. Unchosen alternatives (typically the HTML twin) are
// kept as Parts with Alternative set. Uuencoded files inside a text/plain
// body are cut out of the text and returned as Parts with paths like
// "1.uu1".
//
// # Tolerance and limits
//
// Real mail is malformed, so nothing here is strict: bad encoded-words,
// 8-bit headers, lying charset labels, unreadable dates, broken address
// lists, missing boundaries, bad base64 and quoted-printable all yield what
// can be recovered and a line in [Message.Problems]. [Limits] bound nesting
// depth, part count, header and text size, so hostile input costs time and
// memory linear in its size.
//
// # Why not enmime's parser
//
// The MIME tree walk is our own, over the input slice. enmime v2.3.0's
// ReadParts recurses without a depth limit, converts text parts to UTF-8
// (guessing with chardet) so that attachment bytes are not the originals,
// and its parameter parser replaces 8-bit filenames with U+FFFD and drops
// RFC 2231 values in charsets other than UTF-8. Charset handling lives in
// package textdecode, shared with other text extractors.
package email
