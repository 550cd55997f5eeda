#!/bin/bash
# tfolab bench link --quick --only rtt,setup: the rows are there with
# numbers (RTT error under a generous 5 ms: 2.3 ms was seen while other
# tests loaded both cores), the exit status is 0, nothing is left behind;
# and an interrupted bench exits 130, leaving nothing either.
set -u

if [ "$(id -u)" != 0 ]; then
	echo "bench_quick: needs root" >&2
	exit 77
fi
for t in ip ping iperf3; do
	command -v "$t" >/dev/null || { echo "bench_quick: $t not installed" >&2; exit 77; }
done
BIN=${TFOLAB_BIN:-${TFOLAB_BUILD:-.}/tfolab}
if [ ! -x "$BIN" ]; then
	echo "bench_quick: tfolab not found at $BIN (set TFOLAB_BIN)" >&2
	exit 1
fi

TMP=$(mktemp -d /tmp/tfl-bench.XXXXXX)
PIDS=()

# Whatever a tfolab run with pid $1 left: namespaces and run directory.
leftovers() {
	ip netns list | awk '{print $1}' | grep "^tfl-$1-"
	ls -d /run/tfolab/tfl-"$1"-* 2>/dev/null
}

cleanup() {
	for p in "${PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
		for n in $(ip netns list | awk '{print $1}' | grep "^tfl-$p-"); do
			ip netns del "$n" 2>/dev/null
		done
		rm -rf /run/tfolab/tfl-"$p"-* 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
	echo "bench_quick: FAIL: $*" >&2
	for f in "$TMP"/*; do
		[ -s "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }
	done
	exit 1
}

# 1. A quick run.
"$BIN" bench link --quick --only rtt,setup >"$TMP/out" 2>"$TMP/err" &
pid=$!
PIDS+=("$pid")
wait "$pid"
rc=$?
[ "$rc" = 0 ] || fail "bench exited with status $rc"
for rtt in 20 100 200; do
	line=$(grep -E "^rtt +${rtt}ms " "$TMP/out") || fail "no row for rtt ${rtt}ms"
	echo "$line" | awk -v rtt="$rtt" '
		$3 == "median" && $6 == "error" && $4 + 0 > 0 && $7 ~ /^[-+][0-9.]+$/ {
			e = $7 + 0; if (e < 0) e = -e
			if (e < 5 && ($4 - rtt < 5 && rtt - $4 < 5)) ok = 1
		}
		END { exit !ok }' || fail "rtt ${rtt}ms row has no median/error within 5 ms: $line"
	echo "$line" | grep -qE ' (meets|misses)$' || fail "rtt ${rtt}ms row has no verdict: $line"
done
line=$(grep -E "^setup " "$TMP/out") || fail "no setup row"
echo "$line" | awk '$3 == "median" && $4 + 0 > 0 && $4 + 0 < 10000 { ok = 1 } END { exit !ok }' ||
	fail "setup row has no median in ms: $line"
grep -qE "^(rate|goodput|overhead|tput|queue) " "$TMP/out" && fail "--only rtt,setup printed other figures"
[ -z "$(leftovers "$pid")" ] || fail "left behind: $(leftovers "$pid")"

# 2. SIGINT in the middle: exit 130, nothing left.
"$BIN" bench link --only rtt --reps 50 >"$TMP/int.out" 2>"$TMP/int.err" &
pid=$!
PIDS+=("$pid")
for _ in $(seq 100); do
	[ -n "$(leftovers "$pid")" ] && break
	sleep 0.1
done
[ -n "$(leftovers "$pid")" ] || fail "no testbed of pid $pid after 10 s"
sleep 1
kill -INT "$pid"
wait "$pid"
rc=$?
[ "$rc" = 130 ] || fail "interrupted bench exited with status $rc, not 130"
[ -z "$(leftovers "$pid")" ] || fail "interrupted bench left behind: $(leftovers "$pid")"
echo "bench_quick: ok"
exit 0
