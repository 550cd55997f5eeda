# Bad input: one line naming the argument and the accepted form, exit 2,
# and no namespace created.  Without root: one line naming the privilege.
. "$(dirname "$0")/lib.sh"
require_root
before=$(ls /run/netns 2>/dev/null | sort)
try() { # try "pattern" args...
  local pat=$1; shift
  local err rc
  err=$("$BIN" link "$@" -- true 2>&1 >/dev/null); rc=$?
  check "link $* -> exit 2 ($rc)" [ $rc = 2 ]
  check "link $* -> one line" [ "$(printf '%s\n' "$err" | wc -l)" = 1 ]
  check "link $* -> names it: $err" grep -q -- "$pat" <<<"$err"
}
try '--down: "4mbits" is not a rate (use' --down 4mbits
try '--up: "0" is not a positive rate' --up 0
try '--up: "-1mbit"' --up -1mbit
try '--rtt: "100mss" is not a time (use' --rtt 100mss
try '--rtt: "100" has no unit (write 100ms)' --rtt 100
try '--down: "4" has no unit (write 4mbit or 4kbit)' --down 4
try '--preset: "wpt-5g" is not a link preset (use tfo-paper' --preset wpt-5g
try '--rtt: "30s" is over the 10 s limit' --rtt 30s
try '--delay-up: "11s" is over the 10 s limit' --delay-up 11s
try '--queue: "0p" is not a queue limit above 0' --queue 0p
try '--queue: "lots"' --queue lots
try '--loss: "5"' --loss 5
try '--link: "tc" is not a link backend (use auto, userspace or netem)' --link tc
try '--tfo: "yes" is not a TFO mode (use off, on or cookie)' --tfo yes
try "unknown option '--bogus'" --bogus
err=$("$BIN" link --rtt 2>&1); rc=$?
check "missing value -> exit 2" [ $rc = 2 ]
after=$(ls /run/netns 2>/dev/null | sort)
check "no namespace was created" [ "$before" = "$after" ]
if command -v setpriv >/dev/null; then
  err=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$BIN" link -- true 2>&1); rc=$?
  check "non-root -> exit 1" [ $rc = 1 ]
  check "non-root -> says what is needed: $err" grep -q "needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN)" <<<"$err"
fi
err=$("$BIN" link --link netem -- true 2>&1); rc=$?
if grep -q "sch_netem" <<<"$err"; then
  check "forcing netem without sch_netem -> clear error, exit 1" [ $rc = 1 ]
  check "forcing netem names the remedy" grep -q "use --link userspace" <<<"$err"
fi
finish
