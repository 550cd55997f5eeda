# The 2013 Wikipedia capture replayed with its exact connection plan at
# 20 ms and at 200 ms: the PLT grows with RTT and TFO lowers it in every
# trial; every trial is valid by the kernel's counters.  stall_limit=off:
# the test pairs trials by number, so none may be repeated.
. "$(dirname "$0")/lib.sh"
require_root
require_prog nginx
require_prog sqlite3
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
"$BIN" run "$TFOLAB_SRC/experiments/capture.conf" --db "$t/c.db" --set trials=2 --set warmup=1 \
  --set rtt=20ms,200ms --set stall_limit=off 2>"$t/err"
rc=$?
check "run exits 0 ($rc)" [ $rc = 0 ] || cat "$t/err"
q() { sqlite3 "$t/c.db" "$1"; }
check "8 trials stored" [ "$(q 'select count(*) from trials')" = 8 ]
check "all valid" [ "$(q 'select count(*) from trials where valid = 1')" = 8 ]
check "the connection plan was followed: 16 connections per load" \
  [ "$(q 'select group_concat(distinct conns_opened) from trials')" = 16 ]
m20=$(q "select avg(plt_ns) from trials join conditions c on c.id = condition_id where c.rtt_ns = 20000000")
m200=$(q "select avg(plt_ns) from trials join conditions c on c.id = condition_id where c.rtt_ns = 200000000")
check "PLT grows with RTT ($m20 ns at 20 ms < $m200 ns at 200 ms)" awk -v a="$m20" -v b="$m200" 'BEGIN { exit !(a < b) }'
worse=$(q "select count(*) from trials a join conditions ca on ca.id = a.condition_id
           join conditions cb on cb.run_id = ca.run_id and cb.pair_key = ca.pair_key and cb.tfo_mode = 'on'
           join trials b on b.condition_id = cb.id and b.seq = a.seq
           where ca.tfo_mode = 'off' and b.plt_ns >= a.plt_ns")
check "TFO lowers the PLT in every trial pair ($worse pairs where it did not)" [ "$worse" = 0 ]
finish
