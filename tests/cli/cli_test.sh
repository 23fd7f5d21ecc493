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

# --seed must be a whole number in 0..2^64-1: no wrapping of -1 or of an overflow.
for bad in -1 18446744073709551616 1.5; do
  set +e
  "$tcpsim" run "$src/scenarios/examples/http10_exhaustion.pbtxt" -q -o "$work/seed.h5" \
    --set duration=1s --seed "$bad" >/dev/null 2>"$work/err"
  status=$?
  set -e
  [[ $status -eq 2 ]] || fail "--seed $bad: status $status, expected 2"
  grep -q -- "--seed" "$work/err" || fail "--seed $bad: the option is not named: $(cat "$work/err")"
  [[ ! -e "$work/seed.h5" ]] || fail "--seed $bad: a results file was written"
done

# An output that cannot be written is refused before the run: status 2, the path named, no
# simulation (no summary printed). A path under a regular file and one under /proc cannot be
# created even by root, whom chmod does not stop.
mkdir "$work/adir"
touch "$work/afile"
for bad in "$work/missing/out.h5" "$work/adir" "$work/afile/out.h5" /proc/out.h5; do
  set +e
  "$tcpsim" run "$src/scenarios/examples/http10_exhaustion.pbtxt" -o "$bad" \
    --set duration=1s >"$work/out" 2>"$work/err"
  status=$?
  set -e
  [[ $status -eq 2 ]] || fail "-o $bad: status $status, expected 2"
  grep -qF -- "$bad" "$work/err" || fail "-o $bad: the path is not named: $(cat "$work/err")"
  [[ ! -s "$work/out" ]] || fail "-o $bad: the run started: $(head -3 "$work/out")"
done
[[ -z "$(ls "$work/adir")" ]] || fail "-o: a probe file was left behind"
set +e
"$tcpsim" sweep "$src/scenarios/studies/capacity.pbtxt" -q -o "$work/missing/study.h5" \
  >/dev/null 2>"$work/err"
status=$?
set -e
[[ $status -eq 2 ]] || fail "sweep -o missing folder: status $status, expected 2"
grep -qF "$work/missing/study.h5" "$work/err" || fail "sweep -o: the path is not named"

# A sweep whose skip_if removes every point, or whose runs would number in the billions: check
# and sweep refuse it with status 2 and the field named, at once.
study=$src/scenarios/studies/capacity.pbtxt
sed -e 's/^\( *\)replications: \([0-9]*\)/\1replications: \2 skip_if: "rate >= 0"/' \
  "$study" >"$work/allskipped.pbtxt"
sed -e 's/^\( *\)replications: \([0-9]*\)/\1replications: 4000000000/' "$study" >"$work/huge.pbtxt"
for f in allskipped huge; do
  for command in check sweep; do
    set +e
    output=()
    [[ $command == sweep ]] && output=(-q -o "$work/$f.h5")
    timeout 60 "$tcpsim" "$command" "$work/$f.pbtxt" "${output[@]}" >/dev/null 2>"$work/err"
    status=$?
    set -e
    [[ $status -eq 2 ]] || fail "$command $f: status $status, expected 2: $(cat "$work/err")"
    grep -q "$f.pbtxt:[0-9]*:[0-9]*: sweep" "$work/err" || fail "$command $f: $(cat "$work/err")"
    [[ ! -e "$work/$f.h5" ]] || fail "$command $f: a study was written"
  done
done

# check prints the resolved scenario, overrides applied.
"$tcpsim" check "$src/scenarios/examples/http10_exhaustion.pbtxt" --set seed=42 >"$work/resolved"
grep -q "^seed: 42" "$work/resolved" || fail "check did not print the override"

# check of a sweep: every point validated, its size printed; a bad point is a problem.
study=$src/scenarios/studies/capacity.pbtxt
runs=$(($("$tcpsim" sweep "$study" --list-runs | wc -l) - 1))
"$tcpsim" check "$study" >"$work/study.resolved"
grep -q "^# sweep: .* = $runs runs$" "$work/study.resolved" || fail "check of a sweep: $(tail -1 "$work/study.resolved")"
sed -e 's/^\( *\)replications: \([0-9]*\)/\1replications: \2 parameters { path: "duration" values: "-5s" }/' \
  "$study" >"$work/badpoint.pbtxt"
set +e
"$tcpsim" check "$work/badpoint.pbtxt" >/dev/null 2>"$work/err"
status=$?
set -e
[[ $status -eq 2 ]] || fail "check of a bad sweep: status $status"
grep -q "badpoint.pbtxt:[0-9]*:[0-9]*: sweep.parameters\[[0-9]*\]" "$work/err" || fail "check of a bad sweep: $(cat "$work/err")"

# Same seed, same datasets; another seed, different ones.
for run in a b; do
  "$tcpsim" run "$src/scenarios/examples/http10_exhaustion.pbtxt" -q -o "$work/$run.h5" \
    --set duration=20s >/dev/null
done
"$tcpsim" run "$src/scenarios/examples/http10_exhaustion.pbtxt" -q -o "$work/c.h5" \
  --set duration=20s --seed 2 >/dev/null
/usr/bin/python3 "$src/tests/cli/compare_results.py" same "$work/a.h5" "$work/b.h5"
/usr/bin/python3 "$src/tests/cli/compare_results.py" differ "$work/a.h5" "$work/c.h5"

# Progress into a file (not a terminal): a line per --progress-every of wall time, each ending
# in a newline with simulated time, rate, sockets and ETA, then the final line; none with -q
# or 0s; a bad interval is refused before the run.
"$tcpsim" run "$src/scenarios/examples/http10_exhaustion.pbtxt" -o "$work/hb.h5" \
  --progress-every 1ms >/dev/null 2>"$work/hb"
grep -qE '^sim [0-9.hms]+/2m \([0-9.]+%\)  [0-9.]+ (k |M )?events/s  sockets [0-9]+  ETA [0-9hms]+$' \
  "$work/hb" || fail "progress lines: $(head -3 "$work/hb")"
tail -1 "$work/hb" | grep -qE '^sim 2m/2m \(100\.0%\)  .* events/s  sockets [0-9]+  in [0-9hms]+$' ||
  fail "progress: last line $(tail -1 "$work/hb")"
[[ $(grep -vc '^sim ' "$work/hb") -eq 0 && $(grep -c $'\r' "$work/hb") -eq 0 ]] ||
  fail "progress: other text or carriage returns in the log"
"$tcpsim" run "$src/scenarios/examples/http10_exhaustion.pbtxt" -o "$work/hb.h5" -q \
  --progress-every 1ms >/dev/null 2>"$work/hb"
[[ ! -s "$work/hb" ]] || fail "progress with -q: $(head -1 "$work/hb")"
"$tcpsim" run "$src/scenarios/examples/http10_exhaustion.pbtxt" -o "$work/hb.h5" \
  --progress-every 0s >/dev/null 2>"$work/hb"
[[ ! -s "$work/hb" ]] || fail "progress every 0s: $(head -1 "$work/hb")"
rm -f "$work/hb.h5"
if "$tcpsim" run "$src/scenarios/examples/http10_exhaustion.pbtxt" -o "$work/hb.h5" \
  --progress-every 10 >/dev/null 2>"$work/err"; then fail "--progress-every 10 accepted"; fi
grep -q -- "--progress-every: invalid duration" "$work/err" && [[ ! -e "$work/hb.h5" ]] ||
  fail "--progress-every 10: $(cat "$work/err")"

# The example exhausts each client's range when range / rate predicts.
"$tcpsim" run "$src/scenarios/examples/http10_exhaustion.pbtxt" -q -o "$work/full.h5" >/dev/null
/usr/bin/python3 "$src/tests/cli/check_example.py" "$work/full.h5"
# --ss HOST@TIME prints the host's sockets as ss -tano does, after the summary.
# At 50 s every client host has run out (about 47 s) and holds its whole range
# in TIME_WAIT: the ss -s line, the rows and the results file must agree.
"$tcpsim" run "$src/scenarios/examples/http10_exhaustion.pbtxt" -q -o "$work/ss.h5" \
  --set duration=60s --ss clients-0@50s >"$work/ss"
grep -q "^sockets of clients-0 at 50s$" "$work/ss" || fail "--ss: no table heading"
summary=$(grep -E "^TCP: [0-9]+ \(estab [0-9]+, closed [0-9]+, orphaned [0-9]+, timewait [0-9]+\)$" \
  "$work/ss") || fail "--ss: no ss -s summary line"
timewait=$(sed -E 's/.*timewait ([0-9]+)\)$/\1/' <<<"$summary")
rows=$(grep -cE "^TIME-WAIT +0 +0 +10\.1\.0\.1:[0-9]+ +10\.2\.0\.1:80 +timer:\(timewait,[0-9]+sec,0\)$" \
  "$work/ss") || true
[[ $rows -eq $timewait ]] || fail "--ss: $rows TIME-WAIT rows, summary says $timewait"
[[ $timewait -eq 28232 ]] || fail "--ss: $timewait in TIME_WAIT at 50 s, expected the 28232-port range"
/usr/bin/python3 - "$work/ss.h5" "$timewait" <<'PY' || fail "--ss: results file disagrees"
import sys
import h5py
import numpy as np
with h5py.File(sys.argv[1], "r") as f:
    c = f["groups/clients"]
    i = int(np.searchsorted(c["time_s"][()], 50.0))
    tw = 10  # TIME_WAIT
    n = int(sys.argv[2])
    assert int(c["state_max"][i][tw]) == n, (c["state_max"][i][tw], n)
    assert int(c["state_sum"][i][tw]) == 20 * n, (c["state_sum"][i][tw], n)
PY

# The backend's listener: no connection waits for accept(), backlog 4096 (somaxconn 4096).
"$tcpsim" run "$src/scenarios/examples/http10_exhaustion.pbtxt" -q -o "$work/ssl.h5" \
  --set duration=5s --ss backend-0@5s >"$work/ssl"
grep -qE "^LISTEN +0 +4096 +0\.0\.0\.0:80 +\*:\*$" "$work/ssl" ||
  grep -qE "^LISTEN +0 +4096 +10\.2\.0\.1:80 +\*:\*$" "$work/ssl" ||
  fail "--ss: the listener's Recv-Q/Send-Q are not 0 and its backlog 4096"

# A bad host or time for --ss or --nstat: status 2, the request named, no results file.
for option in --ss --nstat; do
  for bad in nosuchhost@1s clients-0@xyz clients-0@61s clients-20@1s; do
    set +e
    "$tcpsim" run "$src/scenarios/examples/http10_exhaustion.pbtxt" -q -o "$work/ssbad.h5" \
      --set duration=60s "$option" "$bad" >/dev/null 2>"$work/err"
    status=$?
    set -e
    [[ $status -eq 2 ]] || fail "$option $bad: status $status, expected 2"
    grep -q -- "$option.*${bad%@*}" "$work/err" || fail "$option $bad: the request is not named"
    [[ ! -e "$work/ssbad.h5" ]] || fail "$option $bad: a results file was written"
  done
done

# --nstat HOST@TIME prints the host's kernel counters as nstat -az does. By 50 s each client
# host has opened one connection per port of its range and every one is in TIME_WAIT; the
# backend accepted all 20 x 28232 of them.
"$tcpsim" run "$src/scenarios/examples/http10_exhaustion.pbtxt" -q -o "$work/nstat.h5" \
  --set duration=60s --nstat clients-0@50s --nstat backend-0@50s >"$work/nstat"
grep -q "^counters of clients-0 at 50s$" "$work/nstat" || fail "--nstat: no heading"
[[ $(grep -c "^#kernel$" "$work/nstat") -eq 2 ]] || fail "--nstat: expected two #kernel lines"
counter() {  # host, name
  sed -n "/^counters of $1 /,/^\$/p" "$work/nstat" | awk -v n="$2" '$1 == n { print $2 }'
}
[[ $(counter clients-0 TcpActiveOpens) == 28232 ]] || fail "--nstat: TcpActiveOpens"
[[ $(counter clients-0 TcpExtTW) == 28232 ]] || fail "--nstat: TcpExtTW"
[[ $(counter clients-0 TcpAttemptFails) == 0 ]] || fail "--nstat: TcpAttemptFails"
[[ $(counter backend-0 TcpPassiveOpens) == 564640 ]] || fail "--nstat: TcpPassiveOpens"
grep -qE "^TcpExtTCPSynRetrans +0$" "$work/nstat" || fail "--nstat: no zero rows (-z)"
echo "cli: all checks passed"
