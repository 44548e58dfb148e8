"""Sections every report shares: title, provenance, and labels of quantities."""
import math

try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = None

from ..fmt import Units
from ..reader import attr

#: Display names of the quantities clvsim writes (metrics and totals).
LABELS = {
    "npv": "NPV", "revenue": "Revenue", "gross_margin": "Gross margin", "profit": "Profit",
    "cost_to_serve": "Cost to serve", "acquisition_spend": "Acquisition spend",
    "retention_spend": "Retention spend", "winback_spend": "Win-back spend",
    "referral_rewards": "Referral rewards", "new_customers": "New customers",
    "churned_customers": "Churned customers", "won_back_customers": "Won-back customers",
    "active_customers": "Active customers", "cac": "CAC", "ltv": "LTV", "ltv_cac": "LTV/CAC",
    "payback_periods": "Payback (periods)", "retention_rate": "Retention rate",
    "discounted_profit": "Discounted profit", "cumulative_profit": "Cumulative profit",
    "new_customers_referral": "Referral", "new_customers_pipeline": "Initial pipeline",
}

#: Units shown differently from what the file says: rates as percentages.
UNIT_OVERRIDES = {"retention_rate": "percent"}


def label(name):
    if name in LABELS:
        return LABELS[name]
    return name.replace("_", " ").capitalize()


def unit_of(name, file_unit):
    return UNIT_OVERRIDES.get(name, file_unit or "")


class Context:
    """What every kind's module gets: the open file, its path and how to show numbers."""

    def __init__(self, f, path, kind):
        self.f = f
        self.path = path
        self.kind = kind
        self.currency = attr(f, "currency") or _currency_from_scenario(attr(f, "scenario_text", ""))
        self.units = Units(self.currency)
        self.scenario = _parse(attr(f, "scenario_text", ""))
        self.period_name = attr(f, "period", "period")
        self.periods_per_year = attr(f, "periods_per_year", None)

    def fmt(self, x, name, file_unit, signed=False):
        return self.units.format(x, unit_of(name, file_unit), signed)


def _parse(text):
    if not text or tomllib is None:
        return {}
    try:
        return tomllib.loads(text)
    except Exception:  # the text is shown as it is; the report only takes the description from it
        return {}


def _currency_from_scenario(text):
    return _parse(text).get("scenario", {}).get("currency", "")


def title(ctx, page, what):
    name = attr(ctx.f, "scenario_name", "scenario")
    desc = ctx.scenario.get("scenario", {}).get("description", "")
    page.heading(f"{name}: {what}", desc)


def provenance(ctx, page):
    """Everything needed to reproduce the file: version, revision, seed, command, scenario text."""
    f = ctx.f
    page.section("Provenance", "provenance")
    rows = []
    for key, lab in (("clvsim_version", "clvsim version"), ("git_revision", "git revision"),
                     ("build_type", "build type"), ("seed", "seed"), ("replications", "replications"),
                     ("replications_per_point", "replications per point"), ("samples", "samples"),
                     ("evaluations", "model evaluations"), ("streams", "random streams"),
                     ("threads", "threads"), ("ranks", "MPI ranks"), ("wall_time_seconds", "run time"),
                     ("created_utc", "written (UTC)"), ("scenario_file", "scenario file"),
                     ("command_line", "command")):
        v = attr(f, key)
        if v is None:
            continue
        if key == "wall_time_seconds":
            v = f"{v:,.1f} s" if math.isfinite(v) else str(v)
        rows.append([lab, str(v)])
    rows.append(["results file", ctx.path])
    page.table(["", "value"], rows, left_columns=2)
    text = attr(f, "scenario_text")
    if text:
        page.subsection("Scenario")
        page.raw(f"<pre>{_esc(text)}</pre>")
    if text:
        page.paragraph("Run the command above with the scenario text saved to the scenario file to reproduce "
                       "the results: the same seed and replications give bit-identical results for any "
                       "number of threads and MPI ranks.")
    else:
        page.paragraph("Run the command above on the same data files to reproduce the results.")


def _esc(s):
    import html
    return html.escape(s)
