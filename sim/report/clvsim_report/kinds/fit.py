"""A fit file (clvsim fit, docs/calibration.md): fitted parameters with their intervals, funnel
rates, and the tracking of observed against fitted values in the calibration and holdout periods."""
import math

import numpy as np

from .. import charts
from ..reader import attr, strings, text
from ._common import Context, provenance

KINDS = ("fit",)

Z95 = 1.959963984540054
Z90 = 1.6448536269514722

MODELS = {"sbg": "shifted-beta-geometric churn", "geometric": "geometric churn",
          "bgbb": "BG/BB repeat buying", "gamma_gamma": "gamma-gamma spend per transaction",
          "linear_channel": "leads proportional to spend", "saturating_channel": "leads saturating with spend"}

# The transformed scales of the estimates (docs/calibration.md): the interval is z ± z_p se(z) on
# the scale where the estimator is asymptotically normal, mapped back.
_SCALES = {
    "log": (lambda v: math.log(v), math.exp, lambda v: v > 0),
    "logit": (lambda v: math.log(v / (1 - v)), lambda z: 1 / (1 + math.exp(-z)), lambda v: 0 < v < 1),
    "identity": (lambda v: v, lambda z: z, lambda v: True),
}


def interval90(estimate, lower95, upper95, variance):
    """The 90% interval of an estimate: z ± 1.645 se(z) on its transformed scale, mapped back. The
    scale is the one on which the file's 95% interval is z ± 1.96 se(z) (the file does not name it);
    None when no scale reproduces the 95% interval."""
    se = math.sqrt(variance) if variance > 0 else float("nan")
    for to, back, ok in _SCALES.values():
        if not (ok(estimate) and ok(lower95) and ok(upper95)) or not math.isfinite(se):
            continue
        z = to(estimate)
        lo, hi = back(z - Z95 * se), back(z + Z95 * se)
        if math.isclose(lo, lower95, rel_tol=1e-6, abs_tol=1e-12) and math.isclose(hi, upper95, rel_tol=1e-6,
                                                                                    abs_tol=1e-12):
            return back(z - Z90 * se), back(z + Z90 * se)
    return None


def build(ctx: Context, page):
    f = ctx.f
    name = attr(f, "scenario", "fit")
    page.heading(f"{name}: calibration", "Parameters fitted by maximum likelihood to the data, with their "
                 "intervals, and the fitted model against what was observed.")
    fits = [f["fits"][k] for k in sorted(f["fits"].keys(), key=int)] if "fits" in f else []
    holdouts = [f["holdout"][k] for k in sorted(f["holdout"].keys(), key=int)] if "holdout" in f else []
    page.paragraph(f"{len(fits)} fitted model{'s' if len(fits) != 1 else ''}"
                   + (", a funnel" if "funnel" in f else "")
                   + (f", {len(holdouts)} tracking table{'s' if len(holdouts) != 1 else ''}" if holdouts else "")
                   + ".", cls="lead")
    if fits:
        parameters_section(ctx, page, fits)
    if "funnel" in f:
        funnel_section(ctx, page, f["funnel"])
    if holdouts:
        tracking_section(ctx, page, holdouts)
    provenance(ctx, page)


def fit_rows(g):
    names = strings(g["parameter"])
    est, se = g["estimate"][()], g["std_error"][()]
    lo95, hi95 = g["lower95"][()], g["upper95"][()]
    cov = g["covariance_transformed"][()] if "covariance_transformed" in g else None
    rows = []
    for i, n in enumerate(names):
        iv = interval90(est[i], lo95[i], hi95[i], cov[i, i]) if cov is not None and cov.shape[0] == len(names) else None
        rows.append((n, float(est[i]), float(se[i]), iv, (float(lo95[i]), float(hi95[i]))))
    return rows


def _num(x):
    if not math.isfinite(x):
        return "n/a"
    return f"{x:,.4g}" if abs(x) < 1e5 else f"{x:,.0f}"


def parameters_section(ctx, page, fits):
    page.section("Fitted parameters", "parameters")
    page.paragraph("Maximum-likelihood estimates with standard errors from the observed information. The "
                   "intervals are confidence intervals of the estimates (the uncertainty that comes from "
                   "the data's size), computed on the scale where each estimate is close to normal (log or "
                   "logit) and mapped back: the 90% interval (clvsim's convention, ± 1.645 standard "
                   "errors) and the 95% interval written as comments in the fitted scenario (± 1.96). "
                   "The draws file carries these uncertainties, with their correlations, into every "
                   "replication of a forecast.")
    for g in fits:
        model = text(g.attrs.get("model", ""))
        page.subsection(text(g.attrs.get("label", model)))
        rows = fit_rows(g)
        page.table(["parameter", "estimate", "std. error", "90% interval", "95% interval"],
                   [[n, _num(e), _num(s), f"{_num(iv[0])} to {_num(iv[1])}" if iv else "n/a",
                     f"{_num(w[0])} to {_num(w[1])}"] for n, e, s, iv, w in rows],
                   note=f"Model: {MODELS.get(model, model)}. Data: {text(g.attrs.get('source', ''))}. "
                        f"Log-likelihood {float(g.attrs.get('log_likelihood', float('nan'))):,.2f} over "
                        f"{float(g.attrs.get('observations', float('nan'))):,.0f} observations."
                        + (f" {text(g.attrs['boundary_note'])}" if text(g.attrs.get("boundary_note", "")) else ""))
        ok = [r for r in rows if r[3] is not None]
        positive = all(r[4][0] > 0 for r in rows)
        if rows:
            page.begin_grid()
            page.chart(charts.dot_intervals(
                [r[0] for r in rows], [r[1] for r in rows],
                [(np.array([r[4][0] for r in rows]), np.array([r[4][1] for r in rows]), "95% interval", 1.2)]
                + ([(np.array([r[3][0] if r[3] else r[1] for r in rows]),
                     np.array([r[3][1] if r[3] else r[1] for r in rows]), "90% interval", 3.5)] if ok else []),
                ctx.units, "number", f"{text(g.attrs.get('label', model))}", log=positive),
                "Each parameter's estimate (dot) with its 90% (thick) and 95% (thin) confidence interval"
                + (", on a logarithmic axis." if positive else "."))
            page.end_grid()


def funnel_section(ctx, page, g):
    page.section("Funnel rates", "funnel")
    stages = strings(g["stage"])
    rows, labels, vals, lows, highs = [], [], [], [], []
    for rate, lab in (("advance", "advance"), ("drop", "drop out"), ("nurtured_advance", "advance (nurtured)"),
                      ("nurtured_drop", "drop out (nurtured)")):
        if f"{rate}_mle" not in g:
            continue
        mle, mean = g[f"{rate}_mle"][()], g[f"{rate}_posterior_mean"][()]
        lo, hi = g[f"{rate}_lower95"][()], g[f"{rate}_upper95"][()]
        for i, s in enumerate(stages):
            rows.append([s, lab, f"{100 * mle[i]:.1f}%", f"{100 * mean[i]:.1f}%",
                         f"{100 * lo[i]:.1f}% to {100 * hi[i]:.1f}%"])
            if rate in ("advance", "nurtured_advance") and not (lo[i] == 0 and hi[i] == 1):
                labels.append(f"{s}: {lab}")
                vals.append(mean[i])
                lows.append(lo[i])
                highs.append(hi[i])
    page.table(["stage", "rate per period", "estimate", "posterior mean", "95% interval"], rows, left_columns=2,
               note="Share of the stage's prospects that advance or drop out in a period: the estimate is the "
                    "count over the trials; the interval is the 95% equal-tailed interval of the Beta posterior "
                    "(docs/calibration.md). Rates without trials show the prior's 0% to 100%.")
    if labels:
        page.begin_grid()
        page.chart(charts.dot_intervals(labels, vals, [(np.array(lows), np.array(highs), "95% interval", 2.0)],
                                        ctx.units, "percent", "Advance rates by stage"),
                   "Posterior mean of each stage's advance rate (dot) with its 95% interval.")
        page.end_grid()


def tracking_section(ctx, page, holdouts):
    page.section("Fitted against observed", "tracking")
    page.paragraph("The tracking plot: what the fitted model expects in each period against what the data "
                   "shows. Periods in the shaded area were left out of the fit (the holdout), so the fit "
                   "there is a forecast. Cohort survival compares customers still active with n₀ S(t); "
                   "transaction logs compare repeat transactions per period, and their cumulative sums.")
    for g in holdouts:
        lab = text(g.attrs.get("label", ""))
        quantity = text(g.attrs.get("quantity", ""))
        period = g["period"][()]
        actual, forecast = g["actual"][()], g["forecast"][()]
        hold = g["holdout"][()].astype(bool)
        page.subsection(f"{lab}: {quantity}")
        page.begin_grid()
        page.chart(charts.tracking(period, actual, forecast, hold, ctx.units, "count",
                                   f"{lab}: {quantity}", "period"),
                   f"Observed (solid) and fitted (dashed), by period: {quantity}.")
        flow = "per period" in quantity
        if flow:
            page.chart(charts.tracking(period, np.cumsum(actual), np.cumsum(forecast), hold, ctx.units, "count",
                                       f"{lab}: cumulative {quantity.replace(' per period', '')}", "period"),
                       f"Cumulative observed and fitted {quantity.replace(' per period', '')}.")
        page.end_grid()
        rows = []
        for name, mask in (("calibration", ~hold), ("holdout", hold)):
            if not mask.any():
                continue
            a, e = actual[mask], forecast[mask]
            mape = float(np.mean(np.abs(a - e) / np.abs(a))) if np.all(a != 0) else float("nan")
            rows.append([name, f"{int(mask.sum())}", f"{a.sum():,.1f}", f"{e.sum():,.1f}",
                         f"{100 * (e.sum() - a.sum()) / a.sum():+.1f}%" if a.sum() else "n/a",
                         f"{100 * mape:.1f}%" if math.isfinite(mape) else "n/a"])
        page.table(["periods", "count", "observed (sum)", "fitted (sum)", "fitted vs observed",
                    "mean absolute % error"], rows,
                   note="Sums over the periods; the mean absolute percentage error averages |fitted − observed| "
                        "/ observed over the periods.")


def workbook(ctx, book):
    f = ctx.f
    rows = []
    for k in sorted(f["fits"].keys(), key=int) if "fits" in f else []:
        g = f["fits"][k]
        for n, e, s, iv, w in fit_rows(g):
            rows.append([text(g.attrs.get("label", "")), text(g.attrs.get("model", "")), n, e, s,
                         iv[0] if iv else None, iv[1] if iv else None, w[0], w[1]])
    book.sheet("Parameters", "Fitted parameters", ["fit", "model", "parameter", "estimate", "std. error",
                                                     "90% low", "90% high", "95% low", "95% high"], rows,
               ["text", "text", "text"] + ["number"] * 6,
               note="Confidence intervals of the estimates, on the transformed scale mapped back.")
    rows = []
    for k in sorted(f["holdout"].keys(), key=int) if "holdout" in f else []:
        g = f["holdout"][k]
        for p, st, a, e, h in zip(g["period"][()], strings(g["start"]), g["actual"][()], g["forecast"][()],
                                  g["holdout"][()]):
            rows.append([text(g.attrs.get("label", "")), text(g.attrs.get("quantity", "")), int(p), st, float(a),
                         float(e), "holdout" if h else "calibration"])
    book.sheet("Tracking", "Fitted against observed", ["table", "quantity", "period", "start", "observed", "fitted",
                                                       "part"], rows,
               ["text", "text", "int", "text", "number", "number", "text"])
