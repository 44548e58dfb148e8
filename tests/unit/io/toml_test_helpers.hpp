#pragma once

// Helpers for tests of the TOML reader's error messages: they locate the offending token in the
// test's own text, so a reported location that drifts by one column fails the test.

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "clvsim/error.hpp"
#include "clvsim/io/scenario_toml.hpp"

namespace toml_test {

inline std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1))
    ++n;
  return n;
}

//! `text` with its single occurrence of `from` replaced by `to`.
inline std::string edit(std::string text, const std::string& from, const std::string& to) {
  INFO("editing '" << from << "'");
  REQUIRE(count_of(text, from) == 1);
  text.replace(text.find(from), from.size(), to);
  return text;
}

//! Line and column of the single occurrence of `needle` in `text`, plus `offset` columns.
inline std::pair<int, int> line_col(const std::string& text, const std::string& needle, int offset = 0) {
  INFO("locating '" << needle << "'");
  REQUIRE(count_of(text, needle) == 1);
  const auto pos = text.find(needle);
  const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n');
  const auto line_start = text.rfind('\n', pos);
  const auto column = pos - (line_start == std::string::npos ? 0 : line_start + 1) + 1;
  return {static_cast<int>(line), static_cast<int>(column) + offset};
}

//! "<file>:<line>:<column>: " of the single occurrence of `needle` in `text`.
inline std::string at(const std::string& text, const std::string& needle, int offset = 0,
               const std::string& file = "x.toml") {
  const auto [line, column] = line_col(text, needle, offset);
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
}

inline void check_where(const clvsim::SourceLocation& where, const std::string& text,
                 const std::string& needle) {
  const auto [line, column] = line_col(text, needle);
  CHECK(where.file == "x.toml");
  CHECK(where.line == line);
  CHECK(where.column == column);
}

inline std::string error_of(const std::string& text) {
  try {
    (void)clvsim::parse_scenario(text, "x.toml");
  } catch (const clvsim::InputError& e) {
    return e.what();
  }
  FAIL("expected an InputError for:\n" << text);
  return {};
}

//! Assert the message starts at `where` and contains each of `parts`.
inline void check_error(const std::string& text, const std::string& where,
                 const std::vector<std::string>& parts) {
  const std::string msg = error_of(text);
  INFO("message: " << msg);
  CHECK_THAT(msg, Catch::Matchers::StartsWith(where));
  for (const auto& p : parts) CHECK_THAT(msg, Catch::Matchers::Contains(p));
}

}  // namespace toml_test
