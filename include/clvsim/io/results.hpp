#pragma once

// Writing run results: HDF5 (layout in docs/results.md) and a CSV summary.

#include <span>
#include <string>

#include "clvsim/io/atomic_file.hpp"
#include "clvsim/monte_carlo.hpp"
#include "clvsim/scenario.hpp"

namespace clvsim {

//! Facts about the run that are not in the results themselves.
struct RunContext {
  int ranks = 1;
  std::string command_line;
};

//! Write `results` of `scenarios` (the first is the base) to an HDF5 file, atomically: nothing
//! is left at `path` unless the whole file was written.
void write_results_hdf5(const std::string& path, const RunResults& results,
                        std::span<const Scenario> scenarios, const RunContext& context,
                        Overwrite overwrite);

//! Write a CSV summary: one row per metric and period, and one per horizon total (period
//! "total"), with mean, sd, std_error, quantiles and the expected value. Atomic as well.
void write_results_csv(const std::string& path, const RunResults& results, Overwrite overwrite);

//! Write the paired comparison of every variant with the base: one row per total (year "all")
//! and per year of profit, revenue, discounted profit and active customers.
void write_comparison_csv(const std::string& path, const RunResults& results,
                          std::span<const Scenario> scenarios, Overwrite overwrite);

}  // namespace clvsim
