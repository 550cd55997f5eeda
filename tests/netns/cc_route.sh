# --cc sets the congestion control as a metric of the testbed's routes
# (congctl, RTAX_CC_ALGO), so that it holds for cubic too, which a
# namespace may not make its default on this kernel (only the host's
# net.ipv4.tcp_allowed_congestion_control can be): every connection of a
# load reads back the chosen algorithm (TCP_CONGESTION), the opened ones and
# the accepted ones alike, and an algorithm the kernel lacks fails before
# any load, naming it and what the kernel has.
. "$(dirname "$0")/lib.sh"
require_root
require_prog nginx
require_prog python3
avail=$(cat /proc/sys/net/ipv4/tcp_available_congestion_control)
for a in cubic bbr; do
  grep -qw "$a" <<<"$avail" || { echo "SKIP: the kernel has no $a ($avail)"; exit 77; }
done

load() { # load CC -> "cc cc_used cc_read_back connections"
  "$BIN" load --link "$LINK" wikipedia-tcp --rtt 20ms --down 4mbit --up 256kbit --cc "$1" --json |
    python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["cc"], j["cc_used"] or "-", j["cc_read_back"], j["connections"])'
}
for a in cubic bbr; do
  read -r cc used n conns <<<"$(load $a)"
  check "load --cc $a: the run records $a ($cc)" [ "$cc" = "$a" ]
  check "load --cc $a: the connections read back $a ($used)" [ "$used" = "$a" ]
  check "load --cc $a: read back from every connection ($n of $conns)" \
    [ "${conns:-0}" -gt 0 ] && [ "$n" = "$conns" ]
done

# Both routes carry the metric, and a connection's two ends use it: the
# client's socket and the server's accepted one.
out=$("$BIN" link --link "$LINK" --rtt 20ms --cc cubic -- bash -c '
  ip route
  ip -n ${TFOLAB_PREFIX}-s route
  cc="import socket; TCP_CONGESTION = 13"
  ip netns exec ${TFOLAB_PREFIX}-s python3 -c "$cc
l = socket.create_server((\"$TFOLAB_SERVER\", 9000)); s, _ = l.accept()
print(\"accepted\", s.getsockopt(socket.IPPROTO_TCP, TCP_CONGESTION, 16).rstrip(b\"\0\").decode())" &
  for i in $(seq 50); do
    python3 -c "$cc
s = socket.create_connection((\"$TFOLAB_SERVER\", 9000))
print(\"opened\", s.getsockopt(socket.IPPROTO_TCP, TCP_CONGESTION, 16).rstrip(b\"\0\").decode())" 2>/dev/null && break
    sleep 0.1
  done
  wait' 2>&1)
check "link --cc cubic: the client's route has congctl cubic" grep -q "dev tflc0 .*congctl cubic" <<<"$out"
check "link --cc cubic: the server's route has congctl cubic" grep -q "dev tfls0 .*congctl cubic" <<<"$out"
check "link --cc cubic: the opened connection uses cubic" grep -qx "opened cubic" <<<"$out"
check "link --cc cubic: the accepted connection uses cubic" grep -qx "accepted cubic" <<<"$out"
[ "$FAILS" = 0 ] || echo "$out"

# An algorithm the kernel does not have: an error naming it and listing
# what the kernel has, exit 1, no load, nothing left behind.
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
"$BIN" load --link "$LINK" wikipedia-tcp --rtt 20ms --cc nosuchcc --json >"$t/out" 2>"$t/err" & pid=$!
wait $pid; rc=$?
check "--cc nosuchcc: exit 1 ($rc)" [ "$rc" = 1 ]
check "--cc nosuchcc: the error names it and lists what the kernel has ($avail)" \
  grep -q "congestion control 'nosuchcc' is not available.*tcp_available_congestion_control: $avail" "$t/err"
check "--cc nosuchcc: no load ran (nothing on stdout)" [ ! -s "$t/out" ]
check "--cc nosuchcc: no namespace or run dir left" no_leftovers "$pid"
[ "$rc" = 1 ] || cat "$t/err"
finish
