# The man page (docs/tfolab.1) names every subcommand of `tfolab --help`,
# and groff finds nothing to warn about.
BIN=${TFOLAB_BIN:?}
MAN=${TFOLAB_SRC:?}/docs/tfolab.1
fails=0
for c in $("$BIN" --help | awk '/^commands:/ { on = 1; next } on && NF { print $1 }'); do
  if grep -Eq "^\.B[IR]? (.* )?\"?$c\b" "$MAN"; then echo "ok - man page: $c"
  else echo "FAIL - man page lacks the command $c"; fails=$((fails + 1)); fi
done
# --tls and each of its values, in the link options
tls=$(awk '/^\.BI \\-\\-tls /,/^\.TP/' "$MAN")
for v in off 1.2 1.3 '1.3\\-early'; do
  if grep -Eq "^\.BR? $v( |$)" <<<"$tls"; then echo "ok - man page: --tls $v"
  else echo "FAIL - man page: --tls lacks the value $v"; fails=$((fails + 1)); fi
done
# run's --fetcher and each fetcher
fetcher=$(awk '/^\.BI \\-\\-fetcher /,/^\.B \\-\\-quiet/' "$MAN")
for v in builtin chromium; do
  if grep -Eq "^\.B $v$" <<<"$fetcher"; then echo "ok - man page: --fetcher $v"
  else echo "FAIL - man page: --fetcher lacks the value $v"; fails=$((fails + 1)); fi
done
if grep -q '^\.B \\-\\-by fetcher$' "$MAN"; then echo "ok - man page: compare --by fetcher"
else echo "FAIL - man page lacks compare --by fetcher"; fails=$((fails + 1)); fi
if command -v groff >/dev/null; then
  out=$(groff -man -ww -z "$MAN" 2>&1)
  if [ -z "$out" ]; then echo "ok - groff -ww: no warning"
  else echo "FAIL - groff -ww: $out"; fails=$((fails + 1)); fi
else
  echo "# groff missing: the page's syntax is not checked"
fi
[ $fails = 0 ]
