# End to end on a real Slurm: a one-node cluster on this machine (Debian's
# slurm-wlm and munge, installed by scripts/setup for the tests only), the
# smoke experiment submitted with scripts/slurm/submit as a 2-task job
# array plus its merge job, and the merged database checked against what
# the experiment asks for, with both shards' provenance.
#
# Every daemon runs in a network namespace of its own (only lo, so they
# listen on localhost and nothing else), with a throwaway munge key and all
# their state in a temporary directory.  The trap cancels the jobs, stops
# the daemons (and anything else left in that namespace) by pid, deletes
# the namespace and the directory.  Skips (77), saying why, when the
# daemons cannot start.
. "$(dirname "$0")/../netns/lib.sh"
require_root
for p in munged slurmctld slurmd sbatch squeue scontrol scancel nsenter nginx sqlite3; do
  require_prog $p
done
t=$(mktemp -d /tmp/tfolab-slurm-XXXXXX)
ns=tfolab-slurm-$$
node=$(hostname -s)
pids=()
inns() { nsenter --net="/run/netns/$ns" "$@"; }
# The pids of every process in the test's namespace: the daemons, the
# job steps they started and whatever those started.
ns_pids() { ip netns pids "$ns" 2>/dev/null; }
teardown() {
  if [ -e "/run/netns/$ns" ]; then
    [ -n "${jobs_ids:-}" ] && inns env SLURM_CONF="$t/slurm.conf" scancel $jobs_ids 2>/dev/null
    for ((i = 0; i < 30; i++)); do  # cancelled steps end their tfolab run (SIGTERM)
      [ -z "$(inns env SLURM_CONF="$t/slurm.conf" timeout 5 squeue -h 2>/dev/null)" ] && break
      sleep 1
    done
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for ((i = 0; i < 20; i++)); do
      [ -z "$(ns_pids)" ] && break
      for p in $(ns_pids); do kill "$p" 2>/dev/null; done
      sleep 0.5
    done
    for p in $(ns_pids); do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    ip netns del "$ns"
  fi
  rm -rf "$t"
}
trap teardown EXIT
trap 'exit 130' INT TERM  # meson's timeout: the EXIT trap still stops the daemons
skip() {
  echo "SKIP: $1"
  for f in "$t"/*.log; do [ -s "$f" ] && { echo "# $f:"; tail -n 5 "$f"; }; done
  exit 77
}

ip netns add "$ns" || skip "cannot create the network namespace $ns for the daemons"
ip -n "$ns" link set lo up
# Slurm resolves its listening address with AI_ADDRCONFIG, which wants an
# address beyond loopback: a dummy interface with one from TEST-NET-1
# (RFC 5737), which leads nowhere.
{ ip -n "$ns" link add tfs0 type dummy ||
  ip -n "$ns" link add tfs0 type veth peer name tfs1; } 2>/dev/null ||
  skip "cannot add an interface to the namespace $ns"
ip -n "$ns" addr add 192.0.2.1/32 dev tfs0 && ip -n "$ns" link set tfs0 up ||
  skip "cannot address the interface of the namespace $ns"

# munge with a key of its own
mkdir -m 700 "$t/munge" "$t/state" "$t/spool" "$t/work"
dd if=/dev/urandom of="$t/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$t/munge/munge.key"
inns munged --foreground --force --socket="$t/munge/munge.socket" \
  --key-file="$t/munge/munge.key" --pid-file="$t/munge/munged.pid" \
  --log-file="$t/munged.log" --seed-file="$t/munge/munged.seed" & pids+=($!)

cat >"$t/slurm.conf" <<CONF
ClusterName=tfolabtest
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$t/munge/munge.socket
StateSaveLocation=$t/state
SlurmdSpoolDir=$t/spool
SlurmctldPidFile=$t/slurmctld.pid
SlurmdPidFile=$t/slurmd.pid
SlurmctldLogFile=$t/slurmctld.log
SlurmdLogFile=$t/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
ReturnToService=2
MpiDefault=none
SwitchType=switch/none
MailProg=/bin/true
NodeName=$node NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$t/slurm.conf"
for ((i = 0; i < 50; i++)); do [ -S "$t/munge/munge.socket" ] && break; sleep 0.2; done
[ -S "$t/munge/munge.socket" ] || skip "munged did not start"
inns slurmctld -D -f "$t/slurm.conf" >"$t/slurmctld.out.log" 2>&1 & pids+=($!)
inns slurmd -D -f "$t/slurm.conf" -N "$node" >"$t/slurmd.out.log" 2>&1 & pids+=($!)
up=0
for ((i = 0; i < 60; i++)); do
  for p in "${pids[@]}"; do
    kill -0 "$p" 2>/dev/null || skip "a daemon exited at start (pid $p; its log below)"
  done
  if inns timeout 5 sinfo -h -o %T 2>/dev/null | grep -qx idle; then up=1; break; fi
  sleep 0.5
done
[ $up = 1 ] || skip "slurmctld and slurmd did not bring node $node up within 30 s"
ok "one-node Slurm up (node $node, 2 CPUs, in namespace $ns)"

# The sweep: the smoke experiment, one trial per condition, as 2 shards.
sets=(--set trials=1 --set stall_limit=off)
exp="$TFOLAB_SRC/experiments/smoke.conf"
conds=$("$BIN" shards "$exp" 1 "${sets[@]}" | sed -n 's/.*: \([0-9]*\) conditions in.*/\1/p')
check "the plan counts the conditions ($conds)" [ "${conds:-0}" -gt 0 ]
cd "$t/work"
start=$(date +%s)
out=$(inns env TFOLAB="$BIN" bash "$TFOLAB_SRC/scripts/slurm/submit" "$exp" 2 "${sets[@]}" 2>&1); rc=$?
echo "# $out"
check "submit exits 0 ($rc)" [ $rc = 0 ]
array=$(sed -n 's/^array job \([0-9]*\) .*/\1/p' <<<"$out")
merge=$(sed -n 's/.*merge job \([0-9]*\) .*/\1/p' <<<"$out")
check "submit prints the array's and the merge's job ids ($array, $merge)" [ -n "$array" -a -n "$merge" ]
jobs_ids="$array $merge"
done=0
for ((i = 0; i < 600; i++)); do  # bounded: 10 minutes
  if [ -z "$(inns timeout 10 squeue -h -o %i -j "$array,$merge" 2>/dev/null)" ]; then done=1; break; fi
  sleep 1
done
check "the jobs finished within 10 minutes ($(( $(date +%s) - start )) s)" [ $done = 1 ]
state=$(inns scontrol show job "$merge" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
check "the merge job completed ($state)" [ "$state" = COMPLETED ]
for f in results/slurm-*.out; do echo "# $f:"; sed 's/^/#   /' "$f" | tail -4; done
db=results/merged.db
q() { sqlite3 "$db" "$1" 2>/dev/null; }
check "both shards' databases exist" [ -s results/shard-0.db -a -s results/shard-1.db ]
check "one merged run, done, of 2 shards" [ "$(q "select count(*) || status || shard_n from runs")" = 1done2 ]
check "every condition of the experiment once ($conds)" \
  [ "$(q 'select count(distinct idx) || count(*) from conditions')" = "$conds$conds" ]
check "one valid trial per condition" [ "$(q 'select count(*) from trials where valid = 1')" = "$conds" ]
check "no condition without its trial" \
  [ "$(q 'select count(*) from conditions c where not exists (select 1 from trials t where t.condition_id = c.id and t.valid = 1)')" = 0 ]
check "both shards' provenance (host, kernel, backend, git, start and end)" \
  [ "$(q "select group_concat(k) from (select k from shards where n = 2 and host = '$node' and kernel like 'Linux%' and link_backend != '' and git_describe != '' and started_at > 0 and ended_at >= started_at and status = 'done' order by k)")" = 1,2 ]
# The same file on this machine in one run: the same cells, the same counts.
"$BIN" run "$exp" "${sets[@]}" --db "$t/single.db" -q 2>"$t/single.log"; rc=$?
check "a single-machine run of the same file exits 0 ($rc)" [ $rc = 0 ]
cells='select c.idx || c.tfo_mode || c.page || c.rtt_ns || ":" || (select count(*) from trials t where t.condition_id = c.id and t.valid = 1) from conditions c order by c.idx'
check "the merged run has the single run's conditions and valid-trial counts" \
  [ "$(q "$cells")" = "$(sqlite3 "$t/single.db" "$cells")" ]
table=$("$BIN" table --db "$db" 2>&1)
check "tfolab table reads it as one run merged from 2 shards" grep -q "^Merged from 2 shards on 1 host" <<<"$table"
check "the table has every RTT row" [ "$(grep -c '^| wikipedia-tcp |' <<<"$table")" = $((conds / 2)) ]
cd /
daemons=("${pids[@]}")
teardown
left=0
for p in "${daemons[@]}"; do kill -0 "$p" 2>/dev/null && left=$((left + 1)); done
check "no daemon left, the namespace and the directory gone" \
  [ $left = 0 -a ! -e "/run/netns/$ns" -a ! -e "$t" ]
finish
