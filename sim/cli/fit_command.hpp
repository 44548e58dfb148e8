#pragma once

// clvsim fit: calibrate a scenario to a company's records.

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "clvsim/fit/io/fit_run.hpp"

namespace clvsim::cli {

//! The options of `clvsim fit`: the library's, and the command's own.
struct FitArgs : fit::FitOptions {
  bool quiet = false;
};

//! Register the `fit` subcommand on `app`, filling `args`.
CLI::App* add_fit_command(CLI::App& app, FitArgs& args);
//! Run it. Throws InputError for bad input; writes nothing unless everything succeeded.
int fit_command(const FitArgs& args, const std::string& command_line);

}  // namespace clvsim::cli
