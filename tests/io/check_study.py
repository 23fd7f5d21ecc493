#!/usr/bin/python3
"""Checks, with h5py alone, that a study file holds copies of its runs' series:
check_study.py STUDY RUN=RESULTS... compares the group /runs/RUN of STUDY with the /groups of
each RESULTS file (the same objects, dtypes, shapes, chunks, filters, values and attributes)
and checks that the study's other runs have no series. Exit status 0 when everything matches."""

import sys

import h5py
import numpy as np


def same_value(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind == "f":
        return np.array_equal(a, b, equal_nan=True)
    return np.array_equal(a, b)


def objects(group):
    out = {}
    group.visititems(lambda name, obj: out.__setitem__(name, obj))
    return out


def compare(copy, source, where):
    problems = []
    if set(copy.attrs) != set(source.attrs):
        problems.append(f"{where}: attributes {sorted(copy.attrs)} != {sorted(source.attrs)}")
    for name in source.attrs:
        if name in copy.attrs and not same_value(copy.attrs[name], source.attrs[name]):
            problems.append(f"{where}: attribute {name} differs")
    a, b = objects(copy), objects(source)
    if set(a) != set(b):
        problems.append(f"{where}: objects {sorted(set(a) ^ set(b))} differ")
    for name in sorted(set(a) & set(b)):
        x, y = a[name], b[name]
        here = f"{where}/{name}"
        if type(x) is not type(y):
            problems.append(f"{here}: a {type(x).__name__}, not a {type(y).__name__}")
            continue
        if set(x.attrs) != set(y.attrs):
            problems.append(f"{here}: attributes {sorted(x.attrs)} != {sorted(y.attrs)}")
        for key in y.attrs:
            if key in x.attrs and not same_value(x.attrs[key], y.attrs[key]):
                problems.append(f"{here}: attribute {key} differs")
        if isinstance(x, h5py.Dataset):
            if (x.dtype, x.shape, x.chunks, x.compression, x.shuffle) != (
                    y.dtype, y.shape, y.chunks, y.compression, y.shuffle):
                problems.append(f"{here}: dtype, shape, chunks or filters differ")
            elif not same_value(x[()], y[()]):
                problems.append(f"{here}: values differ")
    return problems


def main():
    study = h5py.File(sys.argv[1], "r")
    problems = []
    if study.attrs["format"] != "tcpsim-study" or int(study.attrs["format_version"]) != 2:
        problems.append("not a format 2 study")
    expected = dict(arg.split("=", 1) for arg in sys.argv[2:])
    for run in study["runs/run"][()]:
        key = str(run)
        link = study["runs"].get(key, getlink=True)
        if key not in expected:
            if link is not None:
                problems.append(f"run {key} has series")
            continue
        if not isinstance(link, h5py.HardLink):
            problems.append(f"run {key}: {type(link).__name__}, not a group of the study")
            continue
        with h5py.File(expected[key], "r") as results:
            problems += compare(study["runs"][key], results["groups"], f"runs/{key}")
    for p in problems:
        print(p, file=sys.stderr)
    sys.exit(1 if problems else 0)


main()
