#!/usr/bin/python3
"""Write scenarios/donations.draws.csv: joint draws of the BG/BB donations fit.

The BG/BB model (Fader, Hardie & Shang 2010) is fitted by maximum likelihood to the 1995 donations
cohort (../shared/data/donations_1995_cohort.csv), on the log scale of (alpha, beta, gamma, delta);
the draws come from the asymptotic normal there, with the inverse observed information (central
differences) as covariance. Each draw is written as the engine's parameters: dropout (gamma,
delta) as churn_sbg, the mean purchase probability alpha / (alpha + beta) as orders_per_period.

Usage: tools/example_donations_draws.py [data.csv] [out.csv]
"""
import csv
import sys
from math import exp, lgamma, log

import numpy as np

DATA = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/donations_1995_cohort.csv"
OUT = sys.argv[2] if len(sys.argv) > 2 else "scenarios/donations.draws.csv"
DRAWS, SEED = 1000, 19952001


def lbeta(a, b):
    return lgamma(a) + lgamma(b) - lgamma(a + b)


rows = [tuple(int(r[k]) for k in ("frequency", "recency", "periods", "weights"))
        for r in csv.DictReader(open(DATA))]


def loglik(theta):
    """BG/BB log-likelihood (Fader, Hardie & Shang 2010, eq. 5) of (x, t_x, n) summaries."""
    a, b, g, d = np.exp(theta)
    total = 0.0
    for x, tx, n, w in rows:
        terms = [lbeta(a + x, b + n - x) - lbeta(a, b) + lbeta(g, d + n) - lbeta(g, d)]
        for i in range(n - tx):
            terms.append(lbeta(a + x, b + tx - x + i) - lbeta(a, b) +
                         lbeta(g + 1, d + tx + i) - lbeta(g, d))
        m = max(terms)
        total += w * (m + log(sum(exp(t - m) for t in terms)))
    return total


def gradient_hessian(theta, h=1e-4):
    k = len(theta)
    grad, hess = np.zeros(k), np.zeros((k, k))
    for i in range(k):
        e = np.eye(k)[i] * h
        grad[i] = (loglik(theta + e) - loglik(theta - e)) / (2 * h)
        for j in range(i, k):
            f = np.eye(k)[j] * h
            hess[i, j] = hess[j, i] = (loglik(theta + e + f) - loglik(theta + e - f) -
                                       loglik(theta - e + f) + loglik(theta - e - f)) / (4 * h * h)
    return grad, hess


theta = np.log([1.204, 0.750, 0.657, 2.783])  # the published fit, as a start
for _ in range(4):  # Newton steps to the maximum
    grad, hess = gradient_hessian(theta)
    theta = theta - np.linalg.solve(hess, grad)
_, hess = gradient_hessian(theta)
cov = np.linalg.inv(-hess)
a, b, g, d = np.exp(theta)
se = np.exp(theta) * np.sqrt(np.diag(cov))

draws = np.exp(np.random.default_rng(SEED).multivariate_normal(theta, cov, size=DRAWS))
with open(OUT, "w") as out:
    out.write("# Joint draws of the BG/BB fit to the 1995 donations cohort (Fader, Hardie & Shang 2010),\n")
    out.write("# from the asymptotic normal of the MLE on the log scale; tools/example_donations_draws.py.\n")
    out.write(f"# MLE alpha {a:.4f} ({se[0]:.4f}), beta {b:.4f} ({se[1]:.4f}), gamma {g:.4f} ({se[2]:.4f}), "
              f"delta {d:.4f} ({se[3]:.4f}); log-likelihood {loglik(theta):.1f}.\n")
    out.write("# churn_sbg = (gamma, delta); orders_per_period = alpha / (alpha + beta).\n")
    out.write("segments.donors.churn_sbg.alpha,segments.donors.churn_sbg.beta,"
              "segments.donors.orders_per_period\n")
    for da, db, dg, dd in draws:
        out.write(f"{dg:.6f},{dd:.6f},{da / (da + db):.6f}\n")
print(f"wrote {DRAWS} draws to {OUT}; MLE {a:.4f} {b:.4f} {g:.4f} {d:.4f}, SE {se.round(4)}")
