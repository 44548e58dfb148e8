#pragma once

#include <string>

#include "clvsim/io/atomic_file.hpp"
#include "clvsim/scenario.hpp"
#include "clvsim/sensitivity.hpp"

namespace clvsim {

//! Write a sensitivity analysis (layout in docs/results.md), atomically.
void write_sensitivity_hdf5(const std::string& path, const SensitivityResult& result, const Scenario& scenario,
                            const SensitivitySpec& spec, int threads, int ranks, double wall_seconds,
                            const std::string& command_line, Overwrite overwrite);

}  // namespace clvsim
