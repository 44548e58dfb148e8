"""Reading clvsim results files (layouts in docs/results.md) without repeating their definitions."""
import os

import h5py
import numpy as np

from .errors import BadInput


def text(value):
    """An HDF5 string attribute or element as str."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray) and value.shape == ():
        return text(value[()])
    return str(value)


def strings(dataset):
    return [text(v) for v in dataset[()]]


def open_results(path):
    """Open a results file for reading; BadInput with a clear reason when it cannot be."""
    if not os.path.exists(path):
        raise BadInput(f"{path}: no such file (expected a results file written by clvsim run, sweep or sensitivity)")
    if os.path.isdir(path):
        raise BadInput(f"{path}: is a directory, not a results file")
    try:
        return h5py.File(path, "r")
    except OSError as e:
        raise BadInput(f"{path}: not an HDF5 results file ({e})") from None


def attr(f, name, default=None):
    if name not in f.attrs:
        return default
    v = f.attrs[name]
    if isinstance(v, (bytes, str)) or (isinstance(v, np.ndarray) and v.dtype.kind in "SOU"):
        return text(v)
    if isinstance(v, np.generic):
        return v.item()
    return v


def require(group, path, file_name):
    """group[path], or BadInput naming what is missing."""
    if path not in group:
        where = group.name.rstrip("/") + "/" + path
        raise BadInput(f"{file_name}: {where} is missing (the file is incomplete or not of the kind its "
                       f"attributes say; see docs/results.md)")
    return group[path]


class Statistics:
    """One per-period metric's statistics (/metrics/<name>)."""

    def __init__(self, group, probabilities):
        self.name = group.name.rsplit("/", 1)[-1]
        self.unit = text(group.attrs.get("unit", ""))
        self.kind = text(group.attrs.get("kind", ""))
        self.description = text(group.attrs.get("description", ""))
        self.mean = group["mean"][()]
        self.quantiles = {round(float(p), 4): row for p, row in zip(probabilities, group["quantiles"][()])}
        self.expected = group["expected"][()] if "expected" in group else None


class ScenarioResults:
    """The base (root) or one variant (/variants/<name>) of a run file."""

    def __init__(self, group, file_name):
        self.group = group
        self.file_name = file_name
        root = group.file
        self.period = require(root, "period", file_name)[()]
        self.probabilities = require(root, "quantile_probabilities", file_name)[()]
        require(group, "metrics", file_name)
        require(group, "totals", file_name)

    def metric_names(self):
        return list(self.group["metrics"].keys())

    def metric(self, name):
        return Statistics(require(self.group["metrics"], name, self.file_name), self.probabilities)

    def has_metric(self, name):
        return name in self.group["metrics"]

    def total(self, name):
        return require(self.group["totals"], name, self.file_name)[()]

    def total_names(self):
        return list(self.group["totals"].keys())

    def total_unit(self, name):
        return text(self.group["totals"][name].attrs.get("unit", ""))

    def yearly(self):
        """Per-replication yearly totals {name: array [years, R]} when the file holds them, else None."""
        if "yearly" not in self.group:
            return None
        g = self.group["yearly"]
        out = {}
        for k in g.keys():
            if isinstance(g[k], h5py.Dataset) and g[k].ndim == 2:
                out[k] = g[k][()]
        return out or None
