"""A run file (clvsim run without variants): forecast fan charts and the horizon totals."""
import numpy as np

from .. import charts
from ..fmt import INTERVAL, INTERVAL_LABEL, INTERVAL_SHORT, quantile
from ..reader import ScenarioResults, require, strings
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


def yearly_section(ctx, page, scenarios):
    """Yearly figures from per-replication yearly totals, when the file holds them."""
    yearly = {k: r.yearly() for k, r in scenarios.items()}
    if not any(v for v in yearly.values()):
        return
    page.section("Yearly figures", "yearly")
    for sname, data in yearly.items():
        if not data:
            continue
        if len(scenarios) > 1:
            page.subsection(sname)
        names = list(data)
        years = next(iter(data.values())).shape[0]
        rows = []
        for name in names:
            unit = "money" if name not in ("new_customers", "churned_customers", "active_customers") else "customers"
            for y in range(years):
                v = data[name][y]
                rows.append([label(name), str(y + 1), ctx.fmt(float(np.nanmean(v)), name, unit),
                             ctx.fmt(quantile(v, INTERVAL[0]), name, unit),
                             ctx.fmt(quantile(v, INTERVAL[1]), name, unit)])
        page.table(["quantity", "year", "mean", "5%", "95%"], rows, left_columns=1,
                   note=f"From each replication's yearly total; {INTERVAL_LABEL}.")
