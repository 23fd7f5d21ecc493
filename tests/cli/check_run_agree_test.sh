#!/usr/bin/env bash
# Every scenario file of the project: `tcpsim check` accepts it exactly when `tcpsim run` gets
# past building the world (both with a short duration), and neither fails with an internal
# error.
set -euo pipefail
tcpsim=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

short=(--set duration=200ms --set warmup=0s)
checked=0
accepted=0
while IFS= read -r -d '' f; do
  set +e
  "$tcpsim" check "$f" "${short[@]}" >/dev/null 2>"$work/check.err"
  check=$?
  "$tcpsim" run "$f" "${short[@]}" -q -o "$work/run.h5" >/dev/null 2>"$work/run.err"
  run=$?
  set -e
  [[ $check -eq 0 || $check -eq 2 ]] || fail "$f: check exited $check: $(cat "$work/check.err")"
  [[ $run -eq 0 || $run -eq 2 ]] || fail "$f: run exited $run: $(cat "$work/run.err")"
  if [[ $check -eq 0 && $run -ne 0 ]]; then
    fail "$f: check accepts it, run refuses it: $(cat "$work/run.err")"
  fi
  if [[ $check -ne 0 && $run -eq 0 ]]; then
    fail "$f: check refuses it, run accepts it: $(cat "$work/check.err")"
  fi
  if [[ $run -eq 0 ]]; then
    [[ -s "$work/run.h5" ]] || fail "$f: run wrote no results"
    accepted=$((accepted + 1))
  fi
  rm -f "$work/run.h5"
  checked=$((checked + 1))
done < <(find "$src/scenarios" "$src/tests/scenarios" -name '*.pbtxt' -print0 | sort -z)
[[ $checked -ge 30 ]] || fail "only $checked scenario files found"
[[ $accepted -ge 10 ]] || fail "only $accepted scenario files ran"
echo "check and run agree on $checked scenario files ($accepted run)"
