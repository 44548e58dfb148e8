// toml++ as clvsim configures it (sim/io/toml.hpp): its character classes are total.
//
// toml++ 3.3.0's generated classifier of horizontal whitespace reaches __builtin_unreachable()
// for most code points between U+00A1 and U+FEFE (its issues #190 and #295), which a fuzzer
// reaches through a scenario file. The set it means is Unicode's White_Space property (the
// space separators and the line-breaking controls) plus four zero-width characters that earlier
// Unicode versions or TOML implementations count as spaces: U+180E, U+200B, U+2060 and U+FEFF.

#include <cstdint>
#include <vector>

#include <catch2/catch.hpp>

#include "toml.hpp"

namespace {

bool is_horizontal_space(char32_t c) {
  return c == U'\t' || c == U' ' || c == 0xA0 || c == 0x1680 || c == 0x180E ||
         (c >= 0x2000 && c <= 0x200B) || c == 0x202F || c == 0x205F || c == 0x2060 || c == 0x3000 ||
         c == 0xFEFF;
}

bool is_vertical_space(char32_t c) {
  return (c >= 0x0A && c <= 0x0D) || c == 0x85 || c == 0x2028 || c == 0x2029;
}

// A constant expression reaching __builtin_unreachable() does not compile, so these fail at
// build time if the library's gap is back: one code point from each range it missed.
static_assert(!toml::impl::is_non_ascii_horizontal_whitespace(U'\u00E9'));
static_assert(!toml::impl::is_non_ascii_horizontal_whitespace(U'\u0499'));
static_assert(!toml::impl::is_non_ascii_horizontal_whitespace(U'\u2C5E'));
static_assert(!toml::impl::is_non_ascii_horizontal_whitespace(U'\u3001'));
static_assert(!toml::impl::is_non_ascii_horizontal_whitespace(U'\uFEE9'));
static_assert(toml::impl::is_non_ascii_horizontal_whitespace(U'\u3000'));

}  // namespace

TEST_CASE("toml++ classifies every code point as whitespace or not, as Unicode does",
          "[io][toml]") {
  std::vector<char32_t> wrong;
  for (char32_t c = 0; c <= 0x10FFFF; ++c) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;  // surrogates are not characters
    const bool horizontal = toml::impl::is_horizontal_whitespace(c);
    const bool any = toml::impl::is_whitespace(c);
    if (horizontal != is_horizontal_space(c) || any != (horizontal || is_vertical_space(c)))
      wrong.push_back(c);
  }
  INFO("first wrong code point: " << (wrong.empty() ? 0u : static_cast<unsigned>(wrong[0])));
  CHECK(wrong.empty());
}
