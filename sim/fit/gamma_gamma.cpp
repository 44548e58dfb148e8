#include "clvsim/fit/gamma_gamma.hpp"

#include <cmath>
#include <limits>
#include <map>

#include "clvsim/error.hpp"

namespace clvsim::fit {

double gamma_gamma_log_likelihood(double p, double q, double gamma, const SpendRow& r) {
  const double px = p * r.transactions;
  return std::lgamma(px + q) - std::lgamma(px) - std::lgamma(q) + q * std::log(gamma) +
         (px - 1.0) * std::log(r.mean_value) + px * std::log(r.transactions) -
         (px + q) * std::log(gamma + r.mean_value * r.transactions);
}

double gamma_gamma_log_likelihood(double p, double q, double gamma,
                                  const std::vector<SpendRow>& rows) {
  double ll = 0.0;
  for (const SpendRow& r : rows) ll += gamma_gamma_log_likelihood(p, q, gamma, r);
  return ll;
}

namespace {
// Customers grouped by their number of transactions x: the terms that depend on x only are
// computed once per group, the sum of log m once per group and not per evaluation.
struct SpendGroup {
  double x = 0, customers = 0, sum_log_m = 0;
  std::vector<double> m;
};

double grouped_log_likelihood(double p, double q, double gamma,
                              const std::vector<SpendGroup>& groups) {
  double ll = 0.0;
  const double lq = std::lgamma(q), log_g = std::log(gamma);
  for (const SpendGroup& g : groups) {
    const double px = p * g.x;
    ll += g.customers *
              (std::lgamma(px + q) - std::lgamma(px) - lq + q * log_g + px * std::log(g.x)) +
          (px - 1.0) * g.sum_log_m;
    double s = 0.0;
    for (double m : g.m) s += std::log(gamma + m * g.x);
    ll -= (px + q) * s;
  }
  return ll;
}
}  // namespace

double gamma_gamma_mean(double p, double q, double gamma) {
  return q > 1.0 ? p * gamma / (q - 1.0) : std::numeric_limits<double>::infinity();
}

double gamma_gamma_cv(double p, double q) {
  return q > 2.0 ? std::sqrt((q - 1.0 + p) / (p * (q - 2.0)))
                 : std::numeric_limits<double>::infinity();
}

FitResult fit_gamma_gamma(const std::vector<SpendRow>& rows) {
  double total = 0.0, n = 0.0;
  for (const SpendRow& r : rows) {
    if (!(r.transactions >= 1.0) || !(r.mean_value > 0.0))
      throw InputError(
          "gamma-gamma spend needs x >= 1 repeat transactions of positive mean value "
          "per customer");
    total += r.mean_value;
    n += 1.0;
  }
  if (n < 2.0)
    throw InputError("gamma-gamma spend needs at least two customers with repeat transactions");
  std::map<double, SpendGroup> by_x;
  for (const SpendRow& r : rows) {
    SpendGroup& g = by_x[r.transactions];
    g.x = r.transactions;
    g.customers += 1.0;
    g.sum_log_m += std::log(r.mean_value);
    g.m.push_back(r.mean_value);
  }
  std::vector<SpendGroup> groups;
  for (auto& [x, g] : by_x) groups.push_back(std::move(g));
  const Objective ll = [&](const Eigen::VectorXd& z) {
    return grouped_log_likelihood(std::exp(z[0]), std::exp(z[1]), std::exp(z[2]), groups);
  };
  // Start at p = 1, q = 2: mean spend p gamma / (q - 1) = gamma.
  const double mean = total / n;
  Eigen::VectorXd start(3), lower(3), upper(3);
  start << 0.0, std::log(2.0), std::log(mean);
  lower << -12.0, -12.0, std::log(mean) - 25.0;
  upper << 12.0, 12.0, std::log(mean) + 25.0;
  const Optimum o = maximize(ll, start, lower, upper);
  return make_result("gamma_gamma", {"p", "q", "gamma"}, {Scale::Log, Scale::Log, Scale::Log}, ll,
                     o.x, n);
}

}  // namespace clvsim::fit
