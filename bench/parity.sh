#!/usr/bin/env bash
# Benchmark (not a test): the two link backends on one fixed workload, under
# Debian's Linux 6.1 (tests/uml/run), the only kernel here with sch_netem.
#
#   bench/parity.sh [--rounds R] [--loads N]
#   bench/parity.sh --summarize LOG   (the summary of a saved output)
#       boots UML R times (default 3); in each, per backend (userspace,
#       netem), workload and TFO mode (off, on), makes one warm-up load and
#       N counted loads (default 5), alternating off and on.  Workloads at
#       100 ms RTT: one 1000-byte object with no rate limit (the delay
#       alone), and wikipedia-tcp at 4mbit down / 256kbit up with the
#       default large queue (delay, rate and queue).
#
# It prints every load ("load ROUND BACKEND PAGE TFO PLT_MS VALID STALLED"),
# then per workload and mode the median PLT of each backend over all its
# valid loads (stalled ones included: netem cannot tell them, medians resist them),
# netem - userspace in ms and %, the per-round medians and the minimums
# (UML schedules processes in 10 ms steps: a load takes its ideal time or
# about 10 ms more, so medians move by chance and minimums show the link).  Run it only
# on an otherwise idle machine: it times packets.
set -euo pipefail
cd "$(dirname "$0")/.."
export TFOLAB_BIN=${TFOLAB_BIN:-$PWD/build/tfolab}
rounds=3 loads=5 inside=0 summarize=
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --loads) loads=$2; shift 2 ;;
    --inside) inside=$2; shift 2 ;;  # the round number, inside UML
    --summarize) summarize=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "parity: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

summary() { # summary LOG
  python3 - "$1" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.startswith("load ")]
by = {}
for _, rnd, be, page, tfo, plt, valid, stalled in rows:
    if valid == "1":
        by.setdefault((page, tfo, be), {}).setdefault(rnd, []).append(float(plt))
print("| workload | TFO | userspace PLT (ms) | netem PLT (ms) | netem - userspace | per-round medians u / n | min u / n |")
print("|---|---|---|---|---|---|---|")
for page in ("one-object", "wikipedia-tcp"):
    for tfo in ("off", "on"):
        u = by.get((page, tfo, "userspace"), {}); n = by.get((page, tfo, "netem"), {})
        if not u or not n:
            print(f"| {page} | {tfo} | no valid loads |"); continue
        mu = statistics.median(x for v in u.values() for x in v)
        mn = statistics.median(x for v in n.values() for x in v)
        rounds = " ; ".join(f"{statistics.median(u.get(r, [0])):.1f} / {statistics.median(n.get(r, [0])):.1f}"
                            for r in sorted(set(u) | set(n)))
        lo = f"{min(x for v in u.values() for x in v):.1f} / {min(x for v in n.values() for x in v):.1f}"
        print(f"| {page} | {tfo} | {mu:.1f} | {mn:.1f} | {mn - mu:+.1f} ({(mn - mu) / mu * 100:+.1f}%) | {rounds} | {lo} |")
PY
}
if [ -n "$summarize" ]; then summary "$summarize"; exit 0; fi
if [ "$inside" = 0 ]; then
  out=$(mktemp); trap 'rm -f "$out"' EXIT
  for r in $(seq "$rounds"); do
    tests/uml/run --timeout 1800 -- bash bench/parity.sh --inside "$r" --loads "$loads" | tee -a "$out"
  done
  summary "$out"
  exit 0
fi

# Inside UML: the loads of one round.
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
cat > "$t/one.page" <<'PAGE'
name one-object
source bench/parity.sh
date 2026-12-01
0 - origin.test /small.html 1000 400 text/html -
PAGE
chmod -R a+rX "$t"
load() { # load BACKEND PAGE TFO LINKARGS... -> "PLT_MS VALID STALLED" (STALLED: userspace only)
  local be=$1 page=$2 tfo=$3; shift 3
  "$TFOLAB_BIN" load "$page" --link "$be" --rtt 100ms --tfo "$tfo" "$@" --json |
    python3 -c 'import json,sys; j=json.load(sys.stdin); print(round(j["plt_s"]*1000, 2), int(j["valid"]), int(j["link_late"]["stalled"]))'
}
for be in userspace netem; do
  for w in one wiki; do
    if [ $w = one ]; then page=$t/one.page name=one-object args=()
    else page=wikipedia-tcp name=wikipedia-tcp args=(--down 4mbit --up 256kbit); fi
    load "$be" "$page" off "${args[@]}" >/dev/null  # warm-up
    for _ in $(seq "$loads"); do
      for tfo in off on; do
        echo "load $inside $be $name $tfo $(load "$be" "$page" "$tfo" "${args[@]}")"
      done
    done
  done
done
