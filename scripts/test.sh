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
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzMbox$' -fuzztime 15s ./internal/source
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzRefineZip$' -fuzztime 10s -fuzzminimizetime 1x ./internal/source
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzExtract$' -fuzztime 10s -fuzzminimizetime 1x ./internal/extract/metafile
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzParse$' -fuzztime 15s -fuzzminimizetime 5s ./internal/extract/email
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzParse$' -fuzztime 15s ./internal/search/query
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzVerify$' -fuzztime 15s ./internal/dkim
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzZip$' -fuzztime 10s -fuzzminimizetime 1x ./internal/extract/archive
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzExplode$' -fuzztime 10s -fuzzminimizetime 1x ./internal/extract/archive
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzUnshrink$' -fuzztime 10s -fuzzminimizetime 1x ./internal/extract/archive
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzCompressZ$' -fuzztime 10s -fuzzminimizetime 1x ./internal/extract/archive
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzCab$' -fuzztime 10s -fuzzminimizetime 1x ./internal/extract/archive
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzXLSBRecords$' -fuzztime 10s -fuzzminimizetime 1x ./internal/extract/office
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzOOXML$' -fuzztime 10s -fuzzminimizetime 1x ./internal/extract/office
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzDecrypt$' -fuzztime 10s -fuzzminimizetime 1x ./internal/extract/legacy
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzDecryptPPT$' -fuzztime 10s -fuzzminimizetime 1x ./internal/extract/legacy
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzODFManifest$' -fuzztime 10s -fuzzminimizetime 1x ./internal/extract/office
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzMSG$' -fuzztime 10s -fuzzminimizetime 1x ./internal/extract/msg
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzFind$' -fuzztime 10s -fuzzminimizetime 1x ./internal/people
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzEntities$' -fuzztime 10s -fuzzminimizetime 1x ./internal/people
go test -tags "$TAGS" -run '^$' -fuzz '^FuzzVerify$' -fuzztime 10s -fuzzminimizetime 1x ./internal/tlog

echo "== all tests passed" >&2
