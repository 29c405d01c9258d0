// Package people finds the people and organisations of a watchlist in
// documents, counts every occurrence so that each count can be explained,
// finds pattern entities (addresses, phone numbers, IBANs, URLs, domains)
// and proposes recurring names that are not on the watchlist yet.
//
// Everything here is pure: no I/O except [Load], no logging, no context.
// A [Watchlist] is read with [Parse] or [Load], compiled once with
// [Compile], and the [Matcher] is then shared by all goroutines.
//
// # Watchlist format, version 1
//
// A watchlist is YAML or CSV, in UTF-8. In YAML:
//
//	version: 1          # required; the only version so far
//	region: FR          # optional: region of phones written without +CC (default FR)
//	people:
//	  - name: Marine Le Pen          # required, canonical, unique once folded
//	    kind: person                 # person (default) or organisation ("organization" accepted)
//	    aliases: [Le Pen, MLP]       # other names, matched like the name
//	    emails: [mlp@example.fr]     # whole addresses, compared case-insensitively
//	    phones: ["01 23 45 67 89"]   # any notation; stored in E.164
//	    exclude: [Jean-Marie Le Pen] # phrases holding a name that are someone else
//	    notes: Présidente du FN.      # free text
//
// Every key other than these is an error, reported with its line.
//
// In CSV, the first row is a header naming the columns, in any order,
// among name, kind, aliases, emails, phones, exclude and notes; only name
// is required. Multi-valued cells separate values with '|'
// ("Le Pen|MLP"). The separator is ',' or, when the header holds more ';'
// than ',', ';' (spreadsheets in French locales). A byte order mark is
// skipped. CSV has no region: phones without +CC are read as French.
//
// When read, a watchlist is validated (see [Watchlist.Validate]): a name
// must not be empty and two entities must not share a name once folded;
// an e-mail address must have exactly one '@'; a phone number must be
// valid for its region; an exclude phrase must contain one of its
// entity's names as whole words and be longer than it, otherwise it could
// exclude nothing. An alias shared by several entities is allowed and
// listed by [Watchlist.Ambiguities]; each occurrence then counts for
// each of them. [Watchlist.WriteYAML] and [Watchlist.WriteCSV] write a
// watchlist back; reading what they write gives the same watchlist.
//
// # Folding and words
//
// Names and texts are compared folded ([Fold]): compatibility
// decomposition (NFKD), accents and other combining marks dropped, lower
// case, œ→oe, æ→ae, ß→ss. Words are runs of letters and digits;
// everything else separates words, including apostrophes and hyphens, so
// "Benoit HAMON" is "Benoît Hamon", "Jean-Luc" is "Jean Luc" and
// "d’Emmanuel Macron" contains "Emmanuel Macron".
//
// # What counts as a mention
//
// A name matches whole words only, and a multi-word name matches across
// runs of white space and line breaks but not across punctuation; the
// rules, including which of two overlapping names wins and how exclude
// phrases apply, are those of [Matcher]. Every mention carries byte
// offsets into the original text, so text[Start:End] is what a reader
// sees. A name occurrence inside an exclude phrase of its entity is not a
// mention; it is reported apart, with the phrase, so that the difference
// between a naive count and the count given can be shown occurrence by
// occurrence.
//
// # Pattern entities
//
// [Entities] finds e-mail addresses, phone numbers (checked with
// libphonenumber, in E.164), IBANs (checked with their mod-97 checksum),
// URLs and domain names. IBANs are looked for first and hidden from the
// later steps, so their digits never make a phone number.
//
// # Name suggestions
//
// With no language model available, a [Suggester] proposes capitalised
// runs of two to four words that recur across documents, leaving out
// those the watchlist already finds.
package people
