# The testbed: namespaces with the run prefix, one address per server host,
# direct routes and no default route, offloads off on every veth, permanent
# neighbours, and nothing left after the run.
. "$(dirname "$0")/lib.sh"
require_root
require_prog ethtool
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$BIN" link --link "$LINK" --servers 3 -- sh -c '
  set -e
  o='"$out"'
  echo "$TFOLAB_PREFIX" > $o/prefix
  echo "$TFOLAB_SERVERS" > $o/servers
  ls /run/netns > $o/netns
  ip -o -4 addr show tflc0 > $o/client_addr
  ip route > $o/client_routes
  ip route show default > $o/client_default
  ip neigh show dev tflc0 > $o/client_neigh
  ethtool -k tflc0 > $o/client_features
  ip netns exec ${TFOLAB_PREFIX}-s ip -o -4 addr show tfls0 > $o/server_addr
  ip netns exec ${TFOLAB_PREFIX}-s ip route show default > $o/server_default
  ip netns exec ${TFOLAB_PREFIX}-s ethtool -k tfls0 > $o/server_features
  ip netns exec ${TFOLAB_PREFIX}-l ethtool -k tfll0 > $o/link_features
  ip netns exec ${TFOLAB_PREFIX}-l ip route show default > $o/link_default
  for a in $TFOLAB_SERVERS; do ping -c 1 -W 2 $a >/dev/null; done
  echo pinged > $o/pinged
'
check "link exits 0" [ $? = 0 ]
prefix=$(cat "$out/prefix")
check "prefix is tfl-<pid>-<n> ($prefix)" grep -Eq '^tfl-[0-9]+-[0-9]+$' "$out/prefix"
for s in c l s; do
  check "namespace $prefix-$s existed during the run" grep -qx "$prefix-$s" "$out/netns"
done
check "three server addresses" [ "$(wc -w < "$out/servers")" = 3 ]
check "server addresses in 198.18.0.0/15" grep -Eq '^198\.1[89]\.' "$out/servers"
check "client address is a /32 in 198.18.0.0/15" grep -Eq 'inet 198\.1[89]\.[0-9]+\.1/32' "$out/client_addr"
check "server carries 3 addresses" [ "$(grep -c 'inet 198' "$out/server_addr")" = 3 ]
check "client route to the server /24 through tflc0" grep -Eq '^198\.1[89]\.[0-9]+\.0/24 dev tflc0' "$out/client_routes"
check "no default route in the client" [ ! -s "$out/client_default" ]
check "no default route in the server" [ ! -s "$out/server_default" ]
check "no default route in the link namespace" [ ! -s "$out/link_default" ]
check "permanent neighbours for every server" [ "$(grep -c PERMANENT "$out/client_neigh")" = 3 ]
for f in client server link; do
  for feat in tcp-segmentation-offload generic-segmentation-offload generic-receive-offload; do
    check "$f: $feat off" grep -q "^$feat: off" "$out/${f}_features"
  done
  check "$f: tx-checksumming off" grep -q "^tx-checksumming: off" "$out/${f}_features"
done
check "every server address answers through the link" [ -f "$out/pinged" ]
for s in c l s; do
  check "namespace $prefix-$s removed" [ ! -e "/run/netns/$prefix-$s" ]
done
check "run directory removed" [ ! -e "/run/tfolab/$prefix" ]
finish
