// Package dossier holds the vocabulary of the dossier leak archive: documents,
// their identities, statuses and kinds. It depends on the standard library
// only; every other package speaks in these terms.
//
// # The system
//
// A leak is ingested as a collection. Every input file and every item found
// inside one (a message inside an mbox, a MIME attachment, an embedded
// message) is a [Document]: it has a parent, a path within that parent and a
// blob, the exact bytes, identified by their SHA-256. Originals live in a
// content-addressed blob store and are never modified; metadata, extracted
// text and the search index are derived from them and can be rebuilt
// (`dossier reindex`).
//
// # Invariants
//
//  1. Originals are never altered: every read of a blob verifies its hash.
//  2. Every input file and item has a ledger [Status]; nothing is dropped.
//  3. Ingest is idempotent: a document's id derives from (parent id, path,
//     blob hash), so a rerun finds what is already there and does no
//     repeated work; an interrupted run resumes.
//  4. Untrusted input is bounded in size, depth and count.
package dossier
