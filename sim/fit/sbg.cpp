#include "clvsim/fit/sbg.hpp"

#include <cmath>
#include <limits>

#include "clvsim/error.hpp"
#include "mixing.hpp"

namespace clvsim::fit {

void SurvivalData::add_churned(int periods, double count) {
  CLVSIM_EXPECT(periods >= 1);
  if (churned.size() < static_cast<std::size_t>(periods)) churned.resize(periods, 0.0);
  churned[periods - 1] += count;
}

void SurvivalData::add_censored(int periods, double count) {
  CLVSIM_EXPECT(periods >= 0);
  if (censored.size() <= static_cast<std::size_t>(periods)) censored.resize(periods + 1, 0.0);
  censored[periods] += count;
}

double SurvivalData::customers() const {
  double n = 0.0;
  for (double c : churned) n += c;
  for (double c : censored) n += c;
  return n;
}

double SurvivalData::churners() const {
  double n = 0.0;
  for (double c : churned) n += c;
  return n;
}

double SurvivalData::exposure() const {
  double e = 0.0;
  for (std::size_t t = 0; t < churned.size(); ++t) e += churned[t] * static_cast<double>(t + 1);
  for (std::size_t t = 0; t < censored.size(); ++t) e += censored[t] * static_cast<double>(t);
  return e;
}

SurvivalData survival_from_cohort(std::span<const double> alive) {
  SurvivalData d;
  if (alive.size() < 2) throw InputError("a cohort table needs at least two periods (0 and 1)");
  for (std::size_t t = 1; t < alive.size(); ++t) {
    const double lost = alive[t - 1] - alive[t];
    if (lost < 0.0)
      throw InputError("cohort counts increase from period " + std::to_string(t - 1) + " to " +
                       std::to_string(t) + " (customers still active cannot grow)");
    if (lost > 0.0) d.add_churned(static_cast<int>(t), lost);
  }
  if (alive.back() > 0.0) d.add_censored(static_cast<int>(alive.size() - 1), alive.back());
  return d;
}

double sbg_log_survival(double alpha, double beta, int t) {
  double s = 0.0;
  for (int i = 0; i < t; ++i) s += std::log1p(-alpha / (alpha + beta + i));
  return s;
}

double sbg_log_churn_probability(double alpha, double beta, int t) {
  return sbg_log_survival(alpha, beta, t - 1) + std::log(alpha / (alpha + beta + t - 1));
}

double sbg_log_likelihood(const SurvivalData& data, double alpha, double beta) {
  // One pass over t: log S(t) accumulates, P(T = t) = S(t - 1) alpha / (alpha + beta + t - 1).
  const std::size_t tmax = std::max(data.churned.size(), data.censored.size());
  double ll = 0.0;
  double log_s = 0.0;  // log S(t) for the current t
  for (std::size_t t = 1; t <= tmax; ++t) {
    const double hazard = alpha / (alpha + beta + static_cast<double>(t - 1));
    if (t <= data.churned.size() && data.churned[t - 1] > 0.0)
      ll += data.churned[t - 1] * (log_s + std::log(hazard));
    log_s += std::log1p(-hazard);
    if (t < data.censored.size() && data.censored[t] > 0.0) ll += data.censored[t] * log_s;
  }
  return ll;
}

FitResult fit_geometric(const SurvivalData& data) {
  const double churners = data.churners();
  const double exposure = data.exposure();
  if (data.customers() <= 0.0) throw InputError("no customers to fit churn to");
  if (churners <= 0.0)
    throw InputError(
        "no customer churned in the data: churn cannot be estimated (at least one "
        "ended subscription is needed)");
  if (churners >= exposure)
    throw InputError("every customer churned after one period: churn is 1, nothing to estimate");
  const Objective ll = [&](const Eigen::VectorXd& z) {
    const double c = from_transformed(Scale::Logit, z[0]);
    return churners * std::log(c) + (exposure - churners) * std::log1p(-c);
  };
  Eigen::VectorXd z(1);
  z[0] = to_transformed(Scale::Logit, churners / exposure);
  return make_result("geometric", {"churn"}, {Scale::Logit}, ll, z, data.customers());
}

FitResult fit_sbg(const SurvivalData& data) {
  const FitResult geometric = fit_geometric(data);
  const double c = geometric.params[0].estimate;
  const auto ll = [&](double alpha, double beta) { return sbg_log_likelihood(data, alpha, beta); };
  const auto fit = detail::fit_beta_mixing(ll, c);
  if (!fit) {
    FitResult r = geometric;
    r.boundary_note = detail::homogeneous_note("churn", c);
    return r;
  }
  const Objective on_log = [&](const Eigen::VectorXd& z) {
    return sbg_log_likelihood(data, std::exp(z[0]), std::exp(z[1]));
  };
  return make_result("sbg", {"alpha", "beta"}, {Scale::Log, Scale::Log}, on_log, *fit,
                     data.customers());
}

}  // namespace clvsim::fit
