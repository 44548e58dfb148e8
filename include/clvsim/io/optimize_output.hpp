#pragma once

#include <string>

#include "clvsim/io/atomic_file.hpp"
#include "clvsim/optimize/optimize.hpp"

namespace clvsim {

//! Write an optimisation (layout in docs/optimize.md), atomically.
void write_optimize_hdf5(const std::string& path, const optimize::Result& result, int threads,
                         const std::string& command_line, Overwrite overwrite);

}  // namespace clvsim
