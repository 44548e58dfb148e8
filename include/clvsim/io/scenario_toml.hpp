#pragma once

// Reading scenarios from TOML. This is the only place that knows toml++.

#include <string>
#include <string_view>

#include "clvsim/scenario.hpp"

namespace clvsim {

//! Parse scenario text. `source_name` is used in error messages and stored in the scenario.
//! Throws InputError for malformed TOML, unknown keys (with a did-you-mean suggestion), wrong
//! types, missing required keys, NaN or infinity, and any value validate() rejects.
Scenario parse_scenario(std::string_view text, const std::string& source_name);

//! Read and parse a scenario file. Throws InputError if the file cannot be read.
Scenario read_scenario_file(const std::string& path);

//! The embedded default scenario (a subscription business), as TOML text.
std::string_view default_scenario_text();

}  // namespace clvsim
