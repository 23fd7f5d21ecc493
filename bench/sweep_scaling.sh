#!/usr/bin/env bash
# Times a 16-run sweep (bench/scenarios/sweep16.pbtxt) under mpirun on 1 and on 2 ranks, one
# worker thread each, REPS times each (default 3), and prints the median wall times and their
# ratio; checks that both give the same study. Usage: bench/sweep_scaling.sh [TCPSIM] [REPS]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tcpsim=$(realpath "${1:-$here/build/release/cli/tcpsim}")
reps=${2:-3}
scenario=$here/bench/scenarios/sweep16.pbtxt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

time_sweep() {  # ranks output -> seconds
  rm -rf "$work/$2" "$work/$2.runs"
  local start end
  start=$(date +%s.%N)
  (cd "$work" && "$here/tests/mpirun.sh" "$1" "$tcpsim" sweep "$scenario" -o "$2" -q >/dev/null)
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f\n", b - a}'
}

median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

one=()
two=()
for ((i = 0; i < reps; ++i)); do
  one+=("$(time_sweep 1 one.h5)")
  two+=("$(time_sweep 2 two.h5)")
done
/usr/bin/python3 "$here/tests/cli/compare_studies.py" "$work/one.h5" "$work/two.h5" >/dev/null
m1=$(printf '%s\n' "${one[@]}" | median)
m2=$(printf '%s\n' "${two[@]}" | median)
printf '1 rank : %s s (runs: %s)\n' "$m1" "${one[*]}"
printf '2 ranks: %s s (runs: %s)\n' "$m2" "${two[*]}"
awk -v a="$m1" -v b="$m2" -v n="$reps" 'BEGIN {printf "speed-up: %.2fx (medians of %d)\n", a / b, n}'
