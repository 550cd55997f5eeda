# Bash completion (completions/tfolab): subcommands, options from --help,
# link presets and page names.
BIN=${TFOLAB_BIN:?}
SRC=${TFOLAB_SRC:?}
fails=0
. "$SRC/completions/tfolab"
# complete WORDS...: COMPREPLY for the command line WORDS, the last being completed.
complete_words() {
  COMP_WORDS=("$BIN" "$@")
  COMP_CWORD=$#
  _tfolab
  printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
}
expect() { # expect "what" "wanted" words...
  local what=$1 want=$2; shift 2
  local got; got=$(complete_words "$@")
  if [ "$got" = "$want" ]; then echo "ok - $what"
  else echo "FAIL - $what: got '$got', want '$want'"; fails=$((fails + 1)); fi
}
expect "subcommands" "pages plot presets " p
expect "presets after --preset" "wpt-3g wpt-3gfast wpt-cable wpt-dsl " link --preset wpt-
expect "options from --help" "--preset " load --pre
expect "TFO modes" "cookie " load --tfo c
expect "TLS modes" "1.3 1.3-early " link --tls 1.3
expect "every TLS mode" "1.2 1.3 1.3-early off " link --tls ''
expect "--tls from --help" "--tls " link --tl
expect "page names for load" "wikipedia-capture wikipedia-tcp " load wiki
expect "trials formats" "csv " trials --format c
expect "run --shard from --help" "--shard " run --sh
expect "merge --into from --help" "--into " merge --in
expect "merge --force from --help" "--force " merge --fo
expect "a shard" "3/4 " run --shard 3
expect "run --tls from --help" "--tls " run --tl
expect "TLS modes" "1.3 1.3-early " run --tls 1.3
expect "compare --by from --help" "--by " compare --b
expect "compare keys" "tls " compare --by t
expect "every compare key" "fetcher per_conn tls " compare --by ''
expect "run --fetcher from --help" "--fetcher " run --fe
expect "fetchers" "chromium " run --fetcher c
expect "every fetcher" "builtin chromium " run --fetcher ''
[ $fails = 0 ]
