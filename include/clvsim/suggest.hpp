#pragma once

// "Did you mean" suggestions for misspelt keys, names and key paths.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace clvsim {

//! The option closest to `word`, if one is close: an edit distance of at most 2 (and less than
//! the word's length, so "x" does not suggest "y"), a prefix either way, or a shared prefix of at
//! least two thirds of the shorter word ("saturated" -> "saturating").
std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& options);

//! "a, b, c": the names, each between `quote`s, comma-separated; after the first `cap`,
//! "... and N more" so that an error about a long list stays readable.
std::string list_names(const std::vector<std::string>& names, std::string_view quote = "",
                       std::size_t cap = 20);

//! Levenshtein distance.
std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace clvsim
