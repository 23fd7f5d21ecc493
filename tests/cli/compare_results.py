"""Compares two tcpsim results files: `same` asserts every dataset and
attribute is equal (wall-clock time aside); `differ` that some dataset is not."""
import sys

import h5py
import numpy as np


def items(f):
    out = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            out[name] = obj[()]
        for key, value in obj.attrs.items():
            if key != "wall_seconds":
                out[f"{name}@{key}"] = value

    f.visititems(visit)
    for key, value in f.attrs.items():
        if key != "wall_seconds":
            out[f"@{key}"] = value
    return out


def equal(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.dtype.kind == "f":
            return a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
        return a.shape == b.shape and np.array_equal(a, b)
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    return a == b


mode, first, second = sys.argv[1:4]
with h5py.File(first, "r") as f1, h5py.File(second, "r") as f2:
    a, b = items(f1), items(f2)
if mode == "same":
    assert a.keys() == b.keys(), f"layouts differ: {set(a) ^ set(b)}"
    diff = [k for k in a if not equal(a[k], b[k])]
    assert not diff, f"differ in {diff[:5]}"
else:
    diff = [k for k in a if "/" in k and "@" not in k and k in b and not equal(a[k], b[k])]
    assert diff, "no dataset differs"
