package sqlite

// publishSchema holds releases and what has been published (format 4).
// Unlike the index, none of it is derived: it records decisions.
const publishSchema = `
-- A release: a named set of documents made public together.
CREATE TABLE IF NOT EXISTS releases (
  name TEXT PRIMARY KEY,
  created INTEGER NOT NULL,
  query TEXT NOT NULL DEFAULT '',   -- how it was selected, for the record
  options TEXT NOT NULL DEFAULT '{}',
  state TEXT NOT NULL DEFAULT 'draft', -- draft, scheduled, published
  publish_at INTEGER,               -- scheduled time (unix seconds)
  published_at INTEGER
);

-- The documents of a release. role: selected, attachment, parent.
-- redacted_sha256 names a blob published instead of the original; salt is
-- the secret of the original's commitment in the log entry.
CREATE TABLE IF NOT EXISTS release_docs (
  release TEXT NOT NULL,
  num INTEGER NOT NULL,
  role TEXT NOT NULL,
  redacted_sha256 TEXT,
  salt BLOB,
  PRIMARY KEY (release, num)
) WITHOUT ROWID;

-- Every published document (by number), with its log entry, and its
-- withdrawal if any (a withdrawn document keeps its row: a public notice).
CREATE TABLE IF NOT EXISTS publications (
  num INTEGER PRIMARY KEY,
  release TEXT NOT NULL,
  published_at INTEGER NOT NULL,
  log_index INTEGER,
  withdrawn_at INTEGER,
  withdraw_reason TEXT,
  withdraw_log_index INTEGER
);
CREATE INDEX IF NOT EXISTS publications_release ON publications(release);
`
