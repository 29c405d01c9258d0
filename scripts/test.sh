#!/usr/bin/env bash
# Runs every test of dossier, installing what the tests need on a fresh
# Debian or Ubuntu machine. Under CI=true, tests that need the shared corpus
# (../shared/corpus or $DOSSIER_CORPUS) or a system tool fail instead of
# skipping when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

TAGS=sqlite_fts5
export PATH="$PATH:/usr/local/go/bin"

need_apt=()
command -v gcc >/dev/null || need_apt+=(gcc libc6-dev)
command -v git >/dev/null || need_apt+=(git)
# Reference DKIM verifier for the differential tests (Debian's python3, not a pyenv one).
/usr/bin/python3 -c 'import dkim' 2>/dev/null || need_apt+=(python3-dkim)
# Headless browser for the reading room's browser tests.
command -v chromium >/dev/null || command -v chromium-browser >/dev/null || need_apt+=(chromium)
# Document extraction: poppler, tesseract (French and English), the legacy
# office converters, readpst.
command -v pdftotext >/dev/null || need_apt+=(poppler-utils)
command -v tesseract >/dev/null || need_apt+=(tesseract-ocr tesseract-ocr-fra tesseract-ocr-eng)
command -v tesseract >/dev/null && { tesseract --list-langs 2>/dev/null | grep -qx fra || need_apt+=(tesseract-ocr-fra); }
command -v antiword >/dev/null || need_apt+=(antiword)
command -v catdoc >/dev/null || need_apt+=(catdoc)
command -v readpst >/dev/null || need_apt+=(pst-utils)
# Writers of the archive formats the reader tests compare against.
command -v compress >/dev/null || need_apt+=(ncompress)
command -v unzip >/dev/null || need_apt+=(unzip)
command -v gcab >/dev/null || need_apt+=(gcab)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "== installing ${need_apt[*]}" >&2
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -q
  $sudo apt-get install -y -q "${need_apt[@]}" || { $sudo dpkg --configure -a; $sudo apt-get install -y -q "${need_apt[@]}"; }
fi
command -v go >/dev/null || { echo "test.sh: Go 1.26 is required (https://go.dev/dl/)" >&2; exit 1; }

echo "== gofmt" >&2
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then echo "gofmt would change:"; echo "$unformatted"; exit 1; fi

echo "== go vet" >&2
go vet -tags "$TAGS" ./...

echo "== go test" >&2
go test -tags "$TAGS" -count=1 -timeout 30m ./...

echo "== go test -race (short)" >&2
go test -tags "$TAGS" -race -short -count=1 -timeout 30m ./...

echo "== fuzz targets, briefly" >&2
# A count of executions, not a duration: with -fuzztime 10s, Go 1.26's
# coordinator can report "context deadline exceeded" as a failure when the
# deadline lands while a worker is busy (golang/go#75804, fixed in 1.27).
# 30,000 runs take 2 to 12 s a target here.
FUZZN=${FUZZN:-30000x}
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzMbox$' -fuzztime "$FUZZN" -fuzzminimizetime 1x ./internal/source
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzRefineZip$' -fuzztime "$FUZZN" -fuzzminimizetime 1x ./internal/source
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzExtract$' -fuzztime "$FUZZN" -fuzzminimizetime 1x ./internal/extract/metafile
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzParse$' -fuzztime "$FUZZN" -fuzzminimizetime 1x ./internal/extract/email
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzParse$' -fuzztime "$FUZZN" -fuzzminimizetime 1x ./internal/search/query
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzVerify$' -fuzztime "$FUZZN" -fuzzminimizetime 1x ./internal/dkim
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzZip$' -fuzztime "$FUZZN" -fuzzminimizetime 1x ./internal/extract/archive
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzExplode$' -fuzztime "$FUZZN" -fuzzminimizetime 1x ./internal/extract/archive
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzUnshrink$' -fuzztime "$FUZZN" -fuzzminimizetime 1x ./internal/extract/archive
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzCompressZ$' -fuzztime "$FUZZN" -fuzzminimizetime 1x ./internal/extract/archive
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzCab$' -fuzztime "$FUZZN" -fuzzminimizetime 1x ./internal/extract/archive
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzXLSBRecords$' -fuzztime "$FUZZN" -fuzzminimizetime 1x ./internal/extract/office
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzOOXML$' -fuzztime "$FUZZN" -fuzzminimizetime 1x ./internal/extract/office
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzDecrypt$' -fuzztime "$FUZZN" -fuzzminimizetime 1x ./internal/extract/legacy
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzDecryptPPT$' -fuzztime "$FUZZN" -fuzzminimizetime 1x ./internal/extract/legacy
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzODFManifest$' -fuzztime "$FUZZN" -fuzzminimizetime 1x ./internal/extract/office
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzMSG$' -fuzztime "$FUZZN" -fuzzminimizetime 1x ./internal/extract/msg
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzFind$' -fuzztime "$FUZZN" -fuzzminimizetime 1x ./internal/people
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzEntities$' -fuzztime "$FUZZN" -fuzzminimizetime 1x ./internal/people
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzVerify$' -fuzztime "$FUZZN" -fuzzminimizetime 1x ./internal/tlog

echo "== all tests passed" >&2
