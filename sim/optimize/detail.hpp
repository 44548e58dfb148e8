#pragma once

// Internals shared by the optimize library's files.

#include <vector>

#include "clvsim/engine.hpp"
#include "clvsim/scenario.hpp"

namespace clvsim::optimize::detail {

//! Expected metrics ([metric][period]) and totals of a scenario at its point values.
void expected_run(const Scenario& s, Total metric, std::vector<double>& metrics,
                  std::vector<double>& totals);

}  // namespace clvsim::optimize::detail
