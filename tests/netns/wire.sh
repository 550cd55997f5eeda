# The workload on the wire: the origin sends each body's wire bytes with
# its Content-Encoding, the fetcher moves exactly those bytes and releases
# a child once the parent's wire share of its decoded offset arrived;
# --encoding decoded moves the decoded bytes instead.  And TFO's own
# failure: a link that drops the first SYN with data makes the kernel fall
# back (RFC 7413), a valid trial that counts the fallback.
. "$(dirname "$0")/lib.sh"
require_root
require_prog nginx
require_prog curl
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
# A 100000-byte page gzip'd to 34000 bytes; the image is referenced at
# decoded byte 50000, i.e. once 17000 wire bytes of the root arrived.
cat > "$t/gz.page" <<'PAGE'
name gz
source tests/netns/wire.sh
0 - origin.test /index.html 100000 400 text/html - wire=34000 enc=gzip
1 0 origin.test /img.png 5000 400 image/png 50000 via=html
PAGE
chmod -R a+rX "$t"
j() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"; }

out=$("$BIN" load --link userspace "$t/gz.page" --rtt 100ms --down 4mbit --up 256kbit --json)
check "wire load is valid ($(j 'j["valid"]' <<<"$out"))" [ "$(j 'j["valid"]' <<<"$out")" = True ]
check "root moved its 34000 wire bytes ($(j 'j["requests"][0]["body_bytes"]' <<<"$out"))" \
  [ "$(j 'j["requests"][0]["body_bytes"]' <<<"$out")" = 34000 ]
check "page totals: decoded 105000, wire 39000" \
  [ "$(j 'j["page_decoded_bytes"], j["page_wire_bytes"]' <<<"$out")" = "105000 39000" ]
# The child is queued when 17000 of 34000 wire bytes arrived: well before
# the root's last byte (4 Mbit/s: 17000 bytes take 34 ms).
q=$(j 'j["requests"][1]["queued_ns"], j["requests"][0]["first_byte_ns"], j["requests"][0]["done_ns"]' <<<"$out")
read -r queued first last <<<"$q"
check "child released mid-root, after its wire offset ($queued between $first and $last)" \
  awk -v q="$queued" -v f="$first" -v l="$last" 'BEGIN { exit !(q > f + 20e6 && q < l - 10e6) }'

dec=$("$BIN" load --link userspace "$t/gz.page" --rtt 100ms --down 4mbit --up 256kbit --encoding decoded --json)
check "decoded load moved 100000 root bytes ($(j 'j["requests"][0]["body_bytes"]' <<<"$dec"))" \
  [ "$(j 'j["requests"][0]["body_bytes"]' <<<"$dec")" = 100000 ]
check "decoded load is slower (wire $(j 'j["plt_s"]' <<<"$out") s < decoded $(j 'j["plt_s"]' <<<"$dec") s)" \
  awk -v a="$(j 'j["plt_s"]' <<<"$out")" -v b="$(j 'j["plt_s"]' <<<"$dec")" 'BEGIN { exit !(a < b) }'

# nginx itself says gzip, and the size is the wire size (curl, not our fetcher)
hdr=$("$BIN" link --link userspace --serve "$t/gz.page" -- sh -c 'curl -s -D - -o /dev/null http://$TFOLAB_SERVER/index.html')
check "origin sends Content-Encoding: gzip" grep -qi '^Content-Encoding: gzip' <<<"$hdr"
check "origin sends Content-Length: 34000" grep -qi '^Content-Length: 34000' <<<"$hdr"
hdr=$("$BIN" link --link userspace --serve "$t/gz.page" -- sh -c 'curl -s -D - -o /dev/null http://$TFOLAB_SERVER/img.png')
check "identity body has no Content-Encoding" not grep -qi '^Content-Encoding' <<<"$hdr"

# The built-in wikipedia-tcp page moves its wire bytes (301,229 bodies).
w=$("$BIN" load --link userspace wikipedia-tcp --rtt 20ms --down 4mbit --up 256kbit --json)
check "wikipedia-tcp: body bytes moved = page wire bytes = 301229 ($(j 'sum(r["body_bytes"] for r in j["requests"]), j["page_wire_bytes"]' <<<"$w"))" \
  [ "$(j 'sum(r["body_bytes"] for r in j["requests"]), j["page_wire_bytes"]' <<<"$w")" = "301229 301229" ]

# The first SYN with data is dropped: the kernel resends the SYN without
# data after its 1 s timeout and the data after the handshake.  Valid,
# with one fallback; without --drop-syn-data the same load has none.
fb=$("$BIN" load --link userspace "$t/gz.page" --rtt 100ms --tfo on --drop-syn-data 1 --json)
check "dropped SYN: valid ($(j 'j["valid"], j["reason"]' <<<"$fb"))" [ "$(j 'j["valid"]' <<<"$fb")" = True ]
check "dropped SYN: 1 fallback, link dropped 1 up ($(j 'j["fallbacks"], j["link_drops"]["up"]' <<<"$fb"))" \
  [ "$(j 'j["fallbacks"], j["link_drops"]["up"]' <<<"$fb")" = "1 1" ]
check "dropped SYN: the kernel counted ActiveFail ($(j 'j["client_counters"]["TCPFastOpenActiveFail"]' <<<"$fb"))" \
  [ "$(j 'j["client_counters"]["TCPFastOpenActiveFail"]' <<<"$fb")" -ge 1 ]
check "dropped SYN: PLT includes the 1 s SYN timeout ($(j 'j["plt_s"]' <<<"$fb") s)" \
  between "$(j 'j["plt_s"]' <<<"$fb")" 1.0 3.0
ok=$("$BIN" load --link userspace "$t/gz.page" --rtt 100ms --tfo on --json)
check "no drop: no fallback ($(j 'j["fallbacks"]' <<<"$ok"))" [ "$(j 'j["fallbacks"]' <<<"$ok")" = 0 ]
err=$("$BIN" load --link userspace "$t/gz.page" --drop-syn-data x 2>&1); rc=$?
check "bad --drop-syn-data: exit 2 and names it ($rc: $err)" \
  sh -c "[ $rc = 2 ] && echo \"\$1\" | grep -q drop-syn-data" _ "$err"
finish
