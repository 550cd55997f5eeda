# The TFO preload library (browser/preload/) on its own: a plain client that
# does not ask for TFO (curl without --tcp-fastopen) gets it from the
# library.  Over `tfolab link --rtt 100ms --tfo cookie`, in the client
# namespace: the first preloaded connection fetches the cookie, the second
# carries SYN data that the server acks (the client's TCPFastOpenActive and
# the server's TCPFastOpenPassive rise by one, TCPFastOpenActiveFail by
# none) and gets its first byte after 1 RTT, not 2.  The control: the same
# curl without LD_PRELOAD moves no counter and takes 2 RTT.  Under the
# preload, UDP and unix sockets connect as before and are not logged; with
# --tfo off the setsockopt fails (EOPNOTSUPP, reported once with
# TFOLAB_PRELOAD_DEBUG) and the connection is made anyway.  Then Chromium,
# if installed: two headless loads of a page, the second with SYN data.
. "$(dirname "$0")/lib.sh"
require_root
require_prog curl
require_prog python3
LIB=${TFOLAB_PRELOAD_LIB:?TFOLAB_PRELOAD_LIB is not set (run through meson test)}
# KEEP=1 keeps the directory (logs, Chromium's stderr) and prints its name.
t=$(mktemp -d); trap '[ -n "${KEEP:-}" ] || rm -rf "$t"' EXIT; echo "# tmp $t"
head -c 1000 /dev/urandom > "$t/small"
echo '<html><body><p id="m">tfolab-preload-page</p></body></html>' > "$t/index.html"
chmod -R a+rX "$t"
export LIB t

check "the library was built ($LIB)" [ -f "$LIB" ]
found=$(env -u TFOLAB_PRELOAD "$BIN" check --json 2>/dev/null | python3 -c '
import json, sys
print([c for c in json.load(sys.stdin)["checks"] if c["item"] == "TFO preload library"][0]["detail"])')
check "the build's tfolab uses this build's library ($found)" \
  [ "$(realpath "$found" 2>/dev/null)" = "$(realpath "$LIB")" ]
found=$(TFOLAB_PRELOAD=/nonexistent/x.so "$BIN" check --json 2>/dev/null | grep -c '/nonexistent/x.so')
check "TFOLAB_PRELOAD overrides it" [ "$found" -ge 1 ]

server="cd $t && exec python3 -m http.server 80 --bind \$TFOLAB_SERVER >/dev/null 2>&1"
# The client's side, run in the client namespace by tfolab link.  Prints
# one line: the warm preloaded fetch's seconds, then NAME=VALUE pairs.
cat > "$t/client.sh" <<'EOF'
snap() { # snap -> "active fail passive"
  echo "$(counter TCPFastOpenActive < /proc/net/netstat) $(counter TCPFastOpenActiveFail < /proc/net/netstat)" \
       "$(ip netns exec "$TFOLAB_PREFIX-s" cat /proc/net/netstat | counter TCPFastOpenPassive)"
}
delta() { # delta "a f p" "a f p" -> "da/df/dp"
  set -- $1 $2; echo "$(($4 - $1))/$(($5 - $2))/$(($6 - $3))"
}
get() { curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "http://$TFOLAB_SERVER/small"; }
url=http://$TFOLAB_SERVER/small
# Ready when a plain connection (no TFO: no counter moves) gets the file.
for i in $(seq 1 100); do curl -s -o /dev/null "$url" && break; sleep 0.2; done
s0=$(snap)
read -r c1 tc1 <<<"$(get)"; read -r c2 tc2 <<<"$(get)"
s1=$(snap)
export TFOLAB_PRELOAD_LOG=$t/log.$1 TFOLAB_PRELOAD_DEBUG=1
read -r p1 tp1 <<<"$(LD_PRELOAD=$LIB get 2>>"$t/err.$1")"
s2=$(snap)
read -r p2 tp2 <<<"$(LD_PRELOAD=$LIB get 2>>"$t/err.$1")"
s3=$(snap)
# UDP and unix sockets under the preload: connect works, nothing is logged.
other=$(LD_PRELOAD=$LIB python3 -c '
import os, socket, sys
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.connect((sys.argv[1], 9))
p = sys.argv[2] + "/unix.sock"
l = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); l.bind(p); l.listen(1)
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); c.connect(p)
print("ok")' "$TFOLAB_SERVER" "$t" 2>&1 | tr ' \n' '__')
rm -f "$t/unix.sock"
echo "$tp2 ctl=$(delta "$s0" "$s1") cold=$(delta "$s1" "$s2") warm=$(delta "$s2" "$s3")" \
     "codes=$c1$c2$p1$p2 tctl=$tc2 tcold=$tp1 other=$other" \
     "lines=$(grep -c . "$t/log.$1" 2>/dev/null || echo 0) sysctl=$(sysctl -n net.ipv4.tcp_fastopen)"
EOF
session() { # session MODE -> client.sh's line
  rm -f "$t/log.$1" "$t/err.$1"
  "$BIN" link --link "$LINK" --rtt 100ms --tfo "$1" --server-cmd "$server" -- bash "$t/client.sh" "$1"
}
field() { # field NAME LINE
  local w; for w in $2; do case $w in "$1"=*) echo "${w#*=}"; return ;; esac; done
}

line=$(retimed "cookie, warm" 0.095 0.160 session cookie)
echo "# cookie: $line"
tw=${line%% *}
check "cookie: every fetch got 200 ($(field codes "$line"))" [ "$(field codes "$line")" = 200200200200 ]
check "cookie: without the preload no TFO counter moves (active/fail/passive $(field ctl "$line"))" \
  [ "$(field ctl "$line")" = 0/0/0 ]
check "cookie: the cold preloaded connection only fetched the cookie ($(field cold "$line"))" \
  [ "$(field cold "$line")" = 0/0/0 ]
check "cookie: the warm preloaded connection's SYN data was acked ($(field warm "$line"))" \
  [ "$(field warm "$line")" = 1/0/1 ]
check "cookie: without the preload 2 RTT ($(field tctl "$line") s)" between "$(field tctl "$line")" 0.195 0.400
check "cookie: cold, with the preload, 2 RTT ($(field tcold "$line") s)" between "$(field tcold "$line")" 0.195 0.400
check "cookie: warm, with the preload, 1 RTT ($tw s)" between "${tw:-0}" 0.095 0.160
check "cookie: UDP and unix sockets connect under the preload ($(field other "$line"))" \
  [ "$(field other "$line")" = ok_ ]
check "cookie: the log has one line per TCP connect, none for UDP/unix ($(field lines "$line"))" \
  [ "$(field lines "$line")" = 2 ]
# Without a cookie the SYN leaves at once (asking for one): connect says
# EINPROGRESS; with one it waits for the first write: connect returns 0.
check "cookie: the log says the option was set, and the warm connect was deferred ($(tr '\n' ';' < "$t/log.cookie"))" \
  [ "$(grep -o "dst=[0-9.]*:80 tfo=set connect=[A-Z0-9]*" "$t/log.cookie" | sed 's/.*connect=//' | tr '\n' ' ')" = "EINPROGRESS 0 " ]
check "cookie: no debug report when the option is set ($(cat "$t/err.cookie"))" [ ! -s "$t/err.cookie" ]

line=$(session off)
echo "# off: $line"
check "off: every fetch got 200 under the preload ($(field codes "$line"))" \
  [ "$(field codes "$line")" = 200200200200 ]
check "off: nothing rises ($(field cold "$line") $(field warm "$line"))" \
  [ "$(field cold "$line")/$(field warm "$line")" = 0/0/0/0/0/0 ]
check "off: the log names the setsockopt's failure" \
  [ "$(grep -c "tfo=EOPNOTSUPP connect=EINPROGRESS" "$t/log.off")" = 2 ]
check "off: TFOLAB_PRELOAD_DEBUG reports it once per process, naming the errno" \
  [ "$(grep -c "TCP_FASTOPEN_CONNECT): EOPNOTSUPP" "$t/err.off")" = 2 ]

# Chromium: two headless loads of a page in two runs; the first fetches the
# cookie, the second's connections carry SYN data.
CHROMIUM=$(command -v chromium || true)
if [ -z "$CHROMIUM" ]; then
  echo "# SKIP (the Chromium part only): chromium is not installed (TFOLAB_BROWSER=1 scripts/setup)"
else
  cat > "$t/browser.sh" <<'EOF'
opens() { awk '/^Tcp:/ { if (!h) { for (i = 1; i <= NF; i++) col[$i] = i; h = 1 } else print $col["ActiveOpens"] }' /proc/net/snmp; }
for i in $(seq 1 100); do curl -s -o /dev/null "http://$TFOLAB_SERVER/" && break; sleep 0.2; done
# Run 0 is the control, without the preload.  A run whose Chromium did
# not load the page (it crashed or hung once under a loaded host: exit
# 137, or 0 with no DOM) is tried once more, its stderr shown; the
# counters are those of the last attempt.  A library that broke Chromium
# fails both.
for run in 0 1 2; do
  pre=$LIB; [ $run = 0 ] && pre=
  for try in 1 2; do
    rm -f "$t/chromium.$run"
    a0=$(counter TCPFastOpenActive < /proc/net/netstat) f0=$(counter TCPFastOpenActiveFail < /proc/net/netstat) o0=$(opens)
    TFOLAB_PRELOAD_LOG=$t/chromium.$run LD_PRELOAD=$pre timeout 120 chromium --headless=new --no-sandbox \
      --disable-gpu --user-data-dir="$t/profile.$run.$try" --no-first-run --disable-background-networking \
      --dump-dom "http://$TFOLAB_SERVER/" > "$t/dom.$run" 2>"$t/chromium-err.$run"
    rc=$?
    a1=$(counter TCPFastOpenActive < /proc/net/netstat) f1=$(counter TCPFastOpenActiveFail < /proc/net/netstat) o1=$(opens)
    dom=$(grep -c tfolab-preload-page "$t/dom.$run")
    [ "$rc/$dom" = 0/1 ] && break
    echo "# chromium run $run, attempt $try: exit $rc, page loaded: $dom; its stderr:" >&2
    tail -n 5 "$t/chromium-err.$run" | sed 's/^/#   /' >&2
  done
  echo "run$run=rc:$rc,dom:$dom,active:$((a1 - a0)),fail:$((f1 - f0)),opens:$((o1 - o0)),logged:$(grep -c 'tfo=set' "$t/chromium.$run" 2>/dev/null || echo 0),tries:$try"
done
EOF
  out=$("$BIN" link --link "$LINK" --rtt 100ms --tfo cookie --server-cmd "$server" -- bash "$t/browser.sh" | tr '\n' ' ')
  echo "# chromium: $out"
  r0=$(field run0 "$out") r1=$(field run1 "$out") r2=$(field run2 "$out")
  part() { local w; for w in ${2//,/ }; do [ "${w%%:*}" = "$1" ] && echo "${w#*:}"; done; }
  check "chromium: every run loaded the page ($r0; $r1; $r2)" \
    [ "$(for r in "$r0" "$r1" "$r2"; do echo -n "$(part rc "$r")$(part dom "$r")"; done)" = 010101 ]
  check "chromium: without the preload it opened connections and no TFO counter moved ($r0)" \
    [ "$(part opens "$r0")" -ge 1 -a "$(part active "$r0")/$(part fail "$r0")/$(part logged "$r0")" = 0/0/0 ]
  check "chromium: its connects went through the preload ($r1; $r2)" \
    [ "$(part logged "$r1")" -ge 1 -a "$(part logged "$r2")" -ge 1 ]
  # Not "on every connection": --dump-dom exits once the page is parsed,
  # and the favicon's connection, opened after it, may close before its
  # SYN-ACK arrives, uncounted by TCPFastOpenActive.
  check "chromium: the second run's SYN data was acked, none failed ($r1; $r2)" \
    [ "$(part active "$r2")" -ge 1 -a "$(part active "$r2")" -le "$(part opens "$r2")" \
      -a "$(part fail "$r1")/$(part fail "$r2")" = 0/0 ]
  [ "$r2" ] || sed 's/^/# chromium stderr: /' "$t/chromium-err.2" | tail -n 20
fi
finish
