# HTTPS over TFO, measured by the fetcher against nginx: one small object on
# a fresh connection at 100 ms RTT, no rate limit.  The first response byte
# arrives after as many round trips as the protocol needs before the
# request can leave, plus one; TFO saves exactly one of them (the
# ClientHello, or with 1.3-early the request itself, rides in the SYN):
#   HTTP                 2 RTT   with TFO 1
#   TLS 1.3              3 RTT            2
#   TLS 1.2 (full)       4 RTT            3
#   TLS 1.3 early data   2 RTT            1
# Bounds: +-10% (+SLACK_S).  Every load must also be valid by OpenSSL's and
# the kernel's own account (version, resumption, early data accepted, SYN
# data acked), and 1.3-early must work with real TFO cookies too.  A load
# whose link the host stalled is repeated (lib.sh: STALL_TRIES).
. "$(dirname "$0")/lib.sh"
require_root
require_prog nginx
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
cat > "$t/one.page" <<'PAGE'
name one-object
source tests/netns/load_tls.sh
date 2026-12-01
0 - origin.test /small.html 1000 400 text/html -
PAGE
chmod -R a+rX "$t"
# one_load TFO TLS -> "first_byte_s valid versions resumed early_accepted conns active"
one_load() {
  "$BIN" load --link "$LINK" "$t/one.page" --rtt 100ms --tfo "$1" --tls "$2" \
    --stall-limit "$STALL_LIMIT" --json 2>"$t/err" | python3 -c '
import json, sys
j = json.load(sys.stdin)
if j["link_late"]["stalled"]:
    print("stalled", j["link_late"]["reason"]); sys.exit()
c = j["tls_connections"]
print(j["requests"][0]["first_byte_ns"] / 1e9, j["valid"],
      ",".join(sorted({x["version"].replace(" ", "") for x in c})) or "none",
      sum(x["resumed"] for x in c), sum(x["early"] == "accepted" for x in c),
      j["connections"], j["client_counters"]["TCPFastOpenActive"])' || cat "$t/err" >&2
}
unstalled() { # unstalled TFO TLS: one_load, repeated while the host stalled the link
  local i line
  for i in $(seq "$STALL_TRIES"); do
    line=$(one_load "$@")
    case $line in stalled*) echo "# tfo $1 tls $2: $i $line" >&2 ;; *) break ;; esac
  done
  echo "$line"
}
bounds() { awk -v k="$1" -v s="$SLACK_S" 'BEGIN { print 0.09 * k, 0.11 * k + s }'; }
while read -r tls tfo rtts version resumed; do
  # shellcheck disable=SC2046 # the bounds split into LO HI
  line=$(retimed "tls $tls tfo $tfo" $(bounds "$rtts") unstalled "$tfo" "$tls")
  case $line in
    stalled*) stalled_out "tls $tls tfo $tfo" "${line#stalled }"; continue ;;
  esac
  read -r fb valid ver res early conns active <<<"$line"
  # shellcheck disable=SC2046
  check "tls $tls, tfo $tfo: first byte after $rtts RTT ($fb s)" between "${fb:-0}" $(bounds "$rtts")
  check "tls $tls, tfo $tfo: valid, $version, $resumed resumed ($valid $ver $res)" \
    [ "$valid $ver $res" = "True $version $resumed" ]
  [ "$tls" = 1.3-early ] &&
    check "tls $tls, tfo $tfo: early data accepted on every connection ($early of $conns)" [ "$early" = "$conns" ]
  if [ "$tfo" = off ]; then
    check "tls $tls, tfo $tfo: no SYN data ($active)" [ "$active" = 0 ]
  else
    check "tls $tls, tfo $tfo: TCPFastOpenActive rose by the connections ($active of $conns)" [ "$active" = "$conns" ]
  fi
done <<'CASES'
off off 2 none 0
off on 1 none 0
1.3 off 3 TLS1.3 0
1.3 on 2 TLS1.3 0
1.2 off 4 TLS1.2 0
1.2 on 3 TLS1.2 0
1.3-early off 2 TLS1.3 1
1.3-early on 1 TLS1.3 1
1.3-early cookie 1 TLS1.3 1
CASES

# a wrong value: exit 2, the option and the accepted values named
err=$("$BIN" load --link "$LINK" "$t/one.page" --tls 1.4 2>&1); rc=$?
check "--tls 1.4: exit 2 ($rc)" [ $rc = 2 ]
check "--tls 1.4: names the option and the values ($err)" grep -q -- '--tls: "1.4" is not a TLS mode (use off, 1.2, 1.3 or 1.3-early)' <<<"$err"
finish
