#pragma once

// Shared helpers for engine tests: loading scenarios and removing their uncertainty.

#include <string>

#include "clvsim/io/scenario_toml.hpp"
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

}  // namespace clvsim::test
