#!/usr/bin/env bash
# End-to-end checks of `tcpsim sweep`: stable run numbers as the grid grows, the same study
# for -j 1 and -j 2, resuming from recorded runs, and problems of a bad sweep block.
set -euo pipefail
tcpsim=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
capacity=$src/scenarios/studies/capacity.pbtxt
compare() { /usr/bin/python3 "$src/tests/cli/compare_studies.py" "$@"; }
grep -q 'duration: "90s"' "$capacity" || fail "capacity study: no 'duration: \"90s\"' to shorten"
grep -q 'replications: 5' "$capacity" || fail "capacity study: no 'replications: 5' to raise"
grep -q 'to: 1000 step: 100' "$capacity" || fail "capacity study: no rate range to extend"

# The capacity study (10 rates x 2 ranges x 2 pools x 5 replications), its runs 20 s long
# instead of 90 s to keep this test quick; the plan of runs is the same.
study=$work/capacity.pbtxt
sed -e 's/duration: "90s"/duration: "20s"/' "$capacity" >"$study"
"$tcpsim" sweep "$capacity" --list-runs >"$work/runs.capacity"
"$tcpsim" sweep "$study" --list-runs >"$work/runs.before"
cmp -s "$work/runs.capacity" "$work/runs.before" || fail "the shortened study plans other runs"

# Run numbers and seeds stay when a value is appended and replications raised.
sed -e 's/replications: 5/replications: 7/' -e 's/to: 1000 step: 100/to: 1100 step: 100/' \
  "$study" >"$work/grown.pbtxt"
"$tcpsim" sweep "$work/grown.pbtxt" --list-runs >"$work/runs.after"
[[ $(wc -l <"$work/runs.before") -eq 201 ]] || fail "expected 200 runs"
[[ $(wc -l <"$work/runs.after") -eq 309 ]] || fail "expected 308 runs after growth"
missing=$(grep -vxF -f "$work/runs.after" "$work/runs.before" || true)
[[ -z $missing ]] || fail "runs changed by growth: $missing"

# -j 1 and -j 2 give the same study.
(cd "$work" && "$tcpsim" sweep "$study" -o j1.h5 -j 1 -q >j1.out)
(cd "$work" && "$tcpsim" sweep "$study" -o j2.h5 -j 2 -q >j2.out)
grep -q "200 runs planned, 0 reused, 200 run" "$work/j1.out" || fail "j1 summary"
compare "$work/j1.h5" "$work/j2.h5"

# Runs recorded one at a time (a job array) are reused by the full sweep.
(cd "$work" && "$tcpsim" sweep "$study" -o r.h5 --run 0 -q && "$tcpsim" sweep "$study" -o r.h5 --run 7 -q) >/dev/null
[[ ! -e $work/r.h5 ]] || fail "--run wrote a study"
(cd "$work" && "$tcpsim" sweep "$study" -o r.h5 -j 2 -q >r.out)
grep -q "200 runs planned, 2 reused, 198 run" "$work/r.out" || fail "resume: $(tail -1 "$work/r.out")"
compare "$work/j1.h5" "$work/r.h5"
# A finished study is reused whole; grown, only the new runs run.
(cd "$work" && "$tcpsim" sweep "$study" -o r.h5 -q >r2.out)
grep -q "200 runs planned, 200 reused, 0 run" "$work/r2.out" || fail "rerun: $(tail -1 "$work/r2.out")"
cp "$work/grown.pbtxt" "$work/r.pbtxt"
(cd "$work" && "$tcpsim" sweep r.pbtxt -o r.h5 -j 2 -q >r3.out)
grep -q "308 runs planned, 200 reused, 108 run" "$work/r3.out" || fail "growth: $(tail -1 "$work/r3.out")"

# --run of an unknown run, and a bad sweep block: status 2, the field named.
set +e
"$tcpsim" sweep "$study" -o "$work/x.h5" --run 5000 -q 2>"$work/err"
status=$?
set -e
[[ $status -eq 2 ]] || fail "unknown run: status $status"
sed -e 's/path: "clients\[0\].pool"/path: "clients[3].pool"/' "$study" >"$work/bad.pbtxt"
set +e
"$tcpsim" sweep "$work/bad.pbtxt" -o "$work/bad.h5" -q 2>"$work/err"
status=$?
set -e
[[ $status -eq 2 ]] || fail "bad sweep: status $status"
grep -q "bad.pbtxt:[0-9]*:[0-9]*: sweep.parameters\[2\].path" "$work/err" || fail "bad sweep: $(cat "$work/err")"
[[ ! -e $work/bad.h5 ]] || fail "bad sweep wrote a study"
echo "sweep tests passed"
