#!/usr/bin/env bash
# Benchmark (not a test): the harness's overhead and what --jobs buys.
#
#   bench/harness.sh [--trials N] [--db PATH]
#       runs experiments/table1.conf sequentially, then with --jobs 2, into
#       one database, then analyses both runs as below.
#   bench/harness.sh --analyze DB SEQ_RUN PAR_RUN [PAR_DB]
#       analyses two finished runs of the same experiment (the parallel one
#       in PAR_DB when given).
#
# It prints, per run, the wall time, the sum of the measured trials' PLTs
# (host stalls and their repeats included: they are measurements) and
# their ratio (target for the sequential run: <= 1.15; the rest is testbed
# set-up, nginx start, warm-up loads and database writes); the parallel
# run's wall time over the sequential one's (target <= 0.6 with --jobs 2 on
# 2 cores); and, per cell, both improvements, their difference and whether
# it is significant (bench/science.py: --jobs 2 must not change the
# science: mean |difference| < 1.5 points, no cell significant at 1%).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${TFOLAB_BIN:-build/tfolab}

analyze() {
  local db=$1 seq=$2 par=$3 pdb=${4:-$1}
  for dr in "$db:$seq" "$pdb:$par"; do
    local d=${dr%:*} r=${dr##*:}
    sqlite3 -separator ' ' "$d" "
      select r.id, r.experiment_name, (r.ended_at - r.started_at) / 1e9,
             (select sum(t.plt_ns) / 1e9 from trials t join conditions c on c.id = t.condition_id
               where c.run_id = r.id and t.plt_ns > 0),
             (select count(*) from trials t join conditions c on c.id = t.condition_id where c.run_id = r.id),
             (select total(t.stalled) from trials t join conditions c on c.id = t.condition_id where c.run_id = r.id),
             r.command_line
      from runs r where r.id = $r" |
    while read -r id name wall plt n stalls cmd; do
      awk -v id="$id" -v w="$wall" -v p="$plt" -v n="$n" -v s="$stalls" -v cmd="$cmd" 'BEGIN {
        printf "run %s: %d trials (%d of them host stalls, repeated), wall %.1f s, sum of PLTs %.1f s, wall/PLT %.3f   (%s)\n", id, n, s, w, p, w / p, cmd }'
    done
  done
  local ws wp
  ws=$(sqlite3 "$db" "select (ended_at - started_at) / 1e9 from runs where id = $seq")
  wp=$(sqlite3 "$pdb" "select (ended_at - started_at) / 1e9 from runs where id = $par")
  awk -v a="$wp" -v b="$ws" 'BEGIN { printf "parallel / sequential wall time: %.3f (target <= 0.6)\n", a / b }'
  python3 "$(dirname "$0")/science.py" "$db" "$seq" "${pdb:-$db}" "$par"
}

if [ "${1:-}" = --analyze ]; then
  analyze "$2" "$3" "$4" "${5:-$2}"
  exit 0
fi
trials=15 db=results/bench-harness.db
while [ $# -gt 0 ]; do
  case $1 in
    --trials) trials=$2; shift 2 ;;
    --db) db=$2; shift 2 ;;
    *) echo "usage: bench/harness.sh [--trials N] [--db PATH] | --analyze DB SEQ_RUN PAR_RUN [PAR_DB]" >&2; exit 2 ;;
  esac
done
"$BIN" run experiments/table1.conf --db "$db" --set trials="$trials"
seq=$(sqlite3 "$db" "select max(id) from runs")
"$BIN" run experiments/table1.conf --db "$db" --set trials="$trials" --jobs 2
par=$(sqlite3 "$db" "select max(id) from runs")
analyze "$db" "$seq" "$par"
