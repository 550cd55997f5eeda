#!/bin/bash
# A real Chromium loads pages served by the origin in browser mode
# (workloads/origin_bodies.c, bodies/markup.h) on loopback addresses, and
# requests every resource of the page exactly once, each answered 200,
# nothing else but /favicon.ico.  Over TLS 1.3 (certificate errors
# ignored): Chromium's HSTS preload list holds the four pages' root hosts,
# so it sends TLS to their http:// URLs on any port.
# TFOLAB_BROWSER_PAGES: the pages (default wikipedia-tcp).
. "$(dirname "$0")/lib.sh"
require_root
require_prog chromium
SERVE=${TFOLAB_BROWSER_SERVE:?TFOLAB_BROWSER_SERVE is not set (run through meson test)}
PAGES_DIR=$(dirname "$0")/../../workloads/pages
PORT=18443
TMP=$(mktemp -d /tmp/tfl-browser-test.XXXXXX)
SP=
finish() {
  exec 4>&- 2>/dev/null
  [ -n "$SP" ] && wait "$SP"
  rm -rf "$TMP"
}
trap finish EXIT

# load PAGE: serves PAGE, loads its root in Chromium, keeps the access log.
load() {
  local page=$1 rundir rules root
  mkfifo "$TMP/in"
  "$SERVE" "$PAGES_DIR/$page.page" $PORT 127.0.0.10 1.3 <"$TMP/in" >"$TMP/serve.out" 2>"$TMP/serve.err" &
  SP=$!
  exec 4>"$TMP/in"
  for _ in $(seq 120); do grep -q '^ready' "$TMP/serve.out" && break; kill -0 $SP 2>/dev/null || break; sleep 0.5; done
  if ! grep -q '^ready' "$TMP/serve.out"; then
    fail "$page: origin did not start: $(tail -3 "$TMP/serve.err")"; return
  fi
  rundir=$(awk '$1 == "rundir" { print $2 }' "$TMP/serve.out")
  # The browser knows each host as HOST.test (origin.h ORIGIN_BROWSER_TLD).
  rules=$(awk '$1 == "map" { printf "MAP %s.test %s, ", $2, $3 }' "$TMP/serve.out")
  root=$(awk '!/^#/ && $2 == "-" && NF >= 8 { print $3 $4; exit }' "$PAGES_DIR/$page.page")
  rm -rf "$TMP/profile"
  timeout 120 chromium --headless=new --no-sandbox --disable-gpu --ignore-certificate-errors \
    --user-data-dir="$TMP/profile" --no-first-run --disable-background-networking \
    --host-resolver-rules="${rules}MAP * ~NOTFOUND" --dump-dom \
    "https://${root%%/*}.test:$PORT/${root#*/}" >"$TMP/dom" 2>"$TMP/chromium.err"
  check "$page: chromium exits 0" test $? = 0
  sleep 1   # nginx writes its log line once the response is sent
  grep -v '"/.tfl-probe"' "$rundir/access.log" >"$TMP/$page.log"
  exec 4>&-
  wait $SP
  SP=
  rm -f "$TMP/in"
  check "$page: origin stopped and removed its run directory" test ! -e "$rundir"
  # Resources (host, path) against requests (host, uri, status).
  awk '!/^#/ && NF >= 8 && $1 !~ /^(name|source|date|note)$/ { print $3, $4 }' \
    "$PAGES_DIR/$page.page" | sort >"$TMP/want"
  awk '{ u = $2; gsub(/"/, "", u); h = $1; sub(/\.test$/, "", h); print h, u, $3 }' "$TMP/$page.log" |
    grep -v ' /favicon.ico ' | sort >"$TMP/got"
  local nwant ngot missed extra bad
  nwant=$(wc -l <"$TMP/want"); ngot=$(wc -l <"$TMP/got")
  missed=$(cut -d' ' -f1,2 "$TMP/got" | comm -23 "$TMP/want" - | wc -l)
  extra=$(cut -d' ' -f1,2 "$TMP/got" | comm -13 "$TMP/want" - | wc -l)
  bad=$(awk '$3 != 200' "$TMP/got" | wc -l)
  echo "# $page: $nwant resources, $ngot requests, $missed missed, $extra not in the page, $bad not 200"
  cut -d' ' -f1,2 "$TMP/got" | comm -23 "$TMP/want" - | sed 's/^/#   missed: /' | head -20
  check "$page: every resource requested" test "$missed" = 0
  check "$page: each once, nothing else" test "$ngot" = "$nwant" -a "$extra" = 0
  check "$page: all answered 200" test "$bad" = 0
}

for p in ${TFOLAB_BROWSER_PAGES:-wikipedia-tcp}; do
  load "$p"
done
exit $((FAILS > 0))
