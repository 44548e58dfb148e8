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
//! is left at `path` unless the whole file was written. The per-replication values are read
//! from the results' store while the file is written, a chunk at a time.
void write_results_hdf5(const std::string& path, const RunResults& results,
                        std::span<const Scenario> scenarios, const RunContext& context,
                        Overwrite overwrite);

//! Write the per-period statistics as CSV, atomically: one row per scenario, metric and period
//! (a whole number), with mean, sd, std_error, quantiles and the expected value.
void write_results_csv(const std::string& path, const RunResults& results, Overwrite overwrite);

//! Write the statistics of the horizon totals as CSV: one row per scenario and total.
void write_totals_csv(const std::string& path, const RunResults& results, Overwrite overwrite);

//! Write the statistics of the yearly values as CSV: one row per scenario, yearly metric and year
//! (a whole number).
void write_yearly_csv(const std::string& path, const RunResults& results, Overwrite overwrite);

//! Write the paired comparison of every variant with the base: one row per variant and total.
void write_comparison_csv(const std::string& path, const RunResults& results,
                          std::span<const Scenario> scenarios, Overwrite overwrite);

//! Write the paired comparison by year: one row per variant, yearly metric (YEARLY_METRICS) and
//! year (a whole number).
void write_comparison_by_year_csv(const std::string& path, const RunResults& results,
                                  std::span<const Scenario> scenarios, Overwrite overwrite);

//! The same writers into an output's temporary file, without committing it: a run writes all
//! its outputs, then commits them together (commit_together).
void write_results_hdf5(AtomicOutput& output, const RunResults& results,
                        std::span<const Scenario> scenarios, const RunContext& context);
void write_results_csv(AtomicOutput& output, const RunResults& results);
void write_totals_csv(AtomicOutput& output, const RunResults& results);
void write_yearly_csv(AtomicOutput& output, const RunResults& results);
void write_comparison_csv(AtomicOutput& output, const RunResults& results,
                          std::span<const Scenario> scenarios);
void write_comparison_by_year_csv(AtomicOutput& output, const RunResults& results,
                                  std::span<const Scenario> scenarios);

//! The path of a CSV that accompanies `csv`: its stem + suffix + ".csv", in the same directory.
std::string companion_csv_path(const std::string& csv, const std::string& suffix);

}  // namespace clvsim
