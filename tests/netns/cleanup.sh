# Nothing of a run remains after a normal exit, SIGINT, SIGTERM, or a
# crash (SIGKILL) followed by `tfolab cleanup` or by the next run; two runs
# at the same time do not collide.
. "$(dirname "$0")/lib.sh"
require_root
# A client command no other process on the machine runs.
NAP="59.$$"

# Start `tfolab link -- sleep $NAP` in the background; wait until its
# namespaces exist and its forwarder and client command run.
start_run() {
  "$BIN" link --link "$LINK" --rtt 20ms -- sleep "$NAP" &
  RUN=$!
  for _ in $(seq 200); do
    ls /run/netns 2>/dev/null | grep -q "^tfl-$RUN-.*-c$" && pgrep -f "^sleep $NAP" >/dev/null && return 0
    sleep 0.05
  done
  return 1
}

for sig in INT TERM; do
  start_run || fail "run started ($sig)"
  kill -$sig $RUN
  wait $RUN; rc=$?
  want=$([ $sig = INT ] && echo 130 || echo 143)
  check "SIG$sig: exit status $want ($rc)" [ $rc = $want ]
  check "SIG$sig: no namespace or run dir left" no_leftovers $RUN
  check "SIG$sig: client command stopped" not running "^sleep $NAP"
done

start_run || fail "run started (KILL)"
# The namespaces' inodes, to find their processes once the names are gone.
inodes=$(ns_inodes $RUN)
check "the run's namespaces are seen (${inodes//$'\n'/ })" [ "$(wc -w <<<"$inodes")" = 3 ]
check "the run's processes are seen in them" [ "$(procs_in_inodes $inodes)" -gt 0 ]
kill -KILL $RUN; wait $RUN 2>/dev/null
sleep 0.2
check "SIGKILL: namespaces remain until cleanup" not no_leftovers $RUN
check "SIGKILL: client command died with tfolab" not running "^sleep $NAP"
out=$("$BIN" cleanup); rc=$?
check "cleanup exits 0" [ $rc = 0 ]
check "cleanup reports what it removed: $out" grep -q "3 namespace(s), 1 directory(ies) removed" <<<"$out"
check "SIGKILL + cleanup: nothing left" no_leftovers $RUN
# Line 46 showed the names gone: look in the namespaces themselves, and for
# anything that names the run's prefix or holds its run directory open.
check "no process of the crashed run remains in its namespaces" [ "$(procs_in_inodes $inodes)" = 0 ]
check "no process of the crashed run names it or holds its files" [ "$(run_procs $RUN)" = 0 ]

start_run || fail "run started (KILL, next run)"
kill -KILL $RUN; wait $RUN 2>/dev/null
check "SIGKILL: leftovers present" not no_leftovers $RUN
"$BIN" link --link "$LINK" -- true
check "the next run removed the crashed run's leftovers" no_leftovers $RUN

# A live run is never taken for a crashed one, whatever its binary is
# called: the run's lock says it is alive.
cp "$BIN" "/tmp/tfl-renamed.$$"
"/tmp/tfl-renamed.$$" link --link "$LINK" -- sleep "$NAP" & R=$!
for _ in $(seq 200); do
  ls /run/netns 2>/dev/null | grep -q "^tfl-$R-.*-c$" && running "^sleep $NAP" && break
  sleep 0.05
done
"$BIN" cleanup >/dev/null
check "cleanup leaves a live run of a renamed binary alone" not no_leftovers $R
check "its command still runs" running "^sleep $NAP"
kill -TERM $R; wait $R
check "and it cleans up after itself" no_leftovers $R
rm -f "/tmp/tfl-renamed.$$"

# Two runs at the same time, each pinging through its own link.
t=$(mktemp -d)
"$BIN" link --link "$LINK" --rtt 40ms -- sh -c 'ping -c 10 -i 0.05 -q $TFOLAB_SERVER' > "$t/a" 2>&1 & A=$!
"$BIN" link --link "$LINK" --rtt 80ms -- sh -c 'ping -c 10 -i 0.05 -q $TFOLAB_SERVER' > "$t/b" 2>&1 & B=$!
wait $A; ra=$?; wait $B; rb=$?
check "concurrent run A succeeds" [ $ra = 0 ]
check "concurrent run B succeeds" [ $rb = 0 ]
avg_a=$(sed -n 's|.*= [0-9.]*/\([0-9.]*\)/.*|\1|p' "$t/a"); avg_b=$(sed -n 's|.*= [0-9.]*/\([0-9.]*\)/.*|\1|p' "$t/b")
check "run A saw its own 40 ms link ($avg_a)" between "${avg_a:-0}" 39 50
check "run B saw its own 80 ms link ($avg_b)" between "${avg_b:-0}" 79 90
check "neither left anything" no_leftovers $A
check "neither left anything (B)" no_leftovers $B
rm -rf "$t"
finish
