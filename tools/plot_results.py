#!/usr/bin/python3
"""Plot a per-period metric of a clvsim results file: mean, 25-75% and 5-95% bands.

Usage: /usr/bin/python3 tools/plot_results.py RESULTS.h5 METRIC [-o OUT.png]
Needs Debian's python3-h5py, python3-numpy and python3-matplotlib.
"""
import argparse
import sys

try:
    import h5py
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError as e:  # pragma: no cover
    sys.exit(f"plot_results: {e}; install python3-h5py and python3-matplotlib and run with /usr/bin/python3")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results")
    ap.add_argument("metric")
    ap.add_argument("-o", "--output", help="PNG file (default: <results>.<metric>.png)")
    a = ap.parse_args()
    with h5py.File(a.results, "r") as f:
        if f"metrics/{a.metric}" not in f:
            names = ", ".join(sorted(f["metrics"].keys()))
            sys.exit(f"plot_results: no metric '{a.metric}' in {a.results} (available: {names})")
        g = f[f"metrics/{a.metric}"]
        t = f["period"][:]
        q = g["quantiles"][:]
        fig, ax = plt.subplots(figsize=(8, 4.5))
        ax.fill_between(t, q[0], q[4], alpha=0.2, label="5-95%")
        ax.fill_between(t, q[1], q[3], alpha=0.35, label="25-75%")
        ax.plot(t, g["mean"][:], label="mean")
        ax.plot(t, g["expected"][:], "--", label="expected value")
        ax.set_xlabel(f"{f.attrs['period']}")
        ax.set_ylabel(f"{a.metric} ({g.attrs['unit']})")
        ax.set_title(f"{f.attrs['scenario_name']}: {g.attrs['description']}")
        ax.legend()
        fig.tight_layout()
        out = a.output or f"{a.results}.{a.metric}.png"
        fig.savefig(out, dpi=120)
        print(out)


if __name__ == "__main__":
    main()
