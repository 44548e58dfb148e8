#pragma once

// Summary statistics over replications, in a fixed order so they are bit-identical for any
// thread count.

#include <array>
#include <cstddef>
#include <span>

namespace clvsim {

//! Quantile probabilities reported for every metric.
inline constexpr std::array<double, 5> QUANTILES = {0.05, 0.25, 0.50, 0.75, 0.95};

struct Stats {
  double mean = 0.0;
  double sd = 0.0;         //!< sample standard deviation (n - 1)
  double std_error = 0.0;  //!< sd / sqrt(n)
  std::array<double, QUANTILES.size()> q{};
  std::size_t n = 0;       //!< values used: NaN (an undefined ratio) is left out
};

//! Mean, sd and quantiles (linear interpolation between order statistics, numpy's default) of
//! the non-NaN values. Infinite values take part (a payback that never happens). All NaN if no
//! value is left.
Stats summarize(std::span<const double> values);

//! The p-quantile of sorted values by linear interpolation.
double quantile_sorted(std::span<const double> sorted, double p);

}  // namespace clvsim
