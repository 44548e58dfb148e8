#pragma once

// Shared helpers for engine tests: loading scenarios and removing their uncertainty.

#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "clvsim/io/scenario_toml.hpp"
#include "clvsim/engine.hpp"
#include "clvsim/model.hpp"
#include "clvsim/scenario.hpp"

namespace clvsim::test {

inline std::string source_path(const std::string& relative) {
  return std::string(CLVSIM_SOURCE_DIR) + "/" + relative;
}

inline Scenario load_example(const std::string& name) {
  return read_scenario_file(source_path("scenarios/" + name + ".toml"));
}

//! Fix every uncertain parameter at its point value, so the Monte Carlo model and the
//! expected-value mode describe the same process.
inline Scenario without_uncertainty(Scenario s) {
  for_each_param(s, [](Param& p) { p.dist.reset(); });
  return s;
}

//! The expected-value trajectory of a scenario at its point values, read by metric name.
struct ExpectedRun {
  std::vector<double> metrics;
  MetricLayout layout;
  int T;
  [[nodiscard]] double at(const std::string& name, int t) const {
    const int i = layout.index(name);
    REQUIRE(i >= 0);
    return metrics[static_cast<std::size_t>(i) * T + t];
  }
};

inline ExpectedRun expected_run(const Scenario& s) {
  const ModelParams m = resolve_nominal(s);
  ExpectedRun r{std::vector<double>(static_cast<std::size_t>(MetricLayout(s).size()) * m.horizon),
                MetricLayout(s), m.horizon};
  std::vector<double> totals(static_cast<std::size_t>(Total::Count_));
  expected_trajectory(m, r.metrics, totals);
  return r;
}

//! Every replication's trajectory, [replication][metric][period], for tests that need the
//! per-replication values the Monte Carlo driver only summarises: replication r of
//! run_monte_carlo (common streams, seed `seed`) computed alone.
struct Trajectories {
  int periods = 0, metrics = 0, replications = 0;
  std::vector<double> values;
  [[nodiscard]] std::vector<double> across(int m, int t) const {
    std::vector<double> v;
    for (int r = 0; r < replications; ++r)
      v.push_back(values[(static_cast<std::size_t>(r) * metrics + m) * periods + t]);
    return v;
  }
};

inline Trajectories simulate_trajectories(const Scenario& s, int replications, std::uint64_t seed) {
  Trajectories out;
  out.periods = s.simulation.horizon;
  out.metrics = MetricLayout(s).size();
  out.replications = replications;
  const std::size_t size = static_cast<std::size_t>(out.metrics) * out.periods;
  out.values.resize(size * replications);
  std::vector<double> totals(static_cast<std::size_t>(Total::Count_));
  for (int r = 0; r < replications; ++r) {
    const ModelParams m = resolve(s, seed, static_cast<std::uint64_t>(r));
    simulate_replication(m, seed, static_cast<std::uint64_t>(r),
                         std::span<double>(&out.values[size * r], size), totals);
  }
  return out;
}

}  // namespace clvsim::test
