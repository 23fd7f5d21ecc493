#!/usr/bin/env bash
# Faults around the files `run` and `sweep` write: SIGINT or SIGTERM part-way exit 130 or 143
# with a message, keep the earlier output and leave no temporary; a write failing on the disk
# (a file size limit, as a full disk) is reported without a crash; a resumed sweep removes
# stale temporaries and runs again the runs whose row or series file is unreadable.
set -euo pipefail
set -m  # background jobs keep SIGINT (without job control a shell makes them ignore it)
tcpsim=$(realpath "$1")
src=$(realpath "$2")
work=$(mktemp -d)
trap 'if [[ -n ${pid:-} ]]; then kill -9 "$pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
example=$src/scenarios/examples/http10_exhaustion.pbtxt
study=$src/scenarios/studies/capacity.pbtxt
cd "$work"
no_temporaries() {
  local left
  left=$(find . -name '*.tmp.*')
  [[ -z $left ]] || fail "$1: temporaries left: $left"
}

# A signal during a run.
"$tcpsim" run "$example" -q -o out.h5 --set duration=10s >/dev/null
cp out.h5 before.h5
for signal in INT TERM; do
  "$tcpsim" run "$example" -q -o out.h5 --set duration=1h >/dev/null 2>err &
  pid=$!
  sleep 1
  kill -s "$signal" "$pid"
  status=0
  wait "$pid" || status=$?
  expected=143
  [[ $signal == INT ]] && expected=130
  [[ $status -eq $expected ]] || fail "SIG$signal: exit $status, not $expected"
  grep -q "tcpsim: .*(SIG$signal); files being written removed, earlier output kept" err ||
    fail "SIG$signal: message: $(cat err)"
  cmp -s out.h5 before.h5 || fail "SIG$signal: the earlier results changed"
  no_temporaries "run, SIG$signal"
done

# The results cannot be written: the message, status 1, no crash, the earlier file kept.
status=0
(trap '' XFSZ; ulimit -f 8; exec "$tcpsim" run "$example" -q -o out.h5 --set duration=10s) \
  >/dev/null 2>err || status=$?
[[ $status -eq 1 ]] || fail "write failure: exit $status: $(cat err)"
grep -q "cannot write results file 'out.h5': writing 'out.h5.tmp.[0-9]*': File too large" err ||
  fail "write failure: message: $(cat err)"
cmp -s out.h5 before.h5 || fail "write failure: the earlier results changed"
no_temporaries "write failure"
if mkdir full && mount -t tmpfs -o size=64k tmpfs full 2>/dev/null; then
  status=0
  "$tcpsim" run "$example" -q -o full/out.h5 --set duration=10s >/dev/null 2>err || status=$?
  umount full
  [[ $status -eq 1 ]] || fail "full disk: exit $status: $(cat err)"
  grep -q "No space left on device" err || fail "full disk: message: $(cat err)"
fi

# A signal during a sweep, then a resume over stale temporaries and unreadable records.
"$tcpsim" sweep "$study" -o killed.h5 -j 2 -q >/dev/null 2>err &
pid=$!
recorded() { find killed.h5.runs -name 'run-*.row.h5' 2>/dev/null | wc -l; }
for ((i = 0; i < 600 && $(recorded) < 10; ++i)); do sleep 0.05; done
kill -s TERM "$pid"
status=0
wait "$pid" || status=$?
[[ $status -eq 143 ]] || fail "sweep SIGTERM: exit $status"
grep -q "(SIGTERM); files being written removed" err || fail "sweep SIGTERM: $(cat err)"
[[ ! -e killed.h5 ]] || fail "an interrupted sweep left a study"
no_temporaries "sweep, SIGTERM"
rows=($(cd killed.h5.runs && ls run-*.row.h5 | sort -t- -k2 -n))
[[ ${#rows[@]} -ge 3 ]] || fail "only ${#rows[@]} runs recorded before SIGTERM"
row_broken=${rows[0]}
series_broken=${rows[1]%.row.h5}.h5
echo "not HDF5" >"killed.h5.runs/$row_broken"
head -c 1000 "killed.h5.runs/$series_broken" >cut && mv cut "killed.h5.runs/$series_broken"
touch killed.h5.tmp.99999 "killed.h5.runs/$series_broken.tmp.99999" "killed.h5.runs/$row_broken.tmp.1"
recorded_before=$(recorded)
runs=$(($("$tcpsim" sweep "$study" --list-runs | wc -l) - 1))
"$tcpsim" sweep "$study" -o killed.h5 -j 2 -q >resumed.out 2>err
for stale in killed.h5.tmp.99999 "killed.h5.runs/$series_broken.tmp.99999" \
  "killed.h5.runs/$row_broken.tmp.1"; do
  grep -qF "tcpsim: removed $stale, left by an interrupted write" err ||
    fail "resume: no word of $stale: $(cat err)"
done
no_temporaries "resume"
for broken in "$row_broken" "$series_broken"; do
  grep -q "cannot read .*$broken.*; removed its row and series files: run [0-9]* runs again" err ||
    fail "resume: no word of $broken: $(cat err)"
done
grep -q "$runs runs planned, $((recorded_before - 2)) reused, $((runs - recorded_before + 2)) run;" \
  resumed.out || fail "resume: $(tail -1 resumed.out), $recorded_before were recorded, 2 broken"
"$tcpsim" sweep "$study" -o whole.h5 -j 2 -q >/dev/null
/usr/bin/python3 "$src/tests/cli/compare_studies.py" whole.h5 killed.h5
echo "interrupt and fault tests passed"
