# End to end: experiments/smoke.conf -> SQLite -> Table 1, every trial
# verified by the kernel's counters, nothing left on the machine.  On the
# link backend $LINK (tests/netns/lib.sh): userspace, or netem under tests/uml.
. "$(dirname "$0")/../netns/lib.sh"
require_root
require_prog nginx
require_prog sqlite3
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
# stall_limit=off: this test checks the chain and counts trials exactly; on
# a host that steals CPU for minutes every load could be a stall, and
# tests/e2e/stall.sh checks stall handling with a stall it makes itself.
"$BIN" run "$TFOLAB_SRC/experiments/smoke.conf" --db "$t/s.db" --set stall_limit=off \
  --set backend="$LINK" 2>"$t/err" & pid=$!
wait $pid; rc=$?
check "run exits 0 ($rc)" [ $rc = 0 ] || cat "$t/err"
q() { sqlite3 "$t/s.db" "$1"; }
# stderr is a file here: progress comes as whole lines, the last one complete.
check "progress lines in the log" grep -q "^tfolab: progress: 4/4 conditions, 8/8 trials, 0 stalls, elapsed [0-9hms]*, ETA 0s$" "$t/err"
check "the run is recorded as done" [ "$(q 'select status from runs')" = done ]
check "the run records git describe, kernel, backend and command line" \
  [ "$(q "select count(*) from runs where git_describe != '' and kernel like 'Linux%' and link_backend = '$LINK' and command_line like '%smoke.conf%'")" = 1 ]
check "4 conditions (2 RTTs x TFO off/on)" [ "$(q 'select count(*) from conditions')" = 4 ]
check "8 trials, all valid" [ "$(q 'select count(*) from trials where valid = 1')" = 8 ]
check "4 TFO-on trials" [ "$(q "select count(*) from trials t join conditions c on c.id = t.condition_id where c.tfo_mode = 'on'")" = 4 ]
check "every TFO-on trial carried SYN data on every connection" \
  [ "$(q "select count(*) from trials t join conditions c on c.id = t.condition_id where c.tfo_mode = 'on' and (t.syn_data_acked_conns != t.conns_opened or t.tfo_active != t.conns_opened)")" = 0 ]
check "no TFO-off trial did" [ "$(q "select sum(t.syn_data_acked_conns + t.tfo_active) from trials t join conditions c on c.id = t.condition_id where c.tfo_mode = 'off'")" = 0 ]
check "every request has its timings" [ "$(q 'select count(*) from requests where last_byte_ns < first_byte_ns or first_byte_ns < req_sent_ns')" = 0 ]
check "29 requests per trial" [ "$(q 'select count(*) from requests')" = $((29 * 8)) ]
check "link stats per trial and direction" [ "$(q 'select count(*) from link_stats')" = 16 ]
check "every cell loaded by the builtin fetcher" [ "$(q "select count(*) from conditions where fetcher = 'builtin'")" = 4 ]
check "no load event, the last response's end stored" \
  [ "$(q 'select count(*) from trials t where load_event_ns is null and last_response_ns = (select max(last_byte_ns) from requests r where r.trial_id = t.id)')" = 8 ]
out=$("$BIN" table --db "$t/s.db"); rc=$?
check "table exits 0" [ $rc = 0 ]
check "table has Table 1's columns" grep -q "| Page | RTT (ms) | PLT non-TFO (s) | PLT TFO (s) | Improvement |" <<<"$out"
check "table has both RTT rows" [ "$(grep -c '^| wikipedia-tcp |' <<<"$out")" = 2 ]
csv=$("$BIN" table --db "$t/s.db" --format csv); rc=$?
check "csv format exits 0 ($rc)" [ $rc = 0 ]
check "csv format" grep -q "^page," <<<"$csv"
json=$("$BIN" table --db "$t/s.db" --format json); rc=$?
check "json format exits 0 ($rc)" [ $rc = 0 ]
check "json format parses" python3 -c 'import json,sys; json.load(sys.stdin)' <<<"$json"
trials=$("$BIN" trials --db "$t/s.db" --format json); rc=$?
check "trials exports 8 rows ($rc)" python3 -c '
import json, sys
rows = json.load(sys.stdin)
sys.exit(not (len(rows) == 8 and all(r["page"] == "wikipedia-tcp" and r["valid"] == 1 for r in rows)))' <<<"$trials"
check "no namespace or run directory left" no_leftovers $pid
# nginx workers are named "nginx: worker process": look for any process
# that names the run's prefix or holds a file of its run directory open.
check "no nginx (master or worker) or other process of the run left" [ "$(run_procs $pid)" = 0 ]
# --jobs 2: two condition groups at once, each in its own testbed, one database
"$BIN" run "$TFOLAB_SRC/experiments/smoke.conf" --db "$t/j.db" --set trials=1 --set stall_limit=off \
  --set backend="$LINK" \
  --jobs 2 2>"$t/errj" & pid=$!
wait $pid; rc=$?
check "--jobs 2 exits 0 ($rc)" [ $rc = 0 ] || cat "$t/errj"
check "--jobs 2: 4 trials, all valid" [ "$(sqlite3 "$t/j.db" 'select count(*) from trials where valid = 1')" = 4 ]
check "--jobs 2: one run, done" [ "$(sqlite3 "$t/j.db" 'select count(*) || status from runs')" = 1done ]
check "--jobs 2: the parent's progress lines end complete" grep -q "^tfolab: progress: 4/4 conditions, 4/4 trials, " "$t/errj"
check "--jobs 2: nothing left" no_leftovers $pid
finish
