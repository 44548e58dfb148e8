#!/usr/bin/python3
"""Check an optimize report against its file.

Usage: check_optimize.py REPORT.html RESULTS.h5

  - the budget-split table shows each lever's today and recommended values as the file holds them
    (/variables/today, /variables/plan), and the first budget's totals Σ coefficient × lever;
  - the evaluation table shows the objective with its confidence interval (/evaluation/objective),
    and the change's 90% interval is the 5% and 95% quantiles of the paired difference
    (/evaluation/difference); the mean and 90% interval of the metric are /evaluation/statistics';
  - the frontier table lists every budget level with its expected optimum;
  - each section that has data has its charts.
"""
import html
import re
import sys

import h5py
import numpy as np


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def number(cell):
    return float(re.sub(r"[^0-9.+-]", "", cell))


def near(shown, exact, what):
    digits = len(shown.split(".")[1]) if "." in shown else 0
    if abs(number(shown) - exact) > 0.5 * 10.0 ** -digits + 1e-9 * abs(exact):
        fail(f"{what}: the report shows {shown}, the file holds {exact}")


def section(page, anchor):
    m = re.search(rf'<h2 id="{anchor}">(.*?)(?=<h2 |</main>)', page, re.S)
    if not m:
        fail(f"no section {anchor}")
    block = m.group(1)
    tables = [[[html.unescape(c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S)]
               for r in re.findall(r"<tr>(.*?)</tr>", t, re.S)] for t in re.findall(r"<table>(.*?)</table>", block, re.S)]
    return block, tables


def main(report, results):
    page = open(report, encoding="utf-8").read()
    f = h5py.File(results, "r")
    s = lambda d: [x.decode() if isinstance(x, bytes) else x for x in d[()]]  # noqa: E731
    names = s(f["variables/name"])
    block, tables = section(page, "split")
    rows = tables[0]
    header = rows[0]
    for i, n in enumerate(names):
        row = next(r for r in rows if r[0] == n)
        near(row[header.index("today")], f["variables/today"][i], f"{n} today")
        near(row[header.index("recommended")], f["variables/plan"][i], f"{n} recommended")
    coef = f["budgets/coefficients"][()]
    row = next(r for r in rows if r[0].startswith("budget "))
    near(row[header.index("today")], float(coef[0] @ f["variables/today"][()]), "budget today")
    near(row[header.index("recommended")], float(coef[0] @ f["variables/plan"][()]), "budget recommended")
    if len(re.findall(r'<figure class="chart', block)) != 1:
        fail("the budget split has no chart")

    block, tables = section(page, "evaluation")
    rows = tables[0]
    obj = f["evaluation/objective"][()]
    diff = f["evaluation/difference"][()]
    stats = f["evaluation/statistics"][()]
    desc = f.attrs["objective_description"]
    desc = desc.decode() if isinstance(desc, bytes) else desc
    row = next(r for r in rows if r[0] == desc)
    near(row[1], obj[0, 0], "today's objective")
    near(row[2], obj[1, 0], "the plan's objective")
    row = next(r for r in rows if "confidence interval" in r[0])
    for k in (0, 1):
        a, b = row[1 + k].split(" to ")
        near(a, obj[k, 1], "objective interval low")
        near(b, obj[k, 2], "objective interval high")
    row = next(r for r in rows if r[0] == "90% interval of the change")
    a, b = row[2].split(" to ")
    near(a, diff[4], "change 5%")
    near(b, diff[5], "change 95%")
    row = next(r for r in rows if r[0] == "90% interval")
    a, b = row[1].split(" to ")
    near(a, stats[0, 3], "today 5%")
    near(b, stats[0, 7], "today 95%")
    if len(re.findall(r'<figure class="chart', block)) != 2:
        fail("the evaluation does not have its two charts")

    block, tables = section(page, "margins")
    if len(re.findall(r'<figure class="chart', block)) != 1:
        fail("no marginal-return chart")
    rows = tables[0]
    for i, n in enumerate(names):
        near(next(r for r in rows if r[0] == n)[4], f["equity/value_per_dollar"][i], f"{n} value per dollar")

    block, tables = section(page, "frontier")
    rows = tables[0][1:]
    if len(rows) != len(f["frontier/scale"]):
        fail(f"{len(rows)} frontier rows for {len(f['frontier/scale'])} levels")
    for r, e in zip(rows, f["frontier/expected"][()]):
        near(r[2], e, "frontier expected")
    if len(re.findall(r'<figure class="chart', block)) != 2:
        fail("the frontier does not have its two charts")
    print("ok: the optimize report's figures equal the file's")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    main(sys.argv[1], sys.argv[2])
