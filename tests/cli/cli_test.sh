#!/usr/bin/env bash
# End-to-end checks of the tcpsim command: exit statuses, messages, no
# results file on failure, determinism, and the example's outcome.
set -euo pipefail
tcpsim=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# Every bad scenario: status 2, its problem named with file:line, no output.
for f in "$src"/tests/scenarios/bad/*.pbtxt; do
  set +e
  "$tcpsim" run "$f" -o "$work/bad.h5" -q >"$work/out" 2>"$work/err"
  status=$?
  set -e
  [[ $status -eq 2 ]] || fail "$f: status $status, expected 2"
  grep -q "$(basename "$f")" "$work/err" || fail "$f: message does not name the file"
  [[ ! -e "$work/bad.h5" ]] || fail "$f: a results file was written"
done

# A bad override: status 2, the override named; a good results file stays.
"$tcpsim" run "$src/scenarios/examples/http10_exhaustion.pbtxt" -q -o "$work/good.h5" \
  --set duration=5s >/dev/null
cp "$work/good.h5" "$work/good.copy"
set +e
"$tcpsim" run "$src/scenarios/examples/http10_exhaustion.pbtxt" -q -o "$work/good.h5" \
  --set clients[0].load.poisson.rate=-1 2>"$work/err"
status=$?
set -e
[[ $status -eq 2 ]] || fail "bad override: status $status"
grep -q "clients\[0\].load.poisson.rate" "$work/err" || fail "bad override not named"
cmp -s "$work/good.h5" "$work/good.copy" || fail "a failed run changed the results file"

# Unknown option: status 2.
set +e
"$tcpsim" run --no-such-option x >/dev/null 2>&1
status=$?
set -e
[[ $status -eq 2 ]] || fail "unknown option: status $status"

# check prints the resolved scenario, overrides applied.
"$tcpsim" check "$src/scenarios/examples/http10_exhaustion.pbtxt" --set seed=42 >"$work/resolved"
grep -q "^seed: 42" "$work/resolved" || fail "check did not print the override"

# Same seed, same datasets; another seed, different ones.
for run in a b; do
  "$tcpsim" run "$src/scenarios/examples/http10_exhaustion.pbtxt" -q -o "$work/$run.h5" \
    --set duration=20s >/dev/null
done
"$tcpsim" run "$src/scenarios/examples/http10_exhaustion.pbtxt" -q -o "$work/c.h5" \
  --set duration=20s --seed 2 >/dev/null
/usr/bin/python3 "$src/tests/cli/compare_results.py" same "$work/a.h5" "$work/b.h5"
/usr/bin/python3 "$src/tests/cli/compare_results.py" differ "$work/a.h5" "$work/c.h5"

# The example exhausts each client's range when range / rate predicts.
"$tcpsim" run "$src/scenarios/examples/http10_exhaustion.pbtxt" -q -o "$work/full.h5" >/dev/null
/usr/bin/python3 "$src/tests/cli/check_example.py" "$work/full.h5"
echo "cli: all checks passed"
