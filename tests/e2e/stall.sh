# A trial that a host stall spoils is kept, invalid, and repeated, on the
# userspace link (the only one whose process the test can stop).  The
# test makes a stall as the host does: it stops the link's forwarder
# (SIGSTOP) for 300 ms in the middle of a load; stall_limit is 100 ms, far
# above what the host's own steal does to the forwarder.  The link then delivers
# packets late, so the trial must be stored as a stall, with the late
# packets counted, and repeated until each condition has its trials.
. "$(dirname "$0")/../netns/lib.sh"
require_root
require_prog nginx
require_prog sqlite3
require_prog pgrep
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
q() { sqlite3 "$t/s.db" "$1" 2>/dev/null; }
"$BIN" run "$TFOLAB_SRC/experiments/smoke.conf" --db "$t/s.db" --set trials=3 --set warmup=0 \
  --set rtt=100ms --set stall_limit=100ms --set backend=userspace 2>"$t/err" & pid=$!
# Once the first trial is stored, loads follow each other with gaps of a
# few ms: stop the forwarder for 300 ms every 0.7 s until a stall is
# recorded (a stop that lands in a gap, with the queues empty, is no stall),
# or the run ends (it then fails the checks below).
for _ in $(seq 600); do
  kill -0 $pid 2>/dev/null || break
  [ "$(q 'select count(*) from trials where stalled = 1')" -ge 1 ] 2>/dev/null && break
  if [ "$(q 'select count(*) from trials')" -ge 1 ] 2>/dev/null; then
    fwd=$(pgrep -x tfolab-link -P $pid)
    if [ -n "$fwd" ]; then kill -STOP $fwd; sleep 0.3; kill -CONT $fwd; fi
    sleep 0.4
  fi
  sleep 0.05
done
wait $pid; rc=$?
check "run exits 0 ($rc)" [ $rc = 0 ] || cat "$t/err"
stalls=$(q 'select count(*) from trials where stalled = 1')
check "the stopped forwarder made a stalled trial ($stalls)" [ "${stalls:-0}" -ge 1 ]
check "a stalled trial is invalid, its reason says host stall" \
  [ "$(q "select count(*) from trials where stalled = 1 and (valid = 1 or invalid_reason not like 'host stall%')")" = 0 ]
check "its link counted a packet 100 ms or more late" \
  [ "$(q 'select count(*) from trials t where stalled = 1 and (select max(late_max_ns) from link_stats l where l.trial_id = t.id) >= 100000000')" = "$stalls" ]
check "no other trial had one, and every other trial is valid" \
  [ "$(q 'select count(*) from trials t where stalled = 0 and (valid = 0 or (select max(late_max_ns) from link_stats l where l.trial_id = t.id) >= 100000000)')" = 0 ]
check "the stall was repeated: 3 valid trials per condition" \
  [ "$(q 'select group_concat(n) from (select count(*) n from trials where valid = 1 group by condition_id)')" = "3,3" ]
check "the run's summary counts the stalls" grep -q "of them host stalls, repeated" "$t/err"
check "the progress lines count the stalls too" grep -Eq "^tfolab: progress: .*, [1-9][0-9]* stalls?, elapsed" "$t/err"
out=$("$BIN" table --db "$t/s.db" 2>&1)
check "the table says how many trials a host stall spoiled" grep -q "caught a host stall" <<<"$out"
check "nothing left" no_leftovers $pid
finish
