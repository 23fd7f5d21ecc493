#!/usr/bin/env bash
# Times `tcpsim merge` over the folder a sweep of RUNS runs (default 10,000) recorded one run at a
# time: RUNS row files and RUNS results files written by merge_bench_inputs (series shaped as
# the capacity study's). Each of REPEATS merges (default 3) runs with at most 64 open files under
# /usr/bin/time -v; prints each one's wall time and peak RSS, then their medians. Not a ctest
# test (it takes minutes).
#
# usage: bench/merge_bench.sh [BUILD_DIR] [RUNS] [REPEATS]
#        BUILD_DIR defaults to build/release; it needs cli/tcpsim and bench/merge_bench_inputs.
set -euo pipefail
build=$(realpath "${1:-build/release}")
runs=${2:-10000}
repeats=${3:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/tcpsim-merge-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

start=$(date +%s.%N)
"$build/bench/merge_bench_inputs" "$work/study.h5.runs" "$runs"
echo "inputs written in $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s: $(du -sh "$work/study.h5.runs" | cut -f1)," \
  "$(ls "$work/study.h5.runs" | wc -l) files"

walls=()
rsss=()
for ((i = 1; i <= repeats; i++)); do
  rm -f "$work/study.h5"
  sync
  (ulimit -n 64 && /usr/bin/time -v "$build/cli/tcpsim" merge -o "$work/study.h5" \
    >"$work/merge.out" 2>"$work/time.out") || { cat "$work/time.out" >&2; exit 1; }
  # "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:12.34"
  wall=$(sed -n 's/.*Elapsed (wall clock).*: //p' "$work/time.out" |
    awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }')
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.out")
  walls+=("$wall")
  rsss+=("$rss")
  echo "merge $i: wall ${wall} s, peak RSS $((rss / 1024)) MiB ($rss kB); $(tail -1 "$work/merge.out")"
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
rss=$(median "${rsss[@]}")
echo "study: $(du -h "$work/study.h5" | cut -f1)"
echo "median of $repeats merges of $runs runs: wall $(median "${walls[@]}") s, peak RSS $((rss / 1024)) MiB ($rss kB)"
