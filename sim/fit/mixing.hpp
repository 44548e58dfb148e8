#pragma once

// Fitting beta mixing distributions: shared by the sBG and BG/BB estimators.
//
// A Beta(alpha, beta) mixing distribution is searched over its mean m = alpha / (alpha + beta)
// (logit scale) and its concentration kappa = alpha + beta (log scale). That parametrisation keeps
// the search well conditioned and makes the boundary visible: kappa -> infinity is a point mass at
// m, the homogeneous model, which the likelihood may prefer. The caller then reports the limit.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Dense>

namespace clvsim::fit::detail {

//! Concentration alpha + beta used to evaluate a mixing distribution at its homogeneous limit.
inline constexpr double LIMIT_KAPPA = 1e12;

//! Result of fitting k beta mixing distributions jointly.
struct MixingFit {
  Eigen::VectorXd log_ab;         //!< (log alpha_1, log beta_1, ..., log alpha_k, log beta_k)
  std::vector<bool> at_infinity;  //!< pair i ran off to alpha + beta = infinity
  std::vector<double> means;      //!< alpha_i / (alpha_i + beta_i)
};

//! Maximise ll(alpha_1, beta_1, ..., alpha_k, beta_k) over k beta mixing distributions, starting
//! from the given means. A pair whose homogeneous limit (concentration to infinity, the other
//! parameters maximised again) is at least as likely as the maximum found, to 1e-6, is reported
//! at_infinity, and the other parameters are those of that limit.
MixingFit fit_beta_mixtures(const std::function<double(const Eigen::VectorXd&)>& ll,
                            const std::vector<double>& start_means);

//! Single-pair convenience: the (log alpha, log beta) maximum, or nullopt at the boundary.
std::optional<Eigen::VectorXd> fit_beta_mixing(const std::function<double(double, double)>& ll,
                                               double start_mean);

//! "<what> is the same for every customer ..." note for a boundary solution.
std::string homogeneous_note(const std::string& what, double rate);

}  // namespace clvsim::fit::detail
