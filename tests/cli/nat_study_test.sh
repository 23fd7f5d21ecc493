#!/usr/bin/env bash
# The NAT gateway study, cut to 2 rates x 3 address counts x 1 replication: its first
# allocation failure against the closed form 55,000 x addresses / rate, and its plot.
set -euo pipefail
tcpsim=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
study=$src/scenarios/studies/nat_gateway.pbtxt
grep -q 'range { from: 2 to: 6 step: 0.5 }' "$study" || fail "nat study: no rate range to cut"
grep -q 'replications: 3' "$study" || fail "nat study: no 'replications: 3' to cut"
sed -e 's/range { from: 2 to: 6 step: 0.5 }/range { from: 4 to: 6 step: 2 }/' \
  -e 's/replications: 3/replications: 1/' "$study" >"$work/nat.pbtxt"

(cd "$work" && "$tcpsim" sweep nat.pbtxt -o nat.h5 -j 2 -q >sweep.out)
grep -q "6 runs planned, 0 reused, 6 run" "$work/sweep.out" || fail "sweep summary: $(cat "$work/sweep.out")"
grep -q "nat.nat_first_failure_s" "$work/sweep.out" || fail "the summary has no first failure"

/usr/bin/python3 "$src/tools/plot_results.py" "$work/nat.h5" -m nat.nat_first_failure_s --table \
  -o "$work" >"$work/table.tsv"
[[ -s $work/nat_nat.nat_first_failure_s.png ]] || fail "no plot"
# Columns: metric, panel, line, x, mean, ci95, runs with a value / replications.
/usr/bin/python3 - "$work/table.tsv" <<'PY' || fail "first failures differ from 55,000 x addresses / rate"
import math, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.startswith("nat.")]
assert len(rows) == 6, rows
for _, _, line, x, mean, _, _ in rows:
    addresses = int(line.split("=")[1])
    rate = 100 * float(x.split("=")[1])
    expected = 55000 * addresses / rate
    got = float(mean)
    if expected > 300:
        assert math.isnan(got), (addresses, rate, got)
    else:
        # Later by up to 5%: a port taken again for the same destination reuses its mapping.
        assert expected * 0.99 < got < expected * 1.05, (addresses, rate, got, expected)
PY
echo "nat study: ok"
