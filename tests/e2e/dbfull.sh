# The database's disk fills up mid-run (SQLITE_FULL): the run stops with an
# error that says so, the trial under way is not half-written (every stored
# trial has all its requests and both link_stats rows), the testbed is torn
# down, and once there is room --resume finishes the run exactly.
. "$(dirname "$0")/../netns/lib.sh"
require_root
require_prog nginx
require_prog sqlite3
t=$(mktemp -d)
mnt=$t/mnt
mkdir "$mnt"
if ! mount -t tmpfs -o size=4m tfolab-dbfull "$mnt"; then
  rm -rf "$t"; echo "SKIP: cannot mount a tmpfs"; exit 77
fi
trap 'umount "$mnt"; rm -rf "$t"' EXIT
conf="$TFOLAB_SRC/experiments/smoke.conf"
# stall_limit=off: this test counts trials exactly; stalls are stall.sh's.
set_opts=(--set trials=3 --set warmup=0 --set rtt=20ms --set stall_limit=off
          --set backend=userspace)
db=$mnt/f.db
q() { sqlite3 "$db" "$1"; }
"$BIN" run "$conf" --db "$db" "${set_opts[@]}" 2>"$t/err" & pid=$!
for _ in $(seq 600); do
  [ "$(q 'select count(*) from trials' 2>/dev/null || echo 0)" -ge 1 ] && break
  sleep 0.1
done
# Fill the rest of the file system: the next trial's COMMIT finds no room.
dd if=/dev/zero of="$mnt/fill" bs=64k 2>/dev/null
wait $pid; rc=$?
grep "error" "$t/err" | sed "s/^/# /"
check "the run fails ($rc)" [ $rc = 1 ]
check "it says the database is full" grep -q "database or disk is full" "$t/err" || cat "$t/err"
check "no namespace or run directory left" no_leftovers $pid
check "no nginx (master or worker) or other process of the run left" [ "$(run_procs $pid)" = 0 ]
rm -f "$mnt/fill"
stored=$(q 'select count(*) from trials')
check "some trials were stored before the disk filled, not all ($stored)" between "$stored" 1 5
check "every stored trial is whole: 29 requests and 2 link_stats rows" \
  [ "$(q 'select count(*) from trials t where (select count(*) from requests r where r.trial_id = t.id) != 29 or (select count(*) from link_stats l where l.trial_id = t.id) != 2')" = 0 ]
check "the run is not marked done" [ "$(q 'select status from runs')" != done ]
"$BIN" run "$conf" --db "$db" "${set_opts[@]}" --resume 2>"$t/err2"; rc=$?
check "--resume with room again exits 0 ($rc)" [ $rc = 0 ] || cat "$t/err2"
check "then 6 trials, each (condition, seq) once" [ "$(q 'select count(distinct condition_id || "/" || seq) || "/" || count(*) from trials')" = 6/6 ]
check "and the run is done" [ "$(q 'select status from runs')" = done ]
finish
