package sqlite

// FormatVersion is the version of the database schema. Changelog:
//
//	1: docs, blobs, texts, inputs, runs; FTS5 index (see internal/search/sqlfts).
//	2: dkim_keys (the key archive), dkim and dkim_domains (verdicts),
//	   docs.dkim (the verdict, for filters and facets). A format 1
//	   database is upgraded in place (see upgrades): messages stay
//	   unverified until "dossier verify --all".
//	3: docs.lang, author, editor, people (folded author and editor, for
//	   author:), flags, ocr, encrypted. Documents ingested before keep
//	   them empty until "dossier reindex".
//	4: docs.persons; watch, mentions, entities, addresses (people: watchlists, where each
//	   watched name and each pattern entity was found, email header
//	   addresses for correspondents); releases, release_docs, publications
//	   (publishing). Filled for documents ingested before by "dossier watch
//	   apply --entities".
const FormatVersion = 4

// upgrades[n] brings a format n database to format n+1, before schema
// (all CREATE ... IF NOT EXISTS) runs again.
var upgrades = map[int]string{
	1: `ALTER TABLE docs ADD COLUMN dkim TEXT;`,
	2: `ALTER TABLE docs ADD COLUMN lang TEXT; ALTER TABLE docs ADD COLUMN author TEXT; ALTER TABLE docs ADD COLUMN editor TEXT;
ALTER TABLE docs ADD COLUMN people TEXT; ALTER TABLE docs ADD COLUMN flags TEXT;
ALTER TABLE docs ADD COLUMN ocr INTEGER NOT NULL DEFAULT 0; ALTER TABLE docs ADD COLUMN encrypted INTEGER NOT NULL DEFAULT 0;`,
	3: `ALTER TABLE docs ADD COLUMN persons TEXT;`,
}

// schemas are run, in order, when a database is created or upgraded; every
// statement in them is CREATE ... IF NOT EXISTS.
var schemas = []string{schema, peopleSchema, publishSchema}

const schema = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- One row per document: the ledger. num is the permanent number
-- (AUTOINCREMENT: never reused, even after a delete).
CREATE TABLE IF NOT EXISTS docs (
  num INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  parent_id TEXT,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  collection TEXT NOT NULL,
  kind TEXT NOT NULL,
  mime TEXT NOT NULL,
  filename TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  duplicate_of TEXT,
  depth INTEGER NOT NULL DEFAULT 0,
  message_id TEXT,
  thread_id TEXT,
  thread_root TEXT, -- the message id the thread was derived from, if not the message's own
  subject TEXT,
  sender TEXT,
  sender_name TEXT,
  date INTEGER,
  tz INTEGER,
  has_attachments INTEGER NOT NULL DEFAULT 0,
  meta TEXT,
  ingested_at INTEGER NOT NULL,
  dkim TEXT, -- the message's authenticity verdict (see the dkim table); NULL: not verified
  lang TEXT,
  author TEXT,
  editor TEXT,
  people TEXT, -- author and editor, folded, space-separated words: what author: searches
  flags TEXT, -- anomaly rules, space-separated, with a space at each end (" rule1 rule2 ")
  ocr INTEGER NOT NULL DEFAULT 0,
  encrypted INTEGER NOT NULL DEFAULT 0,
  persons TEXT -- watched entities mentioned (watch ids, space-separated, a space at each end), for the person facet
);
CREATE INDEX IF NOT EXISTS docs_sha256 ON docs(sha256);
CREATE INDEX IF NOT EXISTS docs_parent ON docs(parent_id);
CREATE INDEX IF NOT EXISTS docs_status ON docs(status);

-- The canonical document of each blob: the first one stored. Later
-- documents with the same bytes are duplicates of it.
CREATE TABLE IF NOT EXISTS blobs (
  sha256 TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  canonical TEXT NOT NULL
) WITHOUT ROWID;

-- Extracted text, zstd-compressed; derived, rebuilt by reindex.
CREATE TABLE IF NOT EXISTS texts (num INTEGER PRIMARY KEY, z BLOB NOT NULL);

-- Input files seen, so a rerun skips unchanged files without reading them.
CREATE TABLE IF NOT EXISTS inputs (
  collection TEXT NOT NULL,
  path TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime INTEGER NOT NULL,
  doc_id TEXT NOT NULL,
  done INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (collection, path)
) WITHOUT ROWID;

-- One row per ingest run.
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY,
  started INTEGER NOT NULL,
  finished INTEGER,
  args TEXT NOT NULL,
  summary TEXT
);

-- The key archive: one row per observation of a DKIM key record. The same
-- record seen by two sources is two rows; a source seeing it again widens
-- first_seen..last_seen.
CREATE TABLE IF NOT EXISTS dkim_keys (
  id INTEGER PRIMARY KEY,
  domain TEXT NOT NULL,
  selector TEXT NOT NULL,
  record TEXT NOT NULL,
  source TEXT NOT NULL,
  key_type TEXT NOT NULL DEFAULT '',
  key_bits INTEGER NOT NULL DEFAULT 0,
  fingerprint TEXT NOT NULL DEFAULT '',
  problem TEXT NOT NULL DEFAULT '',
  first_seen INTEGER,
  last_seen INTEGER,
  imported_at INTEGER NOT NULL,
  UNIQUE (domain, selector, source, record)
);

-- Authenticity verdicts, one row per verified message (by document
-- number); derived from the blob and the key archive, rebuilt by
-- "dossier verify --all".
CREATE TABLE IF NOT EXISTS dkim (
  num INTEGER PRIMARY KEY,
  verdict TEXT NOT NULL,
  as_of INTEGER NOT NULL,
  report TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS dkim_verdict ON dkim(verdict);
CREATE TABLE IF NOT EXISTS dkim_domains (
  domain TEXT NOT NULL,
  num INTEGER NOT NULL,
  PRIMARY KEY (domain, num)
) WITHOUT ROWID;
`
