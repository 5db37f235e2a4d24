#!/usr/bin/env bash
# JetStream publish-rate matrix with jsbench (a `nats bench --js` stand-in built on Debian's
# nats.go) against a private nats-server on a free loopback port. Installs nothing; builds
# jsbench offline; stops everything it started. See perf/jsbench/README.md.
#
#   bash perf/jsbench/run.sh                      # the fixed matrix, RUNS=3 interleaved
#   RUNS=5 MODES="sync batch:100" bash perf/jsbench/run.sh
#
# Knobs (environment): RUNS (3), MSGS total per case (200000), SIZE bytes (100), MAXSEC cap per
# case (10), PUBS ("1 3"), MODES ("sync async:256 batch:256"), STORAGES ("memory file"),
# OUT (results folder; default a new /tmp/jsbench-results.XXXXXX, kept).
set -euo pipefail

RUNS=${RUNS:-3}
MSGS=${MSGS:-200000}
SIZE=${SIZE:-100}
MAXSEC=${MAXSEC:-10}
PUBS=${PUBS:-"1 3"}
MODES=${MODES:-"sync async:256 batch:256"}
STORAGES=${STORAGES:-"memory file"}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GOLIB=/usr/share/gocode

# --- toolchain check (install nothing; say what is missing) -------------------------------
missing=()
command -v go >/dev/null 2>&1 || missing+=(golang-go)
[ -d "$GOLIB/src/github.com/nats-io/nats.go" ] || missing+=(golang-github-nats-io-go-nats-dev)
NATS_SERVER=$(command -v nats-server 2>/dev/null || true)
if [ -z "$NATS_SERVER" ] && [ -x /usr/sbin/nats-server ]; then NATS_SERVER=/usr/sbin/nats-server; fi
[ -n "$NATS_SERVER" ] || missing+=(nats-server)
command -v timeout >/dev/null 2>&1 || missing+=(coreutils)
if [ ${#missing[@]} -gt 0 ]; then
    echo "run.sh: missing: ${missing[*]}" >&2
    echo "run.sh: install with: apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
fi

WORK=$(mktemp -d /tmp/jsbench-work.XXXXXX)
OUT=${OUT:-$(mktemp -d /tmp/jsbench-results.XXXXXX)}
mkdir -p "$OUT"
SRV_PID=""
cleanup() {
    local rc=$?
    if [ -n "$SRV_PID" ] && kill -0 "$SRV_PID" 2>/dev/null; then
        kill "$SRV_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$SRV_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$SRV_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- build (offline, GOPATH mode on Debian's Go libraries) --------------------------------
echo "== build"
(cd "$HERE" && GO111MODULE=off GOPATH="$GOLIB" GOPROXY=off GOFLAGS="" \
    GOCACHE="${GOCACHE:-$WORK/gocache}" go build -o "$WORK/jsbench" .)
BENCH="$WORK/jsbench"

# --- a private nats-server with JetStream on a free port ----------------------------------
mkdir -p "$WORK/store" "$WORK/ports"
"$NATS_SERVER" -a 127.0.0.1 -p -1 -js -sd "$WORK/store" --ports_file_dir "$WORK/ports" \
    >"$WORK/nats-server.log" 2>&1 &
SRV_PID=$!
PORT=""
for _ in $(seq 100); do
    f=$(find "$WORK/ports" -name "*.ports" 2>/dev/null | head -1)
    if [ -n "$f" ]; then
        PORT=$(sed -n 's/.*"nats:\/\/[^"]*:\([0-9]\+\)".*/\1/p' "$f")
        [ -n "$PORT" ] && break
    fi
    kill -0 "$SRV_PID" 2>/dev/null || { cat "$WORK/nats-server.log" >&2; exit 1; }
    sleep 0.1
done
[ -n "$PORT" ] || { echo "run.sh: nats-server did not report its port" >&2; cat "$WORK/nats-server.log" >&2; exit 1; }
URL="nats://127.0.0.1:$PORT"
# jsbench opens 1 + pubs connections; the default fd limit is plenty, so ulimit -n is left alone.

# --- the machine and how busy it is --------------------------------------------------------
{
    echo "date: $(date -u +%FT%TZ)"
    echo "nproc: $(nproc)"
    lscpu | grep -E '^(Model name|Thread|Core|Socket|CPU\(s\)|CPU max MHz)' || true
    free -m | sed -n 2p | awk '{print "memory MiB total/used/free: "$2"/"$3"/"$4}'
    echo "nats-server: $("$NATS_SERVER" --version 2>&1 | head -1) (pid $SRV_PID, $URL, store $WORK/store)"
    echo "go: $(go version)"
    echo "nats.go: $(dpkg-query -W -f='${Version}' golang-github-nats-io-go-nats-dev 2>/dev/null || echo '?') (Debian golang-github-nats-io-go-nats-dev)"
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "matrix: storages=[$STORAGES] pubs=[$PUBS] modes=[$MODES] size=${SIZE}B msgs=$MSGS/case cap=${MAXSEC}s runs=$RUNS (interleaved)"
} | tee "$OUT/machine.txt"

# --- the matrix, RUNS times, interleaved ---------------------------------------------------
JSONL="$OUT/results.jsonl"
: >"$JSONL"
for run in $(seq "$RUNS"); do
    echo "== run $run/$RUNS"
    for storage in $STORAGES; do
        for pubs in $PUBS; do
            for m in $MODES; do
                mode=${m%%:*}
                window=256
                [ "$mode" != "$m" ] && window=${m#*:}
                label="$storage/${pubs}pub/$m/${SIZE}B"
                timeout $((MAXSEC + 90)) "$BENCH" -url "$URL" -server-pid "$SRV_PID" \
                    -stream benchstream -subject bench.js -storage "$storage" \
                    -pubs "$pubs" -msgs "$MSGS" -size "$SIZE" -mode "$mode" -window "$window" \
                    -duration "${MAXSEC}s" -label "$label" -json "$JSONL" -q \
                    || echo "run.sh: case $label failed (rc=$?)" >&2
            done
        done
    done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt"

echo
echo "== medians of $RUNS runs (msgs/s count a message once its publish ack is back; payload ${SIZE} B; MB = 10^6 B of payload)"
"$BENCH" summarize "$JSONL" | tee "$OUT/table.md"
echo
echo "results: $OUT (machine.txt, results.jsonl, table.md)"
