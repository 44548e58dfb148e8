#pragma once

// The Monte Carlo driver: replications of one or more scenarios in one parallel pool.
//
// Replication r of every scenario uses the streams keyed by (seed, r), so scenarios given
// together are compared on common random numbers. Results are stored by (scenario, replication)
// index and reduced in a fixed order: bit-identical for any thread count.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "clvsim/engine.hpp"
#include "clvsim/scenario.hpp"

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

//! Results of one scenario.
struct ScenarioResults {
  std::string name;
  MetricLayout layout;
  int periods = 0;
  int replications = 0;
  std::vector<double> metrics;           //!< [replication][metric][period]
  std::vector<double> totals;            //!< [replication][Total]
  std::vector<double> expected_metrics;  //!< [metric][period], expected-value mode at point values
  std::vector<double> expected_totals;   //!< [Total]
  std::vector<double> nominal_ltv;       //!< [segment] LTV at point values

  explicit ScenarioResults(const Scenario& s) : name(s.name), layout(s) {}

  [[nodiscard]] std::span<const double> metric(std::size_t r, int m) const {
    return {&metrics[(r * layout.size() + m) * periods], static_cast<std::size_t>(periods)};
  }
  [[nodiscard]] double total(std::size_t r, Total t) const {
    return totals[r * static_cast<std::size_t>(Total::Count_) + static_cast<std::size_t>(t)];
  }
  //! Values of metric m at period t across replications.
  [[nodiscard]] std::vector<double> across(int m, int t) const;
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
