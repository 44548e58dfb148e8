"""A sensitivity file: the tornado of one-at-a-time swings and the Sobol' indices."""
import numpy as np

from .. import charts
from ..reader import attr, require, strings
from ._common import Context, label, provenance, title

KINDS = ("sensitivity",)


def build(ctx: Context, page):
    f = ctx.f
    title(ctx, page, "sensitivity")
    metric = attr(f, "metric", "npv")
    unit = "money" if metric in ("npv", "profit", "revenue", "gross_margin", "cac", "ltv") else "ratio"
    base = float(attr(f, "base_value"))
    u = ctx.units
    patterns = strings(require(f, "parameters/pattern", ctx.path))
    oat = require(f, "one_at_a_time", ctx.path)
    y_low, y_high = oat["y_low"][()], oat["y_high"][()]
    order = oat["order"][()]
    vlo, vhi = f["parameters/value_low"][()], f["parameters/value_high"][()]
    page.paragraph(f"{label(metric)} at the parameters' point values: {ctx.fmt(base, metric, unit)} "
                   f"(expected-value model). Each parameter moves alone to the ends of its range for the "
                   f"tornado; all move at once for the Sobol' indices.", cls="lead")

    page.section("Tornado", "tornado")
    names = [patterns[i] for i in order]
    page.chart(charts.tornado(names, base, y_low[order], y_high[order], [f"{vlo[i]:g}" for i in order],
                              [f"{vhi[i]:g}" for i in order], u, unit,
                              f"{label(metric)} with each parameter at the ends of its range"),
               f"Bars run from the base value ({ctx.fmt(base, metric, unit)}) to {label(metric)} with the "
               f"parameter at its low end (orange) and at its high end (blue); the numbers are the "
               f"parameter's values. When both ends move {label(metric)} the same way (a response that is not "
               f"monotone over the range), both bars point to the same side and the shorter one is drawn "
               f"over the longer.", wide=True)
    el = oat["elasticity"][()]
    sw = oat["swing"][()]
    rows = [[patterns[i], f"{vlo[i]:g} to {vhi[i]:g}", ctx.fmt(y_low[i], metric, unit),
             ctx.fmt(y_high[i], metric, unit), ctx.fmt(sw[i], metric, unit), f"{el[i]:+.3f}"] for i in order]
    page.table(["parameter", "range", f"{label(metric)} at low end", "at high end", "swing", "elasticity"], rows,
               note="Swing: |high − low|. Elasticity: relative change of the metric per relative change of "
                    "the parameter over its range (docs/sweeps.md).")

    if "sobol" in f:
        page.section("Sobol' indices", "sobol")
        s = f["sobol"]
        first, total = s["first_order"][()], s["total"][()]
        so = np.argsort(-np.nan_to_num(total, nan=-1))
        series = [("first order", first[so], *_interval(s, "first_order", so), charts.BLUE),
                  ("total", total[so], *_interval(s, "total", so), charts.ORANGE)]
        has_iv = series[0][2] is not None
        page.chart(charts.grouped_indices([patterns[i] for i in so], series,
                                          f"Share of the variance of {label(metric)}"),
                   "First-order index: the share of the variance explained by the parameter alone; total "
                   "index: including its interactions with the others. "
                   + ("Whiskers: 90% intervals of the estimates (± 1.645 asymptotic standard errors, "
                      "conservative for the Sobol' sequence's samples)." if has_iv else
                      "The file holds no intervals for the indices; with few samples, small or slightly "
                      "negative values are estimation noise."), wide=True)
        lo1, hi1 = _interval(s, "first_order", so)
        lo2, hi2 = _interval(s, "total", so)
        rows = []
        for k, i in enumerate(so):
            rows.append([patterns[i], f"{first[i]:.3f}"] + ([f"{lo1[k]:.3f} to {hi1[k]:.3f}"] if has_iv else [])
                        + [f"{total[i]:.3f}"] + ([f"{lo2[k]:.3f} to {hi2[k]:.3f}"] if has_iv else []))
        iv = ["90% interval"] if has_iv else []
        page.table(["parameter", "first order"] + iv + ["total"] + iv, rows,
                   note=f"Estimated from {attr(s, 'samples', '?')} base samples (Saltelli); variance of "
                        f"{label(metric)} {attr(s, 'variance', float('nan')):,.4g}.")
    skipped = strings(f["skipped"]) if "skipped" in f else []
    if skipped:
        page.paragraph("Left out of the analysis: " + "; ".join(skipped))
    provenance(ctx, page)


def _interval(s, name, order):
    """The 90% interval estimate -/+ z * standard error, when the file holds standard errors."""
    se = f"{name}_std_error"
    if se not in s:
        return None, None
    v, e = s[name][()][order], s[se][()][order]
    return v - Z90 * e, v + Z90 * e


#: The standard normal's 95th percentile: estimate +/- Z90 standard errors is a 90% interval.
Z90 = 1.6448536269514722


def workbook(ctx, book):
    f = ctx.f
    patterns = strings(f["parameters/pattern"])
    metric = attr(f, "metric", "npv")
    unit = "money" if metric in ("npv", "profit", "revenue", "gross_margin", "cac", "ltv") else "ratio"
    oat = f["one_at_a_time"]
    p = f["parameters"]
    rows = [[patterns[i], float(p["value_low"][i]), float(p["value_high"][i]), float(oat["y_low"][i]),
             float(oat["y_high"][i]), float(oat["swing"][i]), float(oat["elasticity"][i])]
            for i in oat["order"][()]]
    book.sheet("Tornado", f"{metric} with each parameter at the ends of its range (base value "
               f"{float(attr(f, 'base_value')):,.2f})",
               ["parameter", "low value", "high value", f"{metric} at low", f"{metric} at high", "swing", "elasticity"],
               rows, ["text", "number", "number", unit, unit, unit, "ratio"])
    if "sobol" in f:
        s = f["sobol"]
        se1 = s["first_order_std_error"][()] if "first_order_std_error" in s else [float("nan")] * len(patterns)
        se2 = s["total_std_error"][()] if "total_std_error" in s else [float("nan")] * len(patterns)
        rows = [[patterns[i], float(s["first_order"][i]), float(se1[i]), float(s["total"][i]), float(se2[i])]
                for i in range(len(patterns))]
        book.sheet("Sobol", f"Sobol' indices of {metric}",
                   ["parameter", "first order", "its standard error", "total", "its standard error"], rows,
                   ["text", "ratio", "ratio", "ratio", "ratio"],
                   note="A 90% interval is the estimate ± 1.645 standard errors.")
