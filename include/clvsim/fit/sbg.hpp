#pragma once

// Shifted-beta-geometric (sBG) contractual churn, Fader & Hardie (2007), "How to project customer
// retention", Journal of Interactive Marketing 21(1). Each customer churns at the end of a period
// with a constant probability theta, and theta ~ Beta(alpha, beta) across customers; the lifetime
// T (periods paid) has P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta).

#include <span>
#include <vector>

#include "clvsim/fit/estimate.hpp"

namespace clvsim::fit {

//! Right-censored lifetimes in whole periods, as counts.
struct SurvivalData {
  //! churned[t - 1]: customers whose lifetime was exactly t periods (t = 1, 2, ...).
  std::vector<double> churned;
  //! censored[t]: customers still active after t periods when observation stopped (t = 0, 1, ...).
  std::vector<double> censored;

  //! Add one customer: churned after `periods` (>= 1), or still active after `periods` (>= 0).
  void add_churned(int periods, double count = 1.0);
  void add_censored(int periods, double count = 1.0);
  [[nodiscard]] double customers() const;
  [[nodiscard]] double churners() const;
  //! Periods at risk: the sum over customers of periods observed (the geometric model's exposure).
  [[nodiscard]] double exposure() const;
};

//! A cohort survival table: alive[0] customers at acquisition, alive[t] still active after t
//! periods, observed through period alive.size() - 1. Counts must not increase.
SurvivalData survival_from_cohort(std::span<const double> alive);

//! log S(t) = log P(T > t) = sum_{i<t} log((beta + i) / (alpha + beta + i)).
double sbg_log_survival(double alpha, double beta, int t);
//! log P(T = t), t >= 1.
double sbg_log_churn_probability(double alpha, double beta, int t);
//! Log-likelihood of the data under sBG(alpha, beta).
double sbg_log_likelihood(const SurvivalData& data, double alpha, double beta);

//! Maximum-likelihood sBG fit: parameters "alpha" and "beta" (log scale). When the likelihood
//! keeps rising as alpha + beta grows (no heterogeneity in the data: every customer has the same
//! churn probability), the result is the limit of the model, the geometric distribution, with the
//! single parameter "churn" (logit scale) and model "geometric", and boundary_note says so.
//! Throws InputError if there are no customers or no churn at all.
FitResult fit_sbg(const SurvivalData& data);

//! Maximum-likelihood constant-churn (geometric) fit: churn = churners / exposure.
FitResult fit_geometric(const SurvivalData& data);

}  // namespace clvsim::fit
