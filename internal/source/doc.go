// Package source yields the raw items of a leak: the files of a directory
// tree, the messages of an mbox, the entries of a Maildir, each with where it
// came from. It decides nothing about meaning; extractors do that.
//
// # Sniffing
//
// [Sniff] classifies the first bytes of an item by content, never by name:
// an mbox, an RFC 822 message, or a coarse [Kind] derived from the MIME type
// that github.com/gabriel-vasile/mimetype detects. Feed it [SniffLen] bytes.
//
// # Mbox
//
// [MboxReader] splits an mbox stream into messages with bounded memory. See
// its documentation for the separator rule, mboxrd unescaping and the
// accounting invariant: every input byte belongs to exactly one message's
// framing, data or removed quoting.
//
// # Walking
//
// [Walk] visits a file or a directory tree in lexical order and reports every
// entry a caller must account for: regular files, and the entries it did not
// read (symbolic links, devices, unreadable files and directories) with a
// reason. Names are kept as raw bytes; [Display] escapes them for humans.
package source
