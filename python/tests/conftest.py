"""Fixtures of the Python module's tests: the clvsim command and the source tree.

Run by CTest (python.* tests) with PYTHONPATH=<build>/python, CLVSIM_CLI=<clvsim executable>,
CLVSIM_SOURCE_DIR and CLVSIM_BUILD_DIR set."""

import os
import subprocess

import h5py
import numpy as np
import pytest

SOURCE = os.environ.get("CLVSIM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.environ.get("CLVSIM_CLI", os.path.join(SOURCE, "build", "clvsim"))
SHARED_DATA = os.environ.get("CLVSIM_SHARED_DATA_DIR", os.path.join(SOURCE, "..", "shared", "data"))

# Attributes that say when, how fast and by what command a file was written: not results.
CIRCUMSTANCES = {"created_utc", "wall_time_seconds", "threads", "command_line"}


def scenario_path(name):
    return os.path.join(SOURCE, "scenarios", name)


def cli(*args, cwd=None, check=True):
    p = subprocess.run([CLI, *map(str, args)], cwd=cwd, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"clvsim {' '.join(map(str, args))} failed ({p.returncode}): {p.stderr}")
    return p


def _same(a, b):
    if isinstance(a, (np.ndarray, np.generic, float)) or isinstance(b, (np.ndarray, np.generic, float)):
        a, b = np.asarray(a), np.asarray(b)
        if a.dtype.kind in "fc":
            # bit for bit: the same bytes, NaN included
            return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()
        return a.shape == b.shape and np.array_equal(a, b)
    return a == b


def h5_differences(path_a, path_b, ignore_attrs=CIRCUMSTANCES):
    """Every dataset and attribute that differs between two HDF5 files, read with h5py alone."""
    out = []
    with h5py.File(path_a, "r") as fa, h5py.File(path_b, "r") as fb:
        def attrs(name, ga, gb):
            ka, kb = set(ga.attrs) - ignore_attrs, set(gb.attrs) - ignore_attrs
            if ka != kb:
                out.append(f"{name}: attributes {sorted(ka ^ kb)}")
            for k in ka & kb:
                if not _same(ga.attrs[k], gb.attrs[k]):
                    out.append(f"{name}@{k}: {ga.attrs[k]!r} != {gb.attrs[k]!r}")

        def walk(name, ga, gb):
            attrs(name, ga, gb)
            if set(ga) != set(gb):
                out.append(f"{name}: members {sorted(set(ga) ^ set(gb))}")
            for k in set(ga) & set(gb):
                a, b = ga[k], gb[k]
                if isinstance(a, h5py.Group):
                    walk(f"{name}/{k}", a, b)
                else:
                    attrs(f"{name}/{k}", a, b)
                    if not _same(a[()], b[()]):
                        out.append(f"{name}/{k}: data differ")
        walk("", fa, fb)
    return out


@pytest.fixture
def tmp(tmp_path):
    return tmp_path
