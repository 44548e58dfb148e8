#!/usr/bin/python3
"""Unit checks of the report's number formats and quantiles (no browser needed).

Usage: test_units.py <source-dir>
"""
import math
import sys

import numpy as np

sys.path.insert(0, f"{sys.argv[1]}/sim/report")
from clvsim_report.fmt import Units, percent, quantile  # noqa: E402


def check(got, want):
    assert got == want, f"got {got!r}, want {want!r}"


usd, eur, dkk = Units("USD"), Units("EUR"), Units("DKK")
# Money: the currency, thousands separators, never a scientific offset; cents only below 100.
check(usd.format(6066680.4, "money"), "$6,066,680")
check(usd.format(-1234567.0, "money", signed=True), "-$1,234,567")
check(usd.format(12.345, "money/customer"), "$12.35")
check(eur.format(1e9, "money"), "€1,000,000,000")
check(dkk.format(2500.0, "money"), "2,500 DKK")
check(percent(0.7729), "77.3%")
check(usd.format(0.7729, "percent"), "77.3%")
check(percent(0.049, signed=True), "+4.9%")
check(usd.format(3.4219, "ratio"), "3.42")
check(usd.format(float("nan"), "money"), "n/a")
check(usd.format(float("inf"), "periods"), "never")

# Quantiles: numpy's type 7 on finite values, NaN left out, and x_j itself when x_j = x_(j+1),
# so a payback that never happens gives inf, not inf - inf = nan (docs/results.md).
rng = np.random.default_rng(7)
for n in (1, 2, 5, 100, 1001):
    x = rng.normal(size=n)
    for p in (0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0, 0.3333):
        assert abs(quantile(x, p) - np.quantile(x, p)) <= 1e-12, (n, p)
check(quantile([1.0, math.inf, math.inf], 0.9), math.inf)
check(quantile([math.nan, 2.0, 4.0], 0.5), 3.0)
assert math.isnan(quantile([math.nan], 0.5))
# Fit intervals: the 90% interval of an estimate is z ± 1.645 se(z) on the scale where the file's
# 95% interval is z ± 1.96 se(z). Built here from known scales: log (a positive parameter) and
# logit (a probability); an interval no scale reproduces gives None rather than a guess.
from clvsim_report.kinds.fit import interval90  # noqa: E402

z95, z90 = 1.959963984540054, 1.6448536269514722
est, se = 0.668, 0.155  # se on the log scale
lo, hi = est * math.exp(-z95 * se), est * math.exp(z95 * se)
a, b = interval90(est, lo, hi, se * se)
assert abs(a - est * math.exp(-z90 * se)) < 1e-12 and abs(b - est * math.exp(z90 * se)) < 1e-12, (a, b)
p, se = 0.2, 0.3  # se on the logit scale
logit = math.log(p / (1 - p))
inv = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
a, b = interval90(p, inv(logit - z95 * se), inv(logit + z95 * se), se * se)
assert abs(a - inv(logit - z90 * se)) < 1e-12 and abs(b - inv(logit + z90 * se)) < 1e-12, (a, b)
assert interval90(1.0, 0.5, 3.0, 0.01) is None

print("ok")
