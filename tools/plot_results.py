#!/usr/bin/python3
"""Plots a tcpsim results file (from `tcpsim run`) or study file (from `tcpsim sweep`).

Results file (io/results_file.h): writes, one panel per host group, <stem>_states.png
(sockets per state over time), <stem>_ports.png (ports in use against the port range) and
<stem>_failures.png (failed connects per second, by errno), and <stem>_series.png: every
other sampled metric of the file, one panel each (levels as they are, counters per second),
one line per host group. Titles and units come from the datasets' `description` and
`units` attributes.

Study file (io/study_file.h): writes one <stem>_<metric>.png per metric, the metric's mean
over the replications of each point against one parameter (x), with bars for the 95%
confidence interval of the mean (the /points table's mean and ci95). Titles and units come
from the summaries of the runs' series the study holds (names, units, descriptions).

Run it with /usr/bin/python3, which has Debian's python3-h5py and python3-matplotlib.
Exit status 0 on success, 2 on bad input (a missing file, not a results or study file, an
unknown metric or parameter), with a one-line message naming the problem.
"""

import argparse
import math
import os
import re
import sys

try:
    import h5py
    import matplotlib
    import numpy as np

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
except ImportError as e:
    sys.exit(f"plot_results: {e} (run with /usr/bin/python3, which has python3-h5py and "
             "python3-matplotlib)")

FORMAT = "tcpsim-results"
STUDY_FORMAT = "tcpsim-study"

STUDY_EPILOG = """\
study files:
  One figure per metric, <stem>_<metric>.png (or all metrics in one figure,
  <stem>_study.png, with --combine: each metric its own row(s) of panels).
  The x axis is one parameter (--x; default: the first parameter whose values
  are all numbers, else the first parameter; values that are not all numbers
  are placed evenly, in sweep order). Every other parameter with several
  values either draws lines or splits the figure into panels (rows of up to
  three):
    --lines P[,P...]   one line per combination of the values of these
                       parameters; default: every other parameter with several
                       values that --panels does not name.
    --panels P[,P...]  one panel per combination of the values of these
                       parameters. A parameter with several values named by
                       neither --x nor --lines (when --lines is given) also gets
                       a panel per value, so every plotted point is one point of
                       the study. Parameters with a single value are named in
                       the title.
  Metrics are the columns of the study's tables (--list shows them), e.g.
  clients.state_peak.TIME_WAIT; a name without its host group
  (state_peak.TIME_WAIT) means that of the first client group. Default metrics,
  of the first client group: state_peak.TIME_WAIT, first_eaddrnotavail_s,
  failures.EADDRNOTAVAIL, ports_in_use_peak.
  A point whose mean is undefined (NaN: e.g. first_eaddrnotavail_s when no
  replication ever got EADDRNOTAVAIL) is not drawn, leaving a gap in its line;
  the caption says so, and the legend marks a line undefined at every x as
  not drawn. A hollow marker is a mean over only some of the point's
  replications (those where the metric is defined).
"""


class BadInput(Exception):
    pass


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def open_file(path):
    """Returns (format, h5py.File) of a results or study file."""
    if not os.path.isfile(path):
        raise BadInput(f"{path}: no such file")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise BadInput(f"{path}: not an HDF5 file ({e})") from e
    kind = text(f.attrs.get("format", ""))
    if kind == FORMAT and "groups" in f:
        return kind, f
    if kind == STUDY_FORMAT and "points" in f:
        return kind, f
    f.close()
    raise BadInput(f"{path}: not a tcpsim results or study file "
                   f"(no format = {FORMAT!r} or {STUDY_FORMAT!r})")


# ---------------------------------------------------------------------------------------------
# Results files: time series of one run.


def group_names(f):
    groups = f["groups"]
    names = [text(n) for n in groups.attrs.get("names", list(groups))]
    return [n for n in names if n in groups]


def figure(count, title):
    fig, axes = plt.subplots(max(count, 1), 1, figsize=(10, 3.2 * max(count, 1) + 0.8),
                             sharex=True, squeeze=False)
    fig.suptitle(title)
    return fig, [row[0] for row in axes]


def finish(fig, axes, warmup_s, path):
    for ax in axes:
        if warmup_s > 0:
            ax.axvspan(0, warmup_s, color="0.9", zorder=0, label="_warm-up")
        ax.grid(True, alpha=0.3)
    axes[-1].set_xlabel("simulated time (s)")
    fig.tight_layout()
    write(fig, path)


def write(fig, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(path)


def attribute(ds, name, default=""):
    return text(ds.attrs[name]) if name in ds.attrs else default


def first_dataset(f, names, metric):
    """The dataset `metric` of the first host group that has it, else None."""
    for name in names:
        if metric in f["groups"][name]:
            return f["groups"][name][metric]
    return None


def plot_states(f, names, warmup_s, path, log):
    ds = first_dataset(f, names, "state_sum")
    fig, axes = figure(len(names), attribute(ds, "description", "sockets per state")
                       if ds is not None else "sockets per state")
    for ax, name in zip(axes, names):
        g = f["groups"][name]
        t = g["time_s"][()]
        table = g["state_sum"][()]
        states = [text(s) for s in g["state_sum"].attrs["states"]]
        for k, state in enumerate(states):
            if table.shape[0] and table[:, k].any():
                ax.plot(t, table[:, k], label=state)
        ax.set_title(f"{name} ({int(g.attrs['hosts'])} hosts)")
        ax.set_ylabel(attribute(g["state_sum"], "units"))
        if log:
            ax.set_yscale("symlog")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="upper left", fontsize="small", ncol=2)
        else:
            ax.text(0.5, 0.5, "no sockets", ha="center", va="center", transform=ax.transAxes)
    finish(fig, axes, warmup_s, path)


def plot_ports(f, names, warmup_s, path):
    fig, axes = figure(len(names), "ephemeral ports in use per host")
    for ax, name in zip(axes, names):
        g = f["groups"][name]
        t = g["time_s"][()]
        hosts = int(g.attrs["hosts"])
        ax.plot(t, g["ports_in_use_max"][()],
                label=attribute(g["ports_in_use_max"], "description", "busiest host"))
        if hosts > 0:
            ax.plot(t, g["ports_in_use"][()] / hosts, label="mean per host")
        size = int(g.attrs.get("port_range_size", 0))
        if size > 0:
            ax.axhline(size, color="red", linestyle="--", label=f"port range ({size})")
        ax.set_title(f"{name} ({hosts} hosts)")
        ax.set_ylabel(attribute(g["ports_in_use"], "units"))
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper left", fontsize="small")
    finish(fig, axes, warmup_s, path)


def plot_failures(f, names, warmup_s, path):
    ds = first_dataset(f, names, "connects_failed")
    title = attribute(ds, "description", "failed connects") if ds is not None else ""
    fig, axes = figure(len(names), f"{title}: per second")
    for ax, name in zip(axes, names):
        g = f["groups"][name]
        t = g["time_s"][()]
        failed = g["connects_failed"][()].astype(np.float64)
        errors = [text(e) for e in g["connects_failed"].attrs["errors"]]
        if len(t) >= 2:
            dt = np.diff(t)
            dt[dt <= 0] = np.nan
            rates = np.diff(failed, axis=0) / dt[:, None]
            for k, error in enumerate(errors):
                if error != "OK" and failed[:, k].any():
                    ax.step(t[1:], rates[:, k], where="pre", label=error)
        ax.set_title(name)
        ax.set_ylabel(f"{attribute(g['connects_failed'], 'units')} / s")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="upper left", fontsize="small")
        else:
            ax.text(0.5, 0.5, "no failed connects", ha="center", va="center",
                    transform=ax.transAxes)
    finish(fig, axes, warmup_s, path)


# Drawn by the figures above; every other level and counter goes to <stem>_series.png.
OWN_FIGURES = ("state_sum", "state_max", "ports_in_use", "ports_in_use_max", "connects_failed")


def sampled_metrics(f, names):
    """The levels and counters of the groups (datasets with a `kind`), in first-seen order."""
    seen = []
    for name in names:
        for metric, ds in f["groups"][name].items():
            if (isinstance(ds, h5py.Dataset) and attribute(ds, "kind") in ("level", "counter")
                    and metric not in OWN_FIGURES and metric not in seen):
                seen.append(metric)
    return seen


def column_names(ds, count):
    """The names of a vector metric's columns: its string attribute of that many names."""
    for key, value in ds.attrs.items():
        if key not in ("units", "description", "kind") and np.ndim(value) == 1 \
                and len(value) == count and all(isinstance(v, (str, bytes)) for v in value):
            return [text(v) for v in value]
    return [str(k) for k in range(count)]


def plot_series(f, names, warmup_s, path):
    metrics = sampled_metrics(f, names)
    if not metrics:
        return
    fig, axes = figure(len(metrics), "other metrics, per host group")
    for ax, metric in zip(axes, metrics):
        ds = first_dataset(f, names, metric)
        counter = attribute(ds, "kind") == "counter"
        units = attribute(ds, "units")
        for name in names:
            g = f["groups"][name]
            if metric not in g:
                continue
            t = g["time_s"][()]
            values = g[metric][()].astype(np.float64)
            if values.ndim == 1:
                values, columns = values[:, None], [""]
            else:
                columns = column_names(g[metric], values.shape[1])
            if counter:
                if len(t) < 2:
                    continue
                dt = np.diff(t)
                dt[dt <= 0] = np.nan
                values, t = np.diff(values, axis=0) / dt[:, None], t[1:]
            for k, column in enumerate(columns):
                if values.shape[0] and values[:, k].any():
                    ax.plot(t, values[:, k], label=f"{name} {column}".strip())
        title = attribute(ds, "description", metric)
        ax.set_title(f"{title}: per second" if counter else title, fontsize="medium")
        ax.set_ylabel(f"{units} / s" if counter else units)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="upper left", fontsize="small")
        else:
            ax.text(0.5, 0.5, f"{metric}: zero throughout", ha="center", va="center",
                    transform=ax.transAxes)
    finish(fig, axes, warmup_s, path)


def plot_results(f, args, stem):
    names = group_names(f)
    warmup_s = float(f.attrs.get("warmup_s", 0.0))
    plot_states(f, names, warmup_s, stem + "_states.png", args.log)
    plot_ports(f, names, warmup_s, stem + "_ports.png")
    plot_failures(f, names, warmup_s, stem + "_failures.png")
    plot_series(f, names, warmup_s, stem + "_series.png")


# ---------------------------------------------------------------------------------------------
# Study files: per-point means and confidence intervals of a sweep.

DEFAULT_METRICS = ("state_peak.TIME_WAIT", "first_eaddrnotavail_s", "failures.EADDRNOTAVAIL",
                   "ports_in_use_peak")


class Study:
    """The tables of a study file that the plots need."""

    def __init__(self, f, path):
        self.path = path
        try:
            points = f["points"]
            values = points["values"]
            self.parameters = [text(p) for p in f.attrs.get("parameters",
                                                            values.attrs.get("names", []))]
            self.values = [[text(v) for v in row] for row in values[()]]
            self.point = points["point"][()]
            self.replications = points["replications"][()]
            self.metrics = [text(m) for m in points["mean"].attrs["names"]]
            self.mean = np.asarray(points["mean"][()], dtype=np.float64)
            self.ci95 = np.asarray(points["ci95"][()], dtype=np.float64)
            self.defined = self._defined_counts(f)
        except KeyError as e:
            raise BadInput(f"{path}: not a complete study file (missing {e})") from e
        if (not self.parameters or any(len(row) != len(self.parameters) for row in self.values)
                or self.mean.shape != (len(self.values), len(self.metrics))
                or self.ci95.shape != self.mean.shape):
            raise BadInput(f"{path}: not a complete study file (tables of unequal sizes)")
        self.base_scenario_text = text(f.attrs.get("base_scenario_text", ""))
        order = np.argsort(self.point, kind="stable")
        self.rows = [int(i) for i in order]  # points by point number
        self.meta = self._metadata(f)
        self.groups = self._groups(f)

    @staticmethod
    def _run_groups(f):
        """The host groups of the first run whose series the study holds, else None."""
        runs = f.get("runs")
        for key in runs.keys() if runs is not None else []:
            if isinstance(runs[key], h5py.Group):
                return runs[key]
        return None

    def _metadata(self, f):
        """Per study metric, (unit, description) from the runs' summaries: names, units,
        descriptions of each host group's summary group."""
        meta = {}
        groups = self._run_groups(f)
        for name in groups.keys() if groups is not None else []:
            summary = groups[name].get("summary")
            if summary is None or "names" not in summary.attrs:
                continue
            for n, u, d in zip(summary.attrs["names"], summary.attrs["units"],
                               summary.attrs["descriptions"]):
                meta[f"{name}.{text(n)}"] = (text(u), text(d))
        return meta

    def _groups(self, f):
        """The host groups: those of the runs' series, else of the scenario."""
        groups = self._run_groups(f)
        if groups is not None and "names" in groups.attrs:
            return [text(n) for n in groups.attrs["names"]]
        return re.findall(r'^groups \{\n\s*name: "((?:[^"\\]|\\.)*)"', self.base_scenario_text,
                          re.M)

    def _defined_counts(self, f):
        """Per point and metric, how many runs have a value (not NaN); None without runs."""
        runs = f.get("runs")
        if runs is None or "metrics" not in runs or "point" not in runs:
            return None
        names = [text(m) for m in runs["metrics"].attrs["names"]]
        table = np.asarray(runs["metrics"][()], dtype=np.float64)
        index = {int(p): k for k, p in enumerate(self.point)}
        rows = np.array([index.get(int(p), -1) for p in runs["point"][()]], dtype=np.int64)
        counts = np.zeros((len(self.point), len(self.metrics)), dtype=np.int64)
        for j, name in enumerate(self.metrics):
            if name in names and table.ndim == 2:
                has = ~np.isnan(table[:, names.index(name)]) & (rows >= 0)
                np.add.at(counts[:, j], rows[has], 1)
        return counts

    def parameter_values(self, name):
        """The distinct values of a parameter, in the order the sweep numbers them."""
        k = self.parameters.index(name)
        seen = []
        for i in self.rows:
            if self.values[i][k] not in seen:
                seen.append(self.values[i][k])
        return seen

    def first_client_group(self):
        """The host group of the scenario's first client, else the first group that connects."""
        block = re.search(r"^clients \{\n(.*?)^\}", self.base_scenario_text, re.M | re.S)
        if block:
            group = re.search(r'^\s*group: "((?:[^"\\]|\\.)*)"', block.group(1), re.M)
            if group and group.group(1) in self.groups:
                return group.group(1)
        attempted = [g for g in self.groups if g + ".connects_attempted" in self.metrics
                     and np.nansum(self.mean[:, self.metrics.index(g + ".connects_attempted")]) > 0]
        return (attempted or self.groups or [""])[0]

    def resolve_metric(self, name):
        if name in self.metrics:
            return name
        group = self.first_client_group()
        if group and f"{group}.{name}" in self.metrics:
            return f"{group}.{name}"
        raise BadInput(f"{self.path}: unknown metric {name!r} (--list shows the study's metrics)")

    def group_of(self, metric):
        matches = [g for g in self.groups if metric.startswith(g + ".")]
        return max(matches, key=len) if matches else ""


def as_number(value):
    try:
        x = float(value)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def split_names(items):
    names = []
    for item in items or []:
        names += [n.strip() for n in item.split(",") if n.strip()]
    return names


class Layout:
    """Which parameter is x, which draw lines, which split panels, which are fixed."""

    def __init__(self, study, x, lines, panels):
        params = study.parameters
        for name in [x] * (x is not None) + (lines or []) + panels:
            if name not in params:
                raise BadInput(f"{study.path}: unknown parameter {name!r} "
                               f"(parameters: {', '.join(params)})")
        explicit_x = x is not None
        if x is None:
            numeric = [p for p in params
                       if all(as_number(v) is not None for v in study.parameter_values(p))]
            x = (numeric or params)[0]
        given = [x] + (lines or []) + panels
        twice = sorted({n for n in given if given.count(n) > 1})
        if twice:
            raise BadInput(f"{study.path}: parameter {twice[0]!r} given for more than one of "
                           f"--x, --lines, --panels" + ("" if explicit_x else f" (x is {x!r} "
                                                       "unless --x names another)"))
        several = [p for p in params if len(study.parameter_values(p)) > 1]
        if lines is None:
            lines = [p for p in several if p != x and p not in panels]
        panels = panels + [p for p in several if p not in given and p not in lines]
        self.x = x
        self.lines = lines
        self.panels = [p for p in params if p in panels]
        self.fixed = [p for p in params if p not in [x] + lines + self.panels]
        xs = study.parameter_values(x)
        self.numeric_x = all(as_number(v) is not None for v in xs)
        self.x_values = sorted(xs, key=as_number) if self.numeric_x else xs
        self.line_keys = combinations(study, self.lines)
        self.panel_keys = combinations(study, self.panels)

    def position(self, value):
        return as_number(value) if self.numeric_x else float(self.x_values.index(value))


def combinations(study, names):
    """Every combination of the values of `names` that some point has, in sweep order."""
    ks = [study.parameters.index(n) for n in names]
    order = [study.parameter_values(n) for n in names]
    keys = {tuple(study.values[i][k] for k in ks) for i in study.rows}
    return sorted(keys, key=lambda key: [o.index(v) for o, v in zip(order, key)])


def describe(study, metric):
    """A title for a metric: its description and unit as the runs' summaries give them."""
    group = study.group_of(metric)
    unit, description = study.meta.get(metric, ("", ""))
    if not description:
        return metric
    return f"{description} ({group}" + (f", {unit})" if unit else ")") if group \
        else description + (f" ({unit})" if unit else "")


def label(names, key):
    return ", ".join(f"{n}={v}" for n, v in zip(names, key))


def select(study, layout, panel_key, line_key):
    """Row index per x value (None where the study has no such point)."""
    index = {}
    ks = ([study.parameters.index(n) for n in layout.panels],
          [study.parameters.index(n) for n in layout.lines])
    kx = study.parameters.index(layout.x)
    for i in study.rows:
        row = study.values[i]
        if (tuple(row[k] for k in ks[0]) == panel_key
                and tuple(row[k] for k in ks[1]) == line_key):
            index.setdefault(row[kx], i)
    return [index.get(v) for v in layout.x_values]


MARKERS = "osD^vP*X<>"


class Drawn:
    """What the panels of one figure drew, for its legend and caption."""

    def __init__(self):
        self.gaps = False        # a point with an undefined mean inside a drawn line
        self.partial = False     # a mean over only some of the point's replications
        self.drawn = {}          # metric -> line indices with at least one marker
        self.present = {}        # metric -> line indices with at least one point

    def undefined_lines(self, metric):
        return sorted(self.present.get(metric, set()) - self.drawn.get(metric, set()))


def draw_metric(ax, study, layout, metric, panel_key, log, table, drawn):
    """Draws one metric in one panel, one line per line key."""
    j = study.metrics.index(metric)
    xs = np.array([layout.position(v) for v in layout.x_values], dtype=np.float64)
    for n, line_key in enumerate(layout.line_keys):
        rows = select(study, layout, panel_key, line_key)
        keep = np.array([i is not None for i in rows])
        if not keep.any():
            continue
        drawn.present.setdefault(metric, set()).add(n)
        mean = np.array([study.mean[i, j] if i is not None else np.nan for i in rows])
        ci = np.array([study.ci95[i, j] if i is not None else np.nan for i in rows])
        if table:  # the values drawn below, x by x
            for v, i, m, c in zip(layout.x_values, rows, mean, ci):
                if i is None:
                    continue
                runs = (f"{study.defined[i, j]}/{study.replications[i]}"
                        if study.defined is not None else f"{study.replications[i]}")
                print("\t".join([metric, label(layout.panels, panel_key) or "-",
                                 label(layout.lines, line_key) or "-", f"{layout.x}={v}",
                                 f"{m:.6g}", f"{c:.6g}", runs]))
        if np.isnan(mean[keep]).all():
            continue  # undefined at every x: named in the legend, nothing to draw
        drawn.drawn.setdefault(metric, set()).add(n)
        drawn.gaps |= bool(np.isnan(mean[keep]).any())
        colour, marker = f"C{n % 10}", MARKERS[n % len(MARKERS)]
        # NaN means leave gaps in the line; the bars are the 95% confidence intervals.
        ax.errorbar(xs[keep], mean[keep], yerr=ci[keep], color=colour, marker=marker,
                    markersize=5, capsize=3, linewidth=1.3)
        if study.defined is not None:
            some = np.array([i is not None and 0 < study.defined[i, j] < study.replications[i]
                             for i in rows])
            if some.any():
                drawn.partial = True
                ax.plot(xs[some], mean[some], linestyle="none", marker=marker, markersize=5,
                        color=colour, markerfacecolor="white", zorder=3)
    if not ax.lines:
        ax.text(0.5, 0.5, "undefined (NaN) at every point", ha="center", va="center",
                transform=ax.transAxes)
    if log:
        ax.set_yscale("symlog", linthresh=1)
    else:
        finite = study.mean[:, j][~np.isnan(study.mean[:, j])]
        if finite.size and finite.min() >= 0 and ax.get_ylim()[0] < 0:
            ax.set_ylim(bottom=0)
    if not layout.numeric_x or len(xs) <= 12:
        ax.set_xticks(xs, layout.x_values)
    ax.grid(True, alpha=0.3)


def short(study, metric):
    group = study.group_of(metric)
    return metric[len(group) + 1:] if group else metric


def legend_entries(study, layout, metrics, drawn):
    """One entry per line: its parameter values, and the metrics it has no value for."""
    handles, labels = [], []
    for n, line_key in enumerate(layout.line_keys):
        if not any(n in drawn.present.get(m, set()) for m in metrics):
            continue
        text_ = label(layout.lines, line_key) or "mean"
        missing = [m for m in metrics if n in drawn.undefined_lines(m)]
        if missing and len(metrics) == 1:
            text_ += " (not drawn: undefined at every x)"
        elif missing:
            text_ += f" (not drawn for {', '.join(short(study, m) for m in missing)}: " \
                     "undefined at every x)"
        handles.append(Line2D([], [], color=f"C{n % 10}", marker=MARKERS[n % len(MARKERS)],
                              markersize=5, linewidth=1.3))
        labels.append(text_)
    return handles, labels


def caption(study, drawn):
    counts = sorted({int(r) for r in study.replications})
    reps = (f"{counts[0]} replications" if len(counts) == 1
            else f"{counts[0]}-{counts[-1]} replications")
    lines = [f"Markers: mean over {reps} per point; bars: 95% confidence interval of the mean."]
    if drawn.gaps or any(drawn.undefined_lines(m) for m in drawn.present):
        lines.append("No marker at an x: the metric is undefined (NaN) in every replication "
                     "there, e.g. no first-failure time because no connect ever failed.")
    if drawn.partial:
        lines.append("Hollow marker: mean over the replications where the metric is defined "
                     "(only some of them).")
    return lines


def save(fig, study, layout, metrics, drawn, title, path):
    """Adds the title, the legend and the caption below the panels, and writes the PNG."""
    fig.suptitle(title)
    handles, labels = legend_entries(study, layout, metrics, drawn)
    notes = caption(study, drawn)
    line = 0.19  # inches per line of small text
    caption_h = line * len(notes) + 0.1
    columns = 1 if any(len(t) > 60 for t in labels) else 2
    legend_h = (line * 1.1 * -(-len(labels) // columns) + 0.1) if handles else 0.0
    height = fig.get_size_inches()[1]
    fig.text(0.01, 0.1 / height, "\n".join(notes), fontsize="small", va="bottom", ha="left")
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=columns, fontsize="small",
                   frameon=False, bbox_to_anchor=(0.5, (caption_h + 0.05) / height))
    title_h = 0.2 * (title.count("\n") + 1) + 0.05
    fig.tight_layout(rect=(0, (caption_h + legend_h + 0.1) / height, 1, 1 - title_h / height))
    write(fig, path)


def title_of(study, layout, text_):
    fixed = [f"{p}={study.parameter_values(p)[0]}" for p in layout.fixed]
    return text_ + (f"\n{', '.join(fixed)}" if fixed else "")


def figure_height(rows, labels, notes=3):
    return 3.3 * rows + 0.9 + 0.21 * (labels + notes)


def plot_study(f, args, stem):
    study = Study(f, args.file)
    if args.list:
        for p in study.parameters:
            print(f"parameter {p}: {' | '.join(study.parameter_values(p))}")
        for m in study.metrics:
            print(f"metric {m}")
        return
    names = split_names(args.metric) if args.metric else DEFAULT_METRICS
    metrics = [study.resolve_metric(m) for m in names]
    layout = Layout(study, args.x, split_names(args.lines) if args.lines is not None else None,
                    split_names(args.panels))
    npanels = len(layout.panel_keys)
    if args.combine:
        figures = [(metrics, stem + "_study.png",
                    f"study {text(f.attrs.get('scenario_name', ''))}")]
    else:
        figures = [([m], f"{stem}_{re.sub(r'[^A-Za-z0-9._+-]', '_', m)}.png",
                    describe(study, m)) for m in metrics]
    # Panels fill rows of up to three; with --combine, each metric has its own rows.
    columns = min(npanels, 3)
    rows_per_metric = -(-npanels // columns)
    for chosen, path, title in figures:
        rows = rows_per_metric * len(chosen)
        fig, axes = plt.subplots(rows, columns, squeeze=False, sharex=True,
                                 figsize=(max(10.0, 5.0 * columns + 1.0),
                                          figure_height(rows, len(layout.line_keys))))
        drawn = Drawn()
        for m, metric in enumerate(chosen):
            for c, key in enumerate(layout.panel_keys):
                r = m * rows_per_metric + c // columns
                ax = axes[r][c % columns]
                draw_metric(ax, study, layout, metric, key, args.log, args.table, drawn)
                heading = [describe(study, metric)] if args.combine else []
                if layout.panels:
                    heading.append(label(layout.panels, key))
                if heading:
                    ax.set_title("\n".join(heading), fontsize="medium")
                if c % columns == 0:
                    ax.set_ylabel(short(study, metric) if args.combine else metric)
                if r == rows - 1 or c + columns >= npanels:
                    ax.set_xlabel(layout.x)
                    ax.xaxis.set_tick_params(labelbottom=True)
            for c in range(npanels, rows_per_metric * columns):
                axes[m * rows_per_metric + c // columns][c % columns].set_visible(False)
        save(fig, study, layout, chosen, drawn, title_of(study, layout, title), path)


STUDY_OPTIONS = ("metric", "x", "lines", "panels", "combine", "table", "list")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], epilog=STUDY_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", metavar="FILE", help="results or study file written by tcpsim")
    parser.add_argument("-o", "--outdir",
                        help="directory for the PNGs (default: the file's directory)")
    parser.add_argument("--log", action="store_true",
                        help="symmetric-log scale for the states (results) or the metrics (study)")
    study = parser.add_argument_group("study files only")
    study.add_argument("-m", "--metric", action="append", metavar="NAME[,NAME...]",
                       help="metric(s) to plot, repeatable (default: see below)")
    study.add_argument("--x", metavar="PARAM", help="parameter on the x axis")
    study.add_argument("--lines", action="append", metavar="PARAM[,PARAM...]",
                       help="parameters drawing one line per combination of their values")
    study.add_argument("--panels", action="append", metavar="PARAM[,PARAM...]",
                       help="parameters drawing one panel per combination of their values")
    study.add_argument("--combine", action="store_true",
                       help="all metrics in one figure, <stem>_study.png")
    study.add_argument("--table", action="store_true",
                       help="also print the plotted values, tab-separated: metric, panel, "
                            "line, x, mean, ci95, runs with a value/replications")
    study.add_argument("--list", action="store_true",
                       help="print the study's parameters (with their values) and metrics, "
                            "plot nothing")
    args = parser.parse_args()

    try:
        kind, f = open_file(args.file)
        with f:
            if kind == FORMAT:
                given = [o for o in STUDY_OPTIONS if getattr(args, o) not in (None, False)]
                if given:
                    raise BadInput(f"{args.file}: --{given[0]} applies to study files, "
                                   "this is a results file")
            outdir = args.outdir or os.path.dirname(os.path.abspath(args.file))
            stem = os.path.join(outdir, os.path.splitext(os.path.basename(args.file))[0])
            try:
                if kind == FORMAT:
                    plot_results(f, args, stem)
                else:
                    plot_study(f, args, stem)
            except KeyError as e:
                raise BadInput(f"{args.file}: missing {e}") from e
    except BadInput as e:
        print(f"plot_results: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
