module github.com/newsroom/dossier

go 1.26.8

require (
	github.com/blevesearch/snowballstem v0.9.0 // French and English Snowball stemmers (search analysis)
	github.com/emersion/go-msgauth v0.7.0 // tests only: differential DKIM oracle (internal/dkim)
	github.com/gabriel-vasile/mimetype v1.4.16 // content sniffing of non-mail files
	github.com/klauspost/compress v1.20.3 // zstd for stored extracted text
	github.com/mattn/go-sqlite3 v1.14.53 // SQLite with FTS5 (cgo; build tag sqlite_fts5)
	github.com/microcosm-cc/bluemonday v1.0.27 // HTML sanitiser for message bodies shown in the reading room
	github.com/spf13/cobra v1.10.2 // command line: subcommands, flags anywhere, help
	go.yaml.in/yaml/v3 v3.0.4 // tests only: ValiMail ARC test suite (internal/dkim)
	golang.org/x/net v0.62.0 // html tokenizer and charset labels (HTML to text)
	golang.org/x/sys v0.49.0 // flock, syncfs
	golang.org/x/term v0.47.0 // progress display only on terminals
	golang.org/x/text v0.43.0 // charsets, Unicode normalisation
)

require (
	github.com/aymerick/douceur v0.2.0 // indirect
	github.com/gorilla/css v1.0.1 // indirect
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/spf13/pflag v1.0.9 // indirect
	golang.org/x/crypto v0.58.0 // indirect
)
