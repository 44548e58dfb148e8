#include "clvsim/fit/simulate.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "clvsim/samplers.hpp"

namespace clvsim::fit {

SurvivalData simulate_sbg(double alpha, double beta, int customers, int periods,
                          RandomStream& rng) {
  SurvivalData d;
  for (int i = 0; i < customers; ++i) {
    const double theta = beta_variate(rng, alpha, beta);
    int t = 1;
    while (t <= periods && !(rng.uniform() < theta)) ++t;
    if (t <= periods)
      d.add_churned(t);
    else
      d.add_censored(periods);
  }
  return d;
}

RfSummary simulate_bgbb(const BgbbParams& params, int customers, int periods, RandomStream& rng) {
  std::map<std::tuple<int, int>, double> cells;
  for (int i = 0; i < customers; ++i) {
    const double p = beta_variate(rng, params.alpha, params.beta);
    const double theta = beta_variate(rng, params.gamma, params.delta);
    int x = 0, tx = 0;
    for (int t = 1; t <= periods; ++t) {
      if (rng.uniform() < theta) break;
      if (rng.uniform() < p) ++x, tx = t;
    }
    cells[{x, tx}] += 1.0;
  }
  RfSummary s;
  for (const auto& [key, count] : cells)
    s.rows.push_back({std::get<0>(key), std::get<1>(key), periods, count});
  return s;
}

double binomial_p_value(int k, int n, double p) {
  auto pmf = [&](int i) {
    return std::exp(std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0) +
                    i * std::log(p) + (n - i) * std::log1p(-p));
  };
  double lower = 0.0, upper = 0.0;
  for (int i = 0; i <= k; ++i) lower += pmf(i);
  for (int i = k; i <= n; ++i) upper += pmf(i);
  return std::min(1.0, 2.0 * std::min(lower, upper));
}

}  // namespace clvsim::fit
