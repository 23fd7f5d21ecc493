"""Compares two tcpsim study files: the same tables of runs, values, metrics and points (NaN
equal to NaN), and the same series for every run: either both studies hold none for it, or
both hold the same objects, with the same dtypes, shapes, values and attributes. Exit status 1
on a difference."""
import sys

import h5py
import numpy as np


def same(x, y):
    x, y = np.asarray(x), np.asarray(y)
    if x.dtype.kind == "f" and y.dtype.kind == "f":
        return x.shape == y.shape and np.array_equal(x, y, equal_nan=True)
    return np.array_equal(x, y)


def tables(f):
    out = {}
    for group in ("runs", "points"):
        for name, d in f[group].items():
            if isinstance(d, h5py.Dataset):
                out[f"{group}/{name}"] = d[()]
                if "names" in d.attrs:
                    out[f"{group}/{name}.names"] = list(d.attrs["names"])
    return out


def series(f, run):
    """The run's series as {path: (dtype, shape, values, attributes)}, None without any."""
    group = f["runs"].get(str(run))
    if group is None:
        return None
    assert "time_s" in group["clients"], f"{f.filename}: run {run} has no clients/time_s"
    out = {".": (None, None, None, dict(group.attrs))}

    def add(name, obj):
        if isinstance(obj, h5py.Dataset):
            out[name] = (obj.dtype, obj.shape, obj[()], dict(obj.attrs))
        else:
            out[name] = (None, None, None, dict(obj.attrs))

    group.visititems(add)
    return out


def compare_series(a, b, run):
    if (a is None) != (b is None):
        return f"run {run}: series in one study only"
    if a is None:
        return None
    if a.keys() != b.keys():
        return f"run {run}: series objects {sorted(a.keys() ^ b.keys())} differ"
    for name in a:
        (dtype_a, shape_a, values_a, attrs_a), (dtype_b, shape_b, values_b, attrs_b) = a[name], b[name]
        if dtype_a != dtype_b or shape_a != shape_b:
            return f"run {run}: {name}: dtype or shape differs"
        if values_a is not None and not same(values_a, values_b):
            return f"run {run}: {name}: values differ"
        if attrs_a.keys() != attrs_b.keys():
            return f"run {run}: {name}: attributes {sorted(attrs_a.keys() ^ attrs_b.keys())} differ"
        for key in attrs_a:
            if not same(attrs_a[key], attrs_b[key]):
                return f"run {run}: {name}: attribute {key} differs"
    return None


with h5py.File(sys.argv[1], "r") as fa, h5py.File(sys.argv[2], "r") as fb:
    a, b = tables(fa), tables(fb)
    if a.keys() != b.keys():
        sys.exit(f"different datasets: {sorted(a.keys() ^ b.keys())}")
    for k in a:
        if not same(a[k], b[k]):
            sys.exit(f"{k} differs")
    with_series = 0
    for run in a["runs/run"]:
        problem = compare_series(series(fa, run), series(fb, run), run)
        if problem:
            sys.exit(problem)
        with_series += str(run) in fa["runs"]
print(f"{len(a['runs/run'])} runs identical, {with_series} with series")
