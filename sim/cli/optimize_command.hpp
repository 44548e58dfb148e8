#pragma once

#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace clvsim::cli {

struct OptimizeArgs {
  std::string scenario;
  std::string output;
  bool force = false;
  bool quiet = false;
  int threads = 0;
  std::optional<int> replications;             //!< overrides optimize.replications
  std::optional<int> evaluation_replications;  //!< overrides optimize.evaluation_replications
};

//! Register `clvsim optimize` on `app`, filling `args`.
CLI::App* add_optimize_command(CLI::App& app, OptimizeArgs& args);

//! Run it: read the scenario's [optimize] table, optimise, write the results file, print.
int optimize_command(const OptimizeArgs& args, const std::string& command_line);

}  // namespace clvsim::cli
