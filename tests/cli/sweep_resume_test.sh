#!/usr/bin/env bash
# A sweep killed (SIGKILL) part-way leaves no study but keeps the runs it finished; started
# again with the same output it runs only the others, and its study equals an uninterrupted
# sweep's.
set -euo pipefail
tcpsim=$(realpath "$1")
src=$2
work=$(mktemp -d)
trap 'kill -9 "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
study=$src/scenarios/studies/capacity.pbtxt
compare() { /usr/bin/python3 "$src/tests/cli/compare_studies.py" "$@"; }
runs=$(($("$tcpsim" sweep "$study" --list-runs | wc -l) - 1))
cd "$work"

"$tcpsim" sweep "$study" -o killed.h5 -j 1 -q >/dev/null &
pid=$!
recorded() { find killed.h5.runs -name 'run-*.row.h5' 2>/dev/null | wc -l; }
for ((i = 0; i < 600 && $(recorded) < 10; ++i)); do sleep 0.05; done
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
done_before=$(recorded)
[[ $done_before -ge 10 && $done_before -lt $runs ]] || fail "killed after $done_before of $runs runs"
[[ ! -e killed.h5 ]] || fail "a killed sweep left a study"

"$tcpsim" sweep "$study" -o killed.h5 -j 2 -q >resumed.out
grep -q "$runs runs planned, $done_before reused, $((runs - done_before)) run;" resumed.out ||
  fail "resumed: $(tail -1 resumed.out), $done_before were recorded"
"$tcpsim" sweep "$study" -o whole.h5 -j 2 -q >/dev/null
compare whole.h5 killed.h5
echo "sweep resume tests passed"
