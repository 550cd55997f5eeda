# The 2013 Wikipedia capture replayed with its exact connection plan at
# 20 ms and at 200 ms: the PLT grows with RTT and TFO lowers it in every
# trial; every trial is valid by the kernel's counters.  Stalled loads are
# repeated and left out; if every repeat stalled, the test skips naming it.
. "$(dirname "$0")/lib.sh"
require_root
require_prog nginx
require_prog sqlite3
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
# The runner's stall rule (stall_limit, lib.sh STALL_LIMIT): a load whose
# link the host stalled is stored with stalled = 1 and repeated, more than
# `trials` stalls giving up; only the loads that did not stall are checked,
# paired by their order among those of their condition.
"$BIN" run "$TFOLAB_SRC/experiments/capture.conf" --db "$t/c.db" --set trials=2 --set warmup=1 \
  --set rtt=20ms,200ms --set stall_limit="$STALL_LIMIT" --set backend="$LINK" 2>"$t/err"
rc=$?
check "run exits 0 ($rc)" [ $rc = 0 ] || cat "$t/err"
q() { sqlite3 "$t/c.db" "$1"; }
stalls=$(q 'select count(*) from trials where stalled = 1')
[ "$stalls" = 0 ] || echo "# $stalls loads stalled and were repeated: $(q 'select invalid_reason from trials where stalled = 1 limit 1')"
# Conditions left without 2 loads that did not stall: every repeat stalled.
short=$(q 'select count(*) from conditions c where (select count(*) from trials t where t.condition_id = c.id and t.stalled = 0) < 2')
[ "$short" = 0 ] || stalled_out "$short of 4 conditions" "$(q 'select invalid_reason from trials where stalled = 1 limit 1')"
[ "$short" = 0 ] && check "8 loads that did not stall" [ "$(q 'select count(*) from trials where stalled = 0')" = 8 ]
check "every load that did not stall is valid" [ "$(q 'select count(*) from trials where stalled = 0 and valid = 0')" = 0 ]
check "the connection plan was followed: 16 connections per load" \
  [ "$(q 'select group_concat(distinct conns_opened) from trials where stalled = 0')" = 16 ]
m20=$(q "select avg(plt_ns) from trials join conditions c on c.id = condition_id where c.rtt_ns = 20000000 and stalled = 0")
m200=$(q "select avg(plt_ns) from trials join conditions c on c.id = condition_id where c.rtt_ns = 200000000 and stalled = 0")
[ -n "$m20" ] && [ -n "$m200" ] &&
  check "PLT grows with RTT ($m20 ns at 20 ms < $m200 ns at 200 ms)" awk -v a="$m20" -v b="$m200" 'BEGIN { exit !(a < b) }'
# Pairs: the k-th load that did not stall of TFO off and of TFO on.
ok_loads="(select condition_id, plt_ns, row_number() over (partition by condition_id order by seq) as k
           from trials where stalled = 0)"
pairs=$(q "select count(*) from $ok_loads a join conditions ca on ca.id = a.condition_id
           join conditions cb on cb.run_id = ca.run_id and cb.pair_key = ca.pair_key and cb.tfo_mode = 'on'
           join $ok_loads b on b.condition_id = cb.id and b.k = a.k
           where ca.tfo_mode = 'off'")
worse=$(q "select count(*) from $ok_loads a join conditions ca on ca.id = a.condition_id
           join conditions cb on cb.run_id = ca.run_id and cb.pair_key = ca.pair_key and cb.tfo_mode = 'on'
           join $ok_loads b on b.condition_id = cb.id and b.k = a.k
           where ca.tfo_mode = 'off' and b.plt_ns >= a.plt_ns")
[ "$short" = 0 ] && check "4 pairs of loads that did not stall ($pairs)" [ "$pairs" = 4 ]
[ "$pairs" -gt 0 ] &&
  check "TFO lowers the PLT in every pair of loads that did not stall ($worse of $pairs where it did not)" [ "$worse" = 0 ]
finish
