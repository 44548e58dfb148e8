#include "clvsim/compare.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "clvsim/statistics.hpp"

namespace clvsim {
namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
// The one interval convention of clvsim: 90%, from the 5% to the 95% quantile.
constexpr double Z90 = 1.6448536269514722;  // the standard normal's 95% quantile

double mean_of(const std::vector<double>& v) {
  double s = 0.0;
  for (double x : v) s += x;
  return v.empty() ? NaN : s / static_cast<double>(v.size());
}

double variance_of(const std::vector<double>& v, double mean) {
  if (v.size() < 2) return 0.0;
  double s = 0.0;
  for (double x : v) s += (x - mean) * (x - mean);
  return s / static_cast<double>(v.size() - 1);
}

}  // namespace

DeltaSummary summarize_delta(std::span<const double> base, std::span<const double> variant) {
  std::vector<double> b, v, d;
  for (std::size_t i = 0; i < base.size() && i < variant.size(); ++i) {
    if (std::isnan(base[i]) || std::isnan(variant[i])) continue;
    b.push_back(base[i]);
    v.push_back(variant[i]);
    d.push_back(variant[i] - base[i]);
  }
  DeltaSummary s;
  s.n = d.size();
  if (d.empty()) {
    s.base_mean = s.variant_mean = s.mean = s.std_error = s.ci_low = s.ci_high = s.q_low = s.q_high =
        s.unpaired_std_error = s.p_higher = s.percent = NaN;
    return s;
  }
  const double n = static_cast<double>(d.size());
  s.base_mean = mean_of(b);
  s.variant_mean = mean_of(v);
  s.mean = mean_of(d);
  s.std_error = std::sqrt(variance_of(d, s.mean) / n);
  s.ci_low = s.mean - Z90 * s.std_error;
  s.ci_high = s.mean + Z90 * s.std_error;
  s.unpaired_std_error = std::sqrt((variance_of(b, s.base_mean) + variance_of(v, s.variant_mean)) / n);
  std::size_t higher = 0;
  for (double x : d) higher += x > 0.0 ? 1 : 0;
  s.p_higher = static_cast<double>(higher) / n;
  s.percent = s.base_mean != 0.0 ? 100.0 * s.mean / std::fabs(s.base_mean) : NaN;
  std::sort(d.begin(), d.end());
  s.q_low = quantile_sorted(d, 0.05);
  s.q_high = quantile_sorted(d, 0.95);
  return s;
}

Comparison compare(const ScenarioResults& base, const ScenarioResults& variant, double periods_per_year) {
  CLVSIM_EXPECT(base.replications == variant.replications && base.periods == variant.periods &&
                base.years == variant.years);
  Comparison c;
  c.variant = variant.name;
  const int R = base.replications;
  for (int i = 0; i < static_cast<int>(Total::Count_); ++i) {
    const auto t = static_cast<Total>(i);
    c.totals.push_back(summarize_delta(base.across(t), variant.across(t)));
  }

  // Yearly deltas: flows summed over the year's periods, stocks at the year's last period.
  for (std::size_t i = 0; i < YEARLY_METRICS.size(); ++i) {
    YearlyDelta yd{YEARLY_METRICS[i].name, {}};
    for (int y = 0; y < base.years; ++y)
      yd.years.push_back(summarize_delta(base.yearly(i, y), variant.yearly(i, y)));
    c.by_year.push_back(std::move(yd));
  }

  // Retention: the horizon's mean per-period retention rate, annualised, averaged over
  // replications.
  auto annual_retention = [&](const ScenarioResults& res) {
    std::vector<double> per_rep;
    for (double x : res.column(res.retention_column()))
      if (!std::isnan(x)) per_rep.push_back(std::pow(x, periods_per_year));
    return mean_of(per_rep);
  };
  c.base_annual_retention = annual_retention(base);
  c.variant_annual_retention = annual_retention(variant);

  // What the extra acquisition spend buys: change in customer value acquired per unit of
  // change in acquisition cost (spend + referral rewards).
  struct Acquired {
    std::vector<double> value, cost;  // per replication
  };
  auto acquired = [&](const ScenarioResults& res) {
    const std::vector<double> n = res.across(Total::NewCustomers), ltv = res.across(Total::Ltv),
                              cac = res.across(Total::Cac),
                              spend = res.across(Total::AcquisitionSpend);
    Acquired a{std::vector<double>(n.size()), std::vector<double>(n.size())};
    for (std::size_t r = 0; r < n.size(); ++r) {
      a.value[r] = n[r] > 0.0 ? ltv[r] * n[r] : 0.0;
      a.cost[r] = n[r] > 0.0 ? cac[r] * n[r] : spend[r];
    }
    return a;
  };
  const Acquired ab = acquired(base), av = acquired(variant);
  double d_value = 0.0, d_cost = 0.0, base_cost = 0.0;
  for (int r = 0; r < R; ++r) {
    d_value += av.value[r] - ab.value[r];
    d_cost += av.cost[r] - ab.cost[r];
    base_cost += ab.cost[r];
  }
  // Only meaningful when the acquisition cost really changes (by 1% or more).
  c.marginal_ltv_cac = std::fabs(d_cost) >= 0.01 * std::fabs(base_cost) && d_cost != 0.0 ? d_value / d_cost : NaN;
  return c;
}

}  // namespace clvsim
