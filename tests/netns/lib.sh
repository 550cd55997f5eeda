# Shared by the netns tests: root check, assertions, leftovers check.
# Each test sources it, then calls require_root.
set -u
BIN=${TFOLAB_BIN:?TFOLAB_BIN is not set (run through meson test)}
FAILS=0
require_root() {
  if [ "$(id -u)" != 0 ]; then echo "SKIP: needs root"; exit 77; fi
}
require_prog() {
  command -v "$1" >/dev/null 2>&1 || { echo "SKIP: $1 is not installed"; exit 77; }
}
ok()   { echo "ok - $*"; }
fail() { echo "FAIL - $*"; FAILS=$((FAILS + 1)); }
check() { # check "description" command...
  local what=$1; shift
  if "$@"; then ok "$what"; else fail "$what"; fi
}
# A float comparison: between X LO HI
running() { pgrep -f "$1" >/dev/null; }
not() { ! "$@"; }
between() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x <= hi) }'; }
# No namespace, run dir or process of tfolab pid $1 remains.
no_leftovers() {
  local pid=$1
  ! ls /run/netns 2>/dev/null | grep -q "^tfl-$pid-" &&
  ! ls /run/tfolab 2>/dev/null | grep -q "^tfl-$pid-"
}
finish() {
  if [ "$FAILS" -gt 0 ]; then echo "$FAILS check(s) failed"; exit 1; fi
  echo "all checks passed"; exit 0
}
