# Under Debian's Linux 6.1 (tests/uml/run; kernel61 suite): tfolab check
# names the kernel and finds netem, --link auto picks netem there, for a
# link and for an experiment, whose trials store the stall witness as
# unknown, and nothing of those runs is left behind: no namespace, run
# directory, process, bridge or qdisc.
. "$(dirname "$0")/../netns/lib.sh"
require_root
require_prog sqlite3
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
out=$("$BIN" check); rc=$?
check "check exits 0 ($rc)" [ $rc = 0 ] || echo "$out"
check "check names the kernel: $(grep '^kernel ' <<<"$out")" grep -Eq "^kernel +ok +Linux $(uname -r) " <<<"$out"
check "check finds netem" grep -Eq "^netem qdisc +ok +sch_netem works" <<<"$out"
check "check says auto picks netem, and why: $(grep '^link backend' <<<"$out")" \
  grep -Eq "^link backend \(--link auto\) +ok +netem: the kernel has sch_netem" <<<"$out"
json=$("$BIN" check --json)
check "check --json says the same" python3 -c '
import json, sys
c = {x["item"]: x for x in json.load(sys.stdin)["checks"]}
sys.exit(not (c["netem qdisc"]["verdict"] == "ok" and c["link backend (--link auto)"]["detail"].startswith("netem:")))' <<<"$json"

# The qdiscs and links of this namespace (UML's root), to compare after.
before_q=$(tc qdisc show); before_l=$(ip -o link show | awk '{print $2}')
# auto on a link: the link namespace holds netem and tbf while CMD runs.
qd=$("$BIN" link --rtt 20ms --down 4mbit -- sh -c 'ip netns exec ${TFOLAB_PREFIX}-l tc qdisc show'); rc=$?
check "link --link auto exits 0 ($rc)" [ $rc = 0 ]
check "auto: the link runs on netem ($(grep -c netem <<<"$qd") netem qdiscs)" [ "$(grep -c '^qdisc netem 1:' <<<"$qd")" = 2 ]
check "auto: the rated direction has its tbf" grep -q '^qdisc tbf 10: .*parent 1:1' <<<"$qd"
# auto on an experiment: the run records the backend it used.
"$BIN" run "$TFOLAB_SRC/experiments/smoke.conf" --db "$t/a.db" --set trials=1 --set warmup=0 \
  --set rtt=20ms --set stall_limit=off 2>"$t/err" & pid=$!
wait $pid; rc=$?
check "smoke run with backend auto exits 0 ($rc)" [ $rc = 0 ] || cat "$t/err"
check "it recorded link_backend netem" [ "$(sqlite3 "$t/a.db" 'select link_backend from runs')" = netem ]
check "its 2 trials are valid" [ "$(sqlite3 "$t/a.db" 'select count(*) from trials where valid = 1')" = 2 ]
# The stall witness: netem keeps no delivery times, so a netem trial stores
# its lateness and stall limit as unknown (NULL), never 0, and the guest's
# steal time as on the userspace link.
check "netem trials: stall limit unknown" \
  [ "$(sqlite3 "$t/a.db" 'select count(*) from conditions where stall_limit_ns is null')" = 2 ]
check "netem trials: the link's lateness unknown in both directions" \
  [ "$(sqlite3 "$t/a.db" 'select count(*) from link_stats where late_pkts is null and late_max_ns is null')" = 4 ]
check "netem trials: not stalled, and the steal time recorded" \
  [ "$(sqlite3 "$t/a.db" 'select count(*) from trials where stalled = 0 and steal_ns is not null')" = 2 ]
late=$("$BIN" load wikipedia-tcp --rtt 20ms --json | python3 -c 'import json,sys; l=json.load(sys.stdin)["link_late"]; print(l["known"], l["stalled"])')
check "load --json: netem's lateness is unknown, never a stall ($late)" [ "$late" = "False False" ]
check "no namespace or run directory left" no_leftovers $pid
check "no process of the run left" [ "$(run_procs $pid)" = 0 ]
check "no namespace of any run left" [ -z "$(ls /run/netns 2>/dev/null)" ]
check "no qdisc left in the root namespace" [ "$(tc qdisc show)" = "$before_q" ]
check "no interface (bridge, veth) left in the root namespace" \
  [ "$(ip -o link show | awk '{print $2}')" = "$before_l" ]
finish
