#!/usr/bin/env bash
# End-to-end checks of tools/plot_results.py on a study file: a small sweep run by the tcpsim
# under test, its default plots (valid PNGs), the plotted values against the closed forms
# (peak TIME_WAIT = rate x t before the range runs out, first EADDRNOTAVAIL at range / rate,
# none with a keep-alive pool), the layout options, and bad input (status 2, one line naming
# the problem, nothing written).
set -euo pipefail
tcpsim=$1
src=$2
python=/usr/bin/python3
$python -c 'import h5py, matplotlib' || { echo "FAIL: /usr/bin/python3 lacks h5py or matplotlib (tools/install-deps.sh installs them)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export MPLCONFIGDIR=$work/mpl
plot() { $python "$src/tools/plot_results.py" "$@"; }

# One client host for 15 s, 3 replications: with 1,000 ports at 100/s connects fail from
# 10 s on; at 50/s the range would last 20 s, so no failure (NaN) within the run; the
# default range (28,232) and the keep-alive pool never run out.
cat >"$work/small.pbtxt" <<'EOF'
name: "small"
seed: 3
duration: "15s"
warmup: "0s"
metrics_interval: "1s"
groups { name: "clients" count: 1 address_base: "10.1.0.1" }
groups { name: "backend" count: 1 address_base: "10.2.0.1" }
topology {
  switches { name: "tor" }
  links { from: "clients" to: "tor" latency: "50us" bandwidth: "10Gbit" }
  links { from: "backend" to: "tor" latency: "50us" bandwidth: "10Gbit" }
}
servers { name: "http" group: "backend" ports: 80 service_time { constant { value: "1ms" } } }
clients {
  name: "web"
  group: "clients"
  target_group: "backend"
  target_ports: 80
  load { poisson { rate: 50 } }
  pool { none {} }
}
sweep {
  parameters { path: "groups[0].kernel.ip_local_port_range" name: "ports"
               values: "32768 60999" values: "60000 60999" }
  parameters { path: "clients[0].load.poisson.rate" name: "rate" values: "50" values: "100" }
  parameters { path: "clients[0].pool" name: "pool"
               values: "none {}" values: "keep_alive { idle_timeout: '5s' }" }
  replications: 3
}
EOF
(cd "$work" && "$tcpsim" sweep small.pbtxt -o small.h5 -j 2 -q >/dev/null)

# Defaults: x = rate (the first numeric parameter, though listed second), lines per
# (ports, pool), the four metrics of the first client group, one valid PNG each.
plot "$work/small.h5" -o "$work/png" --table >"$work/out"
for m in state_peak.TIME_WAIT first_eaddrnotavail_s failures.EADDRNOTAVAIL ports_in_use_peak; do
  png=$work/png/small_clients.$m.png
  grep -qxF "$png" "$work/out" || fail "$m: path not printed"
  $python - "$png" <<'EOF' || fail "$m: not a valid image"
import sys
import matplotlib.pyplot as plt
image = plt.imread(sys.argv[1])
assert sys.argv[1].endswith(".png") and open(sys.argv[1], "rb").read(8) == b"\x89PNG\r\n\x1a\n"
assert image.ndim == 3 and image.shape[0] > 300 and image.shape[1] > 600, image.shape
assert image[..., :3].std() > 0.05, "blank image"
EOF
done
[[ $(ls "$work/png" | wc -l) -eq 4 ]] || fail "expected 4 PNGs: $(ls "$work/png")"

# The plotted values: one row per (metric, line, x), 4 lines x 2 rates per metric.
row() {  # metric, line, x -> "mean ci95 runs"
  awk -F'\t' -v m="clients.$1" -v l="$2" -v x="rate=$3" \
    '$1 == m && $3 == l && $4 == x { print $5, $6, $7 }' "$work/out"
}
[[ $(grep -c $'^clients.first_eaddrnotavail_s\t-\t' "$work/out") -eq 8 ]] || fail "rows per metric"
read -r mean ci runs <<<"$(row first_eaddrnotavail_s 'ports=60000 60999, pool=none {}' 100)"
awk -v m="$mean" 'BEGIN { exit !(m > 9 && m < 11) }' \
  || fail "first failure at 100/s: $mean, not ~10 s"
[[ $runs == 3/3 ]] || fail "first failure at 100/s defined in $runs runs"
read -r mean ci runs <<<"$(row first_eaddrnotavail_s 'ports=60000 60999, pool=none {}' 50)"
[[ $mean == nan && $runs == 0/3 ]] || fail "first failure at 50/s: $mean ($runs), expected none"
keep_alive="pool=keep_alive { idle_timeout: '5s' }"
read -r mean ci runs <<<"$(row first_eaddrnotavail_s "ports=60000 60999, $keep_alive" 100)"
[[ $mean == nan ]] || fail "keep-alive pool ran out: $mean"
read -r mean ci runs <<<"$(row state_peak.TIME_WAIT 'ports=32768 60999, pool=none {}' 50)"
awk -v m="$mean" -v c="$ci" 'BEGIN { exit !(m > 650 && m < 850 && c > 0) }' \
  || fail "peak TIME_WAIT at 50/s for 15 s: $mean ± $ci, not ~750"
read -r mean ci runs <<<"$(row state_peak.TIME_WAIT 'ports=60000 60999, pool=none {}' 100)"
[[ $mean == 1000 ]] || fail "peak TIME_WAIT with 1000 ports at 100/s: $mean, expected 1000"

# Layout options: x = pool, lines per port range, a panel per rate; all in one figure.
plot "$work/small.h5" -o "$work/png2" --x pool --lines ports --combine \
  -m state_peak.TIME_WAIT,clients.failures.EADDRNOTAVAIL --table >"$work/out2"
[[ -s $work/png2/small_study.png ]] || fail "--combine wrote no small_study.png"
[[ $(ls "$work/png2") == small_study.png ]] || fail "--combine wrote $(ls "$work/png2")"
grep -q $'^clients.state_peak.TIME_WAIT\trate=100\tports=60000 60999\tpool=none {}\t1000\t' \
  "$work/out2" || fail "--x pool --lines ports: $(head -3 "$work/out2")"

# Bad input: status 2, one line naming the problem, no PNG written.
expect_bad() {  # pattern, arguments...
  local pattern=$1 status
  shift
  set +e
  plot "$@" -o "$work/bad" >/dev/null 2>"$work/err"
  status=$?
  set -e
  [[ $status -eq 2 ]] || fail "$*: status $status, expected 2"
  [[ $(wc -l <"$work/err") -eq 1 ]] || fail "$*: message of $(wc -l <"$work/err") lines"
  grep -q -- "$pattern" "$work/err" || fail "$*: message does not name $pattern: $(cat "$work/err")"
  [[ ! -e $work/bad ]] || fail "$*: wrote $(ls "$work/bad")"
}
expect_bad "no_such_metric" "$work/small.h5" -m state_peak.TIME_WAIT,no_such_metric
expect_bad "'speed'" "$work/small.h5" --x speed
expect_bad "'tier'" "$work/small.h5" --lines pool,tier
expect_bad "'rate'" "$work/small.h5" --lines rate
expect_bad "absent.h5: no such file" "$work/absent.h5"
echo "not hdf5" >"$work/junk.h5"
expect_bad "junk.h5: not an HDF5 file" "$work/junk.h5"
$python -c 'import h5py, sys; h5py.File(sys.argv[1], "w").attrs["format"] = "other"' "$work/other.h5"
expect_bad "other.h5: not a tcpsim results or study file" "$work/other.h5"

# A results file still gets its three time-series plots, and no study option.
(cd "$work" && "$tcpsim" run small.pbtxt -o run.h5 -q >/dev/null)
plot "$work/run.h5" -o "$work/png3" >/dev/null
for name in run_states.png run_ports.png run_failures.png; do
  [[ -s $work/png3/$name ]] || fail "results mode: no $name"
done
expect_bad "--metric applies to study files" "$work/run.h5" -m state_peak.TIME_WAIT
echo "plot study tests passed"
