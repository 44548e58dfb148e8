#!/usr/bin/python3
"""Check a fit report (clvsim fit's .fit.h5) against its file.

Usage: check_fit.py REPORT.html RESULTS.fit.h5

  - every fit has a table whose estimates and 95% intervals are the file's (to the 4 significant
    digits shown), and whose 90% interval is the 95% one narrowed on the log scale: centred on
    log(estimate) with a half-width 1.6449/1.9600 of the 95% interval's (the estimates of these
    models are all positive and their intervals are computed on the log scale, docs/calibration.md);
  - every tracking table has its chart(s), and the table's observed and fitted sums over the
    calibration and holdout periods are the file's;
  - a funnel's rates are the file's, as percentages.
"""
import html
import math
import re
import sys

import h5py
import numpy as np


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def number(cell):
    return float(cell.replace(",", "").replace("%", ""))


def close(shown, exact, what, digits=4):
    # Shown with `digits` significant digits.
    if exact == 0 or not math.isclose(number(shown), exact, rel_tol=0.51 * 10 ** (1 - digits)):
        if not (exact == 0 and number(shown) == 0):
            fail(f"{what}: the report shows {shown}, the file holds {exact}")


def tables_after(page, anchor):
    m = re.search(rf'<h2 id="{anchor}">(.*?)(?=<h2 |</main>)', page, re.S)
    if not m:
        return None, []
    block = m.group(1)
    out = []
    for t in re.finditer(r"<table>(.*?)</table>", block, re.S):
        out.append([[html.unescape(c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S)]
                    for r in re.findall(r"<tr>(.*?)</tr>", t.group(1), re.S)])
    return block, out


def main(report, results):
    page = open(report, encoding="utf-8").read()
    f = h5py.File(results, "r")
    checked = 0
    fits = [f["fits"][k] for k in sorted(f["fits"], key=int)] if "fits" in f else []
    if fits:
        block, tables = tables_after(page, "parameters")
        if block is None or len(tables) != len(fits):
            fail(f"{len(tables)} parameter tables for {len(fits)} fits")
        if len(re.findall(r'<figure class="chart', block)) != len(fits):
            fail("not one interval chart per fit")
        for g, rows in zip(fits, tables):
            names = [n.decode() if isinstance(n, bytes) else n for n in g["parameter"][()]]
            for i, n in enumerate(names):
                row = next(r for r in rows if r[0] == n)
                est, lo95, hi95 = g["estimate"][i], g["lower95"][i], g["upper95"][i]
                close(row[1], est, f"{n} estimate")
                a, b = row[4].split(" to ")
                close(a, lo95, f"{n} 95% low")
                close(b, hi95, f"{n} 95% high")
                a, b = (number(x) for x in row[3].split(" to "))
                if not lo95 < a < est < b < hi95:
                    fail(f"{n}: the 90% interval {row[3]} is not inside the 95% interval around {est}")
                mid = (math.log(a) + math.log(b)) / 2
                ratio = (math.log(b) - math.log(a)) / (math.log(hi95) - math.log(lo95))
                if abs(mid - math.log(est)) > 2e-3 or abs(ratio - 1.6448536 / 1.9599640) > 2e-3:
                    fail(f"{n}: 90% interval {row[3]} is not the 95% one narrowed on the log scale "
                         f"(centre {math.exp(mid)}, width ratio {ratio})")
                checked += 4
    holdouts = [f["holdout"][k] for k in sorted(f["holdout"], key=int)] if "holdout" in f else []
    if holdouts:
        block, tables = tables_after(page, "tracking")
        charts = len(re.findall(r'<figure class="chart', block))
        if charts < len(holdouts):
            fail(f"{charts} tracking charts for {len(holdouts)} tables")
        for g, rows in zip(holdouts, tables):
            hold = g["holdout"][()].astype(bool)
            for part, mask in (("calibration", ~hold), ("holdout", hold)):
                if not mask.any():
                    continue
                row = next(r for r in rows if r[0] == part)
                if int(row[1]) != mask.sum():
                    fail(f"{part}: {row[1]} periods, the file has {mask.sum()}")
                for col, data in ((2, g["actual"][()]), (3, g["forecast"][()])):
                    if abs(number(row[col]) - data[mask].sum()) > 0.05 + 1e-9 * abs(data[mask].sum()):
                        fail(f"{part} sum {row[col]} != {data[mask].sum()}")
                checked += 3
    if "funnel" in f:
        block, tables = tables_after(page, "funnel")
        g = f["funnel"]
        stages = [s.decode() if isinstance(s, bytes) else s for s in g["stage"][()]]
        rows = tables[0]
        for i, s in enumerate(stages):
            row = next(r for r in rows if r[0] == s and r[1] == "advance")
            if abs(number(row[2]) - 100 * g["advance_mle"][i]) > 0.051:
                fail(f"{s} advance {row[2]} != {g['advance_mle'][i]}")
            checked += 1
    if checked == 0:
        fail("nothing checked")
    print(f"ok: {checked} figures of the fit report equal the file's")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    main(sys.argv[1], sys.argv[2])
