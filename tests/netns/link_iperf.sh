# Real iperf3 behind the link: each direction carries its configured rate.
# Generous bounds; `tfolab bench link` reports the precise figures.  A
# measurement whose link the host stalled (--json-stats: link_late.stalled)
# is repeated (lib.sh: STALL_TRIES); one whose every attempt stalled is not
# checked, and the test then skips naming the stall.
. "$(dirname "$0")/lib.sh"
require_root
require_prog iperf3
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
# iperf_bps WHAT ARGS...: BPS = iperf3's received bit/s over a 20 ms link
# with 4mbit down and 1mbit up, from the first attempt that did not stall;
# "" (and the stall recorded) when every attempt did.  Not in a $(...): it
# records the stall in this shell.
iperf_bps() {
  local what=$1 i bps why=; shift
  BPS=
  for i in $(seq "$STALL_TRIES"); do
    bps=$("$BIN" link --link "$LINK" --rtt 20ms --down 4mbit --up 1mbit --json-stats "$t/stats.json" \
            --stall-limit "$STALL_LIMIT" \
            --server-cmd 'iperf3 -s -1 -B $TFOLAB_SERVER >/dev/null' \
            -- sh -c "iperf3 -c \$TFOLAB_SERVER $* -J" |
          python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"])')
    why=$(python3 -c 'import json,sys; l=json.load(open(sys.argv[1]))["link_late"]; print(l["reason"] if l["stalled"] else "")' "$t/stats.json" 2>/dev/null)
    if [ -z "$why" ]; then BPS=${bps:-0}; return 0; fi
    echo "# $what: attempt $i stalled: $why"
  done
  stalled_out "$what" "$why"
}
# rate WHAT LO HI ARGS...: iperf_bps, measured again while outside LO..HI,
# TIMING_TRIES times in all (lib.sh: 3; on netem no witness sees a host
# stall, and on either backend a stalled iperf3 goes unseen); every
# attempt is printed.  A link that carries
# the wrong rate is outside the bounds every time.
rate() {
  local what=$1 lo=$2 hi=$3 i; shift 3
  for i in $(seq "$TIMING_TRIES"); do
    iperf_bps "$what" "$@"
    { [ -z "$BPS" ] || between "$BPS" "$lo" "$hi"; } && return
    echo "# $what: attempt $i of $TIMING_TRIES: $BPS bit/s is outside $lo..$hi" >&2
  done
}
rate "down 4mbit" 3500000 4050000 -R -t 4
[ -n "$BPS" ] && check "down 4mbit: iperf3 -R $BPS bit/s" between "$BPS" 3500000 4050000
rate "up 1mbit" 850000 1020000 -t 4
[ -n "$BPS" ] && check "up 1mbit: iperf3 $BPS bit/s" between "$BPS" 850000 1020000
err=$("$BIN" link --link "$LINK" --stats --rtt 20ms --down 2mbit --server-cmd 'iperf3 -s -1 -B $TFOLAB_SERVER >/dev/null' \
        -- sh -c 'iperf3 -c $TFOLAB_SERVER -R -t 3 >/dev/null' 2>&1)
check "--stats prints both directions' counters" grep -q "link down .* pkts .* bytes" <<<"$err"
check "--stats prints the link's lateness" grep -Eq "link late (max [0-9.]+ ms, [0-9]+ packets|unknown)" <<<"$err"
finish
