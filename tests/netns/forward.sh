#!/bin/bash
# The userspace forwarder alone, on its own three namespaces:
#   client (c0 198.18.0.1) -- lc [link: forward_drive] ls -- (s0 198.18.0.2) server
# asserts that ping sees the configured delay and that iperf3 sees the
# configured rate, and that the counters agree with the traffic.
set -u

if [ "$(id -u)" != 0 ]; then
	echo "forward: needs root" >&2
	exit 77
fi
for t in ip ethtool ping iperf3; do
	command -v "$t" >/dev/null || { echo "forward: $t not installed" >&2; exit 77; }
done
DRIVE=${TFOLAB_FORWARD_DRIVE:-${TFOLAB_BUILD:-.}/tests/netns/forward_drive}
if [ ! -x "$DRIVE" ]; then
	echo "forward: driver not found at $DRIVE (set TFOLAB_FORWARD_DRIVE)" >&2
	exit 1
fi

P=tfl-t$$
C=$P-c L=$P-l S=$P-s
TMP=$(mktemp -d /tmp/tfl-forward.XXXXXX)
DRIVE_PID=
IPERF_PID=

cleanup() {
	[ -n "$DRIVE_PID" ] && kill -KILL "$DRIVE_PID" 2>/dev/null
	[ -n "$IPERF_PID" ] && kill -KILL "$IPERF_PID" 2>/dev/null
	wait 2>/dev/null
	for n in "$C" "$L" "$S"; do
		ip netns del "$n" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
	echo "forward: FAIL: $*" >&2
	for f in "$TMP"/*.out "$TMP"/*.err; do
		[ -s "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }
	done
	exit 1
}

ip netns add "$C" && ip netns add "$L" && ip netns add "$S" || fail "ip netns add"
ip link add c0 netns "$C" type veth peer name lc netns "$L" || fail "veth c0/lc"
ip link add s0 netns "$S" type veth peer name ls netns "$L" || fail "veth s0/ls"
for pair in "$C c0" "$L lc" "$L ls" "$S s0"; do
	set -- $pair
	ip netns exec "$1" ethtool -K "$2" tso off gso off gro off tx off >/dev/null 2>&1 ||
		fail "ethtool -K $2"
	ip -n "$1" link set "$2" up || fail "link $2 up"
done
for n in "$C" "$L" "$S"; do ip -n "$n" link set lo up; done
ip -n "$C" addr add 198.18.0.1/24 dev c0 || fail "addr c0"
ip -n "$S" addr add 198.18.0.2/24 dev s0 || fail "addr s0"

# start_drive ARGS...: runs the forwarder in the link namespace and waits
# until it says it is ready.
start_drive() {
	ip netns exec "$L" "$DRIVE" lc ls "$@" >"$TMP/drive.out" 2>"$TMP/drive.err" &
	DRIVE_PID=$!
	for _ in $(seq 100); do
		grep -q '^ready$' "$TMP/drive.out" && return 0
		kill -0 "$DRIVE_PID" 2>/dev/null || fail "forward_drive $* exited"
		sleep 0.05
	done
	fail "forward_drive $* not ready after 5 s"
}

# stop_drive: SIGTERM, then the counters are in $TMP/drive.out.
stop_drive() {
	kill -TERM "$DRIVE_PID"
	wait "$DRIVE_PID" || fail "forward_drive exited with status $?"
	DRIVE_PID=
	# The forwarder's own failures (or a sanitizer's) only reach stderr.
	! grep -qi 'error\|sanitizer\|warning' "$TMP/drive.err" || fail "forward_drive complained"
}

# counter DIR NAME: a counter printed by forward_drive.
counter() {
	awk -v d="$1" -v k="$2" '$1 == d { for (i = 2; i <= NF; i++) {
		split($i, kv, "="); if (kv[1] == k) print kv[2] } }' "$TMP/drive.out"
}

# 0. A failure in the forwarder reaches the caller, naming the interface and the call.
if ip netns exec "$L" "$DRIVE" lc tfl-nosuch >"$TMP/bad.out" 2>"$TMP/bad.err"; then
	fail "forward_drive started on a missing interface"
fi
grep -q 'tfl-nosuch.*if_nametoindex' "$TMP/bad.err" || fail "no useful message for a missing interface"
rm -f "$TMP/bad.out" "$TMP/bad.err"

# 1. Delay: 50 ms each way gives a 100 ms RTT.
start_drive --up-delay 50ms --down-delay 50ms --log "$TMP/ev"
# The first ping also resolves ARP through the link; keep it out of the average.
ip netns exec "$C" ping -c 1 -W 2 198.18.0.2 >/dev/null || fail "no ping through the link"
ip netns exec "$C" ping -c 10 -i 0.2 -q 198.18.0.2 >"$TMP/ping.out" 2>&1 || fail "ping"
avg=$(sed -n 's|^rtt min/avg/max/mdev = [0-9.]*/\([0-9.]*\)/.*|\1|p' "$TMP/ping.out")
[ -n "$avg" ] || fail "no RTT in the ping output"
echo "forward: 50ms+50ms: ping avg RTT $avg ms"
awk -v a="$avg" 'BEGIN { exit !(a >= 99 && a <= 110) }' ||
	fail "ping avg RTT $avg ms, expected 99-110 ms"
stop_drive
up=$(counter up pkts)
down=$(counter down pkts)
echo "forward: counters up $up down $down pkts"
# 11 echo requests and replies, plus ARP.
[ "${up:-0}" -ge 11 ] && [ "${down:-0}" -ge 11 ] || fail "counters up=$up down=$down, expected >= 11"
[ "$(counter up drops_queue)" = 0 ] || fail "queue drops in the ping test"
[ "$(counter down send_errors)" = 0 ] || fail "send errors in the ping test"
# The event log, flushed at exit, has one delivery line per counted packet.
for d in up down; do
	n=$(grep -c '^[0-9.]* - ' "$TMP/ev.$d")
	[ "$n" = "$(counter $d pkts)" ] || fail "event log $d: $n deliveries, counters $(counter $d pkts)"
done

# 2. Rate: 1 Mbit/s down limits a reverse (server -> client) transfer.
start_drive --down-rate 1mbit
ip netns exec "$S" iperf3 -s -1 -B 198.18.0.2 >"$TMP/iperf_s.out" 2>&1 &
IPERF_PID=$!
sleep 0.5
ip netns exec "$C" iperf3 -c 198.18.0.2 -R -t 3 -f k >"$TMP/iperf.out" 2>&1 ||
	fail "iperf3 -R"
wait "$IPERF_PID"
IPERF_PID=
kbps=$(awk '/receiver/ { for (i = 1; i <= NF; i++) if ($i == "Kbits/sec") print $(i - 1) }' \
	"$TMP/iperf.out")
[ -n "$kbps" ] || fail "no receiver rate in the iperf3 output"
echo "forward: 1mbit down: iperf3 -R receiver $kbps kbit/s"
awk -v r="$kbps" 'BEGIN { exit !(r >= 850 && r <= 1000) }' ||
	fail "iperf3 -R at 1mbit: $kbps kbit/s, expected 850-1000"
stop_drive
bytes=$(counter down bytes)
[ "${bytes:-0}" -gt 300000 ] || fail "down bytes $bytes, expected > 300000 after 3 s at 1 Mbit/s"
echo "forward: ok"
