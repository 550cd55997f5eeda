# End to end with a real Chromium: experiments/smoke.conf's page at 20 ms
# with fetcher = builtin, chromium -> SQLite -> table, compare --by
# fetcher, HAR.  Every trial valid by the kernel's counters, the browser's
# trials with their load event and every resource's timings stored, its
# TFO trials with SYN data on every connection, nothing left behind.  On
# the link backend $LINK (tests/netns/lib.sh).  Skips without chromium.
. "$(dirname "$0")/../netns/lib.sh"
require_root
require_prog nginx
require_prog sqlite3
[ -x "${TFOLAB_CHROMIUM:-/usr/bin/chromium}" ] ||
  { echo "SKIP: no chromium (TFOLAB_BROWSER=1 scripts/setup installs it)"; exit 77; }
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
# stall_limit=off: trials are counted exactly (see smoke.sh).
"$BIN" run "$TFOLAB_SRC/experiments/smoke.conf" --db "$t/b.db" --set stall_limit=off \
  --set backend="$LINK" --set rtt=20ms --set warmup=0 --fetcher builtin,chromium 2>"$t/err" & pid=$!
wait $pid; rc=$?
check "run exits 0 ($rc)" [ $rc = 0 ] || cat "$t/err"
q() { sqlite3 "$t/b.db" "$1"; }
n_res=$(grep -cE '^[0-9]+ ' "$TFOLAB_SRC/workloads/pages/wikipedia-tcp.page")
check "4 conditions (builtin, chromium x TFO off/on)" \
  [ "$(q "select group_concat(fetcher || '/' || tfo_mode, ' ') from (select fetcher, tfo_mode from conditions order by fetcher, tfo_mode)")" = "builtin/off builtin/on chromium/off chromium/on" ]
check "8 trials, all valid" [ "$(q 'select count(*) from trials where valid = 1')" = 8 ]
tr="select count(*) from trials t join conditions c on c.id = t.condition_id"
check "Chromium's trials: the load event stored, and it is their PLT" \
  [ "$(q "$tr where c.fetcher = 'chromium' and t.load_event_ns > 0 and t.load_event_ns = t.plt_ns")" = 4 ]
check "the builtin fetcher's trials: no load event" \
  [ "$(q "$tr where c.fetcher = 'builtin' and t.load_event_ns is null")" = 4 ]
check "Chromium's trials: every resource with its timings ($n_res each)" \
  [ "$(q "select count(*) from requests r join trials t on t.id = r.trial_id join conditions c on c.id = t.condition_id where c.fetcher = 'chromium' and r.last_byte_ns >= r.first_byte_ns and r.first_byte_ns > 0")" = $((4 * n_res)) ]
check "Chromium with TFO: SYN data acked as often as the kernel counted connections" \
  [ "$(q "$tr where c.fetcher = 'chromium' and c.tfo_mode = 'on' and t.syn_data_acked_conns = t.tfo_active and t.tfo_active > 0")" = 2 ]
check "Chromium without TFO: none" \
  [ "$(q "$tr where c.fetcher = 'chromium' and c.tfo_mode = 'off' and t.tfo_active = 0 and t.syn_data_acked_conns = 0")" = 2 ]
out=$("$BIN" table --db "$t/b.db"); rc=$?
check "table exits 0 with a Fetcher column ($rc)" grep -qi "| Fetcher |" <<<"$out"
out=$("$BIN" compare --db "$t/b.db" --by fetcher); rc=$?
check "compare --by fetcher: one row, both fetchers ($rc)" \
  grep -q "^| wikipedia-tcp | 20 |" <<<"$out"
tid=$(q "select t.id from trials t join conditions c on c.id = t.condition_id where c.fetcher = 'chromium' and c.tfo_mode = 'on' limit 1")
"$BIN" har --db "$t/b.db" --trial "$tid" -o "$t/b.har"
check "HAR of a Chromium trial: every resource, new connections with SYN data" python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["log"]["entries"]
new = [x for x in e if x.get("_new_connection")]
sys.exit(not (len(e) == int(sys.argv[2]) and new and all(x.get("_tfo") for x in new)))' "$t/b.har" "$n_res"
check "no namespace or run directory left" no_leftovers $pid
check "no nginx, Chromium or other process of the run left" [ "$(run_procs $pid)" = 0 ]
finish
