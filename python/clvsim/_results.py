"""Results objects, and the one reader of clvsim's results files.

Every result in Python comes from a results file's layout (docs/results.md): a run made in Python
is written by the same writer as ``clvsim run`` into a private temporary file and read back here,
so a result from Python and a file from the command line give the same objects, and the layout
has one definition.
"""

from __future__ import annotations

import os
import shutil
import weakref

import h5py
import numpy as np
import pandas as pd

__all__ = [
    "Results",
    "ScenarioResults",
    "Comparison",
    "SweepResults",
    "SensitivityResults",
    "OptimizeResults",
    "FitResults",
    "read",
]

# --- the tree of a file: groups as dicts, datasets as numpy arrays or lists of str -------------


def _value(v):
    """An attribute or scalar as a plain Python value, strings as str."""
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, np.ndarray):
        if v.dtype.kind in "SO":
            return [x.decode("utf-8") if isinstance(x, bytes) else x for x in v.tolist()]
        return v
    if isinstance(v, np.generic):
        return v.item()
    return v


def _dataset(d: h5py.Dataset):
    if d.dtype.kind in "SO" or h5py.check_string_dtype(d.dtype) is not None:
        data = d.asstr()[()]
        return list(data) if isinstance(data, np.ndarray) else data
    return d[()]


class Group(dict):
    """A group of a results file: its members by name (groups, arrays, lists of str) and its
    attributes in ``attrs``; ``dataset_attrs[name]`` holds a dataset's attributes."""

    def __init__(self):
        super().__init__()
        self.attrs: dict = {}
        self.dataset_attrs: dict = {}


def _load(g: h5py.Group) -> Group:
    out = Group()
    out.attrs = {k: _value(v) for k, v in g.attrs.items()}
    for name, item in g.items():
        if isinstance(item, h5py.Group):
            out[name] = _load(item)
        else:
            out[name] = _dataset(item)
            if len(item.attrs):
                out.dataset_attrs[name] = {k: _value(v) for k, v in item.attrs.items()}
    return out


def _quantile_columns(probabilities) -> list[str]:
    return [f"p{int(round(100 * p)):02d}" for p in probabilities]


def _delta_frame(g: Group, index: pd.Index) -> pd.DataFrame:
    ci = np.asarray(g["delta_ci90"]).reshape(-1, 2)
    iv = np.asarray(g["delta_interval90"]).reshape(-1, 2)
    return pd.DataFrame(
        {
            "base_mean": g["base_mean"],
            "variant_mean": g["variant_mean"],
            "delta_mean": g["delta_mean"],
            "delta_std_error": g["delta_std_error"],
            "ci90_low": ci[:, 0],
            "ci90_high": ci[:, 1],
            "delta_p05": iv[:, 0],
            "delta_p95": iv[:, 1],
            "unpaired_std_error": g["unpaired_std_error"],
            "p_variant_higher": g["p_variant_higher"],
            "percent_change": g["percent_change"],
        },
        index=index,
    )


# --- runs ----------------------------------------------------------------------------------


class ScenarioResults:
    """The results of one scenario of a run (the base or a variant)."""

    def __init__(self, name: str, g: Group, period: np.ndarray, probabilities: np.ndarray):
        self.name = name
        self.description = g.attrs.get("description", "")
        self.scenario_text = g.attrs.get("scenario_text", "")
        self._g = g
        self.period = period
        self.quantile_probabilities = probabilities
        self._q = _quantile_columns(probabilities)

    # metrics
    @property
    def metric_names(self) -> list[str]:
        return list(self._g["metrics"].keys())

    @property
    def metrics(self) -> pd.DataFrame:
        """Every per-period metric's unit, kind (flow, stock, ratio) and description."""
        m = self._g["metrics"]
        return pd.DataFrame(
            [(k, g.attrs["unit"], g.attrs["kind"], g.attrs["description"]) for k, g in m.items()],
            columns=["metric", "unit", "kind", "description"],
        ).set_index("metric")

    def _metric(self, metric: str) -> Group:
        try:
            return self._g["metrics"][metric]
        except KeyError:
            raise KeyError(f"no metric {metric!r}; the metrics are {', '.join(self.metric_names)}") from None

    def mean(self, metric: str) -> np.ndarray:
        """Mean over replications of a metric, per period."""
        return self._metric(metric)["mean"]

    def quantiles(self, metric: str) -> np.ndarray:
        """[quantile, period]: rows in the order of ``quantile_probabilities``."""
        return self._metric(metric)["quantiles"]

    def expected(self, metric: str) -> np.ndarray:
        """Expected-value mode at the parameters' point values, per period."""
        return self._metric(metric)["expected"]

    def stats(self, metric: str) -> pd.DataFrame:
        """Per-period statistics of one metric: mean, sd, std_error, quantiles, n, expected."""
        g = self._metric(metric)
        df = pd.DataFrame(
            {"mean": g["mean"], "sd": g["sd"], "std_error": g["std_error"]},
            index=pd.Index(self.period, name="period"),
        )
        for name, row in zip(self._q, g["quantiles"]):
            df[name] = row
        df["n"] = g["n"]
        df["expected"] = g["expected"]
        df.attrs.update(metric=metric, **g.attrs)
        return df

    @property
    def period_stats(self) -> pd.DataFrame:
        """Per-period statistics of every metric, indexed by (metric, period)."""
        return pd.concat({m: self.stats(m) for m in self.metric_names}, names=["metric"])

    # horizon totals
    @property
    def total_names(self) -> list[str]:
        return list(self._g["summary"]["name"])

    @property
    def total_info(self) -> pd.DataFrame:
        """Every horizon total's unit and description."""
        a = self._g["totals"].dataset_attrs
        return pd.DataFrame(
            [(k, a.get(k, {}).get("unit", ""), a.get(k, {}).get("description", "")) for k in self.total_names],
            columns=["total", "unit", "description"],
        ).set_index("total")

    @property
    def totals(self) -> pd.DataFrame:
        """Per-replication horizon totals: one row per replication, one column per total."""
        t = self._g["totals"]
        return pd.DataFrame({k: t[k] for k in self.total_names},
                            index=pd.RangeIndex(len(t[self.total_names[0]]), name="replication"))

    def total(self, name: str) -> np.ndarray:
        """One horizon total, per replication."""
        return self._g["totals"][name]

    @property
    def summary(self) -> pd.DataFrame:
        """Statistics of the horizon totals over replications, one row per total."""
        s = self._g["summary"]
        df = pd.DataFrame({"mean": s["mean"], "sd": s["sd"], "std_error": s["std_error"]},
                          index=pd.Index(s["name"], name="total"))
        for name, col in zip(self._q, np.asarray(s["quantiles"]).T):
            df[name] = col
        df["expected"] = s["expected"]
        return df

    @property
    def ltv(self) -> pd.Series:
        """Lifetime value at acquisition per segment, at the point values."""
        g = self._g["ltv"]
        return pd.Series(g["value"], index=pd.Index(g["segment"], name="segment"), name="ltv")

    # yearly per-replication totals (files that hold them)
    @property
    def has_yearly(self) -> bool:
        return "yearly" in self._g

    @property
    def yearly_metrics(self) -> list[str]:
        """The metrics of the file's yearly/ group (revenue, profit, ...), if it has one."""
        y = self._g.get("yearly", {})
        return [k for k, v in y.items() if k not in ("year", "summary") and not isinstance(v, Group)]

    def yearly(self, metric: str) -> pd.DataFrame:
        """Per-replication values of a yearly metric: one row per year, one column per replication
        (flows summed over the year's periods, customers at the year's end)."""
        y = self._g["yearly"]
        df = pd.DataFrame(y[metric], index=pd.Index(y["year"], name="year"))
        df.columns.name = "replication"
        df.attrs.update(metric=metric, **y.dataset_attrs.get(metric, {}))
        return df

    def yearly_summary(self, metric: str) -> pd.DataFrame:
        """Statistics of a yearly metric over replications: one row per year."""
        y = self._g["yearly"]
        g = y["summary"][metric]
        df = pd.DataFrame({"mean": g["mean"], "sd": g["sd"], "std_error": g["std_error"]},
                          index=pd.Index(y["year"], name="year"))
        q = np.asarray(g["quantiles"])
        # [Y, 5] as agreed for the yearly summary; [5, Y] as the per-period statistics, read too.
        columns = q.T if q.shape == (len(df), len(self._q)) else q
        for name, col in zip(self._q, columns):
            df[name] = col
        return df

    def __repr__(self):
        return f"<clvsim.ScenarioResults {self.name!r}: {len(self.metric_names)} metrics, {len(self.period)} periods>"


class Comparison:
    """A variant against the base, paired by replication (docs/results.md)."""

    def __init__(self, name: str, g: Group, period: np.ndarray, probabilities: np.ndarray):
        self.variant = name
        self._g = g
        self.period = period
        self._q = _quantile_columns(probabilities)
        self.description = g.attrs.get("description", "")
        self.base_annual_retention = g.attrs.get("base_annual_retention")
        self.variant_annual_retention = g.attrs.get("variant_annual_retention")
        self.marginal_ltv_cac = g.attrs.get("marginal_ltv_cac")

    @property
    def summary(self) -> pd.DataFrame:
        """Paired differences variant - base of the horizon totals, one row per total."""
        s = self._g["summary"]
        return _delta_frame(s, pd.Index(s["name"], name="total"))

    @property
    def by_year(self) -> pd.DataFrame:
        """Paired differences by year, indexed by (metric, year): flows summed over the year,
        customers at the year's end."""
        y = self._g["by_year"]
        years = pd.Index(y["year"], name="year")
        parts = {k: _delta_frame(v, years) for k, v in y.items() if isinstance(v, Group)}
        return pd.concat(parts, names=["metric"])

    @property
    def deltas(self) -> pd.DataFrame:
        """Per-replication differences variant - base of every horizon total."""
        t = self._g["totals"]
        names = list(self._g["summary"]["name"])
        return pd.DataFrame({k: t[k]["delta"] for k in names},
                            index=pd.RangeIndex(len(t[names[0]]["delta"]), name="replication"))

    def metric_delta(self, metric: str) -> pd.DataFrame:
        """Per-period paired differences of one metric: mean, standard error, quantiles."""
        g = self._g["metrics"][metric]
        df = pd.DataFrame({"delta_mean": g["delta_mean"], "delta_std_error": g["delta_std_error"]},
                          index=pd.Index(self.period, name="period"))
        for name, row in zip(self._q, g["delta_quantiles"]):
            df["delta_" + name] = row
        return df

    def __repr__(self):
        return f"<clvsim.Comparison {self.variant!r} against the base>"


class _File:
    """What every results file has: its tree and its root attributes (provenance)."""

    kind = ""

    def __init__(self, tree: Group, path: str | None = None, owned: str | None = None):
        self.tree = tree
        self.attrs = tree.attrs
        self.path = path
        self._owned = owned  # the private file of a computation in Python, for save()

    def save(self, path, overwrite: bool = False) -> None:
        """Write the results file (the file the command line writes) to `path`."""
        if self._owned is None:
            raise ValueError("only results computed in Python can be saved (this one was read from a file)")
        path = os.fspath(path)
        if os.path.exists(path) and not overwrite:
            raise FileExistsError(f"{path} already exists (pass overwrite=True to replace it)")
        temp = f"{path}.tmp.{os.getpid()}"
        try:
            shutil.copyfile(self._owned, temp)
            os.replace(temp, path)
        finally:
            if os.path.exists(temp):
                os.remove(temp)


class Results(_File):
    """A Monte Carlo run: the base, its variants and their paired comparisons."""

    kind = "run"

    def __init__(self, tree: Group, path=None, owned=None):
        super().__init__(tree, path, owned)
        a = tree.attrs
        self.seed = a.get("seed")
        self.replications = a.get("replications")
        self.period_unit = a.get("period")
        self.periods_per_year = a.get("periods_per_year")
        self.currency = a.get("currency")
        self.scenario_text = a.get("scenario_text")
        self.period = tree["period"]
        self.quantile_probabilities = tree["quantile_probabilities"]
        base = ScenarioResults(a.get("scenario_name", "base"), tree, self.period, self.quantile_probabilities)
        self.scenarios = {base.name: base}
        for name, g in tree.get("variants", {}).items():
            self.scenarios[name] = ScenarioResults(name, g, self.period, self.quantile_probabilities)
        self.comparisons = {name: Comparison(name, g, self.period, self.quantile_probabilities)
                            for name, g in tree.get("comparison", {}).items()}

    @property
    def base(self) -> ScenarioResults:
        return next(iter(self.scenarios.values()))

    @property
    def variants(self) -> list[str]:
        return list(self.comparisons)

    def __getitem__(self, name: str) -> ScenarioResults:
        return self.scenarios[name]

    def comparison(self, variant: str | None = None) -> Comparison:
        """The paired comparison of a variant with the base (the only variant by default)."""
        if variant is None:
            if len(self.comparisons) != 1:
                raise ValueError(f"name the variant: {', '.join(self.comparisons) or 'there is none'}")
            variant = next(iter(self.comparisons))
        return self.comparisons[variant]

    @property
    def comparison_summary(self) -> pd.DataFrame:
        """Every variant's paired differences of the totals, indexed by (variant, total)."""
        return pd.concat({k: c.summary for k, c in self.comparisons.items()}, names=["variant"])

    @property
    def comparison_by_year(self) -> pd.DataFrame:
        """Every variant's paired differences by year, indexed by (variant, metric, year)."""
        return pd.concat({k: c.by_year for k, c in self.comparisons.items()}, names=["variant"])

    def __repr__(self):
        v = f", variants {', '.join(self.variants)}" if self.variants else ""
        return (f"<clvsim.Results {self.base.name!r}: {self.replications} replications, "
                f"seed {self.seed}{v}>")


class SweepResults(_File):
    """A parameter sweep: one row of statistics per design point (docs/sweeps.md)."""

    kind = "sweep"

    @property
    def parameters(self) -> pd.DataFrame:
        p = self.tree["parameters"]
        return pd.DataFrame({"pattern": p["pattern"], "operation": p["operation"]})

    @property
    def table(self) -> pd.DataFrame:
        """One row per point: the parameters' values, then every total's statistics."""
        t = self.tree["table"]
        cols = list(self.tree["parameters"]["pattern"]) + list(self.tree["columns"])
        return pd.DataFrame({c: t[c] for c in cols}, index=pd.Index(t["point"], name="point"))

    def __repr__(self):
        return f"<clvsim.SweepResults {self.attrs.get('scenario_name')!r}: {len(self.tree['table']['point'])} points>"


class SensitivityResults(_File):
    """A sensitivity analysis: tornado, elasticities, Sobol' indices (docs/sweeps.md)."""

    kind = "sensitivity"

    @property
    def metric(self) -> str:
        return self.attrs["metric"]

    @property
    def base_value(self) -> float:
        return self.attrs["base_value"]

    @property
    def table(self) -> pd.DataFrame:
        """One row per parameter: its range, the one-at-a-time results and the Sobol' indices,
        in decreasing order of swing."""
        p, o = self.tree["parameters"], self.tree["one_at_a_time"]
        df = pd.DataFrame({k: p[k] for k in ("operation", "low", "high", "nominal", "value_low", "value_high")},
                          index=pd.Index(p["pattern"], name="parameter"))
        for k in ("y_low", "y_high", "swing", "elasticity"):
            df[k] = o[k]
        if "sobol" in self.tree:
            for k, v in self.tree["sobol"].items():
                df["sobol_" + k] = v
        return df.iloc[np.asarray(o["order"])]

    @property
    def skipped(self) -> list[str]:
        return list(self.tree.get("skipped", []))

    def __repr__(self):
        return f"<clvsim.SensitivityResults {self.metric}: {len(self.tree['parameters']['pattern'])} parameters>"


class OptimizeResults(_File):
    """An optimisation: the plans, the comparison on fresh replications, the customer-equity test
    and the frontier (docs/optimize.md). ``tree`` holds every dataset of the file."""

    kind = "optimize"

    @property
    def variables(self) -> pd.DataFrame:
        """One row per decision variable (its datasets in the file's variables/ group)."""
        v = self.tree["variables"]
        n = len(v["name"])
        cols = {k: x for k, x in v.items() if not isinstance(x, Group) and len(x) == n and k != "name"}
        return pd.DataFrame(cols, index=pd.Index(v["name"], name="variable"))

    def __repr__(self):
        return f"<clvsim.OptimizeResults {self.attrs.get('scenario_name')!r}: {self.attrs.get('objective')}>"


class FitResults(_File):
    """A fit report (`clvsim fit`'s .fit.h5): each fitted model's estimates (docs/calibration.md)."""

    kind = "fit"

    @property
    def fits(self) -> pd.DataFrame:
        """One row per fitted parameter, indexed by (fit label, parameter)."""
        parts = {}
        for g in self.tree["fits"].values():
            cols = {k: g[k] for k in ("estimate", "std_error", "lower95", "upper95") if k in g}
            parts[g.attrs["label"]] = pd.DataFrame(cols, index=pd.Index(g.get("parameter", range(len(cols["estimate"]))),
                                                                       name="parameter"))
        return pd.concat(parts, names=["fit"]) if parts else pd.DataFrame()

    def __repr__(self):
        return f"<clvsim.FitResults {self.attrs.get('scenario')!r}: {len(self.tree['fits'])} fits>"


def _from_tree(tree: Group, path=None, owned=None):
    kind = tree.attrs.get("kind", "")
    if kind.startswith("sweep"):
        return SweepResults(tree, path, owned)
    if kind == "sensitivity":
        return SensitivityResults(tree, path, owned)
    if kind == "optimize":
        return OptimizeResults(tree, path, owned)
    if "fits" in tree:
        return FitResults(tree, path, owned)
    if "metrics" in tree and "totals" in tree:
        return Results(tree, path, owned)
    raise ValueError(f"{path or 'the file'} is not a clvsim results file (no run, sweep, sensitivity, "
                     "optimize or fit layout)")


def read(path):
    """Read any results file that clvsim writes (run, variants, sweep, sensitivity, optimize,
    fit) into the object a computation in Python returns."""
    path = os.fspath(path)
    with h5py.File(path, "r") as f:
        tree = _load(f)
    return _from_tree(tree, path=path)


def _read_owned(path: str, directory: str):
    """The results file of a computation in Python, in its private `directory`: read, and kept
    (for save()) until the object is collected or Python exits."""
    with h5py.File(path, "r") as f:
        tree = _load(f)
    result = _from_tree(tree, owned=path)
    weakref.finalize(result, shutil.rmtree, directory, True)
    return result
