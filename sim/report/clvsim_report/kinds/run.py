"""A run file (clvsim run without variants): forecast fan charts and the horizon totals."""
import numpy as np

from .. import charts
from ..fmt import INTERVAL, INTERVAL_LABEL, INTERVAL_SHORT, quantile
from ..reader import ScenarioResults, strings
from ._common import Context, label, provenance, title, unit_of

KINDS = ("run",)

#: Totals in the summary table, in this order (others the file holds follow).
SUMMARY_ORDER = ["npv", "profit", "revenue", "gross_margin", "acquisition_spend", "retention_spend",
                 "new_customers", "churned_customers", "won_back_customers", "active_customers", "cac",
                 "ltv", "ltv_cac", "payback_periods"]

#: The fan charts of the forecast section.
FAN_METRICS = ["revenue", "profit", "active_customers", "npv"]


def build(ctx: Context, page):
    title(ctx, page, "forecast")
    base = ScenarioResults(ctx.f, ctx.path)
    headline(ctx, page, base)
    summary_section(ctx, page, base, "Horizon totals", "totals")
    forecast_section(ctx, page, base, "Forecast", "forecast")
    yearly_section(ctx, page, {"base": base})
    provenance(ctx, page)


def horizon_text(ctx):
    h, ppy = ctx.f.attrs.get("horizon"), ctx.periods_per_year
    if h is None:
        return "the horizon"
    years = f" ({h / ppy:g} years)" if ppy else ""
    return f"{int(h)} {ctx.period_name}s{years}"


def headline(ctx, page, base):
    npv = base.total("npv")
    lo, hi = quantile(npv, INTERVAL[0]), quantile(npv, INTERVAL[1])
    finite = npv[np.isfinite(npv)]
    p_loss = float(np.mean(finite < 0)) if finite.size else float("nan")
    u = ctx.units
    page.paragraph(f"NPV over {horizon_text(ctx)}: mean {u.money(float(np.nanmean(npv)))}, "
                   f"{INTERVAL_SHORT} {u.money(lo)} to {u.money(hi)}; "
                   f"probability of a negative NPV {100 * p_loss:.1f}% "
                   f"({len(npv):,} replications).", cls="lead")


def summary_section(ctx, page, res, heading, anchor):
    page.section(heading, anchor)
    names = ordered_totals(res)
    rows = []
    for name in names:
        v = res.total(name)
        unit = res.total_unit(name)
        fmt = lambda x: ctx.fmt(x, name, unit)  # noqa: E731
        rows.append([label(name), fmt(float(np.mean(v[~np.isnan(v)])) if np.any(~np.isnan(v)) else np.nan),
                     fmt(quantile(v, INTERVAL[0])), fmt(quantile(v, 0.5)), fmt(quantile(v, INTERVAL[1])),
                     fmt(expected_total(res, name))])
    page.table(["total over the horizon", "mean", "5%", "median", "95%", "expected value"], rows,
               note=f"Statistics over the replications' totals; {INTERVAL_LABEL}. Expected value: the "
                    f"model's exact expectation at the parameters' point values. Customers: at the end "
                    f"of the horizon for active customers, summed over the horizon otherwise.")


def ordered_totals(res):
    have = res.total_names()
    return [n for n in SUMMARY_ORDER if n in have] + [n for n in have if n not in SUMMARY_ORDER]


def expected_total(res, name):
    g = res.group
    if "summary" not in g or "expected" not in g["summary"]:
        return np.nan
    names = strings(g["summary/name"])
    return float(g["summary/expected"][names.index(name)]) if name in names else np.nan


def forecast_section(ctx, page, res, heading, anchor):
    page.section(heading, anchor)
    page.paragraph(f"Fan charts: the shaded bands hold 90% (5th to 95th percentile) and 50% (25th to 75th) "
                   f"of the replications in each {ctx.period_name}; the solid line is the mean, the dashed "
                   f"line the median, the dotted line the expected-value path (no sampling).")
    x = res.period
    xlabel = ctx.period_name
    page.begin_grid()
    for name in FAN_METRICS + ["retention_rate"]:
        if not res.has_metric(name):
            continue
        m = res.metric(name)
        unit = unit_of(name, m.unit)
        page.chart(charts.fan_chart(x, m, ctx.units, unit, label(name) + _unit_suffix(ctx, unit), xlabel),
                   f"{label(name)}: {m.description}.")
    page.end_grid()
    sources = source_metrics(res)
    if sources:
        page.subsection("New customers by source")
        series = [(source_label(s), res.metric(s).mean) for s in sources]
        page.begin_grid()
        page.chart(charts.stacked_areas(x, series, ctx.units, "customers",
                                        "New customers by source (mean, stacked)", xlabel),
                   "Mean new customers per period from each channel, referral and the initial pipeline; "
                   "the stack adds up to all new customers.")
        for s in sources:
            m = res.metric(s)
            page.chart(charts.fan_chart(x, m, ctx.units, "customers", f"New customers: {source_label(s)}",
                                        xlabel), f"{m.description}.")
        page.end_grid()


def source_metrics(res):
    names = res.metric_names()
    channels = sorted(n for n in names if n.startswith("new_customers_")
                      and n not in ("new_customers_referral", "new_customers_pipeline"))
    return channels + [n for n in ("new_customers_referral", "new_customers_pipeline") if n in names]


def source_label(name):
    if name in ("new_customers_referral", "new_customers_pipeline"):
        return label(name)
    return name[len("new_customers_"):].replace("_", " ")


def _unit_suffix(ctx, unit):
    if unit.startswith("money") and ctx.currency:
        return f" ({ctx.currency})"
    return ""


#: Yearly figures drawn with their intervals when the file holds each replication's yearly totals.
YEARLY_FIGURES = ["revenue", "profit", "discounted_profit", "new_customers", "churned_customers",
                  "active_customers"]
YEARLY_LABELS = {"discounted_profit": "NPV contribution", "active_customers": "Active customers at year end",
                 "new_customers": "New customers", "churned_customers": "Churned customers"}


def yearly_label(name):
    return YEARLY_LABELS.get(name, label(name))


def yearly_unit(name, file_unit):
    if file_unit:
        return unit_of(name, file_unit)
    return "customers" if name.endswith("_customers") else "money"


def yearly_section(ctx, page, scenarios):
    """Yearly figures with their 90% intervals from each plan's per-replication yearly totals
    (`yearly/`); files written before those existed get the exact yearly means instead."""
    yearly = {k: r.yearly() for k, r in scenarios.items()}
    yearly = {k: y for k, y in yearly.items() if y is not None}
    if not yearly:
        yearly_means_section(ctx, page, scenarios)
        return
    page.section("Yearly figures", "yearly")
    first = next(iter(yearly.values()))
    years = [f"year {int(y)}" for y in first.year]
    names = [n for n in YEARLY_FIGURES if any(y.has(n) for y in yearly.values())]
    page.paragraph(f"From each replication's yearly totals: revenue, profit, NPV contribution (profit "
                   f"discounted to the start) and new and churned customers are summed over the year's "
                   f"{ctx.period_name}s, active customers taken at the year's end; the last year may be "
                   f"partial. Bars are means, whiskers the {INTERVAL_LABEL}. Summing per-{ctx.period_name} "
                   f"quantiles would not give these intervals.")
    page.begin_grid()
    for name in names:
        series, unit = [], None
        for plan, y in yearly.items():
            if y.has(name):
                mean, low, high = y.stats(name, INTERVAL)
                series.append((plan, mean, low, high))
                unit = yearly_unit(name, y.units[name])
        page.chart(charts.grouped_interval_bars(years, series, ctx.units, unit,
                                                f"{yearly_label(name)} by year" + _unit_suffix(ctx, unit)),
                   f"{yearly_label(name)} of " + (f"each plan" if len(series) > 1 else "the plan")
                   + f" by year: mean and {INTERVAL_SHORT} (5th to 95th percentile) over replications.")
    page.end_grid()
    for plan, y in yearly.items():
        if len(yearly) > 1:
            page.subsection(plan)
        rows = []
        for name in names:
            if not y.has(name):
                continue
            unit = yearly_unit(name, y.units[name])
            mean, low, high = y.stats(name, INTERVAL)
            rows.append([yearly_label(name)] + [ctx.units.format(float(m), unit) for m in mean])
            rows.append([f"  {INTERVAL_SHORT}"] + [f"{ctx.units.format(float(a), unit)} to {ctx.units.format(float(b), unit)}"
                                                    for a, b in zip(low, high)])
        page.table(["yearly figure"] + years, rows,
                   note=f"Means over replications and the {INTERVAL_LABEL}, from each replication's yearly "
                        f"totals.")


def yearly_rows(ctx, scenarios):
    """Workbook rows (scenario, quantity, unit, year, mean, 5%, 95%): from the per-replication yearly
    totals when the file holds them, else the exact yearly means without an interval."""
    rows = []
    for sname, res in scenarios.items():
        y = res.yearly()
        if y is not None:
            for name in [n for n in YEARLY_FIGURES if y.has(n)] + [n for n in y.names() if n not in YEARLY_FIGURES]:
                unit = yearly_unit(name, y.units[name])
                mean, low, high = y.stats(name, INTERVAL)
                rows += [[sname, name, unit, int(yr), float(m), float(a), float(b)]
                         for yr, m, a, b in zip(y.year, mean, low, high)]
        else:
            years, data = yearly_means(ctx, res)
            for name, unit, vals in data:
                rows += [[sname, name, unit, yr, v, None, None] for yr, v in zip(years, vals)]
    return rows


def yearly_means(ctx, res):
    """Mean yearly figures from the per-period means: flows summed over each year's periods, stocks
    at the year's last period. Exact, because the mean of a sum is the sum of the means; intervals
    need each replication's yearly totals. Returns (years, [(name, unit, [mean per year])])."""
    ppy = ctx.periods_per_year
    if not ppy or float(ppy) != int(ppy):
        return [], []
    ppy = int(ppy)
    t = len(res.period)
    years = list(range(1, (t + ppy - 1) // ppy + 1))
    out = []
    for name in YEARLY:
        if not res.has_metric(name):
            continue
        m = res.metric(name)
        per_year = []
        for y in years:
            block = m.mean[(y - 1) * ppy: min(y * ppy, t)]
            per_year.append(float(block[-1]) if m.kind == "stock" else float(np.sum(block)))
        out.append((name, unit_of(name, m.unit), per_year))
    return years, out


#: Quantities of the yearly figures: flows are summed over the year, stocks taken at its end.
YEARLY = ["revenue", "gross_margin", "profit", "discounted_profit", "acquisition_spend", "retention_spend",
          "new_customers", "churned_customers", "active_customers", "npv"]


def yearly_means_section(ctx, page, scenarios):
    page.section("Yearly figures", "yearly")
    for sname, res in scenarios.items():
        years, rows = yearly_means(ctx, res)
        if not years:
            return
        if len(scenarios) > 1:
            page.subsection(sname)
        page.table(["mean"] + [f"year {y}" for y in years],
                   [[label(n)] + [ctx.units.format(v, u) for v in vals] for n, u, vals in rows],
                   note="Means over replications: flows summed over the year, active customers and NPV "
                        "(to date) at the year's end. The last year may be partial. Intervals of yearly "
                        "figures need each replication's yearly totals, which this file does not hold; the "
                        "intervals of the changes by year are in the variants section.")


def per_period_rows(ctx, sname, res):
    probs = [round(float(p), 4) for p in res.probabilities]
    rows = []
    for name in res.metric_names():
        m = res.metric(name)
        g = res.group["metrics"][name]
        sd = g["sd"][()] if "sd" in g else None
        unit = unit_of(name, m.unit)
        for i, t in enumerate(res.period):
            rows.append([sname, name, unit, int(t), float(m.mean[i]), None if sd is None else float(sd[i])]
                        + [float(m.quantiles[p][i]) for p in probs]
                        + [None if m.expected is None else float(m.expected[i])])
    header = ["scenario", "metric", "unit", "period", "mean", "sd"] + [f"p{int(round(100 * p)):02d}" for p in probs] \
        + ["expected"]
    return header, rows


def summary_rows(ctx, res):
    rows = []
    for name in ordered_totals(res):
        v = res.total(name)
        ok = v[~np.isnan(v)]
        rows.append([label(name), unit_of(name, res.total_unit(name)), float(np.mean(ok)) if ok.size else np.nan,
                     quantile(v, INTERVAL[0]), quantile(v, 0.5), quantile(v, INTERVAL[1]),
                     expected_total(res, name)])
    return ["total over the horizon", "unit", "mean", "5%", "median", "95%", "expected value"], rows


def _row_unit(row):
    return row[1] if isinstance(row[1], str) else "number"


def workbook_common(ctx, book, scenarios):
    base = scenarios["base"]
    header, rows = summary_rows(ctx, base)
    book.sheet("Summary", f"{attr_name(ctx)}: horizon totals", header, rows,
               ["text", "text"] + [lambda r: _row_unit(r)] * 5,
               note=f"Statistics over replications; {INTERVAL_LABEL}.")
    book.sheet("Yearly", "Yearly figures", ["scenario", "quantity", "unit", "year", "mean", "5%", "95%"],
               yearly_rows(ctx, scenarios), ["text", "text", "text", "int"] + [lambda r: r[2]] * 3,
               note=f"Means over replications: flows summed over the year, stocks at the year's end; 5% and "
                    f"95%: the {INTERVAL_LABEL}, from each replication's yearly totals (empty for files "
                    f"without them).")
    prow, header = [], None
    for sname, res in scenarios.items():
        header, rows = per_period_rows(ctx, sname, res)
        prow += rows
    unit_col = lambda r: r[2] if r[2] != "ratio" else "ratio"  # noqa: E731
    book.sheet("Per period", "Per-period statistics over replications", header, prow,
               ["text", "text", "text", "int"] + [unit_col] * (len(header) - 4),
               note="p05 ... p95: quantiles over replications (numpy's default interpolation).")


def attr_name(ctx):
    from ..reader import attr
    return attr(ctx.f, "scenario_name", "scenario")


def workbook(ctx, book):
    workbook_common(ctx, book, {"base": ScenarioResults(ctx.f, ctx.path)})
