#!/usr/bin/env bash
# bench/web.sh — load benchmark of the reading room (issue 4, "Speed").
#
# Usage: bench/web.sh [--clients N] [--duration D] [--warmup D] [--port P]
#                     [--no-baseline] [--reingest] [--dossier-bin P]
#
#   --clients N     concurrent clients (default 16)
#   --duration D    measured time, a Go duration (default 30s)
#   --warmup D      warm-up before measuring, not counted (default 5s)
#   --port P        port of the server on 127.0.0.1 (default 18080)
#   --no-baseline   skip the reference run with one client
#   --reingest      ingest the corpus again even if the archive exists
#   --dossier-bin P use this dossier binary instead of building one
#
# Method:
#   * Archive: the Enron sample (${DOSSIER_CORPUS:-/work/shared/corpus}/enron/maildir)
#     ingested once with `dossier ingest --collection enron` into
#     $BENCH_DIR/web-archive (default /tmp/dossier-bench/web-archive) and reused
#     by later runs (a marker file says the ingest finished).
#   * Server: `dossier serve --addr 127.0.0.1:PORT` as a child process, on the
#     same machine as the clients.
#   * Load: bench/web (a Go load generator): N clients, each repeating search
#     page, document page, search page, document page, API search, over 20 fixed
#     Enron queries and document numbers drawn with a fixed seed from 1..count;
#     a warm-up, then the measured run. Latency is from sending the request to
#     reading the last byte of the body. Requests/s, p50, p90, p99 and errors
#     (anything but 200) per class; per-query medians.
#   * Memory: the server's VmHWM and VmRSS from /proc/PID/status, sampled
#     during the measured run and read again after it.
#   * Reference: one client for 10 s (no queueing), unless --no-baseline.
# Output: Markdown on stdout and in $BENCH_DIR/web/result.md.
{
set -euo pipefail
export LC_ALL=C TZ=UTC
CLIENTS=16 DURATION=30s WARMUP=5s PORT=18080 BASELINE=1 REINGEST=0 BIN=""
while [ $# -gt 0 ]; do
  case "$1" in
    --clients) CLIENTS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --no-baseline) BASELINE=0; shift ;;
    --reingest) REINGEST=1; shift ;;
    --dossier-bin) BIN=$2; shift 2 ;;
    -h|--help) sed -n '2,32p' "$0"; exit 0 ;;
    *) echo "web.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
CORPUS=${DOSSIER_CORPUS:-/work/shared/corpus}
MAILDIR=$CORPUS/enron/maildir
BENCH_DIR=${BENCH_DIR:-/tmp/dossier-bench}
ARCHIVE=$BENCH_DIR/web-archive
W=$BENCH_DIR/web
mkdir -p "$W"
cd "$(dirname "$0")/.."
log() { printf '[web.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

log "building dossier and the load generator"
if [ -z "$BIN" ]; then
  go build -tags sqlite_fts5 -o "$W/dossier" ./cmd/dossier
  BIN=$W/dossier
  VERSION="dossier $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ' with uncommitted changes')"
else
  VERSION="dossier binary $BIN"
fi
go build -tags sqlite_fts5 -o "$W/loadgen" ./bench/web

if [ "$REINGEST" = 1 ] || [ ! -f "$ARCHIVE/.ingested" ]; then
  [ -d "$MAILDIR" ] || { echo "web.sh: no Enron corpus at $MAILDIR (set DOSSIER_CORPUS)" >&2; exit 1; }
  log "ingesting $MAILDIR into $ARCHIVE (a few minutes)"
  rm -rf "$ARCHIVE"
  start=$(date +%s)
  "$BIN" --archive "$ARCHIVE" ingest --quiet --collection enron "$MAILDIR" >"$W/ingest.log" 2>&1 ||
    { tail -20 "$W/ingest.log" >&2; echo "web.sh: ingest failed" >&2; exit 1; }
  log "ingested in $(( $(date +%s) - start )) s"
  touch "$ARCHIVE/.ingested"
else
  log "reusing $ARCHIVE (--reingest to rebuild it)"
fi

log "starting dossier serve on 127.0.0.1:$PORT"
"$BIN" --archive "$ARCHIVE" serve --addr "127.0.0.1:$PORT" 2>"$W/serve.log" &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
  kill -0 $SERVER 2>/dev/null || { cat "$W/serve.log" >&2; echo "web.sh: the server exited" >&2; exit 1; }
  sleep 0.1
done
status() { awk -v k="$1:" '$1 == k { printf "%.1f", $2 / 1024 }' "/proc/$SERVER/status"; }
RSS_IDLE=$(status VmRSS)

log "load: $CLIENTS clients, warm-up $WARMUP, $DURATION measured"
"$W/loadgen" --url "http://127.0.0.1:$PORT" --clients "$CLIENTS" --duration "$DURATION" --warmup "$WARMUP" \
  --server-pid "$SERVER" >"$W/load.md"
HWM=$(status VmHWM) RSS=$(status VmRSS)
if [ "$BASELINE" = 1 ]; then
  log "reference: 1 client, 10s"
  "$W/loadgen" --url "http://127.0.0.1:$PORT" --clients 1 --duration 10s --warmup 2s --slowest 0 >"$W/single.md"
fi
kill -TERM $SERVER
wait $SERVER 2>/dev/null || true
trap - EXIT

{
  echo "## Reading room load — $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Machine: $(nproc) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(awk '/^MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo) RAM;" \
    "$VERSION;" \
    "$(go version | awk '{ print $3 }'). Server and clients share the machine."
  echo "Archive: the Enron sample ingested by \`dossier ingest --collection enron\` ($ARCHIVE)."
  echo
  cat "$W/load.md"
  echo
  echo "Server memory (/proc/$SERVER/status): idle VmRSS $RSS_IDLE MB; after the load VmHWM $HWM MB, VmRSS $RSS MB."
  if [ "$BASELINE" = 1 ]; then
    echo
    echo "Reference, one client (no queueing):"
    echo
    sed -n '/^| class/,/^| \*\*all/p' "$W/single.md"
  fi
  echo
  echo "Targets: search p50 ≤ 20 ms, p99 ≤ 150 ms; document pages p99 ≤ 30 ms; server RSS ≤ 200 MB."
} | tee "$W/result.md"
exit 0
}
