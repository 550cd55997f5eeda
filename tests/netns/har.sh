# Bring your own page, end to end: each HAR of ../shared/reference/har is
# imported, loaded once with TFO on over 20 ms, 4 Mbit/s down, 256 kbit/s
# up, and written back as a HAR (--har).  The load is valid by the
# kernel's counters (TCPFastOpenActive rose, SYN data was acked), the HAR
# parses as JSON with one entry per resource whose timings add up, and it
# imports again with the same resources, hosts and sizes.
. "$(dirname "$0")/lib.sh"
require_root
require_prog nginx
require_prog python3
dir=${TFOLAB_SHARED:-}/reference/har
if [ -z "${TFOLAB_SHARED:-}" ] || [ ! -d "$dir" ]; then
  echo "SKIP: no reference HARs (../shared/reference/har)"; exit 77
fi
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
chmod a+rx "$t"
tfo_valid() { [ "$1" = True ] && [ "$2" -gt 0 ] && [ "$3" -gt 0 ]; }
n=0
for har in "$dir"/*.har; do
  name=$(basename "$har" .har | tr -c 'A-Za-z0-9_\n-' _)
  n=$((n + 1))
  "$BIN" import "$har" -o "$t/$name.page" > "$t/$name.import" 2>&1
  check "$name: imports" [ $? = 0 ]
  chmod a+r "$t/$name.page"
  "$BIN" load --link "$LINK" "$t/$name.page" --tfo on --rtt 20ms --down 4mbit --up 256kbit \
    --json --har "$t/$name.har" > "$t/$name.json" 2> "$t/$name.err"
  rc=$?
  check "$name: the load exits 0 ($rc; $(tail -1 "$t/$name.err"))" [ $rc = 0 ]
  read -r valid active acked reqs < <(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
print(j["valid"], j["client_counters"]["TCPFastOpenActive"], j["syn_data_acked"], len(j["requests"]))
' "$t/$name.json" 2>/dev/null)
  check "$name: valid by the kernel's counters (valid $valid, TCPFastOpenActive +$active, $acked connections with SYN data acked)" \
    tfo_valid "${valid:-}" "${active:-0}" "${acked:-0}"
  python3 - "$t/$name.har" "${reqs:-0}" > "$t/$name.check" 2>&1 <<'PY'
import json, sys
h = json.load(open(sys.argv[1]))["log"]
assert h["version"] == "1.2" and h["creator"]["name"] == "tfolab", "log header"
assert len(h["pages"]) == 1, "one page"
es = h["entries"]
assert len(es) == int(sys.argv[2]), "%d entries for %s requests" % (len(es), sys.argv[2])
for e in es:
    t = e["timings"]
    parts = sum(t[k] for k in ("blocked", "connect", "send", "wait", "receive"))
    assert abs(parts - e["time"]) < 1e-6, "timings add up"
    assert e["response"]["status"] == 200, "status"
assert any(e["_tfo"] for e in es), "some entry went over a TFO connection"
print("ok", len(es))
PY
  check "$name: out.har is HAR 1.2 JSON ($(tail -1 "$t/$name.check"))" grep -q '^ok' "$t/$name.check"
  "$BIN" import "$t/$name.har" -o "$t/$name.back.page" > "$t/$name.back" 2>&1
  check "$name: out.har imports again" [ $? = 0 ]
  res() { sed -n 's/.*read, \([0-9]*\) resources kept.*/\1/p; s/.*hosts \([0-9]*\),.*total body bytes \([0-9]*\) decoded, \([0-9]*\) on the wire/\1 \2 \3/p' "$1"; }
  check "$name: same resources, hosts and sizes ($(res "$t/$name.import" | tr '\n' ' ')vs $(res "$t/$name.back" | tr '\n' ' '))" \
    [ "$(res "$t/$name.import")" = "$(res "$t/$name.back")" ]
done
check "at least one reference HAR ($n)" [ $n -gt 0 ]
finish
