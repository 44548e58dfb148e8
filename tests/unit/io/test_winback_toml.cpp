// [winback] by recency (Pfeifer & Carraway 2000, Journal of Interactive Marketing 14(2)): the
// success probability as one number or one per period since lapse, and the convention for the
// period the won back return in. Errors name file:line:column, the key, the value and what is
// accepted.

#include <string>

#include <catch2/catch.hpp>

#include "clvsim/io/scenario_toml.hpp"
#include "clvsim/scenario.hpp"
#include "toml_test_helpers.hpp"

using clvsim::ReturningChurn;
using clvsim::Scenario;
using namespace toml_test;

namespace {

const std::string BASE = R"([simulation]
horizon = 12

[funnel]
stages = ["lead"]

[funnel.lead]
advance = 0.0

[segments.only]
churn = 0.05
order_value = 30
initial_customers = 100

[winback]
attempt_cost = 2
window = 4
success_probability = [0.3, 0.2, 0.1, 0.05]
)";

}  // namespace

TEST_CASE("winback.success_probability by recency is read with its paths and places",
          "[io][toml][winback]") {
  const Scenario s = clvsim::parse_scenario(BASE, "x.toml");
  REQUIRE(s.winback.success_probability.size() == 4);
  CHECK(s.winback.success_probability[2].value == 0.1);
  CHECK(s.winback.success_probability[2].path == "winback.success_probability[2]");
  check_where(s.winback.success_probability[2].where, BASE, "0.1,");
  CHECK(s.winback.success_at(1).value == 0.3);
  CHECK(s.winback.success_at(4).value == 0.05);
  CHECK(s.winback.returning_churn == ReturningChurn::SamePeriod);  // the default

  const std::string one = edit(BASE, "[0.3, 0.2, 0.1, 0.05]", "0.2");
  const Scenario t = clvsim::parse_scenario(one, "x.toml");
  REQUIRE(t.winback.success_probability.size() == 1);
  CHECK(t.winback.success_probability[0].path == "winback.success_probability");
  CHECK(t.winback.success_at(3).value == 0.2);  // the same for every recency

  const std::string next = BASE + "returning_churn = \"next_period\"\n";
  CHECK(clvsim::parse_scenario(next, "x.toml").winback.returning_churn ==
        ReturningChurn::NextPeriod);
}

TEST_CASE("winback.success_probability and returning_churn errors", "[io][toml][winback][errors]") {
  SECTION("an array of the wrong length") {
    const auto text = edit(BASE, "[0.3, 0.2, 0.1, 0.05]", "[0.3, 0.2]");
    check_error(text, at(text, "[0.3, 0.2]"),
                {"winback.success_probability = [0.3, 0.2] has 2 elements",
                 "one value per period since lapse: winback.window = 4 elements",
                 "or give one number for every recency"});
  }
  SECTION("an element outside [0, 1]") {
    const auto text = edit(BASE, "[0.3, 0.2, 0.1, 0.05]", "[0.3, 1.2, 0.1, 0.05]");
    check_error(text, at(text, "1.2"),
                {"winback.success_probability[1] = 1.2 is not a probability", "[0, 1]"});
  }
  SECTION("a negative element") {
    const auto text = edit(BASE, "[0.3, 0.2, 0.1, 0.05]", "[0.3, 0.2, 0.1, -0.05]");
    check_error(text, at(text, "-0.05"),
                {"winback.success_probability[3] = -0.05 is not a probability", "[0, 1]"});
  }
  SECTION("an element that is not a number") {
    const auto text = edit(BASE, "[0.3, 0.2, 0.1, 0.05]", "[0.3, 0.2, \"high\", 0.05]");
    check_error(text, at(text, "\"high\""), {"winback.success_probability[2]", "a number"});
  }
  SECTION("an unknown convention") {
    const auto text = BASE + "returning_churn = \"next\"\n";
    check_error(text, at(text, "\"next\""),
                {"winback.returning_churn = \"next\" is not a known convention",
                 "did you mean \"next_period\"?", "accepted: \"same_period\", \"next_period\""});
  }
  SECTION("a convention that is not a string") {
    const auto text = BASE + "returning_churn = 1\n";
    check_error(text, at(text, "1\n", 0), {"winback.returning_churn", "same_period"});
  }
  SECTION("a missing probability") {
    const auto text = edit(BASE, "success_probability = [0.3, 0.2, 0.1, 0.05]\n", "");
    check_error(text, at(text, "[winback]"),
                {"winback is missing required key 'success_probability'", "window = 4"});
  }
}
