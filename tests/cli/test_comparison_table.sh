#!/usr/bin/env bash
# The terminal comparison of variants: one side-by-side table of the base and every variant that
# fits the terminal's width (printed in parts, each repeating the labels and the base, when it
# cannot), with each variant's mean change and its 90% interval; every number is checked against
# the per-replication values of the results file.
# Usage: test_comparison_table.sh <clvsim> <source-dir>
set -u
clvsim=$1
src=$2
py=/usr/bin/python3
source "$(dirname "$0")/../common.sh"
cd "$tmp"

# Eight variants, some with long names: more than fit side by side in 100 columns.
cat >many.toml <<TOML
extends = "$src/scenarios/saas.toml"
[scenario]
name = "many_variants"
[variants.retention_plus_5]
scale = { "segments.*.churn_multiplier" = 0.77 }
[variants.budget_to_retention]
scale = { "channels.*.spend" = 0.8 }
add = { "retention.spend_per_customer" = 3.0 }
[variants.referral_off]
set = { "segments.*.referrals_per_customer" = 0 }
[variants.churn_up]
scale = { "segments.*.churn_multiplier" = 1.2 }
[variants.spend_double]
scale = { "channels.*.spend" = 2.0 }
[variants.spend_half]
scale = { "channels.*.spend" = 0.5 }
[variants.a_rather_long_variant_name_for_the_header]
scale = { "segments.*.churn_multiplier" = 0.9 }
[variants.spend_up_10]
scale = { "channels.*.spend" = 1.1 }
TOML

for cols in 100 80; do
  COLUMNS=$cols "$clvsim" run many.toml -r 60 -o many.h5 -f >out$cols.txt 2>err.txt
  check test $? -eq 0
  widest=$(awk '{ if (length > m) m = length } END { print m + 0 }' out$cols.txt)
  check test "$widest" -le "$cols"
  check grep -q "^change 5% and 95%: the 90% interval of the change" out$cols.txt
done
# The same results file both times (same seed): the tables describe it.
"$py" - many.h5 out100.txt out80.txt <<'PY' >table.txt 2>&1
import re
import sys

import h5py
import numpy as np

f = h5py.File(sys.argv[1], "r")
variants = list(f["comparison"].keys())
assert len(variants) == 8, variants
period = f.attrs["period"]
period = period.decode() if isinstance(period, bytes) else period
horizon = f"{int(f.attrs['horizon'])} {period}s"
cur = " (USD)"
rows = {f"NPV{cur}": ("npv", 0), f"Profit, {horizon}{cur}": ("profit", 0),
        f"Revenue, {horizon}{cur}": ("revenue", 0), "Active customers at end": ("active_customers", 0),
        f"New customers, {horizon}": ("new_customers", 0), f"Acquisition spend{cur}": ("acquisition_spend", 0),
        f"Retention spend{cur}": ("retention_spend", 0), f"CAC{cur}": ("cac", 2), "LTV/CAC": ("ltv_cac", 2)}


def number(cell):
    return float(cell.replace(",", "").replace("+", ""))


def near(shown, exact, decimals, what):
    # The table rounds to `decimals`: the shown value is within half a unit of the last digit.
    tol = 0.5 * 10.0 ** -decimals + 1e-9 * abs(exact)
    assert abs(number(shown) - exact) <= tol, (what, shown, exact)


def header_names(lines, i):
    """The column names of the header ending at line i: long names are broken over the lines above
    it, right-aligned like the column, so pieces that end at the same column are joined."""
    cells = lambda line: {m.end(): m.group(0) for m in re.finditer(r"\S+(?: \S+)*", line)}  # noqa: E731
    names = cells(lines[i])
    k = i - 1
    while k >= 0 and lines[k].strip():
        for end, piece in cells(lines[k]).items():
            assert end in names, (lines[k], "a header piece that ends in no column")
            names[end] = piece + names[end]
        k -= 1
    return [names[e] for e in sorted(names)]


def parse(path):
    """{variant: {(row label, sub-row): cell}} and the base column, from every part of the table."""
    lines = open(path).read().split("\n")
    start = next(i for i, l in enumerate(lines) if l.startswith("Variants against the base"))
    cells, base, parts = {}, {}, 0
    i = start
    while i < len(lines):
        tokens = re.split(r"\s{2,}", lines[i].strip())
        if tokens and tokens[0] == "base" and lines[i].startswith(" "):
            parts += 1
            names = header_names(lines, i)[1:]
            i += 1
            label = None
            while i < len(lines) and lines[i].strip() and not lines[i].startswith("Means over"):
                line = lines[i]
                if line.startswith("  "):
                    sub = re.split(r"\s{2,}", line.strip())
                    values = sub[1:]
                    assert len(values) == len(names), (line, names)
                    for n, v in zip(names, values):
                        cells.setdefault(n, {})[(label, sub[0])] = v
                else:
                    parts_ = re.split(r"\s{2,}", line.strip())
                    label = parts_[0]
                    assert len(parts_) == len(names) + 2, (line, names)
                    base.setdefault(label, set()).add(parts_[1])
                    for n, v in zip(names, parts_[2:]):
                        cells.setdefault(n, {})[(label, "mean")] = v
                i += 1
        elif lines[i].startswith("change by year"):
            break
        i += 1
    return cells, base, parts


def mean(x):
    x = x[~np.isnan(x)]
    return float(np.mean(x))


for path in sys.argv[2:]:
    cells, base, parts = parse(path)
    assert sorted(cells) == sorted(variants), (path, sorted(cells))
    assert parts >= 2, (path, parts)  # eight variants do not fit side by side
    for label, (total, dec) in rows.items():
        assert len(base[label]) == 1, (path, label, base[label])  # the base repeats unchanged
        near(next(iter(base[label])), mean(f[f"totals/{total}"][:]), dec, (path, label, "base"))
        for v in variants:
            c = cells[v]
            near(c[(label, "mean")], mean(f[f"variants/{v}/totals/{total}"][:]), dec, (path, v, label))
            d = f[f"comparison/{v}/totals/{total}/delta"][:]
            d = d[~np.isnan(d)]
            near(c[(label, "change")], float(np.mean(d)), dec, (path, v, label, "change"))
            near(c[(label, "change 5%")], float(np.quantile(d, 0.05)), dec, (path, v, label, "5%"))
            near(c[(label, "change 95%")], float(np.quantile(d, 0.95)), dec, (path, v, label, "95%"))
    for v in variants:
        b = float(f[f"comparison/{v}"].attrs["base_annual_retention"])
        w = float(f[f"comparison/{v}"].attrs["variant_annual_retention"])
        assert cells[v][("Annual retention", "mean")] == f"{100 * w:.1f}%", (v, w)
        near(cells[v][("Annual retention", "change (points)")], 100 * (w - b), 1, (v, "retention points"))

# The change by year: profit of year 2 for every variant, against the yearly deltas in the file.
text = open(sys.argv[2]).read()
lines = text.split("\n")
start = next(i for i, l in enumerate(lines) if l.startswith("change by year"))
names = header_names(lines, start)[1:]
lines = lines[start:]
for k, line in enumerate(lines):
    if line.startswith("profit, year 2"):
        means = re.split(r"\s{2,}", line.strip())[1:]
        lows = re.split(r"\s{2,}", lines[k + 1].strip())[1:]
        highs = re.split(r"\s{2,}", lines[k + 2].strip())[1:]
        for n, m, lo, hi in zip(names, means, lows, highs):
            g = f[f"comparison/{n}/by_year/profit"]
            near(m, float(g["delta_mean"][1]), 0, (n, "year 2"))
            near(lo, float(g["delta_interval90"][1, 0]), 0, (n, "year 2 low"))
            near(hi, float(g["delta_interval90"][1, 1]), 0, (n, "year 2 high"))
        break
else:
    raise AssertionError("no 'profit, year 2' row")
print("ok")
PY
check grep -q "^ok$" table.txt || cat table.txt

# A narrow terminal: the base is no longer repeated, every line still fits.
COLUMNS=50 "$clvsim" run many.toml -r 60 -o many.h5 -f >out50.txt 2>err.txt
check test "$(awk '{ if (length > m) m = length } END { print m + 0 }' out50.txt)" -le 50
check test "$(grep -c '^NPV (USD) ' out50.txt)" -eq 9  # one part for the base, one per variant

# A wide terminal: the table of three variants is one part, one header line.
COLUMNS=160 "$clvsim" run "$src/scenarios/saas_variants.toml" -r 20 -o three.h5 >wide.txt 2>err.txt
check test "$(grep -c '^ *base  retention_plus_5  budget_to_retention  referral_off$' wide.txt)" -eq 1

finish "cli comparison table"
