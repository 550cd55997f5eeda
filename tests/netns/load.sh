# Proof that tfolab measures the right thing: one small object on a fresh
# connection over a 100 ms RTT link with no rate limit takes about 2 RTT
# with TFO off and about 1 RTT with TFO on (519), the kernel's counters
# confirm it, and real curl --tcp-fastopen agrees with the fetcher.
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
plt() { # plt MODE -> seconds, from --json
  "$BIN" load "$t/one.page" --rtt 100ms --tfo "$1" --json |
    python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["plt_s"], j["connections"], j["syn_data_acked"], j["valid"], j["client_counters"]["TCPFastOpenActive"])'
}
# The median of 5 loads: stalls of this shared machine (they hit 2 of 3
# loads in a heavy-steal period) must not decide.
median() { sort -g | awk '{ v[NR] = $0 } END { print v[int((NR + 1) / 2)] }'; }
for mode in off on; do
  for i in 1 2 3 4 5; do plt $mode; done > "$t/$mode"
  # the PLT is the median; the other fields come from that same load
  med=$(cut -d' ' -f1 "$t/$mode" | median)
  grep -m1 "^$med " "$t/$mode" > "$t/$mode.med"
done
read -r p_off c_off s_off v_off a_off < "$t/off.med"
read -r p_on c_on s_on v_on a_on < "$t/on.med"
check "off: about 2 RTT, 200 ms +-5% ($p_off s)" between "${p_off:-0}" 0.190 0.210
check "on: about 1 RTT, 100 ms +-5% ($p_on s)" between "${p_on:-0}" 0.095 0.105
check "off: 1 connection, no SYN data, valid ($c_off $s_off $v_off)" [ "$c_off $s_off $v_off" = "1 0 True" ]
check "on: 1 connection with SYN data acked, valid ($c_on $s_on $v_on)" [ "$c_on $s_on $v_on" = "1 1 True" ]
check "on: the kernel's TCPFastOpenActive rose by 1 ($a_on)" [ "$a_on" = 1 ]
check "off: TCPFastOpenActive did not move ($a_off)" [ "$a_off" = 0 ]

# curl --tcp-fastopen against the same origin (nginx serving the page) in
# the same kind of testbed: tfolab link --serve
curl_time() {
  "$BIN" link --rtt 100ms --tfo "$1" --serve "$t/one.page" -- \
    sh -c 'curl -s --tcp-fastopen -o /dev/null -w "%{time_total}" http://$TFOLAB_SERVER/small.html'
}
c_off=$(for i in 1 2 3 4 5; do curl_time off; echo; done | median)
c_on=$(for i in 1 2 3 4 5; do curl_time on; echo; done | median)
check "curl agrees with the fetcher within 5%, TFO off ($c_off vs $p_off)" \
  awk -v a="$c_off" -v b="$p_off" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 0.05 * b) }'
check "curl agrees with the fetcher within 5%, TFO on ($c_on vs $p_on)" \
  awk -v a="$c_on" -v b="$p_on" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 0.05 * b) }'

# a bad page gives file:line: field: problem, exit 2, no namespace
printf 'name bad\n0 - h /x 12x 400 text/html -\n' > "$t/bad.page"
err=$("$BIN" load "$t/bad.page" 2>&1); rc=$?
check "bad page: exit 2 ($rc)" [ $rc = 2 ]
check "bad page: names file, line and field ($err)" grep -q "bad.page:2: .*12x" <<<"$err"
finish
