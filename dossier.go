package dossier

import (
	"crypto/sha256"
	"encoding/hex"
)

// Status is a document's state in the ledger.
type Status string

// Ledger statuses. Every input file and extracted item ends in one of the
// four final statuses; Pending marks work that an interrupted run left
// unfinished and the next run completes.
const (
	Indexed   Status = "indexed"   // stored; its text and metadata are searchable
	Duplicate Status = "duplicate" // stored; same bytes as an earlier document (DuplicateOf)
	Failed    Status = "failed"    // could not be read or extracted (Reason)
	Skipped   Status = "skipped"   // deliberately not processed (Reason)
	Pending   Status = "pending"   // work in progress
)

// Statuses lists the final statuses in display order.
var Statuses = []Status{Indexed, Duplicate, Failed, Skipped}

// Kind is a coarse document type used for display, facets and `type:`.
type Kind string

// Kinds of documents.
const (
	KindEmail   Kind = "email"
	KindMbox    Kind = "mbox"
	KindText    Kind = "text"
	KindHTML    Kind = "html"
	KindPDF     Kind = "pdf"
	KindImage   Kind = "image"
	KindOffice  Kind = "office"
	KindArchive Kind = "archive"
	KindOther   Kind = "other"
)

// IDLen is the length in hex digits of a document id (128 bits).
const IDLen = 32

// DocID derives a document's id from its parent's id, its path within the
// parent and the SHA-256 (hex) of its bytes. Top-level files use
// [RootParent] of their collection as parent. The derivation is stable
// across runs and versions: changing it would break every permalink.
func DocID(parentID, path, sha256hex string) string {
	h := sha256.New()
	h.Write([]byte("dossier-doc-v1\x00"))
	h.Write([]byte(parentID))
	h.Write([]byte{0})
	h.Write([]byte(path))
	h.Write([]byte{0})
	h.Write([]byte(sha256hex))
	sum := h.Sum(nil)
	return hex.EncodeToString(sum[:IDLen/2])
}

// RootParent is the pseudo parent id of a collection's top-level files, so
// the same file given to two collections is two documents.
func RootParent(collection string) string { return "collection:" + collection }
