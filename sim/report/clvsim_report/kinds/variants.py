"""A run file with variants: the base's forecast, the variants side by side, and paired changes."""
import numpy as np

from .. import charts
from ..fmt import INTERVAL, INTERVAL_LABEL, INTERVAL_SHORT, percent, quantile
from ..reader import ScenarioResults, attr, require, text
from . import run
from ._common import Context, provenance, title

KINDS = ("variants",)

#: Rows of the side-by-side table: (label, total name or special, unit).
SIDE_BY_SIDE = [("NPV", "npv", "money"), ("Profit", "profit", "money"), ("Revenue", "revenue", "money"),
                ("Active customers at the end", "active_customers", "customers"),
                ("New customers", "new_customers", "customers"),
                ("Acquisition spend", "acquisition_spend", "money"),
                ("Retention spend", "retention_spend", "money"), ("CAC", "cac", "money/customer"),
                ("LTV/CAC", "ltv_cac", "ratio"), ("Annual retention", "annual_retention", "percent")]

#: Where a change in profit comes from: (label, [(metric, sign)]). Profit is gross margin minus the
#: costs below (docs/model.md), so the parts add up to the change in profit exactly.
PROFIT_PARTS = [("Margin (after cost to serve)", [("gross_margin", 1), ("cost_to_serve", -1)]),
                ("Acquisition", [("acquisition_spend", -1)]), ("Retention", [("retention_spend", -1)]),
                ("Win-back", [("winback_spend", -1)]), ("Referral", [("referral_rewards", -1)])]


class Variant:
    def __init__(self, f, name, path):
        self.name = name
        self.results = ScenarioResults(require(f, f"variants/{name}", path), path)
        self.comparison = require(f, f"comparison/{name}", path)
        self.description = text(self.comparison.attrs.get("description", ""))

    def delta(self, total):
        return self.comparison[f"totals/{total}/delta"][()]


def build(ctx: Context, page):
    f = ctx.f
    title(ctx, page, "forecast and variants")
    base = ScenarioResults(f, ctx.path)
    variants = [Variant(f, n, ctx.path) for n in require(f, "comparison", ctx.path).keys()]
    run.headline(ctx, page, base)
    side_by_side(ctx, page, base, variants)
    changes(ctx, page, base, variants)
    change_by_year(ctx, page, variants)
    run.forecast_section(ctx, page, base, "Forecast of the base", "forecast")
    plans = {"base": base, **{v.name: v.results for v in variants}}
    run.yearly_section(ctx, page, plans)
    provenance(ctx, page)


def side_by_side(ctx, page, base, variants):
    page.section("Base and variants side by side", "side-by-side")
    rows = []
    for lab, name, unit in SIDE_BY_SIDE:
        row = [lab]
        if name == "annual_retention":
            row.append(percent(float(variants[0].comparison.attrs["base_annual_retention"])) if variants else "")
            row += [percent(float(v.comparison.attrs["variant_annual_retention"])) for v in variants]
        else:
            for r in [base] + [v.results for v in variants]:
                x = r.total(name)
                row.append(ctx.units.format(float(np.nanmean(x)) if np.any(~np.isnan(x)) else np.nan, unit))
        rows.append(row)
    page.table(["horizon total (mean)", "base"] + [v.name for v in variants], rows,
               note="Means over the replications of each plan's horizon totals. Annual retention: "
                    "docs/model.md §9. Intervals of the changes are in the next section.")
    page.table(["variant", "what changes"], [[v.name, v.description] for v in variants], left_columns=2)
    page.begin_grid()
    for name, unit in (("npv", "money"), ("active_customers", "customers")):
        series = [("base", base.metric(name).mean)] + [(v.name, v.results.metric(name).mean) for v in variants]
        page.chart(charts.lines(base.period, series, ctx.units, unit, f"Mean {run.label(name)}: base and variants",
                                ctx.period_name),
                   f"Mean {run.label(name)} per {ctx.period_name} of every plan; the changes' intervals are "
                   f"in the next section.")
    page.end_grid()


def changes(ctx, page, base, variants):
    page.section("What each variant changes", "changes")
    n = len(base.total("npv"))
    streams = attr(ctx.f, "streams", "common")
    page.paragraph(f"Paired by replication: replication r of every variant "
                   f"{'used the same random numbers as the base' if streams == 'common' else 'used its own random numbers'}"
                   f", so each change is computed per replication ({n:,} pairs) and its interval shows where "
                   f"the change lies for this business, with its parameter uncertainty. {INTERVAL_LABEL}.")
    for v in variants:
        page.subsection(f"{v.name}: {v.description}")
        rows = []
        for lab, name, unit in SIDE_BY_SIDE:
            if name == "annual_retention":
                b = float(v.comparison.attrs["base_annual_retention"])
                w = float(v.comparison.attrs["variant_annual_retention"])
                rows.append([lab, percent(b), percent(w), f"{100 * (w - b):+.1f} points", "", "", ""])
                continue
            d = v.delta(name)
            ok = ~np.isnan(d)
            dm = float(np.mean(d[ok])) if ok.any() else np.nan
            se = float(np.std(d[ok], ddof=1) / np.sqrt(ok.sum())) if ok.sum() > 1 else 0.0
            fmt = lambda x, s=False: ctx.units.format(x, unit, signed=s)  # noqa: E731
            rows.append([lab, fmt(float(np.nanmean(base.total(name)))), fmt(float(np.nanmean(v.results.total(name)))),
                         fmt(dm, True), f"{fmt(quantile(d, INTERVAL[0]), True)} to {fmt(quantile(d, INTERVAL[1]), True)}",
                         fmt(se), percent(float(np.mean(d[ok] > 0))) if ok.any() else "n/a"])
        page.table(["horizon total", "base", "variant", "change (mean)", f"{INTERVAL_SHORT} of the change",
                    "std. error of the mean", "P(variant higher)"], rows,
                   note=f"{INTERVAL_LABEL} of the per-replication change variant − base. The standard error "
                        f"is the Monte Carlo precision of the mean change (it shrinks with more replications).")
        page.begin_grid()
        page.chart(waterfall_chart(ctx, v), "Where the change in profit over the horizon comes from: the mean "
                   "change of each part of profit (docs/model.md §5); costs enter with their sign, so a "
                   "larger spend is a negative bar. The parts add up to the change in profit.")
        npv_delta_chart(ctx, page, v)
        page.end_grid()


#: Quantities of the change by year, in this order, when every variant's comparison holds them.
BY_YEAR = ["profit", "revenue", "discounted_profit", "new_customers", "churned_customers", "active_customers"]


def _lower(text):
    """Lower-case the first word of a label unless it is an acronym (NPV, LTV)."""
    head, _, rest = text.partition(" ")
    return (head if head.isupper() else head.lower()) + (" " + rest if rest else "")


def change_by_year(ctx, page, variants):
    """The paired change variant − base by year (`/comparison/<name>/by_year`), every variant side
    by side: one chart and one table row per quantity."""
    groups = [v.comparison.get("by_year") for v in variants]
    if not variants or any(g is None for g in groups):
        return
    have = [q for q in BY_YEAR if all(q in g for g in groups)]
    if not have:
        return
    page.section("Change by year", "by-year")
    years = [f"year {int(y)}" for y in groups[0]["year"][()]]
    notes = {yearly_interval(g[have[0]])[1] for g in groups}
    note = "; ".join(sorted(notes))
    page.paragraph(f"The paired change variant − base in each year (flows summed over the year's "
                   f"{ctx.period_name}s, active customers at the year's end): bars are the mean change, "
                   f"whiskers its {note}.")
    page.begin_grid()
    rows = []
    for q in have:
        unit = run.yearly_unit(q, "")
        series = []
        for v, g in zip(variants, groups):
            iv, _ = yearly_interval(g[q])
            mean = g[q]["delta_mean"][()]
            series.append((v.name, mean, iv[:, 0], iv[:, 1]))
            rows.append([run.yearly_label(q), v.name] + [
                f"{ctx.units.format(float(m), unit, True)} ({ctx.units.format(float(a), unit, True)} to "
                f"{ctx.units.format(float(b), unit, True)})" for m, a, b in zip(mean, iv[:, 0], iv[:, 1])])
        page.chart(charts.grouped_interval_bars(years, series, ctx.units, unit,
                                                f"Change in {_lower(run.yearly_label(q))} by year"),
                   f"Mean change in each year's {_lower(run.yearly_label(q))}, variant − base, with its interval.")
    page.end_grid()
    page.table(["quantity", "variant"] + years, rows, left_columns=2,
               note=f"Mean change (interval): {note} of the per-replication change.")


def yearly_interval(g):
    """The interval of the yearly changes ([years, 2]) and what it is. Files written before clvsim
    settled on one convention hold the 95% interval only."""
    if "delta_interval90" in g:
        return g["delta_interval90"][()], INTERVAL_LABEL
    return g["delta_interval95"][()], "95% interval (2.5th to 97.5th percentile; an older file)"


def waterfall_chart(ctx, v):
    parts = []
    for lab, terms in PROFIT_PARTS:
        total = 0.0
        for metric, sign in terms:
            g = v.comparison.get(f"metrics/{metric}")
            if g is not None:
                total += sign * float(np.nansum(g["delta_mean"][()]))
        parts.append((lab, total))
    return charts.waterfall([p[0] for p in parts], [p[1] for p in parts], "Profit change", ctx.units,
                            f"Change in profit by source: {v.name}")


def npv_delta_chart(ctx, page, v):
    g = v.comparison.get("metrics/npv")
    if g is None:
        return
    probs = ctx.f["quantile_probabilities"][()]

    class Stats:
        mean = g["delta_mean"][()]
        quantiles = {round(float(p), 4): row for p, row in zip(probs, g["delta_quantiles"][()])}
        expected = None

    page.chart(charts.fan_chart(ctx.f["period"][()], Stats, ctx.units, "money",
                                f"Change in cumulative NPV: {v.name}", ctx.period_name),
               "Per-replication change in NPV to date, variant − base: mean and 5-95% / 25-75% bands.")


def workbook(ctx, book):
    f = ctx.f
    base = ScenarioResults(f, ctx.path)
    variants = [Variant(f, n, ctx.path) for n in f["comparison"].keys()]
    run.workbook_common(ctx, book, {"base": base, **{v.name: v.results for v in variants}})
    rows = []
    for lab, name, unit in SIDE_BY_SIDE:
        if name == "annual_retention":
            rows.append([lab, "percent", float(variants[0].comparison.attrs["base_annual_retention"])]
                        + [float(v.comparison.attrs["variant_annual_retention"]) for v in variants])
        else:
            rows.append([lab, unit] + [float(np.nanmean(r.total(name))) for r in [base] + [v.results for v in variants]])
    book.sheet("Side by side", "Base and variants: horizon totals (means over replications)",
               ["horizon total", "unit", "base"] + [v.name for v in variants], rows,
               ["text", "text"] + [lambda r: r[1]] * (1 + len(variants)))
    rows = []
    for v in variants:
        for name in run.ordered_totals(base):
            d = v.delta(name)
            ok = d[~np.isnan(d)]
            unit = base.total_unit(name)
            rows.append([v.name, name, unit, float(np.nanmean(base.total(name))),
                         float(np.nanmean(v.results.total(name))),
                         float(np.mean(ok)) if ok.size else np.nan, quantile(d, INTERVAL[0]), quantile(d, INTERVAL[1]),
                         float(np.std(ok, ddof=1) / np.sqrt(ok.size)) if ok.size > 1 else 0.0,
                         float(np.mean(ok > 0)) if ok.size else np.nan])
    book.sheet("Comparison", "Change variant − base, paired by replication",
               ["variant", "total", "unit", "base mean", "variant mean", "change (mean)", "change 5%", "change 95%",
                "std. error of the mean", "P(variant higher)"], rows,
               ["text", "text", "text"] + [lambda r: r[2]] * 6 + ["percent"],
               note=f"{INTERVAL_LABEL} of the per-replication change.")
    rows = []
    for v in variants:
        g = v.comparison.get("by_year")
        if g is None:
            continue
        for q in BY_YEAR:
            if q not in g:
                continue
            s = g[q]
            iv, pct = yearly_interval(s)
            unit = run.yearly_unit(q, "")
            for i, y in enumerate(g["year"][()]):
                rows.append([v.name, q, unit, int(y), float(s["base_mean"][i]), float(s["variant_mean"][i]),
                             float(s["delta_mean"][i]), float(iv[i, 0]), float(iv[i, 1]),
                             float(s["p_variant_higher"][i])])
    book.sheet("Comparison by year", "Change variant − base by year (flows summed over the year, customers at its end)",
               ["variant", "quantity", "unit", "year", "base mean", "variant mean", "change (mean)", "change low",
                "change high", "P(variant higher)"], rows,
               ["text", "text", "text", "int"] + [lambda r: r[2]] * 5 + ["percent"],
               note=f"Interval of the per-replication change: {pct}.")
