# Real ping behind the link: RTT as configured (generous bounds; the
# benchmark reports the precise error), per direction delays add up, and
# CMD's exit status comes back.
. "$(dirname "$0")/lib.sh"
require_root
require_prog ping
for rtt in 20 100 200; do
  out=$("$BIN" link --link "$LINK" --rtt ${rtt}ms -- sh -c 'ping -c 10 -i 0.05 -q $TFOLAB_SERVER')
  avg=$(sed -n 's|.*= [0-9.]*/\([0-9.]*\)/.*|\1|p' <<<"$out")
  check "rtt ${rtt}ms: ping avg $avg ms" between "${avg:-0}" "$rtt" "$((rtt + 5))"
done
out=$("$BIN" link --link "$LINK" --delay-up 10ms --delay-down 70ms -- sh -c 'ping -c 5 -i 0.05 -q $TFOLAB_SERVER')
avg=$(sed -n 's|.*= [0-9.]*/\([0-9.]*\)/.*|\1|p' <<<"$out")
check "10 ms up + 70 ms down: ping avg $avg ms" between "${avg:-0}" 80 85
"$BIN" link --link "$LINK" -- sh -c 'exit 7'; rc=$?
check "CMD's exit status comes back (7 = $rc)" [ $rc = 7 ]
"$BIN" link --link "$LINK" -- /nonexistent/cmd 2>/dev/null; rc=$?
check "a missing CMD gives 127 ($rc)" [ $rc = 127 ]
finish
