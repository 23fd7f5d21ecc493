#!/usr/bin/python3
"""Reads tcpsim results and study files into pandas DataFrames.

pandas.read_hdf reads only files that pandas (PyTables) wrote; tcpsim writes plain HDF5 with
h5py-readable datasets, which this module turns into frames:

    import tcpsim_pandas as tp
    r = tp.read_results("out.h5")
    r.series("clients")             # one row per sample (index time_s), a column per metric:
                                    # ports_in_use, state_sum.TIME_WAIT, nstat.TcpExtTW, ...
    r.summary                       # one row per (group, number): value, units, description
    r.histogram("clients", "request_latency")   # lowest_ns, highest_ns, count

    s = tp.read_study("study.h5")
    s.runs                          # one row per run: point, replication, seed, parameters
                                    # (numeric where every value is a number), every metric
    s.points                        # one row per point: parameters, replications, the means
    s.ci95                          # the same layout with the 95% confidence half-widths
    s.series(run, "clients")        # a run's series, as Results.series
    s.summary(run)                  # a run's summary, as Results.summary

As a command, `tcpsim_pandas.py FILE [--csv DIR]` prints the frames' shapes and the summary
(or the points), or writes every frame as CSV into DIR. Run it with /usr/bin/python3, which has
Debian's python3-pandas and python3-h5py.
"""

import argparse
import os
import sys

try:
    import h5py
    import numpy as np
    import pandas as pd
except ImportError as e:
    sys.exit(f"tcpsim_pandas: {e} (run with /usr/bin/python3, which has python3-pandas and "
             "python3-h5py; tools/install-deps.sh installs them)")

RESULTS_FORMAT = "tcpsim-results"
STUDY_FORMAT = "tcpsim-study"


class BadInput(Exception):
    """A file that is not a tcpsim results or study file, or lacks what was asked for."""


def _text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def _scalar(value):
    """An HDF5 attribute as a Python number or string."""
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    if isinstance(value, (bytes, str)):
        return _text(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def _labels(attrs, count):
    """The attribute that names a table's columns: a list of `count` strings
    (states, errors, reasons, counters ...); None if there is none."""
    for key, value in attrs.items():
        if key in ("names", "units", "descriptions"):
            continue
        if (isinstance(value, np.ndarray) and value.ndim == 1 and len(value) == count
                and value.dtype.kind in "OSU"):
            return [_text(v) for v in value]
    return None


def _attributes(obj):
    return {k: _scalar(v) for k, v in obj.attrs.items()
            if not isinstance(v, np.ndarray) or v.shape == ()}


def _open_any(path):
    try:
        return h5py.File(path, "r")
    except OSError as e:
        raise BadInput(f"{path}: cannot read it as HDF5 ({e})") from e


def _open(path, expected):
    f = _open_any(path)
    found = _text(f.attrs.get("format", ""))
    if found != expected:
        f.close()
        raise BadInput(f"{path}: format {found!r}, not a {expected} file")
    return f


def _series(groups, name, path):
    """The sampled metrics of host group `name` under `groups` (a results file's /groups or a
    study's /runs/<run>) as a DataFrame indexed by time_s."""
    if name not in groups:
        raise BadInput(f"{path}: no host group {name!r} (groups: {', '.join(groups)})")
    g = groups[name]
    time = g["time_s"][()]
    columns = {}
    for metric, ds in g.items():
        if (not isinstance(ds, h5py.Dataset) or metric == "time_s"
                or _text(ds.attrs.get("kind", "")) not in ("level", "counter")
                or ds.shape[:1] != time.shape):
            continue
        values = ds[()]
        if values.ndim == 1:
            columns[metric] = values
            continue
        labels = _labels(ds.attrs, values.shape[1]) or [str(k) for k in range(values.shape[1])]
        for k, label in enumerate(labels):
            columns[f"{metric}.{label}"] = values[:, k]
    return pd.DataFrame(columns, index=pd.Index(time, name="time_s"))


def _summary_value(attrs, name):
    """A summary number by its study name: `requests_completed` is an attribute,
    `state_peak.TIME_WAIT` the TIME_WAIT column of the vector `state_peak`, a percentile
    `request_latency_p99_s` the attribute `request_latency_p99_ns` in seconds."""
    if name in attrs:
        return _scalar(attrs[name])
    if name.endswith("_s") and name[:-2] + "_ns" in attrs:
        return _scalar(attrs[name[:-2] + "_ns"]) / 1e9
    head, _, label = name.partition(".")
    vector = attrs.get(head)
    if label and isinstance(vector, np.ndarray) and vector.ndim == 1:
        for key, value in attrs.items():
            if (key != head and isinstance(value, np.ndarray) and value.ndim == 1
                    and len(value) == len(vector) and value.dtype.kind in "OSU"):
                names = [_text(v) for v in value]
                if label in names:
                    return vector[names.index(label)].item()
    return float("nan")


def _summary(groups, path):
    rows = []
    for name in groups:
        summary = groups[name].get("summary")
        if summary is None or "names" not in summary.attrs:
            continue
        a = summary.attrs
        for n, u, d in zip(a["names"], a["units"], a["descriptions"]):
            n = _text(n)
            rows.append((name, n, _summary_value(a, n), _text(u), _text(d)))
    frame = pd.DataFrame(rows, columns=["group", "name", "value", "units", "description"])
    return frame.set_index(["group", "name"])


def _histogram(groups, group, metric, path):
    if group not in groups or metric not in groups[group]:
        raise BadInput(f"{path}: no histogram {group}/{metric}")
    ds = groups[group][metric]
    if _text(ds.attrs.get("kind", "")) != "histogram":
        raise BadInput(f"{path}: {group}/{metric} is not a histogram")
    table = ds[()]
    return pd.DataFrame({field: table[field] for field in table.dtype.names})


def _group_names(groups):
    if "names" in groups.attrs:
        return [_text(n) for n in groups.attrs["names"]]
    return list(groups)


class Results:
    """A results file: its root attributes, host groups, series, summary and histograms."""

    def __init__(self, path):
        self.path = path
        with _open(path, RESULTS_FORMAT) as f:
            self.attrs = _attributes(f)
            groups = f["groups"]
            self.groups = _group_names(groups)
            self._series = {g: _series(groups, g, path) for g in self.groups}
            self.summary = _summary(groups, path)
            self._histograms = {
                (g, m): _histogram(groups, g, m, path) for g in self.groups
                for m, ds in groups[g].items()
                if isinstance(ds, h5py.Dataset) and _text(ds.attrs.get("kind", "")) == "histogram"
            }

    def series(self, group):
        if group not in self._series:
            raise BadInput(f"{self.path}: no host group {group!r}")
        return self._series[group]

    def histogram(self, group, metric):
        if (group, metric) not in self._histograms:
            raise BadInput(f"{self.path}: no histogram {group}/{metric}")
        return self._histograms[(group, metric)]


def _numeric(column):
    """A parameter column as numbers when every value is one, else as text."""
    try:
        return pd.to_numeric(column)
    except (ValueError, TypeError):
        return column


def _parameter_frame(values, parameters):
    frame = pd.DataFrame([[_text(v) for v in row] for row in values], columns=parameters)
    for p in parameters:
        frame[p] = _numeric(frame[p])
    return frame


class Study:
    """A study file: its runs table, per-point means and 95% half-widths, and run series."""

    def __init__(self, path):
        self.path = path
        with _open(path, STUDY_FORMAT) as f:
            self.attrs = _attributes(f)
            self.parameters = [_text(p) for p in f.attrs.get("parameters", [])]
            try:
                runs, points = f["runs"], f["points"]
                self.runs = self._table(runs, "run", ["point", "replication", "seed"], "metrics")
                self.points = self._table(points, "point", ["replications"], "mean")
                self.ci95 = pd.DataFrame(
                    points["ci95"][()], columns=[_text(n) for n in points["ci95"].attrs["names"]],
                    index=self.points.index)
            except KeyError as e:
                raise BadInput(f"{path}: not a complete study file (missing {e})") from e
            self._series = {}
            self._summaries = {}
            for key, obj in runs.items():
                if isinstance(obj, h5py.Group):
                    self._series[int(key)] = {g: _series(obj, g, path) for g in _group_names(obj)}
                    self._summaries[int(key)] = _summary(obj, path)

    def _table(self, group, key, columns, metrics):
        index = pd.Index(group[key][()].astype(np.int64), name=key)
        frame = pd.concat(
            [pd.DataFrame({c: group[c][()] for c in columns}),
             _parameter_frame(group["values"][()], self.parameters),
             pd.DataFrame(group[metrics][()],
                          columns=[_text(n) for n in group[metrics].attrs["names"]])],
            axis=1)
        frame.index = index
        return frame

    def series(self, run, group):
        if run not in self._series:
            raise BadInput(f"{self.path}: the study holds no series of run {run}")
        if group not in self._series[run]:
            raise BadInput(f"{self.path}: run {run} has no host group {group!r}")
        return self._series[run][group]

    def summary(self, run):
        """A run's summary numbers, laid out as Results.summary."""
        if run not in self._summaries:
            raise BadInput(f"{self.path}: the study holds no series of run {run}")
        return self._summaries[run]

    @property
    def series_runs(self):
        return sorted(self._series)


def read_results(path):
    return Results(path)


def read_study(path):
    return Study(path)


def read(path):
    """A Results or a Study, whichever the file holds."""
    with _open_any(path) as f:
        kind = _text(f.attrs.get("format", ""))
    if kind == RESULTS_FORMAT:
        return Results(path)
    if kind == STUDY_FORMAT:
        return Study(path)
    raise BadInput(f"{path}: format {kind!r}, neither a results nor a study file")


def _frames(data):
    """Every frame of a Results or Study, by a name usable as a file name."""
    if isinstance(data, Results):
        frames = {"summary": data.summary}
        for g in data.groups:
            frames[f"series.{g}"] = data.series(g)
        for (g, m), h in data._histograms.items():
            frames[f"histogram.{g}.{m}"] = h
        return frames
    frames = {"runs": data.runs, "points": data.points, "ci95": data.ci95}
    for run in data.series_runs:
        for g, s in data._series[run].items():
            frames[f"series.{run}.{g}"] = s
    return frames


def main(argv):
    parser = argparse.ArgumentParser(
        description="Print or export as CSV the DataFrames of a tcpsim results or study file.")
    parser.add_argument("file")
    parser.add_argument("--csv", metavar="DIR", help="write every frame as DIR/<name>.csv")
    args = parser.parse_args(argv)
    try:
        data = read(args.file)
    except BadInput as e:
        print(f"tcpsim_pandas: {e}", file=sys.stderr)
        return 2
    frames = _frames(data)
    if args.csv:
        os.makedirs(args.csv, exist_ok=True)
        for name, frame in frames.items():
            path = os.path.join(args.csv, name.replace("/", "_") + ".csv")
            frame.to_csv(path)
            print(path)
        return 0
    for name, frame in frames.items():
        print(f"{name}: {frame.shape[0]} rows x {frame.shape[1]} columns")
    with pd.option_context("display.max_rows", None, "display.width", 160):
        print(data.summary[["value", "units"]] if isinstance(data, Results) else data.points)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
