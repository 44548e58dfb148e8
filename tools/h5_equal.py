#!/usr/bin/python3
"""Compare the datasets of two HDF5 files bit for bit (attributes are provenance and may differ).

Usage: /usr/bin/python3 tools/h5_equal.py A.h5 B.h5 [--ignore PATH ...]
Exit 0 if every dataset exists in both with the same shape, type and bytes; 1 otherwise.
"""
import sys

import h5py
import numpy as np


def datasets(f):
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj) if isinstance(obj, h5py.Dataset) else None)
    return out


def main():
    args = sys.argv[1:]
    ignore = set()
    while "--ignore" in args:
        i = args.index("--ignore")
        ignore.add(args[i + 1])
        del args[i:i + 2]
    a, b = args
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        da, db = datasets(fa), datasets(fb)
        problems = []
        for name in sorted(set(da) | set(db)):
            if name in ignore:
                continue
            if name not in da or name not in db:
                problems.append(f"{name}: only in {'b' if name not in da else 'a'}")
                continue
            x, y = da[name][()], db[name][()]
            x, y = np.asarray(x), np.asarray(y)
            if x.shape != y.shape or x.dtype != y.dtype:
                problems.append(f"{name}: shape/type {x.shape} {x.dtype} vs {y.shape} {y.dtype}")
            elif x.dtype.kind in "fiu" and x.tobytes() != y.tobytes():
                problems.append(f"{name}: values differ")
            elif x.dtype.kind not in "fiu" and not np.array_equal(x, y):
                problems.append(f"{name}: values differ")
        for p in problems[:20]:
            print(p)
        print(f"{len(da)} datasets compared, {len(problems)} differ")
        return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
