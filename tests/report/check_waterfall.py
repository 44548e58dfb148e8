#!/usr/bin/python3
"""The variants report's waterfall adds up: its parts (margin, acquisition, retention, win-back,
referral) sum to the mean change in profit that the results file states for every variant.

Usage: check_waterfall.py <source-dir> RESULTS.h5
"""
import sys

import h5py

sys.path.insert(0, f"{sys.argv[1]}/sim/report")
from clvsim_report.kinds._common import Context  # noqa: E402
from clvsim_report.kinds.variants import PROFIT_PARTS, Variant  # noqa: E402

with h5py.File(sys.argv[2], "r") as f:
    ctx = Context(f, sys.argv[2], "variants")
    for name in f["comparison"]:
        v = Variant(f, name, sys.argv[2])
        parts = 0.0
        for _, terms in PROFIT_PARTS:
            for metric, sign in terms:
                parts += sign * float(f[f"comparison/{name}/metrics/{metric}/delta_mean"][()].sum())
        s = f[f"comparison/{name}/summary"]
        names = [n.decode() if isinstance(n, bytes) else n for n in s["name"][()]]
        want = float(s["delta_mean"][names.index("profit")])
        scale = abs(float(s["base_mean"][names.index("profit")]))
        assert abs(parts - want) <= 1e-9 * scale, (name, parts, want)
        print(f"ok: {name}: parts sum to {parts:,.2f}, profit change {want:,.2f}")
