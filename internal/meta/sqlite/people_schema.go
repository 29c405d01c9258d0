package sqlite

// peopleSchema holds watchlists and what matching found (format 4). All of
// it but watch is derived: "dossier watch apply" rebuilds mentions from the
// stored texts and headers, "--entities" rebuilds entities and addresses.
const peopleSchema = `
-- Watched people and organisations. id is stable across imports: an entity
-- is replaced in place when its folded name is the same.
CREATE TABLE IF NOT EXISTS watch (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  folded TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL DEFAULT 'person',
  keys TEXT NOT NULL DEFAULT '', -- folded name and aliases, "| name | alias |", for person:
  entity TEXT NOT NULL, -- JSON: the whole watchlist entry
  added INTEGER NOT NULL
);

-- Name suggestions a user rejected ("dossier watch suggest --reject"), by
-- folded name: never suggested again.
CREATE TABLE IF NOT EXISTS watch_rejected (
  folded TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  rejected INTEGER NOT NULL
) WITHOUT ROWID;

-- Where each watched entity was found: per document, field and alias, the
-- number of occurrences, those dropped by an exclusion, and the first spans
-- ("start-end" byte offsets into the field, comma-separated, at most 20).
-- field is subject, body (the extracted text), filename, or an address
-- header (from, to, cc, bcc, reply_to).
CREATE TABLE IF NOT EXISTS mentions (
  entity INTEGER NOT NULL,
  num INTEGER NOT NULL,
  field TEXT NOT NULL,
  alias TEXT NOT NULL,
  count INTEGER NOT NULL,
  excluded INTEGER NOT NULL DEFAULT 0,
  spans TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (entity, num, field, alias)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS mentions_num ON mentions(num);

-- Pattern entities found in a document's text and headers: email, phone
-- (E.164), iban (compact), url, domain.
CREATE TABLE IF NOT EXISTS entities (
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  num INTEGER NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (kind, value, num)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entities_num ON entities(num);

-- The addresses in each message's headers, lowercase, for correspondents.
CREATE TABLE IF NOT EXISTS addresses (
  num INTEGER NOT NULL,
  role TEXT NOT NULL, -- from, to, cc, bcc
  address TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (num, role, address)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS addresses_address ON addresses(address, role);
`
