#pragma once

// The Monte Carlo driver: replications of one or more scenarios in one parallel pool.
//
// Replication r of every scenario uses the streams keyed by (seed, r), so scenarios given
// together are compared on common random numbers. Replications run in blocks of
// REPLICATION_BLOCK by global index; each block's trajectories are summarised in index order and
// the blocks merged in index order: bit-identical for any thread count, and memory independent
// of the number of replications but for the horizon (and yearly) totals.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "clvsim/engine.hpp"
#include "clvsim/scenario.hpp"
#include "clvsim/statistics.hpp"

namespace clvsim {

//! How the scenarios of one run draw their random numbers.
enum class Streams {
  Common,       //!< replication r of every scenario uses the same streams (paired comparison)
  Independent,  //!< every scenario has its own streams (only to measure what pairing gains)
};

struct RunOptions {
  int replications = 0;    //!< 0: the first scenario's simulation.replications
  std::uint64_t seed = 0;  //!< used when use_seed, else the first scenario's seed
  bool use_seed = false;
  int threads = 0;         //!< 0: max_threads()
  Streams streams = Streams::Common;
  //! Called on the calling thread's team member 0 as replications complete, and once at the end.
  std::function<void(std::size_t done, std::size_t total)> progress;
};

//! Per-replication yearly values kept for the comparisons by year: flows summed over the year's
//! periods, stocks at the year's last period.
struct YearlyMetric {
  const char* name;
  bool flow;
};
inline constexpr std::array<YearlyMetric, 4> YEARLY_METRICS = {
    {{"profit", true}, {"revenue", true}, {"discounted_profit", true}, {"active_customers", false}}};

//! Number of (possibly partial) years in `periods` periods.
int year_count(int periods, double periods_per_year);

//! Replications are summarised in blocks of this many, by global index, in index order; memory
//! does not grow with the number of replications except for the per-replication values below.
inline constexpr std::size_t REPLICATION_BLOCK = 1024;

//! Results of one scenario. Per-period metrics are summarised as replications complete
//! (StreamingStats); only the values that paired comparisons need are kept per replication.
struct ScenarioResults {
  std::string name;
  MetricLayout layout;
  int periods = 0;
  int replications = 0;
  int years = 0;
  std::vector<Stats> period_stats;       //!< [metric][period] over replications
  //! [metric][period] of the per-replication differences from the run's first scenario; empty
  //! for the first scenario itself.
  std::vector<Stats> paired_delta;
  std::vector<double> totals;            //!< [replication][Total]
  //! [replication][YEARLY_METRICS][year]; only when several scenarios run together.
  std::vector<double> yearly;
  //! [replication] mean per-period retention rate over the horizon (NaN if none); only when
  //! several scenarios run together.
  std::vector<double> mean_retention;
  std::vector<double> expected_metrics;  //!< [metric][period], expected-value mode at point values
  std::vector<double> expected_totals;   //!< [Total]
  std::vector<double> nominal_ltv;       //!< [segment] LTV at point values

  explicit ScenarioResults(const Scenario& s) : name(s.name), layout(s) {}

  [[nodiscard]] const Stats& stats(int m, int t) const {
    return period_stats[static_cast<std::size_t>(m) * periods + t];
  }
  [[nodiscard]] double total(std::size_t r, Total t) const {
    return totals[r * static_cast<std::size_t>(Total::Count_) + static_cast<std::size_t>(t)];
  }
  [[nodiscard]] double year_value(std::size_t r, std::size_t metric, int year) const {
    return yearly[(r * YEARLY_METRICS.size() + metric) * years + year];
  }
  //! Values of a total across replications.
  [[nodiscard]] std::vector<double> across(Total x) const;
};

struct RunResults {
  std::vector<ScenarioResults> scenarios;
  std::uint64_t seed = 0;
  int replications = 0;
  int threads = 1;
  Streams streams = Streams::Common;
  double wall_seconds = 0.0;
};

//! Run every scenario for the same replications and seed. Scenarios must share the horizon.
RunResults run_monte_carlo(std::span<const Scenario> scenarios, const RunOptions& options);

}  // namespace clvsim
