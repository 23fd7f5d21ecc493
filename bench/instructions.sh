#!/usr/bin/env bash
# Instructions and cache misses per unit of work, from callgrind's simulated
# caches: figures that do not move with the machine's load.
#
#   bench/instructions.sh [build-dir]      (default: build/release)
#
# Runs, each shortened to a few billion instructions:
#   churn  BM_ConnectionChurn/10 (100 hosts, 20,000 connections/s, 10 s)   per lifecycle
#   fleet  tcpsim run bench/scenarios/fleet.pbtxt, duration 30 s            per lifecycle
#   phold  PHOLD E64k16 as the README runs it (lookahead 0.1, mean 1, end 5) per event
# and prints instructions, L1 data misses and L2-sized misses (a 1 MiB,
# 16-way last level, as a core of the 2-core machines has) per unit.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
command -v valgrind > /dev/null || { echo "instructions.sh: valgrind is not installed" >&2; exit 2; }
for binary in bench/connection_churn_bench bench/phold cli/tcpsim; do
  [[ -x $build/$binary ]] || { echo "instructions.sh: $build/$binary is not built" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# callgrind's totals of one run: Ir, D1 misses, LL misses (data + instructions).
profile() {
  local name=$1
  shift
  valgrind --tool=callgrind --cache-sim=yes --I1=32768,8,64 --D1=32768,8,64 \
    --LL=1048576,16,64 --callgrind-out-file="$work/$name.out" "$@" \
    > "$work/$name.stdout" 2> "$work/$name.stderr"
  awk '
    / I   refs:/ { gsub(",", "", $4); ir = $4 }
    / D1  misses:/ { gsub(",", "", $4); d1 = $4 }
    / LL misses:/ { gsub(",", "", $4); ll = $4 }
    END { print ir, d1, ll }' "$work/$name.stderr"
}

row() {
  local name=$1 unit=$2 count=$3 ir=$4 d1=$5 ll=$6
  awk -v n="$name" -v u="$unit" -v c="$count" -v ir="$ir" -v d1="$d1" -v ll="$ll" 'BEGIN {
    printf "%-6s %12d %-11s %12.0f %10.1f %10.2f\n", n, c, u, ir / c, d1 / c, ll / c }'
}

printf "%-6s %12s %-11s %12s %10s %10s\n" run count unit "Ir/unit" "D1miss" "L2miss"

read -r ir d1 ll < <(profile churn "$build/bench/connection_churn_bench" \
  --benchmark_filter='BM_ConnectionChurn/10/' --benchmark_format=json)
lifecycles=$(awk -F': ' '/"lifecycles"/ { gsub(/[ ,]/, "", $2); printf "%d", $2 }' \
  "$work/churn.stdout")
row churn lifecycles "$lifecycles" "$ir" "$d1" "$ll"

read -r ir d1 ll < <(profile fleet "$build/cli/tcpsim" run "$root/bench/scenarios/fleet.pbtxt" \
  --set duration=30s -o "$work/fleet.h5")
lifecycles=$(awk '$1 == "requests_completed" { n += $2 } END { print n + 0 }' \
  "$work/fleet.stdout")
row fleet lifecycles "$lifecycles" "$ir" "$d1" "$ll"

read -r ir d1 ll < <(profile phold "$build/bench/phold" --lps 65536 --start-events 16 \
  --lookahead 0.1 --mean 1.0 --end 5)
events=$(awk -F'[= ]' '/^net_events=/ { print $2 }' "$work/phold.stdout")
row phold events "$events" "$ir" "$d1" "$ll"
