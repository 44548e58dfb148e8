#pragma once

// clvsim fit: calibrate a scenario to a company's records.

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace clvsim::cli {

struct FitArgs {
  std::string subscriptions, transactions, cohorts, rf_summary, funnel, channels;
  std::string output;
  std::string base;
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
  bool force = false;
  bool quiet = false;
};

//! Register the `fit` subcommand on `app`, filling `args`.
CLI::App* add_fit_command(CLI::App& app, FitArgs& args);
//! Run it. Throws InputError for bad input; writes nothing unless everything succeeded.
int fit_command(const FitArgs& args, const std::string& command_line);

}  // namespace clvsim::cli
