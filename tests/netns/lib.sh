# Shared by the netns tests: root check, assertions, leftovers check.
# Each test sources it, then calls require_root.
set -u
BIN=${TFOLAB_BIN:?TFOLAB_BIN is not set (run through meson test)}
FAILS=0
# The link backend a test runs on.  A test that holds on both backends
# passes --link "$LINK" (link, load) or --set backend="$LINK" (run); one
# that needs the userspace forwarder (drop-syn-data, its event log, its
# process) pins --link userspace.  userspace by default: every kernel has
# it.  tests/uml runs the tests that hold on both with TFOLAB_TEST_LINK=netem
# under Debian's 6.1 kernel, which has sch_netem.
LINK=${TFOLAB_TEST_LINK:-userspace}
# Seconds a timed load may take beyond its bound on a slow kernel: 0 here;
# tests/uml sets it, as a process under user-mode Linux pays a ptrace round
# trip per system call (tests/uml/kernel61.sh says what it measured).
SLACK_S=${TFOLAB_TEST_SLACK_S:-0}
require_root() {
  if [ "$(id -u)" != 0 ]; then echo "SKIP: needs root"; exit 77; fi
}
require_prog() {
  command -v "$1" >/dev/null 2>&1 || { echo "SKIP: $1 is not installed"; exit 77; }
}
ok()   { echo "ok - $*"; }
fail() { echo "FAIL - $*"; FAILS=$((FAILS + 1)); }
check() { # check "description" command...
  local what=$1; shift
  if "$@"; then ok "$what"; else fail "$what"; fi
}
# counter NAME < /proc/net/netstat: the value of the kernel's TcpExt NAME
# (TCPFastOpenActive, ...).  Exported: the commands a test runs in a
# namespace with bash (tfolab link -- bash -c ...) have it too.
counter() {
  awk -v n="$1" '/^TcpExt:/ { if (!h) { for (i = 1; i <= NF; i++) col[$i] = i; h = 1 } else print $col[n] }'
}
export -f counter
# A float comparison: between X LO HI
running() { pgrep -f "$1" >/dev/null; }
not() { ! "$@"; }
between() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x <= hi) }'; }
# No namespace, run dir or process of tfolab pid $1 remains.
no_leftovers() {
  local pid=$1
  ! ls /run/netns 2>/dev/null | grep -q "^tfl-$pid-" &&
  ! ls /run/tfolab 2>/dev/null | grep -q "^tfl-$pid-"
}
# The number of processes of tfolab pid $1's run: any whose command line
# names the run's prefix (tfl-PID-), or which holds a file of its run
# directory open, as nginx workers ("nginx: worker process") do its logs.
run_procs() {
  local pid=$1 p n=0
  for p in /proc/[0-9]*; do
    if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q -- "tfl-$pid-" ||
       ls -l "$p/fd" 2>/dev/null | grep -q -- "tfl-$pid-"; then
      n=$((n + 1))
    fi
  done
  echo $n
}
# The inodes of the network namespaces of tfolab pid $1's run, while they exist.
ns_inodes() {
  local ns
  for ns in $(ls /run/netns 2>/dev/null | grep "^tfl-$1-"); do
    stat -L -c %i "/run/netns/$ns"
  done
}
# The number of processes in any of the network namespaces of inodes $@:
# a namespace outlives its name while a process is in it.
procs_in_inodes() {
  local p i want n=0
  for p in /proc/[0-9]*; do
    i=$(stat -L -c %i "$p/ns/net" 2>/dev/null) || continue
    for want in "$@"; do
      [ "$i" = "$want" ] && n=$((n + 1))
    done
  done
  echo $n
}
# Stall-aware timing (the runner's rule): a measurement whose link was late
# beyond the stall limit (tfolab load --json / link --json-stats:
# link_late.stalled) is repeated, STALL_TRIES attempts at most; only
# measurements that did not stall are checked.  stalled_out WHAT REASON
# records a measurement whose every attempt stalled: its checks are not
# made, and finish then skips (77) naming the stall, unless a check failed.
# TFOLAB_TEST_STALL_LIMIT sets the limit (--stall-limit of load and link;
# the stall_limit key, at least 1ms, of experiments): 0ms makes every
# load and link attempt stall, to see the skip.
STALL_TRIES=${TFOLAB_STALL_TRIES:-4}
# On the netem backend no witness sees a host stall: the kernel's qdisc
# does not say when it ran late, as the userspace link does; and on either
# backend the link is the only witness, so a stall that freezes the client
# or nginx while the link's queues are empty goes unseen (a clean-clone CI
# run once measured 1 RTT as 112.7 ms on the userspace link with no stall
# seen).  So a time outside its bounds is measured again, TIMING_TRIES
# times in all (3), and every attempt is printed.  A real fault (TFO
# unused: 2 RTT, not 1) is outside the bounds every time, so the check
# still fails.
TIMING_TRIES=${TFOLAB_TIMING_TRIES:-3}
# retimed WHAT LO HI CMD...: runs CMD, whose output starts with seconds (or
# is "stalled REASON"), again while those seconds are outside LO..HI, up to
# TIMING_TRIES times; prints CMD's last output.
retimed() {
  local what=$1 lo=$2 hi=$3 i out=; shift 3
  for i in $(seq "$TIMING_TRIES"); do
    out=$("$@")
    case $out in stalled*) break ;; esac
    between "${out%% *}" "$lo" "$hi" && break
    echo "# $what: attempt $i of $TIMING_TRIES: ${out%% *} s is outside $lo..$hi s" >&2
  done
  printf '%s\n' "$out"
}
STALL_LIMIT=${TFOLAB_TEST_STALL_LIMIT:-10ms}
STALLED_OUT=()
stalled_out() { STALLED_OUT+=("$1: $2"); echo "# every attempt stalled: $1: $2"; }
finish() {
  if [ "$FAILS" -gt 0 ]; then echo "$FAILS check(s) failed"; exit 1; fi
  if [ ${#STALLED_OUT[@]} -gt 0 ]; then
    echo "SKIP: host stall: every attempt of ${#STALLED_OUT[@]} measurement(s) stalled (${STALLED_OUT[0]})"
    exit 77
  fi
  echo "all checks passed"; exit 0
}
