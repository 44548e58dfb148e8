// libFuzzer harness of the scenario reader and validator: any bytes either give a valid scenario
// (whose variants then expand and validate, and whose nominal model resolves) or an InputError.
// Any other outcome (a crash, a sanitizer report, another exception, a hang) is a bug.
//
// Inputs that name a file (`extends`, `[parameter_draws]`) are skipped: they would read the
// fuzzing machine's disk.
// A bug of toml++ 3.3.0 that is not clvsim's is skipped too (docs/fuzzing.md): bytes that are
// not valid UTF-8 in some positions reach undefined behaviour in its UTF-8 decoder before it
// reports the error.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "clvsim/error.hpp"
#include "clvsim/io/scenario_toml.hpp"
#include "clvsim/model.hpp"
#include "clvsim/variants.hpp"

namespace {

//! Whether `text` is valid UTF-8 (RFC 3629: no overlong forms, no surrogates, <= U+10FFFF).
bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07u;
    } else {
      return false;
    }
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= text.size()) return false;
      const auto d = static_cast<unsigned char>(text[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3Fu);
    }
    static constexpr std::uint32_t MIN[] = {0, 0x80, 0x800, 0x10000};
    if (cp < MIN[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (text.find("extends") != std::string_view::npos ||
      text.find("parameter_draws") != std::string_view::npos)
    return 0;
  // CLVSIM_FUZZ_TOMLPP_BUGS=1 keeps them, to check whether a newer toml++ still has the bug.
  static const bool skip_known = std::getenv("CLVSIM_FUZZ_TOMLPP_BUGS") == nullptr;
  if (skip_known && !valid_utf8(text)) return 0;
  try {
    const clvsim::Scenario s = clvsim::parse_scenario(text, "fuzz.toml");
    const std::vector<clvsim::Scenario> all = clvsim::expand_variants(s);
    for (const auto& v : all) (void)clvsim::resolve_nominal(v, clvsim::Valuation::WithoutCustomerValue);
  } catch (const clvsim::InputError&) {
    // Bad input, reported as such: the expected outcome for most inputs.
  }
  // Any other exception escapes to libFuzzer, which reports it as a crash.
  return 0;
}
