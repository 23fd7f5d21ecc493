#!/usr/bin/env bash
# End-to-end checks of `tcpsim merge`: the runs of a sweep recorded one at a time with --run (as
# a job array's tasks record them) merge into the study a direct sweep writes, series included,
# reading more row files than the process may open files; the study needs its runs folder no
# more; missing runs are reported; bad input gives status 2 and leaves the output alone.
set -euo pipefail
tcpsim=$(realpath "$1")
src=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
study=$src/scenarios/studies/capacity.pbtxt
compare() { /usr/bin/python3 "$src/tests/cli/compare_studies.py" "$@"; }
cd "$work"

# The plan's run numbers, by number (--list-runs prints a header line first).
mapfile -t runs < <("$tcpsim" sweep "$study" --list-runs | tail -n +2 | cut -f1)
count=${#runs[@]}
[[ $count -ge 3 ]] || fail "expected a study of several runs, --list-runs gave $count"

# Every run on its own, then the direct sweep.
for n in "${runs[@]}"; do
  "$tcpsim" sweep "$study" -o array.h5 --run "$n" -q >/dev/null
done
[[ ! -e array.h5 ]] || fail "--run wrote a study"
[[ $(ls array.h5.runs/run-*.row.h5 | wc -l) -eq $count ]] || fail "expected $count row files"
"$tcpsim" sweep "$study" -o direct.h5 -j 2 -q >/dev/null

# Merged under a limit of 40 open files, over more row files than that: the folder given as
# often as it takes (the same run twice is fine when identical), so that this holds whatever
# the study's size. INPUT defaults to OUTPUT.runs.
copies=$((40 / count + 1))
inputs=()
if [[ $copies -gt 1 ]]; then
  for ((i = 0; i < copies; i++)); do inputs+=(array.h5.runs); done
fi
(ulimit -n 40 && "$tcpsim" merge -o array.h5 "${inputs[@]}" >merge.out) || fail "merge under ulimit -n 40: $(cat merge.out)"
files=$((count * copies))
[[ $files -gt 40 ]] || fail "only $files row files"
grep -q "^merged $count runs ($count with series) from $files row files\( ([0-9]* repeated)\)\? into array.h5: [0-9]* points; none of $count planned runs missing$" merge.out ||
  fail "merge summary: $(tail -1 merge.out)"
grep -q "^study capacity: $count runs" merge.out || fail "no sweep summary table: $(head -1 merge.out)"
compare direct.h5 array.h5 >/dev/null || fail "merged study differs from the direct sweep"
cmp -s direct.h5 array.h5 || fail "merged study is not byte-identical to the direct sweep"

# The study holds its series: it reads the same with the runs folder gone.
mv array.h5.runs away.runs
compare direct.h5 array.h5 >/dev/null || fail "the study needs its runs folder"
mv away.runs array.h5.runs

# --summaries-only: the tables alone.
"$tcpsim" merge -o summaries.h5 --summaries-only array.h5.runs >summaries.out
grep -q "merged $count runs (0 with series)" summaries.out || fail "summaries: $(tail -1 summaries.out)"
/usr/bin/python3 -c '
import sys, h5py
f = h5py.File(sys.argv[1], "r")
sys.exit(any(str(r) in f["runs"] for r in f["runs/run"][()]))' summaries.h5 ||
  fail "--summaries-only copied series"

# Missing runs: the second and the last run's rows left out; given as row files.
mkdir partial
for n in "${runs[@]}"; do
  [[ $n == "${runs[1]}" || $n == "${runs[count - 1]}" ]] && continue
  cp array.h5.runs/run-"$n".row.h5 array.h5.runs/run-"$n".h5 partial/
done
"$tcpsim" merge -o partial.h5 partial/*.row.h5 >partial.out
grep -q "merged $((count - 2)) runs ($((count - 2)) with series) .*; 2 of $count planned runs missing: ${runs[1]}, ${runs[count - 1]}$" partial.out ||
  fail "missing runs: $(tail -1 partial.out)"

# A row file of another study (the same sweep with another seed): status 2 naming it, and the
# study already at the output untouched.
sed -E 's/^seed: ([0-9]+)/seed: 1\1/' "$study" >other.pbtxt
cmp -s "$study" other.pbtxt && fail "other.pbtxt is the same scenario"
"$tcpsim" sweep other.pbtxt -o other.h5 --run "${runs[0]}" -q >/dev/null
cp array.h5 before.h5
set +e
"$tcpsim" merge -o array.h5 array.h5.runs other.h5.runs/run-"${runs[0]}".row.h5 >/dev/null 2>err
status=$?
set -e
[[ $status -eq 2 ]] || fail "another study's row: status $status"
grep -q "other.h5.runs/run-${runs[0]}.row.h5: a row of another study" err || fail "another study's row: $(cat err)"
cmp -s array.h5 before.h5 || fail "a failed merge changed the output"
ls array.h5.tmp.* >/dev/null 2>&1 && fail "a failed merge left a temporary"

# A file that is not a row file, a folder without rows, an input that is not there: status 2.
for bad in "array.h5.runs/run-${runs[0]}.h5" partial.out other.pbtxt.missing; do
  set +e
  "$tcpsim" merge -o bad.h5 "$bad" >/dev/null 2>err
  status=$?
  set -e
  [[ $status -eq 2 ]] || fail "$bad: status $status"
  grep -q "$bad" err || fail "$bad not named: $(cat err)"
done
mkdir empty
set +e
"$tcpsim" merge -o bad.h5 empty >/dev/null 2>err
status=$?
set -e
[[ $status -eq 2 ]] || fail "empty folder: status $status"
grep -q "no row files" err || fail "empty folder: $(cat err)"
[[ ! -e bad.h5 ]] || fail "bad input wrote a study"
echo "merge tests passed"
