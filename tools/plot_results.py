#!/usr/bin/python3
"""Plots a tcpsim results file (see io/results_file.h for its layout).

Writes, one panel per host group, <stem>_states.png (sockets per state over
time), <stem>_ports.png (ports in use against the port range) and
<stem>_failures.png (failed connects per second, by errno). Run it with
/usr/bin/python3, which has Debian's python3-h5py and python3-matplotlib.
Exit status 0 on success, 2 when the file is missing or not a results file.
"""

import argparse
import os
import sys

try:
    import h5py
    import matplotlib
    import numpy as np

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError as e:
    sys.exit(f"plot_results: {e} (run with /usr/bin/python3, which has python3-h5py and "
             "python3-matplotlib)")

FORMAT = "tcpsim-results"


class BadInput(Exception):
    pass


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def open_results(path):
    if not os.path.isfile(path):
        raise BadInput(f"{path}: no such file")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise BadInput(f"{path}: not an HDF5 file ({e})") from e
    if text(f.attrs.get("format", "")) != FORMAT or "groups" not in f:
        f.close()
        raise BadInput(f"{path}: not a tcpsim results file (no format = {FORMAT!r})")
    return f


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
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(path)


def plot_states(f, names, warmup_s, path, log):
    fig, axes = figure(len(names), "sockets per state (sum over the group's hosts)")
    for ax, name in zip(axes, names):
        g = f["groups"][name]
        t = g["time_s"][()]
        table = g["state_sum"][()]
        states = [text(s) for s in g["state_sum"].attrs["states"]]
        for k, state in enumerate(states):
            if table.shape[0] and table[:, k].any():
                ax.plot(t, table[:, k], label=state)
        ax.set_title(f"{name} ({int(g.attrs['hosts'])} hosts)")
        ax.set_ylabel("sockets")
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
        ax.plot(t, g["ports_in_use_max"][()], label="busiest host")
        if hosts > 0:
            ax.plot(t, g["ports_in_use"][()] / hosts, label="mean per host")
        size = int(g.attrs.get("port_range_size", 0))
        if size > 0:
            ax.axhline(size, color="red", linestyle="--", label=f"port range ({size})")
        ax.set_title(f"{name} ({hosts} hosts)")
        ax.set_ylabel("ports")
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper left", fontsize="small")
    finish(fig, axes, warmup_s, path)


def plot_failures(f, names, warmup_s, path):
    fig, axes = figure(len(names), "failed connects per second, by errno")
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
        ax.set_ylabel("failures / s")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="upper left", fontsize="small")
        else:
            ax.text(0.5, 0.5, "no failed connects", ha="center", va="center",
                    transform=ax.transAxes)
    finish(fig, axes, warmup_s, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", help="results file written by tcpsim (HDF5)")
    parser.add_argument("-o", "--outdir",
                        help="directory for the PNGs (default: the results file's directory)")
    parser.add_argument("--log", action="store_true", help="symmetric-log scale for the states")
    args = parser.parse_args()

    try:
        f = open_results(args.results)
    except BadInput as e:
        print(f"plot_results: error: {e}", file=sys.stderr)
        return 2
    with f:
        outdir = args.outdir or os.path.dirname(os.path.abspath(args.results))
        os.makedirs(outdir, exist_ok=True)
        stem = os.path.join(outdir, os.path.splitext(os.path.basename(args.results))[0])
        names = group_names(f)
        warmup_s = float(f.attrs.get("warmup_s", 0.0))
        try:
            plot_states(f, names, warmup_s, stem + "_states.png", args.log)
            plot_ports(f, names, warmup_s, stem + "_ports.png")
            plot_failures(f, names, warmup_s, stem + "_failures.png")
        except KeyError as e:
            print(f"plot_results: error: {args.results}: missing {e}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
