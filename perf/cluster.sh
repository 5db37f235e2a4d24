#!/usr/bin/env bash
# perf/cluster.sh: what cluster mode costs. The same fanout load, side by side, against
#   (a) one FastChat node without --cluster,
#   (b) one node with --cluster (its order a JetStream stream),
#   (c) NODES nodes with --cluster, the members round-robin over them (fastchat-loadtest --port P1,P2,..).
# (docs/LOADTEST.md, "Several nodes: perf/cluster.sh")
#
# Installs nothing. Needs: dotnet (SDK of global.json), python3, nats-server with JetStream
# (2.9 or later: sudo apt-get install -y nats-server).
# Starts one private nats-server (JetStream, a port it picks, its store in a temporary directory)
# and, for every run, fresh nodes on port 0 in a fresh room (each room is a stream of its own);
# everything it starts it stops, by PID (trap), and every run is bounded (timeout).
#
# Environment:
#   MEMBERS=1000 RATE=1000 SENDERS=10 SIZE=32  the load: members in all, msg/s in all (open model), senders, payload bytes
#   DURATION=20 WARMUP=2       measured / warm-up seconds per run
#   RUNS=3                     runs of each config, interleaved (a b c a b c ...); the table shows medians
#   CONFIGS="a b c" NODES=3    which configs; nodes in (c)
#   STORAGE=file               the stream's storage: file (the server's default) or memory
#   FC_LIMITS="--max-clients-per-address 0 --max-lines-per-second 0 --registration-timeout 0 --idle-timeout 0"
#                              the per-client limits every node runs without, as in perf/compare.sh
#   FC_ARGS=""                 extra arguments for every node
#   FC_SERVER_DLL=path         run this FastChat.Server.dll instead of building the tree's
#   ARTIFACTS=/tmp/art-cluster dotnet --artifacts-path;  OUT=/tmp/fastchat-cluster-<time>  reports and logs
#   REPORT_ONLY=1 OUT=DIR      only print the table of an earlier run in DIR (builds and runs nothing)
# The defaults take about 5 minutes on a 2-core box (9 runs of ~30 s, and the builds).
# CPU columns are % of one core over the measured window. The load tester samples the nodes; this
# script samples nats-server (/proc/PID/stat every 0.2 s) and places the window by the time the
# load tester printed its "[send]" line (sending starts then; the window WARMUP seconds later).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"

MEMBERS="${MEMBERS:-1000}"; RATE="${RATE:-1000}"; SENDERS="${SENDERS:-10}"; SIZE="${SIZE:-32}"
DURATION="${DURATION:-20}"; WARMUP="${WARMUP:-2}"; RUNS="${RUNS:-3}"
CONFIGS="${CONFIGS:-a b c}"; NODES="${NODES:-3}"; STORAGE="${STORAGE:-file}"
FC_LIMITS="${FC_LIMITS---max-clients-per-address 0 --max-lines-per-second 0 --registration-timeout 0 --idle-timeout 0}"
FC_ARGS="${FC_ARGS:-}"
ARTIFACTS="${ARTIFACTS:-/tmp/art-cluster}"
OUT="${OUT:-/tmp/fastchat-cluster-$(date -u +%Y%m%dT%H%M%SZ)}"
manifest="$OUT/manifest.tsv"

log() { printf '%s\n' "$*" >&2; }
die() { log "cluster.sh: $*"; exit 1; }

command -v python3 >/dev/null || die "python3 not found"
for cfg in $CONFIGS; do [[ "$cfg" == [abc] ]] || die "unknown config '$cfg' (a, b or c)"; done
[[ "$STORAGE" == file || "$STORAGE" == memory ]] || die "STORAGE must be file or memory (not '$STORAGE')"

# --- table -----------------------------------------------------------------------------------
report() {
python3 - "$manifest" "$OUT/settings.tsv" "$OUT/nats-cpu.tsv" <<'PY'
import json, statistics, sys
from collections import defaultdict
manifest, settings, samples_path = sys.argv[1:4]
duration, warmup, members, rate, senders, nodes_c, storage, load = open(settings).read().rstrip("\n").split("\t")
duration, warmup = float(duration), float(warmup)

samples = []                      # (epoch seconds, CPU ticks, RSS kB) of nats-server
try:
    for line in open(samples_path):
        t, ticks, rss = line.split()
        samples.append((float(t), int(ticks), int(rss)))
except OSError:
    pass

def ticks_at(t):
    """nats-server's CPU ticks at time t, interpolated between the samples around it."""
    before = [s for s in samples if s[0] <= t]
    after = [s for s in samples if s[0] >= t]
    if not before or not after:
        return None
    (t0, c0, _), (t1, c1, _) = before[-1], after[0]
    return c0 if t1 == t0 else c0 + (c1 - c0) * (t - t0) / (t1 - t0)

def nats_usage(err_path):
    """nats-server's CPU (% of one core) and largest RSS (MB) over a run's measured window."""
    start = None
    for line in open(err_path):
        stamp, _, text = line.partition(" ")
        if text.startswith("[send]"):
            start = float(stamp) + warmup
            break
    if start is None:
        return None, None
    a, b = ticks_at(start), ticks_at(start + duration)
    rss = [s[2] for s in samples if start <= s[0] <= start + duration]
    cpu = None if a is None or b is None else (b - a) / duration   # ticks are 1/100 s: % of a core
    return cpu, (max(rss) / 1024 if rss else None)

runs = defaultdict(list)
failed = []
for line in open(manifest):
    cfg, run, path, err, n = line.rstrip("\n").split("\t")
    try:
        d = json.load(open(path))
        m = d["metrics"]
        if d.get("aborted"):
            raise ValueError("aborted")
    except (OSError, ValueError, KeyError):
        failed.append(f"({cfg}) run {run}: {err}")
        continue
    n = int(n)
    cpu = [m[f"node{i}_server_cpu_pct"] for i in range(1, n + 1)] if n > 1 else [m["server_cpu_pct"]]
    rss = [m[f"node{i}_server_rss_max_mb"] for i in range(1, n + 1)] if n > 1 else [m["server_rss_max_mb"]]
    nats_cpu, nats_rss = nats_usage(err) if cfg != "a" else (None, None)
    runs[cfg].append(dict(dps=m["deliveries/s"], expected=m["expected_deliveries/s"], p50=m["p50"], p99=m["p99"],
                          lost=m["lost_total"], order=m["order"] == 1, cpu=cpu, rss=rss, cpu_total=m["server_cpu_pct"],
                          nats_cpu=nats_cpu, nats_rss=nats_rss, tool=m["tool_cpu_pct"], bottleneck=d.get("tool_bottleneck")))

def med(rs, k):
    vals = [r[k] for r in rs if r[k] is not None]
    return statistics.median(vals) if vals else None

def per_node(rs, k, fmt):
    cols = list(zip(*(r[k] for r in rs)))
    return " / ".join(fmt % statistics.median(c) for c in cols)

def opt(v, fmt):
    return "-" if v is None else fmt % v

desc = {"a": "(a) 1 node, no cluster", "b": "(b) 1 node, cluster", "c": f"(c) {nodes_c} nodes, cluster"}
print(f"\n{members} members, {senders} senders, {rate} msg/s in all (open model), {duration:g} s measured after {warmup:g} s; "
      f"stream storage {storage}; load average at the start {load}")
print(f"medians of {max((len(v) for v in runs.values()), default=0)} run(s); CPU is % of one core over the measured window; "
      "per node: n1 / n2 / ...\n")
print("| config | deliveries/s | p50 | p99 | lost | order ok | server CPU per node (sum) | server RSS per node | nats-server CPU | nats-server RSS | tool CPU |")
print("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|")
for cfg in "abc":
    rs = runs.get(cfg)
    if not rs:
        continue
    print(f"| {desc[cfg]} | {med(rs, 'dps') / 1e6:.3f} M | {med(rs, 'p50'):.1f} ms | {med(rs, 'p99'):.1f} ms | "
          f"{max(r['lost'] for r in rs):.0f} | {'yes' if all(r['order'] for r in rs) else 'NO'} | "
          f"{per_node(rs, 'cpu', '%.0f')} % ({med(rs, 'cpu_total'):.0f} %) | {per_node(rs, 'rss', '%.0f')} MB | "
          f"{opt(med(rs, 'nats_cpu'), '%.0f %%')} | {opt(med(rs, 'nats_rss'), '%.0f MB')} | {med(rs, 'tool'):.0f} % |")
short = [f"({c}) {r['dps']:.0f} of {r['expected']:.0f}" for c in "abc" for r in runs.get(c, []) if r["dps"] < 0.99 * r["expected"]]
if short:
    print("\nruns that delivered less than expected (deliveries/s): " + ", ".join(short))
flagged = [c for c in "abc" for r in runs.get(c, []) if r["bottleneck"]]
if flagged:
    print("\nthe load tester reported itself as the likely bottleneck in runs of: " + ", ".join(sorted(set(flagged))))
if failed:
    print("\nno report (failed or aborted; see the .err file):")
    for f in failed:
        print("- " + f)
PY
}

if [[ -n "${REPORT_ONLY:-}" ]]; then
  [[ -f "$manifest" ]] || die "REPORT_ONLY=1 needs OUT=<directory of an earlier run> ($manifest not found)"
  report
  exit 0
fi

command -v dotnet >/dev/null || die "dotnet not found"
NATS_BIN="$(command -v nats-server || true)"
[[ -n "$NATS_BIN" ]] || die "nats-server not found (install: sudo apt-get install -y nats-server)"
mkdir -p "$OUT"
tmp="$(mktemp -d /tmp/fastchat-cluster-nats.XXXXXX)"

# --- cleanup: everything started here, by PID --------------------------------------------------
NATS_PID=""; SAMPLER_PID=""; NODE_PIDS=()
stop_pids() {   # SIGTERM, up to 10 s (a cluster node says goodbye first), then SIGKILL
  (( $# )) || return 0
  kill "$@" 2>/dev/null || true
  for _ in $(seq 100); do
    local alive=0 p
    for p in "$@"; do kill -0 "$p" 2>/dev/null && alive=1; done
    (( alive )) || break
    sleep 0.1
  done
  kill -9 "$@" 2>/dev/null || true
  for p in "$@"; do wait "$p" 2>/dev/null || true; done
}
stop_nodes() { stop_pids "${NODE_PIDS[@]}"; NODE_PIDS=(); }
cleanup() {
  stop_nodes
  [[ -z "$SAMPLER_PID" ]] || stop_pids "$SAMPLER_PID"
  [[ -z "$NATS_PID" ]] || stop_pids "$NATS_PID"
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- build -----------------------------------------------------------------------------------
# shellcheck source=perf/build.sh
source "$here/build.sh"
build_fastchat loadtest

# Every connection is a file descriptor (the load tester's side here, each node's in its process).
hard="$(ulimit -Hn)"; want=20000
[[ "$hard" == unlimited ]] || (( hard >= want )) || want="$hard"
ulimit -n "$want" 2>/dev/null || true
log "ulimit -n: $(ulimit -n)"

# --- nats-server, and its CPU every 0.2 s ------------------------------------------------------
"$NATS_BIN" -js -a 127.0.0.1 -p -1 -sd "$tmp/store" >"$OUT/nats.log" 2>&1 &
NATS_PID=$!
NATS_URL=""
for _ in $(seq 200); do
  NATS_URL="$(sed -n 's/.*Listening for client connections on \(.*\)$/nats:\/\/\1/p' "$OUT/nats.log" | head -1)"
  [[ -n "$NATS_URL" ]] && grep -q 'Server is ready' "$OUT/nats.log" && break
  kill -0 "$NATS_PID" 2>/dev/null || die "nats-server exited (see $OUT/nats.log)"
  sleep 0.05
done
[[ -n "$NATS_URL" ]] || die "nats-server did not start within 10 s (see $OUT/nats.log)"
log "nats-server pid $NATS_PID at $NATS_URL (JetStream, stream storage $STORAGE, store $tmp/store)"
page_kb=$(( $(getconf PAGESIZE) / 1024 ))
# Fields 14 and 15 of /proc/PID/stat (user, system ticks) come after the command name's last ')'.
sample_nats() {
  local stat rss fields
  while read -r stat <"/proc/$NATS_PID/stat" && read -r _ rss _ <"/proc/$NATS_PID/statm"; do
    read -ra fields <<<"${stat##*) }"
    printf '%s %d %d\n' "$EPOCHREALTIME" $(( fields[11] + fields[12] )) $(( rss * page_kb ))
    sleep 0.2
  done 2>/dev/null
}
sample_nats >"$OUT/nats-cpu.tsv" &
SAMPLER_PID=$!

# --- nodes -----------------------------------------------------------------------------------
NODE_PORTS=()
start_nodes() {   # $1 = config, $2 = run; sets NODE_PIDS, NODE_PORTS
  local cfg="$1" run="$2" count=1 i port
  local room="bench-$cfg-$run-$$-$RANDOM"   # a fresh stream: nobody of an earlier run lingers in it
  [[ "$cfg" == c ]] && count="$NODES"
  NODE_PIDS=(); NODE_PORTS=()
  for i in $(seq "$count"); do
    local args=(--bind 127.0.0.1 --port 0 --stats-interval 0 --max-clients 19000)
    [[ "$cfg" == a ]] || args+=(--cluster "$NATS_URL" --node-id "n$i" --room "$room" --cluster-storage "$STORAGE")
    # shellcheck disable=SC2086
    dotnet "$SRV_DLL" "${args[@]}" $FC_LIMITS $FC_ARGS >"$OUT/$cfg-$run-n$i.out" 2>"$OUT/$cfg-$run-n$i.err" &
    NODE_PIDS+=($!)
  done
  # Up to 30 s: a cold .NET start on a busy 2-core box is slow, and a node joins the cluster first.
  for i in $(seq "$count"); do
    port=""
    for _ in $(seq 600); do
      port="$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$OUT/$cfg-$run-n$i.out" 2>/dev/null | head -1)"
      [[ -n "$port" ]] && break
      kill -0 "${NODE_PIDS[i-1]}" 2>/dev/null || break
      sleep 0.05
    done
    [[ -n "$port" ]] || { log "node n$i did not start (see $OUT/$cfg-$run-n$i.err)"; stop_nodes; return 1; }
    NODE_PORTS+=("$port")
  done
}

# Each line of the load tester's progress, with the time it was printed.
stamp() { local l; while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done; }

# --- runs ------------------------------------------------------------------------------------
maxt=$(( WARMUP + DURATION + 60 ))
: >"$manifest"
top -bn1 2>/dev/null | head -20 >"$OUT/top-start.txt" || true
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$DURATION" "$WARMUP" "$MEMBERS" "$RATE" "$SENDERS" "$NODES" "$STORAGE" \
  "$(cut -d' ' -f1-3 /proc/loadavg)" >"$OUT/settings.tsv"
for run in $(seq "$RUNS"); do
  for cfg in $CONFIGS; do
    f="$OUT/$cfg-$run.json"
    if ! start_nodes "$cfg" "$run"; then
      printf '%s\t%s\t%s\t%s\t%s\n' "$cfg" "$run" "$f" "$OUT/$cfg-$run-n*.err" 0 >>"$manifest"
      continue
    fi
    ports="$(IFS=,; echo "${NODE_PORTS[*]}")"; pids="$(IFS=,; echo "${NODE_PIDS[*]}")"
    log "run $run config ($cfg): ${#NODE_PIDS[@]} node(s), ports $ports, pids $pids"
    # stdout (the JSON report) to the file, stderr (progress) through stamp.
    timeout $(( maxt + 30 )) dotnet "$LT_DLL" fanout --port "$ports" --server-pid "$pids" \
      --clients "$MEMBERS" --senders "$SENDERS" --rate "$RATE" --size "$SIZE" \
      --duration "$DURATION" --warmup "$WARMUP" --drain 2 --max-time "$maxt" --json 2>&1 >"$f" | stamp >"$f.err" \
      || log "  loadtest exit $? (see $f.err)"
    stop_nodes
    printf '%s\t%s\t%s\t%s\t%s\n' "$cfg" "$run" "$f" "$f.err" "${#NODE_PORTS[@]}" >>"$manifest"
  done
done
top -bn1 2>/dev/null | head -20 >"$OUT/top-end.txt" || true

report
log "reports and logs: $OUT"
