#pragma once

// Reading a table of joint parameter draws from CSV (docs/scenario.md, [parameter_draws]).

#include <string>
#include <string_view>

#include "clvsim/scenario.hpp"

namespace clvsim {

//! Parse the CSV text of joint parameter draws: a header row of column names, then one row of
//! numbers per draw. Blank lines and lines starting with '#' are skipped; fields may be quoted;
//! numbers are decimal (with an optional exponent). `file` names the text in messages and
//! `declared` is where the table was declared, quoted in every message. Throws InputError,
//! located at file:line:column, for an empty file, a header without rows, an empty or repeated
//! column name, a row with a different number of values than the header, and a value that is
//! not a finite number.
ParameterDraws parse_parameter_draws_csv(std::string_view text, const std::string& file,
                                         const SourceLocation& declared);

}  // namespace clvsim
