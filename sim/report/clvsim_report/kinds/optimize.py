"""An optimize file (clvsim optimize, docs/optimize.md): the recommended budget split against
today's, the objective with its interval, the marginal value of each lever and the efficient
frontier."""
import math

import numpy as np

from .. import charts
from ..fmt import INTERVAL_LABEL
from ..reader import attr, require, strings
from ._common import Context, label, provenance, title

KINDS = ("optimize",)

#: Columns of /evaluation/statistics and /evaluation/difference (docs/optimize.md).
STAT_COLUMNS = ["mean", "sd", "std_error", "q05", "q25", "q50", "q75", "q95", "n"]
DIFF_COLUMNS = ["mean", "std_error", "ci_low", "ci_high", "q_low", "q_high", "p_better", "n"]


def _unit(metric):
    return "ratio" if metric in ("ltv_cac",) else ("customers" if metric.endswith("customers") else "money")


class Plans:
    """The variables of the problem and the plans the file holds."""

    def __init__(self, f, path):
        v = require(f, "variables", path)
        self.names = strings(v["name"])
        self.kinds = strings(v["kind"])
        self.low, self.high = v["min"][()], v["max"][()]
        self.today, self.plan = v["today"][()], v["plan"][()]
        self.expected = v["expected_optimum"][()]
        self.risk = v["risk_optimum"][()] if "risk_optimum" in v else None
        b = f.get("budgets")
        self.budgets = strings(b["name"]) if b is not None and len(b["name"]) else []
        self.coefficients = b["coefficients"][()] if self.budgets else None
        self.bounds = b["bound"][()] if self.budgets else None
        self.senses = strings(b["sense"]) if self.budgets else []


def build(ctx: Context, page):
    f = ctx.f
    title(ctx, page, "budget optimisation")
    p = Plans(f, ctx.path)
    metric = attr(f, "metric", "npv")
    unit = _unit(metric)
    headline(ctx, page, f, metric, unit)
    split_section(ctx, page, p)
    evaluation_section(ctx, page, f, metric, unit)
    margins_section(ctx, page, f, p, metric)
    frontier_section(ctx, page, f, p, metric, unit)
    provenance(ctx, page)


def headline(ctx, page, f, metric, unit):
    ev = f.get("evaluation")
    desc = attr(f, "objective_description", attr(f, "objective", ""))
    if ev is None:
        page.paragraph(f"Objective: {desc}.", cls="lead")
        return
    obj = ev["objective"][()]
    d = dict(zip(DIFF_COLUMNS, ev["difference"][()]))
    u = ctx.units
    page.paragraph(f"Objective: {desc}. On {int(ev.attrs['replications']):,} fresh replications the recommended "
                   f"plan scores {u.format(obj[1, 0], unit)} against {u.format(obj[0, 0], unit)} for today's "
                   f"plan; the mean {label(metric)} changes by {u.format(d['mean'], unit, True)} per replication "
                   f"and the plan does better in {100 * d['p_better']:.1f}% of them.", cls="lead")


def budget_dollars(p, x):
    """Each lever's share of the first budget in its currency: coefficient × value."""
    return np.asarray(p.coefficients[0]) * np.asarray(x)


def split_section(ctx, page, p):
    page.section("Budget split: today and the optimum", "split")
    plans = [("today", p.today), ("recommended", p.plan), ("expected-value optimum", p.expected)]
    if p.risk is not None and not np.allclose(p.risk, p.plan):
        plans.append(("risk-aware optimum", p.risk))
    rows = []
    for i, n in enumerate(p.names):
        rows.append([n, p.kinds[i]] + [f"{x[i]:,.2f}" for _, x in plans]
                    + [f"{p.plan[i] - p.today[i]:+,.2f}", f"{p.low[i]:,.2f} to {p.high[i]:,.2f}"])
    for k, b in enumerate(p.budgets):
        rows.append([f"budget {b} ({p.senses[k]} {p.bounds[k]:,.2f})", "budget"]
                    + [f"{float(np.dot(p.coefficients[k], x)):,.2f}" for _, x in plans]
                    + [f"{float(np.dot(p.coefficients[k], p.plan - p.today)):+,.2f}", ""])
    page.table(["lever", "kind"] + [n for n, _ in plans] + ["change (recommended − today)", "bounds"], rows,
               left_columns=2,
               note="Each lever in its own unit (spend per period, spend per customer, ...). The recommended plan "
                    "is the risk-aware optimum for a risk objective, else the expected-value optimum. A budget "
                    "row is Σ coefficient × lever.")
    if p.budgets:
        cats = [n for n, _ in plans[:2]] + ([plans[2][0]] if not np.allclose(plans[2][1], p.plan) else [])
        parts = [(p.names[i], [budget_dollars(p, x)[i] for n, x in plans if n in cats]) for i in range(len(p.names))]
        page.begin_grid()
        page.chart(charts.stacked_columns(cats, parts, ctx.units, "money", f"Budget '{p.budgets[0]}' by lever"),
                   f"How the budget '{p.budgets[0]}' is split between the levers in each plan: each lever's "
                   f"coefficient in the budget times its value (docs/optimize.md).")
        page.end_grid()


def evaluation_section(ctx, page, f, metric, unit):
    ev = f.get("evaluation")
    if ev is None:
        return
    page.section("Today against the recommended plan", "evaluation")
    stats = ev["statistics"][()]
    obj = ev["objective"][()]
    d = dict(zip(DIFF_COLUMNS, ev["difference"][()]))
    u = ctx.units
    desc = attr(f, "objective_description", attr(f, "objective", ""))
    page.paragraph(f"Both plans re-run on the same {int(ev.attrs['replications']):,} fresh replications (seed "
                   f"{ev.attrs['seed']}), not those the optimiser chose the plan on, so the comparison is "
                   f"paired and unbiased.")
    rows = []
    s = [dict(zip(STAT_COLUMNS, r)) for r in stats]
    rows.append([f"expected {label(metric)} (exact, no sampling)", u.format(float(ev.attrs["today_expected"]), unit),
                 u.format(float(ev.attrs["plan_expected"]), unit), ""])
    rows.append([f"{desc}", u.format(obj[0, 0], unit), u.format(obj[1, 0], unit), "estimate"])
    rows.append(["  95% confidence interval", f"{u.format(obj[0, 1], unit)} to {u.format(obj[0, 2], unit)}",
                 f"{u.format(obj[1, 1], unit)} to {u.format(obj[1, 2], unit)}", "precision of the estimate"])
    rows.append([f"mean {label(metric)}", u.format(s[0]["mean"], unit), u.format(s[1]["mean"], unit), ""])
    rows.append([f"  {INTERVAL_LABEL.split(' (')[0]}", f"{u.format(s[0]['q05'], unit)} to {u.format(s[0]['q95'], unit)}",
                 f"{u.format(s[1]['q05'], unit)} to {u.format(s[1]['q95'], unit)}", "spread over replications"])
    rows.append([f"change in {label(metric)} (plan − today)", "", u.format(d["mean"], unit, True), "mean"])
    rows.append(["  90% interval of the change", "", f"{u.format(d['q_low'], unit, True)} to "
                 f"{u.format(d['q_high'], unit, True)}", "spread over replications"])
    rows.append(["  P(plan better)", "", f"{100 * d['p_better']:.1f}%", "share of replications"])
    page.table(["", "today", "recommended plan", ""], rows,
               note=f"{INTERVAL_LABEL} for the spread of {label(metric)} and of the paired change. The "
                    f"objective's interval is a 95% confidence interval of its estimate from these "
                    f"replications (docs/optimize.md): it narrows as replications grow.")
    page.begin_grid()
    page.chart(charts.dot_intervals(["today", "recommended"], obj[:, 0],
                                    [(obj[:, 1], obj[:, 2], "95% confidence interval", 3.0)],
                                    ctx.units, unit, desc[:60]),
               "The objective of each plan on the fresh replications, with the 95% confidence interval of the "
               "estimate.")
    page.chart(charts.dot_intervals(["today", "recommended"], [s[0]["q50"], s[1]["q50"]],
                                    [(np.array([s[0]["q05"], s[1]["q05"]]), np.array([s[0]["q95"], s[1]["q95"]]),
                                      "5% to 95%", 1.2),
                                     (np.array([s[0]["q25"], s[1]["q25"]]), np.array([s[0]["q75"], s[1]["q75"]]),
                                      "25% to 75%", 4.0)],
                                    ctx.units, unit, f"{label(metric)}: spread over replications"),
               f"Median {label(metric)} (dot) of each plan with the 50% (thick) and 90% (thin) ranges of the "
               f"replications.")
    page.end_grid()


def margins_section(ctx, page, f, p, metric):
    eq = f.get("equity")
    if eq is None:
        return
    page.section("The next dollar on each lever", "margins")
    vpd = eq["value_per_dollar"][()]
    der = eq["derivative"][()]
    dpu = eq["dollars_per_unit"][()]
    at = eq["at_bound"][()].astype(bool)
    mc = eq["marginal_cost_per_customer"][()]
    shadow = float(eq.attrs.get("shadow_price", float("nan")))
    page.paragraph(f"At the expected-value optimum: the change in expected {label(metric)} per extra unit of each "
                   f"lever and per extra budget dollar spent on it. Where the budget binds, the levers that are "
                   f"not at a bound return the same per dollar, the budget's shadow price "
                   f"({ctx.units.format(shadow, 'ratio')} per dollar); a negative value means the last dollar does "
                   f"not pay for itself.")
    page.begin_grid()
    page.chart(charts.hbars(p.names, vpd, ctx.units, "ratio", f"Expected {label(metric)} per extra budget dollar",
                            reference=shadow, reference_label="shadow price of the budget"),
               "Value of the next dollar on each lever (marginal return); the dashed line is the budget's shadow "
               "price.")
    page.end_grid()
    rows = [[n, p.kinds[i], f"{der[i]:,.4f}", f"{dpu[i]:,.2f}", f"{vpd[i]:,.4f}", "yes" if at[i] else "no",
             ctx.units.format(float(mc[i]), "money/customer")] for i, n in enumerate(p.names)]
    page.table(["lever", "kind", f"d {label(metric)} / d unit", "$ per unit", "value per $", "at a bound",
                "marginal cost per customer"], rows, left_columns=2,
               note="Central differences of the exact expected value (docs/optimize.md). Marginal cost per "
                    "customer: extra acquisition spend per extra customer acquired (acquisition levers), or extra "
                    "retention spend per churn avoided (retention levers).")
    a = {k: float(eq.attrs.get(k, float("nan"))) for k in ("marginal_acquisition_cost", "marginal_retention_cost",
                                                             "average_acquisition_cost", "average_retention_cost")}
    m = ctx.units
    page.table(["cost of one more customer", "acquire", "retain", "ratio"],
               [["at the margin", m.format(a["marginal_acquisition_cost"], "money/customer"),
                 m.format(a["marginal_retention_cost"], "money/customer"),
                 _ratio(a["marginal_acquisition_cost"], a["marginal_retention_cost"])],
                ["on average (CAC; retention per customer-year)", m.format(a["average_acquisition_cost"], "money/customer"),
                 m.format(a["average_retention_cost"], "money/customer"),
                 _ratio(a["average_acquisition_cost"], a["average_retention_cost"])]],
               note="Pfeifer (2005): only the marginal costs say where the next dollar should go.")


def _ratio(a, b):
    return f"{a / b:.2f}×" if math.isfinite(a) and math.isfinite(b) and b != 0 else "n/a"


def frontier_section(ctx, page, f, p, metric, unit):
    fr = f.get("frontier")
    if fr is None or len(fr["scale"]) == 0:
        return
    page.section("Efficient frontier", "frontier")
    scale, bound = fr["scale"][()], fr["bound"][()]
    expected, risk = fr["expected"][()], fr["risk"][()]
    plans = fr["plans"][()]
    budget = p.budgets[0] if p.budgets else "budget"
    desc = attr(f, "objective_description", "")
    series = [(f"expected {label(metric)} (exact)", bound, expected)]
    if np.any(np.isfinite(risk)):
        series.append((desc or "risk measure", bound, risk))
    marks = []
    if p.budgets:
        today_b = float(np.dot(p.coefficients[0], p.today))
        marks.append(("today's budget, expected optimum", today_b,
                      float(np.interp(today_b, bound, expected)) if np.all(np.isfinite(expected)) else np.nan))
    page.paragraph(f"The best plan found at each level of the budget '{budget}' (its bound scaled), optimising the "
                   f"exact expected {label(metric)}; for a risk objective its risk measure on the fixed "
                   f"replications is shown beside it. Levels without a feasible plan are left out.")
    page.begin_grid()
    page.chart(charts.xy_lines(series, ctx.units, "money", unit, f"{label(metric)} against the budget",
                               f"budget '{budget}'", marks=[m for m in marks if math.isfinite(m[2])]),
               "Efficient frontier: the best expected value reachable at each budget level.")
    parts = [(p.names[i], [float(p.coefficients[0][i] * plans[k, i]) if p.budgets else float(plans[k, i])
                           for k in range(len(scale))]) for i in range(len(p.names))]
    if p.budgets:
        page.chart(charts.stacked_columns([f"×{s:g}" for s in scale], parts, ctx.units, "money",
                                          "Optimal split at each budget level"),
                   "How the optimum spends each level of the budget (coefficient × lever).")
    page.end_grid()
    rows = [[f"×{s:g}", ctx.units.format(float(b), "money"), ctx.units.format(float(e), unit),
             ctx.units.format(float(r), unit) if math.isfinite(r) else "n/a"] + [f"{x:,.2f}" for x in plans[k]]
            for k, (s, b, e, r) in enumerate(zip(scale, bound, expected, risk))]
    page.table(["scale", "bound", f"expected {label(metric)}", "risk measure"] + p.names, rows,
               note="Each row is the expected-value optimum at that budget level (docs/optimize.md).")


def workbook(ctx, book):
    f = ctx.f
    p = Plans(f, ctx.path)
    rows = [[n, p.kinds[i], float(p.today[i]), float(p.plan[i]), float(p.expected[i]), float(p.low[i]),
             float(p.high[i])] for i, n in enumerate(p.names)]
    book.sheet("Plans", "Levers: today and the optimum", ["lever", "kind", "today", "recommended",
                                                           "expected-value optimum", "min", "max"], rows,
               ["text", "text"] + ["number"] * 5)
    fr = f.get("frontier")
    if fr is not None:
        rows = [[float(s), float(b), float(e), float(r)] + [float(x) for x in fr["plans"][k]]
                for k, (s, b, e, r) in enumerate(zip(fr["scale"][()], fr["bound"][()], fr["expected"][()],
                                                     fr["risk"][()]))]
        book.sheet("Frontier", "Efficient frontier", ["scale", "bound", "expected", "risk"] + p.names, rows,
                   ["number", "money", "money", "money"] + ["number"] * len(p.names))
