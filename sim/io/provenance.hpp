#pragma once

// What every results file records to be reproduced and compared (docs/results.md).

#include <cstdint>
#include <string>

#include "clvsim/io/hdf5.hpp"

namespace clvsim::detail {

struct Provenance {
  std::string command_line;
  std::int64_t threads = 1;
  std::int64_t ranks = 1;
  double wall_seconds = 0.0;
  std::string scenario_name;
  std::string scenario_file;
  std::string scenario_text;
};

//! The current time, ISO 8601 in UTC.
std::string utc_now();

//! Version, git revision, build type, creation time, command line, threads, ranks, wall time and
//! the scenario (name, file, resolved text) as attributes of `g`.
void write_provenance(h5::Group& g, const Provenance& p);

}  // namespace clvsim::detail
