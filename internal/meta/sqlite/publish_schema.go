package sqlite

// publishSchema holds releases and what has been published (format 4).
// Unlike the index, none of it is derived: it records decisions. See
// package publish for the states and the crash-safe order of writes.
const publishSchema = `
-- A release: a named set of documents made public together.
CREATE TABLE IF NOT EXISTS releases (
  name TEXT PRIMARY KEY,
  created INTEGER NOT NULL,
  query TEXT NOT NULL DEFAULT '',   -- how it was selected, for the record
  options TEXT NOT NULL DEFAULT '{}',
  state TEXT NOT NULL DEFAULT 'draft', -- draft, scheduled, publishing, published
  publish_at INTEGER,               -- scheduled time (unix seconds)
  published_at INTEGER,
  projected_at INTEGER              -- when the public projection last received it
);

-- The documents of a release. role: selected, attachment, parent.
-- redacted_* describe a derivative blob published instead of the original
-- (text zstd-compressed, pages JSON); salt is the secret of the original's
-- commitment in the log entry.
CREATE TABLE IF NOT EXISTS release_docs (
  release TEXT NOT NULL,
  num INTEGER NOT NULL,
  role TEXT NOT NULL,
  redacted_sha256 TEXT,
  redacted_size INTEGER,
  redacted_mime TEXT,
  redacted_filename TEXT,
  redacted_text BLOB,
  redacted_pages TEXT,
  keep_dkim INTEGER NOT NULL DEFAULT 0,
  salt BLOB,
  PRIMARY KEY (release, num)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS release_docs_num ON release_docs(num);

-- Every document published, per release, with its log entry (the exact
-- bytes appended) and its index in the log (NULL: pending, recorded before
-- the append), and its withdrawal if any (a withdrawn document keeps its
-- row: a public notice). At most one publication of a document is live.
CREATE TABLE IF NOT EXISTS publications (
  release TEXT NOT NULL,
  num INTEGER NOT NULL,
  published_at INTEGER NOT NULL,
  entry BLOB NOT NULL,
  log_index INTEGER,
  withdrawn_at INTEGER,
  withdraw_reason TEXT,
  withdraw_entry BLOB,
  withdraw_log_index INTEGER,
  withdraw_projected INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (release, num)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS publications_live ON publications(num) WHERE withdrawn_at IS NULL;
CREATE INDEX IF NOT EXISTS publications_num ON publications(num);
`
