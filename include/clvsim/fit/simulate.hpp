#pragma once

// Synthetic data sets drawn from the fitted models, for coverage studies and benchmarks.

#include "clvsim/fit/bgbb.hpp"
#include "clvsim/fit/sbg.hpp"
#include "clvsim/random.hpp"

namespace clvsim::fit {

//! Lifetimes of `customers` customers acquired together, each with theta ~ Beta(alpha, beta) and
//! a geometric lifetime given theta, observed for `periods` periods (right-censored after).
SurvivalData simulate_sbg(double alpha, double beta, int customers, int periods, RandomStream& rng);

//! Recency-frequency summary of `customers` customers drawn from BG/BB over `periods`
//! opportunities: p ~ Beta(alpha, beta), theta ~ Beta(gamma, delta); alive at the start of a
//! period with probability 1 - theta, then a transaction with probability p.
RfSummary simulate_bgbb(const BgbbParams& params, int customers, int periods, RandomStream& rng);

//! Two-sided exact binomial test of H0: P(success) = p after k successes in n trials, for
//! coverage studies: p-value = min(1, 2 min(P(X <= k), P(X >= k))).
double binomial_p_value(int k, int n, double p);

}  // namespace clvsim::fit
