"""Compares the tables of two tcpsim study files: same runs, values, metrics and points
(NaN equal to NaN), and every run's series link resolves. Exit status 1 on a difference."""
import sys

import h5py
import numpy as np


def tables(path):
    with h5py.File(path, "r") as f:
        out = {}
        for group in ("runs", "points"):
            for name, d in f[group].items():
                if isinstance(d, h5py.Dataset):
                    out[f"{group}/{name}"] = d[()]
                    if "names" in d.attrs:
                        out[f"{group}/{name}.names"] = list(d.attrs["names"])
        for run in f["runs/run"][()]:
            key = str(run)
            if key in f["runs"]:
                assert "time_s" in f["runs"][key]["clients"], f"{path}: run {run} has no series"
        return out


a, b = tables(sys.argv[1]), tables(sys.argv[2])
if a.keys() != b.keys():
    sys.exit(f"different datasets: {sorted(a.keys() ^ b.keys())}")
for k in a:
    x, y = a[k], b[k]
    same = (np.array_equal(x, y, equal_nan=True) if isinstance(x, np.ndarray) and x.dtype.kind == "f"
            else np.array_equal(np.asarray(x), np.asarray(y)))
    if not same:
        sys.exit(f"{k} differs")
print(f"{len(a['runs/run'])} runs identical")
