# --tfo sets TCP Fast Open in both namespaces so that any client and any
# listener uses it: real `curl --tcp-fastopen` against a plain server (no
# TCP_FASTOPEN socket option) at 100 ms RTT takes about 1 RTT with TFO on
# and 2 RTT with it off, and the kernel's own counters agree.
. "$(dirname "$0")/lib.sh"
require_root
require_prog curl
require_prog python3
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
head -c 1000 /dev/urandom > "$t/small"
chmod -R a+rX "$t"

fetch() { # fetch MODE -> "time_total active_delta passive_delta sysctl"
  "$BIN" link --link "$LINK" --rtt 100ms --tfo "$1" \
    --server-cmd "cd $t && exec python3 -m http.server 80 --bind \$TFOLAB_SERVER >/dev/null 2>&1" -- bash -c '
    # Ready when a plain connection (no TFO, so no counter moves) gets the
    # file: under a loaded or emulated kernel Python takes seconds to start.
    for i in $(seq 1 100); do curl -s -o /dev/null http://$TFOLAB_SERVER/small && break; sleep 0.2; done
    a0=$(counter TCPFastOpenActive < /proc/net/netstat)
    p0=$(ip netns exec ${TFOLAB_PREFIX}-s cat /proc/net/netstat | counter TCPFastOpenPassive)
    # one warm-up connection: with cookies it fetches the cookie
    curl -s --tcp-fastopen -o /dev/null http://$TFOLAB_SERVER/small
    a1=$(counter TCPFastOpenActive < /proc/net/netstat)
    # three timed fetches, the fastest kept: noise only adds time, and the
    # fastest cannot beat the RTTs it needs
    tt=$(for i in 1 2 3; do curl -s --tcp-fastopen -o /dev/null -w "%{time_total}\n" http://$TFOLAB_SERVER/small; done | sort -g | head -n 1)
    a2=$(counter TCPFastOpenActive < /proc/net/netstat)
    p2=$(ip netns exec ${TFOLAB_PREFIX}-s cat /proc/net/netstat | counter TCPFastOpenPassive)
    echo "$tt $((a2 - a1)) $((p2 - p0)) $(sysctl -n net.ipv4.tcp_fastopen)"'
}
two_rtt="0.195 0.260" one_rtt="0.095 0.150"
# shellcheck disable=SC2086 # the bounds split into LO HI
read -r t_off a_off p_off s_off <<<"$(retimed "tfo off" $two_rtt fetch off)"
# shellcheck disable=SC2086
read -r t_on a_on p_on s_on <<<"$(retimed "tfo on" $one_rtt fetch on)"
# shellcheck disable=SC2086
read -r t_ck a_ck p_ck s_ck <<<"$(retimed "tfo cookie" $one_rtt fetch cookie)"
check "off: sysctl 0 ($s_off)" [ "$s_off" = 0 ]
check "on: sysctl 1543 = 0x607 ($s_on)" [ "$s_on" = 1543 ]
check "cookie: sysctl 1027 = 0x403 ($s_ck)" [ "$s_ck" = 1027 ]
check "off: 2 RTT ($t_off s)" between "${t_off:-0}" $two_rtt
check "on: 1 RTT ($t_on s)" between "${t_on:-0}" $one_rtt
check "cookie, warm: 1 RTT ($t_ck s)" between "${t_ck:-0}" $one_rtt
check "off: no TFO in the kernel's counters ($a_off, $p_off)" [ "$a_off/$p_off" = 0/0 ]
check "on: the client's TCPFastOpenActive rose by 1 per timed fetch ($a_on)" [ "$a_on" = 3 ]
check "on: the server accepted SYN data on all 4 connections ($p_on)" [ "$p_on" = 4 ]
check "cookie: the 3 warm connections used TFO ($a_ck)" [ "$a_ck" = 3 ]
check "cookie: the cold connection only fetched the cookie ($p_ck passive, 3 warm)" [ "$p_ck" = 3 ]
finish
