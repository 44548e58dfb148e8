#include "clvsim/fit/gamma_gamma.hpp"

#include <cmath>
#include <limits>

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

double gamma_gamma_mean(double p, double q, double gamma) {
  return q > 1.0 ? p * gamma / (q - 1.0) : std::numeric_limits<double>::infinity();
}

double gamma_gamma_cv(double p, double q) {
  return q > 2.0 ? std::sqrt((q - 1.0 + p) / (p * (q - 2.0))) : std::numeric_limits<double>::infinity();
}

FitResult fit_gamma_gamma(const std::vector<SpendRow>& rows) {
  double total = 0.0, n = 0.0;
  for (const SpendRow& r : rows) {
    if (!(r.transactions >= 1.0) || !(r.mean_value > 0.0))
      throw InputError("gamma-gamma spend needs x >= 1 repeat transactions of positive mean value "
                       "per customer");
    total += r.mean_value;
    n += 1.0;
  }
  if (n < 2.0)
    throw InputError("gamma-gamma spend needs at least two customers with repeat transactions");
  const Objective ll = [&](const Eigen::VectorXd& z) {
    return gamma_gamma_log_likelihood(std::exp(z[0]), std::exp(z[1]), std::exp(z[2]), rows);
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
