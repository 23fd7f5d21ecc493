#!/usr/bin/python3
"""End-to-end checks of tools/tcpsim_pandas.py: a run and a small sweep by the tcpsim under
test, read into DataFrames and compared with the files' datasets (h5py), with the summary
numbers tcpsim itself wrote into the study's runs table, and with the closed form of the
scenario (one host at 100 connections/s with 1,000 ports: TIME_WAIT climbs 100 per second
and connects fail from 10 s on). Usage: tcpsim_pandas_test.py TCPSIM SOURCE_DIR"""

import math
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np
import pandas as pd

tcpsim, source = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(source, "tools"))
import tcpsim_pandas as tp  # noqa: E402

SCENARIO = """name: "frames"
seed: 5
duration: "15s"
warmup: "0s"
metrics_interval: "1s"
groups { name: "clients" count: 1 address_base: "10.1.0.1"
         kernel { ip_local_port_range: "60000 60999" } }
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
  load { constant { rate: 100 } }
  pool { none {} }
}
"""

SWEEP = """sweep {
  parameters { path: "clients[0].load.constant.rate" name: "rate" values: "50" values: "100" }
  parameters { path: "clients[0].pool" name: "pool"
               values: "none {}" values: "keep_alive { idle_timeout: '5s' }" }
  replications: 2
}
"""


def fail(message):
    raise SystemExit(f"FAIL: {message}")


def check(condition, message):
    if not condition:
        fail(message)


def run(*args):
    return subprocess.run([tcpsim, *args], check=True, capture_output=True, text=True)


def check_results(path):
    r = tp.read_results(path)
    check(r.groups == ["clients", "backend"], f"groups {r.groups}")
    check(r.attrs["seed"] == 5 and r.attrs["duration_s"] == 15.0, f"attrs {r.attrs}")
    s = r.series("clients")
    with h5py.File(path, "r") as f:
        g = f["groups/clients"]
        check(np.array_equal(s.index.to_numpy(), g["time_s"][()]), "time index")
        check(s.index.name == "time_s", "index name")
        check(np.array_equal(s["ports_in_use"].to_numpy(), g["ports_in_use"][()]), "ports_in_use")
        states = [v.decode() if isinstance(v, bytes) else v for v in g["state_sum"].attrs["states"]]
        for k, state in enumerate(states):
            check(np.array_equal(s[f"state_sum.{state}"].to_numpy(), g["state_sum"][:, k]),
                  f"state_sum.{state}")
        h = r.histogram("clients", "request_latency")
        check(np.array_equal(h["count"].to_numpy(), g["request_latency"]["count"]), "histogram")
        check(int(h["count"].sum()) == int(g["request_latency"].attrs["count"]), "histogram sum")

    # The closed form: a port per connection held 60 s in TIME_WAIT, 1,000 ports.
    tw = s["state_sum.TIME_WAIT"]
    for t in (3.0, 5.0, 9.0):
        check(abs(tw.loc[t] - 100 * t) <= 2, f"TIME_WAIT at {t} s: {tw.loc[t]}, want ~{100 * t}")
    check(tw.loc[15.0] == 1000, f"TIME_WAIT at 15 s: {tw.loc[15.0]}, want the range, 1000")
    failed = s["connects_failed.EADDRNOTAVAIL"]
    check(failed.loc[9.0] == 0 and failed.loc[15.0] > 0, "EADDRNOTAVAIL only after 10 s")

    summary = r.summary
    check(list(summary.index.names) == ["group", "name"], "summary index")
    check(summary.loc[("clients", "state_peak.TIME_WAIT"), "value"] == 1000, "state_peak")
    first = summary.loc[("clients", "first_eaddrnotavail_s"), "value"]
    check(abs(first - 10.0) < 0.02, f"first_eaddrnotavail_s {first}, want 10 s")
    check(summary.loc[("clients", "request_latency_p99_s"), "units"] == "s", "percentile unit")
    check(math.isnan(summary.loc[("backend", "first_eaddrnotavail_s"), "value"]), "undefined")


def check_study(path):
    s = tp.read_study(path)
    runs = s.runs
    check(len(runs) == 8 and runs.index.name == "run", f"runs {runs.shape}")
    check(pd.api.types.is_numeric_dtype(runs["rate"]), f"rate column {runs['rate'].dtype}")
    check(sorted(runs["rate"].unique()) == [50, 100], "rate values")
    check(runs["pool"].dtype == object, "pool column stays text")
    check(set(runs["pool"]) == {"none {}", "keep_alive { idle_timeout: '5s' }"}, "pool values")
    check(list(runs["replication"].value_counts()) == [4, 4], "replications")

    # The summary decoded from each run's series equals what tcpsim wrote in the runs table.
    check(s.series_runs == sorted(runs.index), "every run's series")
    compared = 0
    for run in s.series_runs:
        for (group, name), row in s.summary(run).iterrows():
            column = f"{group}.{name}"
            if column not in runs.columns:
                continue
            want, got = runs.loc[run, column], row["value"]
            check((math.isnan(want) and math.isnan(got)) or math.isclose(want, got, rel_tol=1e-12),
                  f"run {run} {column}: summary {got}, runs table {want}")
            compared += 1
    check(compared > 8 * 100, f"only {compared} summary numbers compared")

    # Points: the mean over the replications of each metric, parameters as in the runs.
    points = s.points
    check(len(points) == 4 and points.index.name == "point", f"points {points.shape}")
    check((points["replications"] == 2).all(), "replications per point")
    metric = "clients.state_peak.TIME_WAIT"
    means = runs.groupby("point")[metric].mean()
    check(np.allclose(points[metric].to_numpy(), means.loc[points.index].to_numpy()), "means")
    check(list(s.ci95.columns) == [c for c in points.columns if c in s.ci95.columns], "ci95")
    none_100 = points[(points["rate"] == 100) & (points["pool"] == "none {}")]
    check(none_100[metric].iloc[0] == 1000, "peak TIME_WAIT at 100/s without a pool")
    series = s.series(int(runs.index[0]), "clients")
    check(series.index.name == "time_s" and len(series) == 16, "a run's series")


def check_command(results, study, work):
    out = subprocess.run(["/usr/bin/python3", os.path.join(source, "tools", "tcpsim_pandas.py"),
                          results, "--csv", os.path.join(work, "csv")],
                         check=True, capture_output=True, text=True).stdout.split()
    check(os.path.join(work, "csv", "series.clients.csv") in out, f"csv files {out}")
    back = pd.read_csv(os.path.join(work, "csv", "series.clients.csv"), index_col="time_s")
    check(back["state_sum.TIME_WAIT"].loc[15.0] == 1000, "CSV round trip")
    printed = subprocess.run(["/usr/bin/python3", os.path.join(source, "tools", "tcpsim_pandas.py"),
                              study], check=True, capture_output=True, text=True).stdout
    check("runs: 8 rows" in printed and "points: 4 rows" in printed, printed)
    bad = os.path.join(work, "bad.h5")
    with open(bad, "w") as f:
        f.write("not hdf5\n")
    p = subprocess.run(["/usr/bin/python3", os.path.join(source, "tools", "tcpsim_pandas.py"), bad],
                       capture_output=True, text=True)
    check(p.returncode == 2 and p.stderr.startswith(f"tcpsim_pandas: {bad}: cannot read"),
          f"bad input: status {p.returncode}, {p.stderr!r}")
    p = subprocess.run(["/usr/bin/python3", "-c",
                        f"import sys; sys.path.insert(0, {os.path.join(source, 'tools')!r});"
                        f"import tcpsim_pandas as tp; tp.read_study({results!r})"],
                       capture_output=True, text=True)
    check(p.returncode != 0 and "not a tcpsim-study file" in p.stderr, "results read as a study")


with tempfile.TemporaryDirectory() as work:
    scenario = os.path.join(work, "frames.pbtxt")
    with open(scenario, "w") as f:
        f.write(SCENARIO)
    results = os.path.join(work, "frames.h5")
    run("run", scenario, "-o", results, "-q")
    check_results(results)
    swept = os.path.join(work, "sweep.pbtxt")
    with open(swept, "w") as f:
        f.write(SCENARIO + SWEEP)
    study = os.path.join(work, "study.h5")
    run("sweep", swept, "-o", study, "-j", "2", "-q")
    check_study(study)
    check_command(results, study, work)
print("tcpsim_pandas: results, study and command checked")
