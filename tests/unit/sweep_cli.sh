# The commands of a sharded sweep without privileges: `run --shard` refuses
# a bad shard with the accepted form (exit 2) before anything runs;
# `tfolab shards` gives the same plan every time, covering every condition
# once with shares that add up to 100%; `tfolab merge` refuses bad input
# with exit 2 and creates nothing.
BIN=${TFOLAB_BIN:?}
SRC=${TFOLAB_SRC:?}
fails=0
ok() { echo "ok - $*"; }
no() { echo "FAIL - $*"; fails=$((fails + 1)); }
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
exp=$SRC/experiments/table1.conf

for bad in 0/2 3/2 1/0 x/y 1/ /2 2 -1/2 "1/2 "; do
  out=$("$BIN" run "$exp" --shard "$bad" --db "$t/no.db" 2>&1); rc=$?
  if [ $rc = 2 ] && grep -q "K/N, 1 <= K <= N" <<<"$out" && [ ! -e "$t/no.db" ]; then
    ok "run --shard '$bad' refused with the accepted form"
  else no "run --shard '$bad' (exit $rc): $out"; fi
done
out=$("$BIN" run "$SRC/experiments/smoke.conf" --shard 3/3 --db "$t/no.db" 2>&1); rc=$?
[ $rc = 2 ] && grep -q "shard 3 is empty" <<<"$out" && [ ! -e "$t/no.db" ] &&
  ok "an empty shard is refused" || no "an empty shard (exit $rc): $out"

a=$("$BIN" shards "$exp" 4 2>&1); rc=$?
b=$("$BIN" shards "$exp" 4 2>&1)
[ $rc = 0 ] && [ "$a" = "$b" ] && ok "shards: the same plan twice" || no "shards (exit $rc): $a"
# every condition (the index column) in exactly one shard
n=$(sed -n 's/.*: \([0-9]*\) conditions in .*/\1/p' <<<"$a")
idx=$(awk '/^ +[0-9]+  / { print $1 }' <<<"$a" | sort -n | uniq)
[ "$(wc -l <<<"$idx")" = "$n" ] && [ "$(awk '/^ +[0-9]+  / { print $1 }' <<<"$a" | wc -l)" = "$n" ] &&
  ok "shards: each of the $n conditions in one shard" || no "shards: the cover: $a"
sum=$(awk '/^shard [0-9]+\/4:/ { s += $3 } END { printf "%.0f", s }' <<<"$a")
[ "$sum" = 100 ] && ok "shards: the shares add up to 100%" || no "shards: shares sum to $sum"
# groups whole: each pair (off, on) of one cell lands in one shard
split=$(awk '/^shard/ { s = $2 } /^ +[0-9]+  / { print int($1 / 2), s }' <<<"$a" | sort -u |
        awk '{ print $1 }' | uniq -d)
[ -z "$split" ] && ok "shards: no off/on pair split" || no "shards: pairs split: $split"
for bad in "shards $exp 0" "shards $exp x" "shards $exp" "shards $exp 2 3"; do
  "$BIN" $bad >/dev/null 2>&1; rc=$?
  [ $rc = 2 ] && ok "$bad exits 2" || no "$bad exits $rc"
done

for bad in "merge $t/out.db" "merge $t/out.db $t/missing.db" "merge $t/out.db $t/out.db" "merge --nope $t/out.db $t/x.db"; do
  out=$("$BIN" $bad 2>&1); rc=$?
  [ $rc = 2 ] && [ ! -e "$t/out.db" ] && [ ! -e "$t/missing.db" ] && ok "$bad exits 2, creates nothing" ||
    no "$bad (exit $rc): $out"
done
[ $fails = 0 ]
