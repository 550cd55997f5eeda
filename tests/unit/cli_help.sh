# Every subcommand is in the dispatch table and answers --help with a usage
# text and exit status 0; unknown commands and options exit 2.
BIN=${TFOLAB_BIN:?}
fails=0
for c in link load run table compare plot pages import bench check cleanup version presets; do
  out=$("$BIN" "$c" --help 2>&1); rc=$?
  if [ $rc = 0 ] && grep -qi "usage: tfolab $c" <<<"$out"; then echo "ok - $c --help"
  else echo "FAIL - $c --help (exit $rc): $out"; fails=$((fails + 1)); fi
done
"$BIN" nosuchcommand >/dev/null 2>&1; rc=$?
[ $rc = 2 ] && echo "ok - unknown command exits 2" || { echo "FAIL - unknown command exits $rc"; fails=$((fails + 1)); }
out=$("$BIN" 2>&1); rc=$?
[ $rc = 2 ] && grep -q "commands:" <<<"$out" && echo "ok - no command: usage, exit 2" || { echo "FAIL - no command"; fails=$((fails + 1)); }
for v in --version version; do
  out=$("$BIN" $v 2>&1); rc=$?
  if [ $rc = 0 ] && grep -Eq '^tfolab [0-9]+\.[0-9]+\.[0-9]+ \(git [^)]+\)$' <<<"$out"; then echo "ok - $v"
  else echo "FAIL - $v (exit $rc): $out"; fails=$((fails + 1)); fi
done
[ $fails = 0 ]
