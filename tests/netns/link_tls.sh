# tfolab link --tls V --serve PAGE serves the page over HTTPS with a CA
# made for the run (TFOLAB_CA), and TFO saves one round trip of the TLS
# connection: real `curl --cacert "$TFOLAB_CA"` for one small object at
# 100 ms RTT gets its first byte after about 3 RTT with TLS 1.3 and 4 RTT
# with TLS 1.2 without TFO, one RTT less with `curl --tcp-fastopen` (the
# ClientHello rides in the SYN); the certificate verifies, the client's
# TCPFastOpenActive rises only with TFO, and the run's keys are gone at the
# end.  A bad --tls value, or --tls without --serve, is refused (exit 2).
. "$(dirname "$0")/lib.sh"
require_root
require_prog curl
require_prog python3
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
cat > "$t/one.page" <<'PAGE'
name one-object
source tests/netns/link_tls.sh
date 2026-12-01
0 - origin.test /small.html 1000 400 text/html -
PAGE
chmod -R a+rX "$t"

# fetch TLS TFO -> "first_byte_s verify_results codes active_delta ca_file",
# the fastest of 3 fetches (noise only adds time, and the fastest cannot
# beat the round trips it needs), or "stalled REASON" when the host stalled
# the link.
fetch() {
  local opts="--cacert \"\$TFOLAB_CA\" --resolve origin.test:443:\$TFOLAB_SERVER"
  [ "$1" = 1.2 ] && opts="$opts --tlsv1.2 --tls-max 1.2"
  [ "$2" = on ] && opts="$opts --tcp-fastopen"
  rm -f "$t/stats.json"
  "$BIN" link --link "$LINK" --rtt 100ms --tfo "$2" --tls "$1" --serve "$t/one.page" \
    --stall-limit "$STALL_LIMIT" --json-stats "$t/stats.json" -- bash -c '
    a0=$(counter TCPFastOpenActive < /proc/net/netstat)
    for i in 1 2 3; do
      curl -s -o /dev/null -w "%{time_starttransfer} %{ssl_verify_result} %{http_code}\n" \
        '"$opts"' https://origin.test/small.html
    done > "'"$t"'/times"
    a1=$(counter TCPFastOpenActive < /proc/net/netstat)
    echo "$(sort -g "'"$t"'/times" | head -n 1 | cut -d" " -f1)" \
      "$(cut -d" " -f2 "'"$t"'/times" | sort -u | paste -sd,)" \
      "$(cut -d" " -f3 "'"$t"'/times" | sort -u | paste -sd,)" "$((a1 - a0))" "$TFOLAB_CA"' \
    > "$t/out"
  python3 - "$t/stats.json" "$t/out" <<'PY'
import json, sys
late = json.load(open(sys.argv[1]))["link_late"]
print("stalled " + str(late["reason"]) if late["stalled"] else open(sys.argv[2]).read().strip())
PY
}
bounds() { # bounds RTTS -> "LO HI": RTTS x 100 ms, -10% .. +10% + SLACK_S
  awk -v n="$1" -v s="$SLACK_S" 'BEGIN { printf "%.3f %.3f\n", n * 0.09, n * 0.11 + s }'
}
measure() { # measure TLS TFO RTTS: the checks of one configuration
  local b what="tls $1, tfo $2" line tt verify codes active ca
  b=$(bounds "$3")
  # shellcheck disable=SC2086 # the bounds split into LO HI
  line=$(retimed "$what" $b fetch "$1" "$2")
  case $line in
    stalled*) stalled_out "$what" "${line#stalled }"; return ;;
  esac
  read -r tt verify codes active ca <<<"$line"
  # shellcheck disable=SC2086
  check "$what: first byte after $3 RTT ($tt s, bounds $b)" between "${tt:-0}" $b
  check "$what: the certificate verified against TFOLAB_CA ($verify)" [ "$verify" = 0 ]
  check "$what: 200 OK ($codes)" [ "$codes" = 200 ]
  check "$what: TFOLAB_CA was set ($ca)" [ -n "$ca" ]
  check "$what: the run's keys and CA are gone ($(dirname "${ca:-/x/y}"))" \
    not test -e "$(dirname "${ca:-/nonexistent/x}")"
  if [ "$2" = on ]; then
    check "$what: TCPFastOpenActive rose by 1 per fetch ($active)" [ "$active" = 3 ]
  else
    check "$what: TCPFastOpenActive did not move ($active)" [ "$active" = 0 ]
  fi
}
measure 1.3 off 3
measure 1.3 on 2
measure 1.2 off 4
measure 1.2 on 3

"$BIN" link --tls 1.4 -- true 2> "$t/err"; rc=$?
check "--tls 1.4: exit 2 ($rc)" [ "$rc" = 2 ]
check "--tls 1.4: names the option and the accepted values ($(cat "$t/err"))" \
  grep -q -- '--tls.*1.4.*off, 1.2, 1.3 or 1.3-early' "$t/err"
"$BIN" link --tls 1.3 -- true 2> "$t/err"; rc=$?
check "--tls without --serve: exit 2 ($rc)" [ "$rc" = 2 ]
check "--tls without --serve: says --serve is needed ($(cat "$t/err"))" \
  grep -q -- '--tls 1.3 needs --serve' "$t/err"
finish
