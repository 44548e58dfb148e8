#pragma once

// BG/BB: beta-geometric/beta-Bernoulli repeat buying in discrete time, Fader, Hardie & Shang
// (2010), "Customer-base analysis in a discrete-time noncontractual setting", Marketing Science
// 29(6). While alive a customer buys in each period with probability p, p ~ Beta(alpha, beta);
// at the start of each period an alive customer dies with probability theta,
// theta ~ Beta(gamma, delta); p and theta are independent.

#include <cstdint>
#include <vector>

#include "clvsim/fit/estimate.hpp"

namespace clvsim::fit {

//! Customers summarised by recency and frequency over n transaction opportunities.
struct RfRow {
  int frequency = 0;  //!< x: periods with a repeat transaction, 0..n
  int recency = 0;    //!< t_x: the last such period (0 when x = 0)
  int periods = 0;    //!< n: opportunities observed
  double count = 0;   //!< customers with this (x, t_x, n)
};

//! A recency-frequency summary; rows with equal (x, t_x, n) may repeat.
struct RfSummary {
  std::vector<RfRow> rows;
  [[nodiscard]] double customers() const;
};

struct BgbbParams {
  double alpha = 1, beta = 1, gamma = 1, delta = 1;
};

//! Log-likelihood of one customer with (x, t_x, n) (FHS 2010, eq. 5).
double bgbb_log_likelihood(const BgbbParams& p, int x, int tx, int n);
//! Sum over the summary, weighted by counts.
double bgbb_log_likelihood(const BgbbParams& p, const RfSummary& data);
//! Expected repeat transactions in the first n periods of a new customer:
//! E[X(n)] = alpha/(alpha+beta) * sum_{t=1..n} B(gamma, delta + t) / B(gamma, delta)
//! (equal to FHS 2010 eq. 7 when gamma != 1).
double bgbb_expected_transactions(const BgbbParams& p, int n);
//! P(alive at period t) = B(gamma, delta + t) / B(gamma, delta).
double bgbb_survival(double gamma, double delta, int t);

//! Maximum-likelihood BG/BB fit: "alpha", "beta", "gamma", "delta" (log scale). A mixing
//! distribution that runs off to infinity is replaced by its limit: "p" (the same purchase
//! probability for everyone) for alpha and beta, "theta" (the same dropout probability) for
//! gamma and delta, on the logit scale; model becomes "bgbb" with boundary_note set.
FitResult fit_bgbb(const RfSummary& data);

//! Parameters of a BG/BB fit, with a limit reported as a mixing distribution of concentration
//! 1e12 (for forecasts).
BgbbParams bgbb_params(const FitResult& fit);

}  // namespace clvsim::fit
