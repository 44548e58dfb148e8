#pragma once

// Paired comparison of a variant with its base. Replication r of both used the same random
// streams, so the per-replication difference isolates the effect of the change.

#include <span>
#include <string>
#include <vector>

#include "clvsim/monte_carlo.hpp"

namespace clvsim {

//! Statistics of the per-replication differences variant - base. Pairs in which either value is
//! NaN (an undefined ratio) are left out.
struct DeltaSummary {
  double base_mean = 0.0;
  double variant_mean = 0.0;
  double mean = 0.0;          //!< mean paired difference
  double std_error = 0.0;     //!< its standard error, sd(differences) / sqrt(n)
  double ci_low = 0.0;        //!< 90% confidence interval of the mean difference (normal, 1.645 SE)
  double ci_high = 0.0;
  double q_low = 0.0;         //!< 5% and 95% quantiles of the differences: where the
  double q_high = 0.0;        //!< difference for this business lies, parameter uncertainty included
  double unpaired_std_error = 0.0;  //!< sqrt((var base + var variant) / n): the SE without pairing
  double p_higher = 0.0;      //!< share of replications in which the variant's value is higher
  double percent = 0.0;       //!< 100 * mean / |base_mean|
  std::size_t n = 0;
};

DeltaSummary summarize_delta(std::span<const double> base, std::span<const double> variant);

struct YearlyDelta {
  std::string metric;               //!< a YEARLY_METRICS name
  std::vector<DeltaSummary> years;  //!< year 1, 2, ...: sums over the year's periods; stocks at year end
};

struct Comparison {
  std::string variant;
  std::vector<DeltaSummary> totals;   //!< [Total::Count_]
  std::vector<YearlyDelta> by_year;
  double base_annual_retention = 0.0;     //!< mean over replications of the horizon's average
  double variant_annual_retention = 0.0;  //!< per-period retention rate, to the power periods/year
  //! Change in customer value acquired / change in acquisition cost; NaN unless the acquisition
  //! cost changes by at least 1%.
  double marginal_ltv_cac = 0.0;
};

//! Compare `variant` with `base` (same replications, same seed). `periods_per_year` groups
//! periods into years.
Comparison compare(const ScenarioResults& base, const ScenarioResults& variant, double periods_per_year);

}  // namespace clvsim
