# An interrupted run loses nothing and --resume finishes it without
# duplicating a trial: once after SIGINT, once after SIGKILL.  A live run's
# database is not run on twice.
. "$(dirname "$0")/../netns/lib.sh"
require_root
require_prog nginx
require_prog sqlite3
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
conf="$TFOLAB_SRC/experiments/smoke.conf"
# stall_limit=off: this test counts trials exactly; stalls are stall.sh's.
set_opts=(--set trials=3 --set warmup=0 --set rtt=20ms --set stall_limit=off
          --set backend=userspace)
q() { sqlite3 "$t/r.db" "$1"; }
wait_trials() { # wait until at least $1 trials are stored
  for _ in $(seq 600); do
    [ "$(q 'select count(*) from trials' 2>/dev/null || echo 0)" -ge "$1" ] && return 0
    sleep 0.1
  done
  return 1
}
# ^C at a terminal signals the whole process group: tfolab, its forwarder
# and nginx.  The trial under way must still finish over a working link.
setsid "$BIN" run "$conf" --db "$t/r.db" "${set_opts[@]}" 2>"$t/err1" & pid=$!
wait_trials 2
# While it is live, a second run or --resume on its database is refused:
# they would collide on UNIQUE(condition_id, seq).
for how in "" --resume; do
  "$BIN" run "$conf" --db "$t/r.db" "${set_opts[@]}" $how 2>"$t/busy"; rc=$?
  check "a second run${how:+ $how} on a live database is refused ($rc)" [ $rc = 1 ]
  check "it says the database is in use, by which pid" grep -q "is in use by a live tfolab run (pid $pid)" "$t/busy"
done
kill -INT -- -$pid; wait $pid; rc=$?
n1=$(q 'select count(*) from trials')
check "SIGINT: exit 130 ($rc)" [ $rc = 130 ]
check "SIGINT: the run is marked interrupted" [ "$(q 'select status from runs')" = interrupted ]
check "SIGINT: some trials stored, not all ($n1 of 6)" between "$n1" 2 5
check "SIGINT to the process group: no trial was spoiled" [ "$(q 'select count(*) from trials where valid = 0 and stalled = 0')" = 0 ]
check "SIGINT: the message says how to resume" grep -q -- "--resume" "$t/err1"
check "SIGINT: nothing left" no_leftovers $pid

"$BIN" run "$conf" --db "$t/r.db" "${set_opts[@]}" --resume 2>"$t/err2" & pid=$!
wait_trials $((n1 + 1)); kill -KILL $pid; wait $pid 2>/dev/null
n2=$(q 'select count(*) from trials')
check "SIGKILL: every trial stored so far is kept ($n2 >= $n1)" [ "$n2" -ge "$n1" ]
"$BIN" run "$conf" --db "$t/r.db" "${set_opts[@]}" --resume 2>"$t/err3"; rc=$?
check "resume finishes (exit $rc)" [ $rc = 0 ]
check "one run only" [ "$(q 'select count(*) from runs')" = 1 ]
check "the run is done" [ "$(q 'select status from runs')" = done ]
# Host stalls (stalled = 1) are extra rows: each was repeated.
check "6 counted trials, none duplicated" [ "$(q 'select count(*) from trials where stalled = 0')" = 6 ]
check "3 counted trials in each condition" \
  [ "$(q 'select group_concat(n) from (select count(*) n from trials where stalled = 0 group by condition_id)')" = "3,3" ]
check "trial numbers 0..n-1 in each condition, no gap" \
  [ "$(q 'select count(*) from (select condition_id from trials group by condition_id having max(seq) + 1 != count(*))')" = 0 ]
"$BIN" run "$conf" --db "$t/r.db" "${set_opts[@]}" --resume 2>"$t/err4"; rc=$?
check "resuming a finished run is refused ($rc)" [ $rc = 1 ]
"$BIN" cleanup >/dev/null
check "no namespace of the killed run remains after cleanup" no_leftovers $pid

# SIGTERM alone (as from a service manager): the run stops as on SIGINT.
# Then SIGKILL of a --jobs 2 resume: its jobs stop with it (PDEATHSIG),
# each storing its trial and tearing its testbed down, and --resume
# --jobs 2 finishes the run without a duplicate.
db="$t/k.db"
k() { sqlite3 "$db" "$1"; }
wait_k() { # wait until at least $1 trials are stored in $db
  for _ in $(seq 600); do
    [ "$(k 'select count(*) from trials' 2>/dev/null || echo 0)" -ge "$1" ] && return 0
    sleep 0.1
  done
  return 1
}
"$BIN" run "$conf" --db "$db" "${set_opts[@]}" 2>"$t/errk1" & pid=$!
wait_k 1; kill -TERM $pid; wait $pid; rc=$?
check "SIGTERM: exit 130 ($rc)" [ $rc = 130 ]
check "SIGTERM: the run is marked interrupted" [ "$(k 'select status from runs')" = interrupted ]
check "SIGTERM: nothing left" no_leftovers $pid
m=$(k 'select count(*) from trials')
"$BIN" run "$conf" --db "$db" "${set_opts[@]}" --resume --jobs 2 2>"$t/errk2" & pid=$!
wait_k $((m + 1)); kill -KILL $pid; wait $pid 2>/dev/null
jobs_gone() { ! pgrep -f -- "--db $db" >/dev/null; }
for _ in $(seq 100); do jobs_gone && break; sleep 0.1; done
check "SIGKILL --jobs 2: the jobs stop with the parent" jobs_gone
"$BIN" run "$conf" --db "$db" "${set_opts[@]}" --resume --jobs 2 2>"$t/errk3"; rc=$?
check "--resume --jobs 2 after SIGKILL finishes (exit $rc)" [ $rc = 0 ] || cat "$t/errk3"
check "--resume --jobs 2: 6 counted trials, 3 in each condition" \
  [ "$(k 'select group_concat(n) from (select count(*) n from trials where stalled = 0 group by condition_id)')" = "3,3" ]
check "--resume --jobs 2: no trial was spoiled" [ "$(k 'select count(*) from trials where valid = 0 and stalled = 0')" = 0 ]
out=$("$BIN" cleanup)
check "the jobs left nothing for cleanup ($out)" grep -q "^cleanup: 0 namespace(s), 0 directory(ies) removed" <<<"$out"
finish
