#pragma once

// Fitting a scenario to a company's records (`clvsim fit`, docs/calibration.md): the options
// name the data files and how to read them; the run writes the scenario, its joint draws and the
// fit report, all three or none.

#include <cstdint>
#include <optional>
#include <string>

namespace clvsim::fit {

//! What to fit and where to write it; each field is the `clvsim fit` option of the same name
//! (docs/calibration.md).
struct FitOptions {
  std::string subscriptions, transactions, cohorts, rf_summary, funnel, channels;  //!< data files
  std::string output;  //!< the scenario to write; also <stem>.draws.csv and <stem>.fit.h5
  std::string base;    //!< write a fragment that extends this scenario
  std::string period = "month";
  std::optional<int> horizon;
  int draws = 1000;
  std::uint64_t seed = 20070101;
  std::string segment;
  std::string calibration_end;
  std::string as_of;
  std::optional<double> cohort_size;
  std::optional<int> calibration_periods;
  std::string layout = "csv";
  std::string id_column = "customer_id", date_column = "date", amount_column = "amount";
  std::string start_column = "start", end_column = "end", segment_column;
  std::string stages;
  std::string response;
  std::optional<double> order_value;
  bool force = false;  //!< overwrite existing outputs
};

//! What a fit wrote, and its printed report.
struct FitRun {
  std::string scenario, draws, report;  //!< the paths written: .toml, .draws.csv, .fit.h5
  std::string text;                     //!< the fit report (estimates, intervals, holdouts)
  std::string summary;                  //!< one line naming the files written
};

//! Read the data, fit, and write the three files together. Throws InputError for bad input
//! (nothing is written then).
FitRun run_fit(const FitOptions& options, const std::string& command_line);

}  // namespace clvsim::fit
