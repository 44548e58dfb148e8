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
        """The plan's per-replication yearly totals (`yearly/`, docs/results.md) as a Yearly, or
        None for files written before they existed."""
        if "yearly" not in self.group:
            return None
        return Yearly(self.group["yearly"], self.probabilities, self.file_name)


class Yearly:
    """One plan's yearly figures: `yearly/year` [Y], `yearly/<metric>` [Y, R] per replication
    (flows summed over the year's periods, stocks at its end) and `yearly/summary/<metric>/`
    (mean, sd, std_error [Y]; quantiles [Y, 5] at the root's quantile probabilities)."""

    def __init__(self, group, probabilities, file_name):
        self.year = require(group, "year", file_name)[()]
        self.probabilities = [round(float(p), 4) for p in probabilities]
        self.values, self.units, self.kinds = {}, {}, {}
        for name, d in group.items():
            if isinstance(d, h5py.Dataset) and d.ndim == 2:
                if d.shape[0] != len(self.year):
                    raise BadInput(f"{file_name}: {d.name} has {d.shape[0]} years, yearly/year {len(self.year)}")
                self.values[name] = d[()]
                self.units[name] = text(d.attrs.get("unit", ""))
                self.kinds[name] = text(d.attrs.get("kind", ""))
        self.summary = group.get("summary")

    def names(self):
        return list(self.values)

    def has(self, name):
        return name in self.values

    def stats(self, name, interval):
        """(mean, low, high) per year: the file's summary when it holds the interval's quantiles,
        else computed from the per-replication values with the same quantile definition."""
        from .fmt import quantile

        lo_p, hi_p = (round(p, 4) for p in interval)
        s = self.summary.get(name) if self.summary is not None else None
        if s is not None and "mean" in s and "quantiles" in s and lo_p in self.probabilities \
                and hi_p in self.probabilities:
            q = s["quantiles"][()]
            if q.ndim == 2 and q.shape[0] != len(self.year) and q.shape[1] == len(self.year):
                q = q.T  # [5, Y], the orientation of the per-period quantiles
            return (s["mean"][()], q[:, self.probabilities.index(lo_p)], q[:, self.probabilities.index(hi_p)])
        v = self.values[name]
        mean = np.array([np.nanmean(row) if np.any(~np.isnan(row)) else np.nan for row in v])
        return (mean, np.array([quantile(row, lo_p) for row in v]), np.array([quantile(row, hi_p) for row in v]))
