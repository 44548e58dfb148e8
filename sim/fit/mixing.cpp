#include "mixing.hpp"

#include <cmath>
#include <limits>
#include <sstream>

#include "clvsim/fit/estimate.hpp"

namespace clvsim::fit::detail {
namespace {
constexpr double LOG_KAPPA_MIN = -10.0;
constexpr double LOG_KAPPA_MAX = 18.0;  // kappa ~ 6.6e7: a beta this tight is a point mass
constexpr double LOGIT_MAX = 25.0;
}  // namespace

MixingFit fit_beta_mixtures(const std::function<double(const Eigen::VectorXd&)>& ll,
                            const std::vector<double>& start_means) {
  const auto k = static_cast<Eigen::Index>(start_means.size());
  auto natural = [k](const Eigen::VectorXd& u) {
    Eigen::VectorXd ab(2 * k);
    for (Eigen::Index i = 0; i < k; ++i) {
      const double m = from_transformed(Scale::Logit, u[2 * i]);
      const double kappa = std::exp(u[2 * i + 1]);
      ab[2 * i] = m * kappa;
      ab[2 * i + 1] = (1.0 - m) * kappa;
    }
    return ab;
  };
  const Objective f = [&](const Eigen::VectorXd& u) { return ll(natural(u)); };
  Eigen::VectorXd lower(2 * k), upper(2 * k);
  for (Eigen::Index i = 0; i < k; ++i) {
    lower[2 * i] = -LOGIT_MAX;
    upper[2 * i] = LOGIT_MAX;
    lower[2 * i + 1] = LOG_KAPPA_MIN;
    upper[2 * i + 1] = LOG_KAPPA_MAX;
  }
  // Starts: every combination of a diffuse (kappa 1) and a tight (kappa 20) mixing distribution.
  Optimum best;
  best.value = -std::numeric_limits<double>::infinity();
  for (int combo = 0; combo < (1 << k); ++combo) {
    Eigen::VectorXd u(2 * k);
    for (Eigen::Index i = 0; i < k; ++i) {
      const double m =
          std::min(std::max(start_means[static_cast<std::size_t>(i)], 1e-6), 1.0 - 1e-6);
      u[2 * i] = to_transformed(Scale::Logit, m);
      u[2 * i + 1] = (combo >> i) & 1 ? std::log(20.0) : 0.0;
    }
    // A coarse search from each start, then the best is polished.
    const Optimum o = maximize(f, u, lower, upper, 1e-6);
    if (o.value > best.value) best = o;
  }
  best = maximize(f, best.x, lower, upper);
  // Tight mixing distributions: is the homogeneous limit (concentration fixed at infinity, the
  // other coordinates maximised again) at least as likely? The likelihood is nearly flat in the
  // concentration out there, so the search may stop anywhere along that ridge.
  std::vector<bool> fixed(static_cast<std::size_t>(k), false);
  for (Eigen::Index i = 0; i < k; ++i) {
    if (best.x[2 * i + 1] <= std::log(100.0)) continue;
    std::vector<Eigen::Index> free;
    for (Eigen::Index j = 0; j < 2 * k; ++j) {
      const bool pinned = j == 2 * i + 1 || (j % 2 == 1 && fixed[static_cast<std::size_t>(j / 2)]);
      if (!pinned) free.push_back(j);
    }
    Eigen::VectorXd full = best.x;
    full[2 * i + 1] = std::log(LIMIT_KAPPA);
    const auto nf = static_cast<Eigen::Index>(free.size());
    const Objective profile = [&](const Eigen::VectorXd& v) {
      Eigen::VectorXd u = full;
      for (Eigen::Index j = 0; j < nf; ++j) u[free[static_cast<std::size_t>(j)]] = v[j];
      return f(u);
    };
    Eigen::VectorXd v(nf), lo(nf), hi(nf);
    for (Eigen::Index j = 0; j < nf; ++j) {
      const Eigen::Index c = free[static_cast<std::size_t>(j)];
      v[j] = full[c];
      lo[j] = lower[c];
      hi[j] = upper[c];
    }
    const Optimum o = maximize(profile, v, lo, hi);
    if (o.value >= best.value - 1e-6) {
      fixed[static_cast<std::size_t>(i)] = true;
      for (Eigen::Index j = 0; j < nf; ++j) full[free[static_cast<std::size_t>(j)]] = o.x[j];
      best.x = full;
      best.value = std::max(best.value, o.value);
    }
  }
  MixingFit r;
  r.log_ab = natural(best.x).array().log();
  for (Eigen::Index i = 0; i < k; ++i) {
    r.means.push_back(from_transformed(Scale::Logit, best.x[2 * i]));
    r.at_infinity.push_back(fixed[static_cast<std::size_t>(i)]);
  }
  return r;
}

std::optional<Eigen::VectorXd> fit_beta_mixing(const std::function<double(double, double)>& ll,
                                               double start_mean) {
  const MixingFit fit =
      fit_beta_mixtures([&](const Eigen::VectorXd& ab) { return ll(ab[0], ab[1]); }, {start_mean});
  if (fit.at_infinity[0]) return std::nullopt;
  return fit.log_ab;
}

std::string homogeneous_note(const std::string& what, double rate) {
  std::ostringstream os;
  os << "no heterogeneity: the likelihood rises as alpha + beta grows without bound, so the "
        "maximum-likelihood model is its limit, the same "
     << what << " probability " << rate << " for every customer";
  return os.str();
}

}  // namespace clvsim::fit::detail
