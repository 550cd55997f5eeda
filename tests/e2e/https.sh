# End to end over HTTPS: experiments/smoke.conf's page with tls = 1.3 and
# 1.3-early -> SQLite -> table, compare, HAR.  Every trial valid by both
# accounts (the kernel's TFO counters and OpenSSL's), every connection's
# TLS account stored, CPU per trial stored, nothing left behind (the run's
# CA and key included).  On the link backend $LINK (tests/netns/lib.sh).
. "$(dirname "$0")/../netns/lib.sh"
require_root
require_prog nginx
require_prog sqlite3
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
# stall_limit=off: trials are counted exactly (see smoke.sh).
"$BIN" run "$TFOLAB_SRC/experiments/smoke.conf" --db "$t/h.db" --set stall_limit=off \
  --set backend="$LINK" --set rtt=20ms --set warmup=0 --tls 1.3,1.3-early 2>"$t/err" & pid=$!
wait $pid; rc=$?
check "run exits 0 ($rc)" [ $rc = 0 ] || cat "$t/err"
q() { sqlite3 "$t/h.db" "$1"; }
check "4 conditions (tls 1.3, 1.3-early x TFO off/on)" \
  [ "$(q "select group_concat(tls || '/' || tfo_mode, ' ') from (select tls, tfo_mode from conditions order by tls, tfo_mode)")" = "1.3/off 1.3/on 1.3-early/off 1.3-early/on" ]
check "8 trials, all valid" [ "$(q 'select count(*) from trials where valid = 1')" = 8 ]
conns="select count(*) from connections x join trials t on t.id = x.trial_id join conditions c on c.id = t.condition_id"
check "every connection of the 1.3 cells: TLS 1.3 (0x0304), a full handshake" \
  [ "$(q "$conns where c.tls = '1.3' and not (x.tls_version = 772 and x.tls_resumed = 0 and x.tls_early = 'none')")/$(q "$conns where c.tls = '1.3'")" = "0/$(q "select sum(conns_opened) from trials t join conditions c on c.id = t.condition_id where c.tls = '1.3'")" ]
check "every connection of the 1.3-early cells: resumed, early data accepted" \
  [ "$(q "$conns where c.tls = '1.3-early' and not (x.tls_version = 772 and x.tls_resumed = 1 and x.tls_early = 'accepted')")" = 0 ]
check "the suite and group are the pinned ones" \
  [ "$(q "select group_concat(distinct tls_cipher || ' ' || tls_group) from connections")" = "TLS_AES_128_GCM_SHA256 X25519" ]
check "TLS done between connected and the first byte, on each new connection" \
  [ "$(q "select count(*) from requests where new_conn = 1 and (tls_done_ns is null or tls_done_ns < connected_ns or tls_done_ns > first_byte_ns)")" = 0 ]
check "TFO on: SYN data on every connection" \
  [ "$(q "$conns where c.tfo_mode = 'on' and x.syn_data != 1")" = 0 ]
check "CPU of fetcher and origin stored for every trial" \
  [ "$(q 'select count(*) from trials where cpu_fetch_ns >= 0 and cpu_origin_ns >= 0')" = 8 ]
out=$("$BIN" table --db "$t/h.db"); rc=$?
check "table exits 0 with a TLS column ($rc)" grep -q "| Page | RTT (ms) | TLS |" <<<"$out"
check "table has both TLS rows" [ "$(grep -c '^| wikipedia-tcp | 20 | TLS 1.3' <<<"$out")" = 2 ]
out=$("$BIN" compare --db "$t/h.db" --by tls); rc=$?
check "compare --by tls: over TLS 1.3 beside over 0-RTT ($rc)" grep -q "over TLS 1.3 | over TLS 1.3 0-RTT" <<<"$out"
tid=$(q "select t.id from trials t join conditions c on c.id = t.condition_id where c.tls = '1.3' and c.tfo_mode = 'off' limit 1")
"$BIN" har --db "$t/h.db" --trial "$tid" -o "$t/h.har"
check "HAR: https URLs and the TLS handshake as the ssl timing" python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["log"]["entries"]
new = [x for x in e if x["timings"]["ssl"] > 0]
sys.exit(not (all(x["request"]["url"].startswith("https://") for x in e) and new and
              all(x["timings"]["connect"] >= x["timings"]["ssl"] for x in new)))' "$t/h.har"
check "no namespace or run directory left (keys included)" no_leftovers $pid
check "no nginx or other process of the run left" [ "$(run_procs $pid)" = 0 ]
finish
