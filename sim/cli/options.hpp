#pragma once

// Command-line value forms shared by the subcommands.

#include <string>

namespace clvsim::cli {

//! An integer option's text with a decimal exponent or fraction written out: "1e4" and
//! "2.5e3" become "10000" and "2500"; plain integers are returned unchanged. Throws
//! std::invalid_argument "<text> is not an integer" for a value that is not a whole number
//! ("2.5", "1e-3", "ten"), so the message says what is expected instead of "out of range".
std::string integer_text(const std::string& text);

}  // namespace clvsim::cli
