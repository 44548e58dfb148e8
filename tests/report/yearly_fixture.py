#!/usr/bin/python3
"""Test fixture: add the per-replication yearly totals of docs/results.md to a run file that lacks
them, so that the report's yearly charts can be tested on files of the agreed layout.

Usage: yearly_fixture.py RESULTS.h5

The values are DERIVED, not simulated: replication r's value in year y is its horizon total times
the year's share of the mean trajectory (flows), or its active customers at the end times the ratio
of the mean at the year's end to the mean at the horizon's end (stocks). They have the layout and
the units of the real thing, and yearly sums equal to the horizon totals, which is all the report
tests need. Files that already hold `yearly/` are left alone (the real data then takes over), and
the comparison's `by_year/` gains new and churned customers only when it lacks them.
"""
import sys

import h5py
import numpy as np

#: yearly metric -> (horizon total, per-period metric, kind, unit)
LAYOUT = {
    "revenue": ("revenue", "revenue", "flow", "money"),
    "profit": ("profit", "profit", "flow", "money"),
    "discounted_profit": ("npv", "discounted_profit", "flow", "money"),
    "new_customers": ("new_customers", "new_customers", "flow", "customers"),
    "churned_customers": ("churned_customers", "churned_customers", "flow", "customers"),
    "active_customers": ("active_customers", "active_customers", "stock", "customers"),
}


def yearly_values(group, years, ppy):
    out = {}
    for name, (total, metric, kind, _) in LAYOUT.items():
        mean = group[f"metrics/{metric}/mean"][()]
        t = len(mean)
        per_year = np.array([mean[(y - 1) * ppy: min(y * ppy, t)][-1] if kind == "stock"
                             else mean[(y - 1) * ppy: min(y * ppy, t)].sum() for y in years])
        reference = mean[-1] if kind == "stock" else mean.sum()
        share = per_year / reference if reference != 0 else np.zeros(len(years))
        out[name] = np.outer(share, group[f"totals/{total}"][()])  # [Y, R]
    return out


def write_yearly(group, years, values, probabilities):
    g = group.create_group("yearly")
    g["year"] = np.asarray(years, dtype=np.int64)
    s = g.create_group("summary")
    for name, v in values.items():
        d = g.create_dataset(name, data=v)
        _, _, kind, unit = LAYOUT[name]
        d.attrs["unit"] = unit
        d.attrs["kind"] = kind
        d.attrs["description"] = f"fixture: {name} per year and replication, derived from the horizon totals"
        m = s.create_group(name)
        m["mean"] = v.mean(axis=1)
        m["sd"] = v.std(axis=1, ddof=1)
        m["std_error"] = v.std(axis=1, ddof=1) / np.sqrt(v.shape[1])
        m["quantiles"] = np.quantile(v, probabilities, axis=1).T  # [Y, 5]


def write_by_year(group, name, base, variant):
    d = variant - base  # [Y, R]
    n = d.shape[1]
    g = group.create_group(name)
    g["base_mean"] = base.mean(axis=1)
    g["variant_mean"] = variant.mean(axis=1)
    g["delta_mean"] = d.mean(axis=1)
    se = d.std(axis=1, ddof=1) / np.sqrt(n)
    g["delta_std_error"] = se
    g["unpaired_std_error"] = np.sqrt((base.var(axis=1, ddof=1) + variant.var(axis=1, ddof=1)) / n)
    g["p_variant_higher"] = (d > 0).mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        g["percent_change"] = 100 * d.mean(axis=1) / np.abs(base.mean(axis=1))
    g["delta_ci90"] = np.stack([d.mean(axis=1) - 1.6448536269514722 * se,
                                d.mean(axis=1) + 1.6448536269514722 * se], axis=1)
    g["delta_interval90"] = np.quantile(d, [0.05, 0.95], axis=1).T


def main(path):
    with h5py.File(path, "r+") as f:
        variants = list(f.get("variants", {}))
        if "yearly" in f:
            print(f"{path} already holds yearly/: left as it is")
        else:
            ppy = int(round(float(f.attrs["periods_per_year"])))
            t = len(f["period"][()])
            years = list(range(1, (t + ppy - 1) // ppy + 1))
            probabilities = f["quantile_probabilities"][()]
            write_yearly(f, years, yearly_values(f, years, ppy), probabilities)
            for name in variants:
                g = f[f"variants/{name}"]
                write_yearly(g, years, yearly_values(g, years, ppy), probabilities)
            print(f"{path}: added the yearly/ fixture ({len(years)} years)")
        for name in variants:
            by_year = f[f"comparison/{name}/by_year"]
            for metric in ("new_customers", "churned_customers"):
                if metric not in by_year:
                    write_by_year(by_year, metric, f[f"yearly/{metric}"][()], f[f"variants/{name}/yearly/{metric}"][()])
                    print(f"{path}: added comparison/{name}/by_year/{metric} from the yearly values")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    main(sys.argv[1])
