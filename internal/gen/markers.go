package gen

// markerSpec describes one planted marker word and the kind of message that
// carries it. Every word is absent from the ordinary vocabulary (words.go),
// and so are the other inflections searched for.
type markerSpec struct {
	word     string // as written in the message text
	raw      string // literal bytes when they differ from word (HTML entity)
	query    string // what a search should use
	match    string // "exact", "folded" or "stemmed"
	where    string
	lang     string
	charset  string // charset of the part holding the word
	encoding string // transfer encoding of that part
	file     string // "txt" or "csv" for text attachments
}

var markerSpecs = []markerSpec{
	{word: "zanzibarite", query: "zanzibarite", match: "exact", where: WhereSubject, lang: "en", charset: csUTF8, encoding: te7bit},
	{word: "vélocigraphe", query: "vélocigraphe", match: "exact", where: WhereSubject, lang: "fr", charset: csLatin1, encoding: teQP},
	{word: "orchidoplasme", query: "orchidoplasme", match: "exact", where: WhereBody, lang: "fr", charset: csUTF8, encoding: teQP},
	{word: "brumaflex", query: "brumaflex", match: "exact", where: WhereBody, lang: "fr", charset: csUTF8, encoding: teBase64},
	{word: "quibblestone", query: "quibblestone", match: "exact", where: WhereBody, lang: "en", charset: csUTF8, encoding: te8bit},
	{word: "Trésorerie", query: "tresorerie", match: "folded", where: WhereBody, lang: "fr", charset: csLatin1, encoding: te8bit},
	{word: "comptabilités", query: "comptabilité", match: "stemmed", where: WhereBody, lang: "fr", charset: csCP1252, encoding: teQP},
	{word: "misappropriations", query: "misappropriation", match: "stemmed", where: WhereBody, lang: "en", charset: csUTF8, encoding: teQP},
	{word: "cœlacanthe", query: "cœlacanthe", match: "exact", where: WhereBody, lang: "fr", charset: csLatin9, encoding: te8bit},
	{word: "шифрограмма", query: "шифрограмма", match: "exact", where: WhereBody, lang: "ru", charset: csKOI8R, encoding: te8bit},
	{word: "ventriloquium", query: "ventriloquium", match: "exact", where: WhereTextAttach, lang: "fr", charset: csUTF8, encoding: teBase64, file: "txt"},
	{word: "cormoranderie", query: "cormoranderie", match: "exact", where: WhereTextAttach, lang: "fr", charset: csUTF8, encoding: teQP, file: "csv"},
	{word: "saltimbanquerie", query: "saltimbanquerie", match: "exact", where: WhereForwarded, lang: "fr", charset: csUTF8, encoding: teQP},
	{word: "filigranex", query: "filigranex", match: "exact", where: WhereHTML, lang: "en", charset: csUTF8, encoding: teQP},
	{word: "rhétorimancie", raw: "rh&eacute;torimancie", query: "rhétorimancie", match: "exact", where: WhereHTML, lang: "fr", charset: csLatin1, encoding: te8bit},
	{word: "cryptoglyphe", query: "cryptoglyphe", match: "exact", where: WhereAlternative, lang: "fr", charset: csUTF8, encoding: teBase64},
	{word: "zinzolinade", query: "zinzolinade", match: "exact", where: WhereFromLine, lang: "en", charset: csUTF8, encoding: te7bit},
}

// literal returns the bytes written for the marker, before charset and
// transfer encoding.
func (s markerSpec) literal() string {
	if s.raw != "" {
		return s.raw
	}
	return s.word
}
