# `meson install` into a staging directory, moved elsewhere: the installed
# binary finds its pages (and the templates and experiments are there) in
# its own prefix, with the source tree hidden ($TFOLAB_NO_SOURCE_TREE=1),
# and the build's binary with the source tree hidden finds none (so the
# switch really hides it).
SRC=${TFOLAB_SRC:?} BUILD=${TFOLAB_BUILD:?} BIN=${TFOLAB_BIN:?}
command -v meson >/dev/null || { echo "SKIP: meson not in PATH"; exit 77; }
tmp=$(mktemp -d /tmp/tfolab-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }

if ! meson install -C "$BUILD" --no-rebuild --quiet --destdir "$tmp/stage" >"$tmp/log" 2>&1; then
  cat "$tmp/log"; echo "FAIL - meson install --destdir"; exit 1
fi
bin=$(find "$tmp/stage" -path '*/bin/tfolab' -type f | head -n 1)
[ -n "$bin" ] || { echo "FAIL - no bin/tfolab installed"; exit 1; }
prefix=$(dirname "$(dirname "$bin")")
# Move the prefix: the binary must follow itself, not the configured prefix.
mv "$prefix" "$tmp/moved"
prefix=$tmp/moved bin=$tmp/moved/bin/tfolab
data=$prefix/share/tfolab

for f in "$SRC"/workloads/pages/*.page; do
  [ -f "$data/pages/$(basename "$f")" ] || bad "not installed: pages/$(basename "$f")"
done
for f in "$SRC"/plots/*.gp; do
  [ -f "$data/plots/$(basename "$f")" ] || bad "not installed: plots/$(basename "$f")"
done
for f in "$SRC"/experiments/*.conf; do
  [ -f "$data/experiments/$(basename "$f")" ] || bad "not installed: experiments/$(basename "$f")"
done
[ -f "$prefix/share/man/man1/tfolab.1" ] || bad "not installed: man1/tfolab.1"
[ $fails = 0 ] && ok "pages, templates, experiments and man page under the prefix"

# The TFO preload library: in LIBDIR/tfolab, and the moved binary uses that
# copy (tfolab check names the library it would preload).
lib=$(find "$prefix" -path '*/tfolab/libtfolab-tfo-preload.so' -type f | head -n 1)
if [ -z "$lib" ]; then
  bad "not installed: LIBDIR/tfolab/libtfolab-tfo-preload.so"
else
  found=$(cd "$tmp" && env -u TFOLAB_PRELOAD "$bin" check --json 2>/dev/null | python3 -c '
import json, sys
print([c for c in json.load(sys.stdin)["checks"] if c["item"] == "TFO preload library"][0]["detail"])')
  if [ "$(realpath "$found" 2>/dev/null)" = "$(realpath "$lib")" ]; then
    ok "the installed tfolab uses the installed preload library ${lib#"$prefix"/}"
  else
    bad "the installed tfolab uses '$found', not $lib"
  fi
fi

for hide in 1 0; do
  if ! out=$(cd "$tmp" && env -u TFOLAB_PAGES -u TFOLAB_PLOTS_DIR TFOLAB_NO_SOURCE_TREE=$hide \
             "$bin" pages --json 2>"$tmp/err"); then
    bad "installed tfolab pages (source tree hidden=$hide): $(cat "$tmp/err")"; continue
  fi
  if printf '%s' "$out" | python3 -c '
import json, os, sys
rows, data, src = json.load(sys.stdin), sys.argv[1], sys.argv[2]
want = sorted(f[:-5] for f in os.listdir(src + "/workloads/pages") if f.endswith(".page"))
assert sorted(r["name"] for r in rows) == want, [r["name"] for r in rows]
assert all(r["dir"] == data + "/pages" and r["valid"] for r in rows), rows
' "$(realpath "$data")" "$SRC"; then
    ok "installed tfolab pages lists every page from $data/pages (source tree hidden=$hide)"
  else
    bad "installed tfolab pages (source tree hidden=$hide): $out"
  fi
done

if (cd "$tmp" && env -u TFOLAB_PAGES TFOLAB_NO_SOURCE_TREE=1 "$BIN" pages >/dev/null 2>&1); then
  bad "the build's tfolab found pages with the source tree hidden"
else
  ok "the build's tfolab finds no pages with the source tree hidden"
fi
[ $fails = 0 ]
