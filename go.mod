module github.com/newsroom/dossier

go 1.26.8

require (
	github.com/abadojack/whatlanggo v1.0.1 // language detection per document (internal/extract/lang)
	github.com/blevesearch/snowballstem v0.9.0 // French and English Snowball stemmers (search analysis)
	github.com/chromedp/cdproto v0.159.0 // tests only: DevTools protocol types for the browser tests (internal/web)
	github.com/chromedp/chromedp v0.23.0 // tests only: drives headless Chromium in the browser tests (internal/web)
	github.com/emersion/go-msgauth v0.7.0 // tests only: differential DKIM oracle (internal/dkim)
	github.com/gabriel-vasile/mimetype v1.4.16 // content sniffing of non-mail files
	github.com/klauspost/compress v1.20.3 // zstd for stored extracted text
	github.com/mattn/go-sqlite3 v1.14.53 // SQLite with FTS5 (cgo; build tag sqlite_fts5)
	github.com/microcosm-cc/bluemonday v1.0.27 // HTML sanitiser for message bodies shown in the reading room
	github.com/richardlehane/mscfb v1.0.9 // Compound File Binary reader: Outlook .msg, OLE objects, encrypted OOXML (internal/extract/msg, office)
	github.com/spf13/cobra v1.10.2 // command line: subcommands, flags anywhere, help
	go.yaml.in/yaml/v3 v3.0.4 // watchlists (internal/people); the ValiMail ARC test suite (internal/dkim tests)
	golang.org/x/crypto v0.58.0 // Argon2id and Blowfish for encrypted ODF packages (internal/extract/office)
	golang.org/x/net v0.62.0 // html tokenizer and charset labels (HTML to text)
	golang.org/x/sys v0.49.0 // flock, syncfs
	golang.org/x/term v0.47.0 // progress display only on terminals
	golang.org/x/text v0.43.0 // charsets, Unicode normalisation
	k8s.io/klog/v2 v2.130.1 // silenced: Tessera logs through it
	golang.org/x/mod v0.42.0 // signed notes for checkpoints; sumdb/tlog as a second proof checker in tests (internal/tlog)
	github.com/transparency-dev/tessera v1.0.4 // the transparency log: tlog-tiles on POSIX storage (internal/tlog)
	github.com/nyaruka/phonenumbers v1.8.1 // phone number validation and E.164 (internal/people)
)

require (
	github.com/andybalholm/brotli v1.2.2 // indirect
	github.com/aymerick/douceur v0.2.0 // indirect
	github.com/bodgit/plumbing v1.3.0 // indirect
	github.com/bodgit/sevenzip v1.6.5 // indirect
	github.com/bodgit/windows v1.0.1 // indirect
	github.com/cenkalti/backoff/v5 v5.0.3 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
	github.com/go-logr/logr v1.4.3 // indirect
	github.com/go-logr/stdr v1.2.2 // indirect
	github.com/gorilla/css v1.0.1 // indirect
	github.com/hashicorp/golang-lru/v2 v2.0.7 // indirect
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/nwaples/rardecode/v2 v2.4.6 // indirect
	github.com/pierrec/lz4/v4 v4.1.27 // indirect
	github.com/richardlehane/msoleps v1.0.3 // indirect
	github.com/spf13/afero v1.15.0 // indirect
	github.com/spf13/pflag v1.0.9 // indirect
	github.com/stangelandcl/ppmd v0.1.1 // indirect
	github.com/transparency-dev/formats v0.0.0-20251017110053-404c0d5b696c // indirect
	github.com/transparency-dev/merkle v0.0.2 // indirect
	github.com/ulikunitz/xz v0.5.15 // indirect
	go.opentelemetry.io/auto/sdk v1.2.1 // indirect
	go.opentelemetry.io/otel v1.40.0 // indirect
	go.opentelemetry.io/otel/metric v1.40.0 // indirect
	go.opentelemetry.io/otel/trace v1.40.0 // indirect
	go4.org v0.0.0-20260112195520-a5071408f32f // indirect
	golang.org/x/exp v0.0.0-20240325151524-a685a6edb6d8 // indirect
	golang.org/x/sync v0.24.0 // indirect
	google.golang.org/protobuf v1.36.11 // indirect
)
