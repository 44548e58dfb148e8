#!/usr/bin/python3
"""Check the yearly figures of a report against its results file.

Usage: check_yearly.py REPORT.html RESULTS.h5

For a file with per-replication yearly totals (`yearly/` in every plan, docs/results.md):
  - the "Yearly figures" section has a chart per yearly figure and one table per plan, whose means
    and 90% intervals are the mean and the 5% and 95% quantiles (numpy's default, type 7) of the
    file's per-replication yearly values;
  - for variants, the "Change by year" table's mean change and interval of new and churned
    customers equal the statistics of the per-replication differences of the plans' yearly values.
For a file without them, the report shows no yearly interval (it cannot know them) and says why.
"""
import html
import re
import sys

import h5py
import numpy as np

FIGURES = {"revenue": "Revenue", "profit": "Profit", "discounted_profit": "NPV contribution",
           "new_customers": "New customers", "churned_customers": "Churned customers",
           "active_customers": "Active customers at year end"}


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def number(cell):
    return float(re.sub(r"[^0-9.+-]", "", cell.replace("−", "-")))


def near(shown, exact, what):
    # Shown rounded to its last digit.
    digits = len(shown.split(".")[1]) if "." in shown else 0
    tol = 0.5 * 10.0 ** -digits + 1e-9 * abs(exact)
    if not abs(number(shown) - exact) <= tol:
        fail(f"{what}: the report shows {shown}, the file gives {exact}")


def section(page, anchor):
    m = re.search(rf'<h2 id="{anchor}">(.*?)(?=<h2 |</main>)', page, re.S)
    return m.group(1) if m else None


def tables(block):
    """[(heading before the table or None, [[cell, ...], ...])]"""
    out = []
    for m in re.finditer(r"(?:<h3>(.*?)</h3>\s*)?<table>(.*?)</table>", block, re.S):
        rows = [[html.unescape(c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S)]
                for r in re.findall(r"<tr>(.*?)</tr>", m.group(2), re.S)]
        out.append((html.unescape(m.group(1)) if m.group(1) else None, rows))
    return out


def main(report, results):
    page = open(report, encoding="utf-8").read()
    f = h5py.File(results, "r")
    plans = {"base": f}
    plans.update({n: f[f"variants/{n}"] for n in f.get("variants", {})})
    block = section(page, "yearly")
    if block is None:
        fail("no Yearly figures section")
    if "yearly" not in f:
        if "interval" in " ".join(" ".join(r) for _, rows in tables(block) for r in rows):
            fail("yearly intervals shown for a file without per-replication yearly totals")
        if "need each replication's yearly totals" not in html.unescape(block):
            fail("the yearly section of a file without yearly totals does not say why it has no intervals")
        print("ok: no yearly intervals for a file without yearly totals")
        return
    charts = re.findall(r'<figure class="chart[^"]*">', block)
    if len(charts) != len(FIGURES):
        fail(f"{len(charts)} yearly charts, expected {len(FIGURES)}")
    found = tables(block)
    if len(found) != len(plans):
        fail(f"{len(found)} yearly tables for {len(plans)} plans")
    checked = 0
    for heading, rows in found:
        plan = heading or "base"
        g = plans[plan]["yearly"]
        header = rows[0]
        for name, lab in FIGURES.items():
            k = next(i for i, r in enumerate(rows) if r[0] == lab)
            values = g[name][()]
            for y in range(values.shape[0]):
                near(rows[k][y + 1], values[y].mean(), f"{plan} {name} {header[y + 1]} mean")
                lo, hi = rows[k + 1][y + 1].split(" to ")
                near(lo, np.quantile(values[y], 0.05), f"{plan} {name} {header[y + 1]} 5%")
                near(hi, np.quantile(values[y], 0.95), f"{plan} {name} {header[y + 1]} 95%")
                checked += 3
    if len(plans) > 1:
        block = section(page, "by-year")
        if block is None:
            fail("no Change by year section")
        (_, rows), = tables(block)
        for name in ("new_customers", "churned_customers"):
            for v in list(plans)[1:]:
                row = next((r for r in rows if r[0] == FIGURES[name] and r[1] == v), None)
                if row is None:
                    fail(f"no change by year of {name} for {v}")
                d = plans[v]["yearly"][name][()] - f["yearly"][name][()]
                for y in range(d.shape[0]):
                    m = re.match(r"(\S+) \((\S+) to (\S+)\)", row[y + 2])
                    near(m.group(1), d[y].mean(), f"{v} change in {name} year {y + 1}")
                    near(m.group(2), np.quantile(d[y], 0.05), f"{v} change in {name} year {y + 1} 5%")
                    near(m.group(3), np.quantile(d[y], 0.95), f"{v} change in {name} year {y + 1} 95%")
                    checked += 3
    print(f"ok: {checked} yearly figures equal the file's per-replication statistics")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    main(sys.argv[1], sys.argv[2])
