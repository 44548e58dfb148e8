#include "clvsim/fit/funnel.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <boost/math/special_functions/beta.hpp>

#include "clvsim/error.hpp"
#include "clvsim/random.hpp"
#include "clvsim/samplers.hpp"

namespace clvsim::fit {
namespace {

RateEstimate rate(double hits, double others) {
  RateEstimate r;
  r.trials = hits + others;
  r.mle = r.trials > 0 ? hits / r.trials : 0.0;
  r.posterior_a = 1.0 + hits;
  // The margin of Dirichlet(1 + hits, 1 + x, 1 + y) is Beta(1 + hits, 2 + x + y).
  r.posterior_b = 2.0 + others;
  r.lower = boost::math::ibeta_inv(r.posterior_a, r.posterior_b, 0.025);
  r.upper = boost::math::ibeta_inv(r.posterior_a, r.posterior_b, 0.975);
  return r;
}

}  // namespace

std::vector<StageRates> fit_funnel(const std::vector<StageCounts>& counts) {
  std::vector<StageRates> out;
  for (const StageCounts& c : counts) {
    StageRates s;
    s.stage = c.stage;
    s.advance = rate(c.fresh_advance, c.fresh_drop + c.fresh_stay);
    s.drop = rate(c.fresh_drop, c.fresh_advance + c.fresh_stay);
    s.nurtured_advance = rate(c.nurtured_advance, c.nurtured_drop + c.nurtured_stay);
    s.nurtured_drop = rate(c.nurtured_drop, c.nurtured_advance + c.nurtured_stay);
    out.push_back(s);
  }
  return out;
}

Eigen::MatrixXd draw_funnel(const std::vector<StageCounts>& counts, int count, std::uint64_t seed) {
  const auto stages = static_cast<Eigen::Index>(counts.size());
  Eigen::MatrixXd out(count, 4 * stages);
  RandomStream rng(seed, 0, Purpose::FitDraws, hash_name("funnel"));
  for (int d = 0; d < count; ++d) {
    for (Eigen::Index s = 0; s < stages; ++s) {
      const StageCounts& c = counts[static_cast<std::size_t>(s)];
      const double fa = gamma(rng, 1.0 + c.fresh_advance, 1.0);
      const double fd = gamma(rng, 1.0 + c.fresh_drop, 1.0);
      const double fs = gamma(rng, 1.0 + c.fresh_stay, 1.0);
      const double na = gamma(rng, 1.0 + c.nurtured_advance, 1.0);
      const double nd = gamma(rng, 1.0 + c.nurtured_drop, 1.0);
      const double ns = gamma(rng, 1.0 + c.nurtured_stay, 1.0);
      out(d, 4 * s + 0) = fa / (fa + fd + fs);
      out(d, 4 * s + 1) = fd / (fa + fd + fs);
      out(d, 4 * s + 2) = na / (na + nd + ns);
      out(d, 4 * s + 3) = nd / (na + nd + ns);
    }
  }
  return out;
}

FitResult fit_linear_channel(const std::vector<ChannelPeriod>& history) {
  double spend = 0.0, leads = 0.0;
  for (const ChannelPeriod& p : history) spend += p.spend, leads += p.leads;
  if (spend <= 0.0 || leads <= 0.0)
    throw InputError("a channel needs some spend and some leads to estimate its cost per lead");
  const Objective ll = [&](const Eigen::VectorXd& z) {
    const double rate = std::exp(-z[0]);  // leads per unit of spend
    return leads * std::log(rate) - spend * rate;
  };
  Eigen::VectorXd z(1);
  z[0] = std::log(spend / leads);
  return make_result("linear_channel", {"cost_per_lead"}, {Scale::Log}, ll, z,
                     static_cast<double>(history.size()));
}

FitResult fit_saturating_channel(const std::vector<ChannelPeriod>& history) {
  std::set<double> spends;
  double max_spend = 0.0, max_leads = 0.0, leads = 0.0;
  for (const ChannelPeriod& p : history) {
    if (p.spend > 0.0) spends.insert(p.spend);
    max_spend = std::max(max_spend, p.spend);
    max_leads = std::max(max_leads, p.leads);
    leads += p.leads;
  }
  if (spends.size() < 2 || leads <= 0.0)
    throw InputError(
        "a saturating response needs leads at two or more different spends (with "
        "one spend only the cost per lead can be estimated: use the linear response)");
  const Objective ll = [&](const Eigen::VectorXd& z) {
    const double m = std::exp(z[0]), h = std::exp(z[1]);
    double s = 0.0;
    for (const ChannelPeriod& p : history) {
      const double mu = m * p.spend / (p.spend + h);
      if (mu > 0.0)
        s += p.leads * std::log(mu) - mu;
      else if (p.leads > 0.0)
        return -std::numeric_limits<double>::infinity();
    }
    return s;
  };
  Eigen::VectorXd start(2), lower(2), upper(2);
  start << std::log(2.0 * max_leads + 1.0), std::log(max_spend);
  lower << std::log(max_leads + 1e-9) - 1.0, std::log(max_spend) - 20.0;
  upper << std::log(max_leads + 1.0) + 20.0, std::log(max_spend) + 20.0;
  const Optimum o = maximize(ll, start, lower, upper);
  return make_result("saturating_channel", {"max_leads", "half_saturation_spend"},
                     {Scale::Log, Scale::Log}, ll, o.x, static_cast<double>(history.size()));
}

}  // namespace clvsim::fit
