"""Charts drawn with matplotlib and embedded as inline SVG (text kept as text, no external fonts)."""
import io
import math
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

plt.rcParams.update({
    "svg.fonttype": "none",  # text stays text: small files, selectable labels
    "svg.hashsalt": "clvsim",  # stable element ids: the same file gives the same report
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e3e7ee",
    "axes.axisbelow": True,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.formatter.useoffset": False,
    "figure.dpi": 96,
})

BLUE = "#2b5797"
ORANGE = "#d9822b"
GREEN = "#1b7f3b"
RED = "#b3261e"
GREY = "#6b7280"
PALETTE = [BLUE, ORANGE, GREEN, RED, "#7b4fa0", "#0f8b8d", "#a05a2c", GREY]


def axis_formatter(units, unit):
    """Tick labels in the unit's format: currency with thousands separators, percentages, counts."""
    if unit == "percent":
        return FuncFormatter(lambda x, _: f"{100 * x:.1f}%")
    if unit.startswith("money"):
        return FuncFormatter(lambda x, _: units.money(x))
    if unit == "ratio":
        return FuncFormatter(lambda x, _: f"{x:.2f}")
    return FuncFormatter(lambda x, _: f"{x:,.0f}" if abs(x) >= 10 or x == int(x) else f"{x:,.1f}")


def to_svg(fig):
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]  # drop the XML prolog and DOCTYPE: the SVG is inline in HTML
    # Width and height in pt make the browser scale it; keep the viewBox and let CSS size it.
    svg = re.sub(r'(<svg[^>]*?) width="[^"]*" height="[^"]*"', r"\1", svg, count=1)
    return svg


def figure(width=6.4, height=3.2):
    return plt.subplots(figsize=(width, height), layout="constrained")


def fan_chart(x, stats, units, unit, title, xlabel, scale=1.0):
    """Quantile bands 5-95% and 25-75%, the median, the mean and the expected-value path."""
    fig, ax = figure()
    q = stats.quantiles
    s = scale
    if 0.05 in q and 0.95 in q:
        ax.fill_between(x, q[0.05] * s, q[0.95] * s, color=BLUE, alpha=0.15, lw=0, label="5-95%")
    if 0.25 in q and 0.75 in q:
        ax.fill_between(x, q[0.25] * s, q[0.75] * s, color=BLUE, alpha=0.30, lw=0, label="25-75%")
    if 0.5 in q:
        ax.plot(x, q[0.5] * s, color=BLUE, lw=1.0, ls="--", label="median")
    ax.plot(x, stats.mean * s, color=BLUE, lw=1.8, label="mean")
    if stats.expected is not None and np.any(np.isfinite(stats.expected)):
        ax.plot(x, stats.expected * s, color=ORANGE, lw=1.2, ls=":", label="expected value")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.yaxis.set_major_formatter(axis_formatter(units, unit))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.margins(x=0)
    ax.legend(loc="best", fontsize=8, frameon=False, ncol=2)
    return to_svg(fig)


def interval_bars(labels, mean, low, high, units, unit, title, xlabel="", color=BLUE):
    """Means with interval whiskers, one bar per label, and a zero line."""
    fig, ax = figure(6.4, 3.0)
    xs = np.arange(len(labels))
    colors = [GREEN if m >= 0 else RED for m in mean] if color is None else color
    ax.bar(xs, mean, color=colors, alpha=0.8, width=0.6)
    yerr = np.array([np.asarray(mean) - np.asarray(low), np.asarray(high) - np.asarray(mean)])
    ax.errorbar(xs, mean, yerr=np.clip(yerr, 0, None), fmt="none", ecolor="#1d2430", capsize=5, lw=1.2)
    ax.axhline(0, color="#1d2430", lw=0.8)
    ax.set_xticks(xs, labels)
    ax.set_title(title)
    if xlabel:
        ax.set_xlabel(xlabel)
    ax.yaxis.set_major_formatter(axis_formatter(units, unit))
    return to_svg(fig)


def grouped_interval_bars(categories, series, units, unit, title, xlabel=""):
    """Bars of means with interval whiskers, one group per category (e.g. a year) and one bar per
    series (e.g. a plan) in each group. series: list of (label, mean, low, high)."""
    fig, ax = figure(6.4, 3.2)
    n = max(len(series), 1)
    width = 0.8 / n
    xs = np.arange(len(categories))
    for k, (lab, mean, low, high) in enumerate(series):
        mean, low, high = (np.asarray(a, dtype=float) for a in (mean, low, high))
        xk = xs - 0.4 + width * (k + 0.5)
        ax.bar(xk, mean, width=width * 0.9, color=PALETTE[k % len(PALETTE)], alpha=0.85, label=lab)
        yerr = np.clip(np.nan_to_num(np.array([mean - low, high - mean])), 0, None)
        ax.errorbar(xk, mean, yerr=yerr, fmt="none", ecolor="#1d2430", capsize=3, lw=1)
    ax.axhline(0, color="#1d2430", lw=0.8)
    ax.set_xticks(xs, categories)
    ax.grid(axis="x", visible=False)
    ax.set_title(title)
    if xlabel:
        ax.set_xlabel(xlabel)
    ax.yaxis.set_major_formatter(axis_formatter(units, unit))
    if len(series) > 1:  # below the axes: the bars may use the whole height
        ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.1),
                  ncol=min(len(series), 4))
    return to_svg(fig)


def waterfall(labels, deltas, total_label, units, title):
    """Contributions that add up to a total change: floating bars, then the total."""
    fig, ax = figure(6.8, 3.6)
    running = 0.0
    ends = [0.0]
    for i, d in enumerate(deltas):
        ax.bar(i, d, bottom=running, color=GREEN if d >= 0 else RED, alpha=0.85, width=0.6)
        if i + 1 < len(deltas):
            ax.plot([i + 0.3, i + 0.7], [running + d] * 2, color=GREY, lw=0.8)
        running += d
        ends.append(running)
    n = len(deltas)
    ax.bar(n, running, color=BLUE, width=0.6)
    lo, hi = min(ends), max(ends)
    pad = 0.06 * (hi - lo or 1.0)
    running = 0.0
    for i, d in enumerate(list(deltas) + [None]):
        top = max(running, running + d) if d is not None else max(0.0, running)
        text = units.money(d if d is not None else running, signed=True)
        ax.text(i, top + pad * 0.3, text, ha="center", va="bottom", fontsize=7.5,
                fontweight="bold" if d is None else "normal")
        if d is not None:
            running += d
    ax.set_ylim(lo - pad, hi + 3 * pad)
    ax.axhline(0, color="#1d2430", lw=0.8)
    ax.set_xticks(range(n + 1), list(labels) + [total_label], rotation=20, ha="right")
    ax.set_title(title)
    ax.yaxis.set_major_formatter(axis_formatter(units, "money"))
    return to_svg(fig)


def tornado(names, base, y_low, y_high, low_labels, high_labels, units, unit, title):
    """One bar per parameter from the base value to the metric at each end of its range.

    Both ends are drawn, each in its own colour, also when both lie on the same side of the base
    (a response that is not monotone over the range): the shorter bar is drawn over the longer."""
    n = len(names)
    fig, ax = figure(7.2, 0.45 * n + 1.2)
    ys = np.arange(n)[::-1]
    for y, lo, hi in zip(ys, y_low, y_high):
        ends = sorted([(lo, ORANGE, "low end"), (hi, BLUE, "high end")], key=lambda e: -abs(e[0] - base))
        for v, c, _ in ends:  # longer first, shorter on top
            ax.barh(y, v - base, left=base, color=c, alpha=0.85, height=0.6)
        for v, c, _ in ends:
            ax.plot([v], [y], marker="|", color="#1d2430", ms=12)
    span = max([abs(v - base) for v in list(y_low) + list(y_high) if math.isfinite(v)] + [1e-12])
    for y, lo, hi, ll, hl in zip(ys, y_low, y_high, low_labels, high_labels):
        for v, lab in ((lo, ll), (hi, hl)):
            ax.text(v + (0.02 * span if v >= base else -0.02 * span), y, lab, va="center",
                    ha="left" if v >= base else "right", fontsize=7, color="#1d2430")
    ax.axvline(base, color="#1d2430", lw=1)
    ax.set_yticks(ys, names)
    ax.set_xlim(base - 1.45 * span, base + 1.45 * span)
    ax.xaxis.set_major_formatter(axis_formatter(units, unit))
    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.grid(axis="y", visible=False)
    from matplotlib.patches import Patch
    ax.legend(handles=[Patch(color=ORANGE, label="parameter at its low end"),
                       Patch(color=BLUE, label="parameter at its high end")],
              loc="lower right", fontsize=8, frameon=False)
    ax.set_title(title)
    return to_svg(fig)


def grouped_indices(names, series, title):
    """Horizontal bars of indices (e.g. Sobol' first-order and total), with optional intervals.

    series: list of (label, values, low or None, high or None, colour)."""
    n = len(names)
    fig, ax = figure(7.2, 0.45 * n + 1.2)
    ys = np.arange(n)[::-1]
    h = 0.8 / len(series)
    for k, (label, vals, lo, hi, color) in enumerate(series):
        yk = ys + 0.4 - h * (k + 0.5)
        ax.barh(yk, vals, height=h, color=color, label=label, alpha=0.85)
        if lo is not None and hi is not None:
            ax.errorbar(vals, yk, xerr=np.clip([np.asarray(vals) - lo, np.asarray(hi) - vals], 0, None),
                        fmt="none", ecolor="#1d2430", capsize=3, lw=1)
    ax.axvline(0, color="#1d2430", lw=0.8)
    ax.set_yticks(ys, names)
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.set_title(title)
    return to_svg(fig)


def heatmap(xvals, yvals, z, xlabel, ylabel, units, unit, title):
    """z[i, j] at (xvals[j], yvals[i]) with each cell labelled."""
    fig, ax = figure(6.8, 4.6)
    im = ax.imshow(z, origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(xvals)), [_tick(v) for v in xvals])
    ax.set_yticks(range(len(yvals)), [_tick(v) for v in yvals])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(False)
    cb = fig.colorbar(im, ax=ax, format=axis_formatter(units, unit))
    cb.ax.tick_params(labelsize=8)
    if z.size <= 100:
        finite = z[np.isfinite(z)]
        mid = (finite.min() + finite.max()) / 2 if finite.size else 0
        for i in range(z.shape[0]):
            for j in range(z.shape[1]):
                if np.isfinite(z[i, j]):
                    ax.text(j, i, _compact(z[i, j], units, unit), ha="center", va="center", fontsize=6.5,
                            color="white" if z[i, j] < mid else "black")
    ax.set_title(title)
    return to_svg(fig)


def scatter(x, y, low, high, groups, group_label, xlabel, units, unit, title):
    """The objective against one factor; one colour per value of another factor, intervals as lines."""
    fig, ax = figure(6.4, 3.4)
    keys = sorted(set(groups)) if groups is not None else [None]
    for k, g in enumerate(keys):
        m = np.ones(len(x), bool) if g is None else np.asarray(groups) == g
        c = PALETTE[k % len(PALETTE)] if len(keys) <= len(PALETTE) else plt.cm.viridis(k / max(len(keys) - 1, 1))
        order = np.argsort(x[m])
        ax.plot(x[m][order], y[m][order], marker="o", ms=3.5, lw=1, color=c,
                label=None if g is None else f"{group_label} = {_tick(g)}")
        if low is not None:
            ax.vlines(x[m], low[m], high[m], color=c, lw=0.6, alpha=0.5)
    ax.set_xlabel(xlabel)
    ax.yaxis.set_major_formatter(axis_formatter(units, unit))
    if groups is not None:
        ax.legend(fontsize=7, frameon=False, ncol=2 if len(keys) > 4 else 1, loc="best")
    ax.set_title(title)
    return to_svg(fig)


def lines(x, series, units, unit, title, xlabel):
    """Several series on one axis, e.g. the mean path of the base and of each variant."""
    fig, ax = figure()
    for k, (lab, y) in enumerate(series):
        ax.plot(x, y, color=PALETTE[k % len(PALETTE)], lw=2.0 if k == 0 else 1.4, label=lab)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.margins(x=0)
    ax.yaxis.set_major_formatter(axis_formatter(units, unit))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=8, frameon=False, loc="best")
    return to_svg(fig)


def stacked_areas(x, series, units, unit, title, xlabel):
    """Means of several parts of one whole, stacked (e.g. new customers by source)."""
    fig, ax = figure()
    labels = [s[0] for s in series]
    ax.stackplot(x, *[s[1] for s in series], labels=labels, colors=PALETTE[: len(series)], alpha=0.85)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.margins(x=0)
    ax.yaxis.set_major_formatter(axis_formatter(units, unit))
    ax.legend(fontsize=8, frameon=False, loc="upper left", ncol=2)
    return to_svg(fig)


def _tick(v):
    v = float(v)
    return f"{v:g}"


def _compact(v, units, unit):
    if unit.startswith("money"):
        a = abs(v)
        sign = "-" if v < 0 else ""
        if a >= 1e6:
            return f"{sign}{a / 1e6:.2f}M"
        if a >= 1e3:
            return f"{sign}{a / 1e3:.0f}k"
        return f"{v:.0f}"
    if unit == "percent":
        return f"{100 * v:.0f}%"
    return f"{v:,.3g}"


def dot_intervals(labels, values, intervals, units, unit, title, log=False, reference=None):
    """Estimates as dots with one or more nested intervals each (a forest plot), one row per label.

    intervals: list of (low[], high[], caption, line width), widest first."""
    n = len(labels)
    fig, ax = figure(6.4, 0.42 * n + 1.3)
    ys = np.arange(n)[::-1]
    for k, (low, high, caption, lw) in enumerate(intervals):
        ax.hlines(ys, low, high, color=BLUE if k == 0 else ORANGE, lw=lw, label=caption)
    ax.plot(values, ys, "o", color="#1d2430", ms=5, label="estimate")
    if reference is not None:
        ax.axvline(reference, color=GREY, lw=0.8, ls="--")
    if log:
        from matplotlib.ticker import LogLocator, NullFormatter
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
    else:
        ax.xaxis.set_major_formatter(axis_formatter(units, unit))
        ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.set_yticks(ys, labels)
    ax.set_ylim(-0.7, n - 0.3)
    ax.grid(axis="y", visible=False)
    ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12),
              ncol=len(intervals) + 1)
    ax.set_title(title)
    return to_svg(fig)


def tracking(x, actual, fitted, holdout, units, unit, title, xlabel, labels=("actual", "fitted")):
    """Observed against fitted values per period, the holdout periods shaded (the tracking plot)."""
    fig, ax = figure()
    x = np.asarray(x)
    holdout = np.asarray(holdout, bool)
    if holdout.any():
        start = x[holdout].min() - 0.5
        ax.axvspan(start, x.max() + 0.5, color=GREY, alpha=0.12, lw=0, label="holdout")
    ax.plot(x, actual, color="#1d2430", lw=1.6, marker="o" if len(x) <= 40 else None, ms=3, label=labels[0])
    ax.plot(x, fitted, color=ORANGE, lw=1.6, ls="--", label=labels[1])
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.margins(x=0.01)
    ax.yaxis.set_major_formatter(axis_formatter(units, unit))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=8, frameon=False, loc="best")
    return to_svg(fig)


def stacked_columns(categories, parts, units, unit, title):
    """One column per category (e.g. today's plan and the optimum), stacked from parts, each part
    labelled with its amount. parts: list of (label, [value per category])."""
    fig, ax = figure(6.4, 3.6)
    xs = np.arange(len(categories))
    bottom = np.zeros(len(categories))
    tallest = max(float(np.sum([np.asarray(v, dtype=float) for _, v in parts], axis=0).max()), 1e-12)
    for k, (lab, vals) in enumerate(parts):
        vals = np.asarray(vals, dtype=float)
        ax.bar(xs, vals, bottom=bottom, width=0.55, color=PALETTE[k % len(PALETTE)], alpha=0.85, label=lab)
        for x, b, v in zip(xs, bottom, vals):
            if v >= 0.07 * tallest:  # label only segments tall enough to hold it
                ax.text(x, b + v / 2, units.format(v, unit), ha="center", va="center", fontsize=7.5, color="white")
        bottom += vals
    ax.set_xticks(xs, categories)
    ax.grid(axis="x", visible=False)
    ax.yaxis.set_major_formatter(axis_formatter(units, unit))
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(title)
    return to_svg(fig)


def xy_lines(series, units, xunit, yunit, title, xlabel, marks=()):
    """Curves y(x) with markers, e.g. an efficient frontier. series: list of (label, x, y);
    marks: points to highlight, list of (label, x, y)."""
    fig, ax = figure()
    for k, (lab, x, y) in enumerate(series):
        ax.plot(x, y, color=PALETTE[k % len(PALETTE)], lw=1.6, marker="o", ms=4, label=lab)
    for lab, x, y in marks:
        ax.plot([x], [y], marker="*", ms=13, color=RED, ls="none", label=lab)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.xaxis.set_major_formatter(axis_formatter(units, xunit))
    ax.yaxis.set_major_formatter(axis_formatter(units, yunit))
    ax.legend(fontsize=8, frameon=False, loc="best")
    return to_svg(fig)


def hbars(labels, values, units, unit, title, reference=None, reference_label=""):
    """One horizontal bar per label (e.g. the value of the next dollar on each lever)."""
    n = len(labels)
    fig, ax = figure(6.4, 0.45 * n + 1.3)
    ys = np.arange(n)[::-1]
    vals = np.asarray(values, dtype=float)
    ax.barh(ys, vals, color=[GREEN if v >= 0 else RED for v in vals], alpha=0.85, height=0.6)
    ax.axvline(0, color="#1d2430", lw=0.8)
    if reference is not None and math.isfinite(reference):
        ax.axvline(reference, color=BLUE, lw=1.2, ls="--", label=reference_label)
        ax.legend(fontsize=8, frameon=False, loc="best")
    ax.set_yticks(ys, labels)
    ax.grid(axis="y", visible=False)
    ax.xaxis.set_major_formatter(axis_formatter(units, unit))
    ax.set_title(title)
    return to_svg(fig)
