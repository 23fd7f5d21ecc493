#!/usr/bin/env bash
# `tcpsim sweep` under mpirun: the study of 2 and of 3 ranks (2 threads each) equals that of
# one process; a sweep resumed under mpirun reuses what a job array's tasks recorded; bad
# input is reported once, by rank 0, with status 2 and no study.
set -euo pipefail
tcpsim=$(realpath "$1")
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# The capacity study with 20 s runs instead of 90 s, to keep this quick.
study=$work/capacity.pbtxt
sed -e 's/^duration: "[0-9]*s"/duration: "20s"/' "$src/scenarios/studies/capacity.pbtxt" >"$study"
grep -q '^duration: "20s"' "$study" || fail "capacity study: no duration to shorten"
mpi() { "$src/tests/mpirun.sh" "$@"; }
compare() { /usr/bin/python3 "$src/tests/cli/compare_studies.py" "$@"; }
runs=$(($("$tcpsim" sweep "$study" --list-runs | wc -l) - 1))
[[ $runs -gt 4 ]] || fail "the study has $runs runs"

cd "$work"
# Each study in its own folder under the same name: the files must be equal byte for byte.
mkdir local np2 np3
(cd local && "$tcpsim" sweep "$study" -o study.h5 -j 1 -q >out)
(cd np2 && mpi 2 "$tcpsim" sweep "$study" -o study.h5 -q >out)
grep -q "$runs runs planned, 0 reused, $runs run on 2 ranks; study written to study.h5" np2/out ||
  fail "np 2: $(tail -1 np2/out)"
compare local/study.h5 np2/study.h5
cmp local/study.h5 np2/study.h5 || fail "np 2: the study files differ"
(cd np3 && mpi 3 "$tcpsim" sweep "$study" -o study.h5 -j 2 -q >out)
cmp local/study.h5 np3/study.h5 || fail "np 3 -j 2: the study files differ"
# Rank 0 alone prints: one summary.
[[ $(grep -c "runs planned" np3/out) -eq 1 ]] || fail "np 3 printed $(grep -c "runs planned" np3/out) summaries"
cp local/study.h5 local.h5

# Two tasks of a job array (--task counts the runs of --list-runs from 0), then the rest
# under mpirun.
"$tcpsim" sweep "$study" -o part.h5 --task 0 -q >/dev/null
"$tcpsim" sweep "$study" -o part.h5 --task 5 -q >task5.out
sixth=$("$tcpsim" sweep "$study" --list-runs | awk 'NR == 7 {print $1}')
grep -qx "run $sixth: recorded in part.h5.runs" task5.out || fail "--task 5: $(cat task5.out), expected run $sixth"
mpi 2 "$tcpsim" sweep "$study" -o part.h5 -q >part.out
grep -q "$runs runs planned, 2 reused, $((runs - 2)) run on 2 ranks" part.out || fail "resume: $(tail -1 part.out)"
compare local.h5 part.h5

# Bad input under mpirun: status 2 from the job, the problem printed once, no study.
sed -e 's/^\( *\)replications: \([0-9]*\)/\1replications: \2 parameters { path: "no_such.field" values: "1" }/' "$study" >bad.pbtxt
set +e
mpi 2 "$tcpsim" sweep bad.pbtxt -o bad.h5 -q >bad.out 2>bad.err
status=$?
set -e
[[ $status -ne 0 ]] || fail "bad sweep under mpirun: status 0"
[[ $(grep -c "bad.pbtxt:[0-9]*:[0-9]*: sweep.parameters\[[0-9]*\].path: no field" bad.err) -eq 1 ]] ||
  fail "bad sweep under mpirun: $(cat bad.err)"
[[ ! -e bad.h5 ]] || fail "bad sweep under mpirun wrote a study"
set +e
mpi 2 "$tcpsim" sweep "$study" -o one.h5 --run 1 -q 2>run.err
status=$?
set -e
[[ $status -ne 0 ]] && grep -q -- "--run runs one run" run.err || fail "--run under mpirun: $(cat run.err)"
echo "sweep mpi tests passed"
