module github.com/newsroom/dossier

go 1.26.8

require (
	github.com/blevesearch/snowballstem v0.9.0 // French and English Snowball stemmers (search analysis)
	github.com/gabriel-vasile/mimetype v1.4.16 // content sniffing of non-mail files
	github.com/klauspost/compress v1.20.3 // zstd for stored extracted text
	github.com/mattn/go-sqlite3 v1.14.53 // SQLite with FTS5 (cgo; build tag sqlite_fts5)
	github.com/spf13/cobra v1.10.2 // command line: subcommands, flags anywhere, help
	golang.org/x/net v0.62.0 // html tokenizer and charset labels (HTML to text)
	golang.org/x/sys v0.49.0 // flock, syncfs
	golang.org/x/term v0.47.0 // progress display only on terminals
	golang.org/x/text v0.43.0 // charsets, Unicode normalisation
)

require (
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/spf13/pflag v1.0.9 // indirect
)
