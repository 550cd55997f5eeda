# A real Chromium loads wikipedia-tcp over the emulated link at 100 ms RTT
# (tfolab load --browser chromium), TFO off and on: both loads valid by the
# kernel's counters (TcpActiveOpens, TCPFastOpenActive), every resource of
# the page requested once with its decoded size, and TFO faster.  Loads
# whose link the host stalled are repeated (lib.sh: STALL_TRIES).  Nothing
# of the browser is left afterwards.  Skips without Debian's chromium.
. "$(dirname "$0")/lib.sh"
require_root
require_prog nginx
[ -x "${TFOLAB_CHROMIUM:-/usr/bin/chromium}" ] ||
  { echo "SKIP: no chromium (TFOLAB_BROWSER=1 scripts/setup installs it)"; exit 77; }
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
n_res=$(grep -cE '^[0-9]+ ' "$TFOLAB_SRC/workloads/pages/wikipedia-tcp.page")

one() { # one MODE -> "PLT valid requested active opens connections" or "stalled REASON"
  "$BIN" load --link "$LINK" wikipedia-tcp --browser chromium --rtt 100ms --tfo "$1" \
    --stall-limit "$STALL_LIMIT" --json 2>>"$t/stderr" |
    python3 -c '
import json, sys
j = json.load(sys.stdin)
if j["link_late"]["stalled"]:
    print("stalled", j["link_late"]["reason"]); sys.exit()
asked = sum(1 for r in j["requests"] if r["status"] == 200 and r["done_ns"] >= 0)
print(j["plt_s"], j["valid"], asked, j["client_counters"]["TCPFastOpenActive"],
      j["kernel_active_opens"], j["connections"], j["fetcher"], j["extra_requests"])'
}
LOADS=${TFOLAB_TEST_LOADS:-3}
median() { sort -g | awk '{ v[NR] = $0 } END { print v[int((NR + 1) / 2)] }'; }
loads() { # loads MODE -> the median load's line (or "stalled REASON")
  local i line why=
  : > "$t/$1"
  for i in $(seq $((STALL_TRIES * LOADS / 2))); do
    line=$(one "$1")
    case $line in
      stalled*) echo "# tfo $1: load $i $line" >&2; why=${line#stalled } ;;
      "") echo "# tfo $1: load $i gave no JSON" >&2 ;;
      *) echo "$line" >> "$t/$1"; echo "# tfo $1: $line" >&2 ;;
    esac
    [ "$(wc -l < "$t/$1")" -ge "$LOADS" ] && break
  done
  if [ ! -s "$t/$1" ]; then echo "stalled $why"; return; fi
  grep -m1 "^$(cut -d' ' -f1 "$t/$1" | median) " "$t/$1"
}
for mode in off on; do
  line=$(loads $mode)
  case $line in
    stalled*) stalled_out "tfo $mode" "${line#stalled }"; : > "$t/$mode.med" ;;
    *) echo "$line" > "$t/$mode.med" ;;
  esac
done
read -r p_off v_off q_off a_off o_off c_off f_off x_off < "$t/off.med"
read -r p_on v_on q_on a_on o_on c_on f_on x_on < "$t/on.med"
if [ -n "$p_off" ]; then
  check "off: Chromium loaded it, valid ($f_off $v_off)" [ "$f_off $v_off" = "chromium True" ]
  check "off: all $n_res resources requested and complete ($q_off)" [ "$q_off" = "$n_res" ]
  check "off: nothing requested twice, at most /favicon.ico besides ($x_off)" [ "$x_off" -le 1 ]
  check "off: TCPFastOpenActive did not move over $o_off connections ($a_off)" [ "$a_off" = 0 ]
  check "off: the browser opened connections ($o_off >= $c_off > 0)" [ "$c_off" -gt 0 ] && [ "$o_off" -ge "$c_off" ]
fi
if [ -n "$p_on" ]; then
  check "on: Chromium loaded it, valid ($f_on $v_on)" [ "$f_on $v_on" = "chromium True" ]
  check "on: all $n_res resources requested and complete ($q_on)" [ "$q_on" = "$n_res" ]
  check "on: nothing requested twice, at most /favicon.ico besides ($x_on)" [ "$x_on" -le 1 ]
  check "on: every connection had SYN data acked: TCPFastOpenActive = TcpActiveOpens ($a_on = $o_on)" [ "$a_on" = "$o_on" ]
fi
if [ -n "$p_off" ] && [ -n "$p_on" ]; then
  check "TFO is faster: median PLT $p_on s < $p_off s" awk -v a="$p_on" -v b="$p_off" 'BEGIN { exit !(a < b) }'
fi
# The run's browsers (their profiles, and so their command lines, are
# under /run/tfolab), the crash handler included: it leaves the group.
check "no Chromium of the runs left running" not pgrep -f 'chrom.*/run/tfolab/'
check "nothing written to ~/.config/chromium by the runs" \
  not sh -c 'find "$HOME/.config/chromium" -newer "$0" 2>/dev/null | grep -q .' "$t"
check "no profile left behind" not sh -c 'ls /run/tfolab/*/ 2>/dev/null | grep -q chromium'
# A crash in the middle of a browser load (SIGKILL to tfolab), then
# `tfolab cleanup`: no process of that run's Chromium survives, its crash
# handler included, and its profile is gone.
"$BIN" load --link "$LINK" wikipedia-tcp --browser chromium --rtt 200ms --down 1mbit \
  --tfo off >/dev/null 2>&1 &
run=$!
for _ in $(seq 100); do pgrep -f "chrom.*/run/tfolab/tfl-$run-" >/dev/null && break; sleep 0.1; done
check "a browser of the run started" pgrep -f "chrom.*/run/tfolab/tfl-$run-"
kill -9 $run; wait $run 2>/dev/null
"$BIN" cleanup >/dev/null 2>&1
sleep 0.5
check "SIGKILL + cleanup: no Chromium of that run left" not pgrep -f "chrom.*/run/tfolab/tfl-$run-"
check "SIGKILL + cleanup: nothing of the run left" no_leftovers $run
check "chromium with --tls is refused (exit 2)" sh -c '"$0" load wikipedia-tcp --browser chromium --tls 1.3 >/dev/null 2>&1; [ $? = 2 ]' "$BIN"
check "a bad --browser is refused (exit 2)" sh -c '"$0" load wikipedia-tcp --browser firefox >/dev/null 2>&1; [ $? = 2 ]' "$BIN"
finish
