#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "clvsim/communicator.hpp"
#include "clvsim/sweep.hpp"

namespace clvsim::cli {

//! Exit codes of the clvsim command.
enum ExitCode : int { SUCCESS = 0, RUNTIME_FAILURE = 1, BAD_INPUT = 2 };

//! Parse the command line and run the chosen command. Never throws.
int main(int argc, char** argv);

struct SweepArgs {
  std::string scenario;
  std::string output;
  bool force = false;
  bool resume = false;
  bool quiet = false;
  int threads = 0;
  std::optional<int> replications;
  std::string shard;  //!< "i/N", empty for the whole sweep
  bool fingerprint = false;  //!< only print the sweep's fingerprint
};

struct SensitivityArgs {
  std::string scenario;
  std::string output;
  bool force = false;
  bool quiet = false;
  bool no_sobol = false;
  int threads = 0;
  std::optional<int> samples;
};

struct MergeArgs {
  std::vector<std::string> shards;
  std::string scenario;  //!< if given, the shards must come from this scenario's current text
  std::string output;
  bool force = false;
};

//! "i/N" -> Shard. InputError otherwise.
Shard parse_shard(const std::string& text);

int sweep_command(const SweepArgs& a, Communicator& comm, const std::string& command_line);
int sensitivity_command(const SensitivityArgs& a, Communicator& comm, const std::string& command_line);
int merge_command(const MergeArgs& a);

}  // namespace clvsim::cli
