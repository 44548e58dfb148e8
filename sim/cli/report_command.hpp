#pragma once

#include <string>

namespace CLI {
class App;
}

namespace clvsim::cli {

//! Options of `clvsim report`.
struct ReportArgs {
  std::string results;
  std::string output;  //!< empty: the results file with .html
  std::string xlsx;    //!< empty: no workbook
  bool force = false;
};

//! Declare the `report` subcommand on app, filling a; returns the subcommand.
CLI::App* add_report_command(CLI::App& app, ReportArgs& a);

//! Run the report generator (the clvsim_report Python package) on a results file and return its
//! exit code: 0, 2 for bad input (a missing or unreadable results file, an existing output without
//! --force), 1 otherwise. The generator writes its outputs atomically.
int report_command(const ReportArgs& a);

}  // namespace clvsim::cli
