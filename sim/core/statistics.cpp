#include "clvsim/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace clvsim {

double quantile_sorted(std::span<const double> sorted, double p) {
  if (sorted.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double h = p * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double a = sorted[lo], b = sorted[hi];
  const double t = h - static_cast<double>(lo);
  // Also keeps infinities out of inf - inf, and out of 0 * inf when h falls on a finite order
  // statistic followed by +inf (the median of 2k + 1 paybacks, k + 1 of which never happen).
  if (a == b || t == 0.0) return a;
  return a + t * (b - a);
}

Stats summarize(std::span<const double> values) {
  std::vector<double> v;
  v.reserve(values.size());
  for (double x : values)
    if (!std::isnan(x)) v.push_back(x);
  Stats s;
  s.n = v.size();
  if (v.empty()) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    s.mean = s.sd = s.std_error = nan;
    s.q.fill(nan);
    return s;
  }
  double sum = 0.0;
  for (double x : v) sum += x;
  s.mean = sum / static_cast<double>(v.size());
  double ss = 0.0;
  for (double x : v) ss += (x - s.mean) * (x - s.mean);
  s.sd = v.size() > 1 ? std::sqrt(ss / static_cast<double>(v.size() - 1)) : 0.0;
  s.std_error = s.sd / std::sqrt(static_cast<double>(v.size()));
  std::sort(v.begin(), v.end());
  for (std::size_t i = 0; i < QUANTILES.size(); ++i) s.q[i] = quantile_sorted(v, QUANTILES[i]);
  return s;
}

}  // namespace clvsim
