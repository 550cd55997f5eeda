# A run changes nothing on the host: its TFO and congestion control sysctls,
# interfaces, addresses, routes and qdiscs are identical before and after.
. "$(dirname "$0")/lib.sh"
require_root
snap() {
  sysctl -n net.ipv4.tcp_fastopen net.ipv4.tcp_congestion_control net.ipv4.ip_forward
  ip -o link | sed 's/ qlen [0-9]*//'
  ip -o addr
  ip route
  tc qdisc show
}
before=$(snap)
# --cc is the congctl metric of the testbed's routes, not the namespace's
# default (testbed/testbed.c, cc_record): look at the routes.
"$BIN" link --link "$LINK" --tfo on --cc reno --rtt 10ms -- sh -c 'sysctl -n net.ipv4.tcp_fastopen; ip route show | grep -o "congctl [a-z]*" | sort -u' > /tmp/tfl-hu.$$
rc=$?
inside=$(cat /tmp/tfl-hu.$$); rm -f /tmp/tfl-hu.$$
"$BIN" link --link "$LINK" --tfo cookie --queue 100p -- true
rc2=$?
after=$(snap)
check "link runs" [ $rc = 0 ]
check "link --tfo cookie runs ($rc2)" [ $rc2 = 0 ]
check "inside: tcp_fastopen 1543 and routes with congctl reno ($(echo $inside))" [ "$(echo $inside)" = "1543 congctl reno" ]
check "host tcp_fastopen, cc, interfaces, addresses, routes and qdiscs unchanged" [ "$before" = "$after" ]
[ "$before" = "$after" ] || diff <(echo "$before") <(echo "$after")
finish
