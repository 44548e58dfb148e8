#pragma once

// Joint parameter draws: a table whose rows are draws of several parameters together (a fit's
// sampling distribution, a posterior from another tool). Each replication uses one row for every
// column, so correlations between the parameters are kept (docs/model.md §3).

#include <cstddef>
#include <cstdint>

#include "clvsim/scenario.hpp"

namespace clvsim {

//! Link `s.parameter_draws` to the parameters its columns name (exact dotted key paths): each
//! becomes drawn from its column (Param::draws_column) and its point value becomes the column
//! mean. A default that copies a named parameter (an unwritten nurtured rate) follows it.
//! Throws InputError, located in the table, for a column that names no parameter (with a
//! suggestion), names a parameter given as a distribution or names one twice, for a value
//! outside its parameter's domain, and for a row that makes the scenario invalid (each row is
//! validated as if its values were written in the scenario). Does nothing without draws.
void attach_parameter_draws(Scenario& s);

//! The row of a table of `rows` draws used by replication `replication`: uniform over the rows,
//! from the stream (seed, replication, Purpose::ParameterDraws, 0) with an exact integer method.
[[nodiscard]] std::size_t parameter_draws_row(std::size_t rows, std::uint64_t seed,
                                              std::uint64_t replication);

}  // namespace clvsim
