// libFuzzer harness of the scenario reader and validator: any bytes either give a valid scenario
// (whose variants then expand and validate, and whose nominal model resolves) or an InputError.
// Any other outcome (a crash, a sanitizer report, another exception, a hang) is a bug.
//
// Inputs that name a file (`extends`, `[parameter_draws]`) are skipped: they would read the
// fuzzing machine's disk.

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "clvsim/error.hpp"
#include "clvsim/io/scenario_toml.hpp"
#include "clvsim/model.hpp"
#include "clvsim/variants.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (text.find("extends") != std::string_view::npos ||
      text.find("parameter_draws") != std::string_view::npos)
    return 0;
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
