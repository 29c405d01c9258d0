#!/usr/bin/env bash
# bench/enron.sh — compare dossier's email ingest and search with notmuch,
# in one run, on one machine.
#
# Usage:
#   bench/enron.sh [options]               Enron inbox corpus, notmuch vs dossier
#   bench/enron.sh --scale N [options]     synthetic leak of N messages
#                                          (dossier generate), usually with
#                                          --skip-notmuch
#
# Options:
#   --scale N          generate N synthetic messages instead of using Enron
#   --skip-notmuch     do not run notmuch (scale runs)
#   --skip-dossier     do not build/run dossier (notmuch-only dry run)
#   --runs N           timed runs per query and tool (default $RUNS or 11)
#   --limit N          hits asked for per search (default 20)
#   --dossier-bin P    use this dossier binary instead of building one
#   --corpus DIR       maildir tree to index (default $DOSSIER_CORPUS/enron/maildir)
#   --queries FILE     one query per line (default: built-in list)
#   --dossier-search-flags STR
#                      extra flags for the timed dossier searches, e.g.
#                      "--facets" (default: none, i.e. what a user gets)
#   --wait-idle LOAD   before each timed phase, wait (at most 10 min) until
#                      the 1-minute load average is below LOAD (shared
#                      machines); the load at each phase is reported anyway
#   --keep             keep the work dir (copies, databases, archives, logs)
#   -h, --help
#
# Environment:
#   DOSSIER_CORPUS  corpus root (default /work/shared/corpus)
#   BENCH_DIR       work/results dir (default /tmp/dossier-bench)
#   RUNS            default for --runs
#
# Output: a Markdown report on stdout, also written to $BENCH_DIR/result.md
# (scale runs also to $BENCH_DIR/result-scale-N.md, and one row is appended
# to $BENCH_DIR/scale.md so 1x/10x/... runs can be compared). Progress goes
# to stderr.
#
# Method:
#   * ingest: wall time measured by the shell around the process; peak RSS is
#     GNU time's "Maximum resident set size" for the process (-v).
#   * notmuch gets its own copy of the corpus (it indexes the files in place
#     under database.path); dossier ingests the corpus directory directly and
#     copies the originals into its archive, so "bytes on disk" is reported
#     for notmuch both as the Xapian index alone and as index + mail copy.
#   * search: each query runs once untimed (warm-up), then --runs times; each
#     run is a whole process (start-up, open, query, print top --limit hits).
#     notmuch: `notmuch search --output=messages --sort=newest-first
#     --limit=N QUERY` (notmuch has no relevance ranking on the CLI; this is
#     the closest equivalent to "top N hits"). dossier: `dossier search
#     --limit N QUERY`. Hit counts (sanity check, untimed): `notmuch count`
#     vs the total reported by `dossier search --json`.
#   * TZ=UTC and LC_ALL=C for both tools so date: ranges mean the same thing.
#   * Caches are warm (files were just written/read); nothing is dropped.
# The whole script is one brace group, so bash parses all of it before
# running anything: editing this file during a (long) run cannot break it.
{
set -euo pipefail

export LC_ALL=C TZ=UTC

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)

CORPUS_ROOT=${DOSSIER_CORPUS:-/work/shared/corpus}
BENCH_DIR=${BENCH_DIR:-/tmp/dossier-bench}
RUNS=${RUNS:-11}
LIMIT=20
SCALE=""
SKIP_NOTMUCH=0
SKIP_DOSSIER=0
KEEP=0
DOSSIER_BIN=""
CORPUS=""
QUERIES_FILE=""
DS_SEARCH_FLAGS=""
WAIT_IDLE=""

log() { printf '[enron.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
	case $1 in
	--scale) SCALE=${2:?--scale needs N}; shift 2 ;;
	--scale=*) SCALE=${1#*=}; shift ;;
	--skip-notmuch) SKIP_NOTMUCH=1; shift ;;
	--skip-dossier) SKIP_DOSSIER=1; shift ;;
	--runs) RUNS=${2:?--runs needs N}; shift 2 ;;
	--runs=*) RUNS=${1#*=}; shift ;;
	--limit) LIMIT=${2:?--limit needs N}; shift 2 ;;
	--limit=*) LIMIT=${1#*=}; shift ;;
	--dossier-bin) DOSSIER_BIN=${2:?--dossier-bin needs a path}; shift 2 ;;
	--dossier-bin=*) DOSSIER_BIN=${1#*=}; shift ;;
	--corpus) CORPUS=${2:?--corpus needs a dir}; shift 2 ;;
	--corpus=*) CORPUS=${1#*=}; shift ;;
	--queries) QUERIES_FILE=${2:?--queries needs a file}; shift 2 ;;
	--queries=*) QUERIES_FILE=${1#*=}; shift ;;
	--dossier-search-flags) DS_SEARCH_FLAGS=${2?--dossier-search-flags needs a value}; shift 2 ;;
	--dossier-search-flags=*) DS_SEARCH_FLAGS=${1#*=}; shift ;;
	--wait-idle) WAIT_IDLE=${2:?--wait-idle needs a load}; shift 2 ;;
	--wait-idle=*) WAIT_IDLE=${1#*=}; shift ;;
	--keep) KEEP=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) die "unknown argument: $1 (see --help)" ;;
	esac
done

case $RUNS in '' | *[!0-9]* | 0) die "--runs must be a positive integer" ;; esac
case $LIMIT in '' | *[!0-9]* | 0) die "--limit must be a positive integer" ;; esac
if [ -n "$SCALE" ]; then
	case $SCALE in *[!0-9]* | 0) die "--scale must be a positive integer" ;; esac
fi
[ "$SKIP_NOTMUCH" = 1 ] && [ "$SKIP_DOSSIER" = 1 ] && die "nothing to do: both tools skipped"
[ -n "$SCALE" ] && [ "$SKIP_DOSSIER" = 1 ] && die "--scale needs dossier (it generates the corpus)"

# ---------------------------------------------------------------- queries ---
# Valid in both query languages; chosen so that each has hits in the Enron
# inbox corpus (Oct 2001 is its busiest month; jeff.dasovich sent 29 of them).
ENRON_QUERIES=(
	'skilling'
	'"natural gas"'
	'from:jeff.dasovich@enron.com'
	'to:pete.davis@enron.com'
	'subject:meeting'
	'california AND power'
	'energy OR electricity'
	'date:2001-10-01..2001-10-31'
	'enron NOT california'
	'fastow AND subject:enron'
	'kangaroo'
	'regulat*'
)
# The synthetic generator (internal/gen) writes dull French/English/Russian
# campaign mail; these hit its vocabulary. Override with --queries.
SCALE_QUERIES=(
	'meeting'
	'"wire transfer"'
	'subject:budget'
	'invoice OR facture'
	'campagne AND budget'
	'financ*'
)

QUERIES=()
if [ -n "$QUERIES_FILE" ]; then
	[ -r "$QUERIES_FILE" ] || die "cannot read $QUERIES_FILE"
	while IFS= read -r q || [ -n "$q" ]; do
		case $q in '' | '#'*) continue ;; esac
		QUERIES+=("$q")
	done <"$QUERIES_FILE"
elif [ -n "$SCALE" ]; then
	QUERIES=("${SCALE_QUERIES[@]}")
else
	QUERIES=("${ENRON_QUERIES[@]}")
fi
[ ${#QUERIES[@]} -gt 0 ] || die "no queries"

# ---------------------------------------------------------- prerequisites ---
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

APT_UPDATED=0
apt_install() {
	command -v apt-get >/dev/null || die "missing $*; no apt-get: install by hand"
	if [ "$APT_UPDATED" = 0 ]; then
		log "apt-get update"
		as_root apt-get update -qq >&2
		APT_UPDATED=1
	fi
	log "apt-get install -y $*"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

need_pkgs=()
[ -x /usr/bin/time ] || need_pkgs+=(time)
command -v jq >/dev/null || need_pkgs+=(jq)
if [ "$SKIP_NOTMUCH" = 0 ] && ! command -v notmuch >/dev/null; then need_pkgs+=(notmuch); fi
[ ${#need_pkgs[@]} -eq 0 ] || apt_install "${need_pkgs[@]}"
/usr/bin/time -v true 2>/dev/null || die "/usr/bin/time is not GNU time"

# --------------------------------------------------------------- work dir ---
mkdir -p "$BENCH_DIR"
BENCH_DIR=$(cd "$BENCH_DIR" && pwd)
WORK=$(mktemp -d "$BENCH_DIR/run.XXXXXX")
# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
	local rc=$?
	if [ "$KEEP" = 1 ]; then
		log "kept work dir $WORK"
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log "work dir $WORK"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)
if awk -v l="${LOAD_START%% *}" -v n="$(nproc)" 'BEGIN { exit !(l + 0 > n + 0) }'; then
	log "WARNING: load average $LOAD_START exceeds $(nproc) CPUs; timings will be noisy"
fi

# ---------------------------------------------------------------- helpers ---
now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }

load1() { cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0; }

# phase NAME — optionally wait for the machine to calm down, then note the
# load average in PHASE_LOADS for the report.
PHASE_LOADS=""
phase() {
	local waited=0
	if [ -n "$WAIT_IDLE" ]; then
		while awk -v l="$(load1)" -v m="$WAIT_IDLE" 'BEGIN { exit !(l + 0 >= m + 0) }'; do
			if [ $waited -ge 600 ]; then
				log "load still $(load1) after ${waited}s; going on"
				break
			fi
			[ $waited -gt 0 ] || log "waiting for load < $WAIT_IDLE (now $(load1))"
			sleep 10
			waited=$((waited + 10))
		done
	fi
	PHASE_LOADS="${PHASE_LOADS:+$PHASE_LOADS, }$1 $(load1)"
}

# fmt_div A B [decimals] — A/B, or "n/a".
fmt_div() {
	awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN {
		if (a == "" || b == "" || a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) { print "n/a"; exit }
		printf "%.*f\n", d, a / b }'
}

# stats FILE... — "median worst" in ms from files of microsecond samples.
stats() {
	cat "$@" | sort -n | awk '{ a[NR] = $1 } END {
		if (NR == 0) { print "n/a n/a"; exit }
		m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		printf "%.1f %.1f\n", m / 1000, a[NR] / 1000 }'
}

# timed_rss NAME CMD... — run once under GNU time; sets T_WALL (s), T_RSS_MB,
# T_RC. stdout+stderr of CMD go to $WORK/NAME.log.
timed_rss() {
	local name=$1; shift
	local t0 t1
	t0=$(now_us)
	set +e
	/usr/bin/time -v -o "$WORK/$name.time" "$@" >"$WORK/$name.log" 2>&1
	T_RC=$?
	set -e
	t1=$(now_us)
	T_WALL=$(awk -v u=$((t1 - t0)) 'BEGIN { printf "%.2f", u / 1e6 }')
	T_RSS_MB=$(awk -F: '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$WORK/$name.time")
	[ -n "$T_RSS_MB" ] || T_RSS_MB=n/a
}

# time_runs OUTFILE ERRFILE CMD... — warm-up + $RUNS timed runs; samples in
# microseconds to OUTFILE; returns non-zero if any run failed (stderr of the
# last failing run in ERRFILE).
time_runs() {
	local out=$1 err=$2; shift 2
	local i t0 t1 fail=0
	: >"$out"
	"$@" >/dev/null 2>"$err" || fail=1
	for ((i = 0; i < RUNS; i++)); do
		t0=$(now_us)
		if ! "$@" >/dev/null 2>"$err.run"; then fail=1; cp "$err.run" "$err"; fi
		t1=$(now_us)
		echo $((t1 - t0)) >>"$out"
	done
	return $fail
}

# dossier_total FILE — hit total from `dossier search --json` output. Accepts
# an object with a total/count field (possibly nested), else counts hits.
dossier_total() {
	jq -rs '
		def tot: if type == "object" then
				(.total // .Total // .count // .Count // .total_hits // .TotalHits //
				 (.hits | if type == "array" then length else . end) //
				 (.results | if type == "array" then length else . end) // null)
			elif type == "array" then length else null end;
		if length == 1 then (.[0] | tot) else length end
		| if . == null then "?" else tostring end' "$1" 2>/dev/null || echo "?"
}

# ----------------------------------------------------------------- corpus ---
DOSSIER=""
if [ "$SKIP_DOSSIER" = 0 ]; then
	if [ -n "$DOSSIER_BIN" ]; then
		if [ ! -f "$DOSSIER_BIN" ] || [ ! -x "$DOSSIER_BIN" ]; then die "$DOSSIER_BIN is not an executable file"; fi
		DOSSIER=$(cd "$(dirname "$DOSSIER_BIN")" && pwd)/$(basename "$DOSSIER_BIN")
	else
		command -v go >/dev/null || die "go not found (need Go >= the version in go.mod, or pass --dossier-bin)"
		[ -d "$REPO_DIR/cmd/dossier" ] || die "$REPO_DIR/cmd/dossier does not exist yet (use --skip-dossier for a notmuch-only run)"
		log "building dossier (go build -tags sqlite_fts5)"
		(cd "$REPO_DIR" && go build -tags sqlite_fts5 -o "$WORK/dossier" ./cmd/dossier) >&2 ||
			die "go build failed"
		DOSSIER=$WORK/dossier
	fi
fi

if [ -n "$SCALE" ]; then
	CORPUS=$WORK/generated
	COLLECTION=synthetic
	log "generating $SCALE synthetic messages (dossier generate --format maildir)"
	timed_rss generate "$DOSSIER" generate --messages "$SCALE" --format maildir "$CORPUS"
	[ "$T_RC" = 0 ] || { cat "$WORK/generate.log" >&2; die "dossier generate failed (rc=$T_RC)"; }
	GEN_WALL=$T_WALL
	log "generated in ${GEN_WALL}s"
	# index only the mail (maildir/), as generated.
	[ ! -d "$CORPUS/maildir" ] || CORPUS=$CORPUS/maildir
	CORPUS_LABEL="synthetic leak (dossier generate --messages $SCALE --format maildir)"
else
	CORPUS=${CORPUS:-$CORPUS_ROOT/enron/maildir}
	COLLECTION=enron
	CORPUS_LABEL="Enron inbox folders ($CORPUS)"
fi
[ -d "$CORPUS" ] || die "corpus $CORPUS not found"
CORPUS=$(cd "$CORPUS" && pwd)
N_FILES=$(find "$CORPUS" -type f | wc -l)
N_FILES=${N_FILES// /}
[ "$N_FILES" -gt 0 ] || die "no files under $CORPUS"
CORPUS_BYTES=$(du -sb "$CORPUS" | cut -f1)
log "corpus: $N_FILES files, $CORPUS_BYTES bytes under $CORPUS"

# ---------------------------------------------------------------- notmuch ---
NM_VERSION=n/a NM_WALL=n/a NM_RSS=n/a NM_COUNT=n/a NM_DB=n/a NM_TOTAL=n/a
if [ "$SKIP_NOTMUCH" = 0 ]; then
	NM_VERSION=$(notmuch --version 2>/dev/null | awk '{ print $2 }')
	NM_MAILDIR=$WORK/notmuch-mail
	log "copying corpus for notmuch -> $NM_MAILDIR"
	cp -r "$CORPUS" "$NM_MAILDIR"
	export NOTMUCH_CONFIG=$WORK/notmuch-config
	# Fresh config: default new.tags, no ignores, no excluded tags, no flag
	# sync (files are not in cur/new anyway). notmuch indexes every regular
	# file under database.path except its own .notmuch directory.
	cat >"$NOTMUCH_CONFIG" <<EOF
[database]
path=$NM_MAILDIR
[user]
name=Bench
primary_email=bench@example.invalid
[new]
tags=unread;inbox;
ignore=
[search]
exclude_tags=
[maildir]
synchronize_flags=false
EOF
	phase "notmuch new"
	log "notmuch new (notmuch $NM_VERSION, single-threaded)"
	timed_rss notmuch-new notmuch new
	[ "$T_RC" = 0 ] || { tail -20 "$WORK/notmuch-new.log" >&2; die "notmuch new failed (rc=$T_RC)"; }
	NM_WALL=$T_WALL NM_RSS=$T_RSS_MB
	NM_COUNT=$(notmuch count '*')
	NM_DB=$(du -sb "$NM_MAILDIR/.notmuch" | cut -f1)
	NM_TOTAL=$(du -sb "$NM_MAILDIR" | cut -f1)
	log "notmuch: ${NM_WALL}s, peak RSS ${NM_RSS} MB, $NM_COUNT messages, index $NM_DB bytes"
fi

# ---------------------------------------------------------------- dossier ---
DS_VERSION=n/a DS_WALL=n/a DS_RSS=n/a DS_BYTES=n/a DS_SUMMARY="" DS_COUNT=n/a
ARCHIVE=$WORK/archive
if [ "$SKIP_DOSSIER" = 0 ]; then
	DS_VERSION=$(cd "$REPO_DIR" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
	if [ -n "$(cd "$REPO_DIR" && git status --porcelain 2>/dev/null | head -1)" ]; then DS_VERSION="$DS_VERSION+dirty"; fi
	# Read the mail from a copy on the same file system as notmuch's copy, so
	# neither tool reads from a slower mount (synthetic corpora are already
	# in the work dir).
	DS_MAIL=$CORPUS
	case "$CORPUS" in
	"$WORK"/*) ;;
	*)
		DS_MAIL=$WORK/dossier-mail
		log "copying corpus for dossier -> $DS_MAIL"
		cp -r "$CORPUS" "$DS_MAIL"
		;;
	esac
	phase "dossier ingest"
	log "dossier ingest --collection $COLLECTION $DS_MAIL"
	timed_rss dossier-ingest "$DOSSIER" --archive "$ARCHIVE" ingest --collection "$COLLECTION" "$DS_MAIL"
	if [ "$T_RC" != 0 ]; then
		tail -20 "$WORK/dossier-ingest.log" >&2
		die "dossier ingest failed (rc=$T_RC)"
	fi
	DS_WALL=$T_WALL DS_RSS=$T_RSS_MB
	DS_BYTES=$(du -sb "$ARCHIVE" | cut -f1)
	# Summary lines: "collection ...", "input files N = N indexed + ...",
	# "all items ...". Keep them, without the progress lines.
	DS_SUMMARY=$(grep -v '^ingest:' "$WORK/dossier-ingest.log" | tail -n 15)
	DS_COUNT=$(awk '/input files/ && /indexed/ { for (i = 1; i <= NF; i++) if ($i == "indexed") { v = $(i - 1); gsub(/,/, "", v); print v; exit } }' "$WORK/dossier-ingest.log")
	DS_COUNT=${DS_COUNT:-?}
	log "dossier: ${DS_WALL}s, peak RSS ${DS_RSS} MB, archive $DS_BYTES bytes"
	log "dossier ingest summary:"
	printf '%s\n' "$DS_SUMMARY" | sed 's/^/    /' >&2
fi

# --------------------------------------------------------------- searches ---
mkdir -p "$WORK/samples"
read -r -a ds_flags <<<"$DS_SEARCH_FLAGS"
phase "searches"
ROWS=()
PROBLEMS=()
for i in "${!QUERIES[@]}"; do
	q=${QUERIES[$i]}
	nm_hits=- nm_med=- nm_max=- ds_hits=- ds_med=- ds_max=-
	if [ "$SKIP_NOTMUCH" = 0 ]; then
		log "notmuch search [$((i + 1))/${#QUERIES[@]}] $q"
		nm_hits=$(notmuch count -- "$q" 2>"$WORK/samples/nm.$i.err") || { nm_hits=ERR; PROBLEMS+=("notmuch count \`$q\`: $(head -c 300 "$WORK/samples/nm.$i.err")"); }
		if time_runs "$WORK/samples/nm.$i" "$WORK/samples/nm.$i.err" \
			notmuch search --output=messages --sort=newest-first --limit="$LIMIT" -- "$q"; then :; else
			PROBLEMS+=("notmuch search \`$q\` failed: $(head -c 300 "$WORK/samples/nm.$i.err")")
		fi
		read -r nm_med nm_max < <(stats "$WORK/samples/nm.$i")
	fi
	if [ "$SKIP_DOSSIER" = 0 ]; then
		log "dossier search [$((i + 1))/${#QUERIES[@]}] $q"
		if "$DOSSIER" --archive "$ARCHIVE" search --json --limit "$LIMIT" "$q" >"$WORK/samples/ds.$i.json" 2>"$WORK/samples/ds.$i.err"; then
			ds_hits=$(dossier_total "$WORK/samples/ds.$i.json")
			[ "$ds_hits" != "?" ] || PROBLEMS+=("dossier search --json \`$q\`: could not find a hit total in: $(head -c 300 "$WORK/samples/ds.$i.json")")
		else
			ds_hits=ERR
			PROBLEMS+=("dossier search --json \`$q\` failed: $(head -c 300 "$WORK/samples/ds.$i.err")")
		fi
		if time_runs "$WORK/samples/ds.$i" "$WORK/samples/ds.$i.err" \
			"$DOSSIER" --archive "$ARCHIVE" search ${ds_flags[@]+"${ds_flags[@]}"} --limit "$LIMIT" "$q"; then :; else
			PROBLEMS+=("dossier search \`$q\` failed: $(head -c 300 "$WORK/samples/ds.$i.err")")
		fi
		read -r ds_med ds_max < <(stats "$WORK/samples/ds.$i")
	fi
	note=""
	if [ "$SKIP_NOTMUCH" = 0 ] && [ "$SKIP_DOSSIER" = 0 ]; then
		if [ "$nm_hits" != "$ds_hits" ]; then note="≠"; fi
		if [ "$ds_hits" = 0 ] && [ "$nm_hits" != 0 ]; then note="dossier finds nothing"; fi
	fi
	ratio=$(fmt_div "$ds_med" "$nm_med")
	qcell=${q//|/\\|}
	ROWS+=("| \`$qcell\` | $nm_hits | $ds_hits | $note | $nm_med | $nm_max | $ds_med | $ds_max | $ratio |")
done

NM_S_MED=n/a NM_S_MAX=n/a DS_S_MED=n/a DS_S_MAX=n/a
nm_files=() ds_files=()
for i in "${!QUERIES[@]}"; do
	nm_files+=("$WORK/samples/nm.$i")
	ds_files+=("$WORK/samples/ds.$i")
done
if [ "$SKIP_NOTMUCH" = 0 ]; then
	read -r NM_S_MED NM_S_MAX < <(stats "${nm_files[@]}")
fi
if [ "$SKIP_DOSSIER" = 0 ]; then
	read -r DS_S_MED DS_S_MAX < <(stats "${ds_files[@]}")
fi

# ----------------------------------------------------------------- report ---
rate() { fmt_div "$N_FILES" "$1" 0; }
mb() { awk -v b="$1" 'BEGIN { if (b !~ /^[0-9]+$/) print "n/a"; else printf "%.1f", b / 1048576 }'; }
NM_RATE=$(rate "$NM_WALL") DS_RATE=$(rate "$DS_WALL")
CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown)
MEM=$(awk '/^MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo 2>/dev/null || echo unknown)

report() {
	echo "## dossier vs notmuch: $CORPUS_LABEL"
	echo
	echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs ($CPU), $MEM RAM, $(uname -sr)."
	echo "notmuch $NM_VERSION; dossier $DS_VERSION. $N_FILES message files, $CORPUS_BYTES bytes ($(mb "$CORPUS_BYTES") MB)."
	echo "Load average (1/5/15 min) at start: $LOAD_START; at end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a); 1-min load as each phase began: $PHASE_LOADS (other work on the machine skews times)."
	[ -z "${GEN_WALL:-}" ] || echo "Corpus generated by \`dossier generate\` in ${GEN_WALL}s (not included below)."
	echo
	echo "| | notmuch | dossier | dossier/notmuch |"
	echo "|---|---:|---:|---:|"
	echo "| messages indexed | $NM_COUNT | $DS_COUNT | |"
	echo "| ingest wall (s) | $NM_WALL | $DS_WALL | $(fmt_div "$DS_WALL" "$NM_WALL") |"
	echo "| messages/s | $NM_RATE | $DS_RATE | $(fmt_div "$DS_RATE" "$NM_RATE") |"
	echo "| peak RSS (MB) | $NM_RSS | $DS_RSS | $(fmt_div "$DS_RSS" "$NM_RSS") |"
	echo "| on disk: index only, bytes (MB) | $NM_DB ($(mb "$NM_DB")) | | |"
	echo "| on disk: index + originals, bytes (MB) | $NM_TOTAL ($(mb "$NM_TOTAL")) | $DS_BYTES ($(mb "$DS_BYTES")) | $(fmt_div "$DS_BYTES" "$NM_TOTAL") |"
	echo "| on disk vs notmuch index only | | | $(fmt_div "$DS_BYTES" "$NM_DB") |"
	echo "| search median, all runs (ms) | $NM_S_MED | $DS_S_MED | $(fmt_div "$DS_S_MED" "$NM_S_MED") |"
	echo "| search worst, all runs (ms) | $NM_S_MAX | $DS_S_MAX | $(fmt_div "$DS_S_MAX" "$NM_S_MAX") |"
	echo
	echo "Ingest: notmuch = \`notmuch new\` on a copy of the corpus (single-threaded); dossier = \`dossier ingest --collection $COLLECTION\` on another copy in the same directory"
	echo "(its archive holds the originals, so compare it with notmuch's index + mail copy). Peak RSS from GNU time -v."
	echo
	echo "Searches: ${#QUERIES[@]} queries, 1 warm-up + $RUNS timed whole-process runs each, per tool. notmuch:"
	echo "\`notmuch search --output=messages --sort=newest-first --limit=$LIMIT\` (date order: notmuch has no relevance ranking);"
	echo "dossier: \`dossier search${DS_SEARCH_FLAGS:+ $DS_SEARCH_FLAGS} --limit $LIMIT\` (relevance order; facets only with --facets). Hits: \`notmuch count\` (messages) vs dossier \`search --json\` total."
	echo "≠ marks a hit-count mismatch. dossier counts documents (messages, plus attachments and embedded messages"
	echo "that match), notmuch counts messages; the two tokenizers and stemmers also differ (e.g. dossier stems field terms)."
	echo
	echo "| query | notmuch hits | dossier hits | | notmuch median ms | notmuch worst ms | dossier median ms | dossier worst ms | dossier/notmuch median |"
	echo "|---|---:|---:|---|---:|---:|---:|---:|---:|"
	printf '%s\n' "${ROWS[@]}"
	if [ -n "$DS_SUMMARY" ]; then
		echo
		echo "dossier ingest summary (last lines of its output):"
		echo
		echo '```'
		printf '%s\n' "$DS_SUMMARY"
		echo '```'
	fi
	if [ ${#PROBLEMS[@]} -gt 0 ]; then
		echo
		echo "Problems:"
		echo
		printf -- '- %s\n' "${PROBLEMS[@]}" | tr -d '\r'
	fi
}

report | tee "$BENCH_DIR/result.md"
if [ -n "$SCALE" ]; then
	cp "$BENCH_DIR/result.md" "$BENCH_DIR/result-scale-$SCALE.md"
	if [ ! -s "$BENCH_DIR/scale.md" ]; then
		{
			echo "| date | messages | ingest wall s | messages/s | peak RSS MB | archive MB | search median ms | search worst ms | dossier |"
			echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
		} >"$BENCH_DIR/scale.md"
	fi
	echo "| $(date -u +%Y-%m-%dT%H:%MZ) | $N_FILES | $DS_WALL | $DS_RATE | $DS_RSS | $(mb "$DS_BYTES") | $DS_S_MED | $DS_S_MAX | $DS_VERSION |" >>"$BENCH_DIR/scale.md"
	log "scale row appended to $BENCH_DIR/scale.md"
fi
log "report written to $BENCH_DIR/result.md"
exit 0
}
