# Proof that tfolab measures the right thing: one small object on a fresh
# connection over a 100 ms RTT link with no rate limit takes about 2 RTT
# with TFO off and about 1 RTT with TFO on (519), the kernel's counters
# confirm it, and real curl --tcp-fastopen agrees with the fetcher.  Loads
# whose link the host stalled are repeated and not checked (lib.sh:
# STALL_TRIES); when every attempt stalled the test skips naming the stall.
. "$(dirname "$0")/lib.sh"
require_root
require_prog nginx
require_prog curl
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
cat > "$t/one.page" <<'PAGE'
name one-object
source tests/netns/load.sh
date 2026-11-21
0 - origin.test /small.html 1000 400 text/html -
PAGE
chmod -R a+rX "$t"
plt() { # plt MODE -> seconds and the rest, from --json; "stalled REASON" when the host stalled the link
  "$BIN" load --link "$LINK" "$t/one.page" --rtt 100ms --tfo "$1" --stall-limit "$STALL_LIMIT" --json |
    python3 -c '
import json, sys
j = json.load(sys.stdin)
if j["link_late"]["stalled"]:
    print("stalled", j["link_late"]["reason"])
else:
    print(j["plt_s"], j["connections"], j["syn_data_acked"], j["valid"], j["client_counters"]["TCPFastOpenActive"])'
}
# The median of LOADS loads (5; kernel61 takes 3, as every load under UML
# costs about 25 s) that did not stall (the runner's rule: a load whose link
# was late beyond the stall limit is repeated, 2.5 x LOADS attempts at most
# per mode; every attempt stalled: the mode's checks are not made, and the
# test skips naming the stall).
LOADS=${TFOLAB_TEST_LOADS:-5}
median() { sort -g | awk '{ v[NR] = $0 } END { print v[int((NR + 1) / 2)] }'; }
loads() { # loads MODE -> the median load's line, or "stalled REASON" when every attempt stalled
  local i line why=
  : > "$t/$1"
  for i in $(seq $((STALL_TRIES * LOADS / 2))); do
    line=$(plt "$1")
    case $line in
      stalled*) echo "# tfo $1: load $i ${line}" >&2; why=${line#stalled } ;;
      *) echo "$line" >> "$t/$1" ;;
    esac
    [ "$(wc -l < "$t/$1")" -ge "$LOADS" ] && break
  done
  if [ ! -s "$t/$1" ]; then echo "stalled $why"; return; fi
  # the PLT is the median; the other fields come from that same load
  grep -m1 "^$(cut -d' ' -f1 "$t/$1" | median) " "$t/$1"
}
off_lo=0.190 off_hi=$(awk -v s="$SLACK_S" 'BEGIN { print 0.210 + s }')
on_lo=0.095 on_hi=$(awk -v s="$SLACK_S" 'BEGIN { print 0.105 + s }')
for mode in off on; do
  lo=${mode}_lo hi=${mode}_hi
  line=$(retimed "tfo $mode loads" "${!lo}" "${!hi}" loads $mode)
  case $line in
    stalled*) stalled_out "tfo $mode loads" "${line#stalled }"; : > "$t/$mode.med" ;;
    *) echo "$line" > "$t/$mode.med" ;;
  esac
done
p_off= p_on=
read -r p_off c_off s_off v_off a_off < "$t/off.med"
read -r p_on c_on s_on v_on a_on < "$t/on.med"
if [ -n "$p_off" ]; then
  check "off: about 2 RTT, 200 ms +-5% (+${SLACK_S} s) ($p_off s)" between "$p_off" "$off_lo" "$off_hi"
  check "off: 1 connection, no SYN data, valid ($c_off $s_off $v_off)" [ "$c_off $s_off $v_off" = "1 0 True" ]
  check "off: TCPFastOpenActive did not move ($a_off)" [ "$a_off" = 0 ]
fi
if [ -n "$p_on" ]; then
  check "on: about 1 RTT, 100 ms +-5% (+${SLACK_S} s) ($p_on s)" between "$p_on" "$on_lo" "$on_hi"
  check "on: 1 connection with SYN data acked, valid ($c_on $s_on $v_on)" [ "$c_on $s_on $v_on" = "1 1 True" ]
  check "on: the kernel's TCPFastOpenActive rose by 1 ($a_on)" [ "$a_on" = 1 ]
fi
check "--json reports the link's lateness" python3 -c '
import json, sys
l = json.load(sys.stdin)["link_late"]
sys.exit(not (l["known"] in (True, False) and "max_ms" in l and "stalled" in l))' \
  < <("$BIN" load --link "$LINK" "$t/one.page" --rtt 20ms --json)
check "the text reports the link's lateness" grep -Eq "^link late +(max [0-9.]+ ms|unknown)" \
  < <("$BIN" load --link "$LINK" "$t/one.page" --rtt 20ms)

# curl --tcp-fastopen against the same origin (nginx serving the page) in
# the same kind of testbed: tfolab link --serve.  Three fetches on fresh
# connections, the fastest kept: the host's noise only adds time (under UML
# a process waits up to 10 ms per scheduling step), and the fastest still
# cannot beat the link's RTTs, so the bounds keep their meaning.
curl_time() { # curl_time MODE -> seconds, or "stalled REASON"
  local secs
  secs=$("$BIN" link --link "$LINK" --rtt 100ms --tfo "$1" --serve "$t/one.page" --stall-limit "$STALL_LIMIT" \
           --json-stats "$t/curl.json" -- \
    sh -c 'for i in 1 2 3; do curl -s --tcp-fastopen -o /dev/null -w "%{time_total}\n" http://$TFOLAB_SERVER/small.html; done' |
    sort -g | head -n 1)
  python3 -c '
import json, sys
l = json.load(open(sys.argv[1]))["link_late"]
print("stalled " + l["reason"] if l["stalled"] else sys.argv[2])' "$t/curl.json" "$secs"
}
curl_unstalled() { # curl_unstalled MODE -> seconds, or "stalled REASON" when every attempt stalled
  local i line
  for i in $(seq "$STALL_TRIES"); do
    line=$(curl_time "$1")
    case $line in
      stalled*) echo "# curl tfo $1: $i ${line}" >&2 ;;
      *) break ;;
    esac
  done
  echo "$line"
}
# curl agrees with the fetcher within 5% (+SLACK_S s)
for mode in off on; do
  p=p_$mode
  [ -n "${!p}" ] || continue
  lo=$(awk -v b="${!p}" -v s="$SLACK_S" 'BEGIN { print b - 0.05 * b - s }')
  hi=$(awk -v b="${!p}" -v s="$SLACK_S" 'BEGIN { print b + 0.05 * b + s }')
  line=$(retimed "curl tfo $mode" "$lo" "$hi" curl_unstalled $mode)
  case $line in
    stalled*) stalled_out "curl tfo $mode" "${line#stalled }" ;;
    *) check "curl agrees with the fetcher within 5% (+${SLACK_S} s), TFO $mode ($line vs ${!p})" between "$line" "$lo" "$hi" ;;
  esac
done

# a bad page gives file:line: field: problem, exit 2, no namespace
printf 'name bad\n0 - h /x 12x 400 text/html -\n' > "$t/bad.page"
err=$("$BIN" load --link "$LINK" "$t/bad.page" 2>&1); rc=$?
check "bad page: exit 2 ($rc)" [ $rc = 2 ]
check "bad page: names file, line and field ($err)" grep -q "bad.page:2: .*12x" <<<"$err"
finish
