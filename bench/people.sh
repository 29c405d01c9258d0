#!/usr/bin/env bash
# bench/people.sh — what watchlist matching costs, on the Enron corpus.
#
# Usage: bench/people.sh [--names N] [--runs N] [--dossier-bin P] [--corpus DIR]
#
# Measures, in one run on one machine (ratios, not absolute times):
#   * ingest of the corpus without a watchlist, and with an N-name watchlist
#     imported first (matching then runs on every document at ingest):
#     the share of ingest time matching adds (target <= 10%);
#   * `dossier watch apply` (re-matching every document from the stored
#     text after a watchlist change) against a full re-ingest with the same
#     watchlist (target: at least 10x faster);
#   * the matcher alone: `go test -bench Match10k ./internal/people` (MB/s of
#     text per core).
# Runs alternate (plain, watched, apply) so load drifts hit all three.
#
# Environment: DOSSIER_CORPUS (default /work/shared/corpus), BENCH_DIR
# (default /tmp/dossier-bench-people).
set -euo pipefail

NAMES=10000
RUNS=3
BIN=""
CORPUS="${DOSSIER_CORPUS:-/work/shared/corpus}/enron/maildir"
BENCH_DIR="${BENCH_DIR:-/tmp/dossier-bench-people}"
while [ $# -gt 0 ]; do
	case "$1" in
	--names) NAMES="$2"; shift 2 ;;
	--runs) RUNS="$2"; shift 2 ;;
	--dossier-bin) BIN="$2"; shift 2 ;;
	--corpus) CORPUS="$2"; shift 2 ;;
	-h | --help) sed -n '2,20p' "$0"; exit 0 ;;
	*) echo "unknown option $1" >&2; exit 2 ;;
	esac
done
cd "$(dirname "$0")/.."
rm -rf "$BENCH_DIR"
mkdir -p "$BENCH_DIR"
if [ -z "$BIN" ]; then
	BIN="$BENCH_DIR/dossier"
	go build -tags sqlite_fts5 -o "$BIN" ./cmd/dossier
fi
[ -d "$CORPUS" ] || { echo "no corpus at $CORPUS" >&2; exit 1; }

# An N-entity watchlist: the Enron executives the tests count, then
# synthetic first+last names (deterministic), each with an alias and an
# address, so the matcher carries ~3N patterns.
WL="$BENCH_DIR/watchlist.yaml"
python3 - "$NAMES" >"$WL" <<'EOF'
import random, sys
n = int(sys.argv[1])
random.seed(2017)
first = ["Jean", "Marie", "Pierre", "Sophie", "Luc", "Anne", "Paul", "Claire", "Michel", "Julie", "John", "Mary",
         "Robert", "Linda", "James", "Susan", "David", "Karen", "Mark", "Nancy", "Steven", "Laura", "Kevin", "Sarah",
         "Thomas", "Emma", "Louis", "Chloe", "Hugo", "Lea", "Jules", "Manon", "Arthur", "Camille", "Gabriel", "Ines"]
last = ["Martin", "Bernard", "Dubois", "Durand", "Lefebvre", "Moreau", "Laurent", "Simon", "Michel", "Garcia",
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
        "Thomas", "Moore", "Jackson", "White", "Harris", "Clark", "Lewis", "Walker", "Hall", "Young", "Allen",
        "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts"]
print("version: 1\npeople:")
print('  - {name: Kenneth Lay, aliases: [Ken Lay, "Kenneth L. Lay"], emails: [kenneth.lay@enron.com, klay@enron.com]}')
print('  - {name: Jeff Skilling, aliases: [Jeffrey Skilling, "Jeffrey K. Skilling"], emails: [jeff.skilling@enron.com]}')
seen = {"kenneth lay", "jeff skilling"}
i = 0
while len(seen) < n:
    i += 1
    f, l = random.choice(first), random.choice(last)
    name = f"{f} {l}{'' if i < 1000 else ' ' + format(i, 'x').capitalize()}"
    if name.lower() in seen:
        continue
    seen.add(name.lower())
    print(f'  - {{name: "{name}", aliases: ["{f[0]}. {name.split(" ", 1)[1]}"], emails: [p{i}@example.org]}}')
EOF

t() { local s; s=$(date +%s.%N); "$@" >/dev/null 2>"$BENCH_DIR/last.err" || { cat "$BENCH_DIR/last.err" >&2; exit 1; }; echo "$(date +%s.%N) - $s" | bc; }

plain=() watched=() apply=()
for r in $(seq "$RUNS"); do
	echo "run $r/$RUNS" >&2
	rm -rf "$BENCH_DIR/plain" "$BENCH_DIR/watched"
	plain+=("$(t "$BIN" --archive "$BENCH_DIR/plain" ingest -q --collection enron "$CORPUS")")
	"$BIN" --archive "$BENCH_DIR/watched" watch import --no-apply "$WL" >/dev/null
	watched+=("$(t "$BIN" --archive "$BENCH_DIR/watched" ingest -q --collection enron "$CORPUS")")
	apply+=("$(t "$BIN" --archive "$BENCH_DIR/watched" watch apply)")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
P=$(median "${plain[@]}") W=$(median "${watched[@]}") A=$(median "${apply[@]}")
people=$("$BIN" --archive "$BENCH_DIR/watched" people --json | python3 -c 'import json,sys; l=json.load(sys.stdin); print(sum(1 for p in l if p["documents"]>0), sum(p["documents"] for p in l))')
bench=$(go test -run X -bench 'Match10k' -benchtime 3x ./internal/people/ 2>/dev/null | awk '/^Benchmark/ {for (i=1;i<=NF;i++) if ($i=="MB/s") print $(i-1)}' | head -1)

cat <<EOF | tee "$BENCH_DIR/result.md"
## People: a ${NAMES}-name watchlist on Enron ($(date -u +%F), $(nproc) cores)

| measure | value |
|---|---|
| ingest without watchlist (median of $RUNS) | ${P} s |
| ingest with the watchlist (matching at ingest) | ${W} s |
| share of ingest time matching adds | $(echo "scale=1; ($W - $P) * 100 / $P" | bc) % |
| \`watch apply\` over the whole archive | ${A} s |
| full re-ingest / \`watch apply\` | $(echo "scale=1; $W / $A" | bc)× |
| entities with at least one document; mentions (documents) | ${people} |
| matcher alone, 10k names (\`BenchmarkMatch10k\`, one core) | ${bench:-?} MB/s |

runs: plain ${plain[*]}; watched ${watched[*]}; apply ${apply[*]}
EOF
