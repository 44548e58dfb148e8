"""Number formats shared by tables, chart axes and the workbook.

Money is shown in the scenario's currency with thousands separators and no scientific offset;
rates as percentages. One interval convention everywhere: INTERVAL_LABEL.
"""
import math

import numpy as np

#: Quantile probabilities of the interval stated on every table and chart: 90%, 5% to 95%.
INTERVAL = (0.05, 0.95)
INTERVAL_LABEL = "90% interval (5th to 95th percentile over replications)"
INTERVAL_SHORT = "90% interval"

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "CHF": "CHF ", "CNY": "¥"}


def quantile(values, p):
    """The p-quantile as docs/results.md defines it: NaN left out, linear interpolation between
    order statistics (type 7), and exactly x_j when h is whole or x_j = x_(j+1), so that an
    infinite payback never produces inf - inf."""
    v = np.asarray(values, dtype=float)
    v = np.sort(v[~np.isnan(v)])
    if v.size == 0:
        return math.nan
    h = p * (v.size - 1)
    j = int(math.floor(h))
    if h == j or v[j] == v[j + 1]:
        return float(v[j])
    return float(v[j] + (h - j) * (v[j + 1] - v[j]))


class Units:
    """How to show a quantity of a given unit ("money", "customers", "ratio", ...)."""

    def __init__(self, currency):
        self.currency = currency or ""

    def money(self, x, decimals=0, signed=False):
        if x is None or not math.isfinite(x):
            return _nonfinite(x)
        sign = "-" if x < 0 else ("+" if signed and x > 0 else "")
        body = f"{abs(x):,.{decimals}f}"
        sym = _SYMBOLS.get(self.currency)
        if sym is not None:
            return f"{sign}{sym}{body}"
        return f"{sign}{body} {self.currency}".rstrip()

    def format(self, x, unit, signed=False):
        """A value of the given unit as text."""
        if x is None or not math.isfinite(x):
            return _nonfinite(x)
        if unit.startswith("money"):
            return self.money(x, 0 if abs(x) >= 100 else 2, signed)
        if unit in ("ratio", "rate"):
            return self.ratio(x, signed)
        if unit == "percent":  # a fraction shown as a percentage
            return percent(x, 1, signed)
        if unit == "periods":
            return f"{x:+,.1f}" if signed else f"{x:,.1f}"
        return f"{x:+,.0f}" if signed else f"{x:,.0f}"

    def ratio(self, x, signed=False):
        return f"{x:+.2f}" if signed else f"{x:.2f}"

    def axis_label(self, unit):
        if unit.startswith("money"):
            return f"{self.currency}{unit[5:]}" if self.currency else unit
        return unit


def percent(x, decimals=1, signed=False):
    if x is None or not math.isfinite(x):
        return _nonfinite(x)
    return f"{100 * x:+.{decimals}f}%" if signed else f"{100 * x:.{decimals}f}%"


def _nonfinite(x):
    if x is None or math.isnan(x):
        return "n/a"
    return "never" if x > 0 else "-inf"
