#!/usr/bin/python3
"""Checks the NumPy peer (bench/numpy_peer.py) against clvsim on the default scenario, with its
cash flows booked at the end of each period (as written) and at the start (simulation.booking =
"start": sign-up payments, discounting and customer value of the start convention), in a finite
market, for the business and per segment, and on the credit-card scenario (value curves and
initial customers by tenure), on the bank scenario (retention spend per period, win-back by
recency), on the donations scenario (BG/BB: sBG dropout and Bernoulli orders), and with win-back
by recency in both returning_churn conventions (the default scenario, and the credit-card
scenario's value curves).

- Expected-value mode: every metric, period and total, and the LTV per segment, agree with
  clvsim's to 1e-12 (relative to the quantity's scale).
- Monte Carlo: every per-period mean and every total's mean agree within 4 combined standard
  errors (the two tools use different random numbers, so only statistical agreement is
  expected). The seeds are fixed, so the check does not flake.

Usage: check_numpy_peer.py CLVSIM [replications]   (exit 0 when both checks pass)
"""

import os
import re
import subprocess
import sys
import tempfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIO = os.path.join(HERE, "..", "scenarios", "saas.toml")
# Value curves by tenure and initial customers by tenure (its variants, which the peer does not
# read, are left out).
CREDIT_CARD = os.path.join(HERE, "..", "scenarios", "credit_card.toml")
# Fixed retention spend.
BANK = os.path.join(HERE, "..", "scenarios", "bank.toml")
# BG/BB: sBG dropout and Bernoulli orders (without its joint parameter draws, which the peer does
# not read).
DONATIONS = os.path.join(HERE, "..", "scenarios", "donations.toml")
sys.path.insert(0, HERE)
import numpy_peer  # noqa: E402


def start_booking(text):
    """The scenario's text with simulation.booking = "start" (the table exists, without it)."""
    assert "booking" not in text and text.count("[simulation]\n") == 1
    return text.replace("[simulation]\n", '[simulation]\nbooking = "start"\n')


def poisson_orders(text):
    """The scenario's text with Poisson orders of gamma values (cv 0.3) instead of fixed orders,
    so that the sign-up payments of start booking are drawn, not fixed."""
    out = re.sub(r'(?m)^order_model = "fixed".*$', "order_value_cv = 0.3", text)
    assert out != text and "order_value_cv = 0.3" in out
    return out


def with_market(text, potential):
    """The scenario's text with a finite market: [market] potential = <potential>."""
    assert "[market]" not in text
    return text + "\n[market]\npotential = " + potential + "\n"


def with_winback(text, convention):
    """The scenario's text with its [winback] table (or a new one) replaced by win-back by
    recency (one uncertain element) and returning_churn = <convention>."""
    table = ("[winback]\nattempt_cost = 8\nwindow = 5\n"
             'success_probability = [0.12, 0.07, { dist = "beta", alpha = 4, beta = 96 }, 0.02, 0.01]\n'
             f'returning_churn = "{convention}"\n')
    if "[winback]" not in text:
        cut = text.find("\n[variants.")
        return (text[:cut] + "\n" + table + text[cut:]) if cut >= 0 else text + "\n" + table
    out = re.sub(r"(?ms)^\[winback\]\n.*?(?=^\[|\Z)", table + "\n", text)
    assert out != text and out.count("[winback]") == 1
    return out


def without_variants(text):
    """The scenario's text up to its first [variants.<name>] table (they come last)."""
    cut = text.find("\n[variants.")
    rest = text[cut:] if cut >= 0 else ""
    assert all(line.startswith(("[variants.", "description", "add", "set", "scale", "#")) or not line.strip()
               for line in rest.splitlines())
    return text[:cut] if cut >= 0 else text


def without_table(text, name):
    """The scenario's text without its [name] table (from its header to the next header)."""
    out = re.sub(r"(?ms)^\[" + name + r"\]\n.*?(?=^\[|\Z)", "", text)
    assert out != text and "[" + name + "]" not in out
    return out


def main():
    clvsim = sys.argv[1]
    R = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    failures = []
    with open(SCENARIO) as fh:
        text = fh.read()
    with tempfile.TemporaryDirectory() as tmp:
        cases = [("end booking", SCENARIO)]
        for label, stem, changed in [("start booking", "saas_start", start_booking(text)),
                                     ("start booking, Poisson orders", "saas_start_poisson",
                                      poisson_orders(start_booking(text))),
                                     # About as many people as the horizon's contacts, so the
                                     # market fills visibly; per segment, the pipeline is split.
                                     ("finite market", "saas_market", with_market(text, "25000")),
                                     ("market per segment", "saas_market_segments",
                                      with_market(text, "{ basic = 16000, premium = 6000 }")),
                                     ("value by tenure (credit card)", "credit_card",
                                      without_variants(open(CREDIT_CARD).read())),
                                     ("value by tenure, start booking", "credit_card_start",
                                      start_booking(without_variants(open(CREDIT_CARD).read()))),
                                     ("fixed retention spend (bank)", "bank", open(BANK).read()),
                                     ("Bernoulli orders (donations)", "donations",
                                      without_table(open(DONATIONS).read(), "parameter_draws")),
                                     ("win-back by recency, same period", "saas_recency_same",
                                      with_winback(text, "same_period")),
                                     ("win-back by recency, next period", "saas_recency_next",
                                      with_winback(text, "next_period")),
                                     ("win-back next period, value by tenure", "credit_card_next",
                                      with_winback(without_variants(open(CREDIT_CARD).read()),
                                                   "next_period"))]:
            path = os.path.join(tmp, stem + ".toml")
            with open(path, "w") as fh:
                fh.write(changed)
            cases.append((label, path))
        for label, path in cases:
            print(f"{label}:")
            failures += [f"{label}: {msg}" for msg in check(clvsim, path, R, tmp)]
    for msg in failures:
        print("FAIL:", msg)
    return 1 if failures else 0


def check(clvsim, scenario, R, tmp):
    """Compares the peer with clvsim on one scenario; returns the failures."""
    failures = []
    stem = os.path.splitext(os.path.basename(scenario))[0]
    h5 = os.path.join(tmp, stem + ".h5")
    subprocess.run([clvsim, "run", scenario, "-r", str(R), "-t", "1", "-q", "-o", h5],
                   check=True, env=dict(os.environ, OMP_NUM_THREADS="1"))
    exp = os.path.join(tmp, stem + ".expected.npz")
    mc = os.path.join(tmp, stem + ".mc.npz")
    numpy_peer.main([scenario, "--expected", "-o", exp])
    numpy_peer.main([scenario, "-r", str(R), "--seed", "12345", "-o", mc])
    e = np.load(exp)
    m = np.load(mc)
    with h5py.File(h5, "r") as f:
        # Expected-value mode: exact agreement up to rounding.
        worst = 0.0
        compared = 0
        names = list(f["metrics"])
        peer_names = {k.split("/", 1)[1] for k in e.files if k.startswith("expected/")}
        # The peer implements every metric: the two sets are the same.
        unknown = set(names) - peer_names
        if unknown or peer_names - set(names):
            failures.append(f"metric sets differ: {sorted(unknown | (peer_names - set(names)))}")
        for name in [n for n in names if n in peer_names]:
            ref = f["metrics"][name]["expected"][()]
            got = e[f"expected/{name}"]
            both = np.isfinite(ref) & np.isfinite(got)
            if not np.array_equal(np.isfinite(ref), np.isfinite(got)):
                failures.append(f"expected {name}: undefined in different periods")
            scale = max(np.max(np.abs(ref[both]), initial=0.0), 1e-300)
            err = np.max(np.abs(ref[both] - got[both]), initial=0.0) / scale
            worst = max(worst, err)
            compared += int(both.sum())
            if err > 1e-12:
                failures.append(f"expected {name}: relative difference {err:.3g} > 1e-12")
        rows = [x.decode() if isinstance(x, bytes) else x for x in f["summary"]["name"][()]]
        peer_totals = {k.split("/", 1)[1] for k in e.files if k.startswith("expected_total/")}
        for i, name in enumerate(rows):
            ref = f["summary"]["expected"][i]
            got = float(e[f"expected_total/{name}"])
            if np.isfinite(ref) or np.isfinite(got):
                err = abs(ref - got) / max(abs(ref), 1e-300)
                worst = max(worst, err)
                compared += 1
                if not err <= 1e-12:
                    failures.append(f"expected total {name}: {got!r} against {ref!r}")
        ltv_ref = f["ltv"]["value"][()]
        err = np.max(np.abs(ltv_ref - e["ltv"]) / np.abs(ltv_ref))
        worst = max(worst, err)
        if err > 1e-12:
            failures.append(f"ltv: relative difference {err:.3g}")
        print(f"expected-value mode: {compared} values, largest relative difference {worst:.2e}")

        # Monte Carlo: within 4 combined standard errors.
        z_max, n_cmp = 0.0, 0
        for name in [n for n in names if n in peer_names]:
            g = f["metrics"][name]
            ref_mean, ref_se = g["mean"][()], g["std_error"][()]
            got_mean, got_se = m[f"mean/{name}"], m[f"std_error/{name}"]
            se = np.sqrt(ref_se**2 + got_se**2)
            ok = np.isfinite(ref_mean) & np.isfinite(got_mean) & np.isfinite(se)
            for t in np.nonzero(ok)[0]:
                n_cmp += 1
                diff = abs(ref_mean[t] - got_mean[t])
                if se[t] == 0.0:
                    if diff > 1e-9 * max(1.0, abs(ref_mean[t])):
                        failures.append(f"{name}[{t + 1}]: {got_mean[t]} against {ref_mean[t]} (no variance)")
                    continue
                z = diff / se[t]
                z_max = max(z_max, z)
                if z > 4.0:
                    failures.append(f"{name}[{t + 1}]: mean {got_mean[t]:.6g} against {ref_mean[t]:.6g}, {z:.2f} standard errors")
        for i, name in enumerate(rows):
            if name not in peer_totals:
                continue
            ref_mean, ref_se = f["summary"]["mean"][i], f["summary"]["std_error"][i]
            got_mean, got_se = float(m[f"total_mean/{name}"]), float(m[f"total_std_error/{name}"])
            se = np.hypot(ref_se, got_se)
            if np.isfinite(ref_mean) and np.isfinite(got_mean) and se > 0:
                n_cmp += 1
                if abs(ref_mean - got_mean) <= 1e-9 * max(1.0, abs(ref_mean)):
                    continue  # equal to rounding: a total without variance (its sd is rounding)
                z = abs(ref_mean - got_mean) / se
                z_max = max(z_max, z)
                if z > 4.0:
                    failures.append(f"total {name}: mean {got_mean:.6g} against {ref_mean:.6g}, {z:.2f} standard errors")
        print(f"Monte Carlo, {R} replications each: {n_cmp} means, largest difference {z_max:.2f} standard errors")
    return failures


if __name__ == "__main__":
    sys.exit(main())
