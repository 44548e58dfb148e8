"""clvsim: Monte Carlo forecasts of customer economics, for notebooks.

The same engine as the ``clvsim`` command (docs/python.md)::

    import clvsim
    s = clvsim.Scenario.from_file("scenarios/saas.toml")
    s.set("segments.basic.churn_multiplier", 0.9)
    r = s.run(replications=2000, seed=1, threads=4)
    r.base.stats("profit")          # per-period statistics (pandas)
    r.base.totals["npv"]            # per-replication totals
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import tempfile

import numpy as np
import pandas as pd

from . import _clvsim
from ._results import (Comparison, FitResults, OptimizeResults, Results, ScenarioResults,
                       SensitivityResults, SweepResults, read, _read_owned)

__version__ = _clvsim.__version__
git_revision = _clvsim.git_revision

__all__ = [
    "Scenario",
    "InputError",
    "Results",
    "ScenarioResults",
    "Comparison",
    "ExpectedResults",
    "SweepResults",
    "SensitivityResults",
    "OptimizeResults",
    "FitResults",
    "read",
    "max_threads",
    "fit",
]


class InputError(ValueError):
    """Bad input: the scenario, an override or an option. The message is the command line's;
    the parts are attributes (None when they do not apply):

    key       the dotted key path, e.g. "segments.basic.churn"
    value     the bad value as written
    problem   what is wrong, e.g. "is not a probability"
    accepted  what is accepted, e.g. "must be in [0, 1]"
    file, line, column   where it was written (line and column None when unknown)
    """

    def __init__(self, message, key=None, value=None, problem=None, accepted=None, file=None,
                 line=None, column=None):
        super().__init__(message)
        self.message = message
        self.key = key
        self.value = value
        self.problem = problem
        self.accepted = accepted
        self.file = file
        self.line = line
        self.column = column

    @property
    def location(self) -> str | None:
        """"file:line:column", "file", or None."""
        if self.file is None:
            return None
        return self.file if self.line is None else f"{self.file}:{self.line}:{self.column}"


_clvsim._set_input_error(InputError)


def max_threads() -> int:
    """Threads a run uses by default (OMP_NUM_THREADS, or every core)."""
    return _clvsim.max_threads()


def _computed(name: str, compute):
    # The command line's writer fills a private temporary file, read back by the one reader; the
    # file stays (for save()) while the result lives, and goes at once if the computation fails.
    d = tempfile.mkdtemp(prefix="clvsim-")
    try:
        path = os.path.join(d, name)
        compute(path)
        return _read_owned(path, d)
    except BaseException:
        shutil.rmtree(d, ignore_errors=True)
        raise


def _number(value, what):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputError(f"{what} = {value!r} is not a number (set, scale and add take a number)",
                         key=what, value=repr(value), problem="is not a number", accepted="a number")
    return float(value)


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(k, path):
    if not isinstance(k, str):
        raise InputError(f"{path or 'the dict'} has a key {k!r} that is not a string (TOML keys are strings)",
                         key=path or None, value=repr(k), problem="is not a string key", accepted="str keys")
    return k if _BARE_KEY.match(k) else json.dumps(k)


def _toml_value(v, path):
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return "nan" if math.isnan(f) else ("inf" if f == math.inf else "-inf" if f == -math.inf else repr(f))
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_toml_key(k, path)} = {_toml_value(x, f'{path}.{k}')}" for k, x in v.items()) + " }"
    if isinstance(v, (list, tuple, np.ndarray)):
        return "[" + ", ".join(_toml_value(x, f"{path}[{i}]") for i, x in enumerate(v)) + "]"
    raise InputError(f"{path} = {v!r} is not a TOML value (a number, string, bool, list or dict)",
                     key=path, value=repr(v), problem="is not a TOML value",
                     accepted="a number, string, bool, list or dict")


def _toml_text(tables: dict) -> str:
    """A dict of TOML tables as TOML text, keys in the dict's order (the order of channels,
    segments and stages matters)."""
    lines = []

    def table(d, path):
        subtables = []
        for k, v in d.items():
            key = _toml_key(k, path)
            if isinstance(v, dict) and v and not path.startswith("variants."):
                subtables.append((f"{path}.{key}" if path else key, v))
            else:
                lines.append(f"{key} = {_toml_value(v, f'{path}.{k}' if path else k)}")
        for p, v in subtables:
            lines.append(f"\n[{p}]")
            table(v, p)

    table(tables, "")
    return "\n".join(lines) + "\n"


def _option(name, value, lo, hi=None):
    """An integer option checked as the command line checks it (None: the scenario's)."""
    if value is None:
        return None
    accepted = f"a whole number in [{lo}, {hi}]" if hi is not None else f"a whole number >= {lo}"
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo or (hi is not None and value > hi):
        raise InputError(f"{name} = {value!r} is not accepted ({accepted})", key=name, value=repr(value),
                         problem="is not accepted", accepted=accepted)
    return int(value)


class ExpectedResults:
    """Expected-value mode: the model's exact expectation at the parameters' point values."""

    def __init__(self, items):
        self._items = {}
        for d in items:
            T = d["periods"]
            names = [m[0] for m in d["metrics"]]
            values = np.asarray(d["values"]).reshape(len(names), T)
            kinds = ("flow", "stock", "ratio")
            self._items[d["name"]] = {
                "metrics": pd.DataFrame(values.T, columns=pd.Index(names, name="metric"),
                                        index=pd.Index(np.arange(1, T + 1), name="period")),
                "metric_info": pd.DataFrame([(m[0], m[1], kinds[m[2]], m[3]) for m in d["metrics"]],
                                            columns=["metric", "unit", "kind", "description"]).set_index("metric"),
                "totals": pd.Series(d["total_values"], index=pd.Index([t[0] for t in d["totals"]], name="total"),
                                    name=d["name"]),
                "ltv": pd.Series(d["ltv"], index=pd.Index(d["segments"], name="segment"), name="ltv"),
            }

    @property
    def scenarios(self) -> list[str]:
        return list(self._items)

    def metrics(self, scenario: str | None = None) -> pd.DataFrame:
        """Per-period expectations: one row per period, one column per metric."""
        return self._items[scenario or self.scenarios[0]]["metrics"]

    def metric_info(self, scenario: str | None = None) -> pd.DataFrame:
        return self._items[scenario or self.scenarios[0]]["metric_info"]

    def totals(self, scenario: str | None = None) -> pd.Series:
        """Expected horizon totals."""
        return self._items[scenario or self.scenarios[0]]["totals"]

    @property
    def all_totals(self) -> pd.DataFrame:
        """Expected horizon totals of every scenario: one column per scenario."""
        return pd.DataFrame({k: v["totals"] for k, v in self._items.items()})

    def ltv(self, scenario: str | None = None) -> pd.Series:
        return self._items[scenario or self.scenarios[0]]["ltv"]

    def __repr__(self):
        return f"<clvsim.ExpectedResults {', '.join(self.scenarios)}>"


class Scenario:
    """A scenario (docs/scenario.md), read from a file, a TOML string or a dict, changed by dotted
    key path with the checks and messages of the command line, and run."""

    def __init__(self, source=None):
        """A file name (str or os.PathLike), a dict of TOML tables, or None for the default
        scenario. Scenario.from_toml reads TOML text."""
        if source is None:
            self._s = _clvsim._Scenario.default()
        elif isinstance(source, dict):
            self._s = _clvsim._Scenario.from_toml(_toml_text(source), "<dict>")
        elif isinstance(source, (str, os.PathLike)):
            self._s = _clvsim._Scenario.from_file(os.fspath(source))
        elif isinstance(source, _clvsim._Scenario):
            self._s = source
        else:
            raise TypeError("Scenario(source): a file name, a dict, or None for the default scenario")

    @classmethod
    def from_file(cls, path) -> "Scenario":
        return cls(_clvsim._Scenario.from_file(os.fspath(path)))

    @classmethod
    def from_toml(cls, text: str, name: str = "<string>") -> "Scenario":
        """Scenario TOML text; `name` stands for the file in messages. A relative `extends` is
        read from the current directory."""
        return cls(_clvsim._Scenario.from_toml(text, name))

    @classmethod
    def from_dict(cls, tables: dict) -> "Scenario":
        """A dict of TOML tables, e.g. {"scenario": {"name": "x"}, "segments": {...}}. Messages
        locate values in the TOML text the dict becomes (Scenario.text)."""
        return cls(_clvsim._Scenario.from_toml(_toml_text(tables), "<dict>"))

    @classmethod
    def default(cls) -> "Scenario":
        """The embedded default scenario (`clvsim init` writes it)."""
        return cls(None)

    # --- changes -----------------------------------------------------------------------------

    def set(self, key: str, value) -> "Scenario":
        """Set every parameter matched by `key` (a dotted key path, `*` for any one component)
        to `value`, as a variant's `set` would: the same checks and messages (InputError). The
        scenario is unchanged if the change is refused."""
        self._s.set(key, _number(value, key))
        return self

    def scale(self, key: str, factor) -> "Scenario":
        """Multiply the matched parameters (their draws too, for uncertain ones) by `factor`."""
        self._s.scale(key, _number(factor, key))
        return self

    def add(self, key: str, amount) -> "Scenario":
        """Add `amount` to the matched parameters (their draws too, for uncertain ones)."""
        self._s.add(key, _number(amount, key))
        return self

    def add_variant(self, name: str, *, set: dict | None = None, scale: dict | None = None,
                    add: dict | None = None, description: str = "") -> "Scenario":
        """Declare a variant, as [variants.<name>] of a scenario file: run() then runs it on the
        base's random numbers and reports its paired comparison."""
        items = lambda d: [(k, _number(v, k)) for k, v in (d or {}).items()]
        self._s.add_variant(name, description, items(set), items(scale), items(add))
        return self

    def remove_variants(self) -> "Scenario":
        self._s.remove_variants()
        return self

    def get(self, key: str):
        """The point value of the parameter at `key`, or {path: value} when `key` matches several."""
        found = self._s.get(key)
        return found[0][1] if len(found) == 1 and found[0][0] == key else dict(found)

    def copy(self) -> "Scenario":
        return Scenario(self._s.copy())

    __copy__ = copy

    def __deepcopy__(self, memo):
        return self.copy()

    def parameters(self) -> list[str]:
        """Every parameter key path (arrays once, without their index)."""
        return self._s.parameters()

    # --- facts -------------------------------------------------------------------------------

    name = property(lambda self: self._s.name)
    description = property(lambda self: self._s.description)
    currency = property(lambda self: self._s.currency)
    source_file = property(lambda self: self._s.source_file)
    period = property(lambda self: self._s.period, doc="day, week, month, quarter or year")
    periods_per_year = property(lambda self: self._s.periods_per_year)
    horizon = property(lambda self: self._s.horizon, doc="periods simulated")
    replications = property(lambda self: self._s.replications)
    seed = property(lambda self: self._s.seed)
    segments = property(lambda self: self._s.segments)
    channels = property(lambda self: self._s.channels)
    variants = property(lambda self: self._s.variants, doc="names of the declared variants")
    changes = property(lambda self: self._s.changes, doc="the set/scale/add made in Python, in order")
    text = property(lambda self: self._s.text,
                    doc="the scenario text stored with results: as read, with the changes made in Python")

    def __repr__(self):
        v = f", variants {', '.join(self.variants)}" if self.variants else ""
        return f"<clvsim.Scenario {self.name!r}: {self.horizon} {self.period}s{v}>"

    # --- runs --------------------------------------------------------------------------------

    def run(self, replications: int | None = None, seed: int | None = None, threads: int = 0, *,
            variants: bool = True, independent_streams: bool = False, progress=None) -> Results:
        """Monte Carlo: `replications` (default the scenario's) on `seed` (default the
        scenario's) with `threads` (0: every core), the base and its variants on common random
        numbers. The same as `clvsim run`, bit for bit. The GIL is released while it runs;
        Ctrl-C stops it (KeyboardInterrupt). `progress(done, total)` is called now and then."""
        replications = _option("replications", replications, 1, 100_000_000)
        seed = _option("seed", seed, 0, 2**64 - 1)
        threads = _option("threads", threads, 0, 4096)
        return _computed("run.h5", lambda path: _clvsim.run(self._s, path, replications, seed, threads, variants,
                                                            independent_streams, progress))

    def expected(self, variants: bool = True) -> ExpectedResults:
        """Expected-value mode (`clvsim run --expected`): exact expectations, no sampling."""
        return ExpectedResults(_clvsim.expected(self._s, variants))

    def sweep(self, replications: int | None = None, threads: int = 0, *, progress=None) -> SweepResults:
        """The scenario's [sweep] (`clvsim sweep`): one row of statistics per design point."""
        replications = _option("replications", replications, 1, 100_000_000)
        threads = _option("threads", threads, 0, 4096)
        return _computed("sweep.h5", lambda path: _clvsim.sweep(self._s, path, replications, threads, progress))

    def sensitivity(self, samples: int | None = None, sobol: bool = True, threads: int = 0, *,
                    progress=None) -> SensitivityResults:
        """The sensitivity analysis of [sensitivity] (or of every parameter without one), as
        `clvsim sensitivity`."""
        samples = _option("samples", samples, 8, 10_000_000)
        threads = _option("threads", threads, 0, 4096)
        return _computed("sensitivity.h5",
                         lambda path: _clvsim.sensitivity(self._s, path, samples, sobol, threads, progress))

    def optimize(self, replications: int | None = None, evaluation_replications: int | None = None,
                 threads: int = 0, *, progress=None) -> OptimizeResults:
        """The optimisation of [optimize] (`clvsim optimize`). `progress(stage, evaluations)`."""
        replications = _option("replications", replications, 2, 100_000_000)
        evaluation_replications = _option("evaluation_replications", evaluation_replications, 2, 100_000_000)
        threads = _option("threads", threads, 0, 4096)
        return _computed("optimize.h5", lambda path: _clvsim.optimize(self._s, path, replications,
                                                                      evaluation_replications, threads, progress))


def fit(output, *, subscriptions=None, transactions=None, cohorts=None, rf_summary=None, funnel=None,
        channels=None, base=None, period="month", horizon=None, draws=1000, seed=20070101, segment=None,
        calibration_end=None, as_of=None, cohort_size=None, calibration_periods=None, layout="csv",
        id_column="customer_id", date_column="date", amount_column="amount", start_column="start",
        end_column="end", segment_column=None, stages=None, response=None, order_value=None,
        force=False) -> FitResults:
    """`clvsim fit` (docs/calibration.md): fit churn, repeat buying, spend, funnel and channels to
    data files, and write the scenario `output`, its joint draws (<stem>.draws.csv) and the fit
    report (<stem>.fit.h5). Each argument is the command's option of the same name (stages: a
    comma-separated string or a list). Returns the fit report read back, with `.scenario` (the
    written scenario, ready to run), `.text` (the printed report) and `.files`."""
    options = {k: v for k, v in locals().items() if v is not None}
    for k in ("output", "subscriptions", "transactions", "cohorts", "rf_summary", "funnel", "channels", "base"):
        if k in options:
            options[k] = os.fspath(options[k])
    if isinstance(options.get("stages"), (list, tuple)):
        options["stages"] = ",".join(options["stages"])
    out = _clvsim.fit(options)
    result = read(out["report"])
    result.scenario = Scenario.from_file(out["scenario"])
    result.text = out["text"]
    result.files = {"scenario": out["scenario"], "draws": out["draws"], "report": out["report"]}
    return result
