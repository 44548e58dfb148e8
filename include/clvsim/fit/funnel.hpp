#pragma once

// Funnel stage rates and channel responses from observed counts.

#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "clvsim/fit/estimate.hpp"

namespace clvsim::fit {

//! Outcomes of prospect-periods in one stage: in its first period a prospect is fresh, in later
//! periods nurtured; each period it advances, drops out or stays.
struct StageCounts {
  std::string stage;
  double fresh_advance = 0, fresh_drop = 0, fresh_stay = 0;
  double nurtured_advance = 0, nurtured_drop = 0, nurtured_stay = 0;
};

//! A rate with its maximum-likelihood estimate and its posterior under a uniform prior:
//! the (advance, drop, stay) probabilities of a period get a Dirichlet(1 + a, 1 + d, 1 + s)
//! posterior, whose margins are Beta(1 + a, 2 + d + s) and Beta(1 + d, 2 + a + s).
struct RateEstimate {
  double mle = 0;          //!< count / trials (0 without trials)
  double posterior_a = 1;  //!< Beta posterior parameters of the margin
  double posterior_b = 1;
  double lower = 0, upper = 1;  //!< 95% equal-tailed posterior interval
  double trials = 0;
  [[nodiscard]] double posterior_mean() const { return posterior_a / (posterior_a + posterior_b); }
};

struct StageRates {
  std::string stage;
  RateEstimate advance, drop, nurtured_advance, nurtured_drop;
};

//! Rates of every stage.
std::vector<StageRates> fit_funnel(const std::vector<StageCounts>& counts);

//! Joint posterior draws: `count` rows, columns (advance, drop, nurtured_advance, nurtured_drop)
//! for each stage in order; fresh and nurtured (advance, drop) pairs are Dirichlet draws, so each
//! pair sums to at most 1.
Eigen::MatrixXd draw_funnel(const std::vector<StageCounts>& counts, int count, std::uint64_t seed);

//! One period of one acquisition channel.
struct ChannelPeriod {
  double spend = 0;
  double leads = 0;
};

//! Linear response: leads ~ Poisson(spend / cost_per_lead); parameter "cost_per_lead" (log scale),
//! whose estimate is total spend / total leads.
FitResult fit_linear_channel(const std::vector<ChannelPeriod>& history);
//! Saturating response: leads ~ Poisson(max_leads * spend / (spend + half_saturation_spend));
//! parameters "max_leads", "half_saturation_spend" (log scale). Needs at least two distinct
//! positive spends.
FitResult fit_saturating_channel(const std::vector<ChannelPeriod>& history);

}  // namespace clvsim::fit
