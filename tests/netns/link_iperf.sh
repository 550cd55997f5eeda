# Real iperf3 behind the link: each direction carries its configured rate.
# Generous bounds; `tfolab bench link` reports the precise figures.
. "$(dirname "$0")/lib.sh"
require_root
require_prog iperf3
bps() { sed -n 's/.*"bits_per_second":[[:space:]]*\([0-9.e+]*\).*/\1/p' | tail -1; }
down=$("$BIN" link --rtt 20ms --down 4mbit --up 1mbit --server-cmd 'iperf3 -s -1 -B $TFOLAB_SERVER >/dev/null' \
        -- sh -c 'iperf3 -c $TFOLAB_SERVER -R -t 4 -J' | python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"])')
check "down 4mbit: iperf3 -R $down bit/s" between "${down:-0}" 3500000 4050000
up=$("$BIN" link --rtt 20ms --down 4mbit --up 1mbit --server-cmd 'iperf3 -s -1 -B $TFOLAB_SERVER >/dev/null' \
        -- sh -c 'iperf3 -c $TFOLAB_SERVER -t 4 -J' | python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"])')
check "up 1mbit: iperf3 $up bit/s" between "${up:-0}" 850000 1020000
err=$("$BIN" link --stats --rtt 20ms --down 2mbit --server-cmd 'iperf3 -s -1 -B $TFOLAB_SERVER >/dev/null' \
        -- sh -c 'iperf3 -c $TFOLAB_SERVER -R -t 3 >/dev/null' 2>&1)
check "--stats prints both directions' counters" grep -q "link down .* pkts .* bytes" <<<"$err"
finish
