# Every subcommand is in the dispatch table and answers --help with a usage
# text and exit status 0; unknown commands and options exit 2.
BIN=${TFOLAB_BIN:?}
fails=0
for c in link load run table compare plot pages import bench check cleanup version presets trials shards merge; do
  out=$("$BIN" "$c" --help 2>&1); rc=$?
  if [ $rc = 0 ] && grep -qi "usage: tfolab $c" <<<"$out"; then echo "ok - $c --help"
  else echo "FAIL - $c --help (exit $rc): $out"; fails=$((fails + 1)); fi
done
"$BIN" nosuchcommand >/dev/null 2>&1; rc=$?
[ $rc = 2 ] && echo "ok - unknown command exits 2" || { echo "FAIL - unknown command exits $rc"; fails=$((fails + 1)); }
out=$("$BIN" 2>&1); rc=$?
[ $rc = 2 ] && grep -q "commands:" <<<"$out" && echo "ok - no command: usage, exit 2" || { echo "FAIL - no command"; fails=$((fails + 1)); }
# Machine-readable output parses as JSON.
json_ok() { python3 -c 'import json, sys; json.load(sys.stdin)' 2>/dev/null; }
if command -v python3 >/dev/null; then
  out=$("$BIN" pages --json 2>/dev/null); rc=$?
  if [ $rc = 0 ] && json_ok <<<"$out" && grep -q '"wire_bytes"' <<<"$out"; then echo "ok - pages --json"
  else echo "FAIL - pages --json (exit $rc): $out"; fails=$((fails + 1)); fi
  out=$("$BIN" check --json 2>/dev/null)
  if json_ok <<<"$out" && grep -q '"checks"' <<<"$out"; then echo "ok - check --json"
  else echo "FAIL - check --json: $out"; fails=$((fails + 1)); fi
else
  echo "# python3 missing: the JSON of pages and check is not parsed"
fi
for bad in "trials --format md" "trials --seed 1" "presets extra" "version extra" \
    "table --by tls" "compare --by rtt" "plot --tls 2 --out /tmp" "run --tls" \
    "table --by fetcher" "compare --by chrome" "run --fetcher"; do
  "$BIN" $bad >/dev/null 2>&1; rc=$?
  [ $rc = 2 ] && echo "ok - $bad exits 2" || { echo "FAIL - $bad exits $rc"; fails=$((fails + 1)); }
done
# Counts and ids: one parser (units_parse_count), so an overflow, a sign or
# a trailing unit is refused naming the option, never wrapped into range.
for bad in "load x --per-conn 99999999999" "load x --conns-per-host -1" \
           "load x --conns-per-host 6x" "run x --jobs 0" "run x --jobs 4294967297" \
           "table --run 0" "plot --seed -1" "bench fetch --resources 5" \
           "import x --page 0" "har --run abc" "bench link --reps 1001"; do
  opt=$(grep -o -- '--[a-z-]*' <<<"$bad" | head -n 1)
  out=$("$BIN" $bad 2>&1 >/dev/null); rc=$?
  if [ $rc = 2 ] && grep -q -- "$opt: " <<<"$out"; then echo "ok - $bad: exit 2 naming $opt"
  else echo "FAIL - $bad (exit $rc): $out"; fails=$((fails + 1)); fi
done
out=$("$BIN" presets); rc=$?
if [ $rc = 0 ] && grep -q '^wpt-3g .*1.6mbit .*768kbit .*300ms' <<<"$out" && grep -q 'whole round trip' <<<"$out"
then echo "ok - presets"; else echo "FAIL - presets (exit $rc): $out"; fails=$((fails + 1)); fi
for v in --version version; do
  out=$("$BIN" $v 2>&1); rc=$?
  if [ $rc = 0 ] && grep -Eq '^tfolab [0-9]+\.[0-9]+\.[0-9]+ \(git [^)]+\)$' <<<"$out"; then echo "ok - $v"
  else echo "FAIL - $v (exit $rc): $out"; fails=$((fails + 1)); fi
done
[ $fails = 0 ]
