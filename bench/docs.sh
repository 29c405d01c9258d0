#!/usr/bin/env bash
# bench/docs.sh — document extraction speed, in one run on one machine:
#   1. PDF pages/s through dossier (ingest of PDFs with a text layer, OCR
#      off) against pdftotext alone on the same files;
#   2. OCR pages/s at 300 dpi (scanned PDFs from docs/ocrmypdf, through
#      dossier: pdftoppm + tesseract in the sandbox);
#   3. the whole docs/ corpus ingested: items/s and peak RSS.
#
# Usage: bench/docs.sh [--dossier-bin P] [--runs N] [--pdf-only]
#   --pdf-only: measure part 1 only (PDF text against pdftotext).
# Output: Markdown on stdout and in $BENCH_DIR/docs.md.
{
set -euo pipefail
export LC_ALL=C TZ=UTC
BIN="" RUNS=3 PDFONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dossier-bin) BIN=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --pdf-only) PDFONLY=1; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "docs.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
CORPUS=${DOSSIER_CORPUS:-/work/shared/corpus}
BENCH_DIR=${BENCH_DIR:-/tmp/dossier-bench}
W=$BENCH_DIR/docs
rm -rf "$W"; mkdir -p "$W/pdfs" "$W/scans"
cd "$(dirname "$0")/.."
if [ -z "$BIN" ]; then
  echo "== building dossier" >&2
  go build -tags sqlite_fts5 -o "$W/dossier" ./cmd/dossier
  BIN=$W/dossier
fi
now() { date +%s.%N; }
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# PDFs with a text layer, not encrypted: pdftotext must succeed without a password.
i=0
for f in $(find "$CORPUS/docs/pdf-sample-files" "$CORPUS/docs/tika/pdf" "$CORPUS/docs/aleph-ingest-file" -name '*.pdf' | sort); do
  pdfinfo "$f" 2>/dev/null | grep -q '^Encrypted: *no' || continue
  [ "$(pdftotext "$f" - 2>/dev/null | tr -d '[:space:]' | wc -c)" -gt 200 ] || continue
  i=$((i+1)); cp "$f" "$W/pdfs/$i.pdf"
done
pages=0
for f in "$W"/pdfs/*.pdf; do pages=$((pages + $(pdfinfo "$f" | awk '/^Pages:/ {print $2}'))); done
echo "== $i PDFs, $pages pages" >&2
declare -a tp td
for r in $(seq "$RUNS"); do
  t0=$(now); for f in "$W"/pdfs/*.pdf; do pdftotext -enc UTF-8 "$f" - > /dev/null 2>&1 || true; done; t1=$(now)
  tp+=("$(echo "$t1 - $t0" | bc)")
  rm -rf "$W/ar-pdf"
  t0=$(now); "$BIN" --archive "$W/ar-pdf" ingest --quiet --no-verify --ocr-lang none --collection pdfs "$W/pdfs" > /dev/null; t1=$(now)
  td+=("$(echo "$t1 - $t0" | bc)")
done
mp=$(med "${tp[@]}"); md=$(med "${td[@]}")
if [ -n "$PDFONLY" ]; then
  {
  echo "| measure | pdftotext alone | dossier | ratio |"
  echo "|---|---:|---:|---:|"
  printf '| PDF text, %d files, %d pages (median of %d) | %.2f s, %.0f pages/s | %.2f s, %.0f pages/s | **%.2f×** |\n' \
    "$i" "$pages" "$RUNS" "$mp" "$(echo "$pages / $mp" | bc -l)" "$md" "$(echo "$pages / $md" | bc -l)" "$(echo "$mp / $md" | bc -l)"
  } | tee "$W/docs.md"
  exit 0
fi

# Scanned pages: the image-only PDFs of the OCRmyPDF test set.
for f in c02-22.pdf francais.pdf typewriter.pdf skew.pdf linn.pdf cardinal.pdf; do
  [ -f "$CORPUS/docs/ocrmypdf/$f" ] && cp "$CORPUS/docs/ocrmypdf/$f" "$W/scans/"
done
spages=0
for f in "$W"/scans/*.pdf; do spages=$((spages + $(pdfinfo "$f" | awk '/^Pages:/ {print $2}'))); done
rm -rf "$W/ar-ocr"
t0=$(now); "$BIN" --archive "$W/ar-ocr" ingest --quiet --no-verify --collection scans "$W/scans" > /dev/null; t1=$(now)
tocr=$(echo "$t1 - $t0" | bc)
ocrd=$("$BIN" --archive "$W/ar-ocr" search --json 'has:ocr' | python3 -c 'import sys,json; print(json.load(sys.stdin)["total"])')

# The whole docs/ corpus.
rm -rf "$W/ar-all"
# /usr/bin/time's maximum RSS is the largest of dossier and every tool it
# ran (tesseract on a large scan is the largest); dossier's own high-water
# mark is read from /proc while it runs.
/usr/bin/time -v -o "$W/time-all.txt" "$BIN" --archive "$W/ar-all" ingest --quiet --json --no-verify --collection docs "$CORPUS/docs" > "$W/all.json" &
tpid=$!
own=0
while kill -0 "$tpid" 2>/dev/null; do
  dpid=$(pgrep -P "$tpid" | head -1 || true)
  if [ -n "$dpid" ]; then
    h=$(awk '/^VmHWM/ {print $2}' "/proc/$dpid/status" 2>/dev/null || true)
    [ -n "$h" ] && [ "$h" -gt "$own" ] && own=$h
  fi
  sleep 0.2
done
wait "$tpid"
items=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(sum(s["items"].values()))' "$W/all.json")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$W/time-all.txt")
rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$W/time-all.txt")
secs=$(echo "$wall" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
summary=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["items"]; print(", ".join(f"{k} {v}" for k,v in s.items() if v))' "$W/all.json")

{
echo "## Documents: extraction speed ($(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m), load $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "| measure | pdftotext alone | dossier | ratio |"
echo "|---|---:|---:|---:|"
printf '| PDF text, %d files, %d pages (median of %d) | %.2f s, %.0f pages/s | %.2f s, %.0f pages/s | **%.2f×** |\n' \
  "$i" "$pages" "$RUNS" "$mp" "$(echo "$pages / $mp" | bc -l)" "$md" "$(echo "$pages / $md" | bc -l)" "$(echo "$mp / $md" | bc -l)"
echo
printf '| OCR at 300 dpi (fra+eng) | %d scanned PDFs, %d pages | %.1f s | %.2f pages/s | %s documents with OCR text |\n' \
  "$(ls "$W"/scans/*.pdf | wc -l)" "$spages" "$tocr" "$(echo "$spages / $tocr" | bc -l)" "$ocrd"
echo "|---|---|---:|---:|---|"
echo
printf '| whole docs/ corpus | %d items (%s) | %s wall | %.0f items/s | peak RSS: dossier %.0f MB, largest tool %.0f MB |\n' "$items" "$summary" "$wall" \
  "$(echo "$items / $secs" | bc -l)" "$(echo "$own / 1024" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
echo "|---|---|---:|---:|---|"
} | tee "$W/docs.md"
}
