"""A sweep file: the objective over the design, as heat maps (two-factor grids) and scatter plots."""
import numpy as np

from .. import charts
from ..fmt import INTERVAL_LABEL
from ..reader import attr, require, strings
from ._common import Context, label, provenance, title

KINDS = ("sweep", "sweep_shard")

#: Totals shown, in this order, when the table has them; NPV is the objective of the charts.
OBJECTIVES = [("npv", "money"), ("profit", "money"), ("ltv_cac", "ratio"), ("active_customers", "customers")]


def build(ctx: Context, page):
    f = ctx.f
    title(ctx, page, "parameter sweep")
    table = require(f, "table", ctx.path)
    patterns = strings(require(f, "parameters/pattern", ctx.path))
    factors = {p: table[p][()] for p in patterns}
    n = len(table["point"])
    shard = attr(f, "kind") == "sweep_shard"
    page.paragraph(f"{n:,} points" + (f" (shard {attr(f, 'shard_index')} of {attr(f, 'shard_count')})" if shard else "")
                   + f" of a {attr(f, 'design', '')} design over {len(patterns)} parameters, "
                   f"{attr(f, 'replications_per_point', '?'):,} replications per point, all on the same random "
                   f"numbers so that differences between points come from the parameters.", cls="lead")
    best_points(ctx, page, table, patterns)
    for name, unit in OBJECTIVES:
        if f"{name}_mean" not in table:
            continue
        page.section(f"{label(name)} over the design", f"sweep-{name}")
        mean = table[f"{name}_mean"][()]
        low, high = table[f"{name}_p05"][()], table[f"{name}_p95"][()]
        page.begin_grid()
        if len(patterns) == 2 and is_grid(factors, patterns):
            heat(ctx, page, factors, patterns, mean, name, unit)
        for i, p in enumerate(patterns):
            others = [q for q in patterns if q != p]
            groups = factors[others[0]] if len(others) == 1 else None
            page.chart(charts.scatter(factors[p], mean, low, high, groups, others[0] if others else "", p,
                                      ctx.units, unit, f"Mean {label(name)} against {p}"),
                       f"Mean {label(name)} at each point against {p}"
                       + (f", one line per value of {others[0]}" if groups is not None else "")
                       + f"; vertical lines: {INTERVAL_LABEL}.")
        page.end_grid()
    provenance(ctx, page)


def is_grid(factors, patterns):
    x, y = factors[patterns[1]], factors[patterns[0]]
    return len(np.unique(x)) * len(np.unique(y)) == len(x) and len(x) > 1


def heat(ctx, page, factors, patterns, values, name, unit):
    ys, xs = np.unique(factors[patterns[0]]), np.unique(factors[patterns[1]])
    z = np.full((len(ys), len(xs)), np.nan)
    for a, b, v in zip(factors[patterns[0]], factors[patterns[1]], values):
        z[np.searchsorted(ys, a), np.searchsorted(xs, b)] = v
    page.chart(charts.heatmap(xs, ys, z, patterns[1], patterns[0], ctx.units, unit,
                              f"Mean {label(name)}"),
               f"Mean {label(name)} at every combination of the two parameters.")


def best_points(ctx, page, table, patterns):
    if "npv_mean" not in table:
        return
    page.section("Best points by mean NPV", "best")
    mean = table["npv_mean"][()]
    order = np.argsort(-np.where(np.isnan(mean), -np.inf, mean))[:10]
    u = ctx.units
    rows = []
    for i in order:
        rows.append([str(int(table["point"][i]))] + [f"{table[p][i]:g}" for p in patterns]
                    + [u.money(mean[i]), f"{u.money(table['npv_p05'][i])} to {u.money(table['npv_p95'][i])}"]
                    + ([f"{table['ltv_cac_mean'][i]:.2f}"] if "ltv_cac_mean" in table else []))
    page.table(["point"] + patterns + ["mean NPV", "90% interval of NPV"]
               + (["mean LTV/CAC"] if "ltv_cac_mean" in table else []), rows, left_columns=1 + len(patterns),
               note=f"The ten points with the highest mean NPV; {INTERVAL_LABEL}.")


def workbook(ctx, book):
    table = ctx.f["table"]
    columns = strings(ctx.f["columns"]) if "columns" in ctx.f else list(table.keys())
    patterns = strings(ctx.f["parameters/pattern"])
    n = len(table["point"])
    rows = [[float(table[c][i]) if c != "point" else int(table[c][i]) for c in columns] for i in range(n)]

    def unit(c):
        if c == "point":
            return "int"
        if c in patterns:
            return "number"
        total = c.rsplit("_", 1)[0]
        if total in ("npv", "revenue", "gross_margin", "profit", "acquisition_spend", "retention_spend"):
            return "money"
        if total in ("cac", "ltv"):
            return "money/customer"
        if total in ("ltv_cac",):
            return "ratio"
        if total == "payback_periods":
            return "periods"
        return "customers"

    book.sheet("Sweep", "Statistics of the horizon totals at every point of the design", columns, rows,
               [unit(c) for c in columns], note="p05 and p95 bound the 90% interval over the point's replications.")
